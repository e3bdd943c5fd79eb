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
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cached_property

from lxml.html import HtmlElement

from forumcrawl.items import DateField, PostItem
from forumcrawl.reading.engines.base import PAGE_THREAD, Engine, PageReader, ThreadPage
from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.reading.nodes import clean, inline_text, link
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
# What a class name says an element is: its last word ("messageUserInfo" is an info box,
# "message-body" a body, "post_signature" a signature).
_BODY_WORDS = frozenset(
    {
        "content",
        "contents",
        "body",
        "text",
        "message",
        "msg",
        "comment",
        "post",
        "entry",
        "md",
        "usertext",
        "prose",
        "cooked",
        "article",
        "reply",
        "answer",
        "question",
        "bbcode",
        "bbwrapper",
        "richtext",
        "html",
        "postbody",
        "posttext",
        "messagetext",
        "postcontent",
        "description",
        "markdown",
        "wrapper",
        "container",
    }
)
_NOT_BODY_WORDS = frozenset(
    {
        "signature",
        "sig",
        "footer",
        "header",
        "meta",
        "info",
        "author",
        "user",
        "users",
        "userinfo",
        "avatar",
        "toolbar",
        "actions",
        "action",
        "controls",
        "control",
        "buttons",
        "button",
        "vote",
        "votes",
        "voting",
        "share",
        "sharing",
        "reactions",
        "reaction",
        "like",
        "likes",
        "tags",
        "tag",
        "attribution",
        "byline",
        "credit",
        "profile",
        "stats",
        "badge",
        "badges",
        "rank",
        "member",
        "poster",
        "extra",
        "extras",
        "date",
        "time",
        "timestamp",
        "details",
        "menu",
        "nav",
        "links",
        "bar",
        "title",
        "name",
        "username",
        "reputation",
        "karma",
        "flair",
        "postprofile",
        "userextras",
        "attachments",
        "attachment",
        "pagination",
        "pager",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
        "widget",
        "related",
        "edit",
        "edited",
        "lastedit",
        "ad",
        "ads",
        "sponsor",
        "sponsored",
        "banner",
        "modal",
        "popup",
        "tooltip",
    }
)
_WORD_SPLIT = re.compile(r"[-_]+|(?<=[a-z0-9])(?=[A-Z])")


def class_heads(el: HtmlElement) -> list[str]:
    """The last word of each of the element's class names (and of its id), lower-cased."""
    heads = []
    for name in (el.get("class") or "").split() + ([el.get("id")] if el.get("id") else []):
        words = [w for w in _WORD_SPLIT.split(name) if w and not w.isdigit()]
        if words:
            heads.append(words[-1].lower())
    return heads


def _not_body(el: HtmlElement) -> bool:
    heads = class_heads(el)
    return any(h in _NOT_BODY_WORDS for h in heads) and not any(h in _BODY_WORDS for h in heads)


def _body_named(el: HtmlElement) -> bool:
    return any(h in _BODY_WORDS for h in class_heads(el))


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
    "content",  # <span itemprop="datePublished" content="...">
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
# Quote containers by class: the names engines and themes give a quoted passage's box
# (not "js-selectToQuote", "multiquote" or a "quote" button, which are about quoting).
_QUOTE_NAMES = (
    "quote",
    "bbCodeQuote",
    "bbCodeBlock--quote",
    "bbcode_quote",
    "bbcode-quote",
    "ipsQuote",
    "quotebox",
    "quote-box",
    "quotecontent",
    "postquote",
    "UserQuote",
    "Quote",
    "mycode_quote",
    "bbc_standard_quote",
    "bbc_alternate_quote",
    "quoteblock",
    "quotemain",
    "quote_container",
    "bbcode_container",
    "citation",
)
_QUOTE_CLASS = (
    "("
    + " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {n} ')" for n in _QUOTE_NAMES)
    + ")"
)
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
        f".//*[self::blockquote or {_QUOTE_CLASS}]"
        f"[not(ancestor::*[self::blockquote or {_QUOTE_CLASS}])]"
        "[not(contains(@class,'messageText') or contains(@class,'postcontent'))]"
    ),
    attribution=_quote_attribution,
)


