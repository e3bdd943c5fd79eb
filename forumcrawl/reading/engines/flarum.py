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
from functools import cached_property
from typing import Any

import lxml.html
from lxml.html import HtmlElement

from forumcrawl.items import DateField, PostItem
from forumcrawl.reading.engines.base import (
    PAGE_BOARD,
    PAGE_THREAD,
    BoardPage,
    Engine,
    PageReader,
    ThreadLink,
    ThreadPage,
)
from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import has_class, select_first

PAGE_SIZE = 20  # posts per page of Flarum's server-rendered discussion view
_LOAD_CALL = re.compile(r"app\.load\((\{.*\})\);", re.S)
_MENTION = f"a[{has_class('PostMention')}]"


def _mention_attribution(el: HtmlElement) -> Attribution:
    mention = select_first(el, f"preceding-sibling::*[1]/{_MENTION}")
    if mention is None:
        return Attribution()
    return Attribution(author=clean(mention.text_content()), post_id=mention.get("data-id"))


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


class FlarumReader(PageReader):
    """A Flarum page: its embedded API document when it has one, else the noscript view."""

    engine: Flarum

    @cached_property
    def payload(self) -> dict | None:
        """The page's embedded JSON payload (the page kind and its parse both need it)."""
        text = self.doc.first(self.engine.payload_script)
        if text is None:
            m = _LOAD_CALL.search(self.doc.first(self.engine.payload_call) or "")
            text = m.group(1) if m else None
        if not text:
            return None
        try:
            payload = json.loads(text)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    @cached_property
    def api(self) -> dict | None:
        return api_document(self.payload)

    def kind(self) -> str | None:
        if self.api is not None:
            return PAGE_BOARD if isinstance(self.api["data"], list) else PAGE_THREAD
        if self.doc.first(self.engine.posts) is not None:
            return PAGE_THREAD
        if self.doc.first(self.engine.board_links) is not None:
            return PAGE_BOARD
        return None

    def thread(self) -> ThreadPage:
        if self.api is None:
            return self._thread_from_noscript()
        page = self.engine.thread_from_api(self, self.api, _forum_base(self.payload, self.url))
        page.language = self.doc.language
        page.next_url = self.doc.first("//link[@rel='next']/@href") or page.next_url
        return page

    def board(self) -> BoardPage:
        doc = self.doc
        if self.api is None:
            links = [
                ThreadLink(url=a.get("href"), thread_id=_discussion_id(a.get("href")), title=text_of(a))
                for a in doc.xpath(self.engine.board_links)
            ]
            return BoardPage(board=self.new_board(_board_id(self.url), None, self.url), threads=links)
        page = self.engine.board_from_api(self, self.api, _forum_base(self.payload, self.url))
        page.language = doc.language
        page.next_url = doc.first("//link[@rel='next']/@href") or doc.first(
            "//noscript[@id='flarum-content']//a[contains(@href,'page=')][contains(., '»')]/@href"
        )
        return page

    def _thread_from_noscript(self) -> ThreadPage:
        """No payload: names and bodies only, numbered by their place on the page."""
        engine, url = self.engine, self.url
        base = _forum_base(None, url)
        thread_id = _discussion_id(url) or url
        number = _page_number(url)
        posts = []
        for i, article in enumerate(self.doc.xpath(engine.posts), 1):
            body_el = select_first(article, engine.body)
            if body_el is None:
                continue
            body = split_body(body_el, engine.quote_rule, engine.chrome(), base)
            position = (number - 1) * PAGE_SIZE + i
            name = text_of(select_first(article, engine.author_name))
            posts.append(
                self.new_post(
                    thread_id,
                    f"{thread_id}/{position}",
                    body,
                    url=f"{url.split('?')[0]}/{position}",
                    author=self.new_user(name) if name else None,
                    posted=DateField(),
                    position=position,
                )
            )
        thread = self.new_thread(thread_id, text_of(self.doc.first(engine.title)), url.split("?")[0])
        return self.thread_page(
            thread, posts, page_number=number, next_url=self.doc.first("//link[@rel='next']/@href")
        )


