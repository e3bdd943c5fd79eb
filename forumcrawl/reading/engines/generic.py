"""The generic fallback: find the repeated post structure without engine selectors.

Used for forum software no engine module knows (or when forced with
``-a engine=generic``). It never claims a page in detection order; the document
reader falls back to it when no engine recognises a page that still looks like a
thread, and records ``generic`` and its evidence so the user knows.

How a thread page is read:

1. Post containers: among sibling elements that share a shape (tag plus id prefix,
   or tag plus class names minus row alternations such as ``alt1``/``bg2``), the
   group whose members most often carry both a date and a user link or name wins.
2. In each container: the date is ``<time datetime>`` or the first date-like text; the
   author is the first profile-like link with text (``/members/``, ``/u/``,
   ``profile``, ``u=``...), else the first bold name; the body is the deepest block
   holding nearly all the text of the largest block that contains neither.
3. Signatures (class or id containing "sig") and quotes (``blockquote``, ``.quote``,
   ``table.citation``) are taken apart as for the engines.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from functools import cached_property

from lxml.html import HtmlElement

from forumcrawl.items import DateField, PostItem
from forumcrawl.reading.engines.base import PAGE_THREAD, Engine, PageReader, ThreadPage
from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.reading.nodes import clean, link
from forumcrawl.reading.vocabulary import QUOTE_VERBS

_ALTERNATION = re.compile(
    r"^(alt\d?|bg\d|odd|even|row(odd|even)?\d?|windowbg\d?|first|last|"
    r"old|new|unread|read|online|offline|cBackCouleurTab\d|postbit.*|Role_.*)$",
    re.I,
)
_DIGITS = re.compile(r"\d+")
_PROFILE = re.compile(
    r"((?:^|/)members?/|(?:^|/)users?/|/u/|profile|profil|memberlist\.php|member\.php|"
    r"[?&;]u=\d|action=profile|/author/|/uid/)",
    re.I,
)
_MONTHS = (
    r"jan|feb|m[aä]r|apr|ma[iy]|mai|jun|jul|aug|sep|o[ck]t|nov|de[cz]|janv|févr|mars|avr|juin|"
    r"juil|août|sept|déc|genn|febbr|magg|giu|lug|ago|sett|ott|dic"
)
_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2},?[ T]\s*\d{1,2}:\d{2}(?::\d{2})?"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:\D{1,6}\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?"
    rf"|(?:(?:mon|tue|wed|thu|fri|sat|sun|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim)[a-z]*\.?,?\s+)?"
    rf"(?:\d{{1,2}}\.?\s+)?\b(?:{_MONTHS})[a-zéû]*\.?\s+\d{{1,2}}?,?\s*\d{{4}}(?:\D{{1,6}}\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*[ap]m)?)?"
    r"|\b(?:today|yesterday|heute|gestern|aujourd'hui|hier|oggi|ieri)\b[^<]{0,20}?\d{1,2}:\d{2}(?:\s*[ap]m)?)",
    re.I,
)
_CLOCK = re.compile(r"\d{1,2}[:h]\d{2}")
_BLOCKS = {"div", "td", "blockquote", "article", "section", "dd", "li", "main"}
SIGNATURE = (
    "descendant::*[contains(translate(@class,'SIG','sig'),'sig') or "
    "contains(translate(@id,'SIG','sig'),'sig')][not(ancestor::blockquote)]"
)
# "Click to expand..." links and the like: furniture of collapsed quotes and spoilers.
EXPANDERS = ".//*[contains(translate(@class,'EXPAND','expand'),'expand')]"
_QUOTE_CLASS = "contains(translate(@class,'QUOTE','quote'),'quote')"


def _quote_attribution(el: HtmlElement) -> Attribution:
    header = el.xpath(
        "./*[1][self::cite or contains(@class,'title') or contains(@class,'header') "
        "or contains(@class,'citation') or self::b or self::strong]"
    )
    if not header:
        return Attribution()
    text = clean(header[0].text_content()) or ""
    m = re.match(
        rf"^(?:quote from:|zitat von|citation de|quote:?)?\s*(.+?)\s*(?:{QUOTE_VERBS})\b", text, re.I
    )
    return Attribution(author=m.group(1).strip(" :@") if m else None)


GENERIC_QUOTES = QuoteRule(
    xpath=(
        f".//*[self::blockquote or {_QUOTE_CLASS} or contains(@class,'citation')]"
        f"[not(ancestor::*[self::blockquote or {_QUOTE_CLASS} or contains(@class,'citation')])]"
        "[not(contains(@class,'messageText') or contains(@class,'postcontent'))]"
    ),
    attribution=_quote_attribution,
)


def _shape(el: HtmlElement) -> tuple | None:
    if not isinstance(el.tag, str) or el.tag in {
        "script",
        "style",
        "br",
        "hr",
        "a",
        "span",
        "img",
        "b",
        "strong",
        "i",
        "em",
        "p",
    }:
        return None
    ident = el.get("id") or ""
    if _DIGITS.search(ident):
        return (el.tag, "id", _DIGITS.sub("#", ident))
    classes = tuple(
        sorted(
            c for c in (el.get("class") or "").split() if not _ALTERNATION.match(c) and not _DIGITS.search(c)
        )
    )
    return (el.tag, "class", classes)


def _text_len(el: HtmlElement) -> int:
    return len("".join(el.itertext()).strip())


def _date_node(item: HtmlElement) -> tuple[HtmlElement | None, DateField]:
    times = item.xpath(".//time[@datetime]")
    if times:
        t = times[0]
        return t, DateField(raw=clean(t.text_content()) or t.get("title"), machine=t.get("datetime"))
    fallback: tuple[HtmlElement | None, DateField] = (None, DateField())
    for node in item.iter():
        if not isinstance(node.tag, str) or node.tag in {"script", "style", "blockquote"}:
            continue
        for text in (node.text, node.get("title"), *(child.tail for child in node)):
            if text and len(text) < 200:
                m = _DATE.search(text)
                if m and _CLOCK.search(m.group(0)):
                    return node, DateField(raw=clean(m.group(0)))
                if m and fallback[0] is None:
                    fallback = (node, DateField(raw=clean(m.group(0))))
    # A date without a time of day is more often a join date than the post's; last resort.
    return fallback


def _author(item: HtmlElement, base: str) -> tuple[HtmlElement | None, tuple[str, str | None] | None]:
    """The node naming a post's author, and (name, profile URL)."""
    for a in item.xpath(".//*[@itemprop='author']//a[@href] | .//a[@href]"):
        if a.xpath("ancestor::blockquote"):
            continue
        name = clean(a.text_content())
        if name and len(name) <= 60 and _PROFILE.search(a.get("href", "")):
            return a, (name, link(base, a.get("href")))
    for bold in item.xpath(".//b | .//strong"):
        name = clean(bold.text_content())
        if name and len(name) <= 40 and not bold.xpath("ancestor::blockquote"):
            return bold, (name, None)
    return None, None


