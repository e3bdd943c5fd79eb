"""Flarum: a JavaScript app whose pages carry the JSON:API document they were built from.

No page of the shared corpus is Flarum; the markup comes from flarum/framework
(``views/frontend/app.blade.php``, ``forum.blade.php``, ``content/discussion.blade.php``,
``content/index.blade.php``, ``src/Forum/Content/Discussion.php``). Every forum page
embeds the API response in ``<script id="flarum-json-payload">`` (1.x; older releases
pass the same object to ``flarum.core.app.load(...)``) under ``apiDocument``:

* a discussion page: ``data`` is the discussion (title, slug, ``commentCount``) and
  ``included`` holds its posts (``number``, ``createdAt``, ``editedAt``,
  ``contentHtml``) and their users (``username``, ``displayName``, ``joinTime``);
* the index or a tag page: ``data`` is a list of discussions (``commentCount``,
  ``lastPostedAt``, ``lastPostNumber``).

The same document is what ``/api/discussions/ID`` and ``/api/discussions`` return, so
one reader serves both the pages and the API. The ``<noscript id="flarum-content">``
fallback has names and bodies but no dates or ids; it is read only when the payload is
missing, and its posts are then numbered by position.

Quotes: Markdown ``<blockquote>``; a reply to a post is ``a.PostMention`` (``data-id``
is the quoted post's id) in the paragraph just before the quote.
"""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.html
from lxml.html import HtmlElement
from parsel import Selector

from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.items import BoardItem, DateField, PostItem, ThreadItem, UserItem
from forumcrawl.reading.engines.base import (
    PAGE_BOARD,
    PAGE_THREAD,
    BoardPage,
    Engine,
    ThreadLink,
    ThreadPage,
    clean,
    has_class,
    text_of,
)

PAGE_SIZE = 20  # posts per page of Flarum's server-rendered discussion view
_LOAD_CALL = re.compile(r"app\.load\((\{.*\})\);", re.S)
_MENTION = f"a[{has_class('PostMention')}]"


def _mention_attribution(el: HtmlElement) -> Attribution:
    mention = el.xpath(f"preceding-sibling::*[1]/{_MENTION}")
    if not mention:
        return Attribution()
    return Attribution(author=clean(mention[0].text_content()), post_id=mention[0].get("data-id"))


def payload_of(sel: Selector) -> dict | None:
    """The page's embedded JSON payload, or None.

    The payload is the whole page's data; detection of the page kind and its parse both
    need it, so the last one read is kept (keyed by the document, which it keeps alive).
    """
    global _LAST_PAYLOAD
    if _LAST_PAYLOAD[0] is sel.root:
        return _LAST_PAYLOAD[1]
    payload = _read_payload(sel)
    _LAST_PAYLOAD = (sel.root, payload)
    return payload


_LAST_PAYLOAD: tuple[object, dict | None] = (None, None)


def _read_payload(sel: Selector) -> dict | None:
    text = sel.xpath("//script[@id='flarum-json-payload']/text()").get()
    if text is None:
        call = sel.xpath("//script[contains(., 'app.load(')]/text()").get()
        m = _LOAD_CALL.search(call or "")
        text = m.group(1) if m else None
    if not text:
        return None
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def api_document(data: Any) -> dict | None:
    """A JSON:API document of discussions: the payload's ``apiDocument`` or the API response."""
    if not isinstance(data, dict):
        return None
    doc = data.get("apiDocument", data)
    if not isinstance(doc, dict) or "data" not in doc:
        return None
    main = doc["data"]
    first_item = main[0] if isinstance(main, list) and main else main
    if isinstance(first_item, dict) and first_item.get("type") == "discussions":
        return doc
    if isinstance(main, list) and not main:
        return doc  # an empty listing is still a listing
    return None


