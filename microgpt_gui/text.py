"""Text from data (documents, samples, file names) as the window shows it: plain, bounded.

Qt guesses whether a label's or tooltip's text is HTML; a dataset line such as
`<img src=...>` must never be rendered as markup, and a 1 MB line must never be laid out.
"""

import html

from microgpt.report import token_text

__all__ = ["elided", "escaped", "plain_tooltip", "token_text"]

TOOLTIP_CHARS = 400  # the most of one text a tooltip shows


def elided(text: str, limit: int) -> str:
    """text, cut to at most limit characters with '…' at the end when it was longer."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def escaped(text: str, limit: int) -> str:
    """elided(text), escaped for use inside rich text."""
    return html.escape(elided(text, limit))


def plain_tooltip(text: str, limit: int = TOOLTIP_CHARS) -> str:
    """A tooltip that shows text literally (Qt would otherwise guess that it is HTML)."""
    return f"<p style='white-space:pre-wrap'>{escaped(text, limit)}</p>"
