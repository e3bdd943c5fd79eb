"""The floor with every field: what a hand-written lxml extractor pays to read everything
forumcrawl stores from a farm page, written the cheapest way that gives the same values.

``floor_extractor.py`` reads four fields a post (id, author, date as shown, body text as
``text_content()`` gives it), and the issue's parse-only target is set against it. This
extractor reads the rest of a stored row as well, for the farm's two engines only:

- per post: id, permalink, author (name, user id, profile URL, title, join date, message
  count), date in UTC (XenForo's ``datetime`` attribute; phpBB's text in the zone the
  footer states), position, reaction count, signature, the body's own words (quotes,
  "Click to expand..." and line breaks handled) and its HTML, and each quote (author,
  user id, post id, depth, text);
- per page: thread title and id, board title and URL, page number, page count, next page.

It does no engine detection, no page-kind decision, no validation, no chrome search
beyond the farm's own markup, no article search and no fallback: it is a yardstick, not a
reader. ``tests/bench/test_bench_farm.py`` holds its values to forumcrawl's readings on a
small farm, so the yardstick measures the same work. ``bench/parse_only.py`` times it.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from floor_extractor import BB_POSTS, XF_POSTS
from lxml import etree, html

_TYPOGRAPHIC = (("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'"))
_COUNT = re.compile(r"[\d,.]+")

_XF_TITLE = etree.XPath("string(//h1[@class='p-title-value'])")
_XF_CRUMBS = etree.XPath("//ul[contains(@class, 'p-breadcrumbs')]/li/a")
_XF_NEXT = etree.XPath("string(//a[contains(@class, 'pageNav-jump--next')]/@href)")
_XF_PAGES = etree.XPath("//ul[@class='pageNav-main']/li/a")
_XF_CURRENT = etree.XPath("string(//li[contains(@class, 'pageNav-page--current')])")
# A post's parts by their class attributes as the farm writes them, found in one pass
# over the post: an XPath query a part walks the post once a part (9 x 11 us a post),
# one query with every part in its predicate costs more still (110 us), the pass 30 us.
_XF_POST_PART = {
    "message-name": "name",
    "userTitle message-userTitle": "title",
    "message-userExtras": "extras",
    "message-attribution-main listInline ": "main",
    "message-lastEdit": "edited",
    "message-attribution-opposite message-attribution-opposite--list ": "position",
    "bbWrapper": "body",
    "message-signature": "signature",
    "reactionsBar js-reactionsList ": "reactions",
    "reactionsBar js-reactionsList is-active": "reactions",
}
_XF_QUOTES = etree.XPath(".//blockquote[contains(@class, 'bbCodeBlock--quote')]")
_XF_QUOTE_TEXT = etree.XPath("./div[@class='bbCodeBlock-content']/div[contains(@class, 'expandContent')]")

_BB_TITLE = etree.XPath("string(//div[@id='page-body']/h2)")
_BB_CRUMBS = etree.XPath("(//li[@class='icon-home'])[1]/a")
_BB_PAGINATION = etree.XPath("//div[@class='pagination']")
_BB_POST_PART = {"author": "author", "postprofile": "profile", "content": "body", "signature": "signature"}
_BB_QUOTES = etree.XPath(".//blockquote")
_BB_DATE = re.compile(r"\w{3} (\w{3}) (\d\d), (\d{4}) (\d\d?):(\d\d) ([ap]m)")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_XF_DAY = re.compile(r"(\w{3}) (\d\d?), (\d{4})")
_BB_ZONE = re.compile(
    rb"All times are UTC ?(?:([+-]) ?(\d+)(?: hours?)?)? ?(?:\[ ?<abbr[^>]*>DST</abbr> ?\])?"
)


def _lines(el) -> str:
    """Visible text with a line per ``<br>`` run, spaces collapsed, typographic quotes plain."""
    breaks = list(el.iter("br"))
    for br in breaks:
        br.tail = "\n" + (br.tail or "")
    lines = (" ".join(line.split()) for line in el.text_content().split("\n"))
    for br in breaks:
        br.tail = br.tail[1:] or None
    text = "\n".join(line for line in lines if line)
    for typographic, plain in _TYPOGRAPHIC:  # str.translate with a mapping is 20x slower
        text = text.replace(typographic, plain)
    return text


def _inner_html(el) -> str:
    """The body's content as HTML, edge ``<br>``s dropped; its leading text as it reads.

    forumcrawl's ``inner_html`` written again, on purpose: a yardstick that called the
    code it measures would move with it."""
    text = el.text or ""
    while len(el) and el[0].tag == "br" and not text.strip():
        text = el[0].tail or ""
        el.remove(el[0])
    while len(el) and el[-1].tag == "br" and not (el[-1].tail or "").strip():
        el.remove(el[-1])
    if not len(el):
        return text.strip()
    el.text = None
    el.attrib.clear()
    el.tag = "div"
    return (text + html.tostring(el, encoding="unicode", with_tail=False)[5:-6]).strip()


def _drop(el) -> None:
    parent, tail = el.getparent(), el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _quotes(body, find, text_of, attribution) -> list[dict]:
    """Each quote of a body with its text (nested quotes apart), then the body without them."""
    nodes = find(body)
    inside = set(nodes)
    quotes = []
    for position, node in enumerate(nodes):
        depth = 1 + sum(1 for a in node.iterancestors() if a in inside)
        who = attribution(node)
        content = text_of(node)
        content = copy.deepcopy(node if content is None else content)
        for nested in find(content):
            if nested.getparent() is not None:
                _drop(nested)
        quotes.append({"position": position, "depth": depth, "text": _lines(content), **who})
    for node in nodes:
        if not any(a in inside for a in node.iterancestors()):
            _drop(node)
    return quotes


def _body_fields(body, signature, find, text_of, attribution) -> dict:
    """A post's quotes (taken out of the body first), its own words and HTML, its signature."""
    quotes = _quotes(body, find, text_of, attribution)
    return {
        "signature_text": _lines(signature) if signature is not None else None,
        "quotes": quotes,
        "body_text": _lines(body),
        "body_html": _inner_html(body),
    }


