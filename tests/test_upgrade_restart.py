"""A broken document's last good version survives a start under another stamp of the parse cache
(contract: "Which articles are visible"): an upgrade of the code that reads documents, another
`FEEDS_TIMEZONE` or `FEEDS_MAX_DOCUMENT_BYTES`. Such a start reads every file again (no read of the
old code stands), and a file that then fails to read serves what the process that wrote the cache
served: its last good version. A file that did not change since and that the new reading rejects is
rejected: new rules take effect."""

from __future__ import annotations

import dataclasses
import operator
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import codestamp, parsecache
from feeds.service import FeedService

from .helpers import document, front_matter, service_over, write_corpus
from .test_broken_withdrawal import HEAD, edit, unpublishing_edits
from .test_embargo import CONTROL, HIDDEN_FILE, HIDDEN_TITLE, HIDDEN_URL, LINKER_TITLE, aged, linker
from .test_stale_restart import BROKEN, TITLES, broken, broken_while_running, serve, titles

# What a start may find changed since the parse cache was written, each as the `FEEDS_*` variables
# (or the code version) of the process that starts
CHANGES: dict[str, dict[str, str]] = {
    "the reading code upgraded": {},
    "another FEEDS_TIMEZONE": {"FEEDS_TIMEZONE": "Asia/Kolkata"},
    "a larger FEEDS_MAX_DOCUMENT_BYTES": {"FEEDS_MAX_DOCUMENT_BYTES": "4194304"},
    "a smaller FEEDS_MAX_DOCUMENT_BYTES": {"FEEDS_MAX_DOCUMENT_BYTES": "65536"},
}


