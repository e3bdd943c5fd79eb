"""What every engine parser returns, and the small helpers they share.

Engine parsers are pure functions of a parsel ``Selector`` and the page URL: no Scrapy,
no storage, no clock. They return a :class:`ThreadPage` or a :class:`BoardPage` whose
dates are still raw (:class:`~forumcrawl.items.DateField` without ``value``); the
normalisation step turns them into UTC with the site's language and timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urljoin

from lxml.html import HtmlElement
from parsel import Selector

from forumcrawl.reading.extract.text import QuoteRule
from forumcrawl.items import BoardItem, DateField, PostItem, ThreadItem

PAGE_THREAD = "thread"
PAGE_BOARD = "board"
PAGE_INDEX = "index"


@dataclass(slots=True)
class ThreadLink:
    """A thread as a board listing shows it: enough to decide whether to fetch it."""

    url: str
    thread_id: str | None
    title: str | None = None
    reply_count: int | None = None
    last_post: DateField = field(default_factory=DateField)


@dataclass(slots=True)
class ThreadPage:
    thread: ThreadItem
    posts: list[PostItem]
    page_number: int = 1
    next_url: str | None = None
    language: str | None = None
    timezone: str | None = None  # what the page says its text dates are in
    # Other requests that complete this page's thread (Discourse's post_stream chunks).
    more_urls: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BoardPage:
    board: BoardItem | None
    threads: list[ThreadLink]
    boards: list[BoardItem] = field(default_factory=list)
    page_number: int = 1
    next_url: str | None = None
    language: str | None = None
    timezone: str | None = None  # what the page says its text dates are in


class Engine:
    """One forum engine: how to recognise its pages and read them.

    Subclasses set ``name`` and the quote rule, and implement the four methods. Detection
    returns its evidence (human-readable strings) so a user can see why a page was taken
    for this engine; an empty list means "not mine".
    """

    name: ClassVar[str] = ""
    quote_rule: ClassVar[QuoteRule]

    def detect(self, sel: Selector) -> list[str]:
        raise NotImplementedError

    def page_kind(self, sel: Selector, url: str) -> str | None:
        raise NotImplementedError

    def parse_thread(self, sel: Selector, url: str) -> ThreadPage:
        raise NotImplementedError

    def parse_board(self, sel: Selector, url: str) -> BoardPage:
        raise NotImplementedError

    # Engines with a JSON API (Discourse, Flarum) also read its responses.
    def detect_json(self, data: object) -> list[str]:
        """Evidence that a decoded JSON response is this engine's API; empty: not mine."""
        return []

    def read_json(self, data: object, url: str) -> ThreadPage | BoardPage:
        raise NotImplementedError(f"{self.name} has no JSON API reader")


_INT_RE = re.compile(r"(\d[\d.,\s\u00a0\u202f']*)\s*([kKmM])?")


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
        return int(round(number * (1000 if suffix in "kK" else 1_000_000)))
    return int(re.sub(r"\D", "", digits))


def clean(text: str | None) -> str | None:
    """Collapse whitespace; empty becomes None."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


def text_of(sel: Selector | None) -> str | None:
    """All visible text under a selector, whitespace collapsed."""
    if sel is None:
        return None
    if isinstance(sel, list):  # a SelectorList: the text of all its nodes
        return clean(" ".join(sel.xpath(".//text()").getall()))
    root = sel.root
    if isinstance(root, str):  # an attribute or text node
        return clean(root)
    return words(root)


def words(el: HtmlElement | None) -> str | None:
    """All text under an lxml element, whitespace collapsed (what ``.//text()`` gives)."""
    return None if el is None else clean(" ".join(el.itertext()))


def inline_text(el: Selector | None) -> str | None:
    """Text of inline markup as a reader sees it: ``<b>+</b>Raze`` is "+Raze" (badges
    drawn as buttons, such as Invision's "OP", are not part of a name)."""
    if el is None:
        return None
    if isinstance(el.root, str):  # an attribute or text node (e.g. ``@data-username``)
        return clean(el.root)
    return clean("".join(el.xpath(".//text()[not(ancestor::button)]").getall()))


def first(sels) -> Selector | None:
    return sels[0] if sels else None


Alternatives = str | tuple[str, ...]


def preferred_text(sel: Selector, xpaths: Alternatives) -> str | None:
    """Text of the first match of the first alternative that has one.

    An XPath union answers in document order, so "the thread's title, else any h1"
    written as one union would pick a site banner's ``h1`` that precedes the title
    (or the ``h1`` around a labelled title span); alternatives in a tuple are tried
    in order of preference instead.
    """
    for xpath in (xpaths,) if isinstance(xpaths, str) else xpaths:
        text = inline_text(first(sel.xpath(xpath)))
        if text:
            return text
    return None


def absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:")):
        return None
    return urljoin(base, href)


def base_url(sel: Selector, url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when the page has one
    (XenForo 1 relies on it), else the page URL."""
    base = sel.xpath("/html/head/base/@href").get() or sel.xpath("//base/@href").get()
    return urljoin(url, base.strip()) if base else url


def unique_posts(posts) -> list[PostItem]:
    """Drop missing posts and repeats of a post id (some skins render a post twice)."""
    out: list[PostItem] = []
    seen: set[str] = set()
    for post in posts:
        if post is not None and post.post_id not in seen:
            seen.add(post.post_id)
            out.append(post)
    return out


def node_links(links, base: str, id_of) -> list[BoardItem]:
    """Boards linked from a forum index or a board's sub-forum list."""
    boards = []
    for link in links:
        href = absolute(base, link.attrib.get("href"))
        if href:
            boards.append(BoardItem(site_id="", board_id=id_of(href) or href,
                                    title=text_of(link), url=href))
    return boards


def has_class(name: str) -> str:
    """An XPath predicate body matching one CSS class exactly.

    The plain ``contains(@class, ...)`` goes first because libxml2 stops there for
    almost every element; building the padded, space-normalised string for each
    element costs more than the rest of a typical post query.
    """
    return f"(contains(@class, '{name}') and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"
