"""The generic reader: posts found by the page's repeated structure, no engine selectors.

It reads forum software no engine module knows, custom forums and Q&A sites, comment
trees, and pages an engine's selectors no longer fit. It never claims a page in
detection order; the layered reading (:mod:`forumcrawl.reading.layers`) asks it when
neither the engine nor the page's structured data found a post.

How a page is read:

1. **Shapes.** Every block element with a class, a numbered id or a custom tag name gets
   a shape: its tag and its classes, less the ones that only mark a state or a place
   (``alt1``, ``odd``, ``first``, ``is-op``, ``highlighted``...), or its id with the digits
   taken out. Elements of one shape are grouped wherever they stand in the page: siblings
   (a thread's posts), cousins (posts split across containers), and members nested in
   members (a reply tree).
2. **Evidence.** For each member: a date (``<time>``, a date attribute such as
   ``data-time``/``created-timestamp``, else a date-like text), an author (an author
   attribute, an element named for one, a profile link), and a body: its own words,
   without nested members and without being one link (a board's topic row). Groups in
   navigation, sidebars, footers and "related"/"similar" widgets are not considered.
3. **The best group** has the most members with a body, a date and an author, weighted
   by how much they say; one member is enough on a page that shows one post with all
   three. A post that opens the thread in another shape (a question above its answers,
   an opening post styled apart) is taken with it when it comes first and carries all
   three.
4. **Each post**: its body block (the deepest block holding nearly all its own words,
   preferring one named for a post's text), its quotes and signature taken apart as for
   the engines, its id (element id, ``data-*id`` attributes, its anchor), and its parent
   where members nest.

Post ids from the page are only unique within its thread (``reply1`` is in every thread),
so the reader's ids are the thread's URL and the page's id for the post.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from lxml.html import HtmlElement

from forumcrawl.items import DateField, PostItem
from forumcrawl.reading.engines.base import PAGE_THREAD, Engine, PageReader, ThreadPage
from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.reading.nodes import clean, link
from forumcrawl.reading.vocabulary import QUOTE_VERBS

# Classes that mark a state or a place in a list, not what an element is.
_STATE = re.compile(
    r"^(alt\d?|bg\d|odd|even|row(odd|even)?\d?|windowbg\d?|first|last|old|new|unread|read|online|offline|"
    r"cBackCouleurTab\d|postbit.*|Role_.*|active|selected|current|hidden|visible|open|closed|collapsed|"
    r"expanded|noncollapsed|highlight(ed)?|is-.*|has-.*|js-.*|op|topic-?starter|thread-?starter|original-?poster|"
    r"author-post|staff|moderator|admin|sticky|pinned|featured|accepted.*|deleted|ignored|unvoted|voted|"
    r"likes?|liked|even-?row|odd-?row|clearfix|cf|group|flex|grid|row|col.*|container|wrapper|inner|outer|"
    r"[a-z]{1,3}:.*|.*\[.*)$",
    re.I,
)
_DIGITS = re.compile(r"\d+")
_SKIP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "head",
        "title",
        "meta",
        "link",
        "iframe",
        "button",
        "select",
        "option",
        "input",
        "textarea",
        "label",
        "img",
        "br",
        "hr",
    }
)
_INLINE = frozenset(
    {
        "a",
        "span",
        "b",
        "strong",
        "i",
        "em",
        "small",
        "font",
        "abbr",
        "time",
        "code",
        "sup",
        "sub",
        "u",
        "s",
        "cite",
        "q",
        "bdi",
        "mark",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dt",
        "dd",
        "ul",
        "ol",
        "pre",
        "blockquote",
        "figure",
        "figcaption",
        "picture",
    }
)
# Regions of a page that are not its thread.
_AWAY = re.compile(
    r"(^|[\s_-])(sidebar|side-bar|widget|related|similar|suggest\w*|recommend\w*|popular|trending|"
    r"footer|navbar|nav|navigation|breadcrumbs?|menu|masthead|banner|advert\w*|ads?|promo\w*|"
    r"newsletter|cookie\w*|share|social|more-topics|more-threads|latest|recent|also-read|"
    r"you-may-like|topic-list|toc)($|[\s_-])",
    re.I,
)
_AWAY_TAGS = frozenset({"nav", "aside", "footer", "header"})
_PROFILE = re.compile(
    r"((?:^|/)members?/|(?:^|/)users?/|/u/|/user/|/people/|profile|profil|memberlist\.php|member\.php|"
    r"[?&;]u=\d|[?&;]uid=\d|action=profile|/author/|/uid/|/~[\w.-]+/?$|/@[\w.-]+/?$|showuser=)",
    re.I,
)
_AUTHOR_CLASS = re.compile(
    r"(^|[\s_-])(author|username|user-name|userName|poster|postername|posterName|"
    r"post-author|nick|nickname|byline|name|member|commenter|creator|handle)([\s_-]|$)",
    re.I,
)
_BODY_CLASS = re.compile(
    r"(content|body|text|message|comment|post|entry|md|usertext|prose|cooked|"
    r"article|reply|answer|question|msg|bbcode|bbWrapper|richText|html)",
    re.I,
)
_NOT_BODY_CLASS = re.compile(
    r"(signature|sig\b|footer|header|meta|info|author|user|avatar|toolbar|"
    r"actions?|controls?|buttons?|vote|share|reactions?|likes?|tags?|"
    r"attribution|byline|credit|profile|stats|badge|rank)",
    re.I,
)
_AUTHOR_ATTRS = (
    "data-author",
    "author",
    "data-username",
    "data-user",
    "data-poster",
    "username",
    "data-author-name",
    "data-user-name",
)
_DATE_ATTRS = (
    "datetime",
    "created-timestamp",
    "data-timestamp",
    "data-time",
    "data-datetime",
    "data-created",
    "data-created-at",
    "data-date",
    "data-utime",
    "data-epoch",
    "timestamp",
    "data-at-unix",
    "data-publish-date",
    "data-posted",
)
_ID_ATTRS = (
    "data-post-id",
    "data-postid",
    "data-pid",
    "data-comment-id",
    "data-commentid",
    "data-id",
    "data-shortid",
    "thingid",
    "data-fullname",
    "data-content",
    "data-message-id",
    "data-thing-id",
)
_MONTHS = (
    r"jan|feb|m[aä]r|apr|ma[iy]|mai|jun|jul|aug|sep|o[ck]t|nov|de[cz]|janv|févr|mars|avr|juin|"
    r"juil|août|sept|déc|genn|febbr|magg|giu|lug|ago|sett|ott|dic"
)
_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2}(?:,?[ T]\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?:\D{1,6}\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?"
    r"|(?:(?:mon|tue|wed|thu|fri|sat|sun|mo|di|mi|do|fr|sa|so|lun|mar|mer|jeu|ven|sam|dim)[a-z]*\.?,?\s+)?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\.?\s+)?\b(?:{_MONTHS})[a-zéû]*\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s*)?(?:\d{{4}}|'\d\d)"
    r"(?:\D{1,6}\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?"
    rf"|\b(?:{_MONTHS})[a-z]*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?"
    r"|\b(?:today|yesterday|heute|gestern|aujourd'hui|hier|oggi|ieri)\b[^<]{0,20}?\d{1,2}[:h]\d{2}(?:\s*[ap]m)?"
    r"|\b\d+\s*(?:s|sec|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|months?|y|yrs?|years?)\s+ago\b"
    r"|\b(?:an?|one)\s+(?:second|minute|hour|day|week|month|year)\s+ago\b"
    r"|\bvor\s+\d+\s+\w+|\bil\s+y\s+a\s+\d+\s+\w+|\bhace\s+\d+\s+\w+|\b\d+\s+\w+\s+fa\b)",
    re.I,
)
_CLOCK = re.compile(r"\d{1,2}[:h]\d{2}")
_DATE_TITLE = re.compile(r"\d{4}|\d{1,2}:\d{2}")
_QUOTE_CLASS = "contains(translate(@class,'QUOTE','quote'),'quote')"
SIGNATURE = (
    "descendant::*[contains(translate(@class,'SIG','sig'),'sig') or "
    "contains(translate(@id,'SIG','sig'),'sig')][not(ancestor::blockquote)]"
)
# "Click to expand..." links and the like: furniture of collapsed quotes and spoilers.
EXPANDERS = ".//*[contains(translate(@class,'EXPAND','expand'),'expand')]"


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


# ---------------------------------------------------------------- shapes
def shape(el: HtmlElement) -> tuple | None:
    """What kind of element this is, for grouping: (tag, classes) or (tag, id pattern)."""
    tag = el.tag
    if not isinstance(tag, str) or tag in _SKIP:
        return None
    classes = tuple(
        sorted(c for c in (el.get("class") or "").split() if not _STATE.match(c) and not _DIGITS.search(c))
    )
    if classes and tag not in ("a", "span", "b", "strong", "i", "em", "small", "font", "time", "abbr", "img"):
        return (tag, "class", classes)
    ident = el.get("id") or ""
    if _DIGITS.search(ident) and tag not in _INLINE:
        return (tag, "id", _DIGITS.sub("#", ident))
    if "-" in tag or tag == "article":
        return (tag, "tag", ())
    return None


def _away(el: HtmlElement) -> bool:
    """The element sits in navigation, a sidebar, a footer or a widget of other content."""
    for a in (el, *el.iterancestors()):
        if not isinstance(a.tag, str):
            continue
        if a.tag in _AWAY_TAGS and a.tag != "header":
            return True
        if a.get("role") in ("navigation", "complementary", "contentinfo", "banner"):
            return True
        marks = f"{a.get('class') or ''} {a.get('id') or ''}"
        if marks.strip() and _AWAY.search(marks) and a.tag not in ("html", "body"):
            return True
    return False


def _text_len(el: HtmlElement) -> int:
    return len("".join(t for t in el.itertext() if t).strip())


def _own_nodes(el: HtmlElement, nested: set) -> list:
    """``el`` and its descendants, less the subtrees of nested members."""
    out = []
    stack = [el]
    while stack:
        node = stack.pop()
        out.append(node)
        for child in reversed(node):
            if child not in nested and isinstance(child.tag, str) and child.tag not in _SKIP:
                stack.append(child)
    return out


def _own_text(el: HtmlElement, nested: set, links: bool = True) -> str:
    """The words of ``el`` less those of its nested members (and, ``links=False``, less
    the words of its links: what it says rather than where it points)."""
    parts = []

    def walk(node, in_link):
        if node.text and node.tag not in _SKIP and (links or not in_link):
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child not in nested and child.tag not in _SKIP:
                walk(child, in_link or child.tag == "a")
            if child.tail and (links or not in_link):
                parts.append(child.tail)

    walk(el, el.tag == "a")
    return " ".join(" ".join(parts).split())


# ---------------------------------------------------------------- what a post says
@dataclass
class Found:
    """One member of a group, read: where its parts are."""

    element: HtmlElement
    nested: set = field(default_factory=set)  # members inside it: its replies
    date_node: HtmlElement | None = None
    date: DateField = field(default_factory=DateField)
    author_node: HtmlElement | None = None
    author: tuple[str, str | None] | None = None  # (name, profile URL)
    body: HtmlElement | None = None
    own_text: int = 0
    listing_row: bool = False

    prose: bool = False

    @property
    def complete(self) -> bool:
        return self.body is not None and self.own_text >= 1 and not self.listing_row


def _date_in(nodes: list, body: HtmlElement | None) -> tuple[HtmlElement | None, DateField]:
    """The post's date: a <time>, a date attribute, else date-like text outside its body."""
    fallback: tuple[HtmlElement | None, DateField] = (None, DateField())
    for node in nodes:
        if node.tag == "time" and (node.get("datetime") or node.get("title")):
            machine = node.get("datetime")
            return node, DateField(
                raw=clean(node.text_content()) or clean(node.get("title")), machine=machine
            )
        for attr in _DATE_ATTRS:
            value = node.get(attr)
            if value and re.search(r"\d{4}|^\d{9,13}$", value.strip()):
                value = value.strip()
                if re.fullmatch(r"\d{12,13}", value):  # milliseconds
                    value = value[:-3]
                return node, DateField(
                    raw=clean(node.get("title")) or clean(node.text_content()) or None, machine=value
                )
    for node in nodes:
        if node.tag in ("blockquote", "pre", "code") or (body is not None and _inside(node, body)):
            continue
        for text in (node.text, node.get("title"), *(child.tail for child in node)):
            if not text or len(text) > 200:
                continue
            m = _DATE.search(text)
            if m:
                found = clean(m.group(0))
                if _CLOCK.search(found) or re.search(r"ago|vor |il y a|hace |\bfa\b|\d{4}", found, re.I):
                    return node, DateField(raw=found)
                if fallback[0] is None:
                    fallback = (node, DateField(raw=found))
    return fallback  # a date without a year or time of day: more often a join date; last resort


