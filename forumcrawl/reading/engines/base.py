"""The engine contract: what an engine declares, the page reader it builds, what it returns.

An :class:`Engine` is stateless and shared: its name, how its pages are recognised
(``signs``), its quote rule, and its *selectors*, named XPath expressions that say where
each part of a page sits. Every selector can be replaced for one site from
``sites.toml`` (:meth:`Engine.customised`), whatever the engine.

Reading one page is the job of a :class:`PageReader`, built by the engine for that page
(:meth:`Engine.read`): it holds the parsed document, the base URL, the site and thread
ids and whatever the page's parse caches (an embedded JSON payload, a post's class
index), so nothing of one page lingers in a shared object. It returns a
:class:`ThreadPage` or a :class:`BoardPage` whose items carry their site id and whose
dates are still raw (:class:`~forumcrawl.items.DateField` without ``value``); the
service (:mod:`forumcrawl.reading.service`) normalises them with the page's context.

Readers are pure: no Scrapy, no storage, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from lxml import etree

from forumcrawl.items import BoardItem, DateField, PostItem, ThreadItem, UserItem
from forumcrawl.reading.extract.text import Body, QuoteRule
from forumcrawl.reading.nodes import inline_text, link, text_of
from forumcrawl.reading.query import ClassQuery, ClassScope, compiled, select, select_first

if TYPE_CHECKING:
    from forumcrawl.reading.document import Document

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
class PostLinks:
    """The links of a post's own words and of each of its quotes (read, not stored)."""

    body: list[str] = field(default_factory=list)
    quotes: list[list[str]] = field(default_factory=list)


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
    links: dict[str, PostLinks] = field(default_factory=dict)  # by post id


@dataclass(slots=True)
class BoardPage:
    board: BoardItem | None
    threads: list[ThreadLink]
    boards: list[BoardItem] = field(default_factory=list)
    page_number: int = 1
    next_url: str | None = None
    language: str | None = None
    timezone: str | None = None  # what the page says its text dates are in
    kind: str = PAGE_BOARD  # or PAGE_INDEX: a forum's list of boards


class Engine:
    """One forum engine: how to recognise its pages, and where their parts are.

    Subclasses set ``name``, ``quote_rule``, ``reader`` (their :class:`PageReader`),
    ``signs`` and their selectors, listed in ``selectors``. Detection returns its
    evidence (the labels of the signs found) so a user can see why a page was taken for
    this engine; an empty list means "not mine".
    """

    name: ClassVar[str] = ""
    quote_rule: ClassVar[QuoteRule]
    reader: ClassVar[type[PageReader]]
    # (XPath that finds something on the page, what to call it as evidence; a label with
    # "{}" names the first value found, such as a generator's version)
    signs: ClassVar[tuple[tuple[str, str], ...]] = ()
    min_signs: ClassVar[int] = 2
    # The names of this engine's selectors: every one can be replaced from sites.toml.
    selectors: ClassVar[tuple[str, ...]] = ("body_chrome", "extra_chrome")
    body_chrome: ClassVar[str | None] = None  # in-post furniture removed from bodies
    extra_chrome: ClassVar[str | None] = None  # a site's own additions (sites.toml)

    def detect(self, doc: Document, confirm: bool = False) -> list[str]:
        """The labels of the signs the page shows (empty: not this engine's page).

        ``confirm``: the page is of a site known to run this engine, and the question is
        only whether it still is; the search stops at ``min_signs``. The site's first
        page, whose evidence the site row keeps, is always searched in full.
        """
        evidence = []
        for xpath, label in self.signs:
            found = doc.first(xpath)
            if found is not None and found != "":
                evidence.append(label.format(found) if "{" in label else label)
                if confirm and len(evidence) >= self.min_signs:
                    break
        return evidence if len(evidence) >= self.min_signs else []

    def read(self, doc: Document) -> PageReader:
        """A reader for one page of this engine."""
        return self.reader(self, doc.url, doc.site_id, doc)

    def chrome(self) -> str | None:
        if not self.extra_chrome:
            return self.body_chrome or None  # itself: a class query stays one
        return " | ".join(x for x in (self.body_chrome, self.extra_chrome) if x) or None

    def post_id_from_local(self, thread_id: str, local: str) -> str:
        """The id of a post another reader found, from the id the page gives it (an
        element's number, a permalink's): this engine's post ids are forum-wide."""
        return local

    # Engines with a JSON API (Discourse, Flarum) also read its responses.
    def detect_json(self, data: object) -> list[str]:
        """Evidence that a decoded JSON response is this engine's API; empty: not mine."""
        return []

    def read_json(self, data: Any, url: str, site_id: str) -> ThreadPage | BoardPage:
        raise NotImplementedError(f"{self.name} has no JSON API reader")

    def customised(self, **overrides: str) -> Engine:
        """This engine with some selectors replaced (a site's theme differs).

        Unknown names and expressions that do not compile are errors: a typo in
        ``sites.toml`` must not pass as a silently empty crawl.
        """
        unknown = sorted(set(overrides) - set(self.selectors))
        if unknown:
            raise ValueError(
                f"engine {self.name}: no such selector {', '.join(unknown)}; "
                f"its selectors: {', '.join(self.selectors)}"
            )
        for name, xpath in overrides.items():
            try:
                compiled(xpath)
            except etree.XPathSyntaxError as exc:
                raise ValueError(f"{name}: not a valid XPath ({exc})") from None
        variant = type(f"{type(self).__name__}Custom", (type(self),), dict(overrides))
        return variant()


