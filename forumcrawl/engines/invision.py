"""Invision Community (IP.Board) 4: ``article.ipsComment`` posts with ``<time datetime>``.

Markup read from ``fixtures/ipb4`` (utorrent, neowin). Quotes are
``blockquote.ipsQuote`` whose ``data-ipsquote-*`` attributes name the quoted member,
their id and the quoted comment; the "X said:" citation is chrome. Every post date is
machine-readable, so dateparser never runs on a post date here.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from parsel import Selector

from ..extract.text import Attribution, QuoteRule
from .base import clean, has_class
from .markup import MarkupEngine


def _attribution(el: HtmlElement) -> Attribution:
    author = el.get("data-ipsquote-username")
    if not author:
        citation = el.xpath(f".//div[{has_class('ipsQuote_citation')}]//text()")
        text = clean(" ".join(citation)) or ""
        author = re.sub(r"\s*(said|a dit|schrieb|ha detto|dijo)\s*:?\s*$", "", text, flags=re.I) or None
        author = None if author and author.lower() in {"quote", "zitat", "citation"} else author
    return Attribution(author=author, user_id=el.get("data-ipsquote-userid"),
                       post_id=el.get("data-ipsquote-contentcommentid"))


class Invision(MarkupEngine):
    name = "invision"
    quote_rule = QuoteRule(
        xpath=f".//blockquote[{has_class('ipsQuote')}]",
        content=f"./div[{has_class('ipsQuote_contents')}]",
        chrome=f"./div[{has_class('ipsQuote_citation')}]",
        attribution=_attribution,
    )
    body_chrome = f".//*[{has_class('ipsItemControls')} or {has_class('ipsReact')}]"
    posts = f"//article[starts-with(@id,'elComment_')][{has_class('ipsComment')} or {has_class('cPost')}]"
    body = (f".//div[@data-role='commentContent'] | .//div[{has_class('cPost_contentWrap')}]"
            f"/div[{has_class('ipsType_richText')}]")
    author_link = (f".//aside//*[{has_class('cAuthorPane_author')}]//a[contains(@href,'/profile/')]"
                   f" | .//*[{has_class('cAuthorPane_author')}]//a[contains(@href,'/profile/')]")
    author_name = f"(.//aside//*[{has_class('cAuthorPane_author')}]/strong)[1]"
    user_title = f".//aside//ul[{has_class('cAuthorPane_info')}]/li[{has_class('ipsType_break')}][1]"
    user_facts = (f".//aside//ul[{has_class('cAuthorPane_info')}]/li[{has_class('ipsType_light')}]"
                  f" | .//aside//ul[{has_class('cAuthorPane_info')}]/li[@data-role='stats']")
    date = f".//div[{has_class('ipsComment_meta')}]//time"
    signature = f".//div[@data-role='memberSignature'] | .//div[{has_class('cSignature')}]"
    permalink = f".//div[{has_class('ipsComment_meta')}]//a[time]/@href"
    title = f"//h1[{has_class('ipsType_pageTitle')}] | //h1"
    crumbs = "//nav[contains(@class,'ipsBreadcrumb')]//a[contains(@href,'/forum/')] | //*[@data-role='breadcrumbList']//a"
    pagination = f"//ul[{has_class('ipsPagination')}]"
    thread_id_patterns = (r"/topic/(\d+)", r"[?&]showtopic=(\d+)", r"/topic/(\d+)-")
    board_id_patterns = (r"/forum/(\d+)", r"[?&]showforum=(\d+)")
    board_rows = f"//li[{has_class('ipsDataItem')}][@data-rowid]"
    board_link = f".//*[{has_class('ipsDataItem_title')}]//a[contains(@href,'/topic/')]"
    board_replies = f".//ul[{has_class('ipsDataItem_stats')}]/li[1]"
    board_last_date = f".//ul[{has_class('ipsDataItem_lastPoster')}]//time"
    subboards = f"//h4[{has_class('ipsDataItem_title')}]/a[contains(@href,'/forum/')]"

    def detect(self, sel: Selector) -> list[str]:
        evidence = []
        if sel.xpath("//script[contains(., 'ips.setString') or contains(., 'ipsDebug')] | //body[@data-pageapp]"):
            evidence.append("ips.* scripts / body[data-pageapp]")
        if sel.xpath(self.posts):
            evidence.append("article.ipsComment#elComment_N")
        if sel.xpath("//a[contains(@href,'invisioncommunity.com') or contains(@href,'invisionpower.com')]"):
            evidence.append("'Powered by Invision Community' link")
        if sel.xpath("//*[contains(@class,'ipsLayout_container') or contains(@class,'ipsApp')]"):
            evidence.append("ipsLayout/ipsApp classes")
        return evidence if len(evidence) >= 2 else []
