"""Comparing extraction output with the corpus gold files (shared by tests and bench)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Quote furniture the gold keeps inline ("X said: ... Click to expand...").
_QUOTE_CHROME = re.compile(
    r"(Click to expand\.\.\.|Click to shrink\.\.\.|Zum Vergrößern anklicken\s*\.*|"
    r"Cliquez pour agrandir\s*\.*|Klicken Sie zum Erweitern\s*\.*|↑|Zitat von|"
    r"Klicke in dieses Feld, um es in vollständiger Größe anzuzeigen\.|Original zeigen|said:)"
)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def counter_f1(ours: Counter, gold: Counter) -> float:
    """Token F1 between two bags of words."""
    if not ours and not gold:
        return 1.0
    common = sum((ours & gold).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def squash(text: str) -> str:
    return " ".join(text.split())


def body_f1(post: dict, gold_text: str) -> float:
    """Token F1 of our quote-free body against the gold text minus quotes.

    The gold keeps quotes inline with their furniture ("X said: ... Click to
    expand..."); those tokens are taken out as a multiset (our quote texts and quoted
    names), which is robust to the gold's own whitespace and list-marker choices.
    """
    gold = Counter(words(_QUOTE_CHROME.sub(" ", gold_text)))
    for quote in post["quotes"]:
        gold -= Counter(words(quote["text"]))
        gold -= Counter(words(quote.get("author") or ""))
    return counter_f1(Counter(words(post["body_text"])), gold)


def load_gold(html: Path) -> dict | None:
    path = html.with_name(html.name.replace(".html", ".expected.json"))
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def user_matches(post: dict, gold_user: str) -> bool:
    if post["author"] == gold_user:
        return True
    url = post.get("author_url") or ""
    return bool(gold_user) and url.rstrip("/").endswith(gold_user.strip("/"))
