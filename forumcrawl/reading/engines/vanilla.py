"""Vanilla Forums: ``div.ItemDiscussion`` (the opening post) and ``li.ItemComment``.

Markup read from ``fixtures/vanilla`` (moneysavingexpert). Dates are
``<time datetime>``. Quotes are ``blockquote.UserQuote`` whose first
``div.blockquote-content`` is the "NAME wrote: »" header (the » links to the
quoted comment or discussion).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.reading.engines.markup import MarkupEngine
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import clean
from forumcrawl.reading.query import has_class, select, select_first

_QUOTED = re.compile(r"/discussion/comment/(\d+)|#Comment_(\d+)|/discussion/(\d+)")
HEADER = f"./div[{has_class('blockquote-content')}][a[{has_class('QuoteLink')}] or contains(., 'wrote:')][1]"


def _attribution(el: HtmlElement) -> Attribution:
    header = select_first(el, HEADER)
    if header is None:
        return Attribution(author=clean(select_first(el, f".//*[{has_class('QuoteAuthor')}]//a/text()")))
    name = select_first(header, ".//a[not(contains(@class,'QuoteLink'))]/text()")
    author = clean(name) if name is not None else clean(re.sub(r"\s*wrote:.*$", "", header.text_content()))
    post = None
    for href in select(header, f".//a[{has_class('QuoteLink')}]/@href"):
        m = _QUOTED.search(href)
        if m and (m.group(1) or m.group(2)):
            post = m.group(1) or m.group(2)
    return Attribution(author=author, post_id=post)


class Vanilla(MarkupEngine):
    name = "vanilla"
    signs = (
        (
            "//script[contains(., 'gdn.meta') or contains(., 'gdn = ')] | //body[contains(@class,'Vanilla')]",
            "gdn script / body.Vanilla",
        ),
        # a discussion's posts, or a category's discussion list
        (
            f"//div[{has_class('ItemDiscussion')}] | //li[{has_class('ItemComment')}]"
            f" | //li[{has_class('ItemDiscussion')}] | //tr[{has_class('ItemDiscussion')}]",
            "div.ItemDiscussion / li.ItemComment / ItemDiscussion rows",
        ),
        (
            "//a[contains(@href,'vanillaforums.com')] | //*[contains(@class,'MessageList')]",
            "Vanilla MessageList",
        ),
    )
    quote_rule = QuoteRule(
        xpath=f".//blockquote[{has_class('Quote')} or {has_class('UserQuote')}]",
        chrome=f"{HEADER} | .//*[{has_class('QuoteAuthor')}]",
        attribution=_attribution,
    )
    posts = f"//div[{has_class('ItemDiscussion')}] | //li[{has_class('ItemComment')}]"
    body = f".//div[{has_class('Message')}]"
    author_link = f".//span[{has_class('Author')}]//a[{has_class('Username')}]"
    author_name = f".//span[{has_class('Author')}]"
    user_title = f".//span[{has_class('RoleTitle')}]"
    user_facts = f".//span[{has_class('CountPosts')}]"
    date = f".//span[{has_class('DateCreated')}]//time | .//*[{has_class('DateCreated')}]"
    edited = f".//*[{has_class('DateUpdated')}]//time"
    signature = f".//div[{has_class('Signature')}]"
    permalink = f".//a[{has_class('Permalink')}]/@href"
    title = (f"//div[{has_class('PageTitle')}]//h1", "//h1")
    crumbs = f"//*[{has_class('Breadcrumbs')}]//a[contains(@href,'/categories/')]"
    pagination = f"//*[{has_class('Pager')}]"
    next_page = "//link[@rel='next']/@href | //a[@rel='next']/@href | //a[" + has_class("Next") + "]/@href"
    thread_id_patterns = (r"/discussion/(\d+)",)
    board_id_patterns = (r"/categories/([^/?#]+)",)
    board_rows = f"//li[{has_class('ItemDiscussion')}] | //tr[{has_class('ItemDiscussion')}]"
    board_link = f".//a[ancestor::*[{has_class('Title')}]] | .//a[contains(@href,'/discussion/')]"
    board_replies = f".//span[{has_class('CommentCount')}]"
    board_last_date = f".//*[{has_class('LastCommentDate')}]//time"
    subboards = (
        f"//*[{has_class('ItemCategory')} or {has_class('CategoryName')}]//a[contains(@href,'/categories/')]"
    )

    def user_id(self, profile: str | None) -> str | None:
        m = re.search(r"/profile/(?:\d+/)?([^/?#]+)", profile or "")
        return m.group(1) if m else None
