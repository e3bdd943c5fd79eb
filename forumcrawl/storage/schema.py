"""The database schema, declared once, as data.

Each :class:`Table` lists its :class:`Column` s with their type and description, how
``forumcrawl merge`` resolves two shards' values (``merge``), the name the column has in
the records ``forumcrawl extract`` prints and feed exports write (``record``), and
whether layout drift watches it (``drift``). Everything else is generated from here:
the tables, indexes and full-text search (:func:`~forumcrawl.storage.database.ensure_db_shape`),
Datasette's descriptions (:mod:`forumcrawl.browse`), the records
(:mod:`forumcrawl.storage.records`), the merge SQL (:mod:`forumcrawl.storage.merge`) and
the drift fields (:mod:`forumcrawl.crawl.pipelines.drift`). A new column is one line here.

Merge rules, where two shards hold the same row:

- ``value``: the later shard's value, unless it has none (a board stub has no title);
- ``first``: the first shard's value stands (a site's engine evidence);
- ``max``: the larger (a thread's furthest ``page_count``, ``reply_count``, ``last_post_at``);
- ``watermark``: the value of the shard whose ``last_page`` is furthest into the thread;
- ``whole``: the later shard's row, whole (revisions);
- ``newest``: the row whose evidence is newest, whole, whatever the shards' order (posts:
  the last fetch of the page it was read from, or of the page that found it gone); the
  losing version is kept as a revision;
- ``with_post``: the set that came with the winning post (quotes, articles);
- ``min``: the smaller (an archived page's ``first_fetched_at``).
"""

from __future__ import annotations

from dataclasses import dataclass

# 2: thread watermarks, post revisions and vanished posts, page archive
# 3: articles.text_key (the same article reposted, matched by its words)
# 4: the reader of each page and post (posts.reader, pages.reader), posts.parent_id,
#    board_walks (run state: whether a board's last listing walk was complete)
# 5: threads.last_page_has_next (a thread whose pages show no page count is complete
#    only when its last stored page links to no later one)
SCHEMA_VERSION = 5


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: type
    doc: str
    merge: str | None = None  # None: the table's rule
    record: str | None = None  # its name in records; None: not in records
    drift: str | None = None  # watched for layout drift under this name


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    merge: str = "value"
    pk: str = "id"
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    not_null: tuple[str, ...] = ()
    fts: tuple[str, ...] = ()

    @property
    def types(self) -> dict[str, type]:
        return {c.name: c.type for c in self.columns}

    def rule(self, column: Column) -> str:
        return column.merge or self.merge


C = Column

