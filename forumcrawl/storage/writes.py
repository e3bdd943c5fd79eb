"""Writing a :class:`~forumcrawl.storage.rows.Batch`: one transaction, parents first.

Writing a row twice with the same content leaves the database unchanged (volatile facts
such as fetch times live only in ``crawl_runs`` and the page archive). A post's quotes
and articles are replaced as a set, so a re-parse that finds fewer of them leaves no
stale rows behind. A post whose content changed keeps its previous version in
``post_revisions``; a post missing from a page that showed it before is marked
``vanished_at``, never deleted. Both are dated by the fetch time of the page that
showed the change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import sqlite_utils
from sqlite_utils.db import jsonify_if_needed

from forumcrawl.storage.database import FTS_BULK_KEY, now_iso
from forumcrawl.storage.rows import Batch


@dataclass
class Written:
    """What a batch changed beyond plain upserts, for the run's stats."""

    revisions: int = 0
    vanished: int = 0
    new_posts: Counter = field(default_factory=Counter)  # posts stored for the first time, by site


class BackgroundWriter:
    """Writes batches with :func:`write_batch` on a thread of its own, one at a time and
    in the order given, while the caller gathers the next (SQLite releases the GIL
    while it works). One batch at most is in flight: handing over the next waits for it.

    The database's connection must allow another thread (``open_db(path,
    one_thread=False)``); the caller does not use it while a batch is in flight.
    """

    def __init__(self, db: sqlite_utils.Database, keep_revisions: bool = True) -> None:
        self.db = db
        self.keep_revisions = keep_revisions
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="forumcrawl-store")
        self.pending: tuple[Future, Batch] | None = None  # the batch being written

    def submit(self, batch: Batch) -> None:
        """Hand ``batch`` over once the one before it committed (what that one's write
        raised is raised here, and ``batch`` is then not written)."""
        self.wait()
        self.pending = (self._thread.submit(write_batch, self.db, batch, self.keep_revisions), batch)

    def wait(self) -> tuple[Written, Batch] | None:
        """The batch in flight, once committed (None when there is none)."""
        if self.pending is None:
            return None
        (future, batch), self.pending = self.pending, None
        return future.result(), batch

    def close(self) -> None:
        self._thread.shutdown()


def write_batch(db: sqlite_utils.Database, batch: Batch, keep_revisions: bool = True) -> Written:
    """Upsert one batch in a single transaction, parents before children.

    ``keep_revisions=False`` is for re-parsing stored pages, where a changed row means a
    changed parser, not an edited post.
    """
    written = Written()
    with db.atomic():
        if batch.pages:
            _archive_pages(db, batch.pages)
        stored = _stored_posts(db, batch) if batch.posts else {}
        if batch.posts:
            written.new_posts = Counter(
                row["site_id"] for pid, row in batch.posts.items() if pid not in stored
            )
            if keep_revisions:  # before the upsert replaces what they keep
                written.revisions = _keep_revisions(db, batch, stored)
        for name in ("sites", "boards", "threads", "users"):
            rows: Iterable[dict] = getattr(batch, name).values()
            if rows:
                upsert(db, name, rows)
            if name == "boards" and batch.board_stubs:
                db["boards"].insert_all(list(batch.board_stubs.values()), pk="id", ignore=True)
        if batch.posts:
            with _search_index_in_bulk(db, batch.posts, stored):
                upsert(db, "posts", batch.posts.values())
        if batch.walks:  # a walk begun: incomplete (completed_at, if any, is now older)
            upsert(db, "board_walks", batch.walks.values())
        post_ids = list(batch.posts)
        for child in ("quotes", "articles"):
            for chunk in _chunks(post_ids):
                marks = ",".join("?" * len(chunk))
                db.execute(f"delete from {child} where post_id in ({marks})", chunk)
            rows = [row for per_post in getattr(batch, child).values() for row in per_post]
            if rows:
                db[child].insert_all(rows, pk="id", replace=True)
        for thread_id, page_number, url, has_next, native_ids, fetched_at in batch.thread_pages:
            # The watermark moves forward, or to the thread's last page (a thread that shrank);
            # never back to an earlier page read late (a shared crawl's worker took it over).
            db.execute(
                "update threads set last_page = ?, last_page_url = ?, last_page_has_next = ? where id = ?"
                " and (? is null or ? >= coalesce(page_count, 0) or coalesce(last_page, 0) <= ?)",
                [page_number, url, int(has_next), thread_id, page_number, page_number, page_number],
            )
            written.vanished += _mark_vanished(db, thread_id, native_ids, fetched_at)
    return written


