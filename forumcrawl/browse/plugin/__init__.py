"""forumcrawl's Datasette plugin: threads you can read, members you can look up.

Datasette shows a thread as a table of rows. This plugin adds the pages people read:

- ``/<db>/-/thread/<thread id>``: the posts in order, each with its author (linked to
  their page), user title and date; what it quotes shown as quotes, linked to the quoted
  post; the news articles it reposts as cards (headline, byline, outlet, date, link); and
  the thread's posts per month;
- ``/<db>/-/member/<user id>``: a member's posts, whom they quote and who quotes them,
  and their posts per month;
- ``/<db>/-/board/<board id>``: a board's threads and its posts per month.

Post bodies are forum HTML, untrusted: they are shown only through :func:`sanitise`
(nh3, the Rust ammonia sanitiser): no script, no event handler, no style, links made
``nofollow``, and no remote loads. Images become links unless the Datasette metadata
allows them (``"plugins": {"forumcrawl": {"allow_images": true}}``). Thread titles,
member names and board titles in Datasette's own tables link to these pages. Registered
through the ``datasette`` entry point; ``forumcrawl serve`` starts Datasette with it.
"""

from __future__ import annotations

import re

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "hr", "i", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*([\"'])(.*?)\1[^>]*>", re.I | re.S)
_ALT = re.compile(r"\balt\s*=\s*([\"'])(.*?)\1", re.I | re.S)


def sanitise(html: str | None, allow_images: bool = False) -> Markup:
    """Forum HTML made safe to show: only text markup, links and (when allowed) images."""
    import nh3

    if not html:
        return Markup("")
    tags = set(_TAGS)
    attributes = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"}}
    if allow_images:
        tags.add("img")
        attributes["img"] = {"src", "alt", "title", "width", "height"}
    else:  # a remote image is a request to someone else's server: shown as a link instead
        html = _IMG.sub(_image_link, html)
    cleaned = nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)


def _image_link(match: re.Match) -> str:
    src = match.group(2)
    alt = _ALT.search(match.group(0))
    label = alt.group(2) if alt and alt.group(2).strip() else "image"
    return f'<a href="{escape(src)}">[{escape(label)}]</a>'


def page_url(datasette, database: str, kind: str, key: str) -> str:
    """Keys hold ``:`` and ``.``: tilde-encoded, as Datasette encodes its own row ids."""
    return datasette.urls.database(database) + f"/-/{kind}/" + tilde_encode(key)


def _key(request) -> str:
    return tilde_decode(request.url_vars["key"])


def _not_found(what: str) -> Response:
    return Response.text(f"{what} is not in this database", status=404)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/(?P<database>[^/]+)/-/thread/(?P<key>[^/]+)$", thread_page),
        (r"^/(?P<database>[^/]+)/-/member/(?P<key>[^/]+)$", member_page),
        (r"^/(?P<database>[^/]+)/-/board/(?P<key>[^/]+)$", board_page),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Thread titles, member names and board titles link to the reading pages; post
    bodies show as sanitised HTML rather than as HTML source."""
    if value is None:
        return None
    if column == "body_html" and table in ("posts", "post_revisions"):
        return sanitise(value, _allow_images(datasette))
    keys = {("threads", "title"): "thread", ("users", "name"): "member", ("boards", "title"): "board"}
    kind = keys.get((table, column))
    if kind and "id" in row.keys():  # noqa: SIM118 (a sqlite3.Row: "in" looks at its values)
        return Markup(f'<a href="{page_url(datasette, database, kind, row["id"])}">{escape(value)}</a>')
    return None


def _allow_images(datasette) -> bool:
    return bool((datasette.plugin_config("forumcrawl") or {}).get("allow_images"))


async def _rows(db, sql: str, params: dict | list) -> list[dict]:
    result = await db.execute(sql, params)
    return [dict(row) for row in result.rows]


async def _subject(datasette, request, table: str, what: str):
    """(database name, database, row) of the page's subject, or the 404 to answer with."""
    name, key = request.url_vars["database"], _key(request)
    try:
        db = datasette.get_database(name)
    except KeyError:
        return None, _not_found(f"database {name}")
    rows = await _rows(db, f"select * from [{table}] where id = :key", {"key": key})
    if not rows:
        return None, _not_found(f"{what} {key}")
    return (name, db, rows[0]), None


def months_chart(counts: list[dict]) -> Markup:
    """Posts per month as an inline SVG bar chart (no script, nothing loaded)."""
    if not counts:
        return Markup("")
    width, height, gap = 14, 80, 2
    top = max(c["posts"] for c in counts)
    bars = []
    for i, c in enumerate(counts):
        h = max(1, round(c["posts"] / top * height))
        bars.append(
            f'<rect x="{i * (width + gap)}" y="{height - h}" width="{width}" height="{h}">'
            f"<title>{escape(c['month'])}: {c['posts']} posts</title></rect>"
        )
    total_width = len(counts) * (width + gap)
    first, last = escape(counts[0]["month"]), escape(counts[-1]["month"])
    return Markup(
        f'<figure class="fc-chart"><svg role="img" aria-label="posts per month" width="{total_width}"'
        f' height="{height}" viewBox="0 0 {total_width} {height}">{"".join(bars)}</svg>'
        f"<figcaption>posts per month, {first} to {last} (busiest: {top})</figcaption></figure>"
    )


