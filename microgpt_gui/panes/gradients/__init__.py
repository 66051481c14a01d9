"""The gradients pane (pane.py): one heatmap per parameter matrix (heatmap), the
clicked cell's numbers and its checks (inspector, check), and the grad-norm history
of each matrix (norms)."""
