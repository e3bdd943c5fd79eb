"""Post bodies: in-post chrome out, quotes apart, clean HTML and text for what is left.

Engines say *where* things are (a :class:`QuoteRule`, chrome XPaths); this module does
the engine-independent work once. It never mutates the page tree it is given: the body
element is copied first, because the same tree also serves the user card, the dates
and the signature.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import html_text
import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from forumcrawl.items import QuoteItem
from forumcrawl.reading.nodes import join_url
from forumcrawl.reading.query import ClassQuery, compiled

# Chrome that can appear inside any engine's post body, by tag (lxml filters tags in C,
# where the equivalent XPath union walked the body once per tag).
GENERIC_BODY_CHROME = ("script", "style", "noscript", "template", "button", "form", "iframe")


@dataclass(frozen=True, slots=True)
class Attribution:
    author: str | None = None
    user_id: str | None = None
    post_id: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteRule:
    """How one engine marks up a quote.

    ``xpath`` finds quote containers (relative to the body, ``.//`` form); ``content``
    finds, inside one container, the element holding the quoted words (``None``: the
    container itself); ``chrome`` removes quote furniture such as "X said:" headers and
    "Click to expand..." links; ``attribution`` reads who and which post was quoted.
    """

    xpath: str
    attribution: Callable[[HtmlElement], Attribution]
    content: str | None = None
    chrome: str | None = None
    header: str | None = None  # furniture *beside* the quote (SMF's quoteheader), from it


@dataclass(slots=True)
class Body:
    """A post body taken apart: its own words (HTML and text), its quotes, and the
    links of each, which article recognition reads (links are not stored)."""

    html: str
    text: str
    quotes: list[QuoteItem] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    quote_links: list[list[str]] = field(default_factory=list)  # per quote, in order


_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
_SPACES = re.compile(r"[ \t\u00a0\u200b\u2009\u202f]+")
# Typographic quotes and apostrophes read as their plain forms, so "don’t" as typed on a
# phone and "don't" as typed on a keyboard are one word to a reader of the text (the
# page's own characters stay in the body HTML).
_PLAIN_QUOTES = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'))


def plain_quotes(text: str) -> str:
    # str.replace runs in C over the string; str.translate with a mapping goes through
    # Python per character, 20x slower on text that is not ASCII.
    for typographic, plain in _PLAIN_QUOTES:
        text = text.replace(typographic, plain)
    return text


def tidy(text: str) -> str:
    """Normalise spaces within lines, typographic quotes to plain ones, and cap runs of
    blank lines at one."""
    lines = [line.strip() for line in _SPACES.sub(" ", plain_quotes(text)).splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# What html-text's layout rules say of each tag (html_text.NEWLINE_TAGS and
# DOUBLE_NEWLINE_TAGS), and what its cleaner takes out before they are applied: the
# elements it drops with their content, and those it unwraps, keeping the content.
_NEWLINE_TAGS = frozenset(html_text.NEWLINE_TAGS)
_DOUBLE_NEWLINE_TAGS = frozenset(html_text.DOUBLE_NEWLINE_TAGS)
_DROPPED = frozenset({"script", "style", "link", "meta", "applet", "frame", "frameset", "noframes"})
_UNWRAPPED = frozenset({"iframe", "embed", "layer", "object", "param"})
_NEWLINE, _BLANK_LINE = object(), object()
_PUNCTUATION_AFTER = tuple(',:;.!?")')


def layout_text(root: HtmlElement) -> str:
    """The visible text of ``root`` with its line structure, exactly as html-text gives it
    (``extract_text(root, guess_layout=True)``), in one walk of the tree as it is.

    html-text copies and cleans the tree, then visits it with three closures and three
    regular expressions per piece of text; here the cleaning is part of the walk. A text
    the cleaner would join (the words either side of a dropped comment or script, an
    unwrapped ``<iframe>``'s content) is joined here too before its spacing is decided,
    and a test holds the two to the same output on every body of every fixture page.
    """
    if not isinstance(root.tag, str) or root.tag in _DROPPED or root.tag in _UNWRAPPED:
        return html_text.extract_text(root, guess_layout=True)  # html-text rewrites such a root
    chunks: list[str] = []
    prev: object = _BLANK_LINE  # a layout mark, or the raw text last added
    pending = ""  # text read but not yet added: the cleaner would have joined what follows

    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walk:
        tag = el.tag
        if event == "start":
            if tag in _DROPPED:
                walk.skip_subtree()
                continue
            if tag in _UNWRAPPED:
                pending += el.text or ""
                continue
        elif event == "end":
            if tag in _DROPPED or tag in _UNWRAPPED:
                pending += el.tail or ""
                continue
        else:  # a comment or processing instruction: dropped, its tail joined
            pending += el.tail or ""
            continue
        if pending:  # add the text
            text = " ".join(pending.split())
            if text:
                if prev is _NEWLINE or prev is _BLANK_LINE:
                    chunks.append(text)
                elif prev[-1].isspace() or (  # type: ignore[index]
                    not text.startswith(_PUNCTUATION_AFTER) and not prev.endswith("(")  # type: ignore[attr-defined]
                ):
                    chunks.append(" " + text)
                else:
                    chunks.append(text)
                prev = pending
        if prev is not _BLANK_LINE:  # the tag's line breaks
            if tag in _DOUBLE_NEWLINE_TAGS:
                chunks.append("\n" if prev is _NEWLINE else "\n\n")
                prev = _BLANK_LINE
            elif tag in _NEWLINE_TAGS:
                if prev is not _NEWLINE:
                    chunks.append("\n")
                prev = _NEWLINE
        pending = (el.text if event == "start" else el.tail if el is not root else None) or ""
    return "".join(chunks).strip()


def element_text(el: HtmlElement) -> str:
    """Visible text with line structure (``<br>``, blocks, paragraphs) kept, spaces and
    typographic quotes tidied (:func:`tidy`)."""
    text = layout_text(el)
    # The walk leaves no run of spaces, no space at a line's edge and at most one blank
    # line; only a zero-width space (not whitespace to Python) is left for tidy to do.
    return tidy(text) if "\u200b" in text else plain_quotes(text)


def inner_html(el: HtmlElement) -> str:
    """The element's content as HTML, without the line breaks a removed quote left at
    its edges (``<br>`` children before any text or after the last of it).

    ``el`` is taken apart: the caller's own copy, read for everything else first. Its
    children are serialised in one call (one per child cost more than the writing), and
    the text before them is added as it reads, unescaped, as it always was (changing it
    would make every stored post whose first words hold a ``&`` look edited).
    """
    text = el.text or ""
    while len(el) and el[0].tag == "br" and not text.strip():
        text = el[0].tail or ""
        el.remove(el[0])
    while len(el) and el[-1].tag == "br" and not (el[-1].tail or "").strip():
        el.remove(el[-1])
    if not len(el):
        return text.strip()
    el.text = None
    el.attrib.clear()
    el.tag = "div"
    children = lxml.html.tostring(el, encoding="unicode", with_tail=False)[5:-6]  # <div>…</div>
    return (text + children).strip()


def _drop(el: HtmlElement) -> None:
    """Remove an element but keep the text that follows it."""
    if el.getparent() is not None:
        el.drop_tree()


def _drop_quote(node: HtmlElement, rule: QuoteRule) -> None:
    if rule.header:
        for header in compiled(rule.header)(node):
            _drop(header)
    _drop(node)


def _remove(root: HtmlElement, xpath: str | None) -> None:
    if not xpath:
        return
    for el in compiled(xpath)(root):
        _drop(el)


def _twin(el: HtmlElement, tree: HtmlElement, twin_tree: HtmlElement) -> HtmlElement:
    """The element at ``el``'s place in ``twin_tree``, a copy of ``tree``."""
    path = []
    while el is not tree:
        parent = el.getparent()
        path.append(parent.index(el))
        el = parent
    for position in reversed(path):
        twin_tree = twin_tree[position]
    return twin_tree


def _links(el: HtmlElement, base: str) -> list[str]:
    out: list[str] = []
    for a in el.iterdescendants("a"):  # .//a/@href
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            out.append(join_url(base, href))
    return out


def split_body(
    body: HtmlElement,
    rule: QuoteRule,
    chrome: str | None = None,
    base: str = "",
    select: Callable[[HtmlElement, str], list] | None = None,
) -> Body:
    """Split a post body into its own words and the quotes it contains.

    Each quote becomes a :class:`QuoteItem` with its attribution and nesting depth
    (1 for a quote in the post, 2 for a quote inside that quote, ...); a quote's text
    excludes the quotes nested in it, which are rows of their own.

    ``select``: the page reader's selector, which answers a class query from the page's
    class index; the chrome it finds in the page's tree is removed from the body's copy
    at the same places, instead of searching the copy again.
    """
    root = copy.deepcopy(body)
    found = select(body, chrome) if select is not None and isinstance(chrome, ClassQuery) else None
    twins = [_twin(el, body, root) for el in found] if found is not None else []
    for el in list(root.iterdescendants(*GENERIC_BODY_CHROME)):
        _drop(el)
    if found is None:
        _remove(root, chrome)
    for el in twins:  # in a dropped element already: no longer in the copy, nothing happens
        _drop(el)

    quote_nodes = compiled(rule.xpath)(root)
    quote_set = set(quote_nodes)
    quotes: list[QuoteItem] = []
    quote_links: list[list[str]] = []
    for position, node in enumerate(quote_nodes):
        depth = 1 + sum(1 for anc in node.iterancestors() if anc in quote_set)
        who = rule.attribution(node)
        content = node
        if rule.content:
            found = compiled(rule.content)(node)
            if found:
                content = found[0]
        content = copy.deepcopy(content)
        _remove(content, rule.chrome)
        for nested in compiled(rule.xpath)(content):
            _drop_quote(nested, rule)
        quote_links.append(_links(content, base))  # before the text: cleaning for it drops embeds
        quotes.append(
            QuoteItem(
                position=position,
                depth=depth,
                text=element_text(content),
                author=who.author,
                author_user_id=who.user_id,
                post_id=who.post_id,
            )
        )

    for node in quote_nodes:
        if not any(anc in quote_set for anc in node.iterancestors()):
            _drop_quote(node, rule)

    text, links = element_text(root), _links(root, base)
    return Body(html=inner_html(root), text=text, quotes=quotes, links=links, quote_links=quote_links)
