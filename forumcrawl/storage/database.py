"""Opening a forumcrawl database, and keeping its shape: :func:`ensure_db_shape`.

Tables, columns, indexes, full-text search and views come from the declarations in
:mod:`forumcrawl.storage.schema` and are created when missing, so a new column needs no
migration; data migrations (:mod:`forumcrawl.storage.migrations`) do what a declaration
cannot. Nothing is ever dropped.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from forumcrawl.storage.migrations import MIGRATIONS
from forumcrawl.storage.schema import SCHEMA_VERSION, TABLE, TABLES, VIEWS


class StoreError(RuntimeError):
    """The database cannot be used as it is (locked, unreadable, newer schema)."""


def now_iso() -> str:
    """The time stamps the database records (UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def database_uri(path: str | Path, mode: str | None = None) -> str:
    """``path`` as an SQLite URI (``mode=ro`` opens it read-only, for this connection
    and for databases it attaches)."""
    uri = "file:" + quote(str(Path(path).resolve()))
    return f"{uri}?mode={mode}" if mode else uri


def writable_problem(path: str | Path) -> str | None:
    """Why a run could not write ``path``, said before anything is fetched: SQLite
    itself only fails at the first write, with "attempt to write a readonly database"
    or "unable to open database file"."""
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        return f"cannot create database {path}: directory {folder} does not exist"
    if path.exists() and not path.is_file():
        return f"cannot use {path} as a database: it is not a file"
    if path.is_file() and not os.access(path, os.R_OK | os.W_OK):
        return f"database {path} is read-only (no write permission); a run needs to write it"
    if not os.access(folder, os.W_OK | os.X_OK):
        what = "the database's journal files" if path.exists() else "the database"
        return f"directory {folder} is read-only (no write permission): cannot create {what} there"
    return None


def open_db(path: str | Path, one_thread: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) and shape the database; clear errors for locked,
    read-only, corrupt and foreign files. A file that is not forumcrawl's is refused
    before anything in it is changed. ``one_thread=False``: the connection may be handed
    to another thread (one at a time, as the crawl's writer thread uses it)."""
    problem = writable_problem(path)
    if problem:
        raise StoreError(problem)
    try:
        conn = sqlite3.connect(database_uri(path), uri=True, timeout=15, check_same_thread=one_thread)
        db = sqlite_utils.Database(conn)
        refuse_foreign(db, path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        ensure_db_shape(db)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(f"database {path} is locked by another process: {exc}") from exc
        if "readonly" in str(exc):
            raise StoreError(f"database {path} is read-only: {exc}") from exc
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    return db


# The posts' search index is kept in step by triggers for every writer of the database
# (a merge, a user's own SQL), but forumcrawl's batches index their posts in one
# statement instead (forumcrawl/storage/writes.py): per row, an FTS5 insert from a
# trigger cost 2.7 times the same insert done in bulk (125 against 48 µs a post of 0.9 KB,
# on the bench farm). While a batch's transaction holds this key in _forumcrawl_meta, the
# triggers stand aside; no other connection ever sees the key, which is gone at commit.
FTS_BULK_KEY = "fts_bulk"
_GUARD = f"(select value from _forumcrawl_meta where key = '{FTS_BULK_KEY}') is null"


def guard_fts_triggers(db: sqlite_utils.Database) -> None:
    """Give the posts' search-index triggers their guard (once)."""
    triggers = {t.name: t.sql for t in db["posts"].triggers}
    if all(_GUARD in (triggers.get(f"posts_{kind}") or "") for kind in ("ai", "ad", "au")):
        return
    columns = TABLE["posts"].fts
    new = ", ".join(f"new.[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    cols = ", ".join(f"[{c}]" for c in columns)
    insert = f"insert into [posts_fts] (rowid, {cols}) values (new.rowid, {new});"
    delete = f"insert into [posts_fts] ([posts_fts], rowid, {cols}) values ('delete', old.rowid, {old});"
    with db.atomic():
        for kind, when, body in (
            ("ai", "after insert", insert),
            ("ad", "after delete", delete),
            ("au", "after update", f"{delete}\n  {insert}"),
        ):
            db.execute(f"drop trigger if exists [posts_{kind}]")
            db.execute(f"create trigger [posts_{kind}] {when} on [posts] when {_GUARD} begin\n  {body}\nend")


def refuse_foreign(db: sqlite_utils.Database, path: str | Path) -> None:
    """Every forumcrawl database has had ``_forumcrawl_meta`` since the first version:
    a file with tables and without it belongs to another program."""
    tables = [t for t in db.table_names() if not t.startswith("sqlite_")]
    if tables and "_forumcrawl_meta" not in tables:
        shown = ", ".join(tables[:4]) + (", ..." if len(tables) > 4 else "")
        raise StoreError(
            f"{path} is not a forumcrawl database (it holds {shown}); refusing to change it:"
            " give forumcrawl a file of its own"
        )


def open_readonly(path: str | Path) -> sqlite_utils.Database:
    """The database as it is, for reading (no upgrade, no file created by mistake)."""
    if not Path(path).is_file():
        raise StoreError(f"no database at {path}")
    try:
        conn = sqlite3.connect(database_uri(path, "ro"), uri=True, timeout=15)
        db = sqlite_utils.Database(conn)
        refuse_foreign(db, path)
        if not db["posts"].exists():
            raise StoreError(f"{path} is an empty forumcrawl database (no posts table)")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
    return db


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create what is missing and add columns an older schema lacks, then apply the
    pending data migrations; never drop data."""
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
                t.create(
                    table.types,
                    pk=table.pk,
                    foreign_keys=list(table.foreign_keys),
                    not_null=set(table.not_null),
                )
            else:
                existing = {c.name for c in t.columns}
                for name, kind in table.types.items():
                    if name not in existing:
                        t.add_column(name, kind)
            for column, _other, _col in table.foreign_keys:
                index = f"idx_{table.name}_{column}"
                if index not in {i.name for i in t.indexes}:
                    t.create_index([column], index_name=index, if_not_exists=True)
        db["pages"].create_index(
            ["url", "fetched_at"], index_name="idx_pages_url_fetched_at", if_not_exists=True
        )
        db["_forumcrawl_meta"].upsert({"key": "schema_version", "value": str(SCHEMA_VERSION)}, pk="key")
    for table in TABLES:
        if table.fts and not db[f"{table.name}_fts"].exists():
            db[table.name].enable_fts(list(table.fts), create_triggers=True, tokenize="porter")
    guard_fts_triggers(db)
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    MIGRATIONS.apply(db)
