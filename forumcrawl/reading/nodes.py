"""Small readings of lxml nodes and displayed strings, shared by every reader.

Selectors (:mod:`forumcrawl.reading.engines.query`) return lxml elements, or plain
strings for attributes and text nodes; these helpers take either.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

_INT_RE = re.compile(r"(\d[\d.,\s\u00a0\u202f']*)\s*([kKmM])?")
_DIGITS = re.compile(r"(\d+)")
# Query parameters that carry a visitor's session, not the identity of a page.
SESSION_PARAMS = frozenset({"sid", "s", "phpsessid", "sessionid", "session_id", "highlight", "hilit"})


def clean(text: str | None) -> str | None:
    """Collapse whitespace; empty becomes None."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def text_of(node) -> str | None:
    """All visible text of an element (or a string, or a list of either), collapsed."""
    if node is None:
        return None
    if isinstance(node, str):
        return clean(node)
    if isinstance(node, list):
        return clean(" ".join(t for n in node if (t := text_of(n))))
    return clean(" ".join(node.itertext()))


def inline_text(node) -> str | None:
    """Text of inline markup as a reader sees it: ``<b>+</b>Raze`` is "+Raze" (badges
    drawn as buttons, such as Invision's "OP", are not part of a name)."""
    if node is None:
        return None
    if isinstance(node, str):
        return clean(node)
    return clean("".join(_inline_parts(node)))


# Markup whose text a reader never sees inline: drawn buttons, icons (an SVG's <title> is
# a tooltip), scripts and styles.
_NOT_INLINE_TEXT = frozenset({"button", "svg", "script", "style", "template"})


def _inline_parts(el: HtmlElement):
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _NOT_INLINE_TEXT:
            yield from _inline_parts(child)
        if child.tail:
            yield child.tail


def attr(node, name: str) -> str | None:
    """An element's attribute; None for a missing node or attribute."""
    return node.get(name) if node is not None and not isinstance(node, str) else None


def parse_count(text: str | None) -> int | None:
    """Read a displayed count: "1,234", "2.206" (German), "1.2K", "22K", "3M"."""
    if not text:
        return None
    m = _INT_RE.search(text)
    if not m:
        return None
    digits, suffix = m.group(1).strip(), m.group(2)
    if suffix:
        number = float(digits.replace(",", ".").replace(" ", ""))
        return round(number * (1000 if suffix in "kK" else 1_000_000))
    return int(re.sub(r"\D", "", digits))


def digits_in(text: str | None) -> str | None:
    """The first run of digits in a text (an id in ``post_123``)."""
    m = _DIGITS.search(text or "")
    return m.group(1) if m else None


def absolute(base: str, href: str | None) -> str | None:
    """A link made absolute; None for no link, ``javascript:`` and ``mailto:``."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:")):
        return None
    return urljoin(base, href)


def strip_session(url: str | None) -> str | None:
    """Drop session and highlight parameters, so one page has one URL across visits."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [
        pair
        for pair in re.split(r"&(?:amp;)?", parts.query)
        if pair and pair.split("=", 1)[0].lower() not in SESSION_PARAMS
    ]
    return urlunsplit(parts._replace(query="&".join(kept)))


def link(base: str, href: str | None) -> str | None:
    """A link as forumcrawl keys it: absolute, without session parameters."""
    return strip_session(absolute(base, href))
