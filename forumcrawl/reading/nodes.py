"""Small readings of lxml nodes and displayed strings, shared by every reader.

Selectors (:mod:`forumcrawl.reading.engines.query`) return lxml elements, or plain
strings for attributes and text nodes; these helpers take either.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit, uses_netloc, uses_relative

from lxml import etree
from lxml.html import HtmlElement

_INT_RE = re.compile(r"(\d[\d.,\s\u00a0\u202f']*)\s*([kKmM])?")
_DIGITS = re.compile(r"(\d+)")
_TEXTS = etree.XPath("descendant-or-self::text()", smart_strings=False)
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
    if isinstance(node.tag, str):
        return clean(" ".join(_TEXTS(node)))  # node.itertext(), in C: a third faster
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
    return join_url(base, href)


# What makes urllib read a URL other than as written: characters it strips or removes
# (C0 controls, spaces), and ``;`` (path parameters, which urljoin splits off).
_UNPLAIN = re.compile(r"[\x00-\x20;]")


def join_url(base: str, href: str) -> str:
    """``urljoin(base, href)``, exactly, at a fraction of the cost for a page's links.

    urljoin resolves a link's path against the base and copies its query and fragment
    as written. A link's path is mostly one of a page's few ("./viewtopic.php",
    "./memberlist.php"), resolved once per page (cached), or a path from the root with
    no dot segment, which resolves to itself after the base's scheme and host. Whatever
    urljoin would not copy as written (an empty ``?`` or ``#``, which it drops; spaces
    and controls, which it strips; path parameters; a link whose path is empty, which
    takes the base's query) goes to urljoin itself. A test holds the two equal on every
    link of the fixtures and on generated ones.
    """
    cut = len(href)
    for mark in ("?", "#"):
        at = href.find(mark)
        if 0 <= at < cut:
            cut = at
    head, tail = href[:cut], href[cut:]
    if not head or not base or _UNPLAIN.search(href) or not _copied_as_written(tail):
        return urljoin(base, href)
    if head[0] == "/" and head[1:2] != "/" and "/." not in head:
        origin = _origin(base)
        if origin:
            return origin + head + tail
    joined, plain = _join_path(base, head)
    return joined + tail if plain else urljoin(base, href)


def _copied_as_written(tail: str) -> bool:
    """Whether urljoin keeps a link's "?query#fragment" as it is (it drops an empty one)."""
    if not tail:
        return True
    if tail[0] == "?":
        hash_at = tail.find("#")
        return len(tail) > 1 and hash_at != 1 and hash_at != len(tail) - 1
    return len(tail) > 1


@lru_cache(maxsize=512)
def _origin(base: str) -> str | None:
    """ "scheme://host" of a base a path from the root is resolved against (None: urljoin
    would read such a path otherwise)."""
    parts = urlsplit(base)
    if parts.scheme in uses_relative and parts.scheme in uses_netloc and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


@lru_cache(maxsize=512)
def _join_path(base: str, path: str) -> tuple[str, bool]:
    """``urljoin(base, path)``, and whether a query and fragment after ``path`` would be
    copied as written (not when urljoin reads no path and no host in it: "http:", "//")."""
    parts = urlsplit(path)
    return urljoin(base, path), bool(parts.path or parts.netloc)


# A URL that strip_session would give back as it is: lower-case http(s), a host and path
# of printable ASCII without brackets (urlsplit checks those), a query of ``&``-joined
# pairs, none empty, and no empty query or fragment.
_PLAIN_QUERY_URL = re.compile(
    r"https?://(?:(?![?#\[\]])[!-~])*\?([^\x00-\x20#&]+(?:&[^\x00-\x20#&]+)*)(?:#[^\x00-\x20]+)?"
)


def strip_session(url: str | None) -> str | None:
    """Drop session and highlight parameters, so one page has one URL across visits.
    A link with nothing to drop is given back without being taken apart (the quick exit
    is held to :func:`strip_session_by_parts` by a test)."""
    if not url or "?" not in url:
        return url
    plain = _PLAIN_QUERY_URL.fullmatch(url)
    if (
        plain is not None
        and "amp;" not in plain.group(1)
        and not any(pair.split("=", 1)[0].lower() in SESSION_PARAMS for pair in plain.group(1).split("&"))
    ):
        return url
    return strip_session_by_parts(url)


def strip_session_by_parts(url: str) -> str:
    """:func:`strip_session` the long way: split, filter the query's pairs, rebuild."""
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