_MONTHS = "select substr(posted_at, 1, 7) as month, count(*) as posts from posts where {where} and posted_at is not null group by 1 order by 1"


async def _render(datasette, request, template: str, subject: tuple, posts_where: str, **context) -> Response:
    """A page about ``subject`` (database name, database, row) with its posts-per-month
    chart; ``posts_where`` picks the subject's posts by ``:key``, the row's id."""
    name, db, row = subject
    months = await _rows(db, _MONTHS.format(where=posts_where), {"key": row["id"]})
    context = {"database": name, "chart": months_chart(months), **context}
    return Response.html(await datasette.render_template(template, context, request=request))


async def thread_page(datasette, request):
    subject, missing = await _subject(datasette, request, "threads", "thread")
    if missing:
        return missing
    name, db, thread = subject
    key = thread["id"]
    boards = await _rows(db, "select title from boards where id = :id", {"id": thread["board_id"]})
    thread["board_title"] = boards[0]["title"] if boards else None
    posts = await _rows(
        db,
        "select posts.*, users.title as user_title, users.joined_at as user_joined from posts"
        " left join users on users.id = posts.user_id where posts.thread_id = :key"
        " order by coalesce(posts.position, 1e9), posts.posted_at, posts.rowid",
        {"key": key},
    )
    ids = [p["id"] for p in posts]
    marks = ",".join("?" * len(ids)) or "null"
    quotes = await _rows(
        db, f"select * from quotes where post_id in ({marks}) order by post_id, position", ids
    )
    articles = await _rows(
        db, f"select * from articles where post_id in ({marks}) order by post_id, position", ids
    )
    in_thread = set(ids)
    allow = _allow_images(datasette)
    for post in posts:
        post["body"] = sanitise(post["body_html"], allow) if post["body_html"] else None
        post["member_url"] = page_url(datasette, name, "member", post["user_id"]) if post["user_id"] else None
        post["quotes"] = []
        for q in (q for q in quotes if q["post_id"] == post["id"]):
            quoted = f"{post['site_id']}:{q['quoted_post_id']}" if q["quoted_post_id"] else None
            q["anchor"] = f"#post-{tilde_encode(quoted)}" if quoted in in_thread else None
            post["quotes"].append(q)
        post["articles"] = [a for a in articles if a["post_id"] == post["id"]]
        # a member who pasted an article in their own words: the card first, the paste folded
        post["repost"] = any(not a["in_quote"] for a in post["articles"])
        post["anchor"] = f"post-{tilde_encode(post['id'])}"
    return await _render(
        datasette,
        request,
        "forumcrawl_thread.html",
        subject,
        "thread_id = :key",
        thread=thread,
        posts=posts,
        board_url=page_url(datasette, name, "board", thread["board_id"]) if thread["board_id"] else None,
    )


async def member_page(datasette, request):
    subject, missing = await _subject(datasette, request, "users", "member")
    if missing:
        return missing
    name, db, member = subject
    key = member["id"]
    posts = await _rows(
        db,
        "select posts.id, posts.posted_at, posts.body_text, posts.thread_id, threads.title as thread_title"
        " from posts join threads on threads.id = posts.thread_id where posts.user_id = :key"
        " order by posts.posted_at desc limit 200",
        {"key": key},
    )
    for post in posts:
        post["url"] = (
            page_url(datasette, name, "thread", post["thread_id"]) + f"#post-{tilde_encode(post['id'])}"
        )
        post["excerpt"] = (post["body_text"] or "")[:280]
    quotes_whom = await _rows(
        db,
        "select quotes.quoted_author as name, count(*) as times from quotes join posts on posts.id = quotes.post_id"
        " where posts.user_id = :key and quotes.quoted_author is not null group by 1 order by 2 desc, 1",
        {"key": key},
    )
    quoted_by = await _rows(
        db,
        "select posts.author_name as name, posts.user_id, count(*) as times from quotes"
        " join posts on posts.id = quotes.post_id"
        " where (quotes.quoted_user_id = :native or (quotes.quoted_user_id is null and quotes.quoted_author = :name))"
        " and posts.site_id = :site group by 1, 2 order by 3 desc, 1",
        {"native": member["native_id"], "name": member["name"], "site": member["site_id"]},
    )
    for row in quoted_by:
        row["url"] = page_url(datasette, name, "member", row["user_id"]) if row["user_id"] else None
    return await _render(
        datasette,
        request,
        "forumcrawl_member.html",
        subject,
        "user_id = :key",
        member=member,
        posts=posts,
        quotes_whom=quotes_whom,
        quoted_by=quoted_by,
    )


async def board_page(datasette, request):
    subject, missing = await _subject(datasette, request, "boards", "board")
    if missing:
        return missing
    name, db, board = subject
    key = board["id"]
    threads = await _rows(
        db,
        "select threads.id, threads.title, count(posts.id) as posts, max(posts.posted_at) as last_post_at"
        " from threads left join posts on posts.thread_id = threads.id where threads.board_id = :key"
        " group by threads.id order by last_post_at desc",
        {"key": key},
    )
    for thread in threads:
        thread["url"] = page_url(datasette, name, "thread", thread["id"])
    return await _render(
        datasette,
        request,
        "forumcrawl_board.html",
        subject,
        "thread_id in (select id from threads where board_id = :key)",
        board=board,
        threads=threads,
    )
