"""Gold comparison helpers for the tests: the package's own scorer (``forumcrawl.evaluate``)."""

from pathlib import Path

from forumcrawl.evaluate import (  # noqa: F401
    FixturePage,  # noqa: F401
    body_f1,
    counter_f1,
    fixture_pages,
    load_gold,
    score_page,
    squash,
    user_matches,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