TABLES: tuple[Table, ...] = (
    Table(
        "sites",
        "One row per forum. Keys of every other table start with the site id.",
        (
            C("id", str, "the forum's host name, without www.", record="site_id"),
            C("base_url", str, "the forum's root URL", record="base_url"),
            C(
                "engine",
                str,
                "forum software the pages were read as (xenforo2, phpbb3, ...)",
                record="engine",
            ),
            C(
                "engine_evidence",
                str,
                "JSON list: the markers that identified the engine",
                record="engine_evidence",
            ),
            C("language", str, "the pages' declared language", record="language"),
            C("name", str, "the forum's name, as its pages state it (og:site_name)", record="name"),
        ),
        merge="first",
        not_null=("base_url", "engine"),
    ),
    Table(
        "boards",
        "Boards (sub-forums) threads are listed in.",
        (
            C("id", str, "site:board-id"),
            C("site_id", str, "the forum", record="site_id"),
            C("native_id", str, "the forum's own id", record="board_id"),
            C("title", str, "board name", record="title"),
            C("url", str, "board listing URL", record="url"),
        ),
        foreign_keys=(("site_id", "sites", "id"),),
        not_null=("site_id", "url"),
    ),
    Table(
        "board_walks",
        "Run state: each board listing's last walk. A run may stop paging a listing at an "
        "unchanged thread only when the walk before it was complete.",
        (
            C("id", str, "the board (site:board-id)"),
            C("site_id", str, "the forum"),
            C("started_at", str, "when the last walk of the listing began (UTC)", merge="max"),
            C(
                "completed_at",
                str,
                "when a run that walked it ended cleanly: every listing page it needed read and "
                "every thread it listed stored to its last page (complete when not before started_at)",
                merge="max",
            ),
        ),
        foreign_keys=(("site_id", "sites", "id"),),
        not_null=("site_id",),
    ),
    Table(
        "threads",
        "Threads (topics). reply_count and last_post_at come from the board "
        "listing; last_page is where the next run resumes.",
        (
            C("id", str, "site:thread-id"),
            C("site_id", str, "the forum", record="site_id"),
            C("board_id", str, "the board it is listed in", record="board_id"),
            C("native_id", str, "the forum's own id", record="thread_id"),
            C("title", str, "thread title", record="title"),
            C("url", str, "first page URL", record="url"),
            C("page_count", int, "pages the thread had when last read", merge="max", record="page_count"),
            C("reply_count", int, "replies shown on the board listing", merge="max", record="reply_count"),
            C(
                "last_post_at",
                str,
                "last post time shown on the listing (UTC)",
                merge="max",
                record="last_post_at",
            ),
            C("last_page", int, "the last page stored", merge="watermark"),
            C("last_page_url", str, "its URL", merge="watermark"),
            C(
                "last_page_has_next",
                int,
                "1 when that page links to a later one: the thread was not read to its end",
                merge="watermark",
            ),
        ),
        foreign_keys=(("site_id", "sites", "id"), ("board_id", "boards", "id")),
        not_null=("site_id", "url"),
        fts=("title",),
    ),
    Table(
        "users",
        "Members, as their user cards show them.",
        (
            C("id", str, "site:user-id, or site:name:NAME where the forum shows no id"),
            C("site_id", str, "the forum"),
            C("native_id", str, "the forum's own id", record="author_id"),
            C("name", str, "member name", drift="author"),
            C("profile_url", str, "profile page", record="author_url", drift="author_profile"),
            C("title", str, 'user title ("Senior Member")', record="author_title", drift="author_title"),
            C(
                "joined_at",
                str,
                "join date (a day or a month when that is all the card says)",
                record="author_joined",
                drift="author_joined",
            ),
            C("joined_raw", str, "join date as shown", record="author_joined_raw"),
            C("message_count", int, "post count shown on the card", record="author_messages"),
        ),
        foreign_keys=(("site_id", "sites", "id"),),
        not_null=("site_id", "name"),
    ),
    Table(
        "posts",
        "Posts: the member's own words, quotes taken out (see quotes), dates in UTC.",
        (
            C("id", str, "site:post-id"),
            C("site_id", str, "the forum", record="site_id"),
            C("thread_id", str, "the thread", record="thread_id"),
            C("user_id", str, "the author"),
            C("native_id", str, "the forum's own id", record="post_id"),
            C("position", int, "#N in the thread", record="position"),
            C("url", str, "permalink", record="url"),
            C("page_url", str, "the page it was read from"),
            C("author_name", str, "author as shown", record="author"),
            C("posted_at", str, "posting time, UTC ISO 8601", record="posted_at", drift="posted_at"),
            C("posted_raw", str, "posting time as shown", record="posted_raw"),
            C(
                "posted_source",
                str,
                'machine (a <time> attribute), text or relative ("Yesterday")',
                record="posted_source",
            ),
            C("edited_at", str, "last edit time (UTC)", record="edited_at"),
            C("edited_raw", str, "last edit as shown"),
            C(
                "body_text",
                str,
                "the post's own words, without quotes, signature or forum chrome",
                record="body_text",
                drift="body",
            ),
            C("body_html", str, "the same as HTML", record="body_html"),
            C("signature_text", str, "the member's signature", record="signature"),
            C("reaction_count", int, "likes/reactions", record="reactions"),
            C("quote_count", int, "quoted passages taken out"),
            C("content_hash", str, "hash of the content; a change is an edit (see post_revisions)"),
            C("vanished_at", str, "when a page that showed the post stopped showing it"),
            C(
                "reader",
                str,
                "what read it: the engine's name, microdata or json-ld (structured data), or generic",
                record="reader",
            ),
            C(
                "parent_id",
                str,
                "the post it answers, where the page nests posts (comment trees, Q&A)",
                record="parent_id",
            ),
        ),
        merge="newest",
        foreign_keys=(("site_id", "sites", "id"), ("thread_id", "threads", "id"), ("user_id", "users", "id")),
        not_null=("site_id", "thread_id", "body_text"),
        fts=("body_text",),
    ),
    Table(
        "post_revisions",
        "Earlier versions of edited posts.",
        (
            C("id", str, "post:hash"),
            C("post_id", str, "the post"),
            C("content_hash", str, "hash of this version"),
            C("body_text", str, "this version's words"),
            C("body_html", str, "this version's HTML"),
            C("edited_at", str, "its edit time"),
            C("edited_raw", str, "as shown"),
            C("replaced_at", str, "when the newer version was fetched"),
        ),
        merge="whole",
        foreign_keys=(("post_id", "posts", "id"),),
        not_null=("post_id",),
    ),
    Table(
        "quotes",
        "Quoted passages taken out of posts: who was quoted, from which post.",
        (
            C("id", str, "post:position"),
            C("post_id", str, "the quoting post"),
            C("position", int, "order in the post"),
            C("depth", int, "1 = quoted by the post, 2 = a quote inside that quote", record="depth"),
            C("quoted_author", str, "who was quoted", record="author"),
            C("quoted_user_id", str, "their id on the forum", record="user_id"),
            C("quoted_post_id", str, "the quoted post's id on the forum", record="post_id"),
            C("text", str, "the quoted words", record="text"),
        ),
        merge="with_post",
        foreign_keys=(("post_id", "posts", "id"),),
        not_null=("post_id",),
    ),
    Table(
        "articles",
        "News articles members reposted, as structured data.",
        (
            C("id", str, "post:position"),
            C("post_id", str, "the post that carried it", record="post_id"),
            C("site_id", str, "the forum"),
            C("position", int, "order in the post"),
            C("headline", str, "headline", record="headline"),
            C("byline", str, "author(s)", record="byline"),
            C("published_at", str, "publication date", record="published_at"),
            C("published_raw", str, "as written", record="published_raw"),
            C("source_url", str, "link to the original", record="source_url"),
            C("outlet", str, "publisher", record="outlet"),
            C("in_quote", bool, "1 when pasted inside a quote block", record="in_quote"),
            C("body_text", str, "the article's text", record="body_text"),
            C("content_hash", str, "hash of the whole text"),
            C("text_key", str, "hash of its first 40 words: reposts of one story share it"),
        ),
        merge="with_post",
        foreign_keys=(("post_id", "posts", "id"), ("site_id", "sites", "id")),
        not_null=("post_id", "headline"),
        fts=("headline", "body_text"),
    ),
    # Every fetched page, zlib-compressed, keyed by URL and content: what ``forumcrawl
    # reparse`` rebuilds the rows from. ``fetched_at`` is the last time these bytes were seen.
    Table(
        "pages",
        "Every fetched page, compressed: what forumcrawl reparse rebuilds rows from.",
        (
            C("id", str, "hash of URL and bytes"),
            C("url", str, "page URL"),
            C("site_id", str, "the forum"),
            C("status", int, "HTTP status"),
            C("content_type", str, "Content-Type header"),
            C("kind", str, "thread, board, index, or why it could not be read"),
            C("size", int, "bytes"),
            C("body", bytes, "the page, zlib-compressed"),
            C("first_fetched_at", str, "first fetched", merge="min"),
            C("fetched_at", str, "last seen", merge="max"),
            C("reader", str, "which reader read its posts (the engine, microdata, json-ld or generic)"),
            C("reader_note", str, "why that reader: what the others found"),
        ),
        merge="first",
        not_null=("url", "body"),
    ),
    Table(
        "crawl_runs",
        "One row per run: how it ended and its Scrapy stats.",
        (
            C("id", int, "run number"),
            C("started_at", str, "start (UTC)"),
            C("finished_at", str, "end (UTC); empty if killed"),
            C("finish_reason", str, "Scrapy's reason, or killed"),
            C("failed", int, "1 when the run failed"),
            C("failures", str, "JSON list of what failed"),
            C("spider_args", str, "JSON: URLs and options"),
            C("pages_fetched", int, "responses downloaded"),
            C("items_stored", int, "rows written"),
            C("stats", str, "Scrapy's stats as JSON"),
        ),
        merge="append",
    ),
)
TABLE = {table.name: table for table in TABLES}

VIEWS = {
    # ``rowid`` is the post's (and the article's) own: Datasette searches a view through
    # its table's FTS index by that column.
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


def drift_fields() -> dict[str, tuple[str, str]]:
    """The fields layout drift watches: name -> (table, column), posts and their authors."""
    return {c.drift: (t.name, c.name) for t in TABLES for c in t.columns if c.drift}
