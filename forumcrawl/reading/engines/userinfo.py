"""User-card facts: "Joined: Mar 18, 2011", "Messages: 2,206", "11,907 posts".

Engines show these as ``<dl><dt>label</dt><dd>value</dd></dl>`` pairs, as
``<dd><strong>Joined:</strong> value</dd>`` lines, or as plain "Join Date: May 2015"
text, with labels translated by each forum; the labels are matched against the words
forums actually use, in the languages of the corpus and their neighbours.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from forumcrawl.reading.nodes import clean, parse_count, text_of

_JOINED = re.compile(
    r"^(joined|join date|registered|member since|mitglied seit|dabei seit|registriert"
    r"( seit)?|im board seit|anmeldedatum|inscrit|inscription|date d'inscription|membre depuis"
    r"|iscritto( il)?|registrato|data di registrazione|registrado|miembro desde|fecha de registro"
    r"|lid sinds|geregistreerd|date registered)\b",
    re.I,
)
_MESSAGES = re.compile(
    r"^(messages|posts|post count|beiträge|nachrichten|messages postés|messaggi|mensajes"
    r"|berichten|reply count|total posts)\b",
    re.I,
)
_COUNT_FIRST = re.compile(r"^([\d.,\s]+[kKmM]?)\s+(posts|beiträge|messages|messaggi|mensajes)\b", re.I)


def _pairs(node) -> list[tuple[str, str | None]]:
    """(label, value) pairs held by one user-card node."""
    if isinstance(node, str):  # a text node: "Posts: 16"
        label, sep, value = node.partition(":")
        return [(clean(label) or "", clean(value))] if sep else []
    root = node
    # ./dt | ./*/dt, in document order
    dts = (
        []
        if root.tag == "dt"
        else [
            dt
            for dt in root.iterdescendants("dt")
            if dt.getparent() is root or dt.getparent().getparent() is root
        ]
    )
    if dts:
        out = []
        for dt in dts:
            label = text_of(dt) or clean(dt.get("title"))
            dd = next(dt.itersiblings(etree.Element), None)  # following-sibling::*[1]
            out.append((label or "", text_of(dd) if dd is not None and dd.tag == "dd" else None))
        return out
    text = text_of(node) or ""
    count = _COUNT_FIRST.match(text)
    if count:
        return [(count.group(2), count.group(1))]
    label, sep, value = text.partition(":")
    return [(label, clean(value))] if sep else []


def read_facts(nodes: list) -> tuple[str | None, int | None]:
    """The join date text and the message count from a post's user card (elements or
    text nodes, as a selector returns them)."""
    joined: str | None = None
    messages: int | None = None
    for node in nodes:
        for label, value in _pairs(node):
            if not value:
                continue
            kind = _kind_of(label)
            if kind is _JOINED:
                if joined is None:
                    joined = value
            elif kind is _MESSAGES and messages is None:
                messages = parse_count(value)
    return joined, messages


@lru_cache(maxsize=1024)
def _kind_of(label: str) -> re.Pattern | None:
    """Which fact a label names (the pattern that matches it): a forum's few labels,
    read once each."""
    label = label.rstrip(":").strip()
    if _JOINED.match(label):
        return _JOINED
    if _MESSAGES.match(label):
        return _MESSAGES
    return None
