"""FluxBB and PunBB: ``div.blockpost`` posts, the date as the post header's link.

Markup read from ``fixtures/fluxbb`` (bbs.archlinux.org). Dates are plain text in the
board's configured format ("2019-10-06 16:59:52", "Today 09:12:03"). Quotes are
``div.quotebox`` with a ``cite`` "NAME wrote:" and a ``blockquote``.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader
from forumcrawl.reading.extract.text import Attribution, QuoteRule
from forumcrawl.reading.nodes import text_of
from forumcrawl.reading.query import has_class, select_first
from forumcrawl.reading.vocabulary import quoted_name


def _attribution(el: HtmlElement) -> Attribution:
    cite = select_first(el, "./cite")
    return Attribution(author=quoted_name(cite.text_content())) if cite is not None else Attribution()


class FluxBB(MarkupEngine):
    name = "fluxbb"
    signs = (
        ("//div[@id='punwrap'] | //div[starts-with(@id,'pun')]", "div#punwrap"),
        ("//a[contains(@href,'fluxbb.org') or contains(@href,'punbb')]", "'Powered by FluxBB/PunBB' link"),
        (f"//div[{has_class('blockpost')}][starts-with(@id,'p')]", "div.blockpost"),
    )
    quote_rule = QuoteRule(
        xpath=f".//div[{has_class('quotebox')}]", chrome="./cite", attribution=_attribution
    )
    posts = f"//div[{has_class('blockpost')}][starts-with(@id,'p')]"
    body = f".//div[{has_class('postmsg')}]"
    body_chrome = f".//p[{has_class('postedit')}]"
    author_link = f".//div[{has_class('postleft')}]//dt//a"
    author_name = f".//div[{has_class('postleft')}]//dt"
    user_title = f".//div[{has_class('postleft')}]//dd[{has_class('usertitle')}]"
    user_facts = f".//div[{has_class('postleft')}]//dd"
    date = "./h2//a"
    edited = f".//p[{has_class('postedit')}]"
    signature = f".//div[{has_class('postsignature')}]"
    permalink = "./h2//a/@href"
    position = f"./h2//span[{has_class('conr')}]"
    title = ("//div[@id='brdmain']//h2[1]", "//ul[contains(@class,'crumbs')]/li[last()]//a", "//h1")
    crumbs = "//ul[contains(@class,'crumbs')]//a[contains(@href,'viewforum')]"
    pagination = f"//p[{has_class('pagelink')}]"
    thread_id_patterns = (r"viewtopic\.php\?(?:.*&)?id=(\d+)", r"/topic/(\d+)")
    board_id_patterns = (r"viewforum\.php\?(?:.*&)?id=(\d+)", r"/forum/(\d+)")
    board_rows = f"//div[@id='vf']//tr[td[{has_class('tcl')}]]"
    board_link = f".//td[{has_class('tcl')}]//a[contains(@href,'viewtopic')]"
    board_replies = f".//td[{has_class('tc2')}]"
    board_last_date = f".//td[{has_class('tcr')}]/a"
    board_title = ("//div[@id='vf']/h2", "//ul[@class='crumbs']/li[last()]//a")
    subboards = "//div[@id='idx1' or starts-with(@id,'idx')]//h3/a[contains(@href,'viewforum')]"

    def thread_title(self, page: MarkupReader) -> str | None:
        crumb = page.doc.first("(//ul[contains(@class,'crumbs')])[1]/li[last()]//a")
        return text_of(crumb) if crumb is not None else super().thread_title(page)
