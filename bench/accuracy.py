"""Extraction accuracy on every fixture page with gold, per engine.

    python bench/accuracy.py            # engine parsers (detected)
    python bench/accuracy.py --generic  # the generic fallback alone, engines switched off
    python bench/accuracy.py --pages    # one row per page as well

Prints post precision/recall, author and date accuracy, mean body token-F1 and chrome
leaks (see ``forumcrawl.evaluation.gold`` for how each is measured).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forumcrawl.evaluation.gold import fixture_pages, format_table, score_page, summarise

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generic", action="store_true", help="force the generic fallback")
    parser.add_argument("--pages", action="store_true", help="also print one row per page")
    args = parser.parse_args(argv)
    pages = fixture_pages(FIXTURES)
    if args.generic:  # the fallback is measured on the real corpus pages, as the engines are
        pages = [p for p in pages if p.origin == "corpus"]
    scores = [score_page(p, engine="generic" if args.generic else None) for p in pages]
    by_fixture_engine = {s.page: p.engine for s, p in zip(scores, pages)}
    print(format_table(summarise(scores, key=lambda s: by_fixture_engine[s.page])))
    print()
    print(format_table(summarise(scores, key=lambda s: "ALL")))
    if args.pages:
        print()
        print(format_table(summarise(scores, key=lambda s: s.page[:12] + "…" + s.page[-10:-5])))
    for s in scores:
        if s.error or s.chrome_leaks:
            print(f"  {s.page}: {s.error or ''} {s.chrome_leaks[:3]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