# ---------------------------------------------------------------- shapes
# The last words of class names that mark a state ("ipsComment_highlighted", "post--unread").
_STATE_HEADS = frozenset(
    {
        "highlighted",
        "highlight",
        "active",
        "selected",
        "current",
        "new",
        "unread",
        "read",
        "first",
        "last",
        "odd",
        "even",
        "alt",
        "op",
        "starter",
        "sticky",
        "pinned",
        "featured",
        "hidden",
        "visible",
        "open",
        "closed",
        "collapsed",
        "expanded",
        "deleted",
        "ignored",
        "online",
        "offline",
        "moderated",
        "mine",
        "own",
        "self",
        "solved",
        "accepted",
        "staff",
    }
)


def _state(token: str) -> bool:
    if _STATE.match(token):
        return True
    words = [w for w in _WORD_SPLIT.split(token) if w]
    return len(words) > 1 and words[-1].lower() in _STATE_HEADS


def shape(el: HtmlElement) -> tuple | None:
    """What kind of element this is, for grouping: (tag, classes) or (tag, id pattern)."""
    tag = el.tag
    if not isinstance(tag, str) or tag in _SKIP:
        return None
    tokens = (el.get("class") or "").split()
    classes = tuple(sorted(c for c in tokens if not _state(c) and not _DIGITS.search(c)))
    if tokens and not classes:  # only alternation classes ("windowbg", "windowbg2"): one kind all the same
        classes = tuple(sorted({_DIGITS.sub("", c) for c in tokens if len(_DIGITS.sub("", c)) > 2}))
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
        # what the element is: its first class name (the component; later ones are
        # modifiers such as "fixed-sidebar" on a page's main container) and its id
        classes = (a.get("class") or "").split()
        marks = f"{classes[0] if classes else ''} {a.get('id') or ''}"
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


_JOINED_LABEL = re.compile(
    r"(joined|join date|registered|member since|mitglied seit|dabei seit|registriert|im board seit|anmeldedatum|"
    r"inscrit|inscription|membre depuis|iscritto|registrato|registrado|miembro desde|lid sinds|zuletzt|last seen|"
    r"last active|last visit|letzter besuch|last post|dernier message|ultimo messaggio|birthday|geburtstag)\W*$",
    re.I,
)
_EDITED = re.compile(
    r"\b(edited|updated|modified|bearbeitet|geändert|modifié|modificato|editado|bewerkt)\b", re.I
)
_DATE_WORDS = frozenset(
    {
        "date",
        "time",
        "timestamp",
        "posted",
        "postdate",
        "created",
        "published",
        "datetime",
        "ago",
        "when",
        "dt",
        "stamp",
        "postedon",
        "publishdate",
    }
)
_CARD_WORDS = frozenset(
    {
        "user",
        "users",
        "author",
        "member",
        "profile",
        "userinfo",
        "poster",
        "extra",
        "extras",
        "stats",
        "details",
        "info",
        "postprofile",
        "userextras",
        "card",
        "sidebar",
        "avatar",
    }
)


def _label_before(node: HtmlElement, text: str) -> str:
    """The words just before a date: its own text before it, else the element before it
    (a ``<dt>Joined</dt><dd>date</dd>`` pair, a "Registered:" label)."""
    before = text.split(text.strip()[:4], 1)[0] if text.strip() else ""
    if before.strip():
        return before
    prev = node.getprevious()
    if prev is not None and isinstance(prev.tag, str):
        return clean(prev.text_content()) or ""
    parent = node.getparent()
    return (parent.text or "") if parent is not None else ""


def _date_in(nodes: list, body: HtmlElement | None) -> tuple[HtmlElement | None, DateField]:
    """The post's date: the best of its date candidates, a <time> or a date attribute
    before a date-like text, a date with a time of day before one without, an element
    named for a date before one in a user card, and never one labelled as a join date
    or a "last seen"."""
    best: tuple[float, int, HtmlElement | None, DateField] = (-1e9, 0, None, DateField())
    cache = _DATE_CANDIDATES.get()
    for order, node in enumerate(nodes):
        if node.tag in ("blockquote", "pre", "code") or (body is not None and _inside(node, body)):
            continue
        if cache is None:
            candidate = _date_candidate(node)
        elif node in cache:
            candidate = cache[node]
        else:
            candidate = cache[node] = _date_candidate(node)
        if candidate is None:
            continue
        score, field = candidate
        # of equal readings, the innermost element's: its text is the date alone
        if score > best[0] or (score == best[0] and best[2] is not None and _inside(node, best[2])):
            best = (score, order, node, field)
    if best[2] is None or best[0] <= -5:
        return None, DateField()
    return best[2], replace(best[3])  # a copy: normalising a post's date must not touch the cache


