"""The WCXB forum pages (``../shared/corpus/wcxb-dev``) scored in process, as their own
``score.py`` scores ``forumcrawl extract``: word precision/recall/F1 of the posts' text
(quotes first, then the post's own words) against ``main_content``, the share of
``with`` snippets found and of ``without`` snippets leaked, and the first post's author,
day and the thread title. ``score.py`` runs one process per page; this runs in one, for
``bench/accuracy.py --wcxb`` and the tests, and agrees with it page for page.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from forumcrawl.reading.context import PageContext
from forumcrawl.storage.records import records_for

WORD = re.compile(r"\w+", re.U)
NO_POST_TEXT = frozenset({"challenge", "login_wall", "app_shell"})


def words(s: str | None) -> list[str]:
    return WORD.findall((s or "").lower())


def prf(pred: str, ref: str) -> tuple[float, float, float]:
    pt, rt = words(pred), words(ref)
    if not rt:
        return (1.0, 1.0, 1.0) if not pt else (0.0, 0.0, 0.0)
    if not pt:
        return 0.0, 0.0, 0.0
    overlap = sum((collections.Counter(pt) & collections.Counter(rt)).values())
    p, r = overlap / len(pt), overlap / len(rt)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def snippet_rate(text: str, snippets: list[str]) -> float:
    if not snippets:
        return 1.0
    low = text.lower()
    return sum(s.lower() in low for s in snippets) / len(snippets)


def same_day(gold: str | None, pred: str | None) -> bool:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", gold or "")
    n = re.match(r"(\d{4})-(\d{2})-(\d{2})", pred or "")
    if not (m and n):
        return False
    a, b = (dt.date(*map(int, x.groups())) for x in (m, n))
    return abs((a - b).days) <= 1


def same_name(gold: str | None, name: str | None) -> bool:
    def key(s):
        return re.sub(r"\s+", " ", (s or "").strip().lstrip("@")).lower()

    return bool(name) and key(gold) == key(name)


@dataclass
class WcxbScore:
    page: str
    domain: str
    reader: str = "failed"
    posts: int = 0
    p: float = 0.0
    r: float = 0.0
    f1: float = 0.0
    with_rate: float = 0.0
    without_rate: float = 0.0
    checks: dict[str, bool | None] = field(default_factory=dict)  # author, date, title: None = no gold
    error: str | None = None
    # the page holds no post text at all, by forumcrawl's own verdict (a bot challenge,
    # a login wall, a JavaScript app shell): scored zero like any failure, and named
    no_post_text: bool = False


def page_text(posts: list[dict]) -> str:
    return "\n\n".join(
        " ".join([*(q.get("text") or "" for q in p.get("quotes") or []), p.get("body_text") or ""])
        for p in posts
    )


def score(page_dir: Path, context: PageContext | None = None) -> WcxbScore:
    gold = json.loads((page_dir / "gold.json").read_text(encoding="utf-8"))
    result = WcxbScore(page=gold["id"], domain=gold["domain"])
    try:
        records = records_for(
            (page_dir / "page.html").read_bytes(), gold["url"] or page_dir.as_uri(), context
        )
    except Exception as exc:  # a failed page scores zero, as in score.py
        result.error = f"{type(exc).__name__}: {exc}"
        result.no_post_text = getattr(exc, "reason", None) in NO_POST_TEXT
        records = []
    thread = next((r for r in records if r["type"] == "thread"), {})
    posts = [r for r in records if r["type"] == "post"]
    if records:
        result.reader = thread.get("reader") or thread.get("engine") or "?"
    result.posts = len(posts)
    text = page_text(posts)
    result.p, result.r, result.f1 = prf(text, gold["main_content"])
    result.with_rate = snippet_rate(text, gold["with"]) if posts else 0.0
    result.without_rate = snippet_rate(text, gold["without"]) if posts and gold["without"] else 0.0
    first = posts[0] if posts else {}
    checks = {
        "author": (gold.get("author"), lambda: same_name(gold["author"], first.get("author"))),
        "date": (gold.get("publish_date"), lambda: same_day(gold["publish_date"], first.get("posted_at"))),
        "title": (
            gold.get("title"),
            lambda: bool(thread.get("title")) and words(thread["title"]) == words(gold["title"]),
        ),
    }
    for name, (expected, ok) in checks.items():
        result.checks[name] = (bool(posts) and ok()) if (expected or "").strip() else None
    return result


def score_all(
    root: Path, context: PageContext | None = None, only: set[str] | None = None
) -> list[WcxbScore]:
    return [
        score(gold.parent, context)
        for gold in sorted(root.glob("*/gold.json"))
        if not only or gold.parent.name in only
    ]


def summary(scores: list[WcxbScore]) -> dict:
    n = max(1, len(scores))
    out = {"pages": len(scores), "failed": sum(1 for s in scores if s.error)}
    for key in ("p", "r", "f1", "with_rate", "without_rate"):
        out[key] = sum(getattr(s, key) for s in scores) / n
    for check in ("author", "date", "title"):
        scored = [s.checks[check] for s in scores if s.checks.get(check) is not None]
        out[check] = (sum(scored) / len(scored), len(scored)) if scored else (None, 0)
    return out


def format_summary(name: str, s: dict) -> str:
    def rate(k):
        value, n = s[k]
        return f"{value:.3f}({n})" if value is not None else "n/a"

    return (
        f"{name:22} pages={s['pages']:3} P={s['p']:.3f} R={s['r']:.3f} F1={s['f1']:.3f} "
        f"with={s['with_rate']:.3f} without={s['without_rate']:.3f} author={rate('author')} "
        f"date={rate('date')} title={rate('title')} failed={s['failed']}"
    )