def _inside(node: HtmlElement, container: HtmlElement) -> bool:
    return node is container or any(a is container for a in node.iterancestors())


def _author_in(item: HtmlElement, nodes: list, base: str) -> tuple[HtmlElement | None, tuple | None]:
    """The post's author: an author attribute, an element named for one, a profile link,
    else a bold name."""
    for attr in _AUTHOR_ATTRS:
        name = clean(item.get(attr))
        if name and len(name) <= 60 and not name.startswith(("http", "{")):
            a = next(
                (n for n in nodes if n.tag == "a" and n.get("href") and clean(n.text_content()) == name), None
            )
            return item, (name, link(base, a.get("href")) if a is not None else None)
    for node in nodes:
        if node.get("itemprop") == "author" or _AUTHOR_CLASS.search(node.get("class") or ""):
            if node.xpath("ancestor::blockquote") or node is item:
                continue
            a = node if node.tag == "a" and node.get("href") else next(iter(node.xpath(".//a[@href]")), None)
            name = clean((a if a is not None else node).text_content())
            if name and 1 < len(name) <= 60 and not _DATE.fullmatch(name):
                return node, (name.lstrip("@"), link(base, a.get("href")) if a is not None else None)
    for node in nodes:
        if node.tag != "a" or node.xpath("ancestor::blockquote"):
            continue
        name = clean(node.text_content())
        if name and len(name) <= 60 and _PROFILE.search(node.get("href", "")):
            return node, (name.lstrip("@"), link(base, node.get("href")))
    for node in nodes:
        if node.tag in ("b", "strong") and not node.xpath("ancestor::blockquote"):
            name = clean(node.text_content())
            if name and len(name) <= 40:
                return node, (name, None)
    return None, None


