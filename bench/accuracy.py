"""Extraction accuracy on real pages: the fixtures with gold, and the WCXB forum pages.

    python bench/accuracy.py            # fixtures: all readers on, then engines off
    python bench/accuracy.py --pages    # one row per page as well
    python bench/accuracy.py --generic  # the generic reader alone on the real corpus pages
    python bench/accuracy.py --wcxb     # the WCXB dev pages (../shared/corpus/wcxb-dev), per reader

Fixtures: post precision/recall, author and date accuracy, mean body token-F1 and chrome
leaks per engine and per reader (see ``forumcrawl.evaluation.gold``), first with every
reader on, then on the real corpus pages that have gold with the engine readers switched
off (structured data and the generic reader alone: how forumcrawl reads a forum no
engine module knows). WCXB: the word precision/recall/F1, with/without snippets and
first-post author, date and title that its ``score.py`` reports, per reader and overall.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import defaultdict
from pathlib import Path

from forumcrawl.evaluation import wcxb
from forumcrawl.evaluation.gold import fixture_pages, format_table, load_gold, score_page, summarise

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
WCXB = ROOT.parent / "shared" / "corpus" / "wcxb-dev"


def fixtures(args) -> None:
    pages = fixture_pages(FIXTURES)
    corpus_gold = [p for p in pages if p.origin == "corpus" and load_gold(p.path)]
    runs = [("every reader on", pages, {})]
    if args.generic:
        runs = [
            (
                "the generic reader alone (forced), real corpus pages",
                [p for p in pages if p.origin == "corpus"],
                {"engine": "generic"},
            )
        ]
    else:
        runs.append(
            (
                f"engine readers off ({len(corpus_gold)} real corpus pages with gold)",
                corpus_gold,
                {"engines": False},
            )
        )
    for title, chosen, kwargs in runs:
        scores = [score_page(p, **kwargs) for p in chosen]
        engine_of = {s.page: p.engine for s, p in zip(scores, chosen)}
        print(f"## {title}\n")
        print(format_table(summarise(scores, key=lambda s: engine_of[s.page])))
        print()
        print(format_table(summarise(scores, key=lambda s: f"read by {s.reader or 'failed'}")))
        print()
        print(format_table(summarise(scores, key=lambda s: "ALL")))
        if args.pages:
            print()
            print(format_table(summarise(scores, key=lambda s: s.page[:12] + "…" + s.page[-10:-5])))
        for s in scores:
            if s.error or s.chrome_leaks:
                print(f"  {s.page}: {s.error or ''} {s.chrome_leaks[:3]}", file=sys.stderr)
        print()


def wcxb_pages(args) -> None:
    if not WCXB.is_dir():
        raise SystemExit(f"no WCXB pages at {WCXB}")
    scores = wcxb.score_all(WCXB)
    groups = defaultdict(list)
    for s in scores:
        groups[s.reader].append(s)
        if args.pages:
            print(
                f"{s.page} {s.reader:12} F1={s.f1:.3f} P={s.p:.3f} R={s.r:.3f} with={s.with_rate:.2f} "
                f"without={s.without_rate:.2f} posts={s.posts} {s.domain} {s.error or ''}"[:220]
            )
    print("## WCXB dev pages (page-level gold), per reader\n")
    for name, group in sorted(groups.items()):
        print(wcxb.format_summary(name, wcxb.summary(group)))
    print(wcxb.format_summary("ALL", wcxb.summary(scores)))
    holding = [s for s in scores if not s.no_post_text]
    print(wcxb.format_summary("holding posts", wcxb.summary(holding)))
    for s in scores:
        if s.error:
            kind = "no post text" if s.no_post_text else "failed"
            print(f"  {kind}: {s.page} ({s.domain}): {s.error[:160]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generic", action="store_true", help="force the generic reader alone")
    parser.add_argument("--pages", action="store_true", help="also print one row per page")
    parser.add_argument("--wcxb", action="store_true", help="score the WCXB dev pages instead")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the readers' warnings are for crawls; the tables say it
    wcxb_pages(args) if args.wcxb else fixtures(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
