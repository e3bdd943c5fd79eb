"""Opening a forumcrawl database, and keeping its shape: :func:`ensure_db_shape`.

Tables, columns, indexes, full-text search and views come from the declarations in
:mod:`forumcrawl.storage.schema` and are created when missing, so a new column needs no
migration; data migrations (:mod:`forumcrawl.storage.migrations`) do what a declaration
cannot. Nothing is ever dropped.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from forumcrawl.storage.migrations import MIGRATIONS
from forumcrawl.storage.schema import SCHEMA_VERSION, TABLES, VIEWS


class StoreError(RuntimeError):
    """The database cannot be used as it is (locked, unreadable, newer schema)."""


def now_iso() -> str:
    """The time stamps the database records (UTC, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    MIGRATIONS.apply(db)
