"""Turning downloaded bytes into page text we can trust, or a clear reason we cannot.

Scrapy decodes with the declared charset (HTTP header, then ``<meta>``). Real forums
lie: bitcointalk serves UTF-8 bytes under an ISO-8859-1 meta tag, which decodes without
error into mojibake. Since windows-1252 text almost never forms valid multi-byte UTF-8
sequences by accident, bytes that *are* valid UTF-8 under a single-byte label are
re-read as UTF-8, and the correction is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html
from lxml.html import HtmlElement
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

SINGLE_BYTE = {
    "iso-8859-1",
    "latin-1",
    "latin1",
    "l1",
    "cp1252",
    "windows-1252",
    "ascii",
    "us-ascii",
    "iso8859-1",
    "iso-8859-15",
    "cp819",
}
_CLOSING = re.compile(rb"</(?:html|body)\s*>", re.I)
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# A looser reading of <meta ... charset=X> than w3lib's, for pages re-serialised with the
# meta after other markup (w3lib's pattern misses it there and falls back to sniffing).
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.I)


class PageError(ValueError):
    """A page that cannot be read as it is: truncated, not HTML, undecodable, holding no
    post. ``follow`` names where the same content can be read instead, when the page
    says so (a JavaScript app's API)."""

    def __init__(self, reason: str, message: str, follow: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.follow = follow


@dataclass(frozen=True, slots=True)
class DecodedPage:
    text: str
    corrected_from: str | None = None  # the single-byte label the page wrongly declared


def decode_page(body: bytes, content_type: str | None = None) -> DecodedPage:
    """Decode page bytes as Scrapy would (HTTP header, BOM, ``<meta>``, then sniffing,
    via w3lib), correcting a single-byte label on content that is really UTF-8.

    The spider and ``forumcrawl extract`` (which has no header) both come through here,
    so a saved page is read the same way it was read during the crawl.
    """
    if "charset" not in (content_type or "").lower() and not html_body_declared_encoding(body):
        meta = _META_CHARSET.search(body[:16384])
        if meta:
            content_type = f"text/html; charset={meta.group(1).decode('ascii')}"
    encoding, text = html_to_unicode(content_type, body)
    label = encoding.lower().replace("_", "-")
    if label in SINGLE_BYTE and _NON_ASCII.search(body):
        try:
            return DecodedPage(body.decode("utf-8"), corrected_from=label)
        except UnicodeDecodeError:
            pass
    return DecodedPage(text)


def check_complete(body: bytes) -> None:
    """Raise :class:`PageError` for a body that stops before its closing tags."""
    if not body.strip():
        raise PageError("empty", "empty response body")
    if not _CLOSING.search(body[-65536:]):
        raise PageError("truncated", "page ends before </body>/</html>: truncated download")


def parse_html(text: str) -> HtmlElement:
    """The page's tree (lxml's HTML parser, as parsel builds it), or :class:`PageError`
    when libxml2 gave up.

    libxml2 stops reading at nesting 2048 deep (even in parsel's ``huge_tree`` mode) and
    silently drops the rest of the document: a thread page would come back with its first
    post cut and the others missing. That is reported instead of stored.
    """
    parser = html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise PageError("not_html", f"not readable as HTML: {exc}") from None
    for error in parser.error_log:
        if "Excessive depth" in error.message:
            raise PageError(
                "too_deep",
                f"HTML nested too deep to read (line {error.line}: "
                f"{error.message}); the rest of the page would be lost",
            )
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return root
