"""A rejected document counts as hidden (contract: "Which articles are visible"): like a hidden one,
its headline keeps related links out wherever they point, not only its URL. A document rejected
because its text is broken, or because it says both "published" and "not published", told nobody it
was meant to be seen; a link titled with its headline would announce it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import AppFactory, write_corpus
from .test_embargo import (
    HIDDEN_FILE,
    HIDDEN_TITLE,
    LINKER_TITLE,
    Site,
    aged,
    assert_leaves_no_trace,
    hidden_text,
    linker,
)

# Why the document is rejected: the lines its text gets (`hidden_text`'s head and extra lines, date).
CAUSES: dict[str, dict[str, Any]] = {
    "published twice": {"head": ("published: true",), "extra": ("published: false",)},
    "a near miss of published beside true": {
        "head": ("published: true",),
        "extra": ("pUBL\u00adiSHEd: 'ofF'",),  # a soft hyphen in it: found by test_embargo_properties
    },
    "front matter YAML cannot read": {"extra": ("published: true", "excerpt: [never closed")},
    "a date that cannot be read": {"extra": ("published: true",), "date": "2024-13-45T99:00:00Z"},
    "a key written twice": {"extra": ("published: true", "topics: [Sport]")},
}
ELSEWHERE = "https://elsewhere.example/unrelated/story"


def rejected_text(cause: str) -> str:
    spec = CAUSES[cause]
    return hidden_text(*spec.get("extra", ()), head=spec.get("head", ()), date=spec.get("date"))


@pytest.mark.parametrize("cause", CAUSES)
@pytest.mark.parametrize(
    "title",
    [
        HIDDEN_TITLE,
        f"EXCLUSIVE: {HIDDEN_TITLE} | Another Paper",
        HIDDEN_TITLE.lower().replace(" ", " \u200b"),
    ],
    ids=["the headline", "inside a longer title", "another case, invisible characters"],
)
def test_a_link_titled_with_a_rejected_documents_headline_is_left_out(
    tmp_path: Path, make_app: AppFactory, cause: str, title: str
) -> None:
    root = aged(write_corpus(tmp_path / "content", {HIDDEN_FILE: rejected_text(cause)}))
    write_corpus(root, {"linker.md": linker(ELSEWHERE, title=title)})
    app = make_app(root)
    site = Site(root, app, app.test_client())
    assert site.client.get("/all.atom").status_code == 200
    assert_leaves_no_trace(site)


def test_a_withdrawn_edit_keeps_blocking_the_headline_it_served(tmp_path: Path, make_app: AppFactory) -> None:
    """A served document edited to say `published` twice, with its title line lost in the same edit:
    the headline it served still keeps links out."""
    root = aged(write_corpus(tmp_path / "content", {HIDDEN_FILE: hidden_text("published: true")}))
    write_corpus(root, {"linker.md": linker(ELSEWHERE, title=HIDDEN_TITLE)})
    app = make_app(root, WATCH="off")
    client = app.test_client()
    assert HIDDEN_TITLE in client.get("/all.atom").get_data(as_text=True)
    broken = hidden_text("published: true", "published: false").replace(f'title: "{HIDDEN_TITLE}"\n', "")
    (root / HIDDEN_FILE).write_text(broken, encoding="utf-8")
    app.extensions["feeds"].reload()
    assert_leaves_no_trace(Site(root, app, client))


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('"Stadium &amp; <b>sale</b> agreed, EMBARGOED Q7X"', "Stadium & sale agreed, EMBARGOED Q7X"),
        ("20250301", "20250301"),  # YAML reads a number: an article's title would be its text
        ("'  Stadium\u00a0sale agreed EMBARGOED Q7X  '", "Stadium sale agreed EMBARGOED Q7X"),
    ],
    ids=["markup and entities", "a number", "padding and a no-break space"],
)
@pytest.mark.parametrize("cause", ["published twice", "front matter YAML cannot read"])
def test_a_rejected_documents_headline_is_compared_as_an_articles_title_would_be(
    tmp_path: Path, make_app: AppFactory, written: str, shown: str, cause: str
) -> None:
    text = rejected_text(cause).replace(f'title: "{HIDDEN_TITLE}"', f"title: {written}")
    root = aged(write_corpus(tmp_path / "content", {HIDDEN_FILE: text}))
    write_corpus(root, {"linker.md": linker(ELSEWHERE, title=shown)})
    app = make_app(root)
    client = app.test_client()
    for fmt in ("atom", "rss", "json"):
        body = client.get(f"/all.{fmt}").get_data(as_text=True)
        assert LINKER_TITLE in body
        assert ELSEWHERE not in body, fmt
