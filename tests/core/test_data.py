"""Documents, the char tokenizer, bad dataset files, and the makemore download (local server)."""

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgpt import CharTokenizer, DatasetError, VocabularyError, default_docs, load_docs
from microgpt.data import assets_dir, download_names, parse_docs
from microgpt.report import token_text

# --- tokenizer ---------------------------------------------------------------------


def test_tokenizer_layout_is_microgpts():
    tok = CharTokenizer(["emma", "olivia", "ava"])
    assert tok.chars == sorted(set("emmaoliviaava"))
    assert tok.bos == len(tok.chars)
    assert tok.vocab_size == len(tok.chars) + 1
    assert tok.encode("ava") == [tok.chars.index(c) for c in "ava"]
    assert token_text(tok.bos, tok.chars) == "BOS" and token_text(0, tok.chars) == tok.chars[0]


def test_tokenizer_round_trips_every_bundled_doc():
    docs = default_docs()
    tok = CharTokenizer(docs)
    for doc in docs:
        ids = tok.encode(doc)
        assert all(0 <= i < tok.bos for i in ids)
        assert tok.decode(ids) == doc


def test_decode_skips_bos():
    tok = CharTokenizer(["abc"])
    assert tok.decode([tok.bos] + tok.encode("cab") + [tok.bos]) == "cab"


@settings(max_examples=100)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8), st.data())
def test_round_trip_of_any_text_over_the_vocabulary(docs, data):
    tok = CharTokenizer(docs)
    text = data.draw(st.text(alphabet=tok.chars, max_size=30))
    assert tok.decode(tok.encode(text)) == text


@pytest.mark.parametrize("bad", ["Z", "é", " ", "ab7"])
def test_encode_of_unknown_char_names_it(bad):
    tok = CharTokenizer(["abc", "bca"])
    unknown = next(c for c in bad if c not in tok.chars)
    with pytest.raises(VocabularyError) as info:
        tok.encode(bad)
    assert repr(unknown) in str(info.value)
    assert isinstance(info.value, ValueError)


# --- load_docs ---------------------------------------------------------------------


