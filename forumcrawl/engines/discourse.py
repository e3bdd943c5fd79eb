"""Discourse, read from the crawler (``<noscript>``-free) HTML view.

Markup read from ``fixtures/discourse`` (meta.discourse.org 2.4, Blizzard's forums
2.5). Each post is a ``div.crawler-post`` with schema.org microdata: author, the
creation time (``meta[itemprop=datePublished]``), the shown time and the post number
(``#N``). The crawler view has no post ids, so a post is named by its topic and number
("12483/2"), which is also how Discourse addresses it (``/t/slug/12483/2``).

Trap: the crawler view puts its "next page" link in a ``div.crawler-post`` of its own;
a post needs an ``articleBody``. Quotes are ``aside.quote`` with ``data-username``,
``data-post`` (the quoted post's number) and ``data-topic``.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from parsel import Selector

from ..extract.text import Attribution, QuoteRule
from ..items import DateField, PostItem
from .base import first, has_class, text_of
from .markup import MarkupEngine, date_of, digits_in

_TOPIC_URL = re.compile(r"(/t/[^/]+/\d+).*$")


def _attribution(el: HtmlElement) -> Attribution:
    author = el.get("data-username")  # without it, the title names a topic, not a member
    post, topic = el.get("data-post"), el.get("data-topic")
    return Attribution(author=author, post_id=f"{topic}/{post}" if post and topic else post)


class Discourse(MarkupEngine):
    name = "discourse"
    quote_rule = QuoteRule(xpath=f".//aside[{has_class('quote')}]", content="./blockquote",
                           # A member quote's title is "avatar NAME:"; a topic quote's
                           # title names the quoted topic, and is kept as its words.
                           chrome=f"./div[{has_class('title')}][../@data-username]",
                           attribution=_attribution)
    body_chrome = f".//div[{has_class('meta')}][ancestor::div[{has_class('lightbox-wrapper')}]]"
    posts = f"//div[{has_class('crawler-post')}][.//*[@itemprop='articleBody']]"
    body = ".//*[@itemprop='articleBody']"
    author_link = ".//*[@itemprop='author']//a"
    author_name = ".//*[@itemprop='author']//*[@itemprop='name']"
    position = ".//*[@itemprop='position']"
    title = f"//h1[{has_class('crawler-topic-title')}] | //*[@id='topic-title']//h1 | //h1"
    crumbs = "//*[@id='breadcrumbs']//a[contains(@href,'/c/')]"
    next_page = "//link[@rel='next']/@href | //div[@role='navigation']//a[@rel='next']/@href | //*[" + has_class("crawler-post") + "]//a[@rel='next']/@href"
    thread_id_patterns = (r"/t/[^/]+/(\d+)", r"/t/(\d+)")
    board_id_patterns = (r"/c/(?:[^/]+/)*(\d+)(?:/|$)", r"/c/([^/?#]+)")
    board_rows = f"//tr[{has_class('topic-list-item')}] | //div[{has_class('topic-list')}]//tr[.//a[contains(@href,'/t/')]]"
    board_link = ".//a[contains(@href,'/t/')]"
    board_replies = f".//td[{has_class('replies')}] | .//span[{has_class('posts')}]"
    subboards = f"//div[{has_class('category-list')}]//a[contains(@href,'/c/')]"

    def detect(self, sel: Selector) -> list[str]:
        evidence = []
        generator = sel.xpath("//meta[@name='generator']/@content").get() or ""
        if generator.startswith("Discourse"):
            evidence.append(f"meta generator {generator.split(' - ')[0]!r}")
        if sel.xpath("//meta[@name='discourse_theme_id' or @name='discourse_current_homepage']"
                     " | //script[contains(@src,'/assets/discourse')]"):
            evidence.append("discourse meta/assets")
        if sel.xpath(f"//div[{has_class('crawler-post')}] | //*[{has_class('topic-list')}]"):
            evidence.append("crawler view markup")
        return evidence if len(evidence) >= 2 else []

    def thread_url(self, sel: Selector, url: str, base: str) -> str:
        canonical = super().thread_url(sel, url, base)
        return re.sub(r"\?page=\d+$", "", canonical)

    def post_id(self, post: Selector) -> str | None:
        """The post number ("#2"); :meth:`parse_post` prefixes the topic id."""
        return digits_in(text_of(first(post.xpath(self.position))))

    def user_id(self, profile: str | None) -> str | None:
        m = re.search(r"/u/([^/?#]+)", profile or "")
        return m.group(1) if m else None

    def posted(self, post: Selector) -> DateField:
        shown = date_of(first(post.xpath(".//time")))
        created = post.xpath(".//meta[@itemprop='datePublished']/@content").get()
        return DateField(raw=shown.raw, machine=created or shown.machine)

    def parse_post(self, post: Selector, base: str, page_url: str, thread_id: str) -> PostItem | None:
        item = super().parse_post(post, base, page_url, thread_id)
        if item is None:
            return None
        number = item.post_id
        item.post_id = f"{thread_id}/{number}"
        item.position = int(number)
        topic_url = _TOPIC_URL.sub(r"\1", page_url.split("?")[0])
        item.url = f"{topic_url}/{number}"
        modified = post.xpath(".//time[@itemprop='dateModified']/@datetime").get()
        if modified and post.xpath(".//meta[@itemprop='datePublished']/@content").get() != modified:
            item.edited = DateField(raw=None, machine=modified)
        likes = text_of(first(post.xpath(f".//span[{has_class('post-likes')}]")))
        item.reaction_count = int(digits_in(likes)) if digits_in(likes) else None
        return item
