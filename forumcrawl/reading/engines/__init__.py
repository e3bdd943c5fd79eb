"""Forum engines: the registry, detection, and engines customised for a site.

:func:`detect` asks each registered engine whether a page is its own, in a fixed order
(the site's previous engine first), and returns the first that answers with evidence.
Every engine module is pure reading: a :class:`~forumcrawl.reading.document.Document`
in, a :class:`~forumcrawl.reading.engines.base.ThreadPage` or
:class:`~forumcrawl.reading.engines.base.BoardPage` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from forumcrawl.reading.document import Document
from forumcrawl.reading.engines.base import Engine
from forumcrawl.reading.engines.discourse import Discourse
from forumcrawl.reading.engines.flarum import Flarum
from forumcrawl.reading.engines.fluxbb import FluxBB
from forumcrawl.reading.engines.forumotion import Forumotion
from forumcrawl.reading.engines.generic import Generic
from forumcrawl.reading.engines.invision import Invision
from forumcrawl.reading.engines.mybb import MyBB
from forumcrawl.reading.engines.nodebb import NodeBB
from forumcrawl.reading.engines.phpbb3 import PhpBB3
from forumcrawl.reading.engines.smf import SMF
from forumcrawl.reading.engines.vanilla import Vanilla
from forumcrawl.reading.engines.vbulletin3 import VBulletin3
from forumcrawl.reading.engines.vbulletin4 import VBulletin4
from forumcrawl.reading.engines.vbulletin5 import VBulletin5
from forumcrawl.reading.engines.xenforo1 import XenForo1
from forumcrawl.reading.engines.xenforo2 import XenForo2

GENERIC = Generic()  # not in the detection order: the fallback when nothing matches
ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        XenForo2(),
        XenForo1(),
        VBulletin5(),
        VBulletin4(),
        VBulletin3(),
        MyBB(),
        PhpBB3(),
        SMF(),
        Invision(),
        Discourse(),
        Flarum(),
        Vanilla(),
        FluxBB(),
        NodeBB(),
        Forumotion(),
        GENERIC,
    )
}
JSON_ENGINES = tuple(e.name for e in ENGINES.values() if type(e).detect_json is not Engine.detect_json)


class UnknownEngine(LookupError):
    """No registered engine recognised the page."""


@dataclass(frozen=True, slots=True)
class Detection:
    engine: Engine
    evidence: list[str]


def get_engine(name: str, selectors: tuple[tuple[str, str], ...] = ()) -> Engine:
    """The engine called ``name``, with a site's selectors replaced (``sites.toml``)."""
    if name not in ENGINES:
        raise UnknownEngine(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    return _customised(name, selectors) if selectors else ENGINES[name]


@lru_cache(maxsize=64)
def _customised(name: str, selectors: tuple[tuple[str, str], ...]) -> Engine:
    return ENGINES[name].customised(**dict(selectors))


def detect(doc: Document, prefer: str | None = None) -> Detection | None:
    """Which engine wrote this page, and why we think so; None when none did.

    ``prefer`` (the engine of the site's previous page) is asked first, and only to
    confirm: a crawl of one forum then pays for one engine's first signs per page, not
    for every engine's evidence before it.
    """
    first = [ENGINES[prefer]] if prefer in ENGINES and prefer != GENERIC.name else []
    for engine in first + [e for name, e in ENGINES.items() if name not in (prefer, GENERIC.name)]:
        evidence = engine.detect(doc, confirm=engine.name == prefer)
        if evidence:
            return Detection(engine, evidence)
    return None


def detect_json(data: object) -> Detection:
    """Which engine's API produced this JSON response."""
    for name in JSON_ENGINES:
        evidence = ENGINES[name].detect_json(data)
        if evidence:
            return Detection(ENGINES[name], evidence)
    raise UnknownEngine(
        f"a JSON response that no engine's API reader recognises; JSON is read for {', '.join(JSON_ENGINES)}"
    )


__all__ = [
    "ENGINES",
    "GENERIC",
    "Detection",
    "Engine",
    "UnknownEngine",
    "detect",
    "detect_json",
    "get_engine",
]
