"""XenForo 2: ``<html id="XF">``, posts as ``article.message--post``.

Markup read from the saved pages in ``fixtures/xenforo2`` (xenforo.com, statcounter,
macrumors, computerbase, wordreference, katzen-forum, villagersandheroes). XenForo 2
writes every date as ``<time datetime=... data-time=...>``, so its pages never need
dateparser except for join dates in the user card, which are plain text.
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
from forumcrawl.reading.engines.classes import ClassIndex, descendant
from forumcrawl.reading.engines.userinfo import read_facts

_TRAILING_ID = re.compile(r"\.(\d+)/?(?:page-\d+)?/?(?:[?#].*)?$")
_POST_ID = re.compile(r"(\d+)")
_SOURCE_POST = re.compile(r"post:\s*(\d+)")
_SOURCE_MEMBER = re.compile(r"member:\s*(\d+)")
_GOTO_POST = re.compile(r"(?:goto/post\?id=|posts/|post-)(\d+)")
_POSITION = re.compile(r"#\s*([\d.,]+)")
_PAGE = re.compile(r"/page-(\d+)")


def route_id(url: str | None) -> str | None:
    """The numeric id XenForo puts after the slug: ``/threads/slug.345/`` -> ``345``."""
    if not url:
        return None
    m = _TRAILING_ID.search(url.split("#")[0])
    return m.group(1) if m else None


def _quote_attribution(el: HtmlElement) -> Attribution:
    source = el.get("data-source") or ""
    member = el.get("data-attributes") or ""
    post = _SOURCE_POST.search(source)
    user = _SOURCE_MEMBER.search(member)
    author = el.get("data-quote")
    if not post:
        href = el.xpath(".//*[contains(@class,'bbCodeBlock-sourceJump')]/@href")
        post = _GOTO_POST.search(href[0]) if href else None
    if not author:
        title = el.xpath(".//*[contains(@class,'bbCodeBlock-title')]//text()")
        text = clean(" ".join(title))
        if text:
            author = re.sub(r"\s*(said|hat gesagt|a dit|ha detto|dijo|zei)\W*$", "", text,
                            flags=re.I) or None
    return Attribution(
        author=author,
        user_id=user.group(1) if user else None,
        post_id=post.group(1) if post else None,
    )


def _time(sel: Selector | None) -> DateField:
    """A XenForo 2 ``<time>``: the ISO value for machines, the title as the reader's text."""
    if sel is None:
        return DateField()
    machine = sel.attrib.get("datetime") or sel.attrib.get("data-time")
    raw = sel.attrib.get("title") or text_of(sel)
    return DateField(raw=clean(raw), machine=machine)


