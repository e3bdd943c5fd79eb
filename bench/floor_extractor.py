"""The floor for parse-only: a minimal extractor written directly with lxml.

It reads the farm's two engines the least a scraper could: per post its id, author,
date as shown (XenForo's ``datetime``, phpBB's text) and body text, with precompiled
XPath, no quote split, no time zones, no chrome removal beyond taking the body element,
no validation. It knows only the farm's markup (XenForo 2 and phpBB 3 prosilver): it is
a yardstick, not a reader. ``bench/parse_only.py`` times it on the same pages.
"""

from __future__ import annotations

from lxml import etree, html

XF_POSTS = etree.XPath("//article[contains(@class, 'message--post')]")
_XF_DATE = etree.XPath("string(.//header[contains(@class, 'message-attribution')]//time/@datetime)")
_XF_BODY = etree.XPath(".//div[@class='bbWrapper']")
BB_POSTS = etree.XPath("//div[starts-with(@id, 'p') and contains(concat(' ', @class, ' '), ' post ')]")
_BB_AUTHOR = etree.XPath("string(.//p[@class='author']//strong)")
_BB_DATE = etree.XPath("string(.//p[@class='author']/text()[last()])")
_BB_BODY = etree.XPath(".//div[@class='content']")


def extract(body: bytes) -> list[dict]:
    """The posts of one farm thread page."""
    root = html.fromstring(body)
    posts = []
    for post in XF_POSTS(root):
        text = _XF_BODY(post)
        posts.append(
            {
                "id": post.get("data-content", "").removeprefix("post-"),
                "author": post.get("data-author"),
                "date": _XF_DATE(post),
                "text": text[0].text_content().strip() if text else "",
            }
        )
    if posts:
        return posts
    for post in BB_POSTS(root):
        text = _BB_BODY(post)
        posts.append(
            {
                "id": post.get("id", "")[1:],
                "author": _BB_AUTHOR(post),
                "date": _BB_DATE(post).strip(" \u00bb\n"),
                "text": text[0].text_content().strip() if text else "",
            }
        )
    return posts
