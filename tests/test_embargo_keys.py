"""Every key with which an author can say "not published yet" keeps the document hidden (issue 10 §2,
brief V): a negated `published` (`unpublished`, `not_published`, in any case, width or separator)
whatever its value, the keys other generators use (`draft`, `private`, `hidden`, `embargo`,
`embargoed`, `unlisted` unless clearly false; `visible`, `public`, `listed` unless clearly true;
`status` unless `published`, `publish`, `public` or `live`), near misses of those, and a related link
that could be a hidden document's URL (a looser comparison) or carries its headline. The
expectations are written out from the rules; `assert_leaves_no_trace` reads every response and
`check`'s output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import AppFactory, document, write_corpus
from .test_embargo import (
    CONTROL,
    HIDDEN_FILE,
    HIDDEN_TITLE,
    HIDDEN_URL,
    LINKER_TITLE,
    Site,
    SiteFactory,
    aged,
    assert_absent,
    assert_leaves_no_trace,
    check,
    every_response,
    feed_titles,
    hidden_text,
    linker,
    related_titles,
)


@pytest.fixture
def site(tmp_path: Path, make_app: AppFactory) -> SiteFactory:
    """`site({name: document or text})`: the corpus on disk and an app over it (as test_embargo's)."""

    def build(docs: dict[str, Any]) -> Site:
        root = aged(write_corpus(tmp_path / "content", docs))
        app = make_app(root)
        return Site(root, app, app.test_client())

    return build


# key: values that hide (each with a warning naming the key). Written out from the rules.
HIDING: dict[str, list[str]] = {
    "unpublished": ["true", "yes", "false", "no", "1"],
    "Unpublished": ["yes", "false"],
    "not_published": ["true", "false"],
    "is_unpublished": ["1", "0"],
    "isUnpublished": ["true"],
    "non-published": ["true"],
    "NoPublished": ["true"],
    "doNotPublish": ["true"],
    "not visible": ["true"],
    "invisible": ["true", "false"],
    "nonpublic": ["true"],
    "ｐｕｂｌｉｓｈｅｄ": ["false", "maybe"],
    "ＵＮＰＵＢＬＩＳＨＥＤ": ["true"],
    "draft": ["true", "yes", "1", '"TRUE"', "maybe", ""],
    "Draft": ["true"],
    "drafts": ["true"],
    "private": ["true", "yes"],
    "hidden": ["true", "On"],
    "embargo": ["true", '"2025-01-01"'],
    "embargoed": ["true", "yes"],
    "unlisted": ["true", "1"],
    "visible": ["false", "no", "0", "maybe", ""],
    "public": ["false", "no"],
    "listed": ["false", "off"],
    "status": ["draft", "private", "scheduled", "pending", "Draft", "future", ""],
    "Status": ["draft"],
}
CASES = [(key, value) for key, values in HIDING.items() for value in values]


@pytest.mark.parametrize(("key", "value"), CASES)
def test_an_embargo_key_hides_the_document_with_a_warning_naming_it(
    site: SiteFactory, key: str, value: str
) -> None:
    s = site({HIDDEN_FILE: hidden_text(f"{key}: {value}".rstrip()), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    problems = check(s).about(s.root / HIDDEN_FILE)
    assert any(p.startswith(f"{key}: ") and p.endswith("(warning)") for p in problems), problems


@pytest.mark.parametrize("key", ["unpublished", "draft", "private", "hidden", "embargo", "status"])
def test_an_embargo_key_hides_even_beside_published_true(site: SiteFactory, key: str) -> None:
    value = "draft" if key == "status" else "true"
    s = site(
        {HIDDEN_FILE: hidden_text("published: true", f"{key}: {value}"), "linker.md": linker(HIDDEN_URL)}
    )
    assert_leaves_no_trace(s)


SHOWING = [
    "draft: false",
    "private: no",
    "hidden: 'off'",
    "embargoed: false",
    "unlisted: 0",
    "visible: true",
    "public: yes",
    "listed: true",
    "status: published",
    "status: Publish",
    "status: public",
    "status: live",
]


@pytest.mark.parametrize("line", SHOWING)
def test_an_embargo_key_that_clearly_says_show_leaves_the_document_visible(
    site: SiteFactory, line: str
) -> None:
    s = site({HIDDEN_FILE: hidden_text("published: true", line), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    assert related_titles(s.client, LINKER_TITLE)["atom"] == [HIDDEN_TITLE, CONTROL["title"]]


def test_a_broken_edit_that_says_draft_withdraws_the_document_at_once(site: SiteFactory) -> None:
    s = site({HIDDEN_FILE: hidden_text("published: true"), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    (s.root / HIDDEN_FILE).write_text(hidden_text("draft: true", date='"sometime soon"'), encoding="utf-8")
    aged(s.root)
    s.app.extensions["feeds"].reload()
    assert_leaves_no_trace(s)


# --- related links: any spelling that could be the hidden URL, any link titled with its headline ----

LOOSE_SPELLINGS = [
    f"{HIDDEN_URL}/index.html",
    f"{HIDDEN_URL}%2F.html",  # an extension after an escaped slash is a segment of its own
    f"{HIDDEN_URL}/.htm",
    f"{HIDDEN_URL}%2f.amp.html",
    f"{HIDDEN_URL}/index.php",
    f"{HIDDEN_URL}/default.aspx",
    f"{HIDDEN_URL};jsessionid=1",
    "https://news.example.org/sport//stadium-sale",
    "https://news.example.org/Sport/Stadium-Sale/",
    "https://NEWS.example.org/SPORT/STADIUM-SALE",
    f"{HIDDEN_URL}?amp",
    f"{HIDDEN_URL}?ref=rss",
    f"{HIDDEN_URL}?page=2",
    "https://news.example.org/sport%2Fstadium-sale",
    "https://news.example.org/sport%2fstadium-sale",
    "https://amp.news.example.org/sport/stadium-sale",
    "https://m.news.example.org/sport/stadium-sale",
    "https://mobile.news.example.org/sport/stadium-sale",
    f"{HIDDEN_URL}/amp",
    f"{HIDDEN_URL}/amp/",
    "https://news.example.org/amp/sport/stadium-sale",
    f"{HIDDEN_URL}.html",
    f"{HIDDEN_URL}.htm",
    "http://www.m.news.example.org/amp/Sport//Stadium-Sale.html;s=1?amp=1&utm_source=x#top",
    f"{HIDDEN_URL}.amp",
    f"{HIDDEN_URL}.amp.html",
    f"{HIDDEN_URL}/print",
    f"{HIDDEN_URL}%20",
    f"{HIDDEN_URL}/..%2Fstadium-sale",
    "https://amp-news-example-org.cdn.ampproject.org/c/s/news.example.org/sport/stadium-sale",
    "https://amp-news-example-org.cdn.ampproject.org/v/s/news.example.org/sport/stadium-sale?amp_js_v=0.1",
    f"https://web.archive.org/web/2025/{HIDDEN_URL}",
    "https://web.archive.org/web/20250301120000id_/http://news.example.org/sport/stadium-sale/",
]


@pytest.mark.parametrize("spelling", LOOSE_SPELLINGS)
@pytest.mark.parametrize("direction", ["link spelled", "document spelled"])
def test_a_link_that_could_be_the_hidden_url_is_left_out(
    site: SiteFactory, spelling: str, direction: str
) -> None:
    written, linked = (HIDDEN_URL, spelling) if direction == "link spelled" else (spelling, HIDDEN_URL)
    link_title = "Stadium story in full"  # no hidden headline in it: only the URL can keep it out
    s = site(
        {
            HIDDEN_FILE: hidden_text("published: false", url=written),
            "linker.md": linker(linked, title=link_title),
        }
    )
    assert_leaves_no_trace(s)


@pytest.mark.parametrize(
    "title",
    [
        HIDDEN_TITLE,
        HIDDEN_TITLE.upper(),
        f"  {HIDDEN_TITLE.replace(' ', '   ')} ",
        "Ｓｔａｄｉｕｍ sale agreed EMBARGOED Q7X",
    ],
)
def test_a_link_titled_with_a_hidden_headline_is_left_out_wherever_it_points(
    site: SiteFactory, title: str
) -> None:
    docs: dict[str, Any] = {
        HIDDEN_FILE: hidden_text("draft: true"),
        "linker.md": linker("https://elsewhere.example/unrelated/story", title=title),
    }
    s = site(docs)
    assert_leaves_no_trace(s)


def test_links_to_visible_articles_whose_url_is_loosely_the_hidden_one_are_kept(site: SiteFactory) -> None:
    """Two visible articles whose URLs differ only in path case and query stay two, and links to them
    stay, though a hidden document sits at a third spelling of the same loose form."""
    upper = document(n=2, title="Upper-case story", webUrl="https://news.example.org/Sport/Stadium-Sale")
    paged = document(n=3, title="Second page", webUrl="https://news.example.org/sport/stadium-sale?page=2")
    related = [
        {"title": "Link to upper", "webUrl": "https://news.example.org/Sport/Stadium-Sale/"},
        {"title": "Link to page 2", "webUrl": "http://news.example.org/sport/stadium-sale?page=2#x"},
        {"title": "Link to the hidden one", "webUrl": f"{HIDDEN_URL}/index.html"},
        CONTROL,
    ]
    docs = {
        HIDDEN_FILE: hidden_text("published: false"),
        "upper.md": upper,
        "paged.md": paged,
        "linker.md": document(n=1, title=LINKER_TITLE, related=related),
    }
    s = site(docs)
    assert sorted(feed_titles(s.client)) == sorted([LINKER_TITLE, "Upper-case story", "Second page"])
    expected = ["Link to upper", "Link to page 2", CONTROL["title"]]
    assert related_titles(s.client, LINKER_TITLE) == dict.fromkeys(("atom", "rss", "json"), expected)
    assert_absent(every_response(s.client), HIDDEN_TITLE)
