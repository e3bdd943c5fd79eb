"""MyBB 1.8: ``div.post`` (``id="post_N"``) with ``div.post_author`` and ``div.post_body``.

No page of the shared corpus is MyBB; the markup comes from MyBB 1.8's master
templates (``install/resources/mybb_theme.xml``: ``postbit``, ``postbit_classic``,
``postbit_author_user``, ``postbit_posturl``, ``postbit_editedby``, ``multipage``,
``nav``, ``mycode_quote_post``, ``forumdisplay_thread``), which every MyBB theme
inherits unless it overrides them. The two postbit layouts (horizontal ``div.post``
and ``div.post.classic``) share the inner class names.

Dates: MyBB prints "03-29-2022, 03:09 PM" (the admin's format), and for recent posts
``<span title="11-24-2026">Today</span>, 09:12 AM`` or ``<span title="11-24-2026, 09:12 AM">
2 hours ago</span>``: the title carries the absolute date. The "last modified" note
sits *inside* ``span.post_date``, so only the span's own text is the post date.
Trap: the breadcrumb carries a hidden pager for the *board* (``multipage_breadcrumb``,
also ``div.pagination``); thread paging must ignore it. Quotes are ``blockquote.mycode_quote`` whose ``cite`` holds "(date) NAME Wrote:" and a
``a.quick_jump`` back to the quoted post (``showthread.php?pid=N#pidN``).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.items import DateField
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import has_class, select, select_first
from forumcrawl.reading.vocabulary import BY_WORDS, post_id_in, quoted_name

_EDITED = re.compile(rf":\s*(.+?)\s+(?:{BY_WORDS})\s", re.I)


def quote_attribution(el: HtmlElement) -> Attribution:
    """``<cite><span> (date)</span>NAME Wrote: <a class="quick_jump" href="...pid=N"></a></cite>``;
    a plain [quote] has no name."""
    cite = select_first(el, "./cite")
    if cite is None:
        return Attribution()
    post = None
    for href in select(cite, ".//a/@href"):
        post = post_id_in(href, "mybb") or post
    return Attribution(author=quoted_name(" ".join(select(cite, "./text()"))), post_id=post)


AUTHOR = f".//div[{has_class('author_information')}]"


class MyBB(MarkupEngine):
    name = "mybb"
    signs = (
        ("//script[contains(@src,'jscripts/general.js')]", "jscripts/general.js"),
        ("//script[contains(., 'my_post_key')] | //input[@name='my_post_key']", "my_post_key"),
        ("//a[contains(@href,'mybb.com')][normalize-space()='MyBB']", "'Powered By MyBB' link"),
        (
            f"//div[{has_class('post')}][starts-with(@id,'post_')][.//div[{has_class('post_body')}]]"
            f" | //tr[{has_class('inline_row')}][.//span[starts-with(@id,'tid_')]]",
            "postbit / forumdisplay_thread markup",
        ),
    )
    quote_rule = QuoteRule(
        xpath=f".//blockquote[{has_class('mycode_quote')}]", chrome="./cite", attribution=quote_attribution
    )
    posts = f"//div[{has_class('post')}][starts-with(@id,'post_')][.//div[{has_class('post_body')}]]"
    body = f".//div[{has_class('post_body')}]"
    author_link = f"{AUTHOR}//span[{has_class('largetext')}]//a[@href]"
    author_name = f"{AUTHOR}//span[{has_class('largetext')}]"
    user_title = f"{AUTHOR}/span[{has_class('smalltext')}]"
    user_facts = f".//div[{has_class('author_statistics')}]/text()"
    date = f".//span[{has_class('post_date')}]"
    edited = f".//span[{has_class('edited_post')}]"
    signature = f".//div[{has_class('signature')}]"
    permalink = f".//div[{has_class('post_head')}]//a[contains(@href,'pid')]/@href"
    position = f".//div[{has_class('post_head')}]//a[contains(@href,'pid')]"
    title = (
        f"//div[{has_class('navigation')}]/span[{has_class('active')}] | //td[{has_class('thead')}]//strong"
    )
    crumbs = f"//div[{has_class('navigation')}]/a[position() > 1]"
    # The breadcrumb's pager popup (``div.pagination_breadcrumb``) pages the *board*.
    pagination = f"//div[{has_class('pagination')} and not({has_class('pagination_breadcrumb')})]"
    next_page = f"({pagination}//a[{has_class('pagination_next')}])[1]/@href"
    thread_id_patterns = (r"[?&]tid=(\d+)", r"Thread-[^?#]*?-(\d+)(?:\.html)?$")
    board_id_patterns = (r"[?&]fid=(\d+)", r"Forum-[^?#]*?-(\d+)(?:\.html)?$")
    board_rows = f"//tr[{has_class('inline_row')}][.//span[starts-with(@id,'tid_')]]"
    board_link = ".//span[starts-with(@id,'tid_')]/a"
    board_replies = ".//a[contains(@href,'whoposted')]"
    board_last_date = f".//span[{has_class('lastpost')}]"
    board_title = (
        f"//div[{has_class('navigation')}]/span[{has_class('active')}] | //td[{has_class('thead')}]//strong"
    )
    # forumbit_depth2_forum: ``<td><strong><a href=forumdisplay.php?fid=N>``; the column
    # headers (``td.tcat``) hold sort links to the same script.
    subboards = (
        f"//td[not({has_class('tcat')}) and not({has_class('thead')})]/strong"
        "/a[contains(@href,'forumdisplay.php') or starts-with(@href,'Forum-')]"
    )

    def user_id(self, profile: str | None) -> str | None:
        m = re.search(r"[?&]uid=(\d+)|User-[^?#]*?-(\d+)", profile or "")
        return next((g for g in m.groups() if g), None) if m else super().user_id(profile)

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        return _mybb_date(page.first(post, self.date))

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        m = _EDITED.search(text_of(page.first(post, self.edited)) or "")
        return DateField(raw=clean(m.group(1))) if m else DateField()

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        return _mybb_date(page.first(row, self.board_last_date))


def _mybb_date(el: HtmlElement | None) -> DateField:
    """The element's own text, or the absolute date its relative form keeps in a title."""
    if el is None:
        return DateField()
    # The first text node: on a board row the rest is ": NAME" after a "Last Post" link.
    own = next((clean(t) for t in select(el, "./text()") if clean(t)), None)
    relative = select_first(el, "./span[@title]")
    if relative is None:
        return DateField(raw=own)
    stamp = clean(relative.get("title"))
    if re.search(r"\d:\d\d", stamp or ""):
        return DateField(raw=stamp)
    time = re.search(r"\d{1,2}:\d\d(?:\s*[AaPp][Mm])?", own or "")
    return DateField(raw=f"{stamp}, {time.group(0)}" if time else stamp)