def starter(root: Path, change: str) -> Callable[[], FeedService]:
    """A start over `root` with its parse cache beside it, after `change`."""
    environ = {"FEEDS_PARSE_CACHE": str(root.parent / "cache"), **CHANGES[change]}

    def start() -> FeedService:
        before = codestamp.CODE
        if change == "the reading code upgraded":
            codestamp.CODE = f"{before}-next"
        try:
            return service_over(root, **environ)
        finally:
            codestamp.CODE = before

    return start


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    change=st.sampled_from(sorted(CHANGES)),
    while_running=st.sampled_from(sorted(BROKEN)),
    while_down=st.sampled_from(sorted(BROKEN)),
)
def test_a_broken_documents_last_good_version_serves_after_an_upgrade_or_a_new_setting(
    change: str, while_running: str, while_down: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        broken_while_running(root, while_running)
        edit(root / "c.md", broken(while_down, "c.md"))  # while nothing ran: nobody read it broken
        restarted = starter(root, change)()
        assert titles(restarted) == sorted(TITLES.values()), (change, while_running, while_down)
        assert sorted(restarted.content.stale) == ["a.md", "b.md", "c.md"]
        assert restarted.content.read_from_disk == 3  # no read of the other stamp was taken
        again = starter(root, change)()  # the start wrote the cache anew, last good versions with it
        assert titles(again) == sorted(TITLES.values())
        assert again.content.read_from_disk == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    change=st.sampled_from(sorted(CHANGES)),
    withdrawing=unpublishing_edits(),
    first=st.sampled_from(sorted(BROKEN)),
)
def test_a_broken_edit_that_withdraws_takes_the_article_down_after_an_upgrade_too(
    change: str, withdrawing: str, first: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        broken_while_running(root, first)
        edit(root / "a.md", withdrawing.replace("Harbour plan approved", TITLES["a.md"]))
        edit(root / "c.md", withdrawing.replace("Harbour plan approved", TITLES["c.md"]))
        restarted = starter(root, change)()
        assert titles(restarted) == [TITLES["b.md"]], (change, withdrawing)


def test_what_the_new_reading_rejects_of_an_unchanged_file_goes(tmp_path: Path) -> None:
    """A smaller size limit rejects a file that did not change: the new rule holds (it is no break
    that a last good version outlives), while a file broken meanwhile keeps its last good version."""
    root = tmp_path / "content"
    broken_while_running(root, "emptied")  # a.md and b.md broken while running
    edit(root / "d.md", front_matter(document(n=4, title="A long read", excerpt="word " * 20_000)))
    assert "A long read" in titles(serve(root))  # read well, and the parse cache written
    restarted = starter(root, "a smaller FEEDS_MAX_DOCUMENT_BYTES")()
    assert titles(restarted) == sorted(TITLES.values())
    assert "d.md" in restarted.content.rejected


def test_a_cache_of_values_with_other_fields_is_not_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values are pickled by position: a cache written when they had other fields would build other
    values from it, so it is read for nothing (every file read again, nothing broken kept)."""
    root = tmp_path / "content"
    broken_while_running(root, "a YAML syntax error")
    (cache,) = (tmp_path / "cache").glob("parsed-*-lean.pickle")  # what a server's start reads
    with cache.open("rb") as handle:
        stamp = pickle.load(handle)  # noqa: S301 (the cache this test's server just wrote)
    assert stamp[1] == parsecache.shapes()
    monkeypatch.setattr(parsecache, "_SHAPES", (*parsecache.shapes(), ("feeds.model", "Article", ())))
    restarted = starter(root, "the reading code upgraded")()
    assert titles(restarted) == [TITLES["c.md"]]
    assert restarted.content.read_from_disk == 3


def test_the_shapes_name_every_field_of_every_value_a_cache_builds() -> None:
    from feeds.model import Article, Withheld
    from feeds.parse import Reading

    shapes = {(module, name): fields for module, name, fields in parsecache.shapes()}
    assert [name for name, _ in shapes["feeds.model", "Article"]][:3] == ["path", "url", "title"]
    for kind in (Article, Withheld, Reading):
        assert len(shapes[kind.__module__, kind.__name__]) == len(kind.__dataclass_fields__)
    assert {module for module, _ in shapes} == {"feeds.model", "feeds.parse", "feeds.describe"}


# --- a withdrawn document whose broken text names nothing -------------------------------------------

ELSEWHERE = "https://elsewhere.example/unrelated/story"
LINKS = {"its URL": (HIDDEN_URL, "A neutral title"), "its headline": (ELSEWHERE, HIDDEN_TITLE)}
# A second edit after the withdrawal, still no document that can be shown: broken again, or text no
# longer read as a document at all (emptied, a blank line before `---`, lone CRs, prose, zeroed blocks)
AGAIN = {
    "broken again": "---\n{named}excerpt: [a second broken edit\n---\n",
    "emptied": "",
    "a blank line first": "\n---\n{named}excerpt: notes\n---\n",
    "lone CRs": "---\r{named}excerpt: notes\r---\r",
    "prose": "Notes for the desk: this story is on hold.\n",
    "zeroed": "\x00\x00\x00\x00garbage",
}
# What the withdrawing text names itself by instead: nothing, or another headline or URL (retracted
# as `[WITHDRAWN] …`, moved): the ones it served stay out all the same
NAMES = {
    "nothing": "",
    "another headline": 'title: "[WITHDRAWN] Stadium story"\n',
    "another URL": 'webUrl: "https://news.example.org/sport/old/stadium"\n',
}


def related_of_linker(service: FeedService) -> list[str]:
    (shown,) = [a for a in service.index().articles if a.title == LINKER_TITLE]
    return [r.title for r in shown.related]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    withdrawing=unpublishing_edits(),
    link=st.sampled_from(sorted(LINKS)),
    change=st.sampled_from(["none", *sorted(CHANGES)]),
    written=st.booleans(),
    again=st.sampled_from(["", *AGAIN]),
    named=st.lists(st.sampled_from(sorted(NAMES)), max_size=2).map(lambda n: "".join(NAMES[k] for k in n)),
)
def test_a_withdrawn_documents_url_and_headline_stay_out_of_related_links_after_a_restart(
    withdrawing: str, link: str, change: str, written: bool, again: str, named: str
) -> None:
    """Served, then withdrawn by a broken edit that gives neither its URL nor its headline, or gives
    others (the running server keeps out the ones it served), maybe edited broken again, maybe with the
    whole parse cache written since; then a start, of the same code and settings or after `change`,
    keeps them out too."""
    url, title = LINKS[link]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        docs = {
            "linker.md": linker(url, title=title),
            HIDDEN_FILE: document(n=2, title=HIDDEN_TITLE, webUrl=HIDDEN_URL),
        }
        aged(write_corpus(root, docs))
        server = service_over(root, FEEDS_PARSE_CACHE=str(root.parent / "cache"))
        assert related_of_linker(server) == [title, CONTROL["title"]]
        nameless = withdrawing.replace(HEAD, "---\n" + named)  # not its served title, URL or date
        for text in [nameless, AGAIN[again].format(named=named)] if again else [nameless]:
            edit(root / HIDDEN_FILE, text)
            server.refresh([str(root / HIDDEN_FILE)])  # as the watcher reads it: the record, not the cache
            assert related_of_linker(server) == [CONTROL["title"]], text
        if written:
            server.refresh(None)  # a full rescan that writes the whole cache
        if change == "none":
            restarted = service_over(root, FEEDS_PARSE_CACHE=str(root.parent / "cache"))
        else:
            restarted = starter(root, change)()
        assert related_of_linker(restarted) == [CONTROL["title"]], (change, written, again)


def test_a_cache_written_before_a_value_gained_a_field_still_gives_last_good_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that adds a field with a default at the end of a value (as `Withheld.other_titles`
    was) keeps what the cache says broken files served: a value pickled with fewer fields builds
    with the default for the rest."""
    from feeds import model
    from feeds.model import Article

    names = [f.name for f in dataclasses.fields(Article)]
    older = tuple(
        (module, name, fields[:-1] if (module, name) == ("feeds.model", "Article") else fields)
        for module, name, fields in parsecache.shapes()
    )
    root = tmp_path / "content"
    with monkeypatch.context() as before:  # the code before the upgrade: Article without its last field
        before.setitem(model._FIELDS, Article, operator.attrgetter(*names[:-1]))
        before.setattr(parsecache, "_SHAPES", older)
        broken_while_running(root, "a YAML syntax error")
    restarted = starter(root, "the reading code upgraded")()
    assert titles(restarted) == sorted(TITLES.values())
    assert restarted.content.read_from_disk == 3


def test_values_build_alike_only_when_each_class_gained_fields_with_defaults_at_its_end() -> None:
    now = parsecache.shapes()
    article = next(i for i, (m, n, _) in enumerate(now) if (m, n) == ("feeds.model", "Article"))

    def with_article(fields: tuple[tuple[str, str], ...]) -> tuple[object, ...]:
        return (*now[:article], ("feeds.model", "Article", fields), *now[article + 1 :])

    fields = now[article][2]
    assert parsecache.built_alike(now)
    assert parsecache.built_alike(with_article(fields[:-1]))  # other_urls, with a default, added since
    assert parsecache.built_alike(with_article(fields[:-2]))  # and date_modified
    assert parsecache.built_alike(tuple(s for s in now if s[1] != "Withheld"))  # a class none was
    assert not parsecache.built_alike(with_article(fields[:3]))  # excerpt and more, with no default
    assert not parsecache.built_alike(with_article((fields[1], fields[0], *fields[2:])))  # reordered
    assert not parsecache.built_alike(with_article(((fields[0][0], "int"), *fields[1:])))  # retyped
    assert not parsecache.built_alike(with_article((*fields, ("extra", "str"))))  # one this code lacks
    assert not parsecache.built_alike("not shapes")
    assert not parsecache.built_alike((("feeds.model",),))
