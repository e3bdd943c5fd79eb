"""Items as flat records with stable field names: what ``forumcrawl extract`` prints and
what Scrapy's feed exports (``scrapy crawl forum -O posts.jsonl``) write.

Scripts and evaluations depend on these names; the database has its own (store.py).
"""

from __future__ import annotations

from dataclasses import asdict

from forumcrawl.reading.engines import Detection
from forumcrawl.reading.engines.base import ThreadPage
from forumcrawl.items import ArticleItem, BoardItem, PostItem, SiteItem, ThreadItem


def post_record(post: PostItem) -> dict:
    author = post.author
    return {
        "type": "post",
        "post_id": post.post_id,
        "thread_id": post.thread_id,
        "site_id": post.site_id,
        "url": post.url,
        "position": post.position,
        "author": author.name if author else None,
        "author_url": author.profile_url if author else None,
        "author_id": author.user_id if author else None,
        "author_title": author.title if author else None,
        "author_joined": author.joined.value if author else None,
        "author_joined_raw": author.joined.raw if author else None,
        "author_messages": author.message_count if author else None,
        "posted_at": post.posted.value,
        "posted_raw": post.posted.raw,
        "posted_source": post.posted.source,
        "edited_at": post.edited.value,
        "body_text": post.body_text,
        "body_html": post.body_html,
        "quotes": [{"author": q.author, "post_id": q.post_id, "user_id": q.author_user_id,
                    "text": q.text, "depth": q.depth} for q in post.quotes],
        "signature": post.signature_text,
        "reactions": post.reaction_count,
    }


def article_record(post: PostItem, article: ArticleItem) -> dict:
    return {
        "type": "article",
        "post_id": post.post_id,
        "headline": article.headline,
        "byline": article.byline,
        "published_at": article.published.value,
        "published_raw": article.published.raw,
        "source_url": article.source_url,
        "outlet": article.outlet,
        "in_quote": article.in_quote,
        "body_text": article.body_text,
    }


def thread_record(thread: ThreadItem, page: ThreadPage | None = None,
                  detection: Detection | None = None) -> dict:
    return {
        "type": "thread",
        "thread_id": thread.thread_id,
        "site_id": thread.site_id,
        "title": thread.title,
        "url": thread.url,
        "board_id": thread.board_id,
        "board_title": thread.board_title,
        "board_url": thread.board_url,
        "page": page.page_number if page else None,
        "page_count": thread.page_count,
        "reply_count": thread.reply_count,
        "last_post_at": thread.last_post.value,
        "next_url": page.next_url if page else None,
        "engine": detection.engine.name if detection else None,
        "engine_evidence": detection.evidence if detection else None,
    }


def item_records(item) -> list[dict]:
    """The records one crawled item becomes; the page archive (``PageItem``) becomes none."""
    if isinstance(item, PostItem):
        return [post_record(item), *(article_record(item, a) for a in item.articles)]
    if isinstance(item, ThreadItem):
        return [thread_record(item)]
    if isinstance(item, BoardItem):
        return [{"type": "board", **asdict(item)}]
    if isinstance(item, SiteItem):
        return [{"type": "site", **asdict(item)}]
    return []
