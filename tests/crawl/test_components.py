"""The crawl's Scrapy components in process, as Scrapy tests its own: a crawler from
``get_crawler`` with forumcrawl's settings, each component built by ``build_from_crawler``.

End-to-end crawls reach these parts too; here each one's rules are pinned directly,
without a server or a reactor."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from forumcrawl import settings as project
from forumcrawl.crawl.extensions.runs import FAILURES
from forumcrawl.crawl.incremental import FETCH, RESUME, SKIP, ThreadMark, plan_thread, resume_url
from forumcrawl.crawl.middlewares.retry import PoliteMiddleware
from forumcrawl.crawl.scheduler import RunDupeFilter
from forumcrawl.items import DateField, PageItem, PostItem, SiteItem, ThreadItem
from forumcrawl.reading.engines.base import ThreadLink
from forumcrawl.storage.database import open_db
from forumcrawl.storage.rows import Batch
from forumcrawl.storage.writes import write_batch

HOST = "forum.example"


def crawler_with(**overrides):
    """A crawler with forumcrawl's project settings (and ``overrides``); no reactor is
    started, so the reactor setting is left to Scrapy's test default."""
    ours = {k: getattr(project, k) for k in dir(project) if k.isupper() and k != "TWISTED_REACTOR"}
    crawler = get_crawler(Spider, {**ours, **overrides})
    crawler.spider = Spider.from_crawler(crawler, name="forum")
    return crawler


class Downloader:
    """The two things the politeness middleware asks of Scrapy's downloader: each site's
    slot and the slot key of a request (the real one needs a running reactor)."""

    def __init__(self, delay: float) -> None:
        self.slots = {HOST: Slot(2, delay, jitter=0.5)}

    def get_slot_key(self, request: Request) -> str:
        return request.url.split("/")[2]


@pytest.fixture
def polite():
    crawler = crawler_with(DOWNLOAD_DELAY=1.0, FORUMCRAWL_MAX_RETRY_AFTER=600)
    crawler.engine = SimpleNamespace(downloader=Downloader(1.0))
    return build_from_crawler(PoliteMiddleware, crawler), crawler


def response(url: str, status: int = 200, body: bytes = b"<html><body>ok</body></html>", **headers):
    return HtmlResponse(url, status=status, body=body, headers=headers, request=Request(url))


def test_retry_after_slows_the_sites_slot_to_exactly_that_and_retries(polite):
    middleware, crawler = polite
    request = Request(f"https://{HOST}/t/1")
    retried = middleware.process_response(request, response(request.url, 429, **{"Retry-After": "120"}))
    slot = crawler.engine.downloader.slots[HOST]
    assert isinstance(retried, Request) and retried.url == request.url
    assert slot.delay == 120 and slot.jitter == 0  # Scrapy's ±50% would undercut the wait asked for
    assert crawler.stats.get_value("forumcrawl/retry_after") == 1


def test_a_retry_after_beyond_the_limit_leaves_the_site_for_the_run(polite):
    middleware, crawler = polite
    request = Request(f"https://{HOST}/t/1")
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, response(request.url, 503, **{"Retry-After": "86400"}))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(f"https://{HOST}/t/2"))
    assert any("asked to come back in 86400 s" in f for f in crawler.stats.get_value(FAILURES))


def test_a_challenge_page_blocks_the_site_but_not_others(polite):
    middleware, crawler = polite
    request = Request(f"https://{HOST}/t/1")
    challenge = b"<html><head><title>Just a moment...</title></head><body></body></html>"
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, response(request.url, 403, challenge))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(f"https://{HOST}/t/2"))
    assert middleware.process_request(Request("https://other.example/t/1")) is None
    assert middleware.process_request(Request(f"https://{HOST}/robots.txt")) is None
    assert crawler.stats.get_value("forumcrawl/blocked/challenge") == 1


def test_robots_crawl_delay_holds_the_slot_at_least_that_slow(polite):
    middleware, crawler = polite
    robots = Request(f"https://{HOST}/robots.txt")
    middleware.process_response(robots, Response(robots.url, body=b"User-agent: *\nCrawl-delay: 7\n"))
    middleware.process_request(Request(f"https://{HOST}/t/1"))
    assert crawler.engine.downloader.slots[HOST].delay == 7
    assert crawler.stats.get_value(f"forumcrawl/crawl_delay/{HOST}") == 7.0


def test_a_page_showing_posts_is_not_a_login_wall(polite):
    middleware, _crawler = polite
    request = Request(f"https://{HOST}/t/1")
    page = b'<html><body><p>You must log in or register to view this page.</p><article class="message">x</article></body></html>'
    assert middleware.process_response(request, response(request.url, 200, page)).status == 200
    wall = b"<html><body><p>You must log in or register to view this page.</p></body></html>"
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, response(request.url, 200, wall))


def test_the_dupefilter_forgets_with_the_run_and_lets_a_redirect_back_through(tmp_path):
    crawler = crawler_with(JOBDIR=str(tmp_path / "job"))
    dupefilter = build_from_crawler(RunDupeFilter, crawler)
    dupefilter.open()
    first = Request(f"https://{HOST}/t/1")
    assert not dupefilter.request_seen(first)
    assert dupefilter.request_seen(first.replace())
    bounced = Request(f"https://{HOST}/t/1", meta={"redirect_urls": [f"https://{HOST}/t/1"]})
    assert not dupefilter.request_seen(bounced)  # the redirect middleware's limit ends a loop
    dupefilter.close("finished")
    again = build_from_crawler(RunDupeFilter, crawler)  # the next run, same JOBDIR
    again.open()
    assert not again.request_seen(first)  # the database, not JOBDIR, says what was stored
    assert not (tmp_path / "job" / "requests.seen").exists()


