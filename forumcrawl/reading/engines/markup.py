"""Engines described by where things are: XPath expressions plus a few hooks.

Most forum engines render a thread the same way: a repeated post container holding a
user card, a date, a body and a signature. :class:`MarkupEngine` does that walk once;
an engine module only says where each part lives (class attributes) and overrides a
hook when an expression cannot say it (phpBB's date is loose text beside the author
link, vBulletin 3's quotes are tables). Because the parts are plain attributes, a
per-site override (``sites.toml``) can replace one expression without touching code;
see :meth:`MarkupEngine.customised`.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from parsel import Selector

from forumcrawl.reading.extract.text import split_body
from forumcrawl.items import BoardItem, DateField, PostItem, ThreadItem, UserItem
from forumcrawl.reading.engines.base import (
    PAGE_BOARD,
    PAGE_INDEX,
    PAGE_THREAD,
    Alternatives,
    BoardPage,
    Engine,
    ThreadLink,
    ThreadPage,
    absolute,
    base_url,
    clean,
    first,
    inline_text,
    node_links,
    parse_count,
    preferred_text,
    text_of,
    unique_posts,
)
from forumcrawl.reading.engines.userinfo import read_facts

# Query parameters that carry a visitor's session, not the identity of a page.
SESSION_PARAMS = frozenset({"sid", "s", "phpsessid", "sessionid", "session_id", "highlight",
                            "hilit"})
_DIGITS = re.compile(r"(\d+)")


def strip_session(url: str | None) -> str | None:
    """Drop session and highlight parameters, so one page has one URL across visits."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [pair for pair in re.split(r"&(?:amp;)?", parts.query)
            if pair and pair.split("=", 1)[0].lower() not in SESSION_PARAMS]
    return urlunsplit(parts._replace(query="&".join(kept)))


def date_of(el: Selector | None) -> DateField:
    """A date element: ``<time datetime>`` or an epoch attribute first, its text otherwise."""
    if el is None:
        return DateField()
    time = el if el.root.tag == "time" else first(el.xpath(".//time[@datetime]"))
    if time is not None and time.attrib.get("datetime"):
        return DateField(raw=text_of(time) or clean(time.attrib.get("title")),
                         machine=time.attrib["datetime"])
    for attr in ("data-time", "data-timestamp", "data-datetime", "data-date"):
        if el.attrib.get(attr):
            return DateField(raw=text_of(el) or clean(el.attrib.get("title")),
                             machine=el.attrib[attr])
    return DateField(raw=text_of(el) or clean(el.attrib.get("title")))


def digits_in(text: str | None) -> str | None:
    m = _DIGITS.search(text or "")
    return m.group(1) if m else None


def next_in_pagination(nav: Selector | None, base: str) -> tuple[str | None, int | None]:
    """(URL of the next page, current page number) from a numbered page list.

    The current page is the number that is not a link (``<strong>``, ``<b>``, ``<span>``,
    ``.active``; SMF 1.1 writes it "[3]"); the next page is the link whose text is that number plus one. This
    reads every engine's pager without knowing its translated "Next" label.
    """
    if nav is None:
        return None, None
    current = None
    for node in nav.xpath(".//strong | .//b | .//span | .//li[contains(@class,'active')]"
                          " | .//*[contains(@class,'current')]"):
        if node.xpath("ancestor-or-self::a"):
            continue
        text = (text_of(node) or "").strip("[]")
        if text.isdigit():
            current = int(text)
            break
    if current is None:
        return None, None
    for link in nav.xpath(".//a[@href]"):
        if (text_of(link) or "") == str(current + 1):
            return absolute(base, link.attrib["href"]), current
    return None, current


