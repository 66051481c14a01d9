"""Lesson files: a header of `key: value` lines, a line `---`, then the Markdown text.

    title: What is a derivative?
    tab: graph
    preset: y = 3x
    select: x
    task: Nudge x from 2 to 3.
    done: nudged x by 1
    seen: y moved by 3: the slope dy/dx is 3.
    ---
    The text, in plain Markdown (see markdown.py for what is understood).

Setup keys (tab, preset, select, run, penguins, descent lr) run in the order written; the
done event comes from a fixed vocabulary (DONE). Every problem is a LessonError that names
the file and the line. No Qt here.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from microgpt.data import assets_dir, read_regular_file
from microgpt.destination import short_path
from microgpt.expr.language import evaluate
from microgpt.expr.presets import PRESETS
from microgpt.lab import AXES
from microgpt.penguins.data import FEATURES, SHORT

from ..text import elided

MAX_WORDS = 150  # the text of a lesson
MAX_BYTES = 64 * 1024  # a lesson file: 150 words and a header are ~2 KB
MAX_HEADER_LINE = 400  # characters of a `key: value` line (a 40-word task is ~250)
MAX_QUOTE = 60  # characters of a file's text or name quoted in a message
MAX_TASK_WORDS = 40
MAX_SEEN_WORDS = 60
TABS = ("example", "graph", "gradients", "loss", "sampling", "penguins", "experiments")
RUN_SETUPS = ("fresh",)  # run: fresh = a new run at step 0 (the learner is asked first)
SETUP_KEYS = ("tab", "preset", "select", "run", "penguins", "descent lr", "temperature")
TEXT_KEYS = ("title", "task", "done", "seen")
SHOWN = (*TABS, "runs")  # show: the panes a lesson arranges the window with
QUESTION_KEYS = ("ask", "answer", "show")  # optional: asked before the task, with 2-4 choice: lines
MAX_CHOICES = 4
PHASES = ("forward", "loss", "backward", "update")
NUMBER = r"(-?\d+(?:\.\d+)?)"
LAB_AXES = "|".join(AXES)
# done events: pattern -> what it means (shown when a file names an unknown event)
DONE = {
    "most surprised card clicked": "the card with the largest loss of the last step is selected",
    f"nudged (\\w+) by {NUMBER}": "a graph leaf was moved exactly that far from its written value",
    "backward pass walked": "the graph's step-through reached the end of the backward pass",
    "descended": "Descend ran once on the graph",
    r"loss fell over (\d+) descents": "that many descents in a row, and the output fell",
    "penguins accuracy compared": "the runs table has flipper alone and flipper + bill length",
    "penguins second inputs compared": (
        "the runs table has flipper alone and flipper + each of bill length, bill depth, body mass"
    ),
    f"phase ({'|'.join(PHASES)})": "phase stepping of a GPT step reached that phase",
    "generated before and after training": "names generated at step 0, then after training",
    f"lab swept ({LAB_AXES})": "a scale-lab sweep of that setting finished with at least 3 runs",
    f"lab swept ({LAB_AXES}) on few and many names": "two, on different numbers of names",
    r"generated before and after training, then from (\w+)": (
        "names generated at step 0, after training, then after training from that prefix"
    ),
    "name read at step 0 and after training": (
        "a name typed in the Current example pane read at step 0, then the same after training"
    ),
    "attention row maximum clicked": (
        "a cell of the attention map clicked that is the largest of its row (not the first row)"
    ),
}
PENGUIN_WORDS = {**{f: f for f in FEATURES}, **{v.replace("_", " "): k for k, v in SHORT.items()}}


class LessonError(ValueError):
    """A problem with a lesson file, naming the file and the line."""

    def __init__(self, source: str, line: int, message: str):
        self.source, self.line, self.message = source, line, message
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Done:
    kind: str  # the pattern of DONE it matched
    args: tuple[str, ...]  # what the pattern's groups captured
    text: str  # as written


@dataclass(frozen=True)
class Lesson:
    source: str  # the file name
    title: str
    setup: tuple[tuple[str, str], ...]  # (key, value) in the order written
    task: str
    done: Done
    seen: str  # the sentence shown with the check mark
    body: str  # Markdown
    ask: str = ""  # the prediction asked before the task ('' = none)
    choices: tuple[str, ...] = ()
    answer: int = -1  # index of the right choice
    show: tuple[str, ...] = ()  # the panes on screen beside the lesson (show: graph, loss)

    def verdict(self, chosen: int) -> str:
        """What the check mark says about the learner's prediction."""
        if not self.ask or not 0 <= chosen < len(self.choices):
            return ""
        if chosen == self.answer:
            return f"You predicted “{self.choices[chosen]}”: right. "
        return f"You predicted “{self.choices[chosen]}”; it was “{self.choices[self.answer]}”. "


