"""Discourse: its JSON API when a crawl starts there, the crawler HTML view otherwise.

Markup read from ``fixtures/discourse`` (meta.discourse.org 2.4, Blizzard's forums
2.5). Each post is a ``div.crawler-post`` with schema.org microdata: author, the
creation time (``meta[itemprop=datePublished]``), the shown time and the post number
(``#N``). The crawler view has no post ids, so a post is named by its topic and number
("12483/2"), which is also how Discourse addresses it (``/t/slug/12483/2``).

The JSON API (``/t/ID.json``, ``/t/ID/posts.json``, ``/latest.json``,
``/c/SLUG/ID.json``) gives the same posts with ids, ``cooked`` HTML and ISO times. A
topic's JSON holds its first chunk of posts (20) and, in ``post_stream.stream``, the
ids of all of them; the rest are fetched from ``posts.json?post_ids[]=...`` in chunks.
Posts keep the crawler view's "topic/number" ids, so a forum crawled both ways stores
each post once.

Trap: the crawler view puts its "next page" link in a ``div.crawler-post`` of its own;
a post needs an ``articleBody``. Quotes are ``aside.quote`` with ``data-username``,
``data-post`` (the quoted post's number) and ``data-topic``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
from lxml.html import HtmlElement

from forumcrawl.items import DateField, PostItem
from forumcrawl.reading.engines.base import BoardPage, PageReader, ThreadLink, ThreadPage
from forumcrawl.reading.engines.markup import MarkupEngine, MarkupReader, date_of
from forumcrawl.reading.extract.text import Attribution, QuoteRule, split_body
from forumcrawl.reading.nodes import clean, digits_in, text_of
from forumcrawl.reading.query import has_class

_TOPIC_URL = re.compile(r"(/t/[^/]+/\d+).*$")
_SITE_ROOT = re.compile(r"^(.*?)/(?:t|c|latest|top|new|posts)(?:[/.?]|$)")
CHUNK = 20  # post ids per posts.json request, as Discourse's own client asks


def _attribution(el: HtmlElement) -> Attribution:
    author = el.get("data-username")  # without it, the title names a topic, not a member
    post, topic = el.get("data-post"), el.get("data-topic")
    return Attribution(author=author, post_id=f"{topic}/{post}" if post and topic else post)


class DiscourseReader(MarkupReader):
    def empty(self) -> tuple[str, str, str | None] | None:
        """Discourse serves browsers its JavaScript app without the crawler view: the
        page's body is an empty ``section#main``; the topic's JSON holds its posts."""
        doc = self.doc
        if doc.first("//section[@id='main'][not(*)]") is None or doc.first(self.engine.posts) is not None:
            return None
        topic = _TOPIC_URL.match(urlsplit(doc.canonical or self.url).path)
        follow = f"{site_root_of(doc.canonical or self.url)}{topic.group(1)}.json" if topic else None
        return (
            "app_shell",
            f"{self.url}: Discourse served its JavaScript app, whose posts load later"
            + (f"; its topic JSON {follow} holds them" if follow else ""),
            follow,
        )


def site_root_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Discourse(MarkupEngine):
    name = "discourse"
    reader = DiscourseReader
    signs = (
        # "Discourse 3.2.0.beta2 - https://github.com/...": the release, without the link
        (
            "substring-before(concat(//meta[@name='generator'][starts-with(@content, 'Discourse')]/@content,"
            " ' - '), ' - ')",
            "meta generator {!r}",
        ),
        (
            "//meta[@name='discourse_theme_id' or @name='discourse_current_homepage']"
            " | //script[contains(@src,'/assets/discourse')]",
            "discourse meta/assets",
        ),
        (f"//div[{has_class('crawler-post')}] | //*[{has_class('topic-list')}]", "crawler view markup"),
    )
    quote_rule = QuoteRule(
        xpath=f".//aside[{has_class('quote')}]",
        # A member quote's title is "avatar NAME:" furniture, so only its
        # blockquote is quoted; a topic quote's title names the quoted
        # topic and its category, and is kept as the quote's heading.
        content="./self::*[not(@data-username)] | ./blockquote",
        chrome=f"./div[{has_class('title')}][../@data-username]",
        attribution=_attribution,
    )
    body_chrome = f".//div[{has_class('meta')}][ancestor::div[{has_class('lightbox-wrapper')}]]"
    posts = f"//div[{has_class('crawler-post')}][.//*[@itemprop='articleBody']]"
    body = ".//*[@itemprop='articleBody']"
    author_link = ".//*[@itemprop='author']//a"
    author_name = ".//*[@itemprop='author']//*[@itemprop='name']"
    position = ".//*[@itemprop='position']"
    title = (f"//h1[{has_class('crawler-topic-title')}] | //*[@id='topic-title']//h1", "//h1")
    crumbs = "//*[@id='breadcrumbs']//a[contains(@href,'/c/')]"
    next_page = (
        "//link[@rel='next']/@href | //div[@role='navigation']//a[@rel='next']/@href | //*["
        + has_class("crawler-post")
        + "]//a[@rel='next']/@href"
    )
    thread_id_patterns = (r"/t/[^/]+/(\d+)", r"/t/(\d+)")
    board_id_patterns = (r"/c/(?:[^/]+/)*(\d+)(?:/|$)", r"/c/([^/?#]+)")
    board_rows = f"//tr[{has_class('topic-list-item')}] | //div[{has_class('topic-list')}]//tr[.//a[contains(@href,'/t/')]]"
    board_link = ".//a[contains(@href,'/t/')]"
    board_replies = f".//td[{has_class('replies')}] | .//span[{has_class('posts')}]"
    subboards = f"//div[{has_class('category-list')}]//a[contains(@href,'/c/')]"
    date = ".//meta[@itemprop='datePublished']/@content"
    edited = ".//time[@itemprop='dateModified']/@datetime"

    def thread_url(self, page: MarkupReader) -> str:
        return re.sub(r"\?page=\d+$", "", super().thread_url(page))

    def post_id_from_local(self, thread_id: str, local: str) -> str:
        """Discourse numbers posts within their topic: "topic/number"."""
        return f"{thread_id}/{local}"

    def post_id(self, page: MarkupReader, post: HtmlElement) -> str | None:
        """The post number ("#2"); :meth:`parse_post` prefixes the topic id."""
        return digits_in(text_of(page.first(post, self.position)))

    def user_id(self, profile: str | None) -> str | None:
        m = re.search(r"/u/([^/?#]+)", profile or "")
        return m.group(1) if m else None

    def posted(self, page: MarkupReader, post: HtmlElement) -> DateField:
        shown = date_of(page.first(post, ".//time"))
        created = page.first(post, self.date)
        return DateField(raw=shown.raw, machine=created or shown.machine)

    def edited_date(self, page: MarkupReader, post: HtmlElement) -> DateField:
        modified = page.first(post, self.edited)
        return (
            DateField(machine=modified)
            if modified and page.first(post, self.date) != modified
            else DateField()
        )

    def reaction_count(self, page: MarkupReader, post: HtmlElement) -> int | None:
        likes = digits_in(text_of(page.first(post, f".//span[{has_class('post-likes')}]")))
        return int(likes) if likes else None

    def parse_post(self, page: MarkupReader, post: HtmlElement, thread_id: str) -> PostItem | None:
        number = self.post_id(page, post)
        item = super().parse_post(page, post, thread_id)
        if item is None:
            return None
        item.post_id = f"{thread_id}/{number}"
        page.links[item.post_id] = page.links.pop(number)
        page.anchors[item.post_id] = page.anchors.pop(number)
        item.position = int(number)
        topic_url = _TOPIC_URL.sub(r"\1", page.url.split("?")[0])
        item.url = f"{topic_url}/{number}"
        return item

    # ------------------------------------------------------------------ JSON API
    def detect_json(self, data: Any) -> list[str]:
        if not isinstance(data, dict):
            return []
        if isinstance(data.get("post_stream"), dict):
            return ["JSON post_stream (topic or posts.json)"]
        if isinstance(data.get("topic_list"), dict):
            return ["JSON topic_list (latest or category)"]
        return []

    def read_json(self, data: dict, url: str, site_id: str) -> ThreadPage | BoardPage:
        page = PageReader(self, url, site_id)
        root = _site_root(url)
        if "topic_list" in data:
            return self._topic_list(page, data, url, root)
        return self._post_stream(page, data, url, root)

    def _post_stream(self, page: PageReader, data: dict, url: str, root: str) -> ThreadPage:
        posts = data["post_stream"].get("posts") or []
        topic_id = str(data.get("id") or (posts[0].get("topic_id") if posts else ""))
        slug = data.get("slug") or (posts[0].get("topic_slug") if posts else None) or "topic"
        topic_url = f"{root}/t/{slug}/{topic_id}"
        items = [
            self._json_post(page, p, topic_id, topic_url, root) for p in posts if p.get("cooked") is not None
        ]
        count = data.get("posts_count")
        category = data.get("category_id")
        thread = page.new_thread(
            topic_id,
            clean(data.get("title")),
            topic_url,
            board_id=str(category) if category is not None else None,
            board_url=f"{root}/c/{category}" if category is not None else None,  # Discourse redirects /c/ID
            reply_count=count - 1 if isinstance(count, int) else None,
            last_post=DateField(machine=data.get("last_posted_at")),
        )
        loaded = {p.get("id") for p in posts}
        missing = [i for i in data["post_stream"].get("stream") or [] if i not in loaded]
        more = [
            f"{root}/t/{topic_id}/posts.json?"
            + urlencode([("post_ids[]", i) for i in missing[n : n + CHUNK]])
            for n in range(0, len(missing), CHUNK)
        ]
        return page.thread_page(thread, items, more_urls=more, language=None)

    def _json_post(self, page: PageReader, post: dict, topic_id: str, topic_url: str, root: str) -> PostItem:
        number = post.get("post_number")
        fragment = lxml.html.fragment_fromstring(post["cooked"] or "<p></p>", create_parent="div")
        body = split_body(fragment, self.quote_rule, self.chrome(), root)
        username = post.get("username")
        author = (
            page.new_user(
                username,
                user_id=username,
                profile_url=f"{root}/u/{username}",
                title=clean(post.get("user_title")),
            )
            if username
            else None
        )
        edited = post.get("updated_at") if (post.get("version") or 1) > 1 else None
        return page.new_post(
            topic_id,
            f"{topic_id}/{number}",
            body,
            url=f"{topic_url}/{number}",
            author=author,
            posted=DateField(raw=post.get("created_at"), machine=post.get("created_at")),
            edited=DateField(machine=edited),
            position=number,
            reaction_count=_likes(post),
        )

    def _topic_list(self, page: PageReader, data: dict, url: str, root: str) -> BoardPage:
        links = []
        for topic in data["topic_list"].get("topics") or []:
            count = topic.get("posts_count")
            links.append(
                ThreadLink(
                    url=f"{root}/t/{topic.get('slug') or 'topic'}/{topic['id']}.json",
                    thread_id=str(topic["id"]),
                    title=clean(topic.get("title") or topic.get("fancy_title")),
                    reply_count=count - 1 if isinstance(count, int) else None,
                    last_post=DateField(machine=topic.get("last_posted_at") or topic.get("bumped_at")),
                )
            )
        path = urlsplit(url).path.removesuffix(".json")
        board_id = self.id_from_url(path, self.board_id_patterns) or path.strip("/") or "latest"
        board = page.new_board(board_id, None, url.split("?")[0])
        more = data["topic_list"].get("more_topics_url")
        next_url = None
        if more:  # an HTML path ("/latest?page=1"); ask for its JSON form
            more_path, _, query = more.partition("?")
            next_url = f"{root}{more_path.removesuffix('.json')}.json" + (f"?{query}" if query else "")
        return BoardPage(board=board, threads=links, next_url=next_url)


def _site_root(url: str) -> str:
    m = _SITE_ROOT.match(url)
    return m.group(1) if m else url.rstrip("/")


def _likes(post: dict) -> int | None:
    for action in post.get("actions_summary") or []:
        if action.get("id") == 2:  # Discourse's post action type 2 is "like"
            return action.get("count")
    return None