def _xf_attribution(node) -> dict:
    post = re.search(r"post:\s*(\d+)", node.get("data-source") or "")
    member = re.search(r"member:\s*(\d+)", node.get("data-attributes") or "")
    return {
        "author": node.get("data-quote"),
        "author_user_id": member.group(1) if member else None,
        "post_id": post.group(1) if post else None,
    }


def _xf_quote_text(node):
    found = _XF_QUOTE_TEXT(node)
    return found[0] if found else None


def _bb_attribution(node) -> dict:
    cite = node.find("div/cite")
    if cite is None:
        return {"author": None, "author_user_id": None, "post_id": None}
    name = (cite.text_content() or "").removesuffix(" wrote:").strip()
    return {"author": name or None, "author_user_id": None, "post_id": None}


def _bb_quote_text(node):
    cite = node.find("div/cite")
    if cite is not None:
        _drop(cite)
    return node.find("div")


def _xf_day(text: str) -> str:
    """strptime("%b %d, %Y").date().isoformat() at a quarter of its cost."""
    month, day, year = _XF_DAY.fullmatch(text).groups()
    return f"{year}-{_MONTHS[month]:02d}-{int(day):02d}"


def _count(text: str) -> int | None:
    m = _COUNT.search(text or "")
    return int(m.group(0).replace(",", "").replace(".", "")) if m else None


def _xenforo(root, url: str) -> dict:
    crumbs = _XF_CRUMBS(root)
    board = crumbs[-1] if crumbs else None
    pages = [a.text_content().strip() for a in _XF_PAGES(root)]
    next_url = _XF_NEXT(root)
    thread = {
        "title": _XF_TITLE(root).strip(),
        "thread_id": re.search(r"\.(\d+)/", url).group(1),
        "board_title": board.text_content().strip() if board is not None else None,
        "board_url": urljoin(url, board.get("href")) if board is not None else None,
        "page_number": int(_XF_CURRENT(root).strip() or 1),
        "page_count": max((int(p) for p in pages if p.isdigit()), default=1),
        "next_url": urljoin(url, next_url) if next_url else None,
    }
    posts = []
    for post in XF_POSTS(root):
        post_id = post.get("data-content", "").removeprefix("post-")
        part: dict = {}
        for el in post.iter():
            key = _XF_POST_PART.get(el.get("class"))
            if key is not None and key not in part:
                part[key] = el
        facts = {}
        for dl in part["extras"].iterfind("dl") if "extras" in part else ():
            dt, dd = dl.find("dt"), dl.find("dd")
            if dt is not None and dd is not None:
                facts[dt.text_content().strip()] = dd.text_content().strip()
        name = part["name"].find("a") if "name" in part else None
        joined = facts.get("Joined")
        time = part["main"].find(".//time")
        edited = part["edited"].find(".//time") if "edited" in part else None
        reactions = part["reactions"].find(".//a") if "reactions" in part else None
        if reactions is not None:
            names = len(reactions.findall(".//bdi"))
            more = re.search(r"(\d[\d,.]*)\s+\w+\s*$", reactions.text_content())
            reaction_count = names + (_count(more.group(1)) if more else 0)
        else:
            reaction_count = 0
        permalink = part["main"].find(".//a")
        position = part["position"].findall("li/a")[-1].text_content() if "position" in part else ""
        title = part["title"].text_content().strip() if "title" in part else ""
        posts.append(
            {
                "post_id": post_id,
                "url": urljoin(url, permalink.get("href")) if permalink is not None else None,
                "author": name.text_content().strip() if name is not None else post.get("data-author"),
                "user_id": name.get("data-user-id") if name is not None else None,
                "profile_url": urljoin(url, name.get("href")) if name is not None else None,
                "user_title": title or None,
                "joined": _xf_day(joined) if joined else None,
                "message_count": _count(facts.get("Messages", "")),
                "posted": datetime.fromisoformat(time.get("datetime")).astimezone(UTC).isoformat(),
                "posted_raw": time.get("title"),
                "edited": datetime.fromisoformat(edited.get("datetime")).astimezone(UTC).isoformat()
                if edited is not None
                else None,
                "position": _count(position),
                "reaction_count": reaction_count,
                **_body_fields(
                    part["body"], part.get("signature"), _XF_QUOTES, _xf_quote_text, _xf_attribution
                ),
            }
        )
    return {"thread": thread, "posts": posts}