def _body_in(item: HtmlElement, nested: set, avoid: list) -> tuple[HtmlElement | None, int]:
    """The block holding the post's own words, and how many characters they are."""
    candidates = []
    for el in _own_nodes(item, nested):
        if (
            el is item
            or not isinstance(el.tag, str)
            or el.tag in _SKIP
            or el.tag in ("a", "span", "b", "strong", "i", "em", "time", "small")
        ):
            continue
        if any(n is not None and (_inside(n, el) or el is n) for n in avoid):
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _NOT_BODY_CLASS.search(marks) and not _BODY_CLASS.search(el.get("class") or ""):
            continue
        candidates.append(el)
    if not candidates:
        # the post's words may sit straight in it, beside its header
        text = _own_text(item, nested, links=False)
        return (item, len(text)) if text else (None, 0)
    sized = [(el, len(_own_text(el, nested, links=False))) for el in candidates]
    best, size = max(
        sized, key=lambda s: s[1] + (s[1] // 4 if _BODY_CLASS.search(s[0].get("class") or "") else 0)
    )
    if size == 0:
        return None, 0
    # the deepest block that still holds nearly all of it (drops wrappers with furniture)
    deeper = [(el, n) for el, n in sized if _inside(el, best) and n >= 0.9 * size]
    best, size = max(deeper, key=lambda s: sum(1 for _ in s[0].iterancestors()))
    return best, size


def _is_listing_row(body: HtmlElement | None) -> bool:
    """A would-be body that is one link: a thread title on a board page, not a post."""
    if body is None:
        return False
    links = body.xpath(".//a[@href]")
    text = clean(body.text_content())
    return len(links) == 1 and bool(text) and clean(links[0].text_content()) == text


def read_member(el: HtmlElement, nested: set, base: str) -> Found:
    nodes = [n for n in _own_nodes(el, nested) if isinstance(n.tag, str)]
    found = Found(element=el, nested=nested)
    found.author_node, found.author = _author_in(el, nodes, base)
    found.date_node, found.date = _date_in(nodes, None)
    found.body, found.own_text = _body_in(el, nested, [found.date_node, found.author_node])
    if (
        found.body is not None
        and found.date_node is not None
        and _inside(found.date_node, found.body)
        and found.date_node.tag != "time"
    ):
        found.date_node, found.date = _date_in(
            nodes, found.body
        )  # a date quoted in the words is not its date
    found.listing_row = _is_listing_row(found.body)
    found.prose = found.body is not None and _is_prose(_own_text(found.body, nested, links=False))
    return found


# Words every sentence of a language needs: a post says something in them; a listing
# row's "12 replies, 340 views, last by NAME" does not.
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "to",
        "of",
        "in",
        "on",
        "is",
        "are",
        "was",
        "were",
        "be",
        "it",
        "this",
        "that",
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "my",
        "your",
        "not",
        "for",
        "with",
        "have",
        "has",
        "do",
        "does",
        "can",
        "will",
        "would",
        "if",
        "so",
        "what",
        "no",
        "yes",
        "just",
        "thanks",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ich",
        "du",
        "wir",
        "sie",
        "ein",
        "eine",
        "zu",
        "mit",
        "auf",
        "für",
        "es",
        "den",
        "dem",
        "le",
        "la",
        "les",
        "et",
        "est",
        "un",
        "une",
        "des",
        "du",
        "pas",
        "je",
        "tu",
        "nous",
        "vous",
        "il",
        "elle",
        "que",
        "qui",
        "en",
        "el",
        "los",
        "las",
        "y",
        "es",
        "un",
        "una",
        "que",
        "no",
        "yo",
        "de",
        "con",
        "por",
        "para",
        "il",
        "lo",
        "gli",
        "e",
        "è",
        "un",
        "una",
        "che",
        "non",
        "io",
        "di",
        "per",
        "con",
        "de",
        "het",
        "een",
        "en",
        "is",
        "niet",
        "ik",
        "je",
        "wij",
        "met",
        "op",
        "van",
        "o",
        "os",
        "as",
        "e",
        "é",
        "um",
        "uma",
        "que",
        "não",
        "eu",
        "de",
        "com",
        "para",
    ]
)


