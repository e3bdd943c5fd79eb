"""Turning downloaded bytes into page text we can trust, or a clear reason we cannot.

Scrapy decodes with the declared charset (HTTP header, then ``<meta>``). Real forums
lie: bitcointalk serves UTF-8 bytes under an ISO-8859-1 meta tag, which decodes without
error into mojibake. Since windows-1252 text almost never forms valid multi-byte UTF-8
sequences by accident, bytes that *are* valid UTF-8 under a single-byte label are
re-read as UTF-8, and the correction is reported.
"""

from __future__ import annotations

import re
import zlib
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
# Characters XML (and so lxml's tree API) refuses: C0 controls but tab, newline and
# carriage return, lone surrogates and the non-characters U+FFFE/U+FFFF. One of them in an attribute name
# made every later use of the tree fail ("All strings must be XML compatible").
_C0 = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Character references libxml2 turns into such characters: to a control character, or
# left unterminated ("&#13+"), which libxml2 reads as a form feed.
_NOT_XML_REF = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]));"
    r"|&#(?:[0-9]+|[xX][0-9a-fA-F]+)(?![0-9a-fA-F;])"
)
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

    def __reduce__(self):
        # pickled back from a reading worker: the default would call __init__(message)
        return type(self), (self.reason, str(self), self.follow)


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


_MAGIC = {  # what a body that is not a web page at all usually is
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive",
    b"BZh": "bzip2-compressed data",
    b"\xfd7zXZ": "xz-compressed data",
    b"\x28\xb5\x2f\xfd": "zstd-compressed data",
}
# lxml.html's own lookup calls back into Python for every element the tree API hands
# out (about 1,400 a XenForo page) to pick form classes nobody here uses; the same
# classes chosen in C.
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity
)
_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_GUNZIP_LIMIT = 256 * 1024 * 1024  # a page this large after decompression is not a page


def plain_body(body: bytes, content_type: str | None = None) -> tuple[bytes, str | None]:
    """The body as the bytes of a text page, and the content type that now describes it.

    Gzip data (a server that compressed twice, a saved ``.gz``) is decompressed; UTF-16
    pages (with a byte-order mark, a ``utf-16`` label, or ASCII markup every other byte
    NUL) are re-encoded as UTF-8, since every later step looks for ASCII markup in the
    bytes; images, PDFs and archives are refused as what they are.
    """
    if body[:2] == b"\x1f\x8b":
        try:
            inflater = zlib.decompressobj(wbits=31)
            body = inflater.decompress(body, _GUNZIP_LIMIT)
        except zlib.error as exc:
            raise PageError("not_html", f"gzip-compressed data that does not decompress ({exc})") from None
        if inflater.unconsumed_tail:
            raise PageError("too_large", "gzip-compressed data over 256 MB when decompressed")
    for magic, what in _MAGIC.items():
        if body.startswith(magic):
            raise PageError("not_html", f"{what}, not an HTML page")
    encoding = None
    label = (content_type or "").lower()
    if body[:2] in _UTF16 and body[:4] != b"\xff\xfe\x00\x00":
        encoding = _UTF16[body[:2]]
        body = body[2:]
    elif "utf-16" in label or "utf16" in label:
        encoding = "utf-16-be" if "be" in label.rsplit("16", 1)[-1] else "utf-16-le"
    elif len(body) >= 4 and body[1] == 0 and body[3] == 0 and body[0] and body[2]:
        encoding = "utf-16-le"
    elif len(body) >= 4 and body[0] == 0 and body[2] == 0 and body[1] and body[3]:
        encoding = "utf-16-be"
    if encoding:
        text = body[: len(body) // 2 * 2].decode(encoding, "replace")
        return text.encode("utf-8"), "text/html; charset=utf-8"
    return body, content_type


def check_complete(body: bytes) -> None:
    """Raise :class:`PageError` for a body that stops before its closing tags."""
    if not body.strip():
        raise PageError("empty", "empty response body")
    if not _CLOSING.search(body[-65536:]):
        raise PageError("truncated", "page ends before </body>/</html>: truncated download")


def parse_html(text: str) -> HtmlElement:
    """The page's tree (lxml's HTML parser, as parsel builds it), or :class:`PageError`
    when libxml2 gave up.

    Control characters are dropped first (browsers show nothing for them either).

    libxml2 stops reading at nesting 2048 deep (even in parsel's ``huge_tree`` mode) and
    silently drops the rest of the document: a thread page would come back with its first
    post cut and the others missing. That is reported instead of stored.
    """
    parser = html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    parser.set_element_class_lookup(_HTML_CLASSES)
    try:
        body = text.strip().encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        body = _NOT_XML.sub("", text.strip()).encode("utf-8")
    body = body.translate(None, _C0)  # in C: a fraction of the parse, unlike a regex
    if "\ufffe" in text or "\uffff" in text:  # asked of the text: a sixth of the bytes' search
        body = body.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    body = body or b"<html/>"
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
    if _NOT_XML_REF.search(text):
        _clean_tree(root)
    return root


def _clean_tree(root: HtmlElement) -> None:
    """Drop the characters lxml's tree API refuses from every text and attribute."""
    for el in root.iter():
        if el.text and _NOT_XML.search(el.text):
            el.text = _NOT_XML.sub("", el.text)
        if el.tail and _NOT_XML.search(el.tail):
            el.tail = _NOT_XML.sub("", el.tail)
        for name, value in el.attrib.items():
            if _NOT_XML.search(value):
                el.attrib[name] = _NOT_XML.sub("", value)