def _phpbb(root, url: str, body: bytes) -> dict:
    zone = _BB_ZONE.search(body)
    hours = 0
    if zone:
        sign = -1 if zone.group(1) == "-" else 1
        hours = sign * int(zone.group(2) or 0) + (1 if b"DST" in zone.group(0) else 0)
    offset = timedelta(hours=hours)

    def utc(text: str) -> str:  # strptime("%a %b %d, %Y %I:%M %p") at a quarter of its cost
        month, day, year, hour, minute, half = _BB_DATE.fullmatch(text).groups()
        hour = int(hour) % 12 + (12 if half == "pm" else 0)
        at = datetime(int(year), _MONTHS[month], int(day), hour, int(minute), tzinfo=UTC)
        return (at - offset).isoformat()

    crumbs = _BB_CRUMBS(root)
    board = crumbs[-1] if len(crumbs) > 1 else None
    pagination = _BB_PAGINATION(root)
    page_number = page_count = 1
    next_url = None
    if pagination:
        strong = [s.text_content() for s in pagination[0].findall("a/strong")]
        if len(strong) == 2:
            page_number, page_count = int(strong[0]), int(strong[1])
        for a in pagination[0].iterfind("span/a"):
            if a.text_content().strip() == str(page_number + 1):
                next_url = urljoin(url, a.get("href"))
    thread = {
        "title": _BB_TITLE(root).strip(),
        "thread_id": re.search(r"[?&]t=(\d+)", url).group(1),
        "board_title": board.text_content().strip() if board is not None else None,
        "board_url": urljoin(url, board.get("href")) if board is not None else None,
        "page_number": page_number,
        "page_count": page_count if pagination else None,
        "next_url": next_url,
    }
    posts = []
    for post in BB_POSTS(root):
        part: dict = {}
        for el in post.iter():  # the post's parts in one pass (see _XF_POST_PART)
            key = _BB_POST_PART.get(el.get("class"))
            if key is not None and key not in part:
                part[key] = el
        author = part["author"]
        strong = author.find(".//strong/a")
        permalink = author.find("a")
        facts, rank = {}, None
        if "profile" in part:
            for dd in part["profile"].iterfind("dd"):
                label = dd.find("strong")
                if label is not None:
                    facts[label.text_content().strip().rstrip(":")] = (label.tail or "").strip()
                elif rank is None:  # the rank: 3.0 writes it as the first unlabelled line
                    rank = " ".join(dd.text_content().replace("\xa0", " ").split()) or None
        joined = facts.get("Joined")
        posted = (author[-1].tail or "").strip(" \u00bb\n\t")
        href = strong.get("href") if strong is not None else None
        posts.append(
            {
                "post_id": post.get("id")[1:],
                "url": urljoin(url, permalink.get("href")) if permalink is not None else None,
                "author": strong.text_content().strip() if strong is not None else None,
                "user_id": re.search(r"[?&]u=(\d+)", href).group(1) if href else None,
                "profile_url": urljoin(url, href) if href else None,
                "user_title": rank,
                "joined": utc(joined) if joined else None,
                "message_count": _count(facts.get("Posts", "")),
                "posted": utc(posted),
                "posted_raw": posted,
                "edited": None,
                "position": None,
                "reaction_count": None,
                **_body_fields(
                    part["body"], part.get("signature"), _BB_QUOTES, _bb_quote_text, _bb_attribution
                ),
            }
        )
    return {"thread": thread, "posts": posts}


def extract(body: bytes, url: str) -> dict:
    """Every stored field of one farm thread page: ``{"thread": {...}, "posts": [...]}``."""
    root = html.fromstring(body)
    if root.get("id") == "XF":
        return _xenforo(root, url)
    return _phpbb(root, url, body)