def mark(**kw) -> ThreadMark:
    values = {
        "reply_count": 10,
        "last_post_at": "2026-11-01T10:00:00+00:00",
        "page_count": 3,
        "last_page": 3,
        "last_page_url": f"https://{HOST}/t/7/page-3",
    }
    return ThreadMark(**{**values, **kw})


def link(**kw) -> ThreadLink:
    values = {
        "url": f"https://{HOST}/t/7/",
        "thread_id": "7",
        "reply_count": 10,
        "last_post": DateField(value="2026-11-01T10:00:00+00:00"),
    }
    return ThreadLink(**{**values, **kw})


@pytest.mark.parametrize(
    ("stored", "listed", "action", "url"),
    [
        (None, link(), FETCH, f"https://{HOST}/t/7/"),  # never stored
        (mark(), link(), SKIP, None),  # complete and unchanged
        (
            mark(),
            link(reply_count=11),
            RESUME,
            f"https://{HOST}/t/7/page-3",
        ),  # new replies: from the last page
        (
            mark(),
            link(last_post=DateField(value="2026-11-02T09:00:00+00:00")),
            RESUME,
            f"https://{HOST}/t/7/page-3",
        ),
        (
            mark(last_page=2, last_page_url=f"https://{HOST}/t/7/page-2"),
            link(),
            RESUME,
            f"https://{HOST}/t/7/page-2",
        ),
        (mark(last_page=1, page_count=2), link(), RESUME, f"https://{HOST}/t/7/"),  # unfinished on page 1
        (  # pages that show no count or number: the last one stored links to a later one
            mark(last_page=1, page_count=1, last_page_url=f"https://{HOST}/t/7/page-2", last_page_has_next=1),
            link(),
            RESUME,
            f"https://{HOST}/t/7/page-2",
        ),
        (mark(last_page_has_next=0), link(), SKIP, None),  # its last page links to none
        (
            mark(),
            link(reply_count=None, last_post=DateField()),
            RESUME,
            f"https://{HOST}/t/7/page-3",
        ),  # says nothing
    ],
)
def test_thread_planning_skips_only_what_is_complete_and_unchanged(stored, listed, action, url):
    marks = {f"{HOST}:7": stored} if stored else {}
    plan = plan_thread(HOST, listed, marks)
    assert (plan.action, plan.url) == (action, url)
    assert plan_thread(HOST, listed, marks, full=True).action == FETCH


def test_a_thread_reached_from_its_start_jumps_to_its_last_stored_page():
    marks = {f"{HOST}:7": mark()}
    assert resume_url(HOST, "7", 1, marks) == f"https://{HOST}/t/7/page-3"
    assert resume_url(HOST, "7", 3, marks) is None
    assert resume_url(HOST, "8", 1, marks) is None


def _page(db, post_ids: list[str], fetched: str) -> None:
    batch = Batch()
    batch.add(SiteItem(site_id=HOST, base_url=f"https://{HOST}/", engine="xenforo2"))
    batch.add(ThreadItem(site_id=HOST, thread_id="7", title="T", url=f"https://{HOST}/t/7/", page_count=1))
    for native in post_ids:
        batch.add(
            PostItem(
                site_id=HOST,
                thread_id="7",
                post_id=native,
                url=None,
                page_url=f"https://{HOST}/t/7/",
                author=None,
                posted=DateField(),
                body_html=f"<p>{native}</p>",
                body_text=native,
            )
        )
    batch.add(
        PageItem(
            url=f"https://{HOST}/t/7/",
            site_id=HOST,
            status=200,
            content_type="text/html",
            body=b"",
            fetched_at=fetched,
            kind="thread",
            thread_id="7",
            page_number=1,
            post_ids=post_ids,
            archive=False,
        )
    )
    write_batch(db, batch)


def test_a_post_gone_from_within_its_pages_range_is_marked_vanished_at_the_pages_fetch_time(tmp_path):
    db = open_db(tmp_path / "f.db")
    _page(db, ["101", "102", "103", "104"], "2026-11-01T00:00:00+00:00")
    _page(db, ["102", "104", "105"], "2026-11-20T00:00:00+00:00")
    vanished = {
        r["native_id"]: r["vanished_at"] for r in db.query("select native_id, vanished_at from posts")
    }
    # 103 was between 102 and 105 and is gone; 101 may have moved to the page before
    assert vanished == {
        "101": None,
        "102": None,
        "103": "2026-11-20T00:00:00+00:00",
        "104": None,
        "105": None,
    }
    _page(db, ["102", "104", "105"], "2026-11-21T00:00:00+00:00")
    assert db["posts"].get(f"{HOST}:103")["vanished_at"] == "2026-11-20T00:00:00+00:00"  # kept, not moved on


@pytest.mark.parametrize(
    ("level", "logged"), [("INFO", False), ("WARNING", False), ("DEBUG", True), (10, True)]
)
def test_items_and_pages_make_a_debug_record_only_when_debug_is_logged(level, logged) -> None:
    crawler = crawler_with(LOG_LEVEL=level)
    formatter = build_from_crawler(load_object(crawler.settings["LOG_FORMATTER"]), crawler)
    request = Request(f"https://{HOST}/t/1/")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    item = SiteItem(site_id=HOST, base_url=f"https://{HOST}/", engine="xenforo2")
    assert (formatter.scraped(item, response, crawler.spider) is not None) is logged
    assert (formatter.crawled(request, response, crawler.spider) is not None) is logged
    assert formatter.dropped(item, Exception("x"), response, crawler.spider) is not None  # never quiet