def _is_prose(text: str) -> bool:
    words = re.findall(r"\w+", text.lower())
    return len(words) >= 3 and (len(words) >= 25 or any(w in _FUNCTION_WORDS for w in words))


_POSTISH = re.compile(
    r"(post|message|comment|entry|reply|answer|question|topic|thread|status|story|article)", re.I
)


def _lone_post(found: Found) -> bool:
    """A single element read as the page's only post must look like one: not the page's
    frame, named or numbered as a post, saying more than it links."""
    el = found.element
    if (
        el.tag in ("html", "body", "main")
        or found.own_text < 60
        or found.date_node is None
        or found.author is None
    ):
        return False
    marks = f"{el.tag} {el.get('class') or ''} {el.get('id') or ''} {el.get('itemtype') or ''}"
    if not (_POSTISH.search(marks) or post_ident(el)):
        return False
    said = len(_own_text(el, found.nested, links=False))
    return said >= 0.5 * len(_own_text(el, found.nested))


@dataclass
class Group:
    shape: tuple
    members: list[Found]
    score: float

    @property
    def why(self) -> str:
        tag, kind, value = self.shape
        named = f"{kind}={' '.join(value)!r}" if kind == "class" else f"{kind}={value!r}" if value else "tag"
        return f"{len(self.members)} × <{tag}> {named}"


