"""A forum farm for benchmarks: XenForo 2 and phpBB 3 forums of many threads, written as
static pages in the replay layout (``forumcrawl/crawl/middlewares/replay.py``), with a manifest of what
they hold.

Markup comes from real pages, not from memory:

- XenForo 2 pages are rendered by ``fixtures/site/build_demo.py``, the demo forum's
  builder, whose templates were copied from the real XenForo 2 pages in
  ``fixtures/xenforo2`` (page frame, message layout, user extras, sidebar widgets,
  signatures, quotes, reactions, pageNav).
- phpBB 3 pages are the real forum.openoffice.org page ``fixtures/phpbb3/openoffice-82202.html``
  (prosilver) and its board page ``fixtures/phpbb3/viewforum-f-5.html``, cut at their
  post and topic-row boundaries; each generated post is the page's own first post block
  with its ids, author, date, text and signature replaced.

Post text is made of sentences from the gold bodies of the real pages in ``fixtures/``,
so word lengths, punctuation and languages look like forum text. Every fourth post
quotes the one before it. Everything is seeded: the same arguments give the same bytes.

    python bench/farm.py OUT_DIR [--threads 200] [--pages 5] [--posts 20]
        [--xenforo-host localhost:8711] [--phpbb-host 127.0.0.1:8711]
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(ROOT))

from forumcrawl.crawl.middlewares.replay import ReplayDirectory
from forumcrawl.reading.validate import CHROME_MARKERS

_spec = importlib.util.spec_from_file_location("build_demo", FIXTURES / "site" / "build_demo.py")
demo = importlib.util.module_from_spec(_spec)
sys.modules["build_demo"] = demo  # dataclasses look their module up while it loads
_spec.loader.exec_module(demo)

PHPBB_THREAD = FIXTURES / "phpbb3" / "openoffice-82202.html"
PHPBB_BOARD = FIXTURES / "phpbb3" / "viewforum-f-5.html"
SID = re.compile(r"(?:&amp;|\?)sid=[0-9a-f]{32}")
TOPICS_PER_BOARD_PAGE = 25


def sentence_pool() -> list[str]:
    """Sentences from the gold post bodies of the real pages in ``fixtures/``."""
    found: set[str] = set()
    for gold in sorted(FIXTURES.glob("*/*.expected.json")):
        data = json.loads(gold.read_text(encoding="utf-8"))
        posts = data.get("posts", data) if isinstance(data, dict) else data
        for post in posts if isinstance(posts, list) else []:
            text = (post.get("post_text") or post.get("body_text") or "") if isinstance(post, dict) else ""
            for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
                # gold keeps some quoted chrome ("Click to expand..."); a post must not
                if 30 <= len(s) <= 300 and not any(m in s for m in CHROME_MARKERS):
                    found.add(s)
    if len(found) < 100:
        raise SystemExit(f"only {len(found)} sentences found in fixtures/*/*.expected.json")
    return sorted(found)


@dataclass
class FarmPost:
    post_id: int
    author: int  # index into the members list
    at: datetime
    text: list[str]  # paragraphs
    quotes: int | None = None  # post_id quoted (the previous post)


@dataclass
class FarmThread:
    thread_id: int
    title: str
    pages: list[list[FarmPost]]


def plan(
    threads: int,
    pages: int,
    posts: int,
    members: int,
    seed: int,
    first_id: int,
    paragraphs: tuple[int, int] = (1, 5),
) -> list[FarmThread]:
    rng = random.Random(seed)
    pool = sentence_pool()
    start = datetime(2016, 1, 4, 8, 0, tzinfo=UTC)
    out = []
    post_id = first_id * 100
    for i in range(threads):
        at = start + timedelta(hours=7 * i)
        thread_pages = []
        previous = None
        for _p in range(pages):
            page = []
            for k in range(posts):
                post_id += 1
                at += timedelta(minutes=rng.randint(3, 400))
                text = [
                    " ".join(rng.choice(pool) for _ in range(rng.randint(1, 5)))
                    for _ in range(rng.randint(*paragraphs))
                ]
                quoted = previous if previous and (k % 4 == 3) else None
                page.append(
                    FarmPost(post_id, rng.randrange(members), at, text, quoted.post_id if quoted else None)
                )
                previous = page[-1]
            thread_pages.append(page)
        title = " ".join(rng.choice(pool).split()[: rng.randint(4, 9)]).rstrip(".,;:!?")
        out.append(FarmThread(first_id + i, title, thread_pages))
    return out


class PageWriter:
    """Writes a forum's pages where forumcrawl's replay (and the farm server) look for them."""

    def __init__(self, out: Path, host: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.replay = ReplayDirectory(out)
        self.host = host
        self.written = 0

    def __call__(self, path: str, text: str) -> None:
        target = self.replay.path_for(f"http://{self.host}{path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.written += 1


# ---------------------------------------------------------------- XenForo 2
def xenforo_members(n: int) -> list:
    titles = ["New Member", "Member", "Full Member", "Senior Member", "Moderator"]
    rng = random.Random(7)
    return [
        demo.Member(
            1000 + i,
            f"member{i:03d}",
            titles[i % len(titles)],
            f"{['Jan', 'Mar', 'Jul', 'Oct'][i % 4]} {1 + i % 27}, {2005 + i % 10}",
            rng.randint(1, 20000),
            "Views are my own." if i % 3 == 0 else None,
        )
        for i in range(n)
    ]


def write_xenforo(out: Path, host: str, farm: list[FarmThread], members: list) -> int:
    demo.ROOT = f"http://{host}"
    demo.NOW = datetime(2030, 1, 1, tzinfo=demo.TZ)  # no "Today at": dates as dates
    by_id: dict[int, FarmPost] = {}
    threads = []
    for ft in farm:
        pages = []
        for page in ft.pages:
            rendered = []
            for fp in page:
                by_id[fp.post_id] = fp
                body = demo.p(*map(html.escape, fp.text))
                if fp.quotes:
                    quoted = by_id[fp.quotes]
                    body = (
                        demo.quote(members[quoted.author], quoted.post_id, html.escape(quoted.text[0][:200]))
                        + "<br />\n"
                        + body
                    )
                rendered.append(demo.Post(fp.post_id, members[fp.author], fp.at.astimezone(demo.TZ), body))
            pages.append(rendered)
        slug = re.sub(r"[^a-z0-9]+", "-", ft.title.lower()).strip("-")[:60] or "thread"
        threads.append(demo.Thread(ft.thread_id, slug, ft.title, pages))
    save = PageWriter(out, host)
    listing = sorted(threads, key=lambda t: t.pages[-1][-1].at, reverse=True)
    per_board = 20
    pages = [listing[i : i + per_board] for i in range(0, len(listing), per_board)]
    latest = listing[:10]  # the sidebar's "latest" widgets
    save("/forums/", demo.index_page(latest))
    for n in range(1, len(pages) + 1):
        save(
            "/forums/global-defence.12/" + ("" if n == 1 else f"page-{n}"), demo.board_page(pages, n, latest)
        )
    for thread in threads:
        for n in range(1, len(thread.pages) + 1):
            save(thread.page_url(n), demo.thread_page(thread, n, latest))
    return save.written


# ---------------------------------------------------------------- phpBB 3
def _cut(text: str, start: str, end: str) -> tuple[str, str, str]:
    """``text`` split into what comes before ``start``, from it to ``end`` (included), and the rest."""
    i = text.index(start)
    j = text.index(end, i) + len(end)
    return text[:i], text[i:j], text[j:]


def _phpbb_date(at: datetime) -> str:
    return at.strftime("%a %b %d, %Y %I:%M %p").replace(" AM", " am").replace(" PM", " pm")


def _pagination(kind: str, base: str, current: int, pages: int, total: int, per: int) -> str:
    links = []
    for n in range(1, pages + 1):
        if n == current:
            links.append(f"<strong>{n}</strong>")
        else:
            start = "" if n == 1 else f"&amp;start={(n - 1) * per}"
            links.append(f'<a href="{base}{start}">{n}</a>')
    return (
        f'<div class="pagination">\n\t\t\t{total} {kind} &bull; <a href="#" onclick="jumpto(); '
        f'return false;" title="Click to jump to page…">Page <strong>{current}</strong> of '
        f"<strong>{pages}</strong></a> &bull; <span>"
        + '<span class="page-sep">, </span>'.join(links)
        + "</span>\n\t\t</div>"
    )


_PAGINATION = re.compile(r'<div class="pagination">.*?</div>', re.S)


def write_phpbb(out: Path, host: str, farm: list[FarmThread], member_names: list[str]) -> int:
    page_html = SID.sub("", PHPBB_THREAD.read_text(encoding="utf-8"))
    head, first_post, rest = _cut(page_html, '<div id="p380430" class="post bg2">', '<hr class="divider" />')
    last_marker = rest.rindex('<hr class="divider" />') + len('<hr class="divider" />')
    tail = rest[last_marker:]
    board_html = SID.sub("", PHPBB_BOARD.read_text(encoding="utf-8"))
    b_head, b_row, b_rest = _cut(board_html, '<li class="row bg1">', "</li>")
    b_tail = b_rest[b_rest.rindex("</li>") + len("</li>") :]
    save = PageWriter(out, host)
    per = len(farm[0].pages[0])

    by_id: dict[int, FarmPost] = {}
    for ft in farm:
        base = f"./viewtopic.php?f=5&amp;t={ft.thread_id}"
        total = sum(len(p) for p in ft.pages)
        for n, page in enumerate(ft.pages, 1):
            posts = []
            for k, fp in enumerate(page):
                by_id[fp.post_id] = fp
                name = member_names[fp.author]
                content = "<br /><br />".join(map(html.escape, fp.text))
                if fp.quotes:
                    q = by_id[fp.quotes]
                    content = (
                        f"<blockquote><div><cite>{html.escape(member_names[q.author])} wrote:</cite>"
                        f"{html.escape(q.text[0][:200])}</div></blockquote><br />" + content
                    )
                block = first_post.replace("380430", str(fp.post_id)).replace(
                    "u=84642", f"u={5000 + fp.author}"
                )
                block = block.replace("Wesley Pearce", html.escape(name))
                block = block.replace("post bg2", f"post bg{2 - k % 2}")
                block = block.replace("Sun Mar 06, 2016 5:45 am", _phpbb_date(fp.at))
                block = block.replace(
                    "Compatibility with Microsoft Office",
                    html.escape(ft.title if n == 1 and k == 0 else f"Re: {ft.title}"),
                )
                block = block.replace(
                    "Will Microsoft office users be able to edit OpenOffice documents ?", content
                )
                block = block.replace(
                    "OpenOffice 3.1 on Windows 10", f"{name}'s setup: LibreOffice 7 on Linux"
                )
                posts.append(block)
            page_text = head.replace("Compatibility with Microsoft Office", html.escape(ft.title))
            page_text = page_text.replace("t=82202", f"t={ft.thread_id}")
            nav = _pagination("posts", base, n, len(ft.pages), total, per)
            page_text = _PAGINATION.sub(nav, page_text)
            tail_text = _PAGINATION.sub(nav, tail.replace("t=82202", f"t={ft.thread_id}"))
            start = "" if n == 1 else f"&start={(n - 1) * per}"
            save(f"/viewtopic.php?f=5&t={ft.thread_id}{start}", page_text + "\n\n".join(posts) + tail_text)

    listing = sorted(farm, key=lambda t: t.pages[-1][-1].at, reverse=True)
    board_pages = [
        listing[i : i + TOPICS_PER_BOARD_PAGE] for i in range(0, len(listing), TOPICS_PER_BOARD_PAGE)
    ]
    for n, chunk in enumerate(board_pages, 1):
        rows = []
        for k, ft in enumerate(chunk):
            last = ft.pages[-1][-1]
            row = b_row.replace("row bg1", f"row bg{1 + k % 2}").replace("t=82202", f"t={ft.thread_id}")
            row = row.replace("Compatibility with Microsoft Office", html.escape(ft.title))
            row = row.replace("39 <dfn>", f"{sum(len(p) for p in ft.pages) - 1} <dfn>")
            row = row.replace("p=431590", f"p={last.post_id}").replace("#p431590", f"#p{last.post_id}")
            row = row.replace("Fri Nov 10, 2017 4:38 pm", _phpbb_date(last.at))
            row = row.replace(">keme<", f">{html.escape(member_names[last.author])}<")
            row = re.sub(r'<strong class="pagination">.*?</strong>', _row_pages(ft, per), row, flags=re.S)
            rows.append(row)
        nav = _pagination(
            "topics", "./viewforum.php?f=5", n, len(board_pages), len(farm), TOPICS_PER_BOARD_PAGE
        )
        start = "" if n == 1 else f"&start={(n - 1) * TOPICS_PER_BOARD_PAGE}"
        save(
            f"/viewforum.php?f=5{start}",
            _PAGINATION.sub(nav, b_head) + "\n\n\t".join(rows) + _PAGINATION.sub(nav, b_tail),
        )
    return save.written


def _row_pages(ft: FarmThread, per: int) -> str:
    links = [
        f'<a href="./viewtopic.php?f=5&amp;t={ft.thread_id}'
        f'{"" if n == 1 else f"&amp;start={(n - 1) * per}"}">{n}</a>'
        for n in range(1, len(ft.pages) + 1)
    ]
    return (
        '<strong class="pagination"><span>'
        + '<span class="page-sep">, </span>'.join(links)
        + "</span></strong>"
    )


# ---------------------------------------------------------------- the farm
def build(out: Path, threads: int, pages: int, posts: int, xenforo_host: str, phpbb_host: str) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    xf = plan(threads, pages, posts, members=60, seed=1, first_id=10_000)
    # phpBB's markup is leaner than XenForo's: longer posts bring its pages to real sizes
    bb = plan(threads, pages, posts, members=60, seed=2, first_id=50_000, paragraphs=(3, 6))
    xf_pages = write_xenforo(out, xenforo_host, xf, xenforo_members(60))
    bb_pages = write_phpbb(out, phpbb_host, bb, [f"user{i:03d}" for i in range(60)])
    sizes = [p.stat().st_size for p in out.rglob("*.html")]
    manifest = {
        "sites": {
            "xenforo2": {
                "host": xenforo_host,
                "start": f"http://{xenforo_host}/forums/global-defence.12/",
                "threads": threads,
                "thread_pages": threads * pages,
                "posts": threads * pages * posts,
                "pages": xf_pages,
            },
            "phpbb3": {
                "host": phpbb_host,
                "start": f"http://{phpbb_host}/viewforum.php?f=5",
                "threads": threads,
                "thread_pages": threads * pages,
                "posts": threads * pages * posts,
                "pages": bb_pages,
            },
        },
        "page_bytes": {
            "min": min(sizes),
            "median": sorted(sizes)[len(sizes) // 2],
            "max": max(sizes),
            "total": sum(sizes),
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--xenforo-host", default="localhost:8711")
    parser.add_argument("--phpbb-host", default="127.0.0.1:8711")
    args = parser.parse_args()
    print(
        json.dumps(
            build(args.out, args.threads, args.pages, args.posts, args.xenforo_host, args.phpbb_host),
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
