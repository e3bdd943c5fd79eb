"""Items that travel from the page-reading service through the pipelines to the store.

They are plain dataclasses (itemadapter understands them), one per kind of row, and hold
only what is stored: how a page was read (its fetch time, language, time zone, the
links article recognition follows) travels beside them in the service's page result.
A post carries its author, its quotes and its reposted articles inside it, because
those come from the post's own markup and are stored with it in one transaction; the
store splits them into their tables.

Native ids (the forum's own numbers) are kept as strings; the store namespaces them by
site so several forums can share one database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class DateField:
    """A date as the page gave it, and (after normalisation) as UTC ISO 8601.

    ``machine`` is a machine-readable value found in the markup (``<time datetime>``,
    a ``data-time`` epoch, JSON-LD); ``raw`` is the text a reader sees, often fuller in
    a ``title`` attribute. ``source`` records which of them produced ``value``:
    ``"machine"``, ``"text"`` or ``"relative"`` (text anchored to the fetch time).
    """

    raw: str | None = None
    machine: str | None = None
    value: str | None = None
    source: str | None = None

    def __bool__(self) -> bool:
        return bool(self.raw or self.machine)


@dataclass(slots=True)
class SiteItem:
    site_id: str
    base_url: str
    engine: str
    engine_evidence: list[str] = field(default_factory=list)
    name: str | None = None
    language: str | None = None


@dataclass(slots=True)
class BoardItem:
    site_id: str
    board_id: str
    title: str | None
    url: str


@dataclass(slots=True)
class ThreadItem:
    site_id: str
    thread_id: str
    title: str | None
    url: str
    board_id: str | None = None
    board_title: str | None = None
    board_url: str | None = None
    page_count: int | None = None
    reply_count: int | None = None
    last_post: DateField = field(default_factory=DateField)


@dataclass(slots=True)
class PageItem:
    """A fetched page as it came over the wire, archived so it can be re-parsed offline,
    with the items read from it (``rows``: the site on its first page, boards, the
    thread, the posts, in the order read).

    The crawl yields one of these per page rather than each of its items: Scrapy's
    machinery costs the crawl about 70 µs an item, 1.5 ms a thread page of twenty posts.
    Pipelines and feed exports take the rows in order, then the page. For a thread page
    it also moves the thread's watermark (``threads.last_page``/``last_page_url``, where
    the next run resumes) and names the posts the page showed, so posts once stored
    there and now missing are marked as vanished. The page's rows and its watermark are
    always stored in one transaction: a run killed in between resumes from the page
    before.
    """

    url: str
    site_id: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: str
    kind: str  # thread, board, index (or the reason it could not be read)
    thread_id: str | None = None  # the forum's id, for thread pages
    page_number: int | None = None
    has_next: bool = False  # a thread page that links to a later page of its thread
    post_ids: list[str] = field(default_factory=list)
    archive: bool = True  # False when re-parsing a page that is archived already
    reader: str | None = None  # which reader read the page, and why
    reader_note: str | None = None
    lease: str | None = None  # the shared crawl's lease on the request (forumcrawl/shared/scheduler.py)
    walk: str | None = None  # a board listing page that begins a walk of the listing: the board's key
    rows: list = field(default_factory=list)  # the items read from the page, stored before it


@dataclass(slots=True)
class UserItem:
    site_id: str
    name: str
    user_id: str | None = None
    profile_url: str | None = None
    title: str | None = None
    joined: DateField = field(default_factory=DateField)
    message_count: int | None = None


@dataclass(slots=True)
class QuoteItem:
    """A quoted passage taken out of a post body: who was quoted, from which post."""

    position: int
    depth: int
    text: str
    author: str | None = None
    author_user_id: str | None = None
    post_id: str | None = None


@dataclass(slots=True)
class ArticleItem:
    """A news article a member reposted inside a post."""

    position: int
    headline: str
    body_text: str
    byline: str | None = None
    published: DateField = field(default_factory=DateField)
    source_url: str | None = None
    outlet: str | None = None
    in_quote: bool = False


@dataclass(slots=True)
class PostItem:
    site_id: str
    thread_id: str
    post_id: str
    url: str | None
    page_url: str
    author: UserItem | None
    posted: DateField
    body_html: str
    body_text: str
    position: int | None = None
    edited: DateField = field(default_factory=DateField)
    signature_text: str | None = None
    reaction_count: int | None = None
    quotes: list[QuoteItem] = field(default_factory=list)
    articles: list[ArticleItem] = field(default_factory=list)
    reader: str | None = None  # what read it: the engine's name, microdata, json-ld or generic
    parent_id: str | None = None  # the post it answers, where the page nests them (comments, Q&A)
