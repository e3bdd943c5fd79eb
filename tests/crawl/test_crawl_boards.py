"""Board pages of the hand-written engines through a real ``scrapy crawl``: a board (or
the API's listing) is read, its threads are followed, and the posts land in SQLite with
the listing's reply counts and last-post dates. Discourse is crawled through its JSON
API: the topic's first chunk, then the rest of its ``post_stream`` from ``posts.json``;
a topic whose JSON is unavailable is asked again as its HTML page."""

from __future__ import annotations

import json

import sqlite_utils
from conftest import FIXTURES, run_crawl

REPLAY = {
    # a phpBB 3.0 board (hand-written from the real page's chrome) over a real corpus thread
    "https://forum.openoffice.org/en/forum/viewforum.php?f=5": "phpbb3/viewforum-f-5.html",
    "https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=82202": "phpbb3/openoffice-82202.html",
    "https://mybb.example/forumdisplay.php?fid=7": "mybb/forumdisplay-fid-7.html",
    "https://mybb.example/showthread.php?tid=4417": "mybb/showthread-tid-4417.html",
    "https://flarum.example/all": "flarum/all.html",
    "https://flarum.example/d/58-pi-weather-station-stops-logging": "flarum/d-58-pi-weather-station-stops-logging.html",
    "https://discourse.example/latest.json": "discourse/json/latest.json",
    "https://discourse.example/t/solar-charge-controller-logs/7311.json": "discourse/json/t-solar-charge-controller-logs-7311.json",
    "https://discourse.example/t/7311/posts.json?post_ids%5B%5D=9107&post_ids%5B%5D=9110": "discourse/json/t-7311-posts.json",
}
SEEDS = [
    "https://forum.openoffice.org/en/forum/viewforum.php?f=5",
    "https://mybb.example/forumdisplay.php?fid=7",
    "https://flarum.example/all",
    "https://discourse.example/latest.json",
]


