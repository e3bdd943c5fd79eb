"""Board (and new-version thread) pages read without Scrapy: the traps each listing
holds, found while writing the fixtures from the engines' templates."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from forumcrawl.reading.context import PageContext
from forumcrawl.reading.decode import PageError
from forumcrawl.reading.service import read_page


def board(rel: str, url: str):
    doc = read_page((FIXTURES / rel).read_bytes(), url)
    assert doc.kind == "board", doc.kind
    return doc.board


def test_xenforo1_thread_prefix_is_not_the_thread_link():
    page = board(
        "xenforo1/forums-digital-fernsehen-die-zeitschrift.53.html",
        "https://forum.digitalfernsehen.de/forums/digital-fernsehen-die-zeitschrift.53/",
    )
    urls = [t.url for t in page.threads]
    # the "Abo" prefix link (…?prefix_id=3) comes first inside h3.title
    assert urls[-1] == "https://forum.digitalfernsehen.de/threads/heft-05-2020-kommt-nicht-an.416402/"
    assert page.threads[-1].title == "Heft 05/2020 kommt nicht an"
    assert not any("prefix_id" in url for url in urls)
    hilferuf = page.threads[1]
    assert (hilferuf.reply_count, hilferuf.last_post.machine) == (47, "1588183320")
    assert page.next_url.endswith("/forums/digital-fernsehen-die-zeitschrift.53/page-2")


def test_invision4_sidebar_topic_rows_are_not_the_board():
    page = board(
        "ipb4/forum-219-introduce-yourself.html", "https://www.neowin.net/forum/forum/219-introduce-yourself/"
    )
    assert [t.thread_id for t in page.threads] == ["1362310", "1393830", "1393790"]
    # "Mini Spy" rows link /forum/topic/… (the site lives under /forum/): not sub-forums
    assert page.boards == []
    assert page.threads[1].reply_count == 10
    assert page.threads[1].last_post.machine == "2020-04-04T16:21:20Z"
    assert page.next_url == "https://www.neowin.net/forum/forum/219-introduce-yourself/page/2/"


def test_vbulletin4_board_rows_stickies_and_title():
    page = board(
        "vbulletin4/forumdisplay-380-Air-Force.html",
        "http://forums.militarytimes.com/forumdisplay.php/380-Air-Force",
    )
    assert page.board.title == "Air Force"  # not "Forum: Air Force"
    assert [t.thread_id for t in page.threads] == ["8120", "9687", "9652"]
    # the per-thread "2 Pages" links are not the board's pager
    assert page.next_url == "http://forums.militarytimes.com/forumdisplay.php/380-Air-Force/page2"
    assert page.threads[1].last_post.raw == "03-14-2015, 10:02 AM"


def test_smf21_board_and_child_boards():
    page = board("smf21/board-4.html", "https://smf.example/index.php?board=4.0")
    assert page.board.title == "Antennas & Feedlines"
    assert [(t.thread_id, t.reply_count) for t in page.threads] == [("1650", 0), ("1812", 3), ("1779", 27)]
    assert page.threads[2].last_post.raw == "June 03, 2024, 09:02:17 AM"
    assert [b.url for b in page.boards] == ["https://smf.example/index.php?board=11.0"]
    # the row's "Pages 1 2" of a long topic do not page the board
    assert page.next_url == "https://smf.example/index.php?board=4.20"


def test_smf20_curve_board_stats_cells_today_and_child_boards():
    page = board("smf2/board-6-0-curve.html", "https://bpdfamily.com/message_board/index.php?board=6.0")
    assert page.board.title == "Romantic Relationship | Bettering a Relationship or Reversing a Breakup"
    # td.stats holds "41 Replies<br />1877 Views"; the sticky's own "1 2" pager is not a thread
    assert [(t.thread_id, t.reply_count) for t in page.threads] == [
        ("300112", 14),
        ("343886", 41),
        ("344010", 0),
    ]
    # the session id in every link is not part of a thread's URL
    assert page.threads[1].url == "https://bpdfamily.com/message_board/index.php?topic=343886.0"
    assert page.threads[1].last_post.raw == "July 18, 2020, 09:12:40 PM"
    # "<strong>Today</strong> at 08:43:50 PM": one line of two text nodes
    assert page.threads[2].last_post.raw == "Today at 08:43:50 PM"
    # the child board's row has td.stats and a last-post topic link too: a board, not a thread
    assert [b.title for b in page.boards] == ["Archived Workshops"]
    assert page.next_url is None


def test_smf21_quotes_cite_inside_and_last_edit_kept_out_of_the_date():
    doc = read_page(
        (FIXTURES / "smf21/topic-1812.html").read_bytes(), "https://smf.example/index.php?topic=1812.0"
    )
    posts = doc.thread.posts
    assert [p.position for p in posts] == [1, 2, 3, 4]
    reply = posts[1]
    assert reply.posted.raw == "June 04, 2024, 01:05:12 PM"
    assert reply.edited.raw == "June 05, 2024, 08:00:12 AM"
    assert [(q.author, q.post_id, q.depth) for q in posts[2].quotes] == [
        ("kestrel_ant", "9305", 1),
        ("Halvard", "9301", 2),
    ]
    assert "Quote from" not in posts[2].body_text and "Quote from" not in posts[2].quotes[0].text
    assert posts[3].author.name == "QRP_visitor" and posts[3].author.profile_url is None


def test_invision5_posts_and_the_latest_replies_widget():
    doc = read_page(
        (FIXTURES / "ipb5/topic-742-30-m-vertical-on-a-flat-roof.html").read_bytes(),
        "https://ips5.example/topic/742-30-m-vertical-on-a-flat-roof/",
    )
    posts = doc.thread.posts
    # the sidebar widget renders a reply with the same ipsEntry classes: not a post
    assert [p.post_id for p in posts] == ["5501", "5508", "5513"]
    first = posts[0]
    assert (first.author.name, first.author.title, first.author.message_count) == (
        "Halvard",
        "Administrators",
        1200,
    )
    assert first.posted.machine == "2024-05-30T14:27:11Z"
    assert [(q.author, q.post_id, q.author_user_id) for q in posts[1].quotes] == [("Halvard", "5501", "12")]
    assert posts[2].author.title == "Moderators"
    assert doc.thread.thread.board_url == "https://ips5.example/forum/9-antennas/"
    # the edit line sits inside the content (chrome there, a date here); the signature apart
    edited = posts[1]
    assert edited.edited.machine == "2024-05-30T16:09:05Z" and posts[0].edited.machine is None
    assert "Edited" not in edited.body_text and edited.body_text.endswith("wandered with the weather.")
    assert edited.signature_text == "73 de LA9KA - QRV on 30 m CW most evenings"
    assert "LA9KA" not in edited.body_text


def test_invision4_edit_line_is_a_date_not_words():
    """4.x ``commentEditLine()`` output put inside the neowin page's first post."""
    page = (FIXTURES / "ipb4/neowin-hello-everyone.html").read_text(encoding="utf-8")
    end_of_first = "experience here!\n</p>\n"
    assert end_of_first in page
    page = page.replace(
        end_of_first,
        end_of_first
        + (
            "<span class='ipsType_reset ipsType_medium ipsType_light' data-excludequote>\n"
            "\t<strong>Edited <time datetime='2020-04-04T11:02:13Z' title='04/04/2020 11:02  AM'"
            " data-short='4 yr'>April 4, 2020</time> by Alex Kiprono</strong>\n</span>\n"
        ),
        1,
    )
    doc = read_page(page.encode("utf-8"), "https://www.neowin.net/forum/topic/1393830-hello-everyone/")
    first = doc.thread.posts[0]
    assert first.edited.machine == "2020-04-04T11:02:13Z"
    assert first.body_text.endswith("looking forward to a great experience here!")
    assert all(p.edited.machine is None for p in doc.thread.posts[1:])


