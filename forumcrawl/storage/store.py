"""The SQLite database: schema as data, shape kept by :func:`ensure_db_shape`, batched upserts.

Every row has an explicit text primary key namespaced by site (``site:native-id``), so
several forums share one file and re-crawling upserts the same rows instead of adding
new ones. Writing a row twice with the same content leaves the database unchanged
(volatile facts such as fetch times live only in ``crawl_runs``). Full-text search is
kept in step by triggers, and views join posts to their thread, board and author so
``datasette forumcrawl.db`` is useful at once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from forumcrawl.reading.extract.articles import text_key
from forumcrawl.items import BoardItem, PageItem, PostItem, SiteItem, ThreadItem, UserItem
from forumcrawl.storage.migrations import MIGRATIONS

# 2: thread watermarks, post revisions and vanished posts, page archive
# 3: articles.text_key (the same article reposted, matched by its words)
SCHEMA_VERSION = 3


class StoreError(RuntimeError):
    """The database cannot be used as it is (locked, unreadable, newer schema)."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, type]
    pk: str
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    not_null: tuple[str, ...] = ()
    fts: tuple[str, ...] = ()


TABLES: tuple[Table, ...] = (
    Table("sites", {"id": str, "base_url": str, "engine": str, "engine_evidence": str,
                    "language": str, "name": str}, "id", not_null=("base_url", "engine")),
    Table("boards", {"id": str, "site_id": str, "native_id": str, "title": str, "url": str},
          "id", (("site_id", "sites", "id"),), not_null=("site_id", "url")),
    Table("threads", {"id": str, "site_id": str, "board_id": str, "native_id": str,
                      "title": str, "url": str, "page_count": int, "reply_count": int,
                      "last_post_at": str, "last_page": int, "last_page_url": str},
          "id", (("site_id", "sites", "id"), ("board_id", "boards", "id")),
          not_null=("site_id", "url"), fts=("title",)),
    Table("users", {"id": str, "site_id": str, "native_id": str, "name": str,
                    "profile_url": str, "title": str, "joined_at": str, "joined_raw": str,
                    "message_count": int},
          "id", (("site_id", "sites", "id"),), not_null=("site_id", "name")),
    Table("posts", {"id": str, "site_id": str, "thread_id": str, "user_id": str,
                    "native_id": str, "position": int, "url": str, "page_url": str,
                    "author_name": str, "posted_at": str, "posted_raw": str,
                    "posted_source": str, "edited_at": str, "edited_raw": str,
                    "body_text": str, "body_html": str, "signature_text": str,
                    "reaction_count": int, "quote_count": int, "content_hash": str,
                    "vanished_at": str},
          "id", (("site_id", "sites", "id"), ("thread_id", "threads", "id"),
                 ("user_id", "users", "id")),
          not_null=("site_id", "thread_id", "body_text"), fts=("body_text",)),
    # A post's earlier versions: the row as it was before an edit changed its content.
    Table("post_revisions", {"id": str, "post_id": str, "content_hash": str, "body_text": str,
                             "body_html": str, "edited_at": str, "edited_raw": str,
                             "replaced_at": str},
          "id", (("post_id", "posts", "id"),), not_null=("post_id",)),
    Table("quotes", {"id": str, "post_id": str, "position": int, "depth": int,
                     "quoted_author": str, "quoted_user_id": str, "quoted_post_id": str,
                     "text": str},
          "id", (("post_id", "posts", "id"),), not_null=("post_id",)),
    Table("articles", {"id": str, "post_id": str, "site_id": str, "position": int,
                       "headline": str, "byline": str, "published_at": str,
                       "published_raw": str, "source_url": str, "outlet": str,
                       "in_quote": int, "body_text": str, "content_hash": str, "text_key": str},
          "id", (("post_id", "posts", "id"), ("site_id", "sites", "id")),
          not_null=("post_id", "headline"), fts=("headline", "body_text")),
    # Every fetched page, zlib-compressed, keyed by URL and content: what ``forumcrawl
    # reparse`` rebuilds the rows from. ``fetched_at`` is the last time these bytes were seen.
    Table("pages", {"id": str, "url": str, "site_id": str, "status": int, "content_type": str,
                    "kind": str, "size": int, "body": bytes, "first_fetched_at": str,
                    "fetched_at": str},
          "id", not_null=("url", "body")),
    Table("crawl_runs", {"id": int, "started_at": str, "finished_at": str,
                         "finish_reason": str, "failed": int, "failures": str,
                         "spider_args": str, "pages_fetched": int, "items_stored": int,
                         "stats": str}, "id"),
)

