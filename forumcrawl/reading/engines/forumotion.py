"""Forumotion (Forumieren, Forumactif): hosted forums on a phpBB 3-like template.

Markup read from ``fixtures/forumotion`` (wolfsrebellen-netz.forumieren.com). Posts
are ``div.post`` with ``id="pN"``; the hosting company inserts an advert rendered as
a post with ``id="p0"`` ("Gesponserte Inhalte"), which is not a post and is skipped.
The date is text after the author in ``p.author`` ("von NAME am 26/10/13, 03:48 pm").
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.items import DateField
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.engines.phpbb3 import PhpBB3
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import has_class

_AT = re.compile(r"^.*?\s(?:am|on|le|il|el|em|op)\s+(?=\S*\d)", re.I)


class Forumotion(MarkupEngine):
    name = "forumotion"
    signs = (
        (
            "//script[contains(@src,'illiweb.com')] | //img[contains(@src,'illiweb.com')]"
            " | //link[contains(@href,'illiweb.com')]",
            "illiweb.com assets",
        ),
        (
            "//a[contains(@href,'forumotion') or contains(@href,'forumieren') or contains(@href,'forumactif')]",
            "Forumotion links",
        ),
        (
            f"//div[{has_class('post')}][starts-with(@id,'p')][.//div[{has_class('post-entry')}]]",
            "div.post#pN with post-entry",
        ),
    )
    quote_rule = PhpBB3.quote_rule
    posts = f"//div[{has_class('post')}][starts-with(@id,'p')][.//div[{has_class('post-entry')}]]"
    body = f".//div[{has_class('post-entry')}]"
    body_chrome = f".//div[{has_class('signature_div')}] | .//div[{has_class('vote')}]"
    author_link = f".//div[{has_class('postprofile-head')}]//a[contains(@href,'/u')][normalize-space()]"
    author_name = f".//div[{has_class('postprofile-head')}]//strong | .//p[{has_class('author')}]//strong"
    date = f".//p[{has_class('author')}]"
    signature = f".//div[{has_class('signature_div')}]"
    permalink = f".//div[{has_class('postbody-head')}]//h3/a/@href"
    title = ("//h1[contains(@class,'page-title')]", "//h1")
    crumbs = "//*[contains(@class,'sub-header-path') or contains(@class,'nav')]//a[contains(@href,'/f')]"
    pagination = f"//*[{has_class('pagination')}]"
    thread_id_patterns = (r"/t(\d+)(?:p\d+)?-",)
    board_id_patterns = (r"/f(\d+)(?:p\d+)?-",)
    board_rows = f"//ul[{has_class('topiclist')}]//li[{has_class('row')}]"
    board_link = f".//a[{has_class('topictitle')}]"

    def post_id(self, page: MarkupReader, post: HtmlElement) -> str | None:
        post_id = super().post_id(page, post)
        return None if post_id in (None, "0") else post_id

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        line = text_of(page.first(post, self.date))
        return DateField(raw=clean(_AT.sub("", line))) if line else DateField()