class Flarum(Engine):
    name = "flarum"
    reader = FlarumReader
    quote_rule = QuoteRule(
        xpath=".//blockquote",
        attribution=_mention_attribution,
        header=f"preceding-sibling::*[1][self::p][{_MENTION}][normalize-space(.) = normalize-space({_MENTION})]",
    )
    signs = (
        (
            "//script[@id='flarum-json-payload'] | //script[contains(., 'flarum.core.app.load')]",
            "flarum JSON payload",
        ),
        (
            "//div[@id='flarum-loading'] | //noscript[@id='flarum-content']",
            "#flarum-loading / #flarum-content",
        ),
        (
            "//script[contains(., 'var flarum = {extensions')] | //link[contains(@href,'/assets/forum')]",
            "flarum assets",
        ),
    )
    selectors = (
        *Engine.selectors,
        "payload_script",
        "payload_call",
        "posts",
        "body",
        "author_name",
        "title",
        "board_links",
    )
    payload_script = "//script[@id='flarum-json-payload']/text()"
    payload_call = "//script[contains(., 'app.load(')]/text()"
    # the <noscript> view, read when a page has no payload
    posts = "//noscript[@id='flarum-content']//article"
    body = f".//div[{has_class('Post-body')}]"
    author_name = f".//*[{has_class('PostUser-name')}]"
    title = "//noscript[@id='flarum-content']//h1"
    board_links = "//noscript[@id='flarum-content']//li/a[contains(@href,'/d/')]"

    def detect_json(self, data: Any) -> list[str]:
        return ["JSON:API document of discussions"] if api_document(data) else []

    def read_json(self, data: Any, url: str, site_id: str) -> ThreadPage | BoardPage:
        """``/api/discussions/ID`` (a thread) or ``/api/discussions`` (a listing)."""
        doc = api_document(data)
        page = PageReader(self, url, site_id)
        base = url.split("/api/")[0] if "/api/" in url else url.rstrip("/")
        if isinstance(doc["data"], list):
            board = self.board_from_api(page, doc, base)
            board.next_url = (doc.get("links") or {}).get("next")
            return board
        thread = self.thread_from_api(page, doc, base)
        thread.next_url = None  # the API document of a discussion names every post id already
        return thread

    # ------------------------------------------------------------------ API documents
    def thread_from_api(self, page: PageReader, doc: dict, base: str) -> ThreadPage:
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
            post = self._post(page, resource, users, thread_id, thread_url, base)
            if post is not None:
                posts.append(post)
        posts.sort(key=lambda p: p.position or 0)
        tags = [r for r in included if r.get("type") == "tags"]
        tag = tags[-1] if tags else None
        thread = page.new_thread(
            thread_id,
            clean(attrs.get("title")),
            thread_url,
            board_id=f"t/{tag['attributes']['slug']}" if tag else None,
            board_title=tag["attributes"].get("name") if tag else None,
            board_url=f"{base}/t/{tag['attributes']['slug']}" if tag else None,
            reply_count=(attrs["commentCount"] - 1) if isinstance(attrs.get("commentCount"), int) else None,
            last_post=DateField(machine=attrs.get("lastPostedAt")),
        )
        number = _page_number(page.url)
        comments = attrs.get("commentCount")
        next_url = (
            f"{thread_url}?page={number + 1}"
            if isinstance(comments, int) and number * PAGE_SIZE < comments
            else None
        )
        return page.thread_page(thread, posts, page_number=number, next_url=next_url, language=None)

    def board_from_api(self, page: PageReader, doc: dict, base: str) -> BoardPage:
        links = []
        for discussion in doc["data"]:
            attrs = discussion.get("attributes", {})
            thread_id = str(discussion["id"])
            link_url = _discussion_url(base, thread_id, attrs.get("slug"))
            count = attrs.get("commentCount")
            links.append(
                ThreadLink(
                    url=link_url,
                    thread_id=thread_id,
                    title=clean(attrs.get("title")),
                    reply_count=count - 1 if isinstance(count, int) else None,
                    last_post=DateField(machine=attrs.get("lastPostedAt")),
                )
            )
        board_url = page.url.split("?")[0]
        return BoardPage(
            board=page.new_board(_board_id(board_url), None, board_url),
            threads=links,
            page_number=_page_number(page.url),
        )

    def _post(
        self, page: PageReader, resource: dict, users: dict, thread_id: str, thread_url: str, base: str
    ) -> PostItem | None:
        attrs = resource.get("attributes", {})
        html = attrs.get("contentHtml")
        if attrs.get("contentType", "comment") != "comment" or html is None:
            return None  # "discussionRenamed", "discussionStickied", ...: events, not posts
        user_ref = ((resource.get("relationships") or {}).get("user") or {}).get("data") or {}
        author = None
        if user_ref.get("id") in users:
            user = users[user_ref["id"]]
            handle = user.get("slug") or user.get("username")
            author = page.new_user(
                user.get("displayName") or user.get("username"),
                user_id=str(user_ref["id"]),
                profile_url=f"{base}/u/{handle}" if handle else None,
                joined=DateField(machine=user.get("joinTime")),
                message_count=user.get("commentCount"),
            )
        fragment = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
        body = split_body(fragment, self.quote_rule, self.chrome(), thread_url)
        number = attrs.get("number")
        return page.new_post(
            thread_id,
            str(resource["id"]),
            body,
            url=f"{thread_url}/{number}" if number else thread_url,
            author=author,
            posted=DateField(raw=attrs.get("createdAt"), machine=attrs.get("createdAt")),
            edited=DateField(machine=attrs.get("editedAt")),
            position=number,
        )


def _discussion_url(base: str, thread_id: str, slug: str | None) -> str:
    """``/d/ID-SLUG``; newer Flarum serialises the slug with its id already in front."""
    if not slug or slug == thread_id or slug.startswith(f"{thread_id}-"):
        return f"{base}/d/{slug or thread_id}"
    return f"{base}/d/{thread_id}-{slug}"


def _forum_base(payload: dict | None, url: str) -> str:
    """The forum's root URL: the payload's ``forums`` resource says it, else the URL."""
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