VIEWS = {
    # ``rowid`` is the post's (and the article's) own: Datasette searches a view through
    # its table's FTS index by that column (``fts_pk`` in forumcrawl/browse/__init__.py).
    "posts_view": """
        select posts.rowid as rowid, posts.id, sites.id as site, boards.title as board,
               threads.title as thread, posts.position, posts.posted_at,
               posts.author_name as author, users.title as author_title,
               users.joined_at as author_joined, posts.body_text, posts.quote_count, posts.url
        from posts
        join threads on threads.id = posts.thread_id
        join sites on sites.id = posts.site_id
        left join boards on boards.id = threads.board_id
        left join users on users.id = posts.user_id""",
    "articles_view": """
        select articles.rowid as rowid, articles.id, articles.site_id as site,
               articles.headline, articles.byline, articles.published_at, articles.outlet,
               articles.source_url, threads.title as thread, posts.author_name as reposted_by,
               posts.posted_at as reposted_at, posts.url as post_url, articles.body_text,
               articles.text_key
        from articles
        join posts on posts.id = articles.post_id
        join threads on threads.id = posts.thread_id""",
    "quote_edges": """
        select quotes.id, posts.site_id as site, posts.author_name as quoting,
               quotes.quoted_author as quoted, posts.id as post_id,
               posts.site_id || ':' || quotes.quoted_post_id as quoted_post_id,
               quotes.depth, quotes.text
        from quotes join posts on posts.id = quotes.post_id""",
}


def key(site_id: str, native: str) -> str:
    return f"{site_id}:{native}"


def user_key(user: UserItem) -> str:
    return key(user.site_id, user.user_id) if user.user_id else key(user.site_id, f"name:{user.name}")


