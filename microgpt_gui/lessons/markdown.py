"""A small, safe Markdown for lesson text: every character of the file is escaped first, then
only these are understood: paragraphs, `# heading`, `- item` / `1. item` lists, **bold**,
*italic* and `code`. No links, images or HTML: they show as the text they are."""

import html
import re

INLINE = (
    (re.compile(r"\*\*(.+?)\*\*"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<i>\1</i>"),
)


def inline(text: str) -> str:
    """One line's inline marks, with everything escaped; code spans are left as written."""
    parts = re.split(r"`([^`]+)`", text)
    out = []
    for k, part in enumerate(parts):
        part = html.escape(part, quote=True)
        if k % 2:
            out.append(f"<code>{part}</code>")
            continue
        for pattern, repl in INLINE:
            part = pattern.sub(repl, part)
        out.append(part)
    return "".join(out)


def to_html(markdown: str) -> str:
    """The lesson text as restricted HTML for a QLabel."""
    blocks, para, items, kind = [], [], [], ""

    def flush() -> None:
        nonlocal para, items, kind
        if para:
            blocks.append(f"<p>{inline(' '.join(para))}</p>")
        if items:
            lis = "".join(f"<li>{inline(i)}</li>" for i in items)
            blocks.append(f"<{kind}>{lis}</{kind}>")
        para, items, kind = [], [], ""

    for raw in markdown.splitlines():
        line = raw.strip()
        heading = re.match(r"#{1,6}\s+(.*)", line)
        bullet = re.match(r"[-*]\s+(.*)", line)
        number = re.match(r"\d+[.)]\s+(.*)", line)
        if not line:
            flush()
        elif heading:
            flush()
            blocks.append(f"<h3>{inline(heading.group(1))}</h3>")
        elif bullet or number:
            want = "ul" if bullet else "ol"
            if para or (kind and kind != want):
                flush()
            kind = want
            items.append((bullet or number).group(1))
        elif items:
            items[-1] += " " + line  # a wrapped list item
        else:
            para.append(line)
    flush()
    return "".join(blocks)
