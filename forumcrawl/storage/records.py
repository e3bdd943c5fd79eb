"""Items as flat records with stable field names: what ``forumcrawl extract`` prints and
what Scrapy's feed exports (``scrapy crawl forum -O posts.jsonl``) write.

A record is the row the database stores (:mod:`forumcrawl.storage.rows`), under the
record names the schema gives its columns (:mod:`forumcrawl.storage.schema`): a post
record is its post row with its author's user row (``author_*``) and its quotes; keys
are the forum's own ids, not the database's ``site:id`` keys. Scripts and evaluations
depend on these names.
"""

from __future__ import annotations

from forumcrawl.items import BoardItem, DateField, PageItem, PostItem, SiteItem, ThreadItem
from forumcrawl.reading.context import PageContext
from forumcrawl.reading.service import PageResult, read_page
from forumcrawl.storage.rows import (
    article_rows,
    board_row,
    post_row,
    quote_rows,
    site_row,
    thread_row,
    user_row,
)
from forumcrawl.storage.schema import TABLE


def row_record(table: str, row: dict, site_id: str | None) -> dict:
    """A row's columns under their record names (a stored row or one about to be); keys
    as the forum's own ids."""
    out = {}
    for column in TABLE[table].columns:
        if column.record is None:
            continue
        value = row.get(column.name)
        if column.type is bool and value is not None:
            value = bool(value)
        elif (
            site_id
            and isinstance(value, str)
            and column.name.endswith("_id")
            and column.name != "site_id"
            and value.startswith(f"{site_id}:")
        ):
            value = value[len(site_id) + 1 :]
        out[column.record] = value
    return out


def post_record(post: PostItem) -> dict:
    author = (
        row_record("users", user_row(post.author), post.site_id)
        if post.author
        else {c.record: None for c in TABLE["users"].columns if c.record}
    )
    return {
        "type": "post",
        **row_record("posts", post_row(post), post.site_id),
        **author,
        "quotes": [row_record("quotes", row, None) for row in quote_rows(post)],
    }


def article_records(post: PostItem) -> list[dict]:
    return [
        {"type": "article", **row_record("articles", row, None), "post_id": post.post_id}
        for row in article_rows(post)
    ]


def thread_record(thread: ThreadItem, result: PageResult | None = None) -> dict:
    page = result.thread if result else None
    return {
        "type": "thread",
        **row_record(
            "threads",
            thread_row(thread) | {"reply_count": thread.reply_count, "last_post_at": thread.last_post.value},
            thread.site_id,
        ),
        "board_title": thread.board_title,
        "board_url": thread.board_url,
        "page": page.page_number if page else None,
        "next_url": page.next_url if page else None,
        "engine": result.engine if result else None,
        "engine_evidence": result.evidence if result else None,
        "reader": result.reader if result else None,
        "reader_notes": result.reader_notes if result else None,
    }


def item_records(item) -> list[dict]:
    """The records one crawled item becomes; a page (``PageItem``) becomes its rows'
    records (the archive itself none)."""
    if isinstance(item, PageItem):
        return [record for row in item.rows for record in item_records(row)]
    if isinstance(item, PostItem):
        return [post_record(item), *article_records(item)]
    if isinstance(item, ThreadItem):
        return [thread_record(item)]
    if isinstance(item, BoardItem):
        return [{"type": "board", **row_record("boards", board_row(item), item.site_id)}]
    if isinstance(item, SiteItem):
        row = site_row(item) | {"engine_evidence": item.engine_evidence}
        return [{"type": "site", **row_record("sites", row, None)}]
    return []


def page_records(result: PageResult) -> list[dict]:
    """The records of one page: a thread page's thread, posts and articles; a board
    page's board, the threads it lists and the boards it links to."""
    if result.thread is not None:
        out = []
        for item in result.items:
            out += [thread_record(item, result)] if isinstance(item, ThreadItem) else item_records(item)
        return out
    board = result.board
    out = []
    if board.board:
        out.append({**item_records(board.board)[0], "next_url": board.next_url, "engine": result.engine})
    out += [
        {
            "type": "thread_link",
            "url": t.url,
            "thread_id": t.thread_id,
            "title": t.title,
            "reply_count": t.reply_count,
            "last_post_raw": t.last_post.raw,
        }
        for t in board.threads
    ]
    out += [record for b in board.boards for record in item_records(b)]
    return out


def records_for(body: bytes, url: str, context: PageContext | None = None) -> list[dict]:
    """``forumcrawl extract``'s records for one page (raises what ``read_page`` raises)."""
    return page_records(read_page(body, url, context))


def post_columns() -> list[str]:
    """The columns of the posts CSV feed: every post record field but the HTML."""
    empty = PostItem(
        site_id="",
        thread_id="",
        post_id="",
        url=None,
        page_url="",
        author=None,
        posted=DateField(),
        body_html="",
        body_text="",
    )
    return [name for name in post_record(empty) if name not in ("type", "body_html")]
