"""The sampling pane (pane.py): names the model generates, and the probability of each
char of a clicked name (probs_chart)."""