class XenForo2(Engine):
    name = "xenforo2"
    quote_rule = QuoteRule(
        xpath=f".//*[{has_class('bbCodeBlock--quote')}]",
        content=f"./*[{has_class('bbCodeBlock-content')}]",
        chrome=f".//*[{has_class('bbCodeBlock-expandLink')} or {has_class('bbCodeBlock-title')}]",
        attribution=_quote_attribution,
    )
    body_chrome = (
        f".//*[{has_class('bbCodeBlock-expandLink')} or {has_class('js-selectToQuoteEnd')}"
        f" or {has_class('lbContainer-zoomer')} or {has_class('bbCodeSpoiler-button')}"
        f" or {has_class('bbMediaWrapper')} or {has_class('js-unfurl-favicon')}]"
    )

    def detect(self, sel: Selector) -> list[str]:
        if not sel.xpath("/html[@id='XF']"):
            return []
        evidence = ["html#XF"]
        if sel.xpath("/html/@data-template"):  # the same on every page kind: a site has one
            evidence.append("html[data-template]")
        if sel.xpath(f"//article[{has_class('message--post')}] | //div[{has_class('p-body-pageContent')}]"):
            evidence.append("XenForo 2 layout classes (.message--post / .p-body-pageContent)")
        return evidence

    def page_kind(self, sel: Selector, url: str) -> str | None:
        template = sel.xpath("/html/@data-template").get() or ""
        if template == "thread_view" or sel.css(".message--post"):
            return PAGE_THREAD
        if template in ("forum_view", "forum_view_type_discussion") or sel.css(
            ".js-threadList .structItem--thread"
        ):
            return PAGE_BOARD
        if template in ("forum_list", "category_view") or sel.css(".node-title a"):
            return PAGE_INDEX
        return None

    # ---------------------------------------------------------------- threads
    def parse_thread(self, sel: Selector, url: str) -> ThreadPage:
        base = base_url(sel, url)
        canonical = absolute(base, sel.css("link[rel=canonical]::attr(href)").get())
        thread_url = re.sub(r"/+$", "/", _PAGE.sub("/", (canonical or url).split("#")[0]))
        content_key = sel.xpath("/html/@data-content-key").get() or ""
        thread_id = content_key.split("-", 1)[1] if content_key.startswith("thread-") else None
        thread_id = thread_id or route_id(thread_url) or thread_url

        crumbs = sel.css(".p-breadcrumbs li a")
        board_sel = crumbs[-1] if crumbs else None
        board_url = absolute(base, board_sel.attrib.get("href")) if board_sel else None
        container = sel.xpath("/html/@data-container-key").get() or ""
        board_id = container.split("-", 1)[1] if container.startswith("node-") else route_id(board_url)

        title = text_of(first(sel.css("h1.p-title-value")))
        prefix = text_of(first(sel.css("h1.p-title-value .label, h1.p-title-value .labelLink")))
        if title and prefix and title.startswith(prefix):
            title = title[len(prefix):].strip() or title

        page_number = parse_count(text_of(first(sel.css(".pageNav-page--current")))) or 1
        last_page = max(
            [parse_count(t) or 0 for t in sel.css(".pageNav-main .pageNav-page a::text").getall()]
            or [page_number]
        )
        thread = ThreadItem(
            site_id="",  # stamped by normalize.page_items, which knows the site
            thread_id=thread_id,
            title=title,
            url=thread_url,
            board_id=board_id,
            board_title=text_of(board_sel),
            board_url=board_url,
            page_count=max(last_page, page_number),
        )
        posts = unique_posts(self._post(post, base, url, thread_id)
                             for post in sel.xpath(f"//*[{has_class('message--post')}]"))
        next_url = absolute(base, sel.css(".pageNav-jump--next::attr(href)").get())
        return ThreadPage(
            thread=thread,
            posts=posts,
            page_number=page_number,
            next_url=next_url,
            language=sel.xpath("/html/@lang").get(),
        )

    def _post(self, post: Selector, base: str, page_url: str, thread_id: str) -> PostItem | None:
        content = post.attrib.get("data-content") or post.attrib.get("id") or ""
        m = _POST_ID.search(content)
        if not m:
            return None
        post_id = m.group(1)

        parts = ClassIndex(post.root)
        name_link = parts.first("username", inside="message-name")
        name = post.attrib.get("data-author") or text_of(name_link)
        author = None
        if name:
            joined, messages = read_facts(
                [Selector(root=dl) for extras in parts.elements("message-userExtras")
                 for dl in extras.iterdescendants("dl")])
            user_id = (name_link.attrib.get("data-user-id") if name_link is not None else None) or next(
                (el.get("data-user-id") for avatar in parts.elements("message-avatar")
                 for el in avatar.iterdescendants() if el.get("data-user-id")), None)
            author = UserItem(
                site_id="",
                name=clean(name) or name,
                user_id=user_id,
                profile_url=absolute(base, name_link.attrib.get("href")) if name_link is not None else None,
                title=text_of(parts.first("message-userTitle")),
                joined=DateField(raw=joined),
                message_count=messages,
            )

        header = parts.first("message-attribution", tag="header")
        posted = DateField()
        if header is not None:
            posted = _time(descendant(parts.first("message-attribution-main", inside="message-attribution"),
                                      "time"))
        if not posted:
            posted = _time(first(post.css(".message-date time, time.u-dt")))
        permalink = None
        position = None
        if header is not None:
            for link in header.root.iter("a"):
                href = link.get("href") or ""
                if "post-" in href or "/posts/" in href:
                    permalink = absolute(base, href)
                    break
            opposite = parts.first("message-attribution-opposite", inside="message-attribution")
            pos = _POSITION.search(text_of(opposite) or "")
            position = parse_count(pos.group(1)) if pos else None
        if permalink is None:
            permalink = f"{page_url.split('#')[0]}#post-{post_id}"

        body_sel = parts.first("bbWrapper", inside="message-body") or parts.first("message-body")
        if body_sel is None:
            return None
        body = split_body(body_sel.root, self.quote_rule, self.body_chrome, base)

        signature = parts.first("message-signature")
        reactions = parts.first("reactionsBar", "likesBar")
        return PostItem(
            site_id="",
            thread_id=thread_id,
            post_id=post_id,
            url=permalink,
            page_url=page_url,
            author=author,
            posted=posted,
            body_html=body.html,
            body_text=body.text,
            position=position,
            edited=_time(descendant(parts.first("message-lastEdit"), "time")),
            signature_text=text_of(signature),
            reaction_count=_reaction_count(reactions),
            quotes=body.quotes,
            links=body.links,
        )

    # ---------------------------------------------------------------- boards
    def parse_board(self, sel: Selector, url: str) -> BoardPage:
        base = base_url(sel, url)
        main = first(sel.css(".p-body-pageContent")) or sel
        threads = []
        for row in main.xpath(
            f".//*[{has_class('structItem--thread')}]"
            f"[not(ancestor::*[@data-widget-key or @data-widget-definition])]"
        ):
            link = first(row.css(".structItem-title a[data-tp-primary]")) or (
                row.css(".structItem-title a:not(.labelLink)")[-1:] or [None]
            )[0]
            href = absolute(base, link.attrib.get("href")) if link is not None else None
            if not href:
                continue
            latest = first(row.css(".structItem-latestDate, .structItem-cell--latest time"))
            replies = first(row.css(".structItem-cell--meta dl dd"))
            threads.append(
                ThreadLink(
                    url=href,
                    thread_id=route_id(href),
                    title=text_of(link),
                    reply_count=parse_count(text_of(replies)),
                    last_post=_time(latest),
                )
            )
        boards = node_links(main.css(".node-title a"), base, route_id)
        container = sel.xpath("/html/@data-container-key").get() or ""
        board = None
        template = sel.xpath("/html/@data-template").get() or ""
        if template.startswith("forum_view") or threads:
            canonical = absolute(base, sel.css("link[rel=canonical]::attr(href)").get()) or url
            board_url = _PAGE.sub("/", canonical).rstrip("/") + "/"
            board = BoardItem(
                site_id="",
                board_id=container.split("-", 1)[1] if container.startswith("node-")
                else (route_id(board_url) or board_url),
                title=text_of(first(sel.css("h1.p-title-value"))),
                url=board_url,
            )
        return BoardPage(
            board=board,
            threads=threads,
            boards=boards,
            page_number=parse_count(text_of(first(sel.css(".pageNav-page--current")))) or 1,
            next_url=absolute(base, sel.css(".pageNav-jump--next::attr(href)").get()),
            language=sel.xpath("/html/@lang").get(),
        )


def _reaction_count(bar: Selector | None) -> int | None:
    """"A, B and 8 others" -> 10. XenForo lists up to three names, then a remainder."""
    if bar is None:
        return None
    link = first(bar.css("a"))
    if link is None:
        return 0
    names = len(link.css("bdi"))
    others = re.search(r"(\d[\d,.]*)\s+\w+\s*$", text_of(link) or "")
    extra = parse_count(others.group(1)) if others and names else 0
    return names + (extra or 0) if names else None