def test_load_docs_strips_and_skips_blank_lines(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes(b"\n  emma \r\n\r\n\tava\n   \nzoe\n\n")
    assert load_docs(path) == ["emma", "ava", "zoe"]


def test_load_docs_accepts_utf8_and_a_bom(tmp_path):
    path = tmp_path / "d.txt"
    path.write_bytes("\ufeffzoë\nñame\n".encode())
    assert load_docs(str(path)) == ["zoë", "ñame"]


def test_default_docs_is_the_bundled_names_list():
    docs = default_docs()
    assert len(docs) > 1000
    assert docs == load_docs(assets_dir() / "names.txt")
    assert all(d == d.strip() and d for d in docs)
    assert len(set(docs)) == len(docs)  # deduplicated
    assert all(d == d.lower() for d in docs)


def _expect_dataset_error(path, *words):
    with pytest.raises(DatasetError) as info:
        load_docs(path)
    message = str(info.value)
    assert str(path) in message
    for w in words:
        assert w in message
    assert isinstance(info.value, ValueError)
    return message


def test_missing_file(tmp_path):
    _expect_dataset_error(tmp_path / "nope.txt", "not found")


def test_a_folder_is_not_a_dataset(tmp_path):
    _expect_dataset_error(tmp_path, "folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("emma\n")
    path.chmod(0)
    try:
        _expect_dataset_error(path, "cannot be read")
    finally:
        path.chmod(0o644)


def test_unreadable_file_reported_with_the_os_reason(tmp_path, monkeypatch):
    # as root chmod 000 does not bite, so make the read itself fail
    path = tmp_path / "locked.txt"
    path.write_text("emma\n")

    real_open = os.open

    def deny(name, *args, **kwargs):
        if Path(name) == path:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    _expect_dataset_error(path, "cannot be read", "Permission denied")


def test_binary_file(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 4)
    _expect_dataset_error(path, "binary")


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("zoë\nanaïs\n".encode("latin-1"))
    _expect_dataset_error(path, "UTF-8")


@pytest.mark.parametrize("content", [b"", b"\n\n\n", b"   \n\t\n \r\n"], ids=["empty", "nl", "ws"])
def test_empty_or_whitespace_only_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    _expect_dataset_error(path, "empty")


# --- files that are not plain text files (#9, items 3, 14, 1) ---------------------------


def _load_in_a_thread(path):
    """load_docs(path) in a thread; a guard (not a speed limit) turns a hang into a failure."""
    result = {}

    def run():
        try:
            result["docs"] = load_docs(path)
        except Exception as e:  # noqa: BLE001 - handed to the test
            result["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    return thread, result


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "names.txt"
    os.mkfifo(fifo)
    thread, result = _load_in_a_thread(fifo)
    if thread.is_alive():  # the old code blocks in open(): give it a writer and an EOF
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join()
        pytest.fail("load_docs blocked on a named pipe")
    error = result.get("error")
    assert isinstance(error, DatasetError), result
    assert str(fifo) in str(error) and "named pipe" in str(error)
    assert "not a regular file" in str(error)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_before_reading_it():
    thread, result = _load_in_a_thread("/dev/zero")
    assert not thread.is_alive()
    error = result.get("error")
    assert isinstance(error, DatasetError), result  # the old code: MemoryError or worse
    assert "/dev/zero" in str(error) and "device" in str(error)


def test_a_file_over_the_size_limit_is_refused_from_its_size(tmp_path):
    from microgpt.data import MAX_DATASET_BYTES

    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:  # sparse: no 50 MB written to the disk
        f.truncate(MAX_DATASET_BYTES + 1)
    message = _expect_dataset_error(path, "datasets are limited to 50 MB")
    assert "binary" not in message  # refused from its size, before any read


def test_a_file_at_the_size_limit_is_read(tmp_path):
    from microgpt.data import MAX_DATASET_BYTES

    path = tmp_path / "big.txt"
    line = b"a" * 1023 + b"\n"
    path.write_bytes(line * (MAX_DATASET_BYTES // len(line)))
    docs = load_docs(path)
    assert len(docs) == MAX_DATASET_BYTES // len(line) and docs[0] == "a" * 1023


def test_one_10_mb_line_is_one_document(tmp_path):
    # the loader keeps long lines (the trainer encodes only block_size + 1 tokens of a doc)
    path = tmp_path / "one-line.txt"
    path.write_bytes(b"ab" * 5_000_000 + b"\n")
    docs = load_docs(path)
    assert len(docs) == 1 and len(docs[0]) == 10_000_000


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_files_with_a_bom_are_decoded(tmp_path, encoding):
    path = tmp_path / "names.txt"
    bom = "" if encoding in ("utf-16", "utf-32") else "\ufeff"  # these two write their own
    path.write_bytes((bom + "zoë\r\nñame\r\n").encode(encoding))
    assert load_docs(path) == ["zoë", "ñame"]


def test_utf16_with_a_broken_tail_says_utf16(tmp_path):
    path = tmp_path / "names.txt"
    path.write_bytes("zoë\n".encode("utf-16") + b"\x00\xd8")  # a lone high surrogate
    message = _expect_dataset_error(path, "UTF-16")
    assert "binary" not in message


@pytest.mark.parametrize(
    "raw",
    [b"emma\rava\rzoe\r", b"emma\r\nava\rzoe\n", b"\r\remma\r \rava\r\n\r\nzoe"],
    ids=["old-mac", "mixed", "blank-lines"],
)
def test_old_mac_line_endings_split_documents(tmp_path, raw):
    path = tmp_path / "mac.txt"
    path.write_bytes(raw)
    docs = load_docs(path)
    assert docs == ["emma", "ava", "zoe"]
    assert "\r" not in CharTokenizer(docs).chars


def test_makemore_count_in_the_readme_is_the_loaders(reference_names):
    # ../shared/data/names.txt has no newline after its last name: wc -l says one fewer
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert len(reference_names) == 32_033
    assert f"({len(reference_names):,} names" in readme


def test_parse_docs_names_its_source():
    with pytest.raises(DatasetError, match="<pasted>"):
        parse_docs(" \n ", "<pasted>")


# --- download_names against a local server -------------------------------------------

NAMES = b"emma\nolivia\nava\n"


class _Handler(BaseHTTPRequestHandler):
    routes = {
        "/names.txt": (200, NAMES),
        "/binary": (200, b"\x00\x01\x02" * 10),
        "/latin1": (200, "zoë\n".encode("latin-1")),
        "/empty": (200, b"\n \n"),
    }

    def do_GET(self):
        self.server.hits.append(self.path)
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.hits = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _url(server, path):
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_download_caches_and_does_not_fetch_twice(server, tmp_path):
    cache = tmp_path / "c"
    path = download_names(_url(server, "/names.txt"), cache=cache, timeout=5)
    assert path == cache / "names.txt"
    assert path.read_bytes() == NAMES
    assert load_docs(path) == ["emma", "olivia", "ava"]
    assert server.hits == ["/names.txt"]
    again = download_names(_url(server, "/names.txt"), cache=cache, timeout=5)
    assert again == path
    assert server.hits == ["/names.txt"]  # served from the cache
    assert sorted(p.name for p in cache.iterdir()) == ["names.txt"]  # no temp file left


def test_download_defaults_to_the_user_cache(server, tmp_path):
    # conftest points XDG_CACHE_HOME at tmp_path / "cache"
    path = download_names(_url(server, "/names.txt"), timeout=5)
    assert path.is_file()
    assert (tmp_path / "cache") in path.parents


@pytest.mark.parametrize("route", ["/missing", "/binary", "/latin1", "/empty"])
def test_bad_download_is_a_dataset_error_and_caches_nothing(server, tmp_path, route):
    url = _url(server, route)
    with pytest.raises(DatasetError) as info:
        download_names(url, cache=tmp_path / "c", timeout=5)
    assert url in str(info.value)
    assert not (tmp_path / "c" / "names.txt").exists()
    assert server.hits == [route]


def test_download_404_says_not_found(server, tmp_path):
    with pytest.raises(DatasetError, match="Not Found"):
        download_names(_url(server, "/missing"), cache=tmp_path, timeout=5)


def test_unreachable_port_is_a_dataset_error(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatasetError, match="could not download"):
        download_names(f"http://127.0.0.1:{port}/names.txt", cache=tmp_path, timeout=5)
    assert not (tmp_path / "names.txt").exists()


def test_timeout_is_a_dataset_error(tmp_path):
    # a listener that never answers: the kernel accepts the connection, nobody replies
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(DatasetError, match="could not download"):
            download_names(f"http://127.0.0.1:{port}/names.txt", cache=tmp_path, timeout=0.3)
    assert not (tmp_path / "names.txt").exists()


def test_offline_download_suggests_a_local_file(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatasetError, match="use a copy of the file on this computer"):
        download_names(f"http://127.0.0.1:{port}/names.txt", cache=tmp_path, timeout=5)


def test_download_over_the_size_limit_is_refused(server, tmp_path, monkeypatch):
    import microgpt.data

    monkeypatch.setattr(microgpt.data, "MAX_DATASET_BYTES", len(NAMES) - 1)
    with pytest.raises(DatasetError, match="datasets are limited to"):
        download_names(_url(server, "/names.txt"), cache=tmp_path, timeout=5)
    assert not (tmp_path / "names.txt").exists()


def test_download_in_utf16_is_decoded(server, tmp_path):
    _Handler.routes["/utf16"] = (200, "zoë\nava\n".encode("utf-16"))
    path = download_names(_url(server, "/utf16"), cache=tmp_path, timeout=5)
    assert load_docs(path) == ["zoë", "ava"]


def test_malformed_url_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError):
        download_names("not a url", cache=tmp_path, timeout=1)
