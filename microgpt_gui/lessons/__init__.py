"""Lessons (issue 16): Markdown files in assets/lessons, each a setup, one task the app
detects, and what the learner just saw. files.py reads them (no Qt); driver.py sets a lesson
up on the window and notices its task; show_me.py does the task visibly."""
