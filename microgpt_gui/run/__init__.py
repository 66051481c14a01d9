"""The run: the worker thread that owns the Trainer (worker.py, going back in time in
worker_travel.py, answering questions about the last step in worker_queries.py), the typed
requests sent to it (commands.py), and the RunState the panes subscribe to (state.py)."""
