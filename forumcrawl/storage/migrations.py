"""Data migrations, applied by :func:`forumcrawl.storage.store.ensure_db_shape` on every open.

Tables and columns come from the declarations in ``store.TABLES`` (a missing one is
created); what a declaration cannot do, filling a new column on rows stored by an older
forumcrawl, is a migration here. sqlite-utils records each applied one in
``_sqlite_migrations`` and runs each in its own transaction, so an interrupted upgrade
leaves the database as it was and is tried again at the next open. The set also works
from the command line: ``sqlite-utils migrate forumcrawl.db forumcrawl/storage/migrations.py``.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from forumcrawl.reading.extract.articles import text_key

MIGRATIONS = Migrations("forumcrawl")


@MIGRATIONS()
def m001_article_text_key(db: sqlite_utils.Database) -> None:
    """Schema 3: articles stored before get the key reposts of one story share."""
    articles = db["articles"]
    if not articles.exists():
        return  # nothing stored yet: new rows get their key when written
    if "text_key" not in articles.columns_dict:
        articles.add_column("text_key", str)  # run from the sqlite-utils CLI on an old file
    fill_text_keys(db)


def fill_text_keys(db: sqlite_utils.Database) -> None:
    """Give every article without one its ``text_key`` (also after a merge brought in
    articles from a shard older than the key)."""
    rows = db.execute("select id, body_text from articles where text_key is null").fetchall()
    db.conn.executemany(
        "update articles set text_key = ? where id = ?",
        [(text_key(body or ""), row_id) for row_id, body in rows],
    )
