"""Datasette on a forumcrawl database: what each table means, how to show and search it,
and the questions users ask of it, as ready-made (canned) queries.

One source, :func:`metadata`, gives Datasette 0.65's ``metadata.json`` (the pinned line:
``pip install 'forumcrawl[browse]'``). ``forumcrawl serve`` passes it to Datasette;
``forumcrawl metadata DB > metadata.json`` writes it for a plain ``datasette`` line.
"""

from __future__ import annotations

from pathlib import Path

from forumcrawl.storage.store import TABLES

TITLE = "forumcrawl"
SOURCE_URL = "https://github.com/forumcrawl/forumcrawl"

TABLE_DOCS: dict[str, dict] = {
    "sites": {
        "description": "One row per forum. Keys of every other table start with the site id.",
        "label_column": "id",
        "columns": {
            "id": "the forum's host name, without www.",
            "base_url": "the forum's root URL",
            "engine": "forum software the pages were read as (xenforo2, phpbb3, ...)",
            "engine_evidence": "JSON list: the markers that identified the engine",
            "language": "the pages' declared language",
            "name": "the forum's name, where a page states it",
        },
    },
    "boards": {
        "description": "Boards (sub-forums) threads are listed in.",
        "label_column": "title", "facets": ["site_id"],
        "columns": {
            "id": "site:board-id", "site_id": "the forum", "native_id": "the forum's own id",
            "title": "board name", "url": "board listing URL",
        },
    },
    "threads": {
        "description": "Threads (topics). reply_count and last_post_at come from the board "
                       "listing; last_page is where the next run resumes.",
        "label_column": "title", "facets": ["site_id", "board_id"], "sort_desc": "last_post_at",
        "columns": {
            "id": "site:thread-id", "site_id": "the forum", "board_id": "the board it is listed in",
            "native_id": "the forum's own id", "title": "thread title", "url": "first page URL",
            "page_count": "pages the thread had when last read",
            "reply_count": "replies shown on the board listing",
            "last_post_at": "last post time shown on the listing (UTC)",
            "last_page": "the last page stored", "last_page_url": "its URL",
        },
    },
    "users": {
        "description": "Members, as their user cards show them.",
        "label_column": "name", "facets": ["site_id", "title"],
        "columns": {
            "id": "site:user-id, or site:name:NAME where the forum shows no id",
            "site_id": "the forum", "native_id": "the forum's own id", "name": "member name",
            "profile_url": "profile page", "title": "user title (\"Senior Member\")",
            "joined_at": "join date (a day or a month when that is all the card says)",
            "joined_raw": "join date as shown", "message_count": "post count shown on the card",
        },
    },
    "posts": {
        "description": "Posts: the member's own words, quotes taken out (see quotes), dates in UTC.",
        "label_column": "author_name", "facets": ["site_id", "thread_id", "user_id"],
        "sort": "posted_at",
        "columns": {
            "id": "site:post-id", "site_id": "the forum", "thread_id": "the thread",
            "user_id": "the author", "native_id": "the forum's own id",
            "position": "#N in the thread", "url": "permalink", "page_url": "the page it was read from",
            "author_name": "author as shown", "posted_at": "posting time, UTC ISO 8601",
            "posted_raw": "posting time as shown",
            "posted_source": "machine (a <time> attribute), text or relative (\"Yesterday\")",
            "edited_at": "last edit time (UTC)", "edited_raw": "last edit as shown",
            "body_text": "the post's own words, without quotes, signature or forum chrome",
            "body_html": "the same as HTML", "signature_text": "the member's signature",
            "reaction_count": "likes/reactions", "quote_count": "quoted passages taken out",
            "content_hash": "hash of the content; a change is an edit (see post_revisions)",
            "vanished_at": "when a page that showed the post stopped showing it",
        },
    },
    "post_revisions": {
        "description": "Earlier versions of edited posts.",
        "facets": ["post_id"], "sort_desc": "replaced_at",
        "columns": {
            "id": "post:hash", "post_id": "the post", "content_hash": "hash of this version",
            "body_text": "this version's words", "body_html": "this version's HTML",
            "edited_at": "its edit time", "edited_raw": "as shown",
            "replaced_at": "when the newer version was fetched",
        },
    },
    "quotes": {
        "description": "Quoted passages taken out of posts: who was quoted, from which post.",
        "facets": ["quoted_author", "depth"],
        "columns": {
            "id": "post:position", "post_id": "the quoting post", "position": "order in the post",
            "depth": "1 = quoted by the post, 2 = a quote inside that quote",
            "quoted_author": "who was quoted", "quoted_user_id": "their id on the forum",
            "quoted_post_id": "the quoted post's id on the forum", "text": "the quoted words",
        },
    },
    "articles": {
        "description": "News articles members reposted, as structured data.",
        "label_column": "headline", "facets": ["outlet", "site_id"], "sort_desc": "published_at",
        "columns": {
            "id": "post:position", "post_id": "the post that carried it", "site_id": "the forum",
            "position": "order in the post", "headline": "headline", "byline": "author(s)",
            "published_at": "publication date", "published_raw": "as written",
            "source_url": "link to the original", "outlet": "publisher",
            "in_quote": "1 when pasted inside a quote block", "body_text": "the article's text",
            "content_hash": "hash of the whole text",
            "text_key": "hash of its first 40 words: reposts of one story share it",
        },
    },
    "pages": {
        "description": "Every fetched page, compressed: what forumcrawl reparse rebuilds rows from.",
        "facets": ["site_id", "kind", "status"], "sort_desc": "fetched_at",
        "columns": {
            "id": "hash of URL and bytes", "url": "page URL", "site_id": "the forum",
            "status": "HTTP status", "content_type": "Content-Type header",
            "kind": "thread, board, index, or why it could not be read", "size": "bytes",
            "body": "the page, zlib-compressed", "first_fetched_at": "first fetched",
            "fetched_at": "last seen",
        },
    },
    "crawl_runs": {
        "description": "One row per run: how it ended and its Scrapy stats.",
        "facets": ["finish_reason", "failed"], "sort_desc": "id",
        "columns": {
            "id": "run number", "started_at": "start (UTC)", "finished_at": "end (UTC); empty if killed",
            "finish_reason": "Scrapy's reason, or killed", "failed": "1 when the run failed",
            "failures": "JSON list of what failed", "spider_args": "JSON: URLs and options",
            "pages_fetched": "responses downloaded", "items_stored": "rows written",
            "stats": "Scrapy's stats as JSON",
        },
    },
}

