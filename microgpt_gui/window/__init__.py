"""The window: MainWindow (main_window.py) builds the panes and wires them to the run;
its actions and menus, toolbar, timeline bar, docks, dialogs, status line, the
settings it remembers and the settings dialog, and the time-travel wiring."""