def post_groups(root: HtmlElement, base: str) -> list[Group]:
    """Groups of same-shaped elements that read as posts, best first."""
    body = next(iter(root.xpath("//body")), root)
    groups: dict[tuple, list[HtmlElement]] = defaultdict(list)
    for el in body.iter():
        s = shape(el)
        if s is not None:
            groups[s].append(el)
    scored = []
    for s, members in groups.items():
        members = [m for m in members if not _away(m)]
        if not members or len(members) > 600:
            continue
        member_set = set(members)
        nested_of: dict[HtmlElement, set] = defaultdict(set)
        for m in members:
            for a in m.iterancestors():
                if a in member_set:
                    nested_of[a].add(m)
                    break
        found = []
        for m in members:
            # an outer member's text that is all in its nested members is a container, not a post
            read = read_member(m, nested_of.get(m, set()), base)
            if read.complete:
                found.append(read)
        if not found:
            continue
        dated = sum(1 for f in found if f.date_node is not None)
        named = sum(1 for f in found if f.author is not None)
        n = len(found)
        if dated < 0.6 * n or named < 0.6 * n or sum(f.prose for f in found) < 0.5 * n:
            continue
        if n == 1 and not _lone_post(found[0]):
            continue
        size = sum(min(f.own_text, 3000) for f in found) / n
        score = (dated + named) / 2 * size**0.5 * (1 + 0.1 * min(n, 20))
        scored.append(Group(s, found, score))
    scored.sort(key=lambda g: -g.score)
    return scored


