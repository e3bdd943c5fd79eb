"""Layout drift: a field that a site's posts always had, missing from this run's posts.

When a forum changes its templates, the parser rarely fails outright: it goes on
finding posts, but their dates, authors or user titles come back empty. Each post still
passes validation, so the run would look like a success while storing hollow rows. This
module compares how often each field is filled in this run's posts with how often it is
filled in the site's most recent stored posts, and calls a collapse a failure (the
crawl then exits non-zero and ``crawl_runs.failures`` says which field fell, and how far).

The comparison needs enough posts on both sides to mean something, so small runs and
new sites are never flagged. Fixing the parser and running ``forumcrawl reparse``
restores the rows from the page archive.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

import sqlite_utils
from scrapy.crawler import Crawler

from forumcrawl import settings as defaults
from forumcrawl.crawl.extensions.runs import record_failure
from forumcrawl.items import PageItem, PostItem
from forumcrawl.storage.database import StoreError, open_readonly
from forumcrawl.storage.rows import post_row, user_row
from forumcrawl.storage.schema import drift_fields

logger = logging.getLogger(__name__)

# The fields watched (declared in the schema), as the columns of a post and its author;
# a field is filled when its column holds a value that is not empty, in a stored row
# and in a row about to be stored alike.
FIELDS = drift_fields()
_ALIAS = {"posts": "p", "users": "u"}
STORED = {name: f"coalesce({_ALIAS[table]}.{column}, '') != ''" for name, (table, column) in FIELDS.items()}


def filled(post: PostItem) -> dict[str, bool]:
    """Which watched fields a post about to be stored has (the test ``STORED`` makes)."""
    rows = {"posts": post_row(post, hashed=False), "users": user_row(post.author) if post.author else {}}
    return {name: rows[table].get(column) not in (None, "") for name, (table, column) in FIELDS.items()}


@dataclass
class Coverage:
    """How many posts, and how many of them had each field."""

    posts: int = 0
    fields: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STORED, 0))

    def add(self, has: dict[str, bool]) -> None:
        self.posts += 1
        for name, present in has.items():
            self.fields[name] += present

    def share(self, name: str) -> float:
        return self.fields[name] / self.posts if self.posts else 0.0


def stored_coverage(db: sqlite_utils.Database, site_id: str, recent: int = 10_000) -> Coverage:
    """Coverage over the site's ``recent`` last stored posts that are still on the forum.

    Recent posts rather than all of them: the question is whether today's pages look
    like the pages read lately, and reading a few thousand rows through the ``site_id``
    index costs the same on a database of any size.
    """
    tests = ", ".join(f"coalesce(sum({sql}), 0)" for sql in STORED.values())
    row = db.execute(
        f"select count(*), {tests} from (select * from posts where site_id = ?"
        "   and vanished_at is null order by rowid desc limit ?) p"
        " left join users u on u.id = p.user_id",
        [site_id, recent],
    ).fetchone()
    return Coverage(posts=row[0], fields=dict(zip(STORED, row[1:], strict=True)))


def collapsed(
    before: Coverage,
    now: Coverage,
    min_posts: int = defaults.FORUMCRAWL_DRIFT_MIN_POSTS,
    ratio: float = defaults.FORUMCRAWL_DRIFT_RATIO,
    usual: float = 0.5,
) -> list[str]:
    """The fields present on at least ``usual`` of the posts before that this run filled
    on less than ``ratio`` times as many, each as a sentence for the run's failures."""
    if before.posts < min_posts or now.posts < min_posts:
        return []
    found = []
    for name in STORED:
        was, is_ = before.share(name), now.share(name)
        if was >= usual and is_ < was * ratio:
            found.append(
                f"{name} on {is_:.0%} of {now.posts} posts this run, "
                f"{was:.0%} of the {before.posts} stored before"
            )
    return found


class DriftPipeline:
    """Counts the watched fields of the posts a run stores, per site, and at the end
    lists each collapse against the site's stored history in ``forumcrawl/failures``.

    Settings: ``FORUMCRAWL_DRIFT_MIN_POSTS`` (posts needed on both sides, default 20;
    0 turns the check off) and ``FORUMCRAWL_DRIFT_RATIO`` (default 0.5: a field filled on
    90% of stored posts and on less than 45% of this run's is a collapse).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.min_posts = crawler.settings.getint(
            "FORUMCRAWL_DRIFT_MIN_POSTS", defaults.FORUMCRAWL_DRIFT_MIN_POSTS
        )
        self.ratio = crawler.settings.getfloat("FORUMCRAWL_DRIFT_RATIO", defaults.FORUMCRAWL_DRIFT_RATIO)
        self.history: dict[str, Coverage | None] = {}
        self.run: dict[str, Coverage] = defaultdict(Coverage)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DriftPipeline:
        return cls(crawler)

    def process_item(self, item, spider=None):
        if self.min_posts <= 0:
            return item
        for post in item.rows if isinstance(item, PageItem) else (item,):
            if not isinstance(post, PostItem):
                continue
            if post.site_id not in self.history:
                # Read before this run stores any post of the site: its first post is here.
                self.history[post.site_id] = self.stored(post.site_id)
            self.run[post.site_id].add(filled(post))
        return item

    def stored(self, site_id: str) -> Coverage | None:
        try:
            db = open_readonly(self.crawler.settings.get("FORUMCRAWL_DB"))
        except StoreError as exc:
            logger.warning("layout drift not checked: %s", exc)  # the store reports it too
            return None
        try:
            return stored_coverage(db, site_id)
        finally:
            db.close()

    def close_spider(self, spider=None) -> None:
        stats = self.crawler.stats
        for site_id, now in sorted(self.run.items()):
            before = self.history.get(site_id)
            if before is None:
                continue
            for problem in collapsed(before, now, self.min_posts, self.ratio):
                message = f"{site_id}: {problem}; has the forum's layout changed?"
                logger.error("layout drift: %s", message)
                stats.inc_value("forumcrawl/errors/layout_drift")
                record_failure(stats, "layout_drift", message)
