"""NodeBB: ``li[component=post]`` with ``data-pid`` and ISO times in ``span.timeago``.

Markup read from ``fixtures/nodebb`` (community.nodebb.org). A quote is a Markdown
``<blockquote>`` preceded by a paragraph "@NAME said in <a href=/post/ID>TITLE</a>:",
which is furniture beside the quote, not inside it.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from parsel import Selector

from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.items import DateField
from forumcrawl.reading.engines.base import clean, first, has_class
from forumcrawl.reading.engines.markup import MarkupEngine

HEADER = "preceding-sibling::*[1][self::p][.//a[contains(@href,'/post/')]][contains(., ' said in ')]"


def _attribution(el: HtmlElement) -> Attribution:
    header = el.xpath(HEADER)
    if not header:
        return Attribution()
    mention = header[0].xpath(".//a[contains(@class,'plugin-mentions')]")
    author = clean(mention[0].text_content()).lstrip("@") if mention else \
        clean(header[0].text_content().split(" said in ")[0]).lstrip("@")
    user = re.search(r"/uid/(\d+)", mention[0].get("href", "")) if mention else None
    post = re.search(r"/post/(\d+)", " ".join(header[0].xpath(".//a/@href")))
    return Attribution(author=author or None, user_id=user.group(1) if user else None,
                       post_id=post.group(1) if post else None)


class NodeBB(MarkupEngine):
    name = "nodebb"
    quote_rule = QuoteRule(xpath="./blockquote | ./*/blockquote[not(ancestor::blockquote)]",
                           header=HEADER, attribution=_attribution)
    posts = "//li[@component='post'][@data-pid]"
    post_id_from = "@data-pid"
    body = ".//div[@component='post/content']"
    author_link = ".//a[@itemprop='author'] | .//*[@component='post/header']//a[contains(@href,'/user/')]"
    author_name = "@data-username"
    signature = ".//div[@component='post/signature']"
    permalink = ".//a[contains(@class,'permalink')]/@href"
    title = ("//h1[@component='post/header'] | //span[@component='topic/title']", "//h1")
    crumbs = "//ol[contains(@class,'breadcrumb')]//a[contains(@href,'/category/')]"
    # persona's paginator, when the forum pages instead of scrolling
    next_page = ("//link[@rel='next']/@href | //div[@component='pagination']"
                 f"//li[{has_class('next')}][not({has_class('disabled')})]/a/@href")
    board_title = ("//ol[contains(@class,'breadcrumb')]/li[@component='breadcrumb/current']//span[@itemprop='title']",
                   "//h1")
    thread_id_patterns = (r"/topic/(\d+)",)
    board_id_patterns = (r"/category/(\d+)",)
    # widget areas ("Suggested Topics" in the footer) render other topics with the same rows
    board_rows = "//li[@component='category/topic'][not(ancestor::*[@data-widget-area])]"
    board_link = ".//a[contains(@href,'/topic/')][@itemprop='url' or ancestor::*[@component='topic/header']]"
    # persona shows posts, not replies: "stats-postcount" (the mobile copy has no title)
    board_replies = (".//*[@component='topic/post-count']"
                     f" | .//div[{has_class('stats-postcount')}]//span[{has_class('human-readable-number')}]")
    subboards = "//li[@component='categories/category']//h2//a[contains(@href,'/category/')]"

    def detect(self, sel: Selector) -> list[str]:
        evidence = []
        if sel.xpath("//script[contains(., 'config.relative_path') or contains(@src,'nodebb')]"
                     " | //link[contains(@href,'nodebb')]"):
            evidence.append("NodeBB assets")
        if sel.xpath(self.posts) or sel.xpath(self.board_rows):
            evidence.append("[component=post] markup")
        if sel.xpath("//meta[@name='generator'][contains(@content,'NodeBB')] | //a[contains(@href,'nodebb.org')]"):
            evidence.append("NodeBB generator/link")
        return evidence if len(evidence) >= 2 else []

    def board_reply_count(self, row: Selector) -> int | None:
        posts = super().board_reply_count(row)
        return posts - 1 if posts else None

    def board_last_post(self, row: Selector) -> DateField:
        """The teaser's (last reply's) ``span.timeago[title]``, ISO 8601."""
        stamp = first(row.xpath(".//*[@component='topic/teaser']//span[contains(@class,'timeago')]/@title"))
        return DateField(raw=stamp.get(), machine=stamp.get()) if stamp is not None else DateField()

    def posted(self, post: Selector) -> DateField:
        stamp = first(post.xpath(".//a[contains(@class,'permalink')]//span[contains(@class,'timeago')]"
                                 " | .//span[contains(@class,'timeago')]"))
        if stamp is not None and stamp.attrib.get("title"):
            return DateField(raw=stamp.attrib["title"], machine=stamp.attrib["title"])
        millis = post.attrib.get("data-timestamp")
        return DateField(machine=str(int(millis) // 1000)) if millis and millis.isdigit() else DateField()

    def edited_date(self, post: Selector) -> DateField:
        stamp = post.xpath(".//*[@component='post/editor']//span[contains(@class,'timeago')]/@title").get()
        return DateField(raw=stamp, machine=stamp) if stamp else DateField()
