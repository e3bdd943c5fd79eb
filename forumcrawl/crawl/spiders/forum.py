"""The ``forum`` spider: forum index -> boards -> threads -> thread pages.

``scrapy crawl forum -a url=URL`` (an index, a board or a thread) or
``-a urls_file=PATH`` (one URL per line); ``-a engine=NAME`` skips detection;
``-a full=1`` fetches every thread again instead of only what changed (see
:mod:`forumcrawl.crawl.incremental`).

The spider keeps to Scrapy's concerns: requests, stats and failures. Each page goes
through the page-reading service (:func:`~forumcrawl.reading.service.read_page`, in the
worker processes of :mod:`forumcrawl.reading.workers`), whose
result becomes follow-up requests and one item, the page itself for the archive (which
moves the thread's watermark), carrying the rows read from it (the site's row on its
first page, then the page's rows).
Problems are logged, counted in stats under ``forumcrawl/``, and those that mean the run
did not do its job are listed in ``forumcrawl/failures``, which makes ``scrapy crawl``
exit non-zero.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import exceptions
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from forumcrawl import settings as defaults
from forumcrawl.crawl.cookies import CookieFileError, cookies_for, load_cookies
from forumcrawl.crawl.extensions.runs import record_failure
from forumcrawl.crawl.incremental import FETCH, SKIP, load_complete_walks, load_marks, plan_thread, resume_url
from forumcrawl.items import PageItem
from forumcrawl.reading.context import site_id_for
from forumcrawl.reading.service import PageError, PageResult, UnknownEngine
from forumcrawl.reading.sites import Sites, SitesFileError, site_defaults
from forumcrawl.reading.workers import PageReader
from forumcrawl.shared import LEASE
from forumcrawl.storage.database import StoreError
from forumcrawl.storage.rows import key

# A download that DOWNLOAD_MAXSIZE stopped (Scrapy >= 2.14 has its own exception for it).
CANCELLED = tuple(e for e in (getattr(exceptions, "DownloadCancelledError", None), CancelledError) if e)


class ForumSpider(scrapy.Spider):
    name = "forum"

    def __init__(
        self,
        url: str | None = None,
        urls_file: str | None = None,
        urls: str | None = None,
        engine: str | None = None,
        full: str | None = None,
        *args,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        urls = ([url] if url else []) + (urls.split() if urls else [])
        if urls_file:
            lines = Path(urls_file).read_text(encoding="utf-8").splitlines()
            urls += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        if not urls:
            raise ValueError(
                "give a forum, board or thread URL: -a url=URL, -a urls='URL URL' or -a urls_file=PATH"
            )
        self.seed_urls = urls
        self.engine_name = engine
        self.full = str(full or "").lower() in ("1", "true", "yes", "on")
        self.allowed_domains = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})
        self.site_engines: dict[str, str] = {}  # site id -> engine of its first page
        self.marks: dict = {}  # thread watermarks from the database, loaded in start()
        self.complete_walks: set[str] = set()  # boards whose last listing walk was complete
        self.walks_begun: set[str] = set()  # boards whose listing this run began to walk
        self.early_stop = True
        self.sites = Sites()
        self.reader = PageReader()  # in this process, unless from_crawler says otherwise
        self.setting_problem: str | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs) -> ForumSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        try:
            spider.reader = PageReader.from_settings(
                settings, settings.getint("FORUMCRAWL_GC_THRESHOLD", defaults.FORUMCRAWL_GC_THRESHOLD)
            )
        except ValueError as exc:
            spider.setting_problem = str(exc)
        return spider

    def closed(self, reason: str) -> None:
        self.reader.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = self.crawler.settings
        if self.setting_problem:
            self.fail("bad_setting", self.setting_problem)
            return
        try:
            self.sites = Sites.load(
                settings.get("FORUMCRAWL_SITES"), site_defaults(settings), self.engine_name
            )
        except SitesFileError as exc:
            self.fail("bad_sites_file", str(exc))
            return
        try:
            # a shared crawl's worker also knows what the merged database holds
            merged = settings.get("FORUMCRAWL_MARKS_DB")
            self.marks = (
                {}
                if self.full
                else {**(load_marks(merged) if merged else {}), **load_marks(settings.get("FORUMCRAWL_DB"))}
            )
            self.complete_walks = load_complete_walks(merged) | load_complete_walks(
                settings.get("FORUMCRAWL_DB")
            )
        except StoreError as exc:
            self.fail("store_unusable", str(exc))
            return
        self.early_stop = settings.getbool(
            "FORUMCRAWL_BOARD_EARLY_STOP", defaults.FORUMCRAWL_BOARD_EARLY_STOP
        )
        try:
            jar = load_cookies(settings.get("FORUMCRAWL_COOKIES"))
        except CookieFileError as exc:
            self.fail("bad_cookies_file", str(exc))
            return
        for url in self.seed_urls:
            # Scrapy's cookie middleware keeps what the seed request carries for the site
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.on_error,
                cookies=cookies_for(jar, url),
                meta={"forumcrawl_seed": True},
            )

    # ---------------------------------------------------------------- failures
    def fail(self, reason: str, message: str) -> None:
        """Record something that makes this run a failure (and the exit status non-zero)."""
        self.logger.error(message)
        record_failure(self.crawler.stats, reason, message)

    def lost(self, request: scrapy.Request, reason: str, message: str) -> None:
        """A page the run had to read and could not: the seed (the run did nothing), or
        a listing or thread page (its posts, or the threads it lists, are missing until
        the next run reads it). Either way the run failed and says which page."""
        self.crawler.stats.inc_value("forumcrawl/pages_lost")
        self.fail("seed_unreachable" if request.meta.get("forumcrawl_seed") else reason, message)

    def html_fallback(self, request: scrapy.Request) -> scrapy.Request | None:
        """An API URL that failed (JSON off, or blocked) is asked again as its HTML page."""
        parts = urlsplit(request.url)
        if not parts.path.endswith(".json") or request.meta.get("forumcrawl_fallback"):
            return None
        self.crawler.stats.inc_value("forumcrawl/json_fallback")
        html_url = urlunsplit(parts._replace(path=parts.path.removesuffix(".json")))
        self.logger.warning("%s unavailable; reading the HTML view %s instead", request.url, html_url)
        return request.replace(url=html_url, meta={**request.meta, "forumcrawl_fallback": True})

    def restart_thread(self, request: scrapy.Request) -> scrapy.Request | None:
        """A stored last page that is gone (the thread shrank): read the thread from its
        first page instead."""
        start = request.meta.get("forumcrawl_thread_start")
        if not start or start == request.url:
            return None
        self.crawler.stats.inc_value("forumcrawl/incremental/restarted")
        self.logger.warning("%s is gone; reading the thread again from %s", request.url, start)
        meta = {k: v for k, v in request.meta.items() if k != "forumcrawl_thread_start"}
        return request.replace(url=start, meta={**meta, "forumcrawl_no_jump": True}, dont_filter=True)

    def on_error(self, failure: Failure):
        request = failure.request
        fallback = self.html_fallback(request) or self.restart_thread(request)
        if fallback is not None:
            yield fallback
            return
        stats = self.crawler.stats
        stats.inc_value("forumcrawl/errors/download")
        if failure.check(*CANCELLED):
            # only DOWNLOAD_MAXSIZE cancels a download; every run would miss this page
            stats.inc_value("forumcrawl/errors/too_large")
            limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            self.fail(
                "page_too_large",
                f"{request.url} is larger than DOWNLOAD_MAXSIZE "
                f"({limit} bytes); raise it (-s DOWNLOAD_MAXSIZE=...) to read the page",
            )
            return
        if failure.check(HttpError):
            response = failure.value.response
            if "replay-miss" in response.flags and not request.meta.get("forumcrawl_seed"):
                return  # not in the saved set replayed (warned and counted by the replay middleware)
            stats.inc_value(f"forumcrawl/errors/http_{response.status}")
            message = f"HTTP {response.status} for {request.url}"
        elif failure.check(IgnoreRequest) and "redirect_times" in request.meta:
            stats.inc_value("forumcrawl/errors/redirect_loop")
            chain = " -> ".join([*request.meta.get("redirect_urls", []), request.url])
            message = f"redirect loop, given up after {request.meta['redirect_times']} redirects: {chain}"
        else:
            message = f"download failed for {request.url}: {failure.getErrorMessage()}"
        self.lost(request, "page_lost", message)

    # ---------------------------------------------------------------- parsing
    async def parse(self, response: Response) -> list:
        """A page's items and follow-up requests; the reading itself runs in the page
        reader's worker processes while other pages download."""
        return [output async for output in self.outputs(response)]

    async def outputs(self, response: Response) -> AsyncIterator:
        stats = self.crawler.stats
        seed = response.meta.get("forumcrawl_seed", False)
        if response.status >= 400 and (
            fallback := self.html_fallback(response.request) or self.restart_thread(response.request)
        ):
            yield fallback
            return
        if response.status >= 400:
            stats.inc_value(f"forumcrawl/errors/http_{response.status}")
            self.lost(response.request, "page_lost", f"HTTP {response.status} for {response.url}")
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("forumcrawl/errors/not_html")
            message = f"not an HTML page: {response.url} ({response.headers.get('Content-Type')})"
            self.fail("not_a_forum", message) if seed else self.lost(response.request, "page_lost", message)
            return
        if "dataloss" in response.flags:
            stats.inc_value("forumcrawl/errors/truncated")
            self.lost(
                response.request,
                "page_lost",
                f"truncated download (data loss) for {response.url}; nothing stored from it",
            )
            return
        fetched = datetime.now(UTC)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        site_id = site_id_for(response.url)

        def archived(kind: str, **thread) -> PageItem:
            return PageItem(
                url=response.url,
                site_id=site_id,
                status=response.status,
                content_type=content_type,
                body=response.body,
                fetched_at=fetched.isoformat(timespec="seconds"),
                kind=kind,
                lease=response.meta.get(LEASE),
                **thread,
            )

        context = self.sites.context(
            response.url,
            fetched,
            content_type,
            self.site_engines.get(site_id),
            response.meta.get("forumcrawl_listing"),
        )
        try:
            result = await self.reader.read(response.body, response.url, context)
        except UnknownEngine as exc:
            stats.inc_value("forumcrawl/errors/unknown_engine")
            self.fail("unknown_engine", f"{response.url}: {exc}")
            yield archived("unknown_engine")
            return
        except PageError as exc:
            if exc.follow and not response.meta.get("forumcrawl_followed"):
                # the page says where its content is (a JavaScript app's JSON): read that
                stats.inc_value(f"forumcrawl/followed/{exc.reason}")
                self.logger.warning("%s; reading %s instead", exc, exc.follow)
                yield archived(exc.reason)
                yield response.follow(
                    exc.follow,
                    callback=self.parse,
                    errback=self.on_error,
                    meta={**response.meta, "forumcrawl_followed": True},
                )
                return
            stats.inc_value(f"forumcrawl/errors/{exc.reason}")
            if exc.reason == "no_posts":
                self.fail("thread_without_posts", str(exc))
            else:
                self.fail(exc.reason, f"{response.url}: {exc}; nothing stored from it")
            if exc.reason not in ("empty", "truncated", "bad_json"):
                yield archived(exc.reason)  # a complete page the parser could not read
            return

        for stat, count in result.counts.items():
            stats.inc_value(stat, count)
        if result.charset_corrected_from:
            self.logger.warning(
                "%s: declared %s but bytes are UTF-8; read as UTF-8",
                response.url,
                result.charset_corrected_from,
            )
        rows = list(result.items)
        if result.site is not None and site_id not in self.site_engines:
            # pages of a new site read side by side each carry the site's row: the first counts
            self.site_engines[site_id] = result.engine
            self.logger.info("%s: engine %s (%s)", site_id, result.engine, "; ".join(result.evidence))
            rows.insert(0, result.site)
        walk = None
        if result.thread is not None:
            for request in self.follow_thread(response, result):
                yield request
        else:
            walk = self.walk_of(result, site_id)
            for request in self.follow_board(response, result, site_id):
                yield request
        yield archived(  # the page's items ride with it: one Scrapy item per page
            result.kind,
            reader=result.reader,
            reader_note="; ".join(result.reader_notes) or None,
            walk=walk,
            rows=rows,
            **result.watermark(),
        )

    def follow_thread(self, response: Response, result: PageResult) -> Iterator[scrapy.Request]:
        page = result.thread
        meta = {
            k: response.meta[k] for k in ("forumcrawl_listing", "forumcrawl_no_jump") if k in response.meta
        }
        jump = (
            None
            if (self.full or response.meta.get("forumcrawl_no_jump"))
            else resume_url(page.thread.site_id, page.thread.thread_id, page.page_number, self.marks)
        )
        if jump:
            # reached from its start, a thread stored before goes on where it was left
            self.crawler.stats.inc_value("forumcrawl/incremental/jumped")
            yield response.follow(
                jump,
                callback=self.parse,
                errback=self.on_error,
                meta={**meta, "forumcrawl_thread_start": response.url},
            )
        elif page.next_url:
            yield response.follow(page.next_url, callback=self.parse, errback=self.on_error, meta=meta)
        for url in page.more_urls:
            yield response.follow(url, callback=self.parse, errback=self.on_error, meta=meta)

    def walk_of(self, result: PageResult, site_id: str) -> str | None:
        """A listing page of a board this run has not walked yet begins its walk: the
        board's key, stored with the page (the walk is incomplete until the run ends
        cleanly; see :func:`~forumcrawl.crawl.incremental.load_complete_walks`)."""
        board = result.board.board if result.board is not None else None
        if board is None or not board.board_id or not result.board.threads:
            return None
        board_key = key(site_id, board.board_id)
        if board_key in self.walks_begun:
            return None
        self.walks_begun.add(board_key)
        return board_key

    def follow_board(self, response: Response, result: PageResult, site_id: str) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        page = result.board
        for board in page.boards:
            yield response.follow(board.url, callback=self.parse, errback=self.on_error)
        last_action = None
        for link in page.threads:
            plan = plan_thread(site_id, link, self.marks, self.full)
            last_action = plan.action
            stats.inc_value(f"forumcrawl/incremental/{plan.action}")
            if plan.action == SKIP:
                continue
            meta = {"forumcrawl_listing": link}
            if plan.action != FETCH and plan.url != link.url:
                meta["forumcrawl_thread_start"] = link.url
            yield response.follow(plan.url, callback=self.parse, errback=self.on_error, meta=meta)
        board = page.board
        walked_before = board is not None and key(site_id, board.board_id) in self.complete_walks
        if page.next_url:
            if last_action == SKIP and self.early_stop and walked_before:
                # Listings put the latest activity first (stickies aside, at the top): once
                # the last row is unchanged, so is everything on the pages after it, as the
                # last walk (complete) stored them.
                stats.inc_value("forumcrawl/incremental/board_stopped")
                self.logger.info(
                    "%s: its last thread is unchanged; not reading further pages (%s)",
                    response.url,
                    page.next_url,
                )
                return
            yield response.follow(page.next_url, callback=self.parse, errback=self.on_error)