def choose(groups: list[Group]) -> tuple[list[Found], str]:
    """The thread's posts: the best group, with an opening post in another shape before
    it when there is one; and why."""
    if not groups:
        return [], ""
    best = groups[0]
    posts = list(best.members)
    elements = {f.element for f in posts}
    first = posts[0].element
    why = best.why
    for other in groups[1:]:
        if len(other.members) != 1:
            continue
        op = other.members[0]
        if op.date_node is None or op.author is None or op.element in elements:
            continue
        if any(_inside(op.element, e) or _inside(e, op.element) for e in elements):
            continue
        if _before(op.element, first) and _near(op.element, first):
            posts.insert(0, op)
            why += f", opened by {other.why}"
            break
    return posts, why


def _before(a: HtmlElement, b: HtmlElement) -> bool:
    """``a`` comes before ``b`` in the document."""
    for el in a.getroottree().getroot().iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


def _near(a: HtmlElement, b: HtmlElement, levels: int = 6) -> bool:
    """``a`` and ``b`` share an ancestor within ``levels`` of ``b`` (the same thread column)."""
    ancestors = set(list(b.iterancestors())[:levels])
    return any(x in ancestors for x in a.iterancestors())


class GenericReader(PageReader):
    """A page read by structure alone."""

    engine: Generic

    @cached_property
    def found(self) -> tuple[list[Found], str]:
        """The page's posts and why they were chosen (the page kind and the parse both
        ask; the search walks the whole tree once)."""
        return choose(post_groups(self.doc.root, self.base))

    def kind(self) -> str | None:
        return PAGE_THREAD if self.found[0] else None

    def thread(self, structured_title: str | None = None, shell: ThreadPage | None = None) -> ThreadPage:
        """The page's posts; the thread as ``shell`` has it (an engine's reading of the
        page), else as the page says it."""
        from forumcrawl.reading import pagefacts

        doc = self.doc
        posts, _why = self.found
        if shell is not None:
            thread, url = shell.thread, shell.thread.thread_id
        else:
            url = pagefacts.thread_url(doc)
            thread = self.new_thread(url, pagefacts.title_of(doc, structured_title), url)
        items: list[PostItem] = []
        ids: dict[HtmlElement, str] = {}
        for number, found in enumerate(posts, 1):
            item = self._post(found, url, number, ids)
            if item is not None:
                ids[found.element] = item.post_id
                items.append(item)
        if shell is not None:
            return self.thread_page(
                thread,
                items,
                page_number=shell.page_number,
                next_url=shell.next_url or pagefacts.next_url(doc),
            )
        return self.thread_page(thread, items, next_url=pagefacts.next_url(doc))

    def _post(self, found: Found, thread_id: str, number: int, ids: dict) -> PostItem | None:
        if found.body is None or found.author is None:
            return None
        body_el = found.body
        if found.nested and any(_inside(n, body_el) for n in found.nested):
            body_el = _without(body_el, found.nested)
        body = split_body(body_el, self.engine.quote_rule, self.engine.chrome(), self.base)
        if not body.text and not body.quotes:
            return None
        local = (
            post_ident(found.element)
            or hashlib.sha1(f"{found.author[0]}|{found.date.raw}|{body.text[:200]}".encode()).hexdigest()[:12]
        )
        post_id = f"{thread_id}#{local}"
        if post_id in ids.values():
            post_id = f"{post_id}-{number}"
        signature = [
            s for s in found.element.xpath(SIGNATURE) if not any(_inside(s, n) for n in found.nested)
        ]
        parent = next((ids[a] for a in found.element.iterancestors() if a in ids), None)
        anchor = found.element.get("id")
        return self.new_post(
            thread_id,
            post_id,
            body,
            url=f"{self.url.split('#')[0]}#{anchor}" if anchor else None,
            author=self.new_user(found.author[0], profile_url=found.author[1]),
            posted=found.date,
            signature_text=clean(signature[0].text_content()) if signature else None,
            element=found.element,
            parent_id=parent,
        )


