"""Leaks a second audit found (issue 10 §2, audit r10): a publishing key with an invisible character in
it, a hidden headline in a related title under trivial variants, and other generators' hide-this
keys (`isDraft`, `visibility: private`, `retracted`, `expiryDate`, `publishDate`, a nested
`published`). Each hides the document (its title in no response, `check` naming the key), or, for a
headline, drops the related link. Expectations are written from the rules.
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

FORMATS = ("atom", "rss", "json")


@pytest.fixture
def site(tmp_path: Path, make_app: AppFactory) -> SiteFactory:
    """`site({name: document or text})`: the corpus on disk and an app over it (as test_embargo's)."""

    def build(docs: dict[str, Any]) -> Site:
        root = aged(write_corpus(tmp_path / "content", docs))
        app = make_app(root)
        return Site(root, app, app.test_client())

    return build


# (the key's line(s) as written in the file, the key `check` names) — the audit's members and more
INVISIBLE = [
    ("published\u00a0: false", "published\\xa0"),  # a no-break space: a common copy-paste slip
    ("pub\u00adlished: false", "pub\\xadlished"),  # a soft hyphen
    ("draft\u200b: true", "draft\\u200b"),  # a zero-width space
    ('"pub\\u200blished": false', "pub\\u200blished"),  # the same as a YAML escape
    ('"dra\\u00ADft": yes', "dra\\xadft"),
    ("\u2060published: false", "\\u2060published"),  # a word joiner
    ("published\u200d: no", "published\\u200d"),  # a zero-width joiner
    ('"dra\\ufeffft": true', "dra\\ufeffft"),  # a byte order mark
    ("pub\u200elished: false", "pub\\u200elished"),  # a left-to-right mark
    ("published\u3000: false", "published\\u3000"),  # an ideographic space
    ('"published\\t": false', "published\\t"),  # a tab, escaped
]


@pytest.mark.parametrize(("line", "named"), INVISIBLE)
def test_an_invisible_character_in_a_publishing_key_still_hides(
    site: SiteFactory, line: str, named: str
) -> None:
    s = site({HIDDEN_FILE: hidden_text(line), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    problems = check(s).about(s.root / HIDDEN_FILE)
    assert any(p.startswith(f"{named}: ") for p in problems), problems


@pytest.mark.parametrize(
    "lines",
    [
        ("published: true", "published\u00a0: false"),
        ("published\u00a0: false", "published: true"),
        ("published: true", '"pub\\u200blished": false'),
        ("draft: false", "draft\u00ad: true"),
    ],
)
def test_two_keys_that_differ_only_by_invisible_characters_are_a_duplicate(
    site: SiteFactory, lines: tuple[str, str]
) -> None:
    s = site({HIDDEN_FILE: hidden_text(*lines), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    problems = check(s).about(s.root / HIDDEN_FILE)
    assert any("lines 7 and 8" in p and "(warning)" not in p for p in problems), problems


# --- other generators' hide-this keys (the key `check` names) ------------------------------------

OTHER_KEYS = [
    ("isDraft: true", "isDraft"),
    ("is_draft: true", "is_draft"),
    ("draftMode: true", "draftMode"),
    ("is-draft: maybe", "is-draft"),
    ("visibility: private", "visibility"),
    ("visibility: hidden", "visibility"),
    ("visibility: draft", "visibility"),
    ("Visibility: ''", "Visibility"),
    ("access: private", "access"),
    ("retracted: true", "retracted"),
    ("withdrawn: yes", "withdrawn"),
    ("archived: true", "archived"),
    ("deleted: 1", "deleted"),
    ("removed: true", "removed"),
    ("isRetracted: true", "isRetracted"),
    ("expiryDate: 2020-01-01", "expiryDate"),
    ("expirationDate: 2020-01-01T00:00:00Z", "expirationDate"),
    ("expires: 2021-06-01", "expires"),
    ("publishDate: 2030-01-01", "publishDate"),
    ("publishDate: not a date", "publishDate"),
    ("meta: {published: false}", "meta.published"),
    ("meta: {draft: true}", "meta.draft"),
    ("params:\n  hugo:\n    draft: true", "params.hugo.draft"),
    ("blocks: [{status: draft}]", "blocks[0].status"),
]


@pytest.mark.parametrize(("line", "named"), OTHER_KEYS)
def test_another_generators_hide_this_key_hides_with_a_warning_naming_it(
    site: SiteFactory, line: str, named: str
) -> None:
    s = site({HIDDEN_FILE: hidden_text("published: true", line), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    problems = check(s).about(s.root / HIDDEN_FILE)
    assert any(p.startswith(f"{named}: ") and p.endswith("(warning)") for p in problems), problems


SHOWING = [
    "isDraft: false",
    "draftMode: no",
    "visibility: public",
    "access: Published",
    "retracted: false",
    "archived: no",
    "expiryDate:",
    "publishDate: ''",
    "meta: {published: true, draft: false}",
    "deleted_at: null",  # not a compound: a record's deletion time, empty
    "success: true",
    "accessibility: high",
]


@pytest.mark.parametrize("line", SHOWING)
def test_such_a_key_that_clearly_says_show_leaves_the_document_visible(site: SiteFactory, line: str) -> None:
    s = site({HIDDEN_FILE: hidden_text("published: true", line), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    assert related_titles(s.client, LINKER_TITLE)["atom"] == [HIDDEN_TITLE, CONTROL["title"]]


def test_a_publishing_key_inside_related_or_images_describes_them_and_hides_nothing(
    site: SiteFactory,
) -> None:
    extra = [
        "related:",
        "  - {title: Background, webUrl: 'https://background.example/a', published: false}",
        "images:",
        "  - {url: 'https://img.example/a.jpg', draft: true, visibility: private}",
    ]
    s = site({HIDDEN_FILE: hidden_text("published: true", *extra), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    assert check(s).about(s.root / HIDDEN_FILE) == []


# --- a hidden headline under trivial variants, as a related title elsewhere ------------------------

APEX = "Council sells “Apex” stadium – £5m deal"
APEX_VARIANTS = [
    APEX,
    'Council sells "Apex" stadium - £5m deal',
    "Council sells ‘Apex’ stadium — £5m deal",
    "Council sells 'Apex' stadium -- £5m deal",
    "Council sells “Apex” stadium – £5m deal.",
    "EXCLUSIVE: Council sells “Apex” stadium – £5m deal",
    "Council sells “Apex” stadium – £5m deal | News Example",
    "Council\u200b sells “Apex” stadium – £5m deal",
    "Council\u200bsells “Apex” stadium\u00a0– £5m deal",
    "Coun\u00adcil sells «Apex» stadium − £5m deal…",
    "council SELLS apex stadium 5M deal",
]


@pytest.mark.parametrize("title", APEX_VARIANTS)
def test_a_related_title_carrying_a_hidden_headline_is_left_out(site: SiteFactory, title: str) -> None:
    hidden = hidden_text("draft: true").replace(f'title: "{HIDDEN_TITLE}"', f"title: {APEX}")
    s = site({HIDDEN_FILE: hidden, "linker.md": linker("https://elsewhere.example/unrelated", title=title)})
    assert related_titles(s.client, LINKER_TITLE) == {f: [CONTROL["title"]] for f in FORMATS}
    assert_absent(every_response(s.client), "Apex")


def test_a_related_title_sharing_only_a_few_words_with_a_hidden_headline_stays(site: SiteFactory) -> None:
    hidden = hidden_text("draft: true").replace(f'title: "{HIDDEN_TITLE}"', f"title: {APEX}")
    kept = ["Council sells old depot", "Stadium deal collapses", "£5m deal for the harbour"]
    related = [{"title": t, "webUrl": f"https://elsewhere.example/{n}"} for n, t in enumerate(kept)]
    s = site({HIDDEN_FILE: hidden, "linker.md": document(n=1, title=LINKER_TITLE, related=related)})
    assert related_titles(s.client, LINKER_TITLE) == {f: kept for f in FORMATS}