# Each node's date reading depends on the node alone, while the generic reader reads the
# nodes of nested frames (body, wrappers, posts) once per frame; within post_groups the
# readings are kept per page.
_DATE_CANDIDATES: ContextVar[dict | None] = ContextVar("date_candidates", default=None)


def _date_candidate(node: HtmlElement) -> tuple[float, DateField] | None:
    """A node's reading as a post date: (score, the date), or None."""
    heads = set(class_heads(node))
    place = 2 if heads & _DATE_WORDS else 0
    if any(set(class_heads(a)) & _CARD_WORDS for a in [node, *list(node.iterancestors())[:4]]):
        place -= 2
    found = None
    if node.tag == "time" and (node.get("datetime") or node.get("title")):
        text = clean(node.text_content()) or clean(node.get("title"))
        found = (6, DateField(raw=_with_time(text, node), machine=node.get("datetime")))
    else:
        for attr in _DATE_ATTRS:
            value = (node.get(attr) or "").strip()
            if value and re.search(r"\d{4}|^\d{9,13}$", value):
                if re.fullmatch(r"\d{12,13}", value):  # milliseconds
                    value = value[:-3]
                shown = clean(node.get("title")) or clean(node.text_content()) or None
                found = (5, DateField(raw=shown if shown and len(shown) < 80 else None, machine=value))
                break
    if found is None:
        text = _short_text(node)
        m = _DATE.search(text) if text else None
        title = _tooltip(node)
        in_title = _DATE.search(title) if title and len(title) < 120 else None
        if in_title is not None and (m is None or (_CLOCK.search(title) and not _CLOCK.search(m.group(0)))):
            # the title is the fuller reading ("29.01.19" shown, "29.01.19 um 15:25 Uhr" in it)
            m, text = in_title, title
        if m is None:
            return None
        shown = clean(text) if text is title and len(title) <= 60 else clean(m.group(0))
        score = 2 + (2 if _CLOCK.search(shown) else 0) + (1 if re.search(r"\d{4}|ago", shown, re.I) else 0)
        if _JOINED_LABEL.search(_label_before(node, text)[-40:]):
            score -= 20
        found = (score, DateField(raw=shown))
    if node.get("itemprop") == "dateModified" or _EDITED.search(_short_text(node)[:40]):
        score_penalty = 4  # an edit's stamp: the post's date only when it shows no other
    else:
        score_penalty = 0
    return found[0] + place - score_penalty, found[1]


# Where a page keeps the full date it shows as "1 year ago": the title, or a script's
# tooltip or an accessible label.
_TOOLTIPS = ("title", "data-tippy-content", "data-original-title", "data-tooltip", "data-title", "aria-label")


def _tooltip(node: HtmlElement) -> str:
    for name in _TOOLTIPS:
        value = node.get(name)
        if value and _DATE.search(value):
            return value
    return ""


def _short_text(node: HtmlElement) -> str:
    """An element's text when it is short (a date line, not a paragraph that names a day)."""
    text = node.text_content() if len(node) < 6 else (node.text or "")
    return text if len(text) <= 160 else ""


def _with_time(text: str | None, node: HtmlElement) -> str | None:
    """A ``<time>``'s text, with the time of day its title adds when the text has none."""
    title = clean(node.get("title"))
    if text and title and title.startswith(text) and _CLOCK.search(title):
        return title
    return text


def _inside(node: HtmlElement, container: HtmlElement) -> bool:
    return node is container or any(a is container for a in node.iterancestors())


_COUNT_AFTER = re.compile(r"(\s+[\d.,]+[kKmM]?)+$")


def _name_like(name: str | None, limit: int = 60) -> bool:
    """A member's name: short, not a date, not a label."""
    return bool(name) and 1 < len(name) <= limit and not name.endswith(":") and not _DATE.search(name)


