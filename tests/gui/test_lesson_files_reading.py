"""Issue 21 item 11 (and 16): a teacher's lesson folder gets a dataset's care: regular files
only, a size cap, messages that are bounded and quote no regular expression. No Qt."""

import os
import threading

import pytest

from microgpt_gui.lessons import files

GOOD = """title: What is a derivative?
tab: graph
task: Nudge x from 2 to 3.
done: nudged x by 1
seen: y moved by 3.
---
A derivative says how much **y** moves.
"""


def load_in_a_thread(folder, timeout=10):
    """load_all(folder), or None if it is still waiting after timeout seconds."""
    result = []
    t = threading.Thread(target=lambda: result.append(files.load_all(folder)), daemon=True)
    t.start()
    t.join(timeout)
    return result[0] if result else None


def test_a_fifo_a_device_and_a_folder_are_refused_and_the_good_lesson_loads(tmp_path):
    (tmp_path / "01-good.md").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "02-pipe.md")
    (tmp_path / "03-zero.md").symlink_to("/dev/zero")
    (tmp_path / "04-folder.md").mkdir()
    loaded = load_in_a_thread(tmp_path)
    assert loaded is not None, "reading a FIFO waited for a writer"
    assert isinstance(loaded[0], files.Lesson)
    messages = [str(x) for x in loaded[1:]]
    assert messages == [
        "02-pipe.md: is a named pipe, not a regular file",
        "03-zero.md: is a device, not a regular file",
        "04-folder.md: is a folder, not a file",
    ]
    assert all("Errno" not in m for m in messages)


def test_a_file_over_the_size_cap_is_refused_from_its_size(tmp_path):
    big = tmp_path / "big.md"
    big.write_text("title: " + "x" * 2 * 2**20 + "\n", encoding="utf-8")
    (error,) = files.load_all(tmp_path)
    assert str(error) == "big.md: is 2 MB; lesson files are limited to 64 KB"


def test_a_long_header_line_is_refused_and_not_quoted_whole():
    text = GOOD.replace("title: What is a derivative?", "title: " + "x" * 10_000)
    with pytest.raises(files.LessonError) as caught:
        files.parse(text, "long.md")
    assert (
        str(caught.value) == "long.md, line 1: this header line has 10007 characters; at most 400"
    )
    text = GOOD.replace("tab: graph", "tab: " + "k" * 300)
    with pytest.raises(files.LessonError) as caught:
        files.parse(text, "tab.md")
    assert "no tab 'kkkk" in str(caught.value) and len(str(caught.value)) < 200


def test_a_non_utf8_file_says_so_with_its_line_and_no_codec_internals(tmp_path):
    (tmp_path / "latin1.md").write_bytes("title: ok\ntask: caf\xe9\n".encode("latin-1"))
    (error,) = files.load_all(tmp_path)
    assert str(error) == "latin1.md, line 2: is not UTF-8 text; save it as UTF-8"


def test_an_unknown_done_event_lists_the_events_as_a_teacher_writes_them():
    with pytest.raises(files.LessonError) as caught:
        files.parse(GOOD.replace("done: nudged x by 1", "done: made tea"), "tea.md")
    message = str(caught.value)
    assert "nudged <name> by <number>" in message
    assert "phase <forward or loss or backward or update>" in message
    assert "\\" not in message and "(?:" not in message and "(\\w+)" not in message
