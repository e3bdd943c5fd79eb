"""Gold comparison helpers for the tests: the package's own scorer (``forumcrawl.evaluation.gold``)."""

from conftest import FIXTURES  # noqa: F401

from forumcrawl.evaluation.gold import (  # noqa: F401
    body_f1,
    fixture_pages,
    load_gold,
    score_page,
    squash,
    user_matches,
)
