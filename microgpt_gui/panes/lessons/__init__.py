"""The lessons pane (pane.py): a lesson's title, text, question (question.py), task and
check mark, Back/Next and the list. The lessons are read and driven on the window by
microgpt_gui/lessons (files, driver, events, show_me, layout); the pane is handed its
driver and layout by the window and never holds the window itself."""
