"""phpBB 3 (prosilver and themes built on it): ``div.post`` with ``dl.postprofile``.

Markup read from ``fixtures/phpbb3`` (openoffice 3.0, ilovephilosophy 3.0, myoos 3.2
in German, airliners.net's custom theme where the post id sits on an
``a.st-anchor`` and the date alone fills ``p.author``). phpBB 3.0/3.1 print the post
date only as text after "»" in ``p.author``; 3.2+ add ``<time datetime>``. Quotes are
``<blockquote>`` with a ``<cite>`` "NAME wrote:" (3.2+ add the user and post links).
Session ids (``sid=``) are stripped from every URL.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement
from parsel import Selector

from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.items import DateField
from forumcrawl.reading.engines.base import clean, first, has_class, text_of
from forumcrawl.reading.engines.markup import MarkupEngine, date_of

_WROTE = re.compile(r"\s*(wrote|schrieb|hat geschrieben|a écrit|ha scritto|escribió|schreef"
                    r"|napisał|написал)\s*:?\s*$", re.I)
_POST_IN_HREF = re.compile(r"[?&#]p=?(\d+)|#p(\d+)")


def cite_attribution(el: HtmlElement) -> Attribution:
    """``<cite>NAME wrote:</cite>`` (3.0) or ``<cite><a>NAME</a> wrote: <a href=#p1>↑</a>``."""
    cite = el.xpath("./cite | ./div/cite")
    if not cite:
        return Attribution()
    cite = cite[0]
    user_link = cite.xpath(".//a[contains(@href,'mode=viewprofile')]")
    if user_link:
        author = clean(user_link[0].text_content())
        user = re.search(r"[?&]u=(\d+)", user_link[0].get("href", ""))
    else:
        author = clean(_WROTE.sub("", cite.xpath("string(./text()[1])") or cite.text_content()))
        user = None
    post = None
    for href in cite.xpath(".//a/@href"):
        m = _POST_IN_HREF.search(href)
        if m and "viewprofile" not in href:
            post = m.group(1) or m.group(2)
    return Attribution(author=author or None, user_id=user.group(1) if user else None, post_id=post)


PROFILE = ".//dl[{}]".format(has_class("postprofile"))


class PhpBB3(MarkupEngine):
    name = "phpbb3"
    quote_rule = QuoteRule(xpath=".//blockquote", chrome="./cite | ./div/cite",
                           attribution=cite_attribution)
    posts = f"//div[{has_class('post')}][.//div[{has_class('postbody')}]]"
    post_id_from = f"@id | .//a[{has_class('st-anchor')}]/@id | .//*[starts-with(@id,'post_content')]/@id"
    body = f".//div[{has_class('content')}]"
    author_link = (f".//p[{has_class('author')}]//a[contains(@href,'mode=viewprofile')][normalize-space()]"
                   f" | {PROFILE}/dt//a[contains(@href,'mode=viewprofile')][normalize-space()]")
    author_name = (f"{PROFILE}/dt//*[{has_class('username')} or {has_class('username-coloured')}]"
                   f" | .//p[{has_class('author')}]//strong")
    user_title = (f"{PROFILE}//*[{has_class('profile-rank')}]"
                  f" | {PROFILE}/dd[not(strong) and not(@class)][string-length(normalize-space(translate(., '\u00a0', ' '))) > 0][1]")
    user_facts = f"{PROFILE}/dd"
    signature = f".//div[{has_class('signature')}]"
    permalink = f".//p[{has_class('author')}]/a[contains(@href,'#p')]/@href"
    title = f"//h2[{has_class('topic-title')}] | //div[@id='page-body']/h2 | //h2[a[contains(@href,'viewtopic')]]"
    crumbs = ("//*[@id='nav-breadcrumbs' or " + has_class("navlinks") + " or " + has_class("breadcrumbs")
              + "]//a[contains(@href,'viewforum')]")
    # 3.1+ give each board row its own ``div.pagination`` (the topic's pages): not ours.
    pagination = f"//div[{has_class('pagination')}][not(ancestor::li[{has_class('row')}])]"
    thread_id_patterns = (r"[?&]t=(\d+)", r"-t(\d+)(?:-\d+)?\.html")
    board_id_patterns = (r"[?&]f=(\d+)", r"-f(\d+)(?:-\d+)?\.html")
    board_rows = f"//ul[{has_class('topiclist')} and {has_class('topics')}]/li[{has_class('row')}]"
    board_link = f".//a[{has_class('topictitle')}]"
    board_replies = f".//dd[{has_class('posts')}]"
    board_last_date = f".//dd[{has_class('lastpost')}]//time"
    board_title = f"//h2[{has_class('forum-title')}] | //div[@id='page-body']/h2"
    subboards = f"//a[{has_class('forumtitle')}]"

    def detect(self, sel: Selector) -> list[str]:
        evidence = []
        if sel.xpath("//body[@id='phpbb']"):
            evidence.append("body#phpbb")
        if sel.xpath("//a[contains(@href,'phpbb.com')][contains(., 'phpBB')]"):
            evidence.append("'Powered by phpBB' link")
        if sel.xpath(f"//dl[{has_class('postprofile')}]"):
            evidence.append("dl.postprofile")
        if sel.xpath("//a[contains(@href,'viewtopic.php')] | //a[contains(@href,'viewforum.php')]"):
            evidence.append("viewtopic.php/viewforum.php links")
        return evidence if len(evidence) >= 2 else []

    def board_last_post(self, row: Selector) -> DateField:
        """3.2+ print the last-post time as ``<time>``; 3.0/3.1 as text after the last ``<br>``."""
        shown = super().board_last_post(row)
        if shown.raw or shown.machine:
            return shown
        texts = [t for t in map(clean, row.xpath(f".//dd[{has_class('lastpost')}]/span/text()").getall()) if t]
        return DateField(raw=texts[-1] if texts else None)

    def posted(self, post: Selector) -> DateField:
        """3.2+: ``<time datetime>``; before that, the text after "»" in ``p.author``."""
        author_line = first(post.xpath(f".//p[{has_class('author')}]"))
        if author_line is None:
            return DateField()
        if author_line.xpath(".//time[@datetime]"):
            return date_of(author_line)
        text = text_of(author_line) or ""
        if "»" in text:
            text = text.rsplit("»", 1)[1]
        return DateField(raw=clean(text))
