"""Simple Machines Forum, 1.1 and 2.x: table-layout and div-layout themes.

Markup read from ``fixtures/smf1`` (bitcointalk, SMF 1.1) and ``fixtures/smf2``
(bpdfamily, SMF 2.0 with a table-layout theme): each post is a ``td.windowbg`` /
``td.windowbg2`` cell holding the poster column and ``div.post``; the message id is
in ``div#subject_N``. The div layout of SMF 2.0 "Curve" and 2.1 (``div.post_wrapper``)
is read by the same expressions' second halves.

Traps: bitcointalk renders placeholder cells full of numbers between real posts
(no message id: skipped); ``prev_next`` links go to the next *topic*, so pagination
is read only from the page index (``navPages``/``pagelinks``), where the current page
is a bold number; a quote's header sits *beside* the ``div.quote``, not inside it.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from forumcrawl.items import DateField, UserItem
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import has_class, select, select_first
from forumcrawl.reading.vocabulary import BY_WORDS, QUOTE_FROM, post_id_in

_ON = re.compile(r"^.*?\b(?:on|am|le|il|en)\s*:\s*", re.I)
# 2.1: "Last Edit: June 05, 2024, 08:00:12 AM by kestrel_ant" (2.0 wraps it in « »)
_LAST_EDIT = re.compile(rf"^.*?:\s*(.*?)(?:\s+(?:{BY_WORDS})\s+.*)?$", re.S)

POSTER_CELL = "(.//td[1] | .//div[" + has_class("poster") + "])[1]"
# 1.1/2.0 print a quote's "Quote from: NAME on DATE" header beside the quote
QUOTE_HEADER = f"preceding-sibling::*[1][{has_class('quoteheader')}]"


def _unframed(text: str | None) -> str:
    """Text without the « » SMF frames dates and edit notes with."""
    return (text or "").replace("«", "").replace("»", "").strip()


def _attribution(el: HtmlElement) -> Attribution:
    header = select_first(el, f"{QUOTE_HEADER} | ./cite")  # 2.1: <cite> inside the quote
    if header is None:
        return Attribution()
    m = QUOTE_FROM.match(clean(header.text_content()) or "")
    post = None
    for href in select(header, ".//a/@href"):
        post = post_id_in(href, "smf") or post
    return Attribution(author=clean(m.group(1)) if m else None, post_id=post)


def _lines_outside_links(el: HtmlElement) -> list[str]:
    """The element's text split at ``<br>``, link text left out.

    2.0 prints a last post as ``<strong>Today</strong> at 08:43:50 PM<br />by NAME``: the
    date is one line made of several text nodes, which must be read together.
    """
    lines = [""]

    def walk(node: HtmlElement, in_link: bool) -> None:
        for child in node:
            if child.tag == "br":
                lines.append("")
            elif isinstance(child.tag, str):  # not a comment: its text counts
                inside = in_link or child.tag == "a"
                if child.text and not inside:
                    lines[-1] += child.text
                walk(child, inside)
            if child.tail and not in_link:
                lines[-1] += child.tail

    if el.text:
        lines[-1] += el.text
    walk(el, el.tag == "a")
    return lines


class SMF(MarkupEngine):
    name = "smf"
    signs = (
        ("//script[contains(., 'smf_theme_url') or contains(., 'smf_scripturl')]", "smf_scripturl script"),
        ("//a[contains(@href,'simplemachines.org')]", "'Powered by SMF' link"),
        ("//div[starts-with(@id,'subject_')] | //div[@id='forumposts']", "div#subject_N / div#forumposts"),
    )
    quote_rule = QuoteRule(
        xpath=f".//div[{has_class('quote')}] | .//blockquote[{has_class('bbc_standard_quote')} or {has_class('bbc_alternate_quote')}]",
        header=QUOTE_HEADER,
        chrome=f".//*[{has_class('quotefooter')}] | ./cite",
        attribution=_attribution,
    )
    body_chrome = f".//*[{has_class('quotefooter')}]"
    posts = (
        "//td[" + has_class("windowbg") + " or " + has_class("windowbg2") + "]"
        "[.//div[starts-with(@id,'subject_')]][not(ancestor::td["
        + has_class("windowbg")
        + " or "
        + has_class("windowbg2")
        + "])]"
        " | //div[@id='forumposts']//div[" + has_class("post_wrapper") + "]"
    )
    post_id_from = ".//div[starts-with(@id,'subject_')]/@id | .//div[starts-with(@id,'msg_')]/@id"
    body = f".//div[{has_class('post')}]//div[{has_class('inner')}] | .//div[{has_class('post')}]"
    author_link = (
        f"{POSTER_CELL}//b/a[contains(@href,'action=profile')]"
        f" | {POSTER_CELL}//h4//a[contains(@href,'action=profile')]"
    )
    author_name = f"{POSTER_CELL}//b | {POSTER_CELL}//h4"
    user_facts = (
        f"{POSTER_CELL}//div[{has_class('smalltext')}]/text() | {POSTER_CELL}//li[{has_class('postcount')}]"
    )
    # the poster column's rank line (its first line that is no status or fact)
    user_title = (
        f"{POSTER_CELL}//div[{has_class('smalltext')}]/text()"
        f" | {POSTER_CELL}//li[{has_class('membergroup')} or {has_class('title')}]//text()"
    )
    date = f".//div[{has_class('postinfo')}]/a[{has_class('smalltext')}]"
    date_line = (
        ".//div[starts-with(@id,'subject_')]/following-sibling::div[1]"
        f" | .//div[{has_class('keyinfo')}]//div[{has_class('smalltext')}]"
    )
    edited = ".//*[starts-with(@id,'modified_')]"
    signature = f".//div[{has_class('signature')}]"
    permalink = ".//div[starts-with(@id,'subject_')]//a/@href"
    position = f".//span[{has_class('page_number')}]"
    # <title> is the bare subject; the headers say "Topic: SUBJECT (Read N times)"
    title = (
        "//title",
        "//td[@id='top_subject'] | //div[@id='forumposts']//h3[" + has_class("catbg") + "]"
        " | //h2[@id='top_subject'] | //span[@id='top_subject']",
    )
    crumbs = f"//div[{has_class('nav')} or {has_class('navigate_section')} or @id='linktree']//a[contains(@href,'board=')]"
    next_page = ""  # ``prev_next`` links lead to other topics: only the page index counts
    pagination = (
        f"//*[{has_class('navPages')} or {has_class('pagelinks')}]/.. | //td[{has_class('middletext')}]"
    )
    thread_id_patterns = (r"topic[=,](\d+)", r"/topic/(\d+)")
    board_id_patterns = (r"board[=,](\d+)", r"/board/(\d+)")
    # 2.1 lists topics as divs in #topic_container; 2.0 and 1.1 as table rows.
    board_rows = (
        "//div[@id='topic_container']/div[.//span[starts-with(@id,'msg_')]]"
        " | //tr[td[.//span[starts-with(@id,'msg_')]]][not(.//tr)]"
    )
    board_link = ".//span[starts-with(@id,'msg_')]/a | .//a[contains(@href,'topic=')]"
    # 2.1 board_stats, 2.0 td.stats, 1.1 a bare cell after the starter's
    board_replies = (
        f".//div[{has_class('board_stats')}]/p | .//td[{has_class('stats')}]"
        " | ./td[.//span[starts-with(@id,'msg_')]]/following-sibling::td[2]"
        f"[not(../td[{has_class('stats')}])]"
    )
    board_title = (
        f"//div[{has_class('navigate_section')}]//li[last()]//a"
        " | //div[@id='linktree']//li[last()]//a"
        f" | //div[{has_class('nav')}][not(ancestor::div[@id='linktree'])]/b[last()]/a"
    )
    board_last_date = f".//*[{has_class('lastpost')}] | ./td[.//img[contains(@src,'last_post')]]"
    subboards = (
        f"//a[starts-with(@name,'b')][contains(@href,'board=')]"
        f" | //a[{has_class('subject')}][contains(@href,'board=')]"
    )
    selectors = (*MarkupEngine.selectors, "date_line")

    def author(self, page: MarkupReader, post: HtmlElement) -> UserItem | None:
        user = super().author(page, post)
        if user is not None:
            user.title = self._member_group(page, post)
        return user

    def _member_group(self, page: MarkupReader, post: HtmlElement) -> str | None:
        """The first line of the poster column that is a rank, not a status or a fact."""
        lines = page.select(post, self.user_title)
        for line in lines:
            line = clean(line)
            if line and ":" not in line and line.lower() not in {"online", "offline", "ignore"}:
                return line if len(line) <= 60 else None
        return None

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        # 2.1 keeps the date alone in a link; 2.0 and 1.1 print it as "on: DATE »" in
        # the block after the subject, which in 2.1 also holds the "Last Edit" note.
        line = page.first(post, self.date)
        if line is None:
            line = page.first(post, self.date_line)
        return DateField(raw=clean(_unframed(_ON.sub("", text_of(line) or ""))))

    def board_last_post(self, page: MarkupReader, row: HtmlElement) -> DateField:
        """2.1 links the last-post time; 2.0 and 1.1 print it as text after an icon link."""
        cell = page.first(row, self.board_last_date)
        if cell is None:
            return DateField()
        link = select_first(cell, ".//a[contains(@href,'topic=')][normalize-space()]")
        if link is not None:
            return DateField(raw=text_of(link))
        lines = [clean(line) for line in _lines_outside_links(cell)]
        return DateField(raw=next((t for t in lines if t and any(c.isdigit() for c in t)), None))

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        note = text_of(page.first(post, self.edited))
        m = _LAST_EDIT.match(_unframed(note))
        return DateField(raw=clean(m.group(1))) if note and m else DateField()
