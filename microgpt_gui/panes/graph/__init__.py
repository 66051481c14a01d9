"""The graph pane (pane.py): a small expression's Value graph drawn left to right
(view, items, layout, text), its editor, the node inspector and its explanations,
descent and its plots, the backward walk, the forward/backward step-through, and the
traced slice of a real training step (trace_panel: trace_view and its trace_box)."""
