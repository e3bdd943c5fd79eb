"""NodeBB: ``li[component=post]`` with ``data-pid`` and ISO times in ``span.timeago``.

Markup read from ``fixtures/nodebb`` (community.nodebb.org). A quote is a Markdown
``<blockquote>`` preceded by a paragraph "@NAME said in <a href=/post/ID>TITLE</a>:",
which is furniture beside the quote, not inside it.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.items import DateField
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import clean
from forumcrawl.reading.query import has_class, select, select_first

HEADER = "preceding-sibling::*[1][self::p][.//a[contains(@href,'/post/')]][contains(., ' said in ')]"


def _attribution(el: HtmlElement) -> Attribution:
    header = select_first(el, HEADER)
    if header is None:
        return Attribution()
    mention = select_first(header, ".//a[contains(@class,'plugin-mentions')]")
    author = (
        clean(mention.text_content())
        if mention is not None
        else clean(header.text_content().split(" said in ")[0])
    ).lstrip("@")
    user = re.search(r"/uid/(\d+)", mention.get("href", "")) if mention is not None else None
    post = re.search(r"/post/(\d+)", " ".join(select(header, ".//a/@href")))
    return Attribution(
        author=author or None,
        user_id=user.group(1) if user else None,
        post_id=post.group(1) if post else None,
    )


class NodeBB(MarkupEngine):
    name = "nodebb"
    signs = (
        (
            "//script[contains(., 'config.relative_path') or contains(@src,'nodebb')] | //link[contains(@href,'nodebb')]",
            "NodeBB assets",
        ),
        (
            "//li[@component='post'][@data-pid] | //li[@component='category/topic'][not(ancestor::*[@data-widget-area])]",
            "[component=post] markup",
        ),
        (
            "//meta[@name='generator'][contains(@content,'NodeBB')] | //a[contains(@href,'nodebb.org')]",
            "NodeBB generator/link",
        ),
    )
    quote_rule = QuoteRule(
        xpath="./blockquote | ./*/blockquote[not(ancestor::blockquote)]",
        header=HEADER,
        attribution=_attribution,
    )
    posts = "//li[@component='post'][@data-pid]"
    post_id_from = "@data-pid"
    body = ".//div[@component='post/content']"
    author_link = ".//a[@itemprop='author'] | .//*[@component='post/header']//a[contains(@href,'/user/')]"
    author_name = "@data-username"
    date = (
        ".//a[contains(@class,'permalink')]//span[contains(@class,'timeago')]"
        " | .//span[contains(@class,'timeago')]"
    )
    edited = ".//*[@component='post/editor']//span[contains(@class,'timeago')]/@title"
    signature = ".//div[@component='post/signature']"
    permalink = ".//a[contains(@class,'permalink')]/@href"
    title = ("//h1[@component='post/header'] | //span[@component='topic/title']", "//h1")
    crumbs = "//ol[contains(@class,'breadcrumb')]//a[contains(@href,'/category/')]"
    # persona's paginator, when the forum pages instead of scrolling
    next_page = (
        "//link[@rel='next']/@href | //div[@component='pagination']"
        f"//li[{has_class('next')}][not({has_class('disabled')})]/a/@href"
    )
    board_title = (
        "//ol[contains(@class,'breadcrumb')]/li[@component='breadcrumb/current']//span[@itemprop='title']",
        "//h1",
    )
    thread_id_patterns = (r"/topic/(\d+)",)
    board_id_patterns = (r"/category/(\d+)",)
    # widget areas ("Suggested Topics" in the footer) render other topics with the same rows
    board_rows = "//li[@component='category/topic'][not(ancestor::*[@data-widget-area])]"
    board_link = ".//a[contains(@href,'/topic/')][@itemprop='url' or ancestor::*[@component='topic/header']]"
    # persona shows posts, not replies: "stats-postcount" (the mobile copy has no title)
    board_replies = (
        ".//*[@component='topic/post-count']"
        f" | .//div[{has_class('stats-postcount')}]//span[{has_class('human-readable-number')}]"
    )
    board_last_date = ".//*[@component='topic/teaser']//span[contains(@class,'timeago')]/@title"
    subboards = "//li[@component='categories/category']//h2//a[contains(@href,'/category/')]"

    def board_reply_count(self, page: MarkupReader, row: HtmlElement) -> int | None:
        posts = super().board_reply_count(page, row)
        return posts - 1 if posts else None

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        """The teaser's (last reply's) ``span.timeago[title]``, ISO 8601."""
        stamp = page.first(row, self.board_last_date)
        return DateField(raw=stamp, machine=stamp) if stamp is not None else DateField()

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        stamp = page.first(post, self.date)
        if stamp is not None and stamp.get("title"):
            return DateField(raw=stamp.get("title"), machine=stamp.get("title"))
        millis = post.get("data-timestamp")
        return DateField(machine=str(int(millis) // 1000)) if millis and millis.isdigit() else DateField()

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        stamp = page.first(post, self.edited)
        return DateField(raw=stamp, machine=stamp) if stamp else DateField()
