"""XenForo 2: ``<html id="XF">``, posts as ``article.message--post``.

Markup read from the saved pages in ``fixtures/xenforo2`` (xenforo.com, statcounter,
macrumors, computerbase, wordreference, katzen-forum, villagersandheroes). XenForo 2
writes every date as ``<time datetime=... data-time=...>``, so its pages never need
dateparser except for join dates in the user card, which are plain text.

Its post selectors are class queries (:func:`~forumcrawl.reading.query.classes`):
XPath text like any other selector, answered from one class index per post.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.items import DateField, UserItem
from forumcrawl.reading.document import Document
from forumcrawl.reading.engines.base import PAGE_BOARD, PAGE_INDEX, PAGE_THREAD, ThreadLink
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.engines.userinfo import read_facts
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import absolute, clean, parse_count, text_of
from forumcrawl.reading.query import classes, has_class, select, select_first
from forumcrawl.reading.vocabulary import post_id_in, quoted_name

# the numeric id after a route's slug: /threads/slug.345/, /forums/news.12/page-2
ROUTE_ID = r"\.(\d+)/?(?:page-\d+)?/?(?:[?#].*)?$"
_TRAILING_ID = re.compile(ROUTE_ID)
_SOURCE_POST = re.compile(r"post:\s*(\d+)")
_SOURCE_MEMBER = re.compile(r"member:\s*(\d+)")
_POSITION = re.compile(r"#\s*([\d.,]+)")
_PAGE = re.compile(r"/page-(\d+)")
_THREAD_ROWS = classes("structItem--thread", inside="js-threadList", page=True)
_NODE_LINKS = classes("node-title", then="a", page=True)
_WIDGET = "[not(ancestor::*[@data-widget-key or @data-widget-definition])]"


def route_id(url: str | None) -> str | None:
    """The numeric id XenForo puts after the slug: ``/threads/slug.345/`` -> ``345``."""
    if not url:
        return None
    m = _TRAILING_ID.search(url.split("#")[0])
    return m.group(1) if m else None


def _quote_attribution(el: HtmlElement) -> Attribution:
    post = _SOURCE_POST.search(el.get("data-source") or "")
    user = _SOURCE_MEMBER.search(el.get("data-attributes") or "")
    post_id = post.group(1) if post else None
    if not post_id:
        href = select_first(el, ".//*[contains(@class,'bbCodeBlock-sourceJump')]/@href")
        post_id = post_id_in(href, "xenforo")
    author = el.get("data-quote") or quoted_name(
        text_of(select(el, ".//*[contains(@class,'bbCodeBlock-title')]//text()"))
    )
    return Attribution(author=author, user_id=user.group(1) if user else None, post_id=post_id)


def xf_time(el) -> DateField:
    """A XenForo ``<time>``: the ISO value for machines, the title as the reader's text."""
    if el is None:
        return DateField()
    machine = el.get("datetime") or el.get("data-time")
    return DateField(raw=clean(el.get("title") or text_of(el)), machine=machine)


def _container_id(doc: Document, prefix: str) -> str | None:
    """``<html data-content-key="thread-345">`` / ``data-container-key="node-12"``."""
    key = doc.first(f"/html/@data-{'content' if prefix == 'thread' else 'container'}-key") or ""
    return key.split("-", 1)[1] if key.startswith(f"{prefix}-") else None


