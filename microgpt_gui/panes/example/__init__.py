"""The current example pane (pane.py): the last step's document with each position's
p(target) and loss (strip), the full next-char distribution (distribution), the
attention weights per head (attention), and a name of the learner's own read through
the model (name_input)."""
