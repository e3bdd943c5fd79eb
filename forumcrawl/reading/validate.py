"""The last check before items leave the reading service: refuse what would be wrong in
the database, count what is merely missing.

A refused item is dropped with its reason; everything else is counted under the same
``forumcrawl/...`` stat names a crawl reports, so ``extract``, ``reparse`` and a crawl
all see one verdict on a page.
"""

from __future__ import annotations

import logging
from collections import Counter

from forumcrawl.items import PostItem, ThreadItem

logger = logging.getLogger(__name__)

# Forum chrome that must never reach a stored post; seeing one means a reader leaked.
CHROME_MARKERS = (
    "Click to expand",
    "Click to shrink",
    "Latest Replies",
    "New threads",
    "Zum Vergrößern anklicken",
    "Cliquez pour agrandir",
)


class Invalid(ValueError):
    """An item that must not be stored."""


def validate(item, counts: Counter) -> None:
    """Raise :class:`Invalid` for a row that would be wrong in the database; count in
    ``counts`` the stats of anything merely missing."""
    if isinstance(item, PostItem):
        if not item.post_id or not item.thread_id or not item.site_id:
            counts["forumcrawl/invalid/post_without_ids"] += 1
            raise Invalid(f"post without ids on {item.page_url}")
        if not item.body_text and not item.body_html:
            counts["forumcrawl/invalid/post_without_body"] += 1
            logger.warning("post %s on %s has an empty body", item.post_id, item.page_url)
        if item.posted.value is None:
            counts["forumcrawl/missing/posted_at"] += 1
            logger.warning(
                "post %s on %s: no readable date (%r)", item.post_id, item.page_url, item.posted.raw
            )
        if item.author is None:
            counts["forumcrawl/missing/author"] += 1
        leaked = [m for m in CHROME_MARKERS if m in item.body_text]
        if leaked:
            counts["forumcrawl/invalid/chrome_leak"] += 1
            logger.error(
                "post %s on %s: forum chrome leaked into the body: %s", item.post_id, item.page_url, leaked
            )
    elif isinstance(item, ThreadItem) and not item.thread_id:
        raise Invalid(f"thread without id at {item.url}")
