"""Forum engines and their detection.

:func:`detect` asks each registered engine whether a page is its own, in a fixed order,
and returns the first that answers with evidence. Every engine module is pure parsing:
a parsel ``Selector`` in, :class:`~forumcrawl.reading.engines.base.ThreadPage` or
:class:`~forumcrawl.reading.engines.base.BoardPage` out.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector

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
ENGINES: dict[str, Engine] = {engine.name: engine for engine in (
    XenForo2(), XenForo1(), VBulletin5(), VBulletin4(), VBulletin3(), MyBB(), PhpBB3(), SMF(), Invision(), Discourse(), Flarum(), Vanilla(), FluxBB(), NodeBB(), Forumotion(), GENERIC,
)}


class UnknownEngine(LookupError):
    """No registered engine recognised the page."""


@dataclass(frozen=True, slots=True)
class Detection:
    engine: Engine
    evidence: list[str]


def detect_json(data: object) -> Detection:
    """Which engine's API produced this JSON response."""
    for engine in ENGINES.values():
        evidence = engine.detect_json(data)
        if evidence:
            return Detection(engine, evidence)
    raise UnknownEngine("a JSON response that no engine's API reader recognises; JSON is read "
                        f"for {', '.join(e.name for e in ENGINES.values() if type(e).detect_json is not Engine.detect_json)}")


def get_engine(name: str) -> Engine:
    try:
        return ENGINES[name]
    except KeyError:
        raise UnknownEngine(f"unknown engine {name!r}; known: {', '.join(ENGINES)}") from None


def detect(sel: Selector, prefer: str | None = None) -> Detection:
    """Which engine wrote this page, and why we think so.

    ``prefer`` (the engine of the site's previous page) is asked first: a crawl of one
    forum then pays for one engine's evidence per page, not for every engine's before it.
    """
    first = [ENGINES[prefer]] if prefer in ENGINES else []
    for engine in first + [e for name, e in ENGINES.items() if name != prefer]:
        evidence = engine.detect(sel)
        if evidence:
            return Detection(engine, evidence)
    _containers, why = GENERIC.post_containers(sel.root)
    if why:
        return Detection(GENERIC, [f"fallback: no engine matched; posts found as {why}"])
    generator = sel.xpath("//meta[@name='generator']/@content").get()
    hint = f" (meta generator: {generator!r})" if generator else ""
    raise UnknownEngine(
        f"no known forum engine recognised this page{hint}; known engines: {', '.join(ENGINES)}"
    )


__all__ = ["ENGINES", "Detection", "Engine", "UnknownEngine", "detect", "detect_json", "get_engine"]
