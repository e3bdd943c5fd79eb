"""A live demo forum on 127.0.0.1 that tests can change between runs.

The pages are rendered on each request by ``fixtures/site/build_demo.py`` (real XenForo
2 markup) from a model the test mutates: new replies, new threads, edited and deleted
posts. The board lists threads by latest activity, 4 to a page, as XenForo does.
Faults are scripted per path (a status with headers, a truncated body, a delay), and
every request is logged so a test can count what a run fetched.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import FIXTURES

_spec = importlib.util.spec_from_file_location("build_demo", FIXTURES / "site/build_demo.py")
demo = importlib.util.module_from_spec(_spec)
sys.modules["build_demo"] = demo  # dataclasses look their module up while it loads
_spec.loader.exec_module(demo)

BOARD = "/forums/global-defence.12/"
PER_BOARD_PAGE = 4
PER_THREAD_PAGE = 4


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a crawl killed mid-answer
            super().handle_error(request, client_address)


@dataclass
class Fault:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None  # None: the real page
    truncate: bool = False  # announce the full length, send half, close
    delay: float = 0.0  # seconds before answering (a timeout, when longer than the crawl waits)


class LiveForum:
    def __init__(self, delay: float = 0.0) -> None:
        self.threads = demo.build_threads()
        self.delay = delay
        self.log: list[tuple[str, int]] = []
        self.times: list[float] = []  # when each logged request arrived (time.monotonic)
        self.cookies: list[str | None] = []  # the Cookie header each logged request sent
        self.robots = "User-agent: *\nDisallow: /members/\n"
        self.faults: dict[str, list[Fault]] = {}
        self.restyle: Callable[[str], str] | None = None  # a theme change, applied to every page
        # Once ``hold_after`` has been served, every later request waits (unanswered) until
        # ``release()``: the crawl cannot get past that point, so a test can stop it there.
        self.hold_after: str | None = None
        self.hold_only: str | None = None
        self.holding = threading.Event()  # set when the first request is held
        self._released = threading.Event()
        self._passed = False
        self._lock = threading.Lock()
        self._next_post = 5000
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> LiveForum:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def requests(self, since: int = 0) -> list[str]:
        """Paths fetched (robots.txt left out), from log entry ``since`` on."""
        return [path for path, _status in self.log[since:] if path != "/robots.txt"]

    def hold(self, after: str | None = None, only: str | None = None) -> None:
        """Hold every request that comes after ``after`` has been served, or just the
        requests for ``only`` (the rest of the crawl goes on without that page)."""
        self.hold_after, self.hold_only, self._passed = after, only, False
        self.holding.clear()
        self._released.clear()

    def release(self) -> None:
        """Answer the held requests and stop holding."""
        self.hold_after, self.hold_only, self._passed = None, None, False
        self._released.set()

    def quiet(self, seconds: float = 1.0, timeout: float = 60) -> None:
        """Wait until no request has arrived for ``seconds``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                last = self.times[-1] if self.times else 0.0
            if time.monotonic() - last >= seconds:
                return
            time.sleep(0.05)

    def _hold(self, path: str) -> None:
        with self._lock:
            held = (self._passed and path != "/robots.txt") or path == self.hold_only
            if path == self.hold_after:
                self._passed = True
        if held:
            self.holding.set()
            self._released.wait(120)

    # ------------------------------------------------------------ changes
    def thread(self, thread_id: int):
        return next(t for t in self.threads if t.thread_id == thread_id)

    def post(self, post_id: int):
        return next(p for t in self.threads for pg in t.pages for p in pg if p.post_id == post_id)

    def reply(self, thread_id: int, text: str, member: str = "ana", day: int = 21) -> int:
        thread = self.thread(thread_id)
        self._next_post += 1
        last = thread.pages[-1][-1].at
        at = max(last, demo.t(day, 9, 0)) + demo.timedelta(minutes=self._next_post % 50 + 1)
        post = demo.Post(self._next_post, demo.M[member], at, text)
        if len(thread.pages[-1]) >= PER_THREAD_PAGE:
            thread.pages.append([post])
        else:
            thread.pages[-1].append(post)
        return post.post_id

    def new_thread(self, thread_id: int, title: str, texts: list[str], day: int = 21) -> None:
        slug = title.lower().replace(" ", "-")
        self.threads.append(demo.Thread(thread_id, slug, title, [[]]))
        thread = self.threads[-1]
        for text in texts:
            self._next_post += 1
            at = demo.t(day, 10, 0) + demo.timedelta(minutes=self._next_post % 50)
            post = demo.Post(self._next_post, demo.M["kite"], at, text)
            if len(thread.pages[-1]) >= PER_THREAD_PAGE:
                thread.pages.append([post])
            else:
                thread.pages[-1].append(post)

    def edit(self, post_id: int, text: str, day: int = 21) -> None:
        post = self.post(post_id)
        post.body = text
        post.edited = demo.t(day, 12, 0)

    def delete(self, post_id: int) -> None:
        for thread in self.threads:
            for page in thread.pages:
                page[:] = [p for p in page if p.post_id != post_id]

    # ------------------------------------------------------------ rendering
    def listing(self) -> list[list]:
        ordered = sorted(self.threads, key=lambda t: t.pages[-1][-1].at, reverse=True)
        return [ordered[i : i + PER_BOARD_PAGE] for i in range(0, len(ordered), PER_BOARD_PAGE)]

    def render(self, path: str) -> str | None:
        page = self._render(path)
        if page is None:
            return None
        # the demo's canonical links name its public host; this forum lives here
        page = page.replace(demo.ROOT, self.root)
        return self.restyle(page) if self.restyle else page

    def _render(self, path: str) -> str | None:
        if path == "/forums/":
            return demo.index_page(self.threads)
        listing = self.listing()
        for n in range(1, len(listing) + 1):
            if path == (BOARD if n == 1 else f"{BOARD}page-{n}"):
                return demo.board_page(listing, n, self.threads)
        for thread in self.threads:
            for n in range(1, len(thread.pages) + 1):
                if path == thread.page_url(n):
                    return demo.thread_page(thread, n, self.threads)
        return None

    def _handler(self):
        forum = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # the test reads forum.log instead
                pass

            def do_GET(self) -> None:
                forum._hold(self.path)
                if forum.delay:
                    time.sleep(forum.delay)
                with forum._lock:
                    queue = forum.faults.get(self.path)
                    fault = queue.pop(0) if queue else Fault()
                    if self.path == "/robots.txt":
                        body: bytes | None = forum.robots.encode("utf-8")
                        kind = "text/plain"
                    else:
                        page = forum.render(self.path)
                        body = page.encode("utf-8") if page is not None else None
                        kind = "text/html; charset=utf-8"
                    status = fault.status if body is not None or fault.body is not None else 404
                    if fault.body is not None:
                        body = fault.body
                    body = body if body is not None else b"<html><body>Not found</body></html>"
                    forum.log.append((self.path, status))
                    forum.times.append(time.monotonic())
                    forum.cookies.append(self.headers.get("Cookie"))
                if fault.delay:
                    time.sleep(fault.delay)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in fault.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if fault.truncate else body)
                self.wfile.flush()
                if fault.truncate:
                    self.close_connection = True

        return Handler