def post_ident(el: HtmlElement) -> str | None:
    """The id the page gives a post: a ``data-*id`` attribute, its id, or its anchor."""
    for attr in _ID_ATTRS:
        value = (el.get(attr) or "").strip()
        if value and len(value) <= 64:
            return value
    ident = el.get("id")
    if ident:
        return ident
    anchor = next(iter(el.xpath("./a[@name]/@name | .//*[@id][1]/@id")), None)
    return anchor or None


def _without(body: HtmlElement, nested: set) -> HtmlElement:
    """A copy of ``body`` without the nested posts inside it."""
    import copy

    clone = copy.deepcopy(body)
    originals = list(body.iter())
    copies = list(clone.iter())
    for original, duplicate in zip(originals, copies, strict=True):
        if original in nested and duplicate.getparent() is not None:
            duplicate.getparent().remove(duplicate)
    return clone


class Generic(Engine):
    """Never claims a page in detection order (see the module docstring)."""

    name = "generic"
    reader = GenericReader
    quote_rule = GENERIC_QUOTES
    body_chrome = f"{SIGNATURE} | {EXPANDERS}"

    def detect(self, doc) -> list[str]:
        return []

    def post_id_from_local(self, thread_id: str, local: str) -> str:
        return f"{thread_id}#{local}"
