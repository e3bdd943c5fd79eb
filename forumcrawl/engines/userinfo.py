"""User-card facts shown as label/value pairs ("Joined: Mar 18, 2011", "Messages: 2,206").

Engines put these in ``<dl><dt>label</dt><dd>value</dd></dl>`` lists whose labels are
translated by each forum, so the labels are matched against the words forums actually
use, in the languages of the corpus and their neighbours.
"""

from __future__ import annotations

import re

from parsel import SelectorList

from .base import clean, parse_count, text_of

_JOINED = re.compile(
    r"^(joined|join date|registered|member since|mitglied seit|dabei seit|registriert"
    r"( seit)?|im board seit|anmeldedatum|inscrit|inscription|membre depuis|iscritto"
    r"( il)?|registrato|registrado|miembro desde|lid sinds|geregistreerd)\b",
    re.I,
)
_MESSAGES = re.compile(
    r"^(messages|posts|post count|beiträge|nachrichten|messages postés|messaggi|mensajes"
    r"|berichten|reply count)\b",
    re.I,
)


def join_and_count(pairs: SelectorList) -> tuple[str | None, int | None]:
    """Read the join date text and the message count from ``dl`` pairs."""
    joined: str | None = None
    messages: int | None = None
    for dl in pairs:
        label = (clean(" ".join(dl.css("dt ::text").getall())) or "").rstrip(":").strip()
        if not label:
            label = clean(dl.css("dt ::attr(title), dt::attr(title)").get()) or ""
        value = text_of(dl.css("dd")[0]) if dl.css("dd") else None
        if not value:
            continue
        if joined is None and _JOINED.match(label):
            joined = value
        elif messages is None and _MESSAGES.match(label):
            messages = parse_count(value)
    return joined, messages