def content_hash(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode()).hexdigest()


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and shape the database; clear errors for locked files."""
    try:
        conn = sqlite3.connect(str(path), timeout=15)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        ensure_db_shape(db)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(f"database {path} is locked by another process: {exc}") from exc
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    return db


def open_readonly(path: str | Path) -> sqlite_utils.Database:
    """The database as it is, for reading (no upgrade, no file created by mistake)."""
    if not Path(path).is_file():
        raise StoreError(f"no database at {path}")
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=15)
        db = sqlite_utils.Database(conn)
        if not db["posts"].exists():
            raise StoreError(f"{path} is not a forumcrawl database (no posts table)")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    return db


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create what is missing and add columns an older schema lacks, then apply the
    pending data migrations (:mod:`forumcrawl.storage.migrations`); never drop data.

    Tables, columns, indexes, FTS and views are declared in ``TABLES``/``VIEWS`` and
    created here when missing, so a new column needs no migration; a migration is for
    what a declaration cannot say, such as filling a new column on rows already stored.
    """
    meta = db["_forumcrawl_meta"]
    if meta.exists():
        row = next(iter(db.query("select value from _forumcrawl_meta where key = 'schema_version'")), None)
        if row and int(row["value"]) > SCHEMA_VERSION:
            raise StoreError(
                f"database schema version {row['value']} is newer than this forumcrawl "
                f"understands ({SCHEMA_VERSION}); upgrade forumcrawl"
            )
    with db.atomic():
        for table in TABLES:
            t = db[table.name]
            if not t.exists():
                t.create(table.columns, pk=table.pk, foreign_keys=list(table.foreign_keys),
                         not_null=set(table.not_null))
            else:
                existing = {c.name for c in t.columns}
                for name, kind in table.columns.items():
                    if name not in existing:
                        t.add_column(name, kind)
            for column, _other, _col in table.foreign_keys:
                index = f"idx_{table.name}_{column}"
                if index not in {i.name for i in t.indexes}:
                    t.create_index([column], index_name=index, if_not_exists=True)
        db["pages"].create_index(["url", "fetched_at"], index_name="idx_pages_url_fetched_at",
                                 if_not_exists=True)
        db["_forumcrawl_meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
    for table in TABLES:
        if table.fts and not db[f"{table.name}_fts"].exists():
            db[table.name].enable_fts(list(table.fts), create_triggers=True, tokenize="porter")
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    MIGRATIONS.apply(db)


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
    post_fetched_at: dict[str, str | None] = field(default_factory=dict)  # when each was read
    quotes: dict[str, list[dict]] = field(default_factory=dict)  # by post id
    articles: dict[str, list[dict]] = field(default_factory=dict)
    pages: dict[str, dict] = field(default_factory=dict)
    # Thread pages in the order they were read: (thread key, page number, URL, the
    # forum's ids of the posts it showed), for the watermark and vanished posts.
    thread_pages: list[tuple[str, int | None, str, list[str]]] = field(default_factory=list)
    leases: list[str] = field(default_factory=list)  # shared crawl: requests these pages end
    items: int = 0
    # Compresses archived pages off the calling thread (zlib releases the GIL, so a crawl
    # parses the next page meanwhile); None: compressed in place.
    compressor: Executor | None = None

    def __len__(self) -> int:
        return self.items

    def add(self, item) -> None:
        self.items += 1
        if isinstance(item, PostItem):
            self._post(item)
        elif isinstance(item, ThreadItem):
            self._thread(item)
        elif isinstance(item, PageItem):
            self._page(item)
        elif isinstance(item, BoardItem):
            self.boards[key(item.site_id, item.board_id)] = {
                "id": key(item.site_id, item.board_id), "site_id": item.site_id,
                "native_id": item.board_id, "title": item.title, "url": item.url}
        elif isinstance(item, SiteItem):
            self.sites[item.site_id] = {
                "id": item.site_id, "base_url": item.base_url, "engine": item.engine,
                "engine_evidence": json.dumps(item.engine_evidence), "language": item.language,
                "name": item.name}
        else:
            raise TypeError(f"cannot store {type(item).__name__}")

    def _thread(self, t: ThreadItem) -> None:
        board_id = key(t.site_id, t.board_id) if t.board_id else None
        if board_id and board_id not in self.boards:
            row = {"id": board_id, "site_id": t.site_id, "native_id": t.board_id,
                   "title": t.board_title, "url": t.board_url or ""}
            (self.boards if t.board_url else self.board_stubs)[board_id] = row
        row = {"id": key(t.site_id, t.thread_id), "site_id": t.site_id, "board_id": board_id,
               "native_id": t.thread_id, "title": t.title, "url": t.url,
               "page_count": t.page_count}
        if t.reply_count is not None:
            row["reply_count"] = t.reply_count
        if t.last_post.value:
            row["last_post_at"] = t.last_post.value
        previous = self.threads.get(row["id"], {})
        if previous.get("page_count") and row["page_count"]:
            row["page_count"] = max(previous["page_count"], row["page_count"])
        self.threads[row["id"]] = {**previous, **{k: v for k, v in row.items() if v is not None}}

    def _page(self, page: PageItem) -> None:
        if page.lease:
            self.leases.append(page.lease)
        if page.archive:
            self._archive(page)
        if page.thread_id:
            self.thread_pages.append((key(page.site_id, page.thread_id), page.page_number,
                                      page.url, list(page.post_ids)))

    def _archive(self, page: PageItem) -> None:
        page_id = hashlib.sha1(page.url.encode() + b"\0" + page.body).hexdigest()
        self.pages[page_id] = {
            "id": page_id, "url": page.url, "site_id": page.site_id, "status": page.status,
            "content_type": page.content_type, "kind": page.kind, "size": len(page.body),
            "body": (self.compressor.submit(zlib.compress, page.body, 6) if self.compressor
                     else zlib.compress(page.body, 6)),
            "first_fetched_at": page.fetched_at,
            "fetched_at": page.fetched_at}

    def _post(self, p: PostItem) -> None:
        post_id = key(p.site_id, p.post_id)
        user_id = None
        if p.author is not None:
            u = p.author
            user_id = user_key(u)
            self.users[user_id] = {
                "id": user_id, "site_id": u.site_id, "native_id": u.user_id, "name": u.name,
                "profile_url": u.profile_url, "title": u.title, "joined_at": u.joined.value,
                "joined_raw": u.joined.raw, "message_count": u.message_count}
        self.posts[post_id] = {
            "id": post_id, "site_id": p.site_id, "thread_id": key(p.site_id, p.thread_id),
            "user_id": user_id, "native_id": p.post_id, "position": p.position, "url": p.url,
            "page_url": p.page_url, "author_name": p.author.name if p.author else None,
            "posted_at": p.posted.value, "posted_raw": p.posted.raw,
            "posted_source": p.posted.source, "edited_at": p.edited.value,
            "edited_raw": p.edited.raw, "body_text": p.body_text, "body_html": p.body_html,
            "signature_text": p.signature_text, "reaction_count": p.reaction_count,
            "quote_count": len(p.quotes),
            "content_hash": content_hash(p.body_html, *(q.text for q in p.quotes)),
            "vanished_at": None}
        self.post_fetched_at[post_id] = p.fetched_at
        self.quotes[post_id] = [
            {
                "id": f"{post_id}:{q.position}", "post_id": post_id, "position": q.position,
                "depth": q.depth, "quoted_author": q.author, "quoted_user_id": q.author_user_id,
                "quoted_post_id": q.post_id, "text": q.text}
            for q in p.quotes]
        self.articles[post_id] = [
            {
                "id": f"{post_id}:{a.position}", "post_id": post_id, "site_id": p.site_id,
                "position": a.position, "headline": a.headline, "byline": a.byline,
                "published_at": a.published.value, "published_raw": a.published.raw,
                "source_url": a.source_url, "outlet": a.outlet, "in_quote": int(a.in_quote),
                "body_text": a.body_text, "content_hash": content_hash(" ".join(a.body_text.split())),
                "text_key": text_key(a.body_text)}
            for a in p.articles]


def page_body(row: dict) -> bytes:
    """The bytes of an archived page (``pages.body`` is zlib-compressed)."""
    return zlib.decompress(row["body"])


@dataclass
class Written:
    """What a batch changed beyond plain upserts, for the run's stats."""

    revisions: int = 0
    vanished: int = 0


def write_batch(db: sqlite_utils.Database, batch: Batch, keep_revisions: bool = True) -> Written:
    """Upsert one batch in a single transaction, parents before children.

    A post's quotes and articles are replaced as a set, so a re-parse that finds fewer
    of them leaves no stale rows behind. A post whose content changed keeps its previous
    version in ``post_revisions``; a post missing from a page that showed it before is
    marked ``vanished_at``, never deleted. ``keep_revisions=False`` is for re-parsing
    stored pages, where a changed row means a changed parser, not an edited post.
    """
    written = Written()
    with db.atomic():
        if batch.pages:
            _archive_pages(db, list(batch.pages.values()))
        if batch.posts and keep_revisions:  # before the upsert replaces what they keep
            written.revisions = _keep_revisions(db, batch.posts, batch.post_fetched_at)
        for name in ("sites", "boards", "threads", "users", "posts"):
            rows: Iterable[dict] = getattr(batch, name).values()
            if rows:
                db[name].upsert_all(list(rows), pk="id")
            if name == "boards" and batch.board_stubs:
                db["boards"].insert_all(list(batch.board_stubs.values()), pk="id", ignore=True)
        post_ids = list(batch.posts)
        for child in ("quotes", "articles"):
            for chunk in _chunks(post_ids):
                marks = ",".join("?" * len(chunk))
                db.execute(f"delete from {child} where post_id in ({marks})", chunk)
            rows = [row for per_post in getattr(batch, child).values() for row in per_post]
            if rows:
                db[child].insert_all(rows, pk="id", replace=True)
        for thread_id, page_number, url, post_ids in batch.thread_pages:
            # The watermark moves forward, or to the thread's last page (a thread that shrank);
            # never back to an earlier page read late (a shared crawl's worker took it over).
            db.execute("update threads set last_page = ?, last_page_url = ? where id = ? and (? is null"
                       " or ? >= coalesce(page_count, 0) or coalesce(last_page, 0) <= ?)",
                       [page_number, url, thread_id, page_number, page_number, page_number])
            written.vanished += _mark_vanished(db, thread_id, post_ids)
    return written


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _archive_pages(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """New bytes become a new row; bytes seen before only move ``fetched_at`` on."""
    for row in rows:
        if isinstance(row["body"], Future):
            row["body"] = row["body"].result()
    db["pages"].insert_all(rows, pk="id", ignore=True)
    db.conn.executemany("update pages set fetched_at = ? where id = ? and fetched_at < ?",
                        [(r["fetched_at"], r["id"], r["fetched_at"]) for r in rows])


def _keep_revisions(db: sqlite_utils.Database, posts: dict[str, dict],
                    fetched_at: dict[str, str | None]) -> int:
    """Copy the stored version of every post whose content hash is about to change."""
    kept = 0
    ids = list(posts)
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        stored = db.execute(
            f"select id, content_hash, body_text, body_html, edited_at, edited_raw from posts"
            f" where id in ({marks})", chunk).fetchall()
        revisions = []
        for post_id, old_hash, body_text, body_html, edited_at, edited_raw in stored:
            new = posts[post_id]
            if old_hash is None or old_hash == new["content_hash"]:
                continue
            revisions.append({
                "id": f"{post_id}:{old_hash[:16]}", "post_id": post_id, "content_hash": old_hash,
                "body_text": body_text, "body_html": body_html, "edited_at": edited_at,
                "edited_raw": edited_raw,
                "replaced_at": fetched_at.get(post_id) or now_iso()})
        if revisions:
            db["post_revisions"].insert_all(revisions, pk="id", ignore=True)
            kept += len(revisions)
    return kept


def _mark_vanished(db: sqlite_utils.Database, thread_id: str, native_ids: list[str]) -> int:
    """Mark posts of this thread that the page should show, by their ids, but does not.

    A page spans a range of post ids (ids grow with time on every engine read here). A
    stored post inside that range that the page no longer shows was deleted or moved;
    posts outside it may just have moved to a neighbouring page, so they are left alone.
    Ids that are not plain numbers (Discourse's ``topic/number``) give no such range.
    """
    if not native_ids or not all(i.isdigit() for i in native_ids):
        return 0
    numbers = [int(i) for i in native_ids]
    marks = ",".join("?" * len(native_ids))
    cursor = db.execute(
        f"update posts set vanished_at = ? where thread_id = ? and vanished_at is null"
        f" and native_id not glob '*[^0-9]*' and cast(native_id as integer) between ? and ?"
        f" and native_id not in ({marks})",
        [now_iso(), thread_id, min(numbers), max(numbers), *native_ids])
    return cursor.rowcount


def now_iso() -> str:
    """The time stamps the database records (UTC, to the second)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
