"""Fetch only what is new: each thread's watermark in the database decides its fate.

A run reads the board listings first. For each thread the listing shows, the row the
last run stored says what is known: the reply count and last-post date the listing
showed then, how many pages the thread had, and the last page stored (``last_page``,
``last_page_url``). From that:

- a thread never stored is fetched whole;
- a thread whose listing shows the same reply count and last-post date, and whose pages
  were all stored, is skipped;
- any other thread (new replies, or a run that stopped half-way through it) is fetched
  again from its last stored page on: that page may have gained posts, and the pages
  after it are reached through its "next" link.

Listings put the latest activity first, so once a listing page ends with an unchanged
thread the pages after it hold nothing new: paging stops there, but only on a board
whose previous walk was complete (``board_walks``), or threads listed only on later
pages by a walk that broke off would never be read.

The state lives in the database, not in Scrapy's JOBDIR, so a run killed at any moment
and started again picks up from what was actually stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forumcrawl.reading.engines.base import ThreadLink
from forumcrawl.storage.database import open_readonly
from forumcrawl.storage.rows import key

FETCH, RESUME, SKIP = "fetch", "resume", "skip"


@dataclass(frozen=True, slots=True)
class ThreadMark:
    """What the database knows of one thread."""

    reply_count: int | None
    last_post_at: str | None
    page_count: int | None
    last_page: int | None
    last_page_url: str | None
    last_page_has_next: int | None = None  # None: stored before forumcrawl kept it

    @property
    def complete(self) -> bool:
        """Every page the thread had when last read was stored: the last page stored is
        the last the thread showed, by its page count where the pages show one, and by
        having no link to a later page (phpBB, vBulletin, SMF and MyBB themes often show
        no count; a page count of 1 read from such a page proves nothing)."""
        return (
            bool(self.last_page) and self.last_page >= (self.page_count or 1) and not self.last_page_has_next
        )


@dataclass(frozen=True, slots=True)
class Plan:
    action: str  # FETCH, RESUME or SKIP
    url: str | None


def load_marks(path: str | Path) -> dict[str, ThreadMark]:
    """Every stored thread's watermark, by thread key (``site:native-id``).

    The database is only read (several workers of a shared crawl read one merged
    database at once); one that predates watermarks has none to give.
    """
    if not Path(path).exists():
        return {}
    db = open_readonly(path)
    try:
        columns = set(db["threads"].columns_dict)
        if not {"last_page", "last_page_url"} <= columns:
            return {}
        has_next = "last_page_has_next" if "last_page_has_next" in columns else "null"
        rows = db.execute(
            f"select id, reply_count, last_post_at, page_count, last_page, last_page_url, {has_next} from threads"
        ).fetchall()
    finally:
        db.close()
    return {row[0]: ThreadMark(*row[1:]) for row in rows}


def load_complete_walks(path: str | Path | None) -> set[str]:
    """The boards whose last listing walk was complete (``board_walks``): only on these may
    a run stop paging at an unchanged thread. A walk a run began and could not finish
    (a listing or thread page lost, the run killed) leaves its board out, so the next
    run reads the whole listing again."""
    if not path or not Path(path).exists():
        return set()
    db = open_readonly(path)
    try:
        if not db["board_walks"].exists():
            return set()
        rows = db.execute(
            "select id from board_walks where completed_at is not null and completed_at >= started_at"
        ).fetchall()
    finally:
        db.close()
    return {row[0] for row in rows}


def plan_thread(site_id: str, link: ThreadLink, marks: dict[str, ThreadMark], full: bool = False) -> Plan:
    """What to do with a thread a board listing shows (its ``last_post`` normalised)."""
    if full:
        return Plan(FETCH, link.url)
    mark = _mark(marks, site_id, link.thread_id)
    if mark is None:
        return Plan(FETCH, link.url)
    if mark.complete and _unchanged(link, mark):
        return Plan(SKIP, None)
    # from the last page stored, when that is past the first (a page that does not show
    # its number is read as page 1, so its link to a later page says it is past it too)
    later = (mark.last_page or 0) > 1 or mark.last_page_has_next
    resume_at = mark.last_page_url if later and mark.last_page_url else link.url
    return Plan(RESUME, resume_at)


def resume_url(
    site_id: str, thread_id: str | None, page_number: int, marks: dict[str, ThreadMark]
) -> str | None:
    """For a thread page reached from its start (a seed URL): the later page stored
    last time, where reading should go on, or None to read on page by page."""
    mark = _mark(marks, site_id, thread_id)
    if mark and mark.last_page and mark.last_page > page_number and mark.last_page_url:
        return mark.last_page_url
    return None


def _mark(marks: dict[str, ThreadMark], site_id: str, thread_id: str | None) -> ThreadMark | None:
    return marks.get(key(site_id, thread_id)) if thread_id else None


def _unchanged(link: ThreadLink, mark: ThreadMark) -> bool:
    if link.reply_count is None and not link.last_post.value:
        return False  # the listing says nothing that could show a change: look
    if link.reply_count is not None and link.reply_count != mark.reply_count:
        return False
    return not (link.last_post.value and link.last_post.value != mark.last_post_at)
