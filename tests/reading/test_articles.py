from datetime import UTC, datetime

from forumcrawl.reading.extract.articles import find_article
from forumcrawl.reading.extract.dates import DateContext, normalise_date

CTX = DateContext(("en",), "UTC", "MDY", datetime(2026, 11, 24, tzinfo=UTC))
PARAS = [
    "The first paragraph of the story reports what happened on Friday in some detail, as reporters do.",
    "A second paragraph quotes an official who said the situation would be reviewed next week.",
    "Subheading Here",
    "A third paragraph gives background that readers need to understand why this matters now.",
    "A closing paragraph adds what analysts expect to happen next and how governments may respond.",
]


def test_seed_layout_headline_byline_date():
    text = "\n".join(
        [
            "Russia Urges U.S. to Enlist Syria’s Assad to Fight Islamic State",
            "by Henry Meyer",
            "May 30, 2015",
            "",
            *PARAS,
        ]
    )
    article = find_article(text, ["http://www.bloomberg.com/news/articles/x"], CTX)
    assert article.headline.startswith("Russia Urges")
    assert article.byline == "Henry Meyer"
    assert normalise_date(article.published, CTX).value == "2015-05-30"
    assert article.outlet == "Bloomberg"
    assert article.body_text.startswith("The first paragraph") and "Subheading Here" in article.body_text


def test_date_before_byline_and_source_line_at_end():
    text = "\n".join(
        [
            "Navies Rehearse Mine Clearance in Joint Exercise",
            "June 4, 2015",
            "By Anna Kowalski",
            *PARAS,
            "Source: https://www.reuters.com/world/story-1",
        ]
    )
    article = find_article(text, [], CTX)
    assert article.byline == "Anna Kowalski"
    assert article.published.raw == "June 4, 2015"
    assert article.source_url == "https://www.reuters.com/world/story-1"
    assert article.outlet == "Reuters"
    assert "Source:" not in article.body_text


def test_ordinary_posts_are_not_articles():
    chat = "\n".join(["Has anyone read the new procurement report", "I think it is overrated.", *PARAS])
    assert find_article(chat, [], CTX) is None
    assert find_article("Thanks for the link!", [], CTX) is None
    short = "Breaking News Headline Here\nby Some Person\nJune 1, 2015\nOne line of text only."
    assert find_article(short, [], CTX) is None