class XenForo2(MarkupEngine):
    name = "xenforo2"
    signs = (
        ("/html[@id='XF']", "html#XF"),
        ("/html/@data-template", "html[data-template]"),  # the same on every page kind
        (
            f"//article[{has_class('message--post')}] | //div[{has_class('p-body-pageContent')}]",
            "XenForo 2 layout classes (.message--post / .p-body-pageContent)",
        ),
    )
    quote_rule = QuoteRule(
        xpath=f".//*[{has_class('bbCodeBlock--quote')}]",
        content=f"./*[{has_class('bbCodeBlock-content')}]",
        chrome=f".//*[{has_class('bbCodeBlock-expandLink')} or {has_class('bbCodeBlock-title')}]",
        attribution=_quote_attribution,
    )
    body_chrome = classes(
        "bbCodeBlock-expandLink",
        "js-selectToQuoteEnd",
        "lbContainer-zoomer",
        "bbCodeSpoiler-button",
        "bbMediaWrapper",
        "js-unfurl-favicon",
    )
    selectors = (
        *MarkupEngine.selectors,
        "date_fallback",
        "body_fallback",
        "reactions",
        "content",
        "page_links",
    )
    posts = classes("message--post", page=True)
    post_id_from = "@data-content | @id"
    author_link = classes("username", inside="message-name")
    user_title = classes("message-userTitle")
    user_facts = classes("message-userExtras", then="dl")
    date = classes("message-attribution-main", inside="message-attribution", then="time")
    date_fallback = f".//*[{has_class('message-date')}]//time | .//time[{has_class('u-dt')}]"
    edited = classes("message-lastEdit", then="time")
    body = classes("bbWrapper", inside="message-body")
    body_fallback = classes("message-body")
    signature = classes("message-signature")
    permalink = classes("message-attribution", tag="header", then="a")
    position = classes("message-attribution-opposite", inside="message-attribution")
    reactions = classes("reactionsBar", "likesBar")
    title = classes("p-title-value", tag="h1", page=True)
    crumbs = classes("p-breadcrumbs", then="li//a", page=True)
    next_page = classes("pageNav-jump--next", attr="href", page=True)
    pagination = classes("pageNav-page--current", page=True)
    page_links = classes("pageNav-page", inside="pageNav-main", then="a", page=True)
    # board and index pages: rows and node links inside the main content (else the page)
    content = classes("p-body-pageContent", page=True)
    board_rows = f".//*[{has_class('structItem--thread')}]{_WIDGET}"
    thread_id_patterns = board_id_patterns = (ROUTE_ID,)
    board_link = f".//*[{has_class('structItem-title')}]//a[@data-tp-primary]"
    board_replies = f".//*[{has_class('structItem-cell--meta')}]//dl//dd"
    board_last_date = (
        f".//*[{has_class('structItem-latestDate')}] | .//*[{has_class('structItem-cell--latest')}]//time"
    )
    board_title = classes("p-title-value", tag="h1", page=True)
    subboards = f".//*[{has_class('node-title')}]//a"

    def detect(self, doc: Document, confirm: bool = False) -> list[str]:
        # html#XF decides; the other signs only add to the evidence
        return super().detect(doc, confirm) if doc.first(self.signs[0][0]) is not None else []

    min_signs = 1

    def page_kind(self, page: MarkupReader) -> str | None:
        doc = page.doc
        template = doc.first("/html/@data-template") or ""
        if template == "thread_view" or doc.first(self.posts) is not None:
            return PAGE_THREAD
        if template in ("forum_view", "forum_view_type_discussion") or doc.first(_THREAD_ROWS) is not None:
            return PAGE_BOARD
        if template in ("forum_list", "category_view") or doc.first(_NODE_LINKS) is not None:
            return PAGE_INDEX
        return None

    # ------------------------------------------------------------------ threads
    def thread_url(self, page: MarkupReader) -> str:
        return re.sub(r"/+$", "/", _PAGE.sub("/", (page.doc.canonical or page.url).split("#")[0]))

    def thread_id(self, page: MarkupReader, thread_url: str) -> str:
        return _container_id(page.doc, "thread") or route_id(thread_url) or thread_url

    def thread_title(self, page: MarkupReader) -> str | None:
        h1 = page.doc.first(self.title)
        title = text_of(h1)
        prefix = (
            text_of(select_first(h1, f".//*[{has_class('label')} or {has_class('labelLink')}]"))
            if h1 is not None
            else None
        )
        if title and prefix and title.startswith(prefix):
            title = title[len(prefix) :].strip() or title
        return title

    def board_link_of(self, page: MarkupReader) -> tuple[str | None, str | None]:
        crumbs = page.doc.xpath(self.crumbs)
        if not crumbs:
            return None, None
        return absolute(page.base, crumbs[-1].get("href")), text_of(crumbs[-1])

    def thread_board_id(self, page: MarkupReader, board_url: str | None) -> str | None:
        return _container_id(page.doc, "node") or route_id(board_url)

    def next_url(self, page: MarkupReader) -> tuple[str | None, int | None]:
        current = parse_count(text_of(page.doc.first(self.pagination)))
        return absolute(page.base, page.doc.first(self.next_page)), current

    def page_count(self, page: MarkupReader, current: int | None) -> int | None:
        """The highest page number the page navigation shows (or this page's)."""
        shown = [parse_count(text_of(a)) or 0 for a in page.doc.xpath(self.page_links)]
        return max([*shown, current or 1])

    # ------------------------------------------------------------------ posts
    def author(self, page: MarkupReader, post: HtmlElement) -> UserItem | None:
        name_link = page.first(post, self.author_link)
        name = post.get("data-author") or text_of(name_link)
        if not name:
            return None
        joined, messages = read_facts(page.select(post, self.user_facts))
        user_id = name_link.get("data-user-id") if name_link is not None else None
        if not user_id:
            user_id = next(
                (
                    el.get("data-user-id")
                    for el in select(post, f".//*[{has_class('message-avatar')}]//*[@data-user-id]")
                ),
                None,
            )
        return page.new_user(
            clean(name) or name,
            user_id=user_id,
            profile_url=absolute(page.base, name_link.get("href")) if name_link is not None else None,
            title=text_of(page.first(post, self.user_title)),
            joined=DateField(raw=joined),
            message_count=messages,
        )

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        posted = xf_time(page.first(post, self.date))
        return posted if posted else xf_time(page.first(post, self.date_fallback))

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        return xf_time(page.first(post, self.edited))

    def body_element(self, page: MarkupReader, post: HtmlElement) -> HtmlElement | None:
        body = page.first(post, self.body)
        return body if body is not None else page.first(post, self.body_fallback)

    def post_url(self, page: MarkupReader, post: HtmlElement, post_id: str) -> str:
        for found in page.select(post, self.permalink):
            href = found if isinstance(found, str) else found.get("href") or ""
            if "post-" in href or "/posts/" in href:
                return absolute(page.base, href)
        return f"{page.url.split('#')[0]}#post-{post_id}"

    def position_of(self, page: MarkupReader, post: HtmlElement) -> int | None:
        found = _POSITION.search(text_of(page.first(post, self.position)) or "")
        return parse_count(found.group(1)) if found else None

    def reaction_count(self, page: MarkupReader, post: HtmlElement) -> int | None:
        """ "A, B and 8 others" -> 10. XenForo lists up to three names, then a remainder."""
        bar = page.first(post, self.reactions)
        if bar is None:
            return None
        a = select_first(bar, ".//a")
        if a is None:
            return 0
        names = len(select(a, ".//bdi"))
        others = re.search(r"(\d[\d,.]*)\s+\w+\s*$", text_of(a) or "")
        extra = parse_count(others.group(1)) if others and names else 0
        return names + (extra or 0) if names else None

    # ------------------------------------------------------------------ boards
    def _main(self, page: MarkupReader):
        """The page's main content: its rows and node links, not the sidebar widgets'."""
        main = page.doc.first(self.content)
        return page.doc.root if main is None else main

    def listing_rows(self, page: MarkupReader) -> list:
        return select(self._main(page), self.board_rows)

    def subboard_links(self, page: MarkupReader) -> list:
        return select(self._main(page), self.subboards)

    def listing_link(self, page: MarkupReader, row: HtmlElement) -> HtmlElement | None:
        """The row's primary title link, else its last title link that is no prefix label."""
        a = page.first(row, self.board_link)
        if a is None:
            titled = [
                x
                for x in select(row, f".//*[{has_class('structItem-title')}]//a")
                if "labelLink" not in (x.get("class") or "").split()
            ]
            a = titled[-1] if titled else None
        return a

    def board_item(self, page: MarkupReader, threads: list[ThreadLink]):
        doc = page.doc
        if not ((doc.first("/html/@data-template") or "").startswith("forum_view") or threads):
            return None
        board_url = _PAGE.sub("/", doc.canonical or page.url).rstrip("/") + "/"
        return page.new_board(
            _container_id(doc, "node") or route_id(board_url) or board_url,
            text_of(doc.first(self.board_title)),
            board_url,
        )

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        return xf_time(page.first(row, self.board_last_date))
