"""Items as rows: one builder per table, and the :class:`Batch` a transaction writes.

Every row has an explicit text primary key namespaced by site (``site:native-id``), so
several forums share one file and re-crawling upserts the same rows instead of adding
new ones. The same builders give the records ``extract`` prints
(:mod:`forumcrawl.storage.records`), so a record is always what the row holds.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from concurrent.futures import Executor
from dataclasses import dataclass, field

from forumcrawl.items import BoardItem, PageItem, PostItem, SiteItem, ThreadItem, UserItem
from forumcrawl.reading.extract.articles import text_key


def key(site_id: str, native: str) -> str:
    return f"{site_id}:{native}"


def user_key(user: UserItem) -> str:
    return key(user.site_id, user.user_id) if user.user_id else key(user.site_id, f"name:{user.name}")


def content_hash(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode()).hexdigest()


def site_row(item: SiteItem) -> dict:
    return {
        "id": item.site_id,
        "base_url": item.base_url,
        "engine": item.engine,
        "engine_evidence": json.dumps(item.engine_evidence),
        "language": item.language,
        "name": item.name,
    }


def board_row(item: BoardItem) -> dict:
    return {
        "id": key(item.site_id, item.board_id),
        "site_id": item.site_id,
        "native_id": item.board_id,
        "title": item.title,
        "url": item.url,
    }


def thread_row(t: ThreadItem) -> dict:
    """The thread's row, without the listing facts it does not have (None leaves the
    stored value alone)."""
    row = {
        "id": key(t.site_id, t.thread_id),
        "site_id": t.site_id,
        "board_id": key(t.site_id, t.board_id) if t.board_id else None,
        "native_id": t.thread_id,
        "title": t.title,
        "url": t.url,
        "page_count": t.page_count,
    }
    if t.reply_count is not None:
        row["reply_count"] = t.reply_count
    if t.last_post.value:
        row["last_post_at"] = t.last_post.value
    return row


def user_row(u: UserItem) -> dict:
    return {
        "id": user_key(u),
        "site_id": u.site_id,
        "native_id": u.user_id,
        "name": u.name,
        "profile_url": u.profile_url,
        "title": u.title,
        "joined_at": u.joined.value,
        "joined_raw": u.joined.raw,
        "message_count": u.message_count,
    }


def post_row(p: PostItem, hashed: bool = True) -> dict:
    """The post's row (``hashed=False``: without the content hash, for a reader of the
    other columns only; hashing the body costs more than building the rest)."""
    post_id = key(p.site_id, p.post_id)
    return {
        "id": post_id,
        "site_id": p.site_id,
        "thread_id": key(p.site_id, p.thread_id),
        "user_id": user_key(p.author) if p.author is not None else None,
        "native_id": p.post_id,
        "position": p.position,
        "url": p.url,
        "page_url": p.page_url,
        "author_name": p.author.name if p.author else None,
        "posted_at": p.posted.value,
        "posted_raw": p.posted.raw,
        "posted_source": p.posted.source,
        "edited_at": p.edited.value,
        "edited_raw": p.edited.raw,
        "body_text": p.body_text,
        "body_html": p.body_html,
        "signature_text": p.signature_text,
        "reaction_count": p.reaction_count,
        "quote_count": len(p.quotes),
        "content_hash": content_hash(p.body_html, *(q.text for q in p.quotes)) if hashed else None,
        "vanished_at": None,
        "reader": p.reader,
        "parent_id": key(p.site_id, p.parent_id) if p.parent_id else None,
    }


def quote_rows(p: PostItem) -> list[dict]:
    post_id = key(p.site_id, p.post_id)
    return [
        {
            "id": f"{post_id}:{q.position}",
            "post_id": post_id,
            "position": q.position,
            "depth": q.depth,
            "quoted_author": q.author,
            "quoted_user_id": q.author_user_id,
            "quoted_post_id": q.post_id,
            "text": q.text,
        }
        for q in p.quotes
    ]


def article_rows(p: PostItem) -> list[dict]:
    post_id = key(p.site_id, p.post_id)
    return [
        {
            "id": f"{post_id}:{a.position}",
            "post_id": post_id,
            "site_id": p.site_id,
            "position": a.position,
            "headline": a.headline,
            "byline": a.byline,
            "published_at": a.published.value,
            "published_raw": a.published.raw,
            "source_url": a.source_url,
            "outlet": a.outlet,
            "in_quote": int(a.in_quote),
            "body_text": a.body_text,
            "content_hash": content_hash(" ".join(a.body_text.split())),
            "text_key": text_key(a.body_text),
        }
        for a in p.articles
    ]


def page_id(url: str, body: bytes) -> str:
    """An archived page's key: the same URL with the same bytes is one row."""
    return hashlib.sha1(url.encode() + b"\0" + body).hexdigest()


def archived_page(url: str, body: bytes) -> tuple[str, bytes]:
    """An archived page's key and stored bytes. A crawl runs this on a thread of its own:
    hashlib and zlib release the GIL on data this size, so the crawl's thread goes on."""
    return page_id(url, body), zlib.compress(body, ARCHIVE_LEVEL)


