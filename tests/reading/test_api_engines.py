"""MyBB, Flarum and the JSON APIs (Discourse, Flarum): the traps of each, on the
hand-written fixtures."""

from __future__ import annotations

import json
import re

import pytest
from conftest import FIXTURES

from forumcrawl.reading.context import PageContext
from forumcrawl.reading.service import PageError, read_page

MYBB = FIXTURES / "mybb" / "showthread-tid-4417.html"
FLARUM = FIXTURES / "flarum" / "d-58-pi-weather-station-stops-logging.html"
TOPIC = FIXTURES / "discourse" / "json" / "t-solar-charge-controller-logs-7311.json"


def test_mybb_thread_paging_ignores_the_breadcrumb_board_pager():
    doc = read_page(MYBB.read_bytes(), "https://mybb.example/showthread.php?tid=4417")
    # the hidden breadcrumb popup pages the *board* (forumdisplay.php?fid=7&page=2)
    assert doc.thread.next_url == "https://mybb.example/showthread.php?tid=4417&page=2"


def test_mybb_dates_edits_and_user_cards():
    posts = read_page(MYBB.read_bytes(), "https://mybb.example/showthread.php?tid=4417").thread.posts
    first, last = posts[0], posts[-1]
    assert first.posted.raw == "05-30-2015, 08:41 PM"  # not the "last modified" note inside it
    assert first.edited.raw == "05-31-2015, 09:02 AM"
    assert last.posted.raw == "06-02-2015, 06:20 PM"  # "Yesterday" read from its title
    assert (first.author.title, first.author.joined.raw, first.author.message_count) == (
        "Senior Member",
        "Mar 2011",
        1874,
    )
    assert first.signature_text.startswith("73 de Halvard") and "73 de" not in first.body_text
    guest = posts[2].author
    assert guest.name == "Marek (guest)" and guest.profile_url is None


def test_flarum_without_its_payload_falls_back_to_the_noscript_view():
    html = FLARUM.read_text(encoding="utf-8")
    stripped = re.sub(r'<script id="flarum-json-payload".*?</script>', "", html, flags=re.S)
    doc = read_page(stripped.encode(), "https://flarum.example/d/58-pi-weather-station-stops-logging")
    assert doc.engine == "flarum"
    assert [p.author.name for p in doc.thread.posts] == ["Kestrel", "Moss B.", "Kestrel"]
    assert doc.thread.posts[1].quotes[0].author == "Kestrel"  # the PostMention before the quote
    assert all(not p.posted.machine for p in doc.thread.posts)  # the fallback has no dates


def test_flarum_event_posts_are_not_posts():
    doc = read_page(FLARUM.read_bytes(), "https://flarum.example/d/58-pi-weather-station-stops-logging")
    assert [p.position for p in doc.thread.posts] == [1, 3, 4]  # #2 is "discussionStickied"


def test_discourse_topic_json_asks_for_the_rest_of_its_post_stream():
    doc = read_page(TOPIC.read_bytes(), "https://discourse.example/t/solar-charge-controller-logs/7311.json")
    assert [p.post_id for p in doc.thread.posts] == ["7311/1", "7311/2"]
    assert doc.thread.more_urls == [
        "https://discourse.example/t/7311/posts.json?post_ids%5B%5D=9107&post_ids%5B%5D=9110"
    ]


def test_discourse_post_stream_is_chunked_by_twenty():
    topic = json.loads(TOPIC.read_text())
    topic["post_stream"]["stream"] = [9101, 9102, *range(20000, 20045)]
    doc = read_page(json.dumps(topic).encode(), "https://discourse.example/t/x/7311.json")
    assert len(doc.thread.more_urls) == 3
    assert [u.count("post_ids") for u in doc.thread.more_urls] == [20, 20, 5]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"post_stream": {"posts": [], "stream": []}, "id": 1}', "no_posts"),
        (b'{"post_stream": {"posts": [{"id": 1', "bad_json"),
    ],
)
def test_bad_json_responses_are_reported(body, reason):
    with pytest.raises(PageError) as err:
        read_page(body, "https://discourse.example/t/x/1.json", PageContext(content_type="application/json"))
    assert err.value.reason == reason


def test_json_no_engine_reads_is_an_unknown_engine():
    from forumcrawl.reading.service import UnknownEngine

    with pytest.raises(UnknownEngine):
        read_page(
            b'{"hello": "world"}', "https://x.example/api", PageContext(content_type="application/json")
        )


def test_discourse_category_json_lists_its_topics_and_pages_on_as_json():
    body = (FIXTURES / "discourse" / "json" / "c-solar-12.json").read_bytes()
    doc = read_page(body, "https://discourse.example/c/solar/12.json")
    page = doc.board
    assert doc.kind == "board" and page.board.board_id == "12"
    # the pinned "About the … category" topic is a topic like any other; a subcategory's
    # topic (category_id 31) is listed by its parent category as Discourse does
    assert [t.thread_id for t in page.threads] == ["7002", "7324", "7311", "7290"]
    assert page.threads[0].url == "https://discourse.example/t/about-the-solar-category/7002.json"
    assert page.threads[3].reply_count == 2
    assert page.threads[3].last_post.machine == "2023-05-29T18:22:40.120Z"
    assert page.next_url == "https://discourse.example/c/solar/12.json?page=1"