class MarkupEngine(Engine):
    """A thread page is a list of post containers; each part sits at an XPath."""

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
    body_chrome: ClassVar[str | None] = None
    extra_chrome: ClassVar[str | None] = None  # per-site additions (sites.toml)
    # Page-level expressions.
    title: ClassVar[Alternatives] = "//h1"  # a tuple: tried in order of preference
    crumbs: ClassVar[str | None] = None
    next_page: ClassVar[str] = "//link[@rel='next']/@href | //a[@rel='next']/@href"
    pagination: ClassVar[str | None] = None
    thread_id_patterns: ClassVar[tuple[str, ...]] = ()
    board_id_patterns: ClassVar[tuple[str, ...]] = ()
    # Board pages: one row per thread.
    board_rows: ClassVar[str | None] = None
    board_link: ClassVar[str] = ".//a"
    board_replies: ClassVar[str | None] = None
    board_last_date: ClassVar[str | None] = None
    board_title: ClassVar[Alternatives] = "//h1"
    subboards: ClassVar[str | None] = None

    # ------------------------------------------------------------------ variants
    def customised(self, **overrides: str) -> MarkupEngine:
        """This engine with some expressions replaced (a site's theme differs).

        Unknown names are an error: a typo in ``sites.toml`` must not pass silently.
        """
        unknown = [key for key in overrides if not hasattr(type(self), key)
                   or callable(getattr(type(self), key))]
        if unknown:
            raise ValueError(f"{self.name}: no such selector setting {', '.join(unknown)}")
        variant = type(f"{type(self).__name__}Custom", (type(self),), dict(overrides))
        return variant()

    # ------------------------------------------------------------------ pages
    def page_kind(self, sel: Selector, url: str) -> str | None:
        if self.posts and sel.xpath(self.posts):
            return PAGE_THREAD
        if self.board_rows and sel.xpath(self.board_rows):
            return PAGE_BOARD
        if self.subboards and sel.xpath(self.subboards):
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

    def thread_url(self, sel: Selector, url: str, base: str) -> str:
        canonical = absolute(base, sel.xpath("//link[@rel='canonical']/@href").get())
        return strip_session((canonical or url).split("#")[0])

    def thread_title(self, sel: Selector) -> str | None:
        return (preferred_text(sel, self.title)
                or clean(sel.xpath("//meta[@property='og:title']/@content").get())
                or clean(sel.xpath("//title/text()").get()))

    def board_link_of(self, sel: Selector, base: str) -> tuple[str | None, str | None]:
        if not self.crumbs:
            return None, None
        crumbs = [c for c in sel.xpath(self.crumbs) if c.attrib.get("href")]
        if not crumbs:
            return None, None
        last = crumbs[-1]
        return strip_session(absolute(base, last.attrib["href"])), text_of(last)

    def next_url(self, sel: Selector, base: str) -> tuple[str | None, int | None]:
        href = sel.xpath(self.next_page).get() if self.next_page else None
        nav_next, current = next_in_pagination(
            first(sel.xpath(self.pagination)) if self.pagination else None, base)
        return strip_session(absolute(base, href) if href else nav_next), current

    def parse_thread(self, sel: Selector, url: str) -> ThreadPage:
        base = base_url(sel, url)
        thread_url = self.thread_url(sel, url, base)
        thread_id = (self.id_from_url(thread_url, self.thread_id_patterns)
                     or self.id_from_url(url, self.thread_id_patterns) or thread_url)
        board_url, board_title = self.board_link_of(sel, base)
        next_url, current = self.next_url(sel, base)
        thread = ThreadItem(
            site_id="", thread_id=thread_id, title=self.thread_title(sel), url=thread_url,
            board_id=self.board_id(board_url) or board_url,
            board_title=board_title, board_url=board_url,
        )
        posts = unique_posts(self.parse_post(post, base, url, thread_id)
                             for post in sel.xpath(self.posts))
        return ThreadPage(thread=thread, posts=posts, page_number=current or 1,
                          next_url=next_url, language=self.language(sel))

    def language(self, sel: Selector) -> str | None:
        return (sel.xpath("/html/@lang").get() or sel.xpath("/html/@xml:lang").get()
                or sel.xpath("//meta[@http-equiv='content-language']/@content").get())

    # ------------------------------------------------------------------ posts
    def post_id(self, post: Selector) -> str | None:
        return digits_in(post.xpath(self.post_id_from).get())

    def author(self, post: Selector, base: str) -> UserItem | None:
        link = first(post.xpath(self.author_link)) if self.author_link else None
        name = inline_text(link)
        if not name and self.author_name:
            name = inline_text(first(post.xpath(self.author_name)))
        if not name:
            return None
        profile = strip_session(absolute(base, link.attrib.get("href"))) if link is not None else None
        joined, messages = read_facts(post.xpath(self.user_facts)) if self.user_facts else (None, None)
        return UserItem(site_id="", name=name, user_id=self.user_id(profile), profile_url=profile,
                        title=text_of(first(post.xpath(self.user_title))) if self.user_title else None,
                        joined=DateField(raw=joined), message_count=messages)

    def user_id(self, profile: str | None) -> str | None:
        if not profile:
            return None
        m = re.search(r"[?&]u(?:ser(?:id)?)?=(\d+)", profile)
        if m:
            return m.group(1)
        parts = urlsplit(profile)
        return digits_in(f"{parts.path}?{parts.query}")

    def posted(self, post: Selector) -> DateField:
        return date_of(first(post.xpath(self.date))) if self.date else DateField()

    def edited_date(self, post: Selector) -> DateField:
        return date_of(first(post.xpath(self.edited))) if self.edited else DateField()

    def body_element(self, post: Selector) -> Selector | None:
        return first(post.xpath(self.body))

    def post_url(self, post: Selector, base: str, page_url: str, post_id: str) -> str:
        href = post.xpath(self.permalink).get() if self.permalink else None
        return strip_session(absolute(base, href)) if href else f"{page_url.split('#')[0]}#{post_id}"

    def signature_text(self, post: Selector) -> str | None:
        return text_of(first(post.xpath(self.signature))) if self.signature else None

    def chrome(self) -> str | None:
        return " | ".join(x for x in (self.body_chrome, self.extra_chrome) if x) or None

    def parse_post(self, post: Selector, base: str, page_url: str, thread_id: str) -> PostItem | None:
        post_id = self.post_id(post)
        body_sel = self.body_element(post)
        if not post_id or body_sel is None:
            return None
        body = split_body(body_sel.root, self.quote_rule, self.chrome(), base)
        position = parse_count(text_of(first(post.xpath(self.position)))) if self.position else None
        signature = self.signature_text(post)
        return PostItem(
            site_id="", thread_id=thread_id, post_id=post_id,
            url=self.post_url(post, base, page_url, post_id), page_url=page_url,
            author=self.author(post, base), posted=self.posted(post),
            body_html=body.html, body_text=body.text, position=position,
            edited=self.edited_date(post),
            signature_text=signature, quotes=body.quotes, links=body.links,
        )

    # ------------------------------------------------------------------ boards
    def parse_board(self, sel: Selector, url: str) -> BoardPage:
        base = base_url(sel, url)
        threads = []
        for row in sel.xpath(self.board_rows) if self.board_rows else []:
            link = first(row.xpath(self.board_link))
            href = strip_session(absolute(base, link.attrib.get("href"))) if link is not None else None
            if not href:
                continue
            threads.append(ThreadLink(url=href, thread_id=self.id_from_url(href, self.thread_id_patterns),
                                      title=inline_text(link), reply_count=self.board_reply_count(row),
                                      last_post=self.board_last_post(row)))
        boards = node_links(sel.xpath(self.subboards), base, self.board_id) if self.subboards else []
        for board in boards:
            board.url = strip_session(board.url)
        next_url, current = self.next_url(sel, base)
        board = None
        if threads:
            board_url = strip_session(url.split("#")[0])
            board = BoardItem(site_id="", board_id=self.board_id(board_url) or board_url,
                              title=preferred_text(sel, self.board_title), url=board_url)
        return BoardPage(board=board, threads=threads, boards=boards, page_number=current or 1,
                         next_url=next_url, language=self.language(sel))

    def board_reply_count(self, row: Selector) -> int | None:
        """The number of replies a board row shows."""
        return parse_count(text_of(first(row.xpath(self.board_replies)))) if self.board_replies else None

    def board_last_post(self, row: Selector) -> DateField:
        """The last-post date a board row shows."""
        return date_of(first(row.xpath(self.board_last_date))) if self.board_last_date else DateField()
