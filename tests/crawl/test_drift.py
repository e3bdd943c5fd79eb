"""Layout drift: a field the site's stored posts had, gone from a run's posts, fails the run."""

from __future__ import annotations

import json

from conftest import last_run, run_live
from live_forum import LiveForum

from forumcrawl.crawl.pipelines.drift import Coverage, collapsed


def coverage(posts: int, **fields: int) -> Coverage:
    c = Coverage(posts=posts)
    c.fields.update(dict.fromkeys(c.fields, posts))
    c.fields.update(fields)
    return c


def test_a_collapsed_field_is_named_with_its_shares():
    found = collapsed(coverage(200, author_title=190), coverage(40, author_title=3))
    assert found == ["author_title on 8% of 40 posts this run, 95% of the 200 stored before"]


def test_small_samples_rare_fields_and_modest_drops_are_not_drift():
    assert collapsed(coverage(10), coverage(40, posted_at=0)) == []  # too little history
    assert collapsed(coverage(200), coverage(5, posted_at=0)) == []  # too few posts now
    assert collapsed(coverage(200, author_joined=60), coverage(40, author_joined=0)) == []  # rare before
    assert collapsed(coverage(200), coverage(40, author_profile=24)) == []  # 60% of 100%: a dip
    assert collapsed(Coverage(), Coverage()) == []


def test_a_theme_change_that_hides_user_titles_and_dates_fails_the_run(tmp_path):
    db = tmp_path / "forumcrawl.db"
    with LiveForum() as forum:
        assert run_live(tmp_path, f"{forum.root}/forums/").returncode == 0
        again = run_live(tmp_path, f"{forum.root}/forums/", "-a", "full=1")
        assert again.returncode == 0, again.stderr[-2000:]  # the same layout: no false alarm
        assert last_run(db)["failed"] == 0

        forum.restyle = lambda page: (
            page.replace("message-userTitle", "message-rank")
            .replace("<time ", "<span ")
            .replace("</time>", "</span>")
        )
        drifted = run_live(tmp_path, f"{forum.root}/forums/", "-a", "full=1")
    assert drifted.returncode == 1
    assert "layout drift" in drifted.stderr
    run = last_run(db)
    failures = json.loads(run["failures"])
    assert run["failed"] == 1 and all(f.startswith("layout_drift: 127.0.0.1:") for f in failures)
    assert {f.split(": ")[2].split(" on ")[0] for f in failures} == {"posted_at", "author_title"}
    assert "of the 29 stored before" in failures[0]