def _q(text: str) -> str:
    """text quoted in a message, at most MAX_QUOTE characters of it."""
    return repr(elided(text, MAX_QUOTE))


def written(pattern: str) -> str:
    """A done event's pattern as a teacher writes it: 'nudged <name> by <number>'."""
    text = pattern.replace(NUMBER, "<number>").replace(r"(\w+)", "<name>")
    text = text.replace(r"(\d+)", "<count>")
    return re.sub(r"\(([a-z|]+)\)", lambda m: "<" + " or ".join(m[1].split("|")) + ">", text)


def words(text: str) -> int:
    return len(re.findall(r"[\w'’.-]+", text))


def parse_done(text: str) -> Done | None:
    for pattern in DONE:
        m = re.fullmatch(pattern, text.strip())
        if m:
            return Done(pattern, m.groups(), text.strip())
    return None


def _number_in(text: str, lo: float, hi: float) -> bool:
    try:
        return lo <= float(text) <= hi
    except ValueError:
        return False


def _check_setup(key: str, value: str) -> str:
    """'' if `key: value` is a setup the app knows, else why not."""
    if key == "tab" and value not in TABS:
        return f"no tab {_q(value)}; tabs are: {', '.join(TABS)}"
    if key == "preset" and value not in dict(PRESETS):
        return f"no preset {_q(value)}; presets are: {', '.join(n for n, _ in PRESETS)}"
    if key == "select" and not re.fullmatch(r"[A-Za-z_]\w*", value):
        return f"select names a node of the graph, like x; not {_q(value)}"
    if key == "run" and value not in RUN_SETUPS:
        return f"run can be: {', '.join(RUN_SETUPS)}; not {_q(value)}"
    if key == "penguins":
        bad = [w for w in value.split(",") if w.strip() not in PENGUIN_WORDS]
        if bad or not value.strip():
            return f"unknown penguin input {_q(bad[0].strip() if bad else value)}; inputs are: " + (
                ", ".join(PENGUIN_WORDS)
            )
    for name, lo, hi in (("descent lr", 0.001, 10), ("temperature", 0.1, 2)):
        if key == name and not _number_in(value, lo, hi):
            return f"{name} is a number from {lo:g} to {hi:g}, not {_q(value)}"
    return ""


def parse(text: str, source: str = "<lesson>") -> Lesson:
    """One lesson from its file's text; LessonError if anything is wrong."""
    lines = text.splitlines()
    try:
        end = next(i for i, line in enumerate(lines) if line.strip() == "---")
    except StopIteration:
        raise LessonError(source, 0, "no line '---' between the header and the text") from None
    fields: dict[str, tuple[str, int]] = {}
    setup, choices = [], []
    for n, line in enumerate(lines[:end], 1):
        if not line.strip():
            continue
        if len(line) > MAX_HEADER_LINE:
            msg = f"this header line has {len(line)} characters; at most {MAX_HEADER_LINE}"
            raise LessonError(source, n, msg)
        key, colon, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if not colon or not value:
            raise LessonError(source, n, f"expected 'key: value', got {_q(line.strip())}")
        if key in SETUP_KEYS:
            why = _check_setup(key, value)
            preset = next((v for k, v in reversed(setup) if k == "preset"), None)
            if not why and key == "select" and preset is not None:
                labels = {node.label for node in evaluate(dict(PRESETS)[preset]).nodes}
                if value not in labels:
                    why = f"the preset {_q(preset)} has no node {_q(value)}"
            if why:
                raise LessonError(source, n, why)
            setup.append((key, value))
        elif key == "choice":
            choices.append((value, n))
        elif key in TEXT_KEYS + QUESTION_KEYS:
            if key in fields:
                raise LessonError(
                    source, n, f"{key} is given twice (first on line {fields[key][1]})"
                )
            fields[key] = (value, n)
        else:
            known = ", ".join(TEXT_KEYS + SETUP_KEYS + QUESTION_KEYS + ("choice",))
            raise LessonError(source, n, f"unknown key {_q(key)}; keys are: {known}")
    for key in TEXT_KEYS:
        if key not in fields:
            raise LessonError(source, end + 1, f"the header has no {key}: line")
    done = parse_done(fields["done"][0])
    if done is None:
        known = "; ".join(written(p) for p in DONE)
        raise LessonError(source, fields["done"][1], f"unknown done event; events are: {known}")
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise LessonError(source, end + 1, "the lesson has no text after '---'")
    for key, limit, n in (
        ("text", MAX_WORDS, end + 2),
        ("task", MAX_TASK_WORDS, fields["task"][1]),
        ("seen", MAX_SEEN_WORDS, fields["seen"][1]),
    ):
        count = words(body if key == "text" else fields[key][0])
        if count > limit:
            raise LessonError(source, n, f"the {key} has {count} words; at most {limit}")
    title, task, seen = (fields[k][0] for k in ("title", "task", "seen"))
    ask, answer = _question(source, fields, choices, end)
    texts = tuple(c for c, _ in choices)
    show = _shown(source, *fields.get("show", ("", 0)))
    return Lesson(source, title, tuple(setup), task, done, seen, body, ask, texts, answer, show)


