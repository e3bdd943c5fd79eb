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
from parsel import Selector

from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.items import BoardItem, DateField, PostItem, ThreadItem, UserItem
from forumcrawl.reading.engines.base import (
    PAGE_BOARD,
    PAGE_INDEX,
    PAGE_THREAD,
    BoardPage,
    Engine,
    ThreadLink,
    ThreadPage,
    absolute,
    base_url,
    clean,
    first,
    has_class,
    node_links,
    parse_count,
    text_of,
    unique_posts,
)
from forumcrawl.reading.engines.userinfo import read_facts
from forumcrawl.reading.engines.xenforo2 import route_id

_GOTO_POST = re.compile(r"(?:goto/post\?id=|posts/|post-)(\d+)")
_POSITION = re.compile(r"#\s*([\d.,]+)")
_PAGE = re.compile(r"page-\d+/?$")


def _quote_attribution(el: HtmlElement) -> Attribution:
    href = el.xpath(".//a[contains(@class,'AttributionLink')]/@href")
    post = _GOTO_POST.search(href[0]) if href else None
    return Attribution(author=el.get("data-author"), post_id=post.group(1) if post else None)


def _datetime(sel: Selector | None) -> DateField:
    if sel is None:
        return DateField()
    if sel.attrib.get("data-time"):
        raw = " ".join(filter(None, [sel.attrib.get("data-datestring"),
                                     sel.attrib.get("data-timestring")])) or text_of(sel)
        return DateField(raw=clean(raw), machine=sel.attrib["data-time"])
    return DateField(raw=clean(sel.attrib.get("title") or text_of(sel)))


