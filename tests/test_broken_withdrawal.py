"""Broken text still counts (contract: "Which articles are visible"): a file rejected before its text
could be read (over the size limit, not UTF-8) keeps its URL and headline out of related links as a
hidden document's are, and a broken edit that speaks of unpublishing in any form a person may have
meant takes the article down at once, where a broken edit that says nothing of it keeps the last good
version up."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.service import FeedService

from .helpers import AppFactory, document, service_over, write_corpus
from .test_embargo import (
    CONTROL,
    HIDDEN_FILE,
    HIDDEN_TITLE,
    HIDDEN_URL,
    LINKER_TITLE,
    aged,
    hidden_text,
    linker,
    related_titles,
)

LIMIT = 4_000  # FEEDS_MAX_DOCUMENT_BYTES for these tests
ELSEWHERE = "https://elsewhere.example/unrelated/story"


def over_the_limit() -> bytes:
    """The hidden document, its URL and headline near the top, then an excerpt past the limit."""
    return hidden_text("published: false", f"excerpt: {'x' * (2 * LIMIT)}").encode()


def not_utf8() -> bytes:
    """The hidden document with a line of bytes no UTF-8 decoder takes, between its fields."""
    text = hidden_text("published: false", "excerpt: BYTES")
    return text.encode().replace(b"BYTES", b"caf\xe9 \xff\xfe")


@pytest.mark.parametrize("make", [over_the_limit, not_utf8], ids=["over the size limit", "not UTF-8"])
@pytest.mark.parametrize(
    "link",
    [(HIDDEN_URL.replace("https://", "http://") + "/", "A neutral title"), (ELSEWHERE, HIDDEN_TITLE)],
    ids=["its URL, spelt otherwise", "its headline"],
)
def test_an_unreadable_files_url_and_headline_stay_out_of_related_links(
    tmp_path: Path, make_app: AppFactory, make: Callable[[], bytes], link: tuple[str, str]
) -> None:
    root = write_corpus(tmp_path / "content", {"linker.md": linker(link[0], title=link[1])})
    hidden = root / HIDDEN_FILE
    hidden.parent.mkdir(parents=True, exist_ok=True)
    hidden.write_bytes(make())
    client = make_app(aged(root), MAX_DOCUMENT_BYTES=str(LIMIT)).test_client()
    only_the_control = {fmt: [CONTROL["title"]] for fmt in ("atom", "rss", "json")}
    assert related_titles(client, LINKER_TITLE) == only_the_control
    assert HIDDEN_TITLE.encode() not in client.get("/all.atom").data


# --- broken edits that unpublish -------------------------------------------------------------------

SERVED = document(n=1, title="Harbour plan approved", topics=["Sport"])
HEAD = '---\ntitle: "Harbour plan approved"\npublishedDateTime: 2024-03-01T09:00:00Z\n'
HEAD += 'webUrl: "https://news.example.org/harbour"\n'
# What a person may write to take an article down (each not "show" as the contract reads it)
UNPUBLISHING = [
    ("published", "false"),
    ("published", "no"),
    ("published", "off"),
    ("published", "0"),
    ("Published", "False"),
    ("publishd", "false"),
    ("pubished", "no"),
    ("pUBL\u00adiSHEd", "ofF"),  # a soft hyphen inside the key
    ("is_published", "false"),
    ("unpublished", "true"),
    ("draft", "true"),
    ("status", "draft"),
]
SEPARATORS = [": ", ":", " = ", "=", " : ", ":\t"]
QUOTES = ["", "'", '"', "'{}'", '"{}"']
# Where the statement goes: (text before it, text after it) on its line, or around it
PLACES = {
    "a top-level line": ("", ""),
    "indented": ("  ", ""),
    "nested under another key": ("meta:\n  ", ""),
    "in a flow mapping never closed": ("meta: {", ""),
    "in a flow mapping": ("meta: {a: 1, ", "}"),
    "after another value on its line": ("excerpt: Budget day ", ""),
}
# How the rest of the text is broken (the edit is saved half-done, or with a typo)
BREAKS = {
    "front matter never closed": ("", None),
    "closed by '...'": ("", "..."),
    "a YAML syntax error": ("excerpt: [never closed\n", "---"),
    "a tab as indentation": ("topics:\n\t- Sport\n", "---"),
}


def broken_edit(key: str, value: str, separator: str, quote: str, place: str, broken: str) -> str:
    before, after = PLACES[place]
    extra, closing = BREAKS[broken]
    quoted = quote.format(value) if "{}" in quote else quote + value
    text = HEAD + extra + f"{before}{key}{separator}{quoted}{after}\n"
    return text + (f"{closing}\n" if closing is not None else "")


def serve(root: Path, max_bytes: int | None = None) -> FeedService:
    return service_over(root, **({"FEEDS_MAX_DOCUMENT_BYTES": str(max_bytes)} if max_bytes else {}))


def edit(path: Path, text: str) -> None:
    path.write_text(text)
    an_hour_ago = time.time() - 3600  # settled: not a file that may still be being written
    os.utime(path, (an_hour_ago, an_hour_ago))


def unpublishing_edits() -> st.SearchStrategy[str]:
    """A broken edit of `SERVED` that says not to show it: a statement × separator × quoting × place ×
    way of being broken (`broken_edit`)."""
    return st.builds(
        lambda said, separator, quote, place, broken: broken_edit(*said, separator, quote, place, broken),
        st.sampled_from(UNPUBLISHING),
        st.sampled_from(SEPARATORS),
        st.sampled_from(QUOTES),
        st.sampled_from(sorted(PLACES)),
        st.sampled_from(sorted(BREAKS)),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unpublishing_edits())
def test_a_broken_edit_that_unpublishes_takes_the_article_down_at_once(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_corpus(Path(tmp) / "content", {"story.md": SERVED})
        service = serve(aged(root))
        assert service.index().count() == 1
        edit(root / "story.md", text)
        service.refresh(None)
        assert service.index().count() == 0, text
        assert not service.content.stale


@pytest.mark.parametrize("broken", sorted(BREAKS))
def test_a_broken_edit_that_says_nothing_of_publishing_keeps_the_last_good_version(
    tmp_path: Path, broken: str
) -> None:
    root = write_corpus(tmp_path / "content", {"story.md": SERVED})
    service = serve(aged(root))
    assert service.index().count() == 1
    extra, closing = BREAKS[broken]
    edit(root / "story.md", HEAD + extra + "published: true\n" + (f"{closing}\n" if closing else ""))
    service.refresh(None)
    assert [a.title for a in service.index().articles] == ["Harbour plan approved"]
    assert "story.md" in service.content.stale


# --- a served document rewritten so that it is no longer read as one --------------------------------

# How an editor or a tool may save the text: its bytes (encodings, line ends), what comes before the
# opening line, and padding that takes it over the size limit, before the statement
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "utf-8-sig"]
LINE_ENDS = ["\n", "\r\n", "\r"]
BEFORE = ["", "\n", "\n\n", "  \n", " "]


def rewritten(text: str, encoding: str, line_end: str, before: str, padding: int) -> bytes:
    lines = text.split("\n")
    if padding:
        lines.insert(4, f"excerpt: {'x' * padding}")  # after the title, URL and date lines
    return (before + line_end.join(lines)).encode(encoding)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    said=st.sampled_from(UNPUBLISHING),
    encoding=st.sampled_from(ENCODINGS),
    line_end=st.sampled_from(LINE_ENDS),
    before=st.sampled_from(BEFORE),
    padding=st.sampled_from([0, 0, 2 * LIMIT, 50 * LIMIT]),
)
def test_an_unpublishing_rewrite_that_is_no_longer_a_readable_document_takes_it_down(
    said: tuple[str, str], encoding: str, line_end: str, before: str, padding: int
) -> None:
    """UTF-16 or UTF-32 (Windows Notepad's "Unicode"), a lone CR for line ends, a blank line before the
    opening `---`, the statement past the first bytes of a file over the size limit: whatever keeps it
    from being read as a document, a text that says not to show it takes the article down."""
    text = HEAD + f"{said[0]}: {said[1]}\n---\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = write_corpus(Path(tmp) / "content", {"story.md": SERVED})
        service = serve(aged(root), max_bytes=LIMIT)
        assert service.index().count() == 1
        (root / "story.md").write_bytes(rewritten(text, encoding, line_end, before, padding))
        an_hour_ago = time.time() - 3600
        os.utime(root / "story.md", (an_hour_ago, an_hour_ago))
        service.refresh(None)
        case = (said, encoding, line_end, before, padding)
        assert service.index().count() == 0, case
        assert not service.content.stale, case


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "latin-1"])
@pytest.mark.parametrize(("line_end", "before"), [("\r", ""), ("\n", "\n"), ("\r\n", "  \n")])
def test_such_a_rewrite_that_says_nothing_of_publishing_keeps_the_last_good_version(
    tmp_path: Path, encoding: str, line_end: str, before: str
) -> None:
    root = write_corpus(tmp_path / "content", {"story.md": SERVED})
    service = serve(aged(root), max_bytes=LIMIT)
    assert service.index().count() == 1
    (root / "story.md").write_bytes(rewritten(HEAD + "published: true\n---\n", encoding, line_end, before, 0))
    an_hour_ago = time.time() - 3600
    os.utime(root / "story.md", (an_hour_ago, an_hour_ago))
    service.refresh(None)
    assert [a.title for a in service.index().articles] == ["Harbour plan approved"]


# --- a rejected document that names itself by more than one headline ---------------------------------

SECOND = "Council quietly sells the marina"
# How a document that cannot be shown gives a second headline: the key again (a duplicate rejects it),
# a misspelling of it beside it, or a second line in text YAML cannot read; quoted or not
SECOND_HEADLINES = {
    "title again": "title: {q}{second}{q}\n",
    "Title beside it, text broken": "Title: {q}{second}{q}\nexcerpt: [never closed\n",
    "titel beside it, text broken": "titel: {q}{second}{q}\nexcerpt: [never closed\n",
    "title again, text broken": "excerpt: [never closed\ntitle: {q}{second}{q}\n",
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form=st.sampled_from(sorted(SECOND_HEADLINES)),
    quote=st.sampled_from(["", "'", '"']),
    served=st.booleans(),
    published=st.sampled_from(["", "published: false\n", "published: true\n"]),
)
def test_every_headline_a_rejected_document_gives_stays_out_of_related_links(
    form: str, quote: str, served: bool, published: str
) -> None:
    """Related links elsewhere titled with either headline go, whether or not the document was served
    before it broke (when it was, and its text does not withdraw it, its last good version serves and
    links to it under its own title stay)."""
    second = SECOND_HEADLINES[form].format(q=quote, second=SECOND)
    with tempfile.TemporaryDirectory() as tmp:
        links = [(ELSEWHERE, HIDDEN_TITLE), ("https://elsewhere.example/marina", SECOND)]
        related = [{"title": t, "webUrl": u, "provider": {"name": "Another Paper"}} for u, t in links]
        linking = document(n=1, title=LINKER_TITLE, topics=["Sport"], related=[*related, CONTROL])
        root = write_corpus(Path(tmp) / "content", {"linker.md": linking})
        hidden = root / HIDDEN_FILE
        hidden.parent.mkdir(parents=True, exist_ok=True)
        if served:
            hidden.write_text(hidden_text())
        service = serve(aged(root))
        service.index()
        edit(hidden, hidden_text(published + second))
        service.refresh(None)
        (shown,) = [a for a in service.index().articles if a.title == LINKER_TITLE]
        kept = served and form != "title again" and published != "published: false\n"  # its last good
        expected = [HIDDEN_TITLE, SECOND] if kept else []
        assert [r.title for r in shown.related] == [*expected, CONTROL["title"]], (form, served, published)