def _contains(el: HtmlElement, node: HtmlElement | None) -> bool:
    return node is not None and (el is node or any(a is el for a in node.iterancestors()))


def _body(item: HtmlElement, avoid: list[HtmlElement | None]) -> HtmlElement | None:
    candidates = [
        el
        for el in item.iter()
        if isinstance(el.tag, str)
        and el.tag in _BLOCKS
        and el is not item
        and not any(_contains(el, n) for n in avoid)
        and not el.xpath("ancestor-or-self::*[contains(translate(@class,'SIG','sig'),'sig')]")
    ]
    if not candidates:
        return None
    best = max(candidates, key=_text_len)
    size = _text_len(best)
    if size == 0:
        return None
    # The deepest block that still holds nearly all of it (drops wrappers with furniture).
    deeper = [el for el in candidates if _contains(best, el) and _text_len(el) >= 0.9 * size]
    return max(deeper, key=lambda el: sum(1 for _ in el.iterancestors()))


def _is_listing_row(item: HtmlElement, date_node: HtmlElement | None, name_node: HtmlElement | None) -> bool:
    """A row whose would-be body is nothing but one link (a thread title on a board
    page, which also has an author and a date): not a post."""
    body = _body(item, [date_node, name_node])
    if body is None:
        return False
    links = body.xpath(".//a[@href]")
    return len(links) == 1 and clean(links[0].text_content()) == clean(body.text_content())