def test_fluxbb_board_title_and_topic_pagers():
    page = board("fluxbb/viewforum-id-22.html", "https://bbs.archlinux.org/viewforum.php?id=22")
    assert page.board.title == "Kernel & Hardware"  # not the site's h1 "Arch Linux"
    assert [t.thread_id for t in page.threads] == ["57145", "249553", "250031"]
    # the "[ Pages: 1 2 ]" links of a long topic are neither threads nor the board's pager
    assert page.next_url == "https://bbs.archlinux.org/viewforum.php?id=22&p=2"


def test_nodebb_suggested_topics_widget_is_not_the_board():
    page = board(
        "nodebb/category-2-general-discussion.html",
        "https://community.nodebb.org/category/2/general-discussion",
    )
    # the footer widget renders topics 4286, 6097, … with the same category/topic rows
    assert [t.thread_id for t in page.threads] == ["1", "13803", "13850"]
    # persona counts posts: 13 posts are 12 replies, 1 post is none
    assert [t.reply_count for t in page.threads] == [11, 12, 0]
    assert page.board.title == "General Discussion"
    assert page.next_url == "https://community.nodebb.org/category/2/general-discussion?page=2"


def test_vanilla_category_page_is_vanilla_not_generic_posts():
    """Before the category list counted as Vanilla evidence, the generic fallback read
    the discussion rows as three "posts" of one link each."""
    doc = read_page(
        (FIXTURES / "vanilla/categories-loans.html").read_bytes(),
        "https://forums.moneysavingexpert.com/categories/loans",
    )
    assert (doc.engine, doc.kind) == ("vanilla", "board")
    assert [t.thread_id for t in doc.board.threads] == ["5112233", "5567669", "5570120"]
    assert doc.board.threads[1].last_post.machine == "2016-12-09T18:40:12+00:00"


def test_vbulletin3_pager_last_link_is_not_a_sub_forum():
    page = board("vbulletin3/forumdisplay-f-34.html", "https://forums.animesuki.com/forumdisplay.php?f=34")
    assert [(b.board_id, b.title) for b in page.boards] == [("104", "Older Series Archive")]
    assert [t.reply_count for t in page.threads] == [0, 3085, 2310, 7]
    assert page.threads[1].last_post.raw == "2016-03-02 18:07"
    assert page.threads[1].title == "(L+CR) Hibike! Euphonium [anime]"


def test_invision5_topic_rows_not_the_sidebar_or_a_topics_own_pager():
    page = board("ipb5/forum-9-antennas.html", "https://ips5.example/forum/9-antennas/")
    # "Latest Replies" in the sidebar links topic 731 too, but is not a row; topic 731's
    # mini pager (page/2/) is not the board's
    assert [t.thread_id for t in page.threads] == ["700", "742", "731"]
    assert [t.reply_count for t in page.threads] == [0, 2, 41]
    assert page.threads[1].last_post.machine == "2024-05-31T07:45:03Z"
    assert page.next_url == "https://ips5.example/forum/9-antennas/page/2/"


def test_generic_fallback_refuses_a_topic_list_as_posts():
    """Rows of one title link each (with an author and a date) are a board's listing; the
    generic reader used to store them as posts whose body is the title."""
    with pytest.raises(PageError) as caught:
        read_page(
            (FIXTURES / "vanilla/categories-loans.html").read_bytes(),
            "https://forums.moneysavingexpert.com/categories/loans",
            PageContext(engine="generic"),
        )
    assert caught.value.reason == "unknown_page_kind"
