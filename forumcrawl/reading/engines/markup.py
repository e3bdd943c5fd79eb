"""Engines described by where things are: selectors plus a few hooks.

Forum engines render a thread the same way: a repeated post container holding a user
card, a date, a body and a signature. :class:`MarkupReader` does that walk once; an
engine module says where each part lives (its selectors, class attributes listed in
``selectors``) and overrides a hook where an expression cannot say it (phpBB's date is
loose text beside the author link, vBulletin 3's quotes are tables). Because the parts
are plain attributes, a site's ``sites.toml`` replaces any of them without code.

Hooks are engine methods taking the page reader and the element in question, so the
engine stays a shared, stateless description and the page's state stays on the reader.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from forumcrawl.items import DateField, PostItem, UserItem
from forumcrawl.reading import pagefacts
from forumcrawl.reading.engines.base import (
    PAGE_BOARD,
    PAGE_INDEX,
    PAGE_THREAD,
    BoardPage,
    Engine,
    PageReader,
    ThreadLink,
    ThreadPage,
)
from forumcrawl.reading.engines.userinfo import read_facts
from forumcrawl.reading.extract.text import split_body
from forumcrawl.reading.nodes import clean, digits_in, inline_text, parse_count, strip_session, text_of
from forumcrawl.reading.query import select_first

Alternatives = str | tuple[str, ...]


def date_of(el) -> DateField:
    """A date element: ``<time datetime>`` or an epoch attribute first, its text otherwise."""
    if el is None:
        return DateField()
    if isinstance(el, str):
        return DateField(raw=clean(el))
    time = el if el.tag == "time" else select_first(el, ".//time[@datetime]")
    if time is not None and time.get("datetime"):
        return DateField(raw=text_of(time) or clean(time.get("title")), machine=time.get("datetime"))
    for attr in ("data-time", "data-timestamp", "data-datetime", "data-date"):
        if el.get(attr):
            return DateField(raw=text_of(el) or clean(el.get("title")), machine=el.get(attr))
    return DateField(raw=text_of(el) or clean(el.get("title")))


# "Page 2 of 5" in the languages of the corpus (vBulletin's page list, phpBB 3.0's).
_PAGE_OF = re.compile(
    r"\b(?:page|seite|página|pagina)\s+(\d+)\s+(?:of|von|sur|de|di)\s+(\d+)\b", re.IGNORECASE
)


def next_in_pagination(page: PageReader, nav: HtmlElement | None) -> tuple[str | None, int | None]:
    """(URL of the next page, current page number) from a numbered page list.

    The current page is the number that is not a link and holds none (``<strong>``,
    ``<b>``, ``<span>``, ``.active``; SMF 1.1 writes it "[3]"), or, where every number is
    a link, the one the list states ("Page 34 of 40"); the next page is the link whose
    text is that number plus one. This reads every engine's pager without knowing its translated
    "Next" label.
    """
    if nav is None:
        return None, None
    current = None
    for node in page.select(
        nav,
        ".//strong | .//b | .//span | .//li[contains(@class,'active')] | .//*[contains(@class,'current')]",
    ):
        if page.select(node, "ancestor-or-self::a | .//a"):  # a link, or one wrapped (vBulletin 4)
            continue
        text = (text_of(node) or "").strip("[]")
        if text.isdigit():
            current = int(text)
            break
    if current is None:  # every number a link (vBulletin 4's current page too): "Page 34 of 40"
        stated = _PAGE_OF.search(text_of(nav) or "")
        if stated is None:
            return None, None
        current = int(stated.group(1))
    for a in page.select(nav, ".//a[@href]"):
        if (text_of(a) or "") == str(current + 1):
            return page.link(a.get("href")), current
    return None, current


class MarkupReader(PageReader):
    """A page read by a :class:`MarkupEngine`'s selectors and hooks."""

    engine: MarkupEngine

    def kind(self) -> str | None:
        return self.engine.page_kind(self)

    def shell(self) -> ThreadPage:
        """The thread and this page's place in it, without posts."""
        engine = self.engine
        thread_url = engine.thread_url(self)
        thread_id = engine.thread_id(self, thread_url)
        board_url, board_title = engine.board_link_of(self)
        next_url, current = engine.next_url(self)
        thread = self.new_thread(
            thread_id,
            engine.thread_title(self),
            thread_url,
            board_id=engine.thread_board_id(self, board_url),
            board_title=board_title,
            board_url=board_url,
            page_count=engine.page_count(self, current),
        )
        return ThreadPage(
            thread=thread, posts=[], page_number=current or 1, next_url=next_url, language=self.doc.language
        )

    def thread(self) -> ThreadPage:
        engine = self.engine
        shell = self.shell()
        posts = []
        for post in self.doc.xpath(engine.posts):
            posts.append(engine.parse_post(self, post, shell.thread.thread_id))
        return self.thread_page(shell.thread, posts, page_number=shell.page_number, next_url=shell.next_url)

    def board(self) -> BoardPage:
        engine = self.engine
        threads = []
        for row in engine.listing_rows(self):
            a = engine.listing_link(self, row)
            href = self.link(a.get("href")) if a is not None else None
            if not href:
                continue
            threads.append(
                ThreadLink(
                    url=href,
                    thread_id=engine.id_from_url(href, engine.thread_id_patterns),
                    title=inline_text(a),
                    reply_count=engine.board_reply_count(self, row),
                    last_post=engine.board_last_post(self, row),
                )
            )
        boards = self.board_links(engine.subboard_links(self), engine.board_id)
        next_url, current = engine.next_url(self)
        return BoardPage(
            board=engine.board_item(self, threads),
            threads=threads,
            boards=boards,
            page_number=current or 1,
            next_url=next_url,
            language=self.doc.language,
        )