@dataclass
class Batch:
    """Rows gathered from items, written together in one transaction."""

    sites: dict[str, dict] = field(default_factory=dict)
    boards: dict[str, dict] = field(default_factory=dict)
    # Boards a thread names without a URL (an API gives only an id): inserted only if
    # the board is not stored yet, so the thread's foreign key holds.
    board_stubs: dict[str, dict] = field(default_factory=dict)
    threads: dict[str, dict] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    posts: dict[str, dict] = field(default_factory=dict)
    quotes: dict[str, list[dict]] = field(default_factory=dict)  # by post id
    articles: dict[str, list[dict]] = field(default_factory=dict)
    # Archived pages in the order read; each row's key and compressed bytes come from
    # ``archived_page`` (a Future when a compressor thread makes them).
    pages: list[dict] = field(default_factory=list)
    # When each page (by URL) was fetched: the time of what its posts' rows record.
    fetched: dict[str, str] = field(default_factory=dict)
    # Thread pages in the order they were read: (thread key, page number, URL, whether a
    # later page follows, the forum's ids of the posts it showed, fetch time), for the
    # watermark and vanished posts.
    thread_pages: list[tuple[str, int | None, str, bool, list[str], str]] = field(default_factory=list)
    # Board listings whose walk these pages began (board key -> row): see board_walks.
    walks: dict[str, dict] = field(default_factory=dict)
    leases: list[str] = field(default_factory=list)  # shared crawl: requests these pages end
    items: int = 0
    # Hashes and compresses archived pages off the calling thread (hashlib and zlib release
    # the GIL, so the crawl goes on meanwhile); None: in place.
    compressor: Executor | None = None

    def __len__(self) -> int:
        return self.items

    def add(self, item) -> None:
        self.items += 1
        if isinstance(item, PageItem):
            for row in item.rows:  # before the page: its watermark moves once they are in
                self.add(row)
            self._page(item)
        elif isinstance(item, PostItem):
            self._post(item)
        elif isinstance(item, ThreadItem):
            self._thread(item)
        elif isinstance(item, BoardItem):
            row = board_row(item)
            self.boards[row["id"]] = row
        elif isinstance(item, SiteItem):
            self.sites[item.site_id] = site_row(item)
        else:
            raise TypeError(f"cannot store {type(item).__name__}")

    def _thread(self, t: ThreadItem) -> None:
        row = thread_row(t)
        board_id = row["board_id"]
        if board_id and board_id not in self.boards:
            stub = {
                "id": board_id,
                "site_id": t.site_id,
                "native_id": t.board_id,
                "title": t.board_title,
                "url": t.board_url or "",
            }
            (self.boards if t.board_url else self.board_stubs)[board_id] = stub
        previous = self.threads.get(row["id"], {})
        if previous.get("page_count") and row["page_count"]:
            row["page_count"] = max(previous["page_count"], row["page_count"])
        self.threads[row["id"]] = {**previous, **{k: v for k, v in row.items() if v is not None}}

    def _page(self, page: PageItem) -> None:
        if page.lease:
            self.leases.append(page.lease)
        self.fetched[page.url] = page.fetched_at
        if page.walk:
            self.walks[page.walk] = {"id": page.walk, "site_id": page.site_id, "started_at": page.fetched_at}
        if page.archive:
            self._archive(page)
        if page.thread_id:
            self.thread_pages.append(
                (
                    key(page.site_id, page.thread_id),
                    page.page_number,
                    page.url,
                    page.has_next,
                    list(page.post_ids),
                    page.fetched_at,
                )
            )

    def _archive(self, page: PageItem) -> None:
        packed = (
            self.compressor.submit(archived_page, page.url, page.body)
            if self.compressor
            else archived_page(page.url, page.body)
        )
        self.pages.append(
            {
                "id": None,  # with the body, from ``packed``
                "url": page.url,
                "site_id": page.site_id,
                "status": page.status,
                "content_type": page.content_type,
                "kind": page.kind,
                "size": len(page.body),
                "body": packed,
                "first_fetched_at": page.fetched_at,
                "fetched_at": page.fetched_at,
                "reader": page.reader,
                "reader_note": page.reader_note,
            }
        )

    def _post(self, p: PostItem) -> None:
        row = post_row(p)
        if p.author is not None:
            self.users[row["user_id"]] = user_row(p.author)
        self.posts[row["id"]] = row
        self.quotes[row["id"]] = quote_rows(p)
        self.articles[row["id"]] = article_rows(p)


# zlib level of the page archive. Measured on the 160 real pages of fixtures/ and
# wcxb-dev (197 KB on average): level 6 took 2.39 ms a page for 15.1% of the size, level 3
# 1.17 ms for 17.5%, level 1 1.03 ms for 18.9%. Level 3 halves the cost for a sixth more
# disk; every level reads back with the same zlib.decompress, so older archives and
# older code read each other's pages as before.
ARCHIVE_LEVEL = 3


def page_body(row: dict) -> bytes:
    """The bytes of an archived page (``pages.body`` is zlib-compressed)."""
    return zlib.decompress(row["body"])