def _shown(source: str, value: str, line: int) -> tuple[str, ...]:
    """The panes of a show: line, checked against SHOWN."""
    names = tuple(w.strip() for w in value.split(",") if w.strip())
    bad = [n for n in names if n not in SHOWN]
    if bad:
        raise LessonError(source, line, f"show: no pane {bad[0]!r}; panes are: {', '.join(SHOWN)}")
    return names


def _question(source: str, fields: dict, choices: list, end: int) -> tuple[str, int]:
    """(ask, index of the answer) from the ask:, choice: and answer: lines; ('', -1): none."""
    ask, answer = fields.get("ask"), fields.get("answer")
    if ask is None:
        stray = choices[0][1] if choices else (answer[1] if answer else 0)
        if stray:
            raise LessonError(source, stray, "choice: and answer: lines need an ask: line")
        return "", -1
    if not 2 <= len(choices) <= MAX_CHOICES:
        where = choices[MAX_CHOICES][1] if len(choices) > MAX_CHOICES else ask[1]
        raise LessonError(source, where, f"ask: needs 2 to {MAX_CHOICES} choice: lines")
    if answer is None:
        raise LessonError(source, end + 1, "the header has an ask: line but no answer: line")
    texts = [c for c, _ in choices]
    if len(set(texts)) < len(texts):
        raise LessonError(source, ask[1], "two choices are the same")
    if answer[0] not in texts:
        raise LessonError(source, answer[1], "the answer must be one of the choices, as written")
    return ask[0], texts.index(answer[0])


class _Unreadable(ValueError):
    """What read_regular_file says about a file it will not read."""


def read(path: Path) -> Lesson:
    """parse() a file; anything but a regular UTF-8 file of at most MAX_BYTES is a
    LessonError (a FIFO or a device is refused from its stat, without waiting or reading)."""
    name = elided(path.name, MAX_QUOTE)
    try:
        raw = read_regular_file(path, MAX_BYTES, _Unreadable, "lesson files")
    except _Unreadable as exc:  # "<path>: is a named pipe, not a regular file"
        raise LessonError(name, 0, str(exc).removeprefix(f"{short_path(path)}: ")) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LessonError(name, line, "is not UTF-8 text; save it as UTF-8") from None
    if "\x00" in text:
        raise LessonError(name, 0, "is a binary file, not text")
    return parse(text, name)


def lessons_dir() -> Path:
    return assets_dir() / "lessons"


def load_all(folder: Path | None = None) -> list[Lesson | LessonError]:
    """Every *.md lesson of the folder in file-name order; a bad one is its LessonError."""
    folder = folder or lessons_dir()
    out: list[Lesson | LessonError] = []
    for path in sorted(folder.glob("*.md")):
        try:
            out.append(read(path))
        except LessonError as exc:
            out.append(exc)
    return out
