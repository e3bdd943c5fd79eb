"""Datasette on a forumcrawl database: what each table means, how to show and search it,
and the questions users ask of it, as ready-made (canned) queries.

One source, :func:`metadata`, gives Datasette 0.65's ``metadata.json`` (the pinned line:
``pip install 'forumcrawl[browse]'``). ``forumcrawl serve`` passes it to Datasette;
``forumcrawl metadata DB > metadata.json`` writes it for a plain ``datasette`` line.
"""

from __future__ import annotations

from pathlib import Path

from forumcrawl.storage.schema import TABLES, Table

TITLE = "forumcrawl"
SOURCE_URL = "https://github.com/forumcrawl/forumcrawl"

# How Datasette shows each table; what the tables and columns mean is in the schema.
DISPLAY: dict[str, dict] = {
    "sites": {"label_column": "id"},
    "boards": {"label_column": "title", "facets": ["site_id"]},
    "threads": {"label_column": "title", "facets": ["site_id", "board_id"], "sort_desc": "last_post_at"},
    "users": {"label_column": "name", "facets": ["site_id", "title"]},
    "posts": {
        "label_column": "author_name",
        "facets": ["site_id", "thread_id", "user_id"],
        "sort": "posted_at",
    },
    "post_revisions": {"facets": ["post_id"], "sort_desc": "replaced_at"},
    "quotes": {"facets": ["quoted_author", "depth"]},
    "articles": {"label_column": "headline", "facets": ["outlet", "site_id"], "sort_desc": "published_at"},
    "pages": {"facets": ["site_id", "kind", "status"], "sort_desc": "fetched_at"},
    "crawl_runs": {"facets": ["finish_reason", "failed"], "sort_desc": "id"},
}


def table_docs(table: Table) -> dict:
    """A table's Datasette metadata: its description and columns from the schema, and
    how to show it."""
    return {
        "description": table.doc,
        **DISPLAY.get(table.name, {}),
        "columns": {c.name: c.doc for c in table.columns},
    }


VIEW_DOCS: dict[str, dict] = {
    "posts_view": {
        "description": "Posts with their forum, board, thread and author. Search searches post bodies.",
        "facets": ["site", "board", "author", "author_title"],
        "sort": "posted_at",
        "fts_table": "posts_fts",
    },
    "articles_view": {
        "description": "Reposted articles with the post and thread that carried them.",
        "facets": ["outlet", "site", "reposted_by"],
        "sort_desc": "reposted_at",
        "fts_table": "articles_fts",
    },
    "quote_edges": {
        "description": "Who quotes whom: one row per quoted passage.",
        "facets": ["site", "quoting", "quoted"],
    },
}

# An article's outlet, else the outlet another repost of the same story names.
_OUTLET = "coalesce(a.outlet, (select max(b.outlet) from articles b where b.text_key = a.text_key))"

QUERIES: dict[str, dict] = {
    "member_posts": {
        "title": "A member's posts across threads",
        "description": "Every post by a member (by name), oldest first, with thread and board.",
        "sql": "select posted_at, site, board, thread, position, body_text, url from posts_view"
        " where author = :author order by posted_at",
    },
    "who_quotes_whom": {
        "title": "Who quotes whom",
        "description": "Pairs of members, by how often the first quoted the second.",
        "sql": "select site, quoting, quoted, count(*) as quotes from quote_edges"
        " where quoted is not null group by site, quoting, quoted"
        " order by quotes desc, quoting, quoted",
    },
    "articles_by_outlet": {
        "title": "Reposted articles by outlet",
        "description": "A repost pasted without its link takes the outlet of another "
        "repost of the same story (same text_key).",
        "sql": f"select {_OUTLET} as outlet, count(*) as reposts,"
        " count(distinct coalesce(a.text_key, a.id)) as articles,"
        " min(a.published_at) as first_published, max(a.published_at) as last_published"
        " from articles a group by 1 order by reposts desc, outlet",
    },
    "articles_by_month": {
        "title": "Reposted articles by month",
        "description": "Reposts per month (of the repost), and per outlet.",
        "sql": f"select substr(posts.posted_at, 1, 7) as month, {_OUTLET} as outlet,"
        " count(*) as reposts from articles a join posts on posts.id = a.post_id"
        " group by 1, 2 order by month, reposts desc, outlet",
    },
    "same_article_several_threads": {
        "title": "The same article reposted in several threads",
        "description": "Matched by the article's words (text_key), not its URL: reposts with "
        "other line breaks, quotes or cut-off points still match.",
        "sql": "select min(articles.headline) as headline, count(distinct posts.thread_id) as threads,"
        " count(*) as reposts, group_concat(distinct threads.title) as thread_titles,"
        " min(posts.posted_at) as first_reposted, articles.text_key"
        " from articles join posts on posts.id = articles.post_id"
        " join threads on threads.id = posts.thread_id where articles.text_key is not null"
        " group by articles.text_key having count(distinct posts.thread_id) > 1"
        " order by threads desc, first_reposted",
    },
    "thread_activity_by_month": {
        "title": "Thread activity per month",
        "sql": "select threads.site_id as site, threads.title as thread,"
        " substr(posts.posted_at, 1, 7) as month, count(*) as posts,"
        " count(distinct posts.user_id) as members"
        " from posts join threads on threads.id = posts.thread_id"
        " where posts.posted_at is not null and posts.vanished_at is null"
        " group by threads.id, month order by month, posts desc, thread",
    },
}

HIDDEN = ("_forumcrawl_meta", "_sqlite_migrations")


def metadata(db_name: str) -> dict:
    """Datasette 0.65 metadata for a forumcrawl database opened under ``db_name``
    (Datasette names a database after its file: ``forumcrawl.db`` is ``forumcrawl``)."""
    tables: dict[str, dict] = {}
    for table in TABLES:
        tables[table.name] = table_docs(table)
        if table.fts:
            tables[table.name]["fts_table"] = f"{table.name}_fts"
    for name, docs in VIEW_DOCS.items():
        tables[name] = dict(docs)  # a view's search uses its rowid column, Datasette's default fts_pk
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    return {
        "title": TITLE,
        "description": "Forum threads crawled by forumcrawl: posts with their authors, dates "
        "in UTC, quotes taken apart and reposted news articles as data.",
        "source": "forumcrawl",
        "source_url": SOURCE_URL,
        "license": "posts belong to their authors, under each forum's terms",
        "databases": {db_name: {"tables": tables, "queries": QUERIES}},
    }


def db_name_for(path: str | Path) -> str:
    return Path(path).stem


__all__ = ["QUERIES", "VIEW_DOCS", "db_name_for", "metadata", "table_docs"]