class XenForo1(Engine):
    name = "xenforo1"
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

    def detect(self, sel: Selector) -> list[str]:
        if not sel.xpath("/html[@id='XenForo']"):
            return []
        evidence = ["html#XenForo"]
        kind = sel.xpath("//div[@id='content']/@class").get()
        if kind:
            evidence.append(f"div#content.{kind.split()[0]}")
        return evidence

    def page_kind(self, sel: Selector, url: str) -> str | None:
        content = sel.xpath("//div[@id='content']/@class").get() or ""
        if "thread_view" in content or sel.css("ol#messageList li.message"):
            return PAGE_THREAD
        if "forum_view" in content or sel.css("li.discussionListItem"):
            return PAGE_BOARD
        if "forum_list" in content or sel.css(".nodeList .nodeTitle a"):
            return PAGE_INDEX
        return None

    def parse_thread(self, sel: Selector, url: str) -> ThreadPage:
        base = base_url(sel, url)
        canonical = absolute(base, sel.css("link[rel=canonical]::attr(href)").get())
        thread_url = _PAGE.sub("", (canonical or url).split("#")[0])
        thread_id = route_id(thread_url) or thread_url
        crumbs = sel.css(".breadcrumb a.crumb")
        board_sel = crumbs[-1] if len(crumbs) > 1 else None
        board_url = absolute(base, board_sel.attrib.get("href")) if board_sel else None
        nav = first(sel.css(".PageNav"))
        page_number = parse_count(nav.attrib.get("data-page")) if nav else None
        last_page = parse_count(nav.attrib.get("data-last")) if nav else None
        thread = ThreadItem(
            site_id="",
            thread_id=thread_id,
            title=text_of(first(sel.css(".titleBar h1"))),
            url=thread_url,
            board_id=route_id(board_url) or board_url,
            board_title=text_of(board_sel),
            board_url=board_url,
            page_count=last_page or page_number or 1,
        )
        posts = unique_posts(self._post(post, base, url, thread_id) for post in
                             sel.css("ol#messageList > li.message, #messageList li.message[id^=post-]"))
        return ThreadPage(thread=thread, posts=posts, page_number=page_number or 1,
                          next_url=_next(nav, base, page_number),
                          language=sel.xpath("/html/@lang").get())

    def _post(self, post: Selector, base: str, page_url: str, thread_id: str) -> PostItem | None:
        m = re.search(r"(\d+)", post.attrib.get("id") or "")
        if not m:
            return None
        post_id = m.group(1)
        name_link = first(post.css(".messageUserInfo a.username"))
        name = post.attrib.get("data-author") or text_of(name_link)
        author = None
        if name:
            joined, messages = read_facts(post.css(".extraUserInfo dl"))
            profile = absolute(base, name_link.attrib.get("href")) if name_link is not None else None
            author = UserItem(site_id="", name=name, user_id=route_id(profile),
                              profile_url=profile,
                              title=text_of(first(post.css(".messageUserInfo .userTitle"))),
                              joined=DateField(raw=joined), message_count=messages)
        info = first(post.css(".messageInfo")) or post
        outside_body = "[not(ancestor::*[contains(@class,'messageContent')])]"
        stamp = first(info.xpath(f".//*[{has_class('DateTime')}]{outside_body}"))
        number = first(post.css("a.postNumber, .postNumber"))
        position = None
        if number is not None:
            pos = _POSITION.search(text_of(number) or "")
            position = parse_count(pos.group(1)) if pos else None
        permalink = absolute(base, (number.attrib.get("href") if number is not None else None)
                             or post.css("a.datePermalink::attr(href)").get())
        body_sel = first(post.css("blockquote.messageText"))
        if body_sel is None:
            return None
        body = split_body(body_sel.root, self.quote_rule, self.body_chrome, base)
        return PostItem(
            site_id="",
            thread_id=thread_id,
            post_id=post_id,
            url=permalink or f"{page_url.split('#')[0]}#post-{post_id}",
            page_url=page_url,
            author=author,
            posted=_datetime(stamp),
            body_html=body.html,
            body_text=body.text,
            position=position,
            edited=_datetime(first(post.css(".editDate .DateTime"))),
            signature_text=text_of(first(post.css(".signature"))),
            reaction_count=_likes(first(post.css(".LikeText"))),
            quotes=body.quotes,
            links=body.links,
        )

    def parse_board(self, sel: Selector, url: str) -> BoardPage:
        base = base_url(sel, url)
        threads = []
        for row in sel.css("li.discussionListItem"):
            # the title link: not a thread prefix ("a.prefixLink", first when present)
            # nor the "a.unreadLink" jump after it
            link = first(row.css("h3.title a:not(.prefixLink):not(.unreadLink)"))
            href = absolute(base, link.attrib.get("href")) if link is not None else None
            if not href:
                continue
            threads.append(ThreadLink(
                url=href, thread_id=route_id(href), title=text_of(link),
                reply_count=parse_count(text_of(first(row.css(".stats .major dd")))),
                last_post=_datetime(first(row.css(".lastPost .DateTime"))),
            ))
        boards = node_links(sel.css(".nodeList .nodeTitle a"), base, route_id)
        nav = first(sel.css(".PageNav"))
        page_number = parse_count(nav.attrib.get("data-page")) if nav else None
        board = None
        if threads:
            canonical = absolute(base, sel.css("link[rel=canonical]::attr(href)").get()) or url
            board_url = _PAGE.sub("", canonical)
            board = BoardItem(site_id="", board_id=route_id(board_url) or board_url,
                              title=text_of(first(sel.css(".titleBar h1"))), url=board_url)
        return BoardPage(board=board, threads=threads, boards=boards,
                         page_number=page_number or 1, next_url=_next(nav, base, page_number),
                         language=sel.xpath("/html/@lang").get())


def _next(nav: Selector | None, base: str, page: int | None) -> str | None:
    """The link to ``page + 1`` in a PageNav (its "Next >" text is translated)."""
    if nav is None or not page:
        return None
    last = parse_count(nav.attrib.get("data-last")) or 0
    if page >= last:
        return None
    for link in nav.css("a[href]"):
        href = link.attrib["href"]
        m = re.search(r"page-(\d+)", href)
        if m and int(m.group(1)) == page + 1:
            return absolute(base, href)
    template = nav.attrib.get("data-baseurl")
    sentinel = nav.attrib.get("data-sentinel") or "{{sentinel}}"
    return absolute(base, template.replace(sentinel, str(page + 1))) if template else None


def _likes(like_text: Selector | None) -> int | None:
    if like_text is None:
        return None
    names = len(like_text.css("a.username"))
    others = re.search(r"(\d[\d,.]*)\s+(?:others|andere|autres|altri)", text_of(like_text) or "")
    return names + (parse_count(others.group(1)) if others else 0)
