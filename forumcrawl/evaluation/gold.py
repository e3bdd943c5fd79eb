"""Score extraction against gold: ``bench/accuracy.py`` and the corpus tests.

Gold files (``*.expected.json`` beside a saved page) come in three kinds, and each is
scored for what it can honestly say:

- ``posts`` (full gold): every post with ``user`` (profile href as in the page, else
  the name), ``datetime`` (as displayed) and ``post_text`` (visible text with quotes,
  and on some engines the signature, inline). Our posts are aligned to gold posts in
  page order by body similarity; precision and recall count aligned pairs.
- ``with``/``without`` (partial gold): snippets that must and must not appear.
- ``n_posts`` (count only), or the hand-counted total in ``PAGES.tsv``: precision and
  recall from the counts alone.

A post's body is compared as a bag of words after taking out what we deliberately
keep apart (our quote texts, quoted names, quote furniture, a trailing signature).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from forumcrawl.reading.context import PageContext
from forumcrawl.reading.nodes import strip_session
from forumcrawl.reading.validate import CHROME_MARKERS
from forumcrawl.storage.records import records_for

# Quote furniture that gold keeps inline ("X said: ... Click to expand...").
QUOTE_FURNITURE = re.compile(
    r"(Click to expand\.\.\.|Click to shrink\.\.\.|Zum Vergrößern anklicken\s*\.*|"
    r"Cliquez pour agrandir\s*\.*|Klicken Sie zum Erweitern\s*\.*|↑|Zitat von|"
    r"Klicke in dieses Feld, um es in vollständiger Größe anzuzeigen\.|Original zeigen|said:|"
    r"wrote:|Wrote:|schrieb:|hat geschrieben:|a écrit :|Zitat:|Quote:|Originally Posted by|"
    # SMF's quote header: "Quote from: NAME on June 04, 2024, 11:23:55 AM"
    r"Quote from:[^\n]{1,60}?\bon\s+\w+ \d{1,2}, \d{4}, \d{1,2}:\d{2}(?::\d{2})?\s*[AP]M|"
    r"Quote from:|Zitieren|"
    r"\([^()]{6,30}\)(?=\s*\S+ Wrote:))"  # MyBB's cite: "(05-30-2015, 08:41 PM)NAME Wrote:"
)
ALIGN_MIN_F1 = 0.5


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def squash(text: str) -> str:
    return " ".join(text.split())


def counter_f1(ours: Counter, gold: Counter) -> float:
    """Token F1 between two bags of words."""
    if not ours and not gold:
        return 1.0
    common = sum((ours & gold).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def body_f1(post: dict, gold_text: str) -> float:
    """Token F1 of our quote-free body against the gold text minus what we keep apart."""
    gold = Counter(words(QUOTE_FURNITURE.sub(" ", gold_text)))
    signature = words(post.get("signature") or "")
    if signature and words(gold_text)[-len(signature) :] == signature:
        gold -= Counter(signature)
    for quote in post["quotes"]:
        gold -= Counter(words(quote["text"]))
        gold -= Counter(words(quote.get("author") or ""))
    return counter_f1(Counter(words(post["body_text"])), gold)


def user_matches(post: dict, gold_user: str, page_url: str) -> bool:
    """The gold names a user by profile href as written in the page, else by name."""
    if not gold_user:
        return False
    if post["author"] == gold_user:
        return True
    ours = (post.get("author_url") or "").rstrip("/")
    if ours and ours.endswith((strip_session(gold_user) or "").strip("/")):
        return True
    resolved = strip_session(urljoin(page_url, gold_user)) or ""
    if ours and resolved.rstrip("/") == ours:
        return True
    # Gold quirk (airliners.net): the "user" is the post's own Quote button link.
    # (A reader without the engine names the post by its thread and the page's anchor,
    # "...#p21893151": the forum's number is the anchor's.)
    quote = re.search(r"mode=quote\b.*[?&]p=(\d+)", gold_user)
    own = re.sub(r"\D", "", post["post_id"].rsplit("#", 1)[-1])
    return bool(quote) and quote.group(1) in (post["post_id"], own)


def load_gold(html: Path) -> dict | None:
    path = html.with_name(f"{html.stem}.expected.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


@dataclass(frozen=True, slots=True)
class FixturePage:
    path: Path
    url: str
    engine: str
    expected_posts: int
    origin: str = "corpus"  # "corpus" (a real saved page) or "hand-written"


def fixture_pages(root: Path) -> list[FixturePage]:
    """The pages listed in ``PAGES.tsv`` (fixture, original URL, engine, post count, origin)."""
    pages = []
    for line in (root / "PAGES.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fixture, url, engine, posts, origin, *_ = line.split("\t")
        pages.append(FixturePage(root / fixture, url, engine, int(posts), origin))
    return pages


@dataclass(slots=True)
class PageScore:
    page: str
    engine: str
    found: int = 0
    expected: int = 0
    matched: int = 0
    gold_kind: str = "count"
    authors_ok: int = 0
    authors_scored: int = 0
    dates_ok: int = 0
    dates_scored: int = 0
    body_f1: list[float] = field(default_factory=list)
    chrome_leaks: list[str] = field(default_factory=list)
    error: str | None = None
    reader: str = ""


def align(posts: list[dict], gold_posts: list[dict], page_url: str = "") -> list[tuple[dict, dict, float]]:
    """Pair our posts with gold posts in page order; a pair needs a similar body, or the
    same author at the next position (a post that is all quote has little body)."""
    pairs = []
    start = 0
    for gold in gold_posts:
        for i in range(start, min(start + 4, len(posts))):
            score = body_f1(posts[i], gold["post_text"])
            if score >= ALIGN_MIN_F1 or (i == start and user_matches(posts[i], gold["user"], page_url)):
                pairs.append((posts[i], gold, score))
                start = i + 1
                break
    return pairs


def score_page(page: FixturePage, engine: str | None = None, engines: bool = True) -> PageScore:
    """Extract one saved page (with a forced engine, or with no engine reader at all:
    structured data and the generic reader alone) and score it."""
    score = PageScore(page=page.path.name, engine=engine or page.engine, expected=page.expected_posts)
    try:
        records = records_for(page.path.read_bytes(), page.url, PageContext(engine=engine, engines=engines))
    except Exception as exc:  # a scored failure, not a crash of the evaluation
        score.error = f"{type(exc).__name__}: {exc}"
        return score
    posts = [r for r in records if r["type"] == "post"]
    score.engine = records[0].get("engine") or score.engine
    score.reader = records[0].get("reader") or score.engine
    score.found = len(posts)
    gold = load_gold(page.path) or {}
    for post in posts:
        for marker in CHROME_MARKERS:
            if marker in post["body_text"]:
                score.chrome_leaks.append(f"{post['post_id']}: {marker}")
    if gold.get("posts"):
        score.gold_kind = "full"
        score.expected = len(gold["posts"])
        pairs = align(posts, gold["posts"], page.url)
        score.matched = score.authors_scored = score.dates_scored = len(pairs)
        for post, expected, f1 in pairs:
            score.authors_ok += user_matches(post, expected["user"], page.url)
            score.dates_ok += expected["datetime"] in (post["posted_raw"] or "")
            score.body_f1.append(f1)
    else:
        if gold.get("n_posts"):
            score.expected = gold["n_posts"]
        score.matched = min(score.found, score.expected)
        if gold.get("with"):
            score.gold_kind = "partial"
            everything = " ".join(
                squash(p["body_text"]) + " " + " ".join(squash(q["text"]) for q in p["quotes"]) for p in posts
            )
            bodies = json.dumps([p["body_text"] for p in posts], ensure_ascii=False)
            score.chrome_leaks += [f"missing: {s[:40]}" for s in gold["with"] if squash(s) not in everything]
            score.chrome_leaks += [f"leaked: {s[:40]}" for s in gold["without"] if s in bodies]
            # Main-content gold leaves author or date empty where its page has none
            # to give (a later page of a thread): nothing to score then.
            if posts and gold.get("author"):
                score.authors_scored = 1
                score.authors_ok = int(posts[0]["author"] == gold["author"])
            if posts and gold.get("date"):
                score.dates_scored = 1
                score.dates_ok = int(
                    bool(posts[0]["posted_at"]) and posts[0]["posted_at"].startswith(gold["date"])
                )
    return score


def summarise(scores: list[PageScore], key) -> list[dict]:
    """One row per group (engine): post P/R, author/date accuracy, body F1, leaks."""
    groups: dict[str, list[PageScore]] = {}
    for s in scores:
        groups.setdefault(key(s), []).append(s)
    rows = []
    for name, group in sorted(groups.items()):
        found = sum(s.found for s in group)
        expected = sum(s.expected for s in group)
        matched = sum(s.matched for s in group)
        authors_scored = sum(s.authors_scored for s in group)
        dates_scored = sum(s.dates_scored for s in group)
        f1s = [f for s in group for f in s.body_f1]
        rows.append(
            {
                "group": name,
                "pages": len(group),
                "posts": found,
                "expected": expected,
                "precision": matched / found if found else 0.0,
                "recall": matched / expected if expected else 0.0,
                "author": sum(s.authors_ok for s in group) / authors_scored if authors_scored else None,
                "date": sum(s.dates_ok for s in group) / dates_scored if dates_scored else None,
                "body_f1": sum(f1s) / len(f1s) if f1s else None,
                "leaks": sum(len(s.chrome_leaks) for s in group),
                "errors": sum(1 for s in group if s.error),
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    def pct(v):
        return "   -  " if v is None else f"{v:6.3f}"

    lines = [
        f"{'engine':<12} {'pages':>5} {'posts':>6} {'gold':>6} {'prec':>6} {'recall':>6} "
        f"{'author':>6} {'date':>6} {'bodyF1':>6} {'leaks':>5} {'errors':>6}"
    ]
    for r in rows:
        lines.append(
            f"{r['group']:<12} {r['pages']:>5} {r['posts']:>6} {r['expected']:>6} "
            f"{pct(r['precision'])} {pct(r['recall'])} {pct(r['author'])} "
            f"{pct(r['date'])} {pct(r['body_f1'])} {r['leaks']:>5} {r['errors']:>6}"
        )
    return "\n".join(lines)