def crawl_replayed(tmp_path, pages: dict[str, str], seeds: list[str]) -> sqlite_utils.Database:
    """One ``scrapy crawl`` from ``seeds`` with ``pages`` (URL -> fixture) served offline."""
    replay = tmp_path / "replay"
    replay.mkdir()
    (replay / "urls.tsv").write_text(
        "".join(f"{url}\t{FIXTURES / rel}\n" for url, rel in pages.items()), encoding="utf-8"
    )
    (tmp_path / "seeds.txt").write_text("\n".join(seeds) + "\n", encoding="utf-8")
    result = run_crawl(
        tmp_path, None, replay, "-a", f"urls_file={tmp_path / 'seeds.txt'}", "-s", "DOWNLOAD_DELAY=0"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return sqlite_utils.Database(tmp_path / "forumcrawl.db")


def test_boards_of_phpbb_mybb_flarum_and_discourse_json_land_in_sqlite(tmp_path):
    db = crawl_replayed(tmp_path, REPLAY, SEEDS)

    assert {r["engine"] for r in db.query("select engine from sites")} == {
        "phpbb3",
        "mybb",
        "flarum",
        "discourse",
    }
    per_site = {
        r["site_id"]: r["n"] for r in db.query("select site_id, count(*) as n from posts group by site_id")
    }
    assert sorted(per_site.values()) == [3, 4, 4, 30]

    threads = {r["url"]: r for r in db.query("select * from threads")}
    phpbb = threads["https://forum.openoffice.org/en/forum/viewtopic.php?f=5&t=82202"]
    assert phpbb["reply_count"] == 39 and phpbb["last_post_at"].startswith("2017-11-10")
    mybb = threads["https://mybb.example/showthread.php?tid=4417"]
    assert mybb["reply_count"] == 11 and mybb["last_post_at"].startswith("2015-06-03")
    flarum = threads["https://flarum.example/d/58-pi-weather-station-stops-logging"]
    assert flarum["reply_count"] == 2 and flarum["last_post_at"].startswith("2021-02-11T19:58")
    topic = threads["https://discourse.example/t/solar-charge-controller-logs/7311"]
    # posts.json carries no title: the topic's title must survive its follow-up chunk
    assert topic["title"] == "Solar charge controller logs and DST" and topic["reply_count"] == 3

    discourse_posts = list(
        db.query(
            "select native_id, position, posted_at, edited_at from posts where thread_id = ? order by position",
            [topic["id"]],
        )
    )
    assert [p["native_id"] for p in discourse_posts] == ["7311/1", "7311/2", "7311/3", "7311/4"]
    assert discourse_posts[1]["edited_at"] and not discourse_posts[0]["edited_at"]
    quotes = list(db.query("select quoted_author, quoted_post_id from quotes order by id"))
    assert {"quoted_author": "jo_k", "quoted_post_id": "7311/3"} in quotes
    assert {"quoted_author": "Halvard", "quoted_post_id": "88101"} in quotes
    assert {"quoted_author": "Kestrel", "quoted_post_id": "101"} in quotes

    stats = json.loads(next(db.query("select stats from crawl_runs"))["stats"])
    # 7324.json and the listing's next page are not served: each is asked again as HTML
    # (also missing: logged, not stored)
    assert stats.get("forumcrawl/json_fallback") == 2
    assert db.execute("pragma foreign_key_check").fetchall() == []


# Boards of engines whose thread pages are real corpus pages (or, for SMF 2.1, a
# hand-written one): each listing is hand-written from the engine's templates inside the
# real page's chrome, and links the thread page it is crawled with. Later pages of those
# threads are not served (404, logged): the listing's numbers must still land.
REPLAY_MORE = {
    "https://smf.example/index.php?board=4.0": "smf21/board-4.html",
    "https://smf.example/index.php?topic=1812.0": "smf21/topic-1812.html",
    "https://forum.digitalfernsehen.de/forums/digital-fernsehen-die-zeitschrift.53/": "xenforo1/forums-digital-fernsehen-die-zeitschrift.53.html",
    "https://forum.digitalfernsehen.de/threads/df-hilferuf.416785/": "xenforo1/digitalfernsehen-df-hilferuf.html",
    "http://forums.militarytimes.com/forumdisplay.php/380-Air-Force": "vbulletin4/forumdisplay-380-Air-Force.html",
    "http://forums.militarytimes.com/showthread.php/9687-Legendary-military-columnist-author-Bob-Dorr-dies-at-76": "vbulletin4/militarytimes-bob-dorr-dies.html",
    "https://www.neowin.net/forum/forum/219-introduce-yourself/": "ipb4/forum-219-introduce-yourself.html",
    "https://www.neowin.net/forum/topic/1393830-hello-everyone/": "ipb4/neowin-hello-everyone.html",
    "https://bbs.archlinux.org/viewforum.php?id=22": "fluxbb/viewforum-id-22.html",
    "https://bbs.archlinux.org/viewtopic.php?id=249553": "fluxbb/fluxbb-archlinux-thunderbolt-dock.html",
}
SEEDS_MORE = list(REPLAY_MORE)[::2]  # each board, listed before the thread it links


def test_boards_of_smf21_xenforo1_vbulletin4_invision4_and_fluxbb_land_in_sqlite(tmp_path):
    db = crawl_replayed(tmp_path, REPLAY_MORE, SEEDS_MORE)

    assert {r["engine"] for r in db.query("select engine from sites")} == {
        "smf",
        "xenforo1",
        "vbulletin4",
        "invision",
        "fluxbb",
    }
    per_site = {
        r["site_id"]: r["n"] for r in db.query("select site_id, count(*) as n from posts group by site_id")
    }
    assert per_site == {
        "smf.example": 4,
        "forum.digitalfernsehen.de": 10,
        "forums.militarytimes.com": 10,
        "neowin.net": 11,
        "bbs.archlinux.org": 5,
    }

    threads = {r["url"]: r for r in db.query("select * from threads")}
    smf = threads["https://smf.example/index.php?topic=1812.0"]
    assert smf["reply_count"] == 3 and smf["last_post_at"].startswith("2024-06-06T19:45")
    xf1 = threads["https://forum.digitalfernsehen.de/threads/df-hilferuf.416785/"]
    # the last-post time is an epoch (data-time), not the "Mittwoch um 18:02 Uhr" text
    assert xf1["reply_count"] == 47 and xf1["last_post_at"].startswith("2020-04-29T18:02")
    vb4 = threads[
        "http://forums.militarytimes.com/showthread.php/9687-Legendary-military-columnist-author-Bob-Dorr-dies-at-76"
    ]
    assert vb4["reply_count"] == 14 and vb4["last_post_at"].startswith("2015-03-14")
    ips = threads["https://www.neowin.net/forum/topic/1393830-hello-everyone/"]
    assert ips["reply_count"] == 10 and ips["last_post_at"].startswith("2020-04-04T16:21")
    # trap: the "Mini Spy" sidebar's topic rows are neither this board's threads nor boards
    assert not db.execute("select count(*) from boards where url like '%/topic/%'").fetchone()[0]

    flux = threads["https://bbs.archlinux.org/viewtopic.php?id=249553"]
    assert flux["reply_count"] == 4 and flux["last_post_at"].startswith("2020-03-09T14:35")

    boards = {r["url"]: r["title"] for r in db.query("select url, title from boards")}
    assert boards["https://bbs.archlinux.org/viewforum.php?id=22"] == "Kernel & Hardware"
    assert boards["https://smf.example/index.php?board=4.0"] == "Antennas & Feedlines"
    assert boards["http://forums.militarytimes.com/forumdisplay.php/380-Air-Force"] == "Air Force"
    quotes = list(
        db.query("select quoted_author, quoted_post_id from quotes where post_id like 'smf.example:%'")
    )
    assert {"quoted_author": "Halvard", "quoted_post_id": "9301"} in quotes
    assert db.execute("pragma foreign_key_check").fetchall() == []


# A third crawl: boards whose readers had no fixture before (vBulletin 3 and 5, Vanilla,
# NodeBB, Invision 5, SMF 1.1 and 2.0 Curve), each over its real (or, for Invision 5, hand-written) thread.
REPLAY_THIRD = {
    "https://forums.animesuki.com/forumdisplay.php?f=34": "vbulletin3/forumdisplay-f-34.html",
    "https://forums.animesuki.com/showthread.php?t=128882": "vbulletin3/animesuki-hibike-euphonium-p152.html",
    "https://fandompost.vbulletin.net/forum/anime-manga-discussions/general-anime-discussions": "vbulletin5/forum-general-anime-discussions.html",
    "https://fandompost.vbulletin.net/forum/anime-manga-discussions/general-anime-discussions/727744-isekai-quartet-discussion-thread": "vbulletin5/fandompost-isekai-quartet.html",
    "https://forums.moneysavingexpert.com/categories/loans": "vanilla/categories-loans.html",
    "https://forums.moneysavingexpert.com/discussion/5567669/unsure-whether-to-consolidate-please-advise": "vanilla/vanilla-moneysavingexpert-consolidate.html",
    "https://community.nodebb.org/category/2/general-discussion": "nodebb/category-2-general-discussion.html",
    "https://community.nodebb.org/topic/13803/new-desing-for-nodebb-chat": "nodebb/nodebb-new-design-chat.html",
    "https://ips5.example/forum/9-antennas/": "ipb5/forum-9-antennas.html",
    "https://ips5.example/topic/742-30-m-vertical-on-a-flat-roof/": "ipb5/topic-742-30-m-vertical-on-a-flat-roof.html",
    "https://bitcointalk.org/index.php?board=7.0": "smf1/board-7-0.html",
    "https://bitcointalk.org/index.php?topic=14.0": "smf1/bitcointalk-smf1-topic-14.html",
    "https://bpdfamily.com/message_board/index.php?board=6.0": "smf2/board-6-0-curve.html",
    "https://bpdfamily.com/message_board/index.php?topic=343886.0": "smf2/bpdfamily-topic-343886.html",
}


def test_boards_of_vbulletin3_vbulletin5_vanilla_nodebb_invision5_smf1_and_smf20_land_in_sqlite(tmp_path):
    db = crawl_replayed(tmp_path, REPLAY_THIRD, list(REPLAY_THIRD)[::2])
    assert {r["engine"] for r in db.query("select engine from sites")} == {
        "vbulletin3",
        "vbulletin5",
        "vanilla",
        "nodebb",
        "invision",
        "smf",
    }
    per_site = {
        r["site_id"]: r["n"] for r in db.query("select site_id, count(*) as n from posts group by site_id")
    }
    assert per_site == {
        "forums.animesuki.com": 20,
        "fandompost.vbulletin.net": 15,
        "forums.moneysavingexpert.com": 11,
        "community.nodebb.org": 13,
        "ips5.example": 3,
        "bitcointalk.org": 2,
        "bpdfamily.com": 30,
    }

    threads = {r["url"]: r for r in db.query("select * from threads")}
    vb3 = threads["https://forums.animesuki.com/showthread.php?t=128882"]
    # the listing's "2016-03-02 18:07" on a board whose times are "GMT -5"
    assert vb3["reply_count"] == 3085 and vb3["last_post_at"] == "2016-03-02T23:07:00+00:00"
    assert vb3["title"] == "(L+CR) Hibike! Euphonium [anime]"
    vb5 = threads[list(REPLAY_THIRD)[3]]
    assert vb5["reply_count"] == 21 and vb5["last_post_at"].startswith("2019-06-20")

    boards = {r["url"]: r["title"] for r in db.query("select url, title from boards")}
    assert boards["https://forums.animesuki.com/forumdisplay.php?f=34"] == "Older Series"
    assert (
        boards["https://fandompost.vbulletin.net/forum/anime-manga-discussions/general-anime-discussions"]
        == "General Anime Discussions"
    )
    # sub-forums are boards; the pager's "Last »" (a forumdisplay link around <strong>) is not
    assert "Older Series Archive" in boards.values() and "Seasonal Simulcasts" in boards.values()
    assert not any("page=" in url for url in boards)

    vanilla = threads[
        "https://forums.moneysavingexpert.com/discussion/5567669/unsure-whether-to-consolidate-please-advise"
    ]
    assert vanilla["reply_count"] == 23 and vanilla["last_post_at"] == "2016-12-09T18:40:12+00:00"
    # persona shows posts (13), not replies; the last post is the teaser's ISO time
    nodebb = threads["https://community.nodebb.org/topic/13803/new-desing-for-nodebb-chat"]
    assert nodebb["reply_count"] == 12 and nodebb["last_post_at"] == "2019-05-06T06:07:20+00:00"
    assert boards["https://forums.moneysavingexpert.com/categories/loans"] == "Loans"
    assert boards["https://community.nodebb.org/category/2/general-discussion"] == "General Discussion"
    ips5 = threads["https://ips5.example/topic/742-30-m-vertical-on-a-flat-roof/"]
    assert ips5["reply_count"] == 2 and ips5["last_post_at"] == "2024-05-31T07:45:03+00:00"
    assert boards["https://ips5.example/forum/9-antennas/"] == "Antennas"
    # SMF 1.1: replies in a bare cell, the last-post time as text before a <br>
    smf1 = threads["https://bitcointalk.org/index.php?topic=14.0"]
    assert smf1["reply_count"] == 1 and smf1["last_post_at"] == "2009-12-12T18:23:59+00:00"
    assert boards["https://bitcointalk.org/index.php?board=7.0"] == "Economics"
    # SMF 2.0 Curve: td.stats "41 Replies<br />1877 Views", td.lastpost text after an icon link
    smf20 = threads["https://bpdfamily.com/message_board/index.php?topic=343886.0"]
    assert smf20["reply_count"] == 41 and smf20["last_post_at"] == "2020-07-18T21:12:40+00:00"
    assert "Archived Workshops" in boards.values()
    assert db.execute("pragma foreign_key_check").fetchall() == []