class PageReader:
    """One page as one engine reads it.

    ``kind`` says what the page is; ``thread`` and ``board`` read it. The ``new_*``
    constructors stamp items with the page's site (and a post with its page), and keep
    each post's links beside it for the article recogniser.
    """

    def __init__(self, engine: Engine, url: str, site_id: str, doc: Document | None = None) -> None:
        self.engine = engine
        self.url = url
        self.site_id = site_id
        self.doc = doc
        self.base = doc.base if doc is not None else url
        self.links: dict[str, PostLinks] = {}
        # each post's element on the page: where the other readers' posts are matched to it
        self.anchors: dict[str, object] = {}
        self._scopes: dict[Any, ClassScope | None] = {}  # by the element class queries were asked of

    # ------------------------------------------------------------------ what to implement
    def kind(self) -> str | None:
        raise NotImplementedError

    def thread(self) -> ThreadPage:
        raise NotImplementedError

    def board(self) -> BoardPage:
        raise NotImplementedError

    def empty(self) -> tuple[str, str, str | None] | None:
        """Why this page holds nothing to read, when the engine can tell: (reason,
        message, a URL that holds the content instead)."""
        return None

    def shell(self) -> ThreadPage | None:
        """The thread and this page's place in it, without posts, for another reader's
        posts (None: this reader cannot tell without reading the posts)."""
        return None

    # ------------------------------------------------------------------ selectors
    def select(self, node, xpath: str | None) -> list:
        """What a selector finds below ``node`` (elements, or strings); class queries
        are answered from the page's class index."""
        return select(node, xpath, self.scope(node) if isinstance(xpath, ClassQuery) else None)

    def first(self, node, xpath: str | None):
        return select_first(node, xpath, self.scope(node) if isinstance(xpath, ClassQuery) else None)

    def scope(self, node) -> ClassScope | None:
        """``node``'s run of the page's class index (None for a node of another tree)."""
        if self.doc is None or node is None:
            return None
        scope = self._scopes.get(node)
        if scope is None:
            scope = self._scopes[node] = self.doc.classes.scope(node)
        return scope

    def text(self, node, xpath: str | None) -> str | None:
        """Inline text of the first match (see :func:`~forumcrawl.reading.nodes.inline_text`)."""
        return inline_text(self.first(node, xpath))

    def link(self, href: str | None) -> str | None:
        """A link of the page, absolute and without session parameters."""
        return link(self.base, href)

    # ------------------------------------------------------------------ items
    def new_user(self, name: str, **fields) -> UserItem:
        return UserItem(site_id=self.site_id, name=name, **fields)

    def new_board(self, board_id: str, title: str | None, url: str) -> BoardItem:
        return BoardItem(site_id=self.site_id, board_id=board_id, title=title, url=url)

    def new_thread(self, thread_id: str, title: str | None, url: str, **fields) -> ThreadItem:
        return ThreadItem(site_id=self.site_id, thread_id=thread_id, title=title, url=url, **fields)

    def new_post(
        self,
        thread_id: str,
        post_id: str,
        body: Body,
        *,
        url: str | None,
        author: UserItem | None,
        posted: DateField,
        page_url: str | None = None,
        element=None,
        **fields,
    ) -> PostItem:
        self.links[post_id] = PostLinks(body.links, body.quote_links)
        if element is not None:
            self.anchors[post_id] = element
        return PostItem(
            site_id=self.site_id,
            thread_id=thread_id,
            post_id=post_id,
            url=url,
            page_url=page_url or self.url,
            author=author,
            posted=posted,
            body_html=body.html,
            body_text=body.text,
            quotes=body.quotes,
            **fields,
        )

    def thread_page(self, thread: ThreadItem, posts, **fields) -> ThreadPage:
        """The page's posts, each once (some skins render a post twice), and their links."""
        unique: list[PostItem] = []
        seen: set[str] = set()
        for post in posts:
            if post is not None and post.post_id not in seen:
                seen.add(post.post_id)
                unique.append(post)
        fields.setdefault("language", self.doc.language if self.doc is not None else None)
        return ThreadPage(
            thread=thread,
            posts=unique,
            links={p.post_id: self.links[p.post_id] for p in unique if p.post_id in self.links},
            **fields,
        )

    def board_links(self, links, id_of) -> list[BoardItem]:
        """Boards linked from a forum index or a board's sub-forum list."""
        boards = []
        for a in links:
            href = self.link(a.get("href"))
            if href:
                boards.append(self.new_board(id_of(href) or href, text_of(a), href))
        return boards
