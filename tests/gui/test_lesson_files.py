"""Lesson files (issue 16): the parser, its vocabulary, its errors, and the safe Markdown.
No Qt: lessons.files and lessons.markdown are plain Python."""

import pytest

from microgpt_gui.lessons import files
from microgpt_gui.lessons.markdown import to_html

GOOD = """title: What is a derivative?
tab: graph
preset: y = 3x
select: x
task: Nudge x from 2 to 3.
done: nudged x by 1
seen: y moved by 3.
---
A derivative says how much **y** moves.
"""


def test_a_good_file_gives_its_setup_in_order_its_task_and_its_event():
    lesson = files.parse(GOOD, "02.md")
    assert lesson.title == "What is a derivative?"
    assert lesson.setup == (("tab", "graph"), ("preset", "y = 3x"), ("select", "x"))
    assert lesson.done.args == ("x", "1") and lesson.done.text == "nudged x by 1"
    assert lesson.task == "Nudge x from 2 to 3." and lesson.seen == "y moved by 3."
    assert lesson.body == "A derivative says how much **y** moves."


@pytest.mark.parametrize(
    "change, line, words",
    [
        (("tab: graph", "tab: kitchen"), 2, "no tab 'kitchen'"),
        (("preset: y = 3x", "preset: y = 4x"), 3, "no preset 'y = 4x'"),
        (("select: x", "select: import os"), 4, "select names a node"),
        (("select: x", "select: w1"), 4, "the preset 'y = 3x' has no node 'w1'"),
        (("done: nudged x by 1", "done: made tea"), 6, "unknown done event"),
        (("seen: y moved by 3.", "colour: red"), 7, "unknown key 'colour'"),
        (("task: Nudge x from 2 to 3.", "task Nudge x"), 5, "expected 'key: value'"),
        (("select: x", "title: again"), 4, "title is given twice (first on line 1)"),
        (("tab: graph", "descent lr: -1"), 2, "descent lr is a number"),
        (("tab: graph", "penguins: flipper, beak"), 2, "unknown penguin input 'beak'"),
        (("tab: graph", "run: later"), 2, "run can be: fresh"),
        (("seen: y moved by 3.\n", ""), 7, "the header has no seen: line"),
        (("---\n", ""), 0, "no line '---'"),
        (("A derivative says how much **y** moves.\n", ""), 8, "no text after '---'"),
    ],
)
def test_a_bad_file_names_the_file_the_line_and_what_is_wrong(change, line, words):
    text = GOOD.replace(*change)
    with pytest.raises(files.LessonError) as caught:
        files.parse(text, "02-derivative.md")
    err = caught.value
    assert err.source == "02-derivative.md" and err.line == line
    assert words in str(err) and str(err).startswith("02-derivative.md")


def test_a_lesson_longer_than_150_words_is_refused():
    with pytest.raises(files.LessonError, match="the text has 151 words; at most 150"):
        files.parse(GOOD.replace("A derivative", "word " * 144 + "A derivative"), "long.md")


def test_unreadable_and_binary_files_are_lesson_errors_and_the_rest_still_load(tmp_path):
    (tmp_path / "01-good.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "02-latin1.md").write_bytes("title: caf\xe9\n".encode("latin-1"))
    (tmp_path / "03-binary.md").write_bytes(b"title: x\x00\x01\n---\n")
    loaded = files.load_all(tmp_path)
    assert isinstance(loaded[0], files.Lesson)
    assert "02-latin1.md, line 1: is not UTF-8 text" in str(loaded[1])
    assert "03-binary.md: is a binary file" in str(loaded[2])


def test_the_bundled_lessons_are_eight_in_the_posts_order_each_short_with_one_task():
    lessons = files.load_all()
    assert [type(x) for x in lessons] == [files.Lesson] * 8, [str(x) for x in lessons]
    events = [lesson.done.text for lesson in lessons]
    assert events == [
        "most surprised card clicked",
        "nudged x by 1",
        "backward pass walked",
        "descended",
        "loss fell over 20 descents",
        "penguins accuracy compared",
        "phase update",
        "generated before and after training",
    ]
    for lesson in lessons:
        assert files.words(lesson.body) <= 150 and lesson.task and lesson.seen


def test_markdown_escapes_every_tag_and_knows_only_a_few_marks():
    html = to_html(
        "Hi <script>alert(1)</script> & **bold** *it* `a*b*c`\n\n- one <b>\n- two\n\n"
        "# Head\n[link](http://x) <img src=x>"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert "<b>bold</b>" in html and "<i>it</i>" in html and "<code>a*b*c</code>" in html
    assert "<ul><li>one &lt;b&gt;</li><li>two</li></ul>" in html
    assert "<h3>Head</h3>" in html and "<a " not in html and "<img" not in html
    assert "2*3*4 and x * y" in to_html("2*3*4 and x * y")  # arithmetic is not italic


def test_the_readmes_example_lesson_parses():
    readme = (files.lessons_dir().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Lessons", 1)[1]
    example = section.split("```\n", 2)[1]
    lesson = files.parse(example, "README.md")
    assert lesson.done.text == "nudged x by 1" and lesson.setup[0] == ("tab", "graph")