@contextmanager
def _search_index_in_bulk(
    db: sqlite_utils.Database, posts: dict[str, dict], stored: dict[str, StoredPost]
) -> Iterator[None]:
    """The posts' search index (``posts_fts``) brought in step with the batch's posts in
    bulk, while its per-row triggers stand aside
    (:data:`~forumcrawl.storage.database.FTS_BULK_KEY`): a stored post whose words change
    leaves the index before the upsert, a new or changed one enters it after. The index
    ends as the triggers would leave it; a post whose words are unchanged is not touched.
    """
    db.execute("insert into _forumcrawl_meta (key, value) values (?, '1')", [FTS_BULK_KEY])
    stale = {pid: old for pid, old in stored.items() if old.body_text != posts[pid]["body_text"]}
    db.conn.executemany(
        "insert into posts_fts (posts_fts, rowid, body_text) values ('delete', ?, ?)",
        [(old.rowid, old.body_text) for old in stale.values()],
    )
    yield
    for chunk in _chunks([pid for pid in posts if pid not in stored or pid in stale]):
        marks = ",".join("?" * len(chunk))
        db.execute(
            f"insert into posts_fts (rowid, body_text) select rowid, body_text from posts where id in ({marks})",
            chunk,
        )
    db.execute("delete from _forumcrawl_meta where key = ?", [FTS_BULK_KEY])


def upsert(db: sqlite_utils.Database, table: str, rows: Iterable[dict]) -> None:
    """Insert each row, or update the stored row of its ``id`` with the columns it has.

    sqlite-utils' ``upsert_all`` writes every column that any row of a chunk has, so a
    row without ``reply_count`` set the stored one to NULL when a row beside it had
    one. Here rows are grouped by the columns they have, and each group is written by
    one prepared statement (the rows are plain values: no per-value JSON test, no SQL
    text per chunk, which cost a crawl more than the writes themselves).
    """
    groups: dict[tuple[str, ...], list[tuple]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(tuple(map(_plain, row.values())))
    for columns, values in groups.items():
        db.conn.executemany(_upsert_sql(table, columns), values)


@lru_cache(maxsize=256)
def _upsert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != "id")
    return (
        f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})"
        f" on conflict([id]) do {f'update set {updates}' if updates else 'nothing'}"
    )


_PLAIN = (str, int, float, bytes, type(None))


def _plain(value):
    return value if type(value) in _PLAIN else jsonify_if_needed(value)


def _chunks(values: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _archive_pages(db: sqlite_utils.Database, rows: list[dict]) -> None:
    """New bytes become a new row; bytes seen before only move ``fetched_at`` on."""
    for row in rows:
        packed = row["body"]
        if isinstance(packed, Future):
            packed = packed.result()
        if isinstance(packed, tuple):  # (key, bytes) from archived_page; not yet written
            row["id"], row["body"] = packed
    db["pages"].insert_all(rows, pk="id", ignore=True)
    db.conn.executemany(
        "update pages set fetched_at = ? where id = ? and fetched_at < ?",
        [(r["fetched_at"], r["id"], r["fetched_at"]) for r in rows],
    )


class StoredPost(NamedTuple):
    rowid: int
    content_hash: str | None
    body_text: str | None


def _stored_posts(db: sqlite_utils.Database, batch: Batch) -> dict[str, StoredPost]:
    """What the database holds already of the batch's posts: read once for the revisions
    (the hash) and the search index (the row and its indexed words)."""
    stored: dict[str, StoredPost] = {}
    for chunk in _chunks(list(batch.posts)):
        marks = ",".join("?" * len(chunk))
        for post_id, *known in db.execute(
            f"select id, rowid, content_hash, body_text from posts where id in ({marks})", chunk
        ).fetchall():
            stored[post_id] = StoredPost(*known)
    return stored


def _keep_revisions(db: sqlite_utils.Database, batch: Batch, stored: dict[str, StoredPost]) -> int:
    """Copy the stored version of every post whose content hash is about to change (only
    those posts' HTML and edit dates are read back)."""
    posts = batch.posts
    changed = [
        pid
        for pid, old in stored.items()
        if old.content_hash is not None and old.content_hash != posts[pid]["content_hash"]
    ]
    kept = 0
    for chunk in _chunks(changed):
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"select id, content_hash, body_text, body_html, edited_at, edited_raw from posts"
            f" where id in ({marks})",
            chunk,
        ).fetchall()
        revisions = [
            {
                "id": f"{post_id}:{old_hash[:16]}",
                "post_id": post_id,
                "content_hash": old_hash,
                "body_text": body_text,
                "body_html": body_html,
                "edited_at": edited_at,
                "edited_raw": edited_raw,
                "replaced_at": batch.fetched.get(posts[post_id]["page_url"]) or now_iso(),
            }
            for post_id, old_hash, body_text, body_html, edited_at, edited_raw in rows
        ]
        if revisions:
            db["post_revisions"].insert_all(revisions, pk="id", ignore=True)
            kept += len(revisions)
    return kept


def _mark_vanished(db: sqlite_utils.Database, thread_id: str, native_ids: list[str], fetched_at: str) -> int:
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
        [fetched_at, thread_id, min(numbers), max(numbers), *native_ids],
    )
    return cursor.rowcount
