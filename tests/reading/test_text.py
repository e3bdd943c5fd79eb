"""Post text is html-text's text, read in one walk.

:func:`~forumcrawl.reading.extract.text.layout_text` replaced html-text's copy, clean and
visit of every body and quote for speed; these tests hold it to html-text's output on
every block of every saved page, and on generated markup that stresses what the cleaner
joins (comments, scripts, unwrapped embeds between words), so a faster reader cannot
quietly read otherwise.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import html_text
import lxml.etree
import lxml.html
import pytest

from forumcrawl.reading.decode import parse_html
from forumcrawl.reading.extract.text import element_text, inner_html, layout_text, tidy
from forumcrawl.reading.nodes import clean, text_of
from forumcrawl.reading.query import compiled

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGES = sorted(FIXTURES.rglob("*.html"))
BLOCKS = compiled("//body | //div | //blockquote | //article | //section | //td | //li | //p")


def reference(el) -> str:
    return html_text.extract_text(el, guess_layout=True)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_walk_reads_every_block_of_a_saved_page_as_html_text_does(page: Path) -> None:
    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    blocks = BLOCKS(root)
    assert blocks
    for el in blocks[:: max(1, len(blocks) // 150)]:
        expected = reference(el)
        assert layout_text(el) == expected, lxml.html.tostring(el, encoding="unicode")[:300]
        assert element_text(el) == tidy(expected)


def reference_inner_html(el) -> str:
    """inner_html as it was written before it serialised in one call: child by child."""
    children = list(el)
    text = el.text or ""
    start, end = 0, len(children)
    while start < end and children[start].tag == "br" and not text.strip():
        text = children[start].tail or ""
        start += 1
    while end > start and children[end - 1].tag == "br" and not (children[end - 1].tail or "").strip():
        end -= 1
    parts = [text] if text else []
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in children[start:end])
    return "".join(parts).strip()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_a_body_is_written_out_as_its_children_one_by_one_were(page: Path) -> None:
    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    blocks = BLOCKS(root)
    for el in blocks[:: max(1, len(blocks) // 150)]:
        assert inner_html(copy.deepcopy(el)) == reference_inner_html(el), lxml.html.tostring(el)[:300]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_an_element_s_text_is_its_text_pieces_joined_as_itertext_gives_them(page: Path) -> None:
    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    for el in root.iter(lxml.etree.Element):
        assert text_of(el) == clean(" ".join(el.itertext())), lxml.html.tostring(el)[:300]


WORDS = ["word", "(", ")", "x,", ".", "!", "?", '"', "’quote”", "\u00a0", "\u200b", " ", "\n", "\t", "", "é"]
TAGS = ["div", "p", "span", "b", "br", "li", "ul", "h2", "blockquote", "table", "tr", "td", "a", "pre"]
GONE = [
    "<!-- note -->",
    "<script>var x = 1;</script>",
    "<style>p {}</style>",
    "<iframe>in frame</iframe>",
    "<object>fallback <b>text</b></object>",
    "<embed>",
    "<noframes>nf</noframes>",
    "<meta name=x>",
    "<link rel=x>",
    "<applet>ap</applet>",
    "<?php echo 1 ?>",
]


def fragment(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 6)):
        roll = rng.random()
        if roll < 0.45:
            parts.append("".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))))
        elif roll < 0.65:
            parts.append(rng.choice(GONE))
        elif depth < 4:
            tag = rng.choice(TAGS)
            parts.append(f"<{tag}>{fragment(rng, depth + 1)}</{tag}>" if tag != "br" else "<br>")
    return "".join(parts)


def test_the_walk_joins_and_spaces_text_around_dropped_markup_as_html_text_does() -> None:
    rng = random.Random(21)
    for _ in range(3000):
        html = f"<div>{fragment(rng)}</div>"
        el = lxml.html.fragment_fromstring(html, create_parent="section")[0]
        expected = reference(el)
        assert layout_text(el) == expected, html
        assert element_text(el) == tidy(expected), html


def test_a_root_that_html_text_would_rewrite_is_read_by_html_text() -> None:
    for html in ("<iframe>a <b>b</b></iframe>", "<object>x</object>"):
        el = lxml.html.fragment_fromstring(html)
        assert layout_text(el) == reference(el)


def test_generated_bodies_are_written_out_as_their_children_one_by_one_were() -> None:
    rng = random.Random(27)
    for _ in range(3000):
        edges = "".join(
            rng.choice(["<br>", " ", "\n", "<br/>\n", "&amp; &lt;x&gt;"]) for _ in range(rng.randint(0, 3))
        )
        html = f"<div class='c' id=x>{edges}{fragment(rng)}{edges}</div>"
        el = lxml.html.fragment_fromstring(html, create_parent="section")[0]
        assert inner_html(copy.deepcopy(el)) == reference_inner_html(el), html
