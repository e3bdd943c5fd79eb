"""XenForo 1: ``<html id="XenForo">``, posts as ``li.message`` in ``ol#messageList``.

Markup read from ``fixtures/xenforo1`` (gtplanet, musiker-board, digitalfernsehen,
sufficientvelocity). Two traps: the post body is a ``blockquote.messageText`` (it is
not a quote), and relative links resolve against ``<base href>``. Recent dates are
``abbr.DateTime`` with a ``data-time`` epoch; older ones are ``span.DateTime`` whose
``title`` ("May 15, 2018 at 4:02 PM") is the only full reading, in the site's language.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.items import DateField, UserItem
from forumcrawl.reading.document import Document
from forumcrawl.reading.engines.base import PAGE_BOARD, PAGE_INDEX, PAGE_THREAD
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.engines.userinfo import read_facts
from forumcrawl.reading.engines.xenforo2 import ROUTE_ID, route_id
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import absolute, clean, parse_count, text_of
from forumcrawl.reading.query import has_class, select, select_first
from forumcrawl.reading.vocabulary import post_id_in

_POSITION = re.compile(r"#\s*([\d.,]+)")
_PAGE = re.compile(r"page-\d+/?$")
_OUTSIDE_BODY = "[not(ancestor::*[contains(@class,'messageContent')])]"


def _quote_attribution(el: HtmlElement) -> Attribution:
    href = select_first(el, ".//a[contains(@class,'AttributionLink')]/@href")
    return Attribution(author=el.get("data-author"), post_id=post_id_in(href, "xenforo"))


def _datetime(el) -> DateField:
    if el is None:
        return DateField()
    if el.get("data-time"):
        raw = " ".join(filter(None, [el.get("data-datestring"), el.get("data-timestring")])) or text_of(el)
        return DateField(raw=clean(raw), machine=el.get("data-time"))
    return DateField(raw=clean(el.get("title") or text_of(el)))


class XenForo1(MarkupEngine):
    name = "xenforo1"
    signs = (("/html[@id='XenForo']", "html#XenForo"), ("//div[@id='content']/@class", "div#content.{}"))
    min_signs = 1
    quote_rule = QuoteRule(
        xpath=f".//*[{has_class('bbCodeQuote')}]",
        content=f".//*[{has_class('quote')}]",
        chrome=f".//*[{has_class('quoteExpand')} or {has_class('attribution')}]",
        attribution=_quote_attribution,
    )
    body_chrome = (
        f".//*[{has_class('messageTextEndMarker')} or {has_class('quoteExpand')}"
        f" or {has_class('SpoilerTitle')}]"
    )
    selectors = (*MarkupEngine.selectors, "date_fallback", "reactions", "info", "permalink_fallback")
    posts = (
        f"//ol[@id='messageList']/li[{has_class('message')}]"
        f" | //*[@id='messageList']//li[{has_class('message')}][starts-with(@id,'post-')]"
    )
    author_link = f".//*[{has_class('messageUserInfo')}]//a[{has_class('username')}]"
    user_title = f".//*[{has_class('messageUserInfo')}]//*[{has_class('userTitle')}]"
    user_facts = f".//*[{has_class('extraUserInfo')}]//dl"
    info = f".//*[{has_class('messageInfo')}]"
    # the post's own time stamp, in its messageInfo (else anywhere outside the body)
    date = f"(.//*[{has_class('messageInfo')}])[1]//*[{has_class('DateTime')}]{_OUTSIDE_BODY}"
    date_fallback = f".//*[{has_class('DateTime')}]{_OUTSIDE_BODY}"
    edited = f".//*[{has_class('editDate')}]//*[{has_class('DateTime')}]"
    body = f".//blockquote[{has_class('messageText')}]"
    signature = f".//*[{has_class('signature')}]"
    position = f".//*[{has_class('postNumber')}]"
    permalink = f"(.//*[{has_class('postNumber')}])[1]/@href"
    permalink_fallback = f".//a[{has_class('datePermalink')}]/@href"
    reactions = f".//*[{has_class('LikeText')}]"
    title = f"//*[{has_class('titleBar')}]//h1"
    crumbs = f"//*[{has_class('breadcrumb')}]//a[{has_class('crumb')}]"
    pagination = f"//*[{has_class('PageNav')}]"
    board_rows = f"//li[{has_class('discussionListItem')}]"
    thread_id_patterns = board_id_patterns = (ROUTE_ID,)
    board_link = (
        f".//h3[{has_class('title')}]//a[not({has_class('prefixLink')})][not({has_class('unreadLink')})]"
    )
    board_replies = f".//*[{has_class('stats')}]//*[{has_class('major')}]//dd"
    board_last_date = f".//*[{has_class('lastPost')}]//*[{has_class('DateTime')}]"
    board_title = title
    subboards = f"//*[{has_class('nodeList')}]//*[{has_class('nodeTitle')}]//a"

    def detect(self, doc: Document, confirm: bool = False) -> list[str]:
        return super().detect(doc, confirm) if doc.first(self.signs[0][0]) is not None else []

    def page_kind(self, page: MarkupReader) -> str | None:
        doc = page.doc
        content = doc.first("//div[@id='content']/@class") or ""
        if (
            "thread_view" in content
            or doc.first(f"//ol[@id='messageList']//li[{has_class('message')}]") is not None
        ):
            return PAGE_THREAD
        if "forum_view" in content or doc.first(self.board_rows) is not None:
            return PAGE_BOARD
        if "forum_list" in content or doc.first(self.subboards) is not None:
            return PAGE_INDEX
        return None

    # ------------------------------------------------------------------ pages
    def thread_url(self, page: MarkupReader) -> str:
        return _PAGE.sub("", (page.doc.canonical or page.url).split("#")[0])

    def thread_title(self, page: MarkupReader) -> str | None:
        return text_of(page.doc.first(self.title))

    def board_link_of(self, page: MarkupReader) -> tuple[str | None, str | None]:
        crumbs = page.doc.xpath(self.crumbs)
        if len(crumbs) < 2:  # the first crumb is the forum's home
            return None, None
        return absolute(page.base, crumbs[-1].get("href")), text_of(crumbs[-1])

    def board_url(self, page: MarkupReader) -> str:
        return _PAGE.sub("", page.doc.canonical or page.url)

    def next_url(self, page: MarkupReader) -> tuple[str | None, int | None]:
        """The link to ``page + 1`` in a PageNav (its "Next >" text is translated)."""
        nav = page.doc.first(self.pagination)
        current = parse_count(nav.get("data-page")) if nav is not None else None
        if nav is None or not current:
            return None, current
        last = parse_count(nav.get("data-last")) or 0
        if current >= last:
            return None, current
        for a in select(nav, ".//a[@href]"):
            m = re.search(r"page-(\d+)", a.get("href"))
            if m and int(m.group(1)) == current + 1:
                return absolute(page.base, a.get("href")), current
        template = nav.get("data-baseurl")
        sentinel = nav.get("data-sentinel") or "{{sentinel}}"
        return (
            absolute(page.base, template.replace(sentinel, str(current + 1))) if template else None
        ), current

    def page_count(self, page: MarkupReader, current: int | None) -> int | None:
        nav = page.doc.first(self.pagination)
        if nav is None:
            return 1
        return parse_count(nav.get("data-last")) or parse_count(nav.get("data-page")) or 1

    # ------------------------------------------------------------------ posts
    def author(self, page: MarkupReader, post: HtmlElement) -> UserItem | None:
        name_link = page.first(post, self.author_link)
        name = post.get("data-author") or text_of(name_link)
        if not name:
            return None
        joined, messages = read_facts(page.select(post, self.user_facts))
        profile = absolute(page.base, name_link.get("href")) if name_link is not None else None
        return page.new_user(
            name,
            user_id=route_id(profile),
            profile_url=profile,
            title=text_of(page.first(post, self.user_title)),
            joined=DateField(raw=joined),
            message_count=messages,
        )

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        has_info = page.first(post, self.info) is not None
        return _datetime(page.first(post, self.date if has_info else self.date_fallback))

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        return _datetime(page.first(post, self.edited))

    def position_of(self, page: MarkupReader, post: HtmlElement) -> int | None:
        found = _POSITION.search(text_of(page.first(post, self.position)) or "")
        return parse_count(found.group(1)) if found else None

    def post_url(self, page: MarkupReader, post: HtmlElement, post_id: str) -> str:
        href = page.first(post, self.permalink) or page.first(post, self.permalink_fallback)
        return absolute(page.base, href) or f"{page.url.split('#')[0]}#post-{post_id}"

    def reaction_count(self, page: MarkupReader, post: HtmlElement) -> int | None:
        like_text = page.first(post, self.reactions)
        if like_text is None:
            return None
        names = len(select(like_text, f".//a[{has_class('username')}]"))
        others = re.search(r"(\d[\d,.]*)\s+(?:others|andere|autres|altri)", text_of(like_text) or "")
        return names + (parse_count(others.group(1)) if others else 0)

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        return _datetime(page.first(row, self.board_last_date))