def _author_in(item: HtmlElement, nodes: list, base: str) -> tuple[HtmlElement | None, tuple | None]:
    """The post's author: an author attribute, an element named for one, a profile link,
    else a bold name."""
    for attr in _AUTHOR_ATTRS:
        name = clean(item.get(attr))
        if name and len(name) <= 60 and not name.startswith(("http", "{")):
            a = next((n for n in nodes if n.tag == "a" and n.get("href") and inline_text(n) == name), None)
            return a, (name, link(base, a.get("href")) if a is not None else None)
    named = [
        n
        for n in nodes
        if (n.get("itemprop") == "author" or _AUTHOR_CLASS.search(n.get("class") or ""))
        and n is not item
        and not n.xpath("ancestor::blockquote")
    ]
    for with_link in (True, False):  # an author element with a link to a profile first
        for node in named:
            a = node if node.tag == "a" and node.get("href") else next(iter(node.xpath(".//a[@href]")), None)
            if with_link != (a is not None):
                continue
            name = inline_text(a if a is not None else node)
            if a is None and name:
                name = _COUNT_AFTER.sub("", name)  # "Raze 17,536": a name and its reputation
            if _name_like(name):
                return node, (name.lstrip("@"), link(base, a.get("href")) if a is not None else None)
    for node in nodes:
        if node.tag != "a" or node.xpath("ancestor::blockquote"):
            continue
        name = inline_text(node)
        if _name_like(name) and _PROFILE.search(node.get("href", "")):
            return node, (name.lstrip("@"), link(base, node.get("href")))
    for node in nodes:
        if node.tag in ("b", "strong") and not node.xpath("ancestor::blockquote"):
            name = inline_text(node)
            if _name_like(name, 40):
                return node, (name, None)
    return None, None


_HEADER_SEPARATORS = " \t\n·•|-–—,:"


def _name_before(date_node: HtmlElement, raw: str | None) -> tuple[HtmlElement | None, tuple | None]:
    """A header line's name that is no link: "keepingsanity · <span>03/03/2026</span>",
    or the date element's own words before the date."""
    own = clean(date_node.text_content()) or ""
    if raw and raw in own and not own.startswith(raw):
        return _header_name(date_node, own.split(raw, 1)[0])
    line = date_node.getparent()
    if line is None or line.tag in ("blockquote", "body") or len(clean(line.text_content()) or "") > 120:
        return None, None
    parts = [line.text or ""]
    for child in line:
        if child is date_node:
            break
        parts += [child.text_content() if isinstance(child.tag, str) else "", child.tail or ""]
    else:
        return None, None
    return _header_name(line, "".join(parts))


def _header_name(line: HtmlElement, before: str) -> tuple[HtmlElement | None, tuple | None]:
    name = clean(before.strip(_HEADER_SEPARATORS))
    if name and _name_like(name, 40) and len(name.split()) <= 4 and not _is_prose(name):
        return line, (name.lstrip("@"), None)
    return None, None