class Flarum(Engine):
    name = "flarum"
    quote_rule = QuoteRule(
        xpath=".//blockquote", attribution=_mention_attribution,
        header=f"preceding-sibling::*[1][self::p][{_MENTION}][normalize-space(.) = normalize-space({_MENTION})]",
    )

    # ------------------------------------------------------------------ detection
    def detect(self, sel: Selector) -> list[str]:
        evidence = []
        if sel.xpath("//script[@id='flarum-json-payload'] | //script[contains(., 'flarum.core.app.load')]"):
            evidence.append("flarum JSON payload")
        if sel.xpath("//div[@id='flarum-loading'] | //noscript[@id='flarum-content']"):
            evidence.append("#flarum-loading / #flarum-content")
        if sel.xpath("//script[contains(., 'var flarum = {extensions')] | //link[contains(@href,'/assets/forum')]"):
            evidence.append("flarum assets")
        return evidence if len(evidence) >= 2 else []

    def detect_json(self, data: Any) -> list[str]:
        return ["JSON:API document of discussions"] if api_document(data) else []

    def page_kind(self, sel: Selector, url: str) -> str | None:
        doc = api_document(payload_of(sel))
        if doc is not None:
            return PAGE_BOARD if isinstance(doc["data"], list) else PAGE_THREAD
        if sel.xpath("//noscript[@id='flarum-content']//article"):
            return PAGE_THREAD
        if sel.xpath("//noscript[@id='flarum-content']//li/a[contains(@href,'/d/')]"):
            return PAGE_BOARD
        return None

    # ------------------------------------------------------------------ pages
    def parse_thread(self, sel: Selector, url: str) -> ThreadPage:
        doc = api_document(payload_of(sel))
        if doc is None:
            return self._thread_from_noscript(sel, url)
        page = self.thread_from_api(doc, url, _forum_base(payload_of(sel), url))
        page.language = sel.xpath("/html/@lang").get()
        page.next_url = sel.xpath("//link[@rel='next']/@href").get() or page.next_url
        return page

    def parse_board(self, sel: Selector, url: str) -> BoardPage:
        doc = api_document(payload_of(sel))
        base = _forum_base(payload_of(sel), url)
        if doc is None:
            links = [ThreadLink(url=a.attrib["href"], thread_id=_discussion_id(a.attrib["href"]),
                                title=text_of(a))
                     for a in sel.xpath("//noscript[@id='flarum-content']//li/a[@href]")]
            board = BoardItem(site_id="", board_id=_board_id(url), title=None, url=url)
            return BoardPage(board=board, threads=links)
        page = self.board_from_api(doc, url, base)
        page.language = sel.xpath("/html/@lang").get()
        page.next_url = (sel.xpath("//link[@rel='next']/@href").get()
                         or sel.xpath("//noscript[@id='flarum-content']//a[contains(@href,'page=')]"
                                      "[contains(., '»')]/@href").get())
        return page

    def read_json(self, data: Any, url: str) -> ThreadPage | BoardPage:
        """``/api/discussions/ID`` (a thread) or ``/api/discussions`` (a listing)."""
        doc = api_document(data)
        base = url.split("/api/")[0] if "/api/" in url else url.rstrip("/")
        if isinstance(doc["data"], list):
            page = self.board_from_api(doc, url, base)
            page.next_url = (doc.get("links") or {}).get("next")
            return page
        page = self.thread_from_api(doc, url, base)
        page.next_url = None  # the API document of a discussion names every post id already
        return page

    # ------------------------------------------------------------------ API documents
    def thread_from_api(self, doc: dict, url: str, base: str) -> ThreadPage:
        discussion = doc["data"]
        attrs = discussion.get("attributes", {})
        thread_id = str(discussion["id"])
        thread_url = _discussion_url(base, thread_id, attrs.get("slug"))
        included = doc.get("included", [])
        users = {u["id"]: u.get("attributes", {}) for u in included if u.get("type") == "users"}
        posts = []
        for resource in included:
            if resource.get("type") != "posts":
                continue
            post = self._post(resource, users, thread_id, thread_url, base, url)
            if post is not None:
                posts.append(post)
        posts.sort(key=lambda p: p.position or 0)
        tags = [r for r in included if r.get("type") == "tags"]
        tag = tags[-1] if tags else None
        thread = ThreadItem(
            site_id="", thread_id=thread_id, title=clean(attrs.get("title")), url=thread_url,
            board_id=f"t/{tag['attributes']['slug']}" if tag else None,
            board_title=tag["attributes"].get("name") if tag else None,
            board_url=f"{base}/t/{tag['attributes']['slug']}" if tag else None,
            reply_count=(attrs["commentCount"] - 1) if isinstance(attrs.get("commentCount"), int) else None,
            last_post=DateField(machine=attrs.get("lastPostedAt")),
        )
        number = _page_number(url)
        comments = attrs.get("commentCount")
        next_url = (f"{thread_url}?page={number + 1}"
                    if isinstance(comments, int) and number * PAGE_SIZE < comments else None)
        return ThreadPage(thread=thread, posts=posts, page_number=number, next_url=next_url)

    def board_from_api(self, doc: dict, url: str, base: str) -> BoardPage:
        links = []
        for discussion in doc["data"]:
            attrs = discussion.get("attributes", {})
            thread_id = str(discussion["id"])
            link_url = _discussion_url(base, thread_id, attrs.get("slug"))
            count = attrs.get("commentCount")
            links.append(ThreadLink(url=link_url, thread_id=thread_id, title=clean(attrs.get("title")),
                                    reply_count=count - 1 if isinstance(count, int) else None,
                                    last_post=DateField(machine=attrs.get("lastPostedAt"))))
        board_url = url.split("?")[0]
        board = BoardItem(site_id="", board_id=_board_id(board_url), title=None, url=board_url)
        return BoardPage(board=board, threads=links, page_number=_page_number(url))

    def _post(self, resource: dict, users: dict, thread_id: str, thread_url: str, base: str,
              page_url: str) -> PostItem | None:
        attrs = resource.get("attributes", {})
        html = attrs.get("contentHtml")
        if attrs.get("contentType", "comment") != "comment" or html is None:
            return None  # "discussionRenamed", "discussionStickied", ...: events, not posts
        user_ref = ((resource.get("relationships") or {}).get("user") or {}).get("data") or {}
        author = None
        if user_ref.get("id") in users:
            user = users[user_ref["id"]]
            handle = user.get("slug") or user.get("username")
            author = UserItem(site_id="", name=user.get("displayName") or user.get("username"),
                              user_id=str(user_ref["id"]),
                              profile_url=f"{base}/u/{handle}" if handle else None,
                              joined=DateField(machine=user.get("joinTime")),
                              message_count=user.get("commentCount"))
        fragment = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
        body = split_body(fragment, self.quote_rule, None, thread_url)
        number = attrs.get("number")
        return PostItem(
            site_id="", thread_id=thread_id, post_id=str(resource["id"]),
            url=f"{thread_url}/{number}" if number else thread_url, page_url=page_url,
            author=author, posted=DateField(raw=attrs.get("createdAt"), machine=attrs.get("createdAt")),
            edited=DateField(machine=attrs.get("editedAt")),
            body_html=body.html, body_text=body.text, position=number,
            quotes=body.quotes, links=body.links,
        )

    def _thread_from_noscript(self, sel: Selector, url: str) -> ThreadPage:
        """No payload: names and bodies only, numbered by their place on the page."""
        base = _forum_base(None, url)
        thread_id = _discussion_id(url) or url
        number = _page_number(url)
        posts = []
        for i, article in enumerate(sel.xpath("//noscript[@id='flarum-content']//article"), 1):
            body_el = article.xpath(f".//div[{has_class('Post-body')}]")
            if not body_el:
                continue
            body = split_body(body_el[0].root, self.quote_rule, None, base)
            position = (number - 1) * PAGE_SIZE + i
            name = text_of(article.xpath(f".//*[{has_class('PostUser-name')}]"))
            posts.append(PostItem(
                site_id="", thread_id=thread_id, post_id=f"{thread_id}/{position}",
                url=f"{url.split('?')[0]}/{position}", page_url=url,
                author=UserItem(site_id="", name=name) if name else None, posted=DateField(),
                body_html=body.html, body_text=body.text, position=position,
                quotes=body.quotes, links=body.links))
        thread = ThreadItem(site_id="", thread_id=thread_id, url=url.split("?")[0],
                            title=text_of(sel.xpath("//noscript[@id='flarum-content']//h1")))
        next_url = sel.xpath("//link[@rel='next']/@href").get()
        return ThreadPage(thread=thread, posts=posts, page_number=number, next_url=next_url)


def _discussion_url(base: str, thread_id: str, slug: str | None) -> str:
    """``/d/ID-SLUG``; newer Flarum serialises the slug with its id already in front."""
    if not slug or slug == thread_id or slug.startswith(f"{thread_id}-"):
        return f"{base}/d/{slug or thread_id}"
    return f"{base}/d/{thread_id}-{slug}"


def _forum_base(payload: dict | None, url: str) -> str:
    for resource in (payload or {}).get("resources", []):
        if resource.get("type") == "forums":
            base = (resource.get("attributes") or {}).get("baseUrl")
            if base:
                return base.rstrip("/")
    m = re.match(r"(.*?)/(?:d|t|u|all|tags)(?:/|$|\?)", url)
    return m.group(1) if m else url.split("?")[0].rstrip("/")


def _discussion_id(url: str) -> str | None:
    m = re.search(r"/d/(\d+)", url)
    return m.group(1) if m else None


def _board_id(url: str) -> str:
    m = re.search(r"/t/([^/?#]+)", url)
    return f"t/{m.group(1)}" if m else "all"


def _page_number(url: str) -> int:
    m = re.search(r"[?&]page=(\d+)", url)
    return int(m.group(1)) if m else 1
