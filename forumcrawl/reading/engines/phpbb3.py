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

from forumcrawl.items import DateField
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader, date_of
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import has_class, select, select_first
from forumcrawl.reading.vocabulary import post_id_in, quoted_name


def digits_after(param: str, href: str | None) -> str | None:
    """The number a query parameter carries: ``u`` in ``memberlist.php?mode=viewprofile&u=5``."""
    m = re.search(rf"[?&]{param}=(\d+)", href or "")
    return m.group(1) if m else None


def cite_attribution(el: HtmlElement) -> Attribution:
    """``<cite>NAME wrote:</cite>`` (3.0) or ``<cite><a>NAME</a> wrote: <a href=#p1>↑</a>``."""
    cite = select_first(el, "./cite | ./div/cite")
    if cite is None:
        return Attribution()
    user_link = select_first(cite, ".//a[contains(@href,'mode=viewprofile')]")
    if user_link is not None:
        author = clean(user_link.text_content())
        user = digits_after("u", user_link.get("href"))
    else:
        author = quoted_name(select_first(cite, "string(./text()[1])") or cite.text_content())
        user = None
    post = None
    for href in select(cite, ".//a/@href"):
        found = post_id_in(href, "phpbb")
        if found and "viewprofile" not in href:
            post = found
    return Attribution(author=author or None, user_id=user, post_id=post)


PROFILE = ".//dl[{}]".format(has_class("postprofile"))


class PhpBB3(MarkupEngine):
    name = "phpbb3"
    quote_rule = QuoteRule(xpath=".//blockquote", chrome="./cite | ./div/cite", attribution=cite_attribution)
    signs = (
        ("//body[@id='phpbb']", "body#phpbb"),
        ("//a[contains(@href,'phpbb.com')][contains(., 'phpBB')]", "'Powered by phpBB' link"),
        (f"//dl[{has_class('postprofile')}]", "dl.postprofile"),
        (
            "//a[contains(@href,'viewtopic.php')] | //a[contains(@href,'viewforum.php')]",
            "viewtopic.php/viewforum.php links",
        ),
    )
    posts = f"//div[{has_class('post')}][.//div[{has_class('postbody')}]]"
    post_id_from = f"@id | .//a[{has_class('st-anchor')}]/@id | .//*[starts-with(@id,'post_content')]/@id"
    body = f".//div[{has_class('content')}]"
    author_link = (
        f".//p[{has_class('author')}]//a[contains(@href,'mode=viewprofile')][normalize-space()]"
        f" | {PROFILE}/dt//a[contains(@href,'mode=viewprofile')][normalize-space()]"
    )
    author_name = (
        f"{PROFILE}/dt//*[{has_class('username')} or {has_class('username-coloured')}]"
        f" | .//p[{has_class('author')}]//strong"
    )
    user_title = (
        f"{PROFILE}//*[{has_class('profile-rank')}]"
        f" | {PROFILE}/dd[not(strong) and not(@class)][string-length(normalize-space(translate(., '\u00a0', ' '))) > 0][1]"
    )
    user_facts = f"{PROFILE}/dd"
    date = f".//p[{has_class('author')}]"
    signature = f".//div[{has_class('signature')}]"
    permalink = f".//p[{has_class('author')}]/a[contains(@href,'#p')]/@href"
    title = (
        f"//h2[{has_class('topic-title')}] | //div[@id='page-body']/h2 | //h2[a[contains(@href,'viewtopic')]]"
    )
    # board links inside the breadcrumbs: asked from the links, a quarter of the time of
    # asking every element of the page whether it is the breadcrumbs
    crumbs = (
        "//a[contains(@href,'viewforum')][ancestor::*[@id='nav-breadcrumbs' or "
        + has_class("navlinks")
        + " or "
        + has_class("breadcrumbs")
        + "]]"
    )
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

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        """3.2+ print the last-post time as ``<time>``; 3.0/3.1 as text after the last ``<br>``."""
        shown = super().board_last_post(page, row)
        if shown.raw or shown.machine:
            return shown
        texts = [t for t in map(clean, page.select(row, f".//dd[{has_class('lastpost')}]/span/text()")) if t]
        return DateField(raw=texts[-1] if texts else None)

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        """3.2+: ``<time datetime>``; before that, the text after "»" in ``p.author``."""
        author_line = page.first(post, self.date)
        if author_line is None:
            return DateField()
        if select_first(author_line, ".//time[@datetime]") is not None:
            return date_of(author_line)
        text = text_of(author_line) or ""
        if "»" in text:
            text = text.rsplit("»", 1)[1]
        return DateField(raw=clean(text))
