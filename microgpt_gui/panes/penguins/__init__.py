"""The penguins pane (pane.py): the Palmer penguins classifier, trained in a thread of
its own (worker), its views built and drawn in plots."""