class MarkupEngine(Engine):
    """A thread page is a list of post containers; each part sits at a selector."""

    reader = MarkupReader
    selectors = (
        "posts",
        "post_id_from",
        "body",
        "author_link",
        "author_name",
        "user_title",
        "user_facts",
        "date",
        "edited",
        "signature",
        "permalink",
        "position",
        "body_chrome",
        "extra_chrome",
        "title",
        "crumbs",
        "next_page",
        "pagination",
        "board_rows",
        "board_link",
        "board_replies",
        "board_last_date",
        "board_title",
        "subboards",
    )
    # Thread pages. Every expression below ``posts`` is relative to one post container.
    posts: ClassVar[str] = ""
    post_id_from: ClassVar[str] = "@id"
    body: ClassVar[str] = ""
    author_link: ClassVar[str | None] = None
    author_name: ClassVar[str | None] = None
    user_title: ClassVar[str | None] = None
    user_facts: ClassVar[str | None] = None
    date: ClassVar[str | None] = None
    edited: ClassVar[str | None] = None
    signature: ClassVar[str | None] = None
    permalink: ClassVar[str | None] = None
    position: ClassVar[str | None] = None
    # Page-level expressions.
    title: ClassVar[Alternatives] = "//h1"  # a tuple: tried in order of preference
    crumbs: ClassVar[str | None] = None
    next_page: ClassVar[str] = "//link[@rel='next']/@href | //a[@rel='next']/@href"
    pagination: ClassVar[str | None] = None
    thread_id_patterns: ClassVar[tuple[str, ...]] = ()  # regular expressions on URLs
    board_id_patterns: ClassVar[tuple[str, ...]] = ()
    # Board pages: one row per thread.
    board_rows: ClassVar[str | None] = None
    board_link: ClassVar[str] = ".//a"
    board_replies: ClassVar[str | None] = None
    board_last_date: ClassVar[str | None] = None
    board_title: ClassVar[Alternatives] = "//h1"
    subboards: ClassVar[str | None] = None

    # ------------------------------------------------------------------ pages
    def page_kind(self, page: MarkupReader) -> str | None:
        doc = page.doc
        if self.posts and doc.xpath(self.posts):
            return PAGE_THREAD
        if self.board_rows and doc.xpath(self.board_rows):
            return PAGE_BOARD
        if self.subboards and doc.xpath(self.subboards):
            return PAGE_INDEX
        return None

    def id_from_url(self, url: str | None, patterns: tuple[str, ...]) -> str | None:
        if not url:
            return None
        for pattern in patterns:
            m = re.search(pattern, url)
            if m:
                return next(g for g in m.groups() if g)
        return None

    def board_id(self, url: str | None) -> str | None:
        return self.id_from_url(url, self.board_id_patterns)

    def thread_url(self, page: MarkupReader) -> str:
        """The thread's URL: the page's canonical link (else its own URL), unfragmented."""
        return strip_session((page.doc.canonical or page.url).split("#")[0])

    def thread_id(self, page: MarkupReader, thread_url: str) -> str:
        return (
            self.id_from_url(thread_url, self.thread_id_patterns)
            or self.id_from_url(page.url, self.thread_id_patterns)
            or thread_url
        )

    def preferred_text(self, page: MarkupReader, xpaths: Alternatives) -> str | None:
        """Text of the first match of the first alternative that has one.

        An XPath union answers in document order, so "the thread's title, else any h1"
        written as one union would pick a site banner's ``h1`` that precedes the title
        (or the ``h1`` around a labelled title span); alternatives in a tuple are tried
        in order of preference instead.
        """
        for xpath in (xpaths,) if isinstance(xpaths, str) else xpaths:
            text = inline_text(page.doc.first(xpath))
            if text:
                return text
        return None

    def thread_board_id(self, page: MarkupReader, board_url: str | None) -> str | None:
        """The id of the board a thread page names (its breadcrumb's link)."""
        return self.board_id(board_url) or board_url

    def thread_title(self, page: MarkupReader) -> str | None:
        """The title selector's first match, unless the window title agrees with a later
        one (a theme's login box can carry the same heading markup as the thread)."""
        doc = page.doc
        first = self.preferred_text(page, self.title)
        if first and not pagefacts.agreeing_title(doc, [first]):
            alternatives = (self.title,) if isinstance(self.title, str) else self.title
            texts = [t for xpath in alternatives for t in map(inline_text, doc.xpath(xpath)) if t]
            first = pagefacts.agreeing_title(doc, texts) or first
        return (
            first
            or clean(doc.first("//meta[@property='og:title']/@content"))
            or clean(doc.first("//title/text()"))
        )

    def board_link_of(self, page: MarkupReader) -> tuple[str | None, str | None]:
        """(URL, title) of the board the thread is in: the breadcrumb's last link."""
        if not self.crumbs:
            return None, None
        crumbs = [c for c in page.doc.xpath(self.crumbs) if c.get("href")]
        if not crumbs:
            return None, None
        return page.link(crumbs[-1].get("href")), text_of(crumbs[-1])

    def next_url(self, page: MarkupReader) -> tuple[str | None, int | None]:
        href = page.doc.first(self.next_page) if self.next_page else None
        nav_next, current = next_in_pagination(
            page, page.doc.first(self.pagination) if self.pagination else None
        )
        return (page.link(href) if href else nav_next), current

    def page_count(self, page: MarkupReader, current: int | None) -> int | None:
        """How many pages the thread has, as its page list says: "Page 2 of 5" where it
        says so, else the highest page number it shows (pagers show the last page's), or
        ``current``, this page's number as :meth:`next_url` read it; None where the page
        has no page list."""
        nav = page.doc.first(self.pagination) if self.pagination else None
        if nav is None:
            return None
        stated = _PAGE_OF.search(text_of(nav) or "")
        if stated:
            return int(stated.group(2))
        shown = [
            int(t) for a in page.select(nav, ".//a[@href]") if (t := (text_of(a) or "").strip("[]")).isdigit()
        ]
        return max([*shown, current or 0]) or None

    # ------------------------------------------------------------------ posts
    def post_id(self, page: MarkupReader, post: HtmlElement) -> str | None:
        return digits_in(page.first(post, self.post_id_from))

    def author(self, page: MarkupReader, post: HtmlElement) -> UserItem | None:
        a = page.first(post, self.author_link) if self.author_link else None
        name = inline_text(a)
        if not name and self.author_name:
            name = page.text(post, self.author_name)
        if not name:
            return None
        profile = page.link(a.get("href")) if a is not None and not isinstance(a, str) else None
        joined, messages = read_facts(page.select(post, self.user_facts)) if self.user_facts else (None, None)
        return page.new_user(
            name,
            user_id=self.user_id(profile),
            profile_url=profile,
            title=text_of(page.first(post, self.user_title)) if self.user_title else None,
            joined=DateField(raw=joined),
            message_count=messages,
        )

    def user_id(self, profile: str | None) -> str | None:
        if not profile:
            return None
        m = re.search(r"[?&]u(?:ser(?:id)?)?=(\d+)", profile)
        if m:
            return m.group(1)
        parts = urlsplit(profile)
        return digits_in(f"{parts.path}?{parts.query}")

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        return date_of(page.first(post, self.date)) if self.date else DateField()

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        return date_of(page.first(post, self.edited)) if self.edited else DateField()

    def body_element(self, page: MarkupReader, post: HtmlElement) -> HtmlElement | None:
        return page.first(post, self.body)

    def post_url(self, page: MarkupReader, post: HtmlElement, post_id: str) -> str:
        href = page.first(post, self.permalink) if self.permalink else None
        return page.link(href) if href else f"{page.url.split('#')[0]}#{post_id}"

    def signature_text(self, page: MarkupReader, post: HtmlElement) -> str | None:
        return text_of(page.first(post, self.signature)) if self.signature else None

    def position_of(self, page: MarkupReader, post: HtmlElement) -> int | None:
        return parse_count(text_of(page.first(post, self.position))) if self.position else None

    def reaction_count(self, page: MarkupReader, post: HtmlElement) -> int | None:
        return None

    def parse_post(self, page: MarkupReader, post: HtmlElement, thread_id: str) -> PostItem | None:
        post_id = self.post_id(page, post)
        body_el = self.body_element(page, post)
        if not post_id or body_el is None:
            return None
        body = split_body(body_el, self.quote_rule, self.chrome(), page.base, page.select)
        return page.new_post(
            thread_id,
            post_id,
            body,
            url=self.post_url(page, post, post_id),
            author=self.author(page, post),
            posted=self.posted(page, post),
            position=self.position_of(page, post),
            edited=self.edited_date(page, post),
            signature_text=self.signature_text(page, post),
            reaction_count=self.reaction_count(page, post),
            element=post,
        )

    # ------------------------------------------------------------------ boards
    def listing_rows(self, page: MarkupReader) -> list:
        """A board page's thread rows."""
        return page.doc.xpath(self.board_rows) if self.board_rows else []

    def listing_link(self, page: MarkupReader, row: HtmlElement) -> HtmlElement | None:
        """A thread row's link to the thread."""
        return page.first(row, self.board_link)

    def subboard_links(self, page: MarkupReader) -> list:
        """Links to the boards a forum index or a board lists."""
        return page.doc.xpath(self.subboards) if self.subboards else []

    def board_item(self, page: MarkupReader, threads: list[ThreadLink]):
        """The board a page of thread rows lists (None for a forum index)."""
        if not threads:
            return None
        board_url = self.board_url(page)
        return page.new_board(
            self.board_id(board_url) or board_url, self.preferred_text(page, self.board_title), board_url
        )

    def board_url(self, page: MarkupReader) -> str:
        """The URL a board page stands for (its first page's, where an engine says so)."""
        return strip_session(page.url.split("#")[0])

    def board_reply_count(self, page: MarkupReader, row: HtmlElement) -> int | None:
        """The number of replies a board row shows."""
        return parse_count(text_of(page.first(row, self.board_replies))) if self.board_replies else None

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        """The last-post date a board row shows."""
        return date_of(page.first(row, self.board_last_date)) if self.board_last_date else DateField()