VIEW_DOCS: dict[str, dict] = {
    "posts_view": {
        "description": "Posts with their forum, board, thread and author. Search searches post bodies.",
        "facets": ["site", "board", "author", "author_title"], "sort": "posted_at",
        "fts_table": "posts_fts",
    },
    "articles_view": {
        "description": "Reposted articles with the post and thread that carried them.",
        "facets": ["outlet", "site", "reposted_by"], "sort_desc": "reposted_at",
        "fts_table": "articles_fts",
    },
    "quote_edges": {
        "description": "Who quotes whom: one row per quoted passage.",
        "facets": ["site", "quoting", "quoted"],
    },
}

# An article's outlet, else the outlet another repost of the same story names.
_OUTLET = ("coalesce(a.outlet, (select max(b.outlet) from articles b"
           " where b.text_key = a.text_key))")

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
        docs = TABLE_DOCS[table.name]
        tables[table.name] = dict(docs)
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
        "source": "forumcrawl", "source_url": SOURCE_URL,
        "license": "posts belong to their authors, under each forum's terms",
        "databases": {db_name: {"tables": tables, "queries": QUERIES}},
    }


def db_name_for(path: str | Path) -> str:
    return Path(path).stem


__all__ = ["QUERIES", "TABLE_DOCS", "VIEW_DOCS", "db_name_for", "metadata"]
