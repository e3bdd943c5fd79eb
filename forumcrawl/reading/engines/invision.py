"""Invision Community (IP.Board) 4 and 5: ``article#elComment_N`` posts with ``<time datetime>``.

Markup read from ``fixtures/ipb4`` (utorrent, neowin) and ``fixtures/ipb5`` (written from
the 5.x ``forums/front/topics`` templates: ``article.ipsEntry`` with an
``aside.ipsEntry__author-column`` and ``a.ipsEntry__date``). Quotes are
``blockquote.ipsQuote`` whose ``data-ipsquote-*`` attributes name the quoted member,
their id and the quoted comment; the "X said:" citation is chrome, and so is the
"Edited DATE by NAME" line printed inside the post's content. Every post date is
machine-readable, so dateparser never runs on a post date here.

Traps: sidebar widgets render recent comments with the same ``ipsEntry`` classes (5.x)
and the same ``li.ipsDataItem[data-rowid]`` rows as a topic list (4.x "Mini Spy" on
neowin); only ``article#elComment_N`` is a post and only a table's ``tableRows`` list
is a board's topic list.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from forumcrawl.reading.engines.markup import MarkupEngine
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import text_of
from forumcrawl.reading.query import has_class, select
from forumcrawl.reading.vocabulary import quoted_name


def _attribution(el: HtmlElement) -> Attribution:
    author = el.get("data-ipsquote-username")
    if not author:
        author = quoted_name(text_of(select(el, f".//div[{has_class('ipsQuote_citation')}]//text()")))
    return Attribution(
        author=author,
        user_id=el.get("data-ipsquote-userid"),
        post_id=el.get("data-ipsquote-contentcommentid"),
    )


class Invision(MarkupEngine):
    name = "invision"
    signs = (
        (
            "//script[contains(., 'ips.setString') or contains(., 'ipsDebug')] | //body[@data-pageapp]",
            "ips.* scripts / body[data-pageapp]",
        ),
        (
            f"//article[starts-with(@id,'elComment_')][{has_class('ipsComment')} or {has_class('cPost')}"
            f" or {has_class('ipsEntry')}]",
            "article#elComment_N (ipsComment / ipsEntry)",
        ),
        (
            "//a[contains(@href,'invisioncommunity.com') or contains(@href,'invisionpower.com')]",
            "'Powered by Invision Community' link",
        ),
        (
            "//*[contains(@class,'ipsLayout_container') or contains(@class,'ipsApp')"
            " or contains(@class,'ipsLayout__main')]",
            "ipsLayout/ipsApp classes",
        ),
    )
    quote_rule = QuoteRule(
        xpath=f".//blockquote[{has_class('ipsQuote')}]",
        content=f"./div[{has_class('ipsQuote_contents')}]",
        chrome=f"./div[{has_class('ipsQuote_citation')}]",
        attribution=_attribution,
    )
    # the edit line is printed inside the content: 4.x commentEditLine() as
    # ``span[data-excludequote] > strong > time``, 5.x as ``p.ipsEdited[data-el=edited]``
    edit_line = (
        f".//*[@data-el='edited' or {has_class('ipsEdited')}] | .//span[@data-excludequote][strong/time]"
    )
    body_chrome = f".//*[{has_class('ipsItemControls')} or {has_class('ipsReact')}] | {edit_line}"
    edited = f"({edit_line})//time"
    posts = (
        f"//article[starts-with(@id,'elComment_')]"
        f"[{has_class('ipsComment')} or {has_class('cPost')} or {has_class('ipsEntry')}]"
    )
    body = (
        f".//div[@data-role='commentContent'] | .//div[{has_class('cPost_contentWrap')}]"
        f"/div[{has_class('ipsType_richText')}]"
    )
    author_link = (
        f".//aside//*[{has_class('cAuthorPane_author')}]//a[contains(@href,'/profile/')]"
        f" | .//*[{has_class('cAuthorPane_author')}]//a[contains(@href,'/profile/')]"
        f" | .//h3[{has_class('ipsEntry__username')}]//a[contains(@href,'/profile/')]"
    )
    author_name = (
        f"(.//aside//*[{has_class('cAuthorPane_author')}]/strong"
        f" | .//h3[{has_class('ipsEntry__username')}])[1]"
    )
    user_title = (
        f".//aside//ul[{has_class('cAuthorPane_info')}]/li[{has_class('ipsType_break')}][1]"
        f" | .//aside/div[{has_class('ipsEntry__group')}]"
    )
    user_facts = (
        f".//aside//ul[{has_class('cAuthorPane_info')}]/li[{has_class('ipsType_light')}]"
        f" | .//aside//ul[{has_class('cAuthorPane_info')}]/li[@data-role='stats']"
        f" | .//aside/ul[{has_class('ipsEntry__authorStats')}]/li"
    )
    date = (
        f".//div[{has_class('ipsComment_meta')}]//time"
        f" | .//div[{has_class('ipsEntry__meta')}]/*[{has_class('ipsEntry__date')}]//time"
    )
    signature = f".//div[@data-role='memberSignature'] | .//div[{has_class('cSignature')}]"
    permalink = (
        f".//div[{has_class('ipsComment_meta')}]//a[time]/@href"
        f" | .//div[{has_class('ipsEntry__meta')}]/a[{has_class('ipsEntry__date')}]/@href"
    )
    title = (
        f"//h1[{has_class('ipsType_pageTitle')}] | //div[{has_class('ipsPageHeader__title')}]/h1",
        "//h1",
    )
    crumbs = "//nav[contains(@class,'ipsBreadcrumb')]//a[contains(@href,'/forum/')] | //*[@data-role='breadcrumbList']//a"
    pagination = f"//ul[{has_class('ipsPagination')}]"
    thread_id_patterns = (r"/topic/(\d+)", r"[?&]showtopic=(\d+)", r"/topic/(\d+)-")
    board_id_patterns = (r"/forum/(\d+)", r"[?&]showforum=(\d+)")
    # IPS4 li.ipsDataItem, IPS5 li.ipsData__item (forums/front/forums/topicRow)
    board_rows = (
        f"//ol[@data-role='tableRows']/li[{has_class('ipsDataItem')} or {has_class('ipsData__item')}]"
        "[@data-rowid]"
    )
    board_link = (
        f".//*[{has_class('ipsDataItem_title')} or {has_class('ipsData__title')}]"
        "//a[contains(@href,'/topic/')]"
    )
    board_replies = (
        f".//ul[{has_class('ipsDataItem_stats')}]/li[1]"
        f" | .//ul[{has_class('ipsData__stats')}]/li[@data-stattype='forums_comments']"
        f"/span[{has_class('ipsData__stats-label')}]"
    )
    board_last_date = (
        f".//ul[{has_class('ipsDataItem_lastPoster')}]//time"
        f" | .//div[{has_class('ipsData__last-secondary')}]//time"
    )
    # many sites install under /forum/, so "/forum/" alone also matches topic links
    subboards = (
        f"//h4[{has_class('ipsDataItem_title')}]/a[contains(@href,'/forum/')][not(contains(@href,'/topic/'))]"
    )
