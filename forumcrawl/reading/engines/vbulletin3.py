"""vBulletin 3: a table per post (``table#postN``), body in ``div#post_message_N``.

Markup read from ``fixtures/vbulletin3`` (animesuki, 3.8.11, windows-1252). Quotes
are a ``div`` holding a "Quote:" caption and a table; an attributed quote names the
member in "Originally Posted by <strong>NAME</strong>" with a link to the post. The
date is bare text in the post's header cell; the signature follows the message after
a row of underscores.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from forumcrawl.items import DateField
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.engines.vbulletin4 import BOARD_IDS, THREAD_IDS, generator_sign
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import has_class, select, select_first
from forumcrawl.reading.vocabulary import post_id_in


def _attribution(el: HtmlElement) -> Attribution:
    header = select_first(el, ".//td/div[strong][1]")
    if header is None:
        return Attribution()
    post = None
    for href in select(header, ".//a/@href"):
        post = post_id_in(href, "vbulletin") or post
    return Attribution(author=text_of(select(header, "./strong//text()")), post_id=post)


class VBulletin3(MarkupEngine):
    name = "vbulletin3"
    signs = (
        generator_sign("3"),
        (
            "//table[starts-with(@id,'post')][.//div[starts-with(@id,'post_message_')]]",
            "table#postN with div#post_message_N",
        ),
        ("//script[contains(., 'vbmenu_register')]", "vbmenu_register script"),
    )
    quote_rule = QuoteRule(
        xpath=f".//div[div[{has_class('smallfont')}] and table]",
        content=".//td",
        chrome=".//td/div[strong][1][not(@style)]",
        attribution=_attribution,
    )
    posts = "//table[starts-with(@id,'post')][.//div[starts-with(@id,'post_message_')]]"
    body = ".//div[starts-with(@id,'post_message_')]"
    author_link = f".//a[{has_class('bigusername')}]"
    author_name = ".//div[starts-with(@id,'postmenu_')]"
    user_title = f".//div[starts-with(@id,'postmenu_')]/following-sibling::div[{has_class('smallfont')}][1]"
    user_facts = (
        f".//div[starts-with(@id,'postmenu_')]/following-sibling::div[{has_class('smallfont')}][2]/div"
    )
    date = f".//td[{has_class('thead')}][1]"
    signature = ".//div[starts-with(normalize-space(), '__________________')]"
    permalink = ".//a[starts-with(@id,'postcount')]/@href"
    position = ".//a[starts-with(@id,'postcount')]"
    # the site banner is an h1 (animesuki), before the navbar's title
    title = ("//td[@class='navbar']/strong", "//h1")
    crumbs = "//span[@class='navbar']/a"
    pagination = f"//div[{has_class('pagenav')}]"
    thread_id_patterns = THREAD_IDS
    board_id_patterns = BOARD_IDS
    # threadbit: title cell, a last-post cell titled "Replies: N, Views: M" (in the
    # board's language), then the reply count as a "who posted" link
    board_rows = "//tr[td[starts-with(@id,'td_threadtitle_')]]"
    board_link = ".//a[starts-with(@id,'thread_title_')]"
    board_replies = ".//a[contains(@href,'do=whoposted')]"
    board_last_date = ".//td[.//a[contains(@href,'find=lastposter')]]/div"
    board_title = "//td[@class='navbar']/strong"
    # forumbit cells are td#fN; the pager's "Last <strong>»</strong>" is a forumdisplay link too
    subboards = "//td[starts-with(@id,'f')]//a[starts-with(@href,'forumdisplay.php')][strong]"

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        """ "09-04-2005 <span class=time>02:54 PM</span><br>by NAME": the words before
        the line break."""
        cell = page.first(row, self.board_last_date)
        if cell is None:
            return DateField()
        before_break = select(cell, "./text()[following-sibling::br] | ./*[following-sibling::br]//text()")
        return DateField(raw=clean(" ".join(before_break)))

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        header = page.first(post, self.date)
        return DateField(raw=text_of(header)) if header is not None else DateField()

    def signature_text(self, page: MarkupReader, post: HtmlElement) -> str | None:
        text = text_of(page.first(post, self.signature))
        return clean(text.lstrip("_")) if text else None
