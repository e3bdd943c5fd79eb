"""vBulletin 4: ``li.postcontainer`` posts, bodies in ``blockquote.postcontent``.

Markup read from ``fixtures/vbulletin4`` (militarytimes 4.2.3, msworld and
worldofplayers 4.2.2, drwindows and pocketpc 4.2.5 with the "postbitim" style, several
behind vBSEO URLs). The trap: the post body *is* a blockquote, so quotes are only the
``div.bbcode_container`` blocks holding a ``div.bbcode_quote``. Dates are text only
("04-06-2019, 09:29 PM", "08.11.2009, 11:49", "Heute, 08:12") in the board's own
format and language. A skin may print a post twice; posts are de-duplicated by id.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.reading.engines.markup import MarkupEngine
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import text_of
from forumcrawl.reading.query import has_class, select, select_first
from forumcrawl.reading.vocabulary import post_id_in

_USER_LINK = re.compile(r"member\.php\?(?:u=)?(\d+)|/members?/(\d+)")

THREAD_IDS = (
    r"showthread\.php\?(?:t=)?(\d+)",
    r"showthread\.php/(\d+)",
    r"/threads/(\d+)",
    r"/(\d+)-[^/]*?(?:-\d+)?\.html",
    r"/forum/[^?#]*/(\d+)-[^/?#]*",
)
BOARD_IDS = (
    r"forumdisplay\.php\?(?:f=)?(\d+)",
    r"forumdisplay\.php/(\d+)",
    r"/forums/(\d+)",
    r"/forum/(\d+)-",
)


def bbcode_attribution(el: HtmlElement) -> Attribution:
    """``div.bbcode_postedby``: "Originally Posted by <strong>NAME</strong> <a href=...p=ID>"."""
    by = select_first(el, ".//div[contains(@class,'bbcode_postedby')]")
    if by is None:
        return Attribution()
    post = None
    for href in select(by, ".//a/@href"):
        post = post_id_in(href, "vbulletin") or post
    return Attribution(author=text_of(select(by, ".//strong//text()")), post_id=post)


BBCODE_QUOTES = QuoteRule(
    xpath=f".//div[{has_class('bbcode_container')}][.//div[{has_class('bbcode_quote')}]]",
    content=f".//div[{has_class('quote_container')}]",
    chrome=(f".//div[{has_class('bbcode_postedby')}] | .//div[{has_class('bbcode_quote_container')}]"),
    attribution=bbcode_attribution,
)


def generator_sign(major: str) -> tuple[str, str]:
    """The sign of a vBulletin major version: its ``<meta name=generator>``."""
    return (
        f"//meta[@name='generator'][starts-with(@content, 'vBulletin {major}')]/@content",
        "meta generator {!r}",
    )


class VBulletin4(MarkupEngine):
    name = "vbulletin4"
    signs = (
        generator_sign("4"),
        (
            f"//li[{has_class('postcontainer')} or {has_class('postbitlegacy')}][starts-with(@id,'post_')]",
            "li.postcontainer#post_N",
        ),
        (
            "//script[contains(., 'SIMPLEVERSION')] | //link[contains(@href,'clientscript/vbulletin')]",
            "vBulletin clientscript",
        ),
    )
    quote_rule = BBCODE_QUOTES
    posts = f"//li[{has_class('postcontainer')} or {has_class('postbitlegacy')}][starts-with(@id,'post_')]"
    body = ".//div[starts-with(@id,'post_message_')]"
    author_link = f".//a[{has_class('username')}]"
    author_name = f".//*[{has_class('username')}]"
    user_title = f".//span[{has_class('usertitle')}]"
    user_facts = f".//dl[{has_class('userstats')}] | .//dl[{has_class('userinfo_extra')}]"
    # The "postbitim" style (pocketpc) moves the date into the user card's first <dd>.
    date = (
        f".//span[{has_class('postdate')}]/span[{has_class('date')}]"
        f" | .//dl[{has_class('userstats')}]/dd[not(*)][contains(., ':')]"
        "[translate(substring(normalize-space(.), 1, 1), '0123456789', '') = '']"
    )
    body_chrome = f".//div[{has_class('tapatalkSignatur')}]"
    signature = f".//blockquote[{has_class('signature')}] | .//div[{has_class('signaturecontainer')}]"
    permalink = f".//a[{has_class('postcounter')}]/@href"
    position = f".//a[{has_class('postcounter')}]"
    # "Thread: <span class=threadtitle>…": the title without its label
    title = (f"//span[{has_class('threadtitle')}]", "//div[@id='pagetitle']//h1", "//h1")
    crumbs = f"//*[@id='breadcrumb']//li[{has_class('navbit')}]/a"
    # the page list above the posts (the default style's is a page-jump <form> in it,
    # "forum-pagination" on some), else a <div class="pagination">
    pagination = f"//div[{has_class('pagination_top')}] | //div[{has_class('pagination')}]"
    thread_id_patterns = THREAD_IDS
    board_id_patterns = BOARD_IDS
    board_rows = f"//li[{has_class('threadbit')}]"
    board_link = f".//a[{has_class('title')}]"
    board_replies = f".//ul[{has_class('threadstats')}]/li[1]"
    board_last_date = f".//dl[{has_class('threadlastpost')}]/dd[last()]"
    # "Forum: <span class=forumtitle>Air Force</span>": the name without its label
    board_title = (
        f"//div[@id='pagetitle']/h1/span[{has_class('forumtitle')}]"
        f" | //div[@id='pagetitle'][not(h1/span[{has_class('forumtitle')}])]/h1"
    )
    subboards = f"//h2[{has_class('forumtitle')}]/a"

    def user_id(self, profile: str | None) -> str | None:
        m = _USER_LINK.search(profile or "")
        return m.group(1) or m.group(2) if m else super().user_id(profile)