class GenericReader(PageReader):
    """A page read by structure alone."""

    engine: Generic

    @cached_property
    def found(self) -> tuple[list[HtmlElement], str]:
        """The post containers and why they were chosen (detection, the page kind and the
        parse all ask; the search walks the whole tree once)."""
        return post_containers(self.doc.root)

    def kind(self) -> str | None:
        return PAGE_THREAD if self.found[0] else None

    def thread(self) -> ThreadPage:
        doc = self.doc
        containers, _why = self.found
        thread_url = link(self.base, (doc.canonical or self.url).split("#")[0])
        title = (
            clean(doc.first("//meta[@property='og:title']/@content"))
            or clean(" ".join(doc.xpath("(//h1)[1]//text()")))
            or clean(doc.first("//title/text()"))
        )
        thread = self.new_thread(thread_url, title, thread_url)
        posts = [self._post(el, thread_url) for el in containers]
        next_href = doc.first("//link[@rel='next']/@href | //a[@rel='next']/@href")
        return self.thread_page(thread, posts, next_url=self.link(next_href))

    def _post(self, item: HtmlElement, thread_id: str) -> PostItem | None:
        date_node, posted = _date_node(item)
        name_node, author = _author(item, self.base)
        body_el = _body(item, [date_node, name_node])
        if body_el is None or author is None:
            return None
        body = split_body(body_el, self.engine.quote_rule, self.engine.chrome(), self.base)
        if not body.text and not body.quotes:
            return None
        ident = item.get("id") or next(iter(item.xpath(".//*[@id or @name]/@id | .//a/@name")), "")
        digits = _DIGITS.findall(ident or "")
        post_id = (
            digits[-1]
            if digits
            else hashlib.sha1(f"{author[0]}|{posted.raw}|{body.text[:200]}".encode()).hexdigest()[:12]
        )
        signature = item.xpath(SIGNATURE)
        return self.new_post(
            thread_id,
            post_id,
            body,
            url=f"{self.url.split('#')[0]}#{ident}" if ident else None,
            author=self.new_user(author[0], profile_url=author[1]),
            posted=posted,
            signature_text=clean(signature[0].text_content()) if signature else None,
        )


def post_containers(root: HtmlElement) -> tuple[list[HtmlElement], str]:
    """The best group of same-shaped siblings that look like posts, and why."""
    groups: dict[tuple, list[HtmlElement]] = defaultdict(list)
    for parent in root.iter():
        if not isinstance(parent.tag, str) or len(parent) < 2:
            continue
        for child in parent:
            shape = _shape(child)
            if shape:
                groups[(id(parent), shape)].append(child)
    best: list[HtmlElement] = []
    best_score = 0.0
    why = ""
    for (_parent, shape), members in groups.items():
        if len(members) < 2:
            continue
        # (member, its date node, its author link node, its author)
        found = [(m, _date_node(m)[0], *_author(m, "")) for m in members]
        dated = sum(1 for _m, date_node, _n, _a in found if date_node is not None)
        named = sum(1 for _m, _d, _n, author in found if author is not None)
        if dated < 0.5 * len(members) or named < 0.5 * len(members):
            continue
        if sum(
            1 for m, date_node, name_node, _a in found if _is_listing_row(m, date_node, name_node)
        ) >= 0.8 * len(members):
            continue  # a board's topic list: rows of one title link each, not posts
        text = sum(_text_len(m) for m in members)
        score = min(dated, named) * (text / len(members)) ** 0.5
        if score > best_score:
            best, best_score = members, score
            why = f"{len(members)} × <{shape[0]}> {shape[1]}={shape[2]!r}"
    return best, why


class Generic(Engine):
    """Never claims a page in detection order: the service falls back to it when no
    engine recognises a page that still looks like a thread."""

    name = "generic"
    reader = GenericReader
    quote_rule = GENERIC_QUOTES
    body_chrome = f"{SIGNATURE} | {EXPANDERS}"

    def detect(self, doc) -> list[str]:
        return []
