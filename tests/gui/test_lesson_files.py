"""Lesson files (issue 16): the parser, its vocabulary, its errors, and the safe Markdown.
No Qt: lessons.files and lessons.markdown are plain Python."""

import re

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
        (("tab: graph", "temperature: 9"), 2, "temperature is a number from 0.1 to 2"),
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


ASKS = "ask: How much does y grow?\nchoice: by 1\nchoice: by 3\nanswer: by 3\n"


def test_a_question_gives_its_choices_and_the_index_of_the_answer_and_a_verdict():
    lesson = files.parse(ASKS + GOOD, "q.md")
    assert lesson.ask == "How much does y grow?" and lesson.choices == ("by 1", "by 3")
    assert lesson.answer == 1 and files.parse(GOOD).ask == ""
    assert lesson.verdict(1) == "You predicted “by 3”: right. "
    assert lesson.verdict(0) == "You predicted “by 1”; it was “by 3”. "


@pytest.mark.parametrize(
    "change, line, words",
    [
        (("ask: How much does y grow?\n", ""), 1, "need an ask: line"),
        (("choice: by 3\n", ""), 1, "ask: needs 2 to 4 choice: lines"),
        (("answer: by 3\n", "choice: 5\nchoice: 6\nchoice: 7\nanswer: by 3\n"), 6, "2 to 4"),
        (("answer: by 3", "answer: by 4"), 4, "the answer must be one of the choices"),
        (("answer: by 3\n", ""), 11, "an ask: line but no answer: line"),
        (("choice: by 3", "choice: by 1"), 1, "two choices are the same"),
    ],
)
def test_a_bad_question_names_the_line_and_what_is_wrong(change, line, words):
    with pytest.raises(files.LessonError) as caught:
        files.parse(ASKS.replace(*change) + GOOD, "q.md")
    assert caught.value.line == line and words in str(caught.value)


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


def test_the_bundled_lessons_are_twelve_in_the_posts_order_each_short_with_one_task():
    lessons = files.load_all()
    assert [type(x) for x in lessons] == [files.Lesson] * 12, [str(x) for x in lessons]
    events = [lesson.done.text for lesson in lessons]
    assert events[-2:] == ["lab swept block_size", "lab swept n_embd on few and many names"]
    assert events[:10] == [
        "most surprised card clicked",
        "nudged x by 1",
        "backward pass walked",
        "descended",
        "loss fell over 20 descents",
        "penguins second inputs compared",
        "phase update",
        "generated before and after training, then from xq",
        "name read at step 0 and after training",
        "attention row maximum clicked",
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
    assert lesson.choices == ("by 1", "by 3") and lesson.answer == 1


def test_lesson_6s_accuracies_are_what_the_core_computes_and_body_mass_does_not_help():
    """The 'about N%' of lesson 6's check mark, against PenguinModel trained as one press
    of Train does (TRAIN_STEPS full-batch Adam steps, the pane's default seed and split)."""
    from microgpt.penguins.classifier import PenguinModel
    from microgpt_gui.panes.penguins.pane import TRAIN_STEPS

    lesson = next(x for x in files.load_all() if x.source.startswith("06-"))
    quoted = dict(re.findall(r"(alone|bill length|bill depth|body mass) about (\d+)%", lesson.seen))
    second = {"alone": None, "bill length": "bill_length_mm", "bill depth": "bill_depth_mm"}
    second["body mass"] = "body_mass_g"
    computed = {}
    for words_, feature in second.items():
        model = PenguinModel(["flipper_length_mm"] + ([feature] if feature else []))
        for _ in range(TRAIN_STEPS):
            model.step()
        computed[words_] = model.accuracy("test") * 100
    assert set(quoted) == set(second)
    for key, percent in quoted.items():
        assert abs(computed[key] - int(percent)) < 1, (key, computed[key])
    assert computed["bill length"] > computed["alone"] + 10  # it separates Adelie/Chinstrap
    assert computed["body mass"] <= computed["alone"]  # body mass does not
