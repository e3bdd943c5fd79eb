"""vBulletin 5: ``li.b-post`` nodes with ``<time datetime>`` and vB4-style quotes.

Markup read from ``fixtures/vbulletin5`` (fandompost, 5.5.2). vBulletin 5 is a
different application from 3 and 4 (nodes, not posts), but its BBCode quotes are
rendered with the vB4 ``bbcode_container`` markup.
"""

from __future__ import annotations

from forumcrawl.reading.engines.markup import MarkupEngine
from forumcrawl.reading.engines.vbulletin4 import BBCODE_QUOTES, generator_sign
from forumcrawl.reading.query import has_class


class VBulletin5(MarkupEngine):
    name = "vbulletin5"
    signs = (
        generator_sign("5"),
        (
            f"//li[{has_class('b-post')}][.//div[{has_class('js-post__content-text')}]]",
            "li.b-post with js-post__content-text",
        ),
        ("//script[contains(., 'vBulletin')] | //*[contains(@class,'b-userinfo')]", "vBulletin 5 b-* markup"),
    )
    quote_rule = BBCODE_QUOTES
    posts = f"//li[{has_class('b-post')}][.//div[{has_class('js-post__content-text')}]]"
    post_id_from = f"@data-node-id | .//a[{has_class('anchor')}]/@id"
    body = f".//div[{has_class('js-post__content-text')}]"
    author_link = f".//div[{has_class('author')}]//a"
    author_name = f".//div[{has_class('author')}]"
    user_title = f".//div[{has_class('usertitle')}]"
    user_facts = f".//li[{has_class('b-userinfo__additional-info')}]"
    date = f".//div[{has_class('b-post__timestamp')}]"
    signature = f".//div[{has_class('post-signature')}]"
    permalink = f".//a[{has_class('b-post__count')}]/@href"
    position = f".//a[{has_class('b-post__count')}]"
    title = (f"//h1[{has_class('main-title')}]", "//h1")
    crumbs = f"//ul[@id='breadcrumbs']//a[{has_class('crumb-link')}] | //*[@id='breadcrumbs']//a"
    pagination = f"//div[{has_class('pagenav')}]"
    thread_id_patterns = (r"/(\d+)-[^/?#]*(?:/page\d+)?/?(?:[?#].*)?$",)
    board_rows = f"//tr[{has_class('topic-item')}]"
    board_link = f".//a[{has_class('topic-title')}]"
    board_replies = f".//td[{has_class('cell-count')}]//div[{has_class('posts-count')}]"
    board_last_date = f".//td[{has_class('cell-lastpost')}]//span[{has_class('post-date')}]"
    # the forum list's rows, and a channel's "Sub-Forums" strip above its topics
    subboards = f"//a[{has_class('forum-title')} or {has_class('subforum-title')}]"