def _body_in(item: HtmlElement, nested: set, avoid: list) -> tuple[HtmlElement | None, int]:
    """The block holding the post's own words, and how many characters they are."""
    candidates = []
    stack = list(reversed([c for c in item if isinstance(c.tag, str)]))
    while stack:  # the post's blocks, not looking into user cards, footers, toolbars...
        el = stack.pop()
        if el in nested or el.tag in _SKIP or _not_body(el):
            continue
        stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))
        if el.tag in ("a", "span", "b", "strong", "i", "em", "time", "small"):
            continue
        if any(n is not None and (_inside(n, el) or el is n) for n in avoid):
            continue
        candidates.append(el)
    if not candidates:
        # the post's words may sit straight in it, beside its header
        text = _own_text(item, nested, links=False)
        return (item, len(text)) if text else (None, 0)
    sized = [(el, len(_own_text(el, nested, links=False))) for el in candidates]
    best, size = max(sized, key=lambda s: s[1] + (s[1] // 4 if _body_named(s[0]) else 0))
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
    """A member's parts: its date and author, and the block of its own words that holds
    neither; when the words' block does hold a date (a "merged posts" stamp inside the
    text), the words come first and the date and author are taken from outside them."""
    nodes = [n for n in _own_nodes(el, nested) if isinstance(n.tag, str)]
    found = Found(element=el, nested=nested)
    found.author_node, found.author = _author_in(el, nodes, base)
    found.date_node, found.date = _date_in(nodes, None)
    if found.author is None and found.date_node is not None:
        found.author_node, found.author = _name_before(found.date_node, found.date.raw)
    found.body, found.own_text = _body_in(el, nested, [found.date_node, found.author_node])
    words, size = _body_in(el, nested, [])
    if words is not None and words is not el and size > 2 * found.own_text + 20:
        outside = [n for n in nodes if not _inside(n, words)]
        date_node, date = _date_in(outside, None)
        author_node, author = _author_in(el, outside, base)
        if date_node is not None or found.date_node is None:
            found.body, found.own_text = words, size
            found.date_node, found.date = date_node, date
            if author is not None:
                found.author_node, found.author = author_node, author
    if found.body is not None:
        # what the body says beyond the date and the name it may hold (a header line is no post)
        for node, said in (
            (found.date_node, found.date.raw),
            (found.author_node, found.author and found.author[0]),
        ):
            if node is not None and said and _inside(node, found.body):
                found.own_text -= len(said)
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
        "una",
        "yo",
        "de",
        "con",
        "por",
        "para",
        "lo",
        "gli",
        "e",
        "è",
        "che",
        "non",
        "io",
        "di",
        "per",
        "het",
        "een",
        "niet",
        "ik",
        "wij",
        "met",
        "op",
        "van",
        "o",
        "os",
        "as",
        "é",
        "um",
        "uma",
        "não",
        "eu",
        "com",
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
    token = _DATE_CANDIDATES.set({})
    try:
        return _post_groups(root, base)
    finally:
        _DATE_CANDIDATES.reset(token)


def _post_groups(root: HtmlElement, base: str) -> list[Group]:
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
    if len(scored) > 1:
        whole = _whole_of(scored[0], scored[1:])
        if whole is not None:
            scored.remove(whole)
            scored.insert(0, whole)
    # A page of one post: the innermost element that reads as it, not the frames around it
    # (which say the same words, and more of the page's chrome).
    while len(scored) > 1 and len(scored[0].members) == 1:
        outer = scored[0].members[0]
        inner = next(
            (
                g
                for g in scored[1:]
                if len(g.members) == 1
                and g.members[0].element is not outer.element
                and _inside(g.members[0].element, outer.element)
                and g.members[0].author is not None
                and g.members[0].date_node is not None
            ),
            None,
        )
        if inner is None:
            break
        scored.remove(inner)
        scored.insert(0, inner)
    return scored


def _whole_of(best: Group, others: list[Group]) -> Group | None:
    """A group whose members are the best group's members each whole: one apiece, as a
    post's wrapper holds its user-card row and its message row (of which a theme may mark
    only some alike, and a login box's row too). Posts are wholes; of several equal
    wrappers, the innermost."""
    parts = [m.element for m in best.members]
    # a part left outside every wrapper may be a login box's row, not a post: undated, short
    kept = {m.element for m in best.members if m.date_node is not None or m.own_text >= 200}
    wholes = []
    for other in others:
        if other.score < 0.75 * best.score or len(other.members) < 2:
            continue
        held = [{p for p in parts if _inside(p, m.element) and p is not m.element} for m in other.members]
        if all(len(h) == 1 for h in held):
            inside = set().union(*held)
            if len(inside) >= len(parts) - 1 and kept <= inside:
                wholes.append(other)
    if not wholes:
        return None
    top = max(g.score for g in wholes)
    return max(
        (g for g in wholes if g.score >= 0.98 * top),
        key=lambda g: sum(1 for _ in g.members[0].element.iterancestors()),
    )


def choose(groups: list[Group], base: str = "") -> tuple[list[Found], str]:
    """The thread's posts: the best group, with the post that opens the thread when it
    has another shape: a single post before the replies, or the element around them
    whose own words, date and author stand outside them (a question above its
    answers); and why."""
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
            return posts, f"{why}, opened by {other.why}"
    opening = _around(first, elements, base)
    if opening is not None:
        posts.insert(0, opening)
        why += f", opened by the <{opening.element.tag}> around them"
    return posts, why


def _around(first: HtmlElement, members: set, base: str, levels: int = 5) -> Found | None:
    """The post whose element holds the replies: the nearest ancestor of the first reply
    that, the replies left out, has its own words (before the replies), a date and an
    author."""
    for ancestor in list(first.iterancestors())[1 : levels + 1]:
        if ancestor.tag in ("html", "body") or _away(ancestor):
            break
        inside = {m for m in members if _inside(m, ancestor)}
        found = read_member(ancestor, inside, base)
        if not (found.complete and found.prose and found.author is not None and found.date_node is not None):
            continue
        if found.own_text < 40 or not _before(found.body, first) or _inside(first, found.body):
            continue
        return found
    return None


def _before(a: HtmlElement, b: HtmlElement) -> bool:
    """``a`` comes before ``b`` in the document."""
    for el in a.getroottree().getroot().iter():
        if el is a:
            return True
        if el is b:
            return False
    return False


def _near(a: HtmlElement, b: HtmlElement, levels: int = 10) -> bool:
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
        return choose(post_groups(self.doc.root, self.base), self.base)

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

    def detect(self, doc, confirm: bool = False) -> list[str]:
        return []

    def post_id_from_local(self, thread_id: str, local: str) -> str:
        return f"{thread_id}#{local}"
