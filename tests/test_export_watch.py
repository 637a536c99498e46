"""`feeds export OUTDIR --watch`: a static export kept current as the content folder changes, as a
user runs it (the installed command, in its own process, stopped by SIGTERM)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds.export import export, page_counts, pages
from feeds.exportwatch import follow
from feeds.service import FeedService
from feeds.settings import Settings
from feeds.watch import Mode

from .helpers import document, write_corpus
from .servers import eventually, stop

FEEDS = Path(sys.executable).parent / "feeds"


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_export_watch_keeps_the_folder_current_and_writes_only_what_changed(tmp_path: Path) -> None:
    content = write_corpus(
        tmp_path / "content",
        {"a.md": document(n=1, topics=["AI"]), "b.md": document(n=2, topics=["Space"])},
    )
    out, log = tmp_path / "out", tmp_path / "export.log"
    env = {
        **os.environ,
        "FEEDS_CONTENT_DIR": str(content),
        "FEEDS_DATA_DIR": str(tmp_path / "data"),
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_WATCH": "poll",
        "FEEDS_POLL_SECONDS": "0.1",
    }
    command = [str(FEEDS), "export", str(out), "--base-url", "https://feeds.example", "--watch"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            eventually(lambda: b"watching" in log.read_bytes(), 30, "the first export")
            space = (out / "topics/space.atom").read_bytes()
            before = mtimes(out)

            write_corpus(content, {"a.md": document(n=1, topics=["AI"], title="A corrected headline")})
            eventually(
                lambda: b"A corrected headline" in (out / "all.atom").read_bytes(), 10, "the edit exported"
            )
            eventually(lambda: b"written" in log.read_bytes().split(b"watching")[1], 5, "its report line")
            after = mtimes(out)
            assert (out / "topics/space.atom").read_bytes() == space
            assert after["topics/space.atom"] == before["topics/space.atom"]  # not even rewritten
            assert after["topics/ai.atom"] != before["topics/ai.atom"]

            # no article left: refused, reported, and the published files stay. One deletion at a time:
            # the folder is followed as it changes, so a poll between two deletions exports one article.
            (content / "a.md").unlink()
            gone = b"A corrected headline"
            eventually(lambda: gone not in (out / "all.atom").read_bytes(), 10, "a deletion exported")
            published = (out / "all.atom").read_bytes()
            (content / "b.md").unlink()
            eventually(lambda: b"not exported" in log.read_bytes(), 10, "the refusal reported")
            assert (out / "all.atom").read_bytes() == published
            assert b"<entry>" in published

            # the next good version is exported again
            write_corpus(content, {"c.md": document(n=3, title="Back in business")})
            eventually(lambda: b"Back in business" in (out / "all.atom").read_bytes(), 10, "exported again")

            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
        finally:
            stop(process)


DOCS = ["a.md", "b.md", "c.md", "d.md"]
edits = st.lists(
    st.tuples(
        st.sampled_from(DOCS),
        st.one_of(
            st.just(None),
            st.fixed_dictionaries(
                {
                    "title": st.sampled_from(["One", "Two"]),
                    "hour": st.integers(1, 5),
                    "published": st.sampled_from([True, True, False]),
                    "topics": st.sampled_from([["AI"], ["Space"], ["Sport"], ["AI", "Space"], ["ai "]]),
                    "provider": st.sampled_from(
                        [{"name": "Example News", "domain": "news.example"}, {"name": "Other Paper"}]
                    ),
                    "related": st.sampled_from(
                        [[]]
                        + [
                            [{"webUrl": f"https://news.example/story-{n}", "title": "Elsewhere"}]
                            for n in (2, 3)
                        ]
                    ),
                }
            ),
        ),
    ),
    min_size=1,
    max_size=6,
)


def tree(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.parent.name != ".feeds"
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
@example(  # a related link's target hidden: the feeds of the entry that links to it change too
    steps=[("b.md", {"title": "Two", "hour": 2, "published": False, "topics": ["Space"], "related": []})]
)
@example(  # the last entry of page 1 goes: page 1 changes, though the feed still has two pages
    steps=[
        ("c.md", {"title": "Three", "hour": 3, "published": True, "topics": ["AI"], "related": []}),
        ("d.md", {"title": "Four", "hour": 4, "published": True, "topics": ["AI"], "related": []}),
        ("c.md", None),
    ]
)
@pytest.mark.parametrize("memory", [True, False], ids=["with the memory", "FEEDS_DATA_DIR=off"])
def test_an_incremental_export_equals_a_whole_one(memory: bool, steps: list[Any]) -> None:
    """What `export --watch` leaves after any edits (feeds that did not change are kept as they were
    left) is, file for file, what a whole export of the same state writes into an empty folder."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        related = [{"webUrl": "https://news.example/story-2", "title": "Elsewhere"}]
        docs = {
            "a.md": document(n=1, topics=["Sport"], related=related),
            "b.md": document(n=2, topics=["Space"]),
        }
        content = write_corpus(root / "content", docs)
        settings_ = Settings(  # two entries a page: edits move entries between pages
            content_dir=content,
            watch="off",
            data_dir=root / "data" if memory else None,
            base_url="https://feeds.example",
            feed_limit=2,
        )
        service = FeedService(settings_)
        index = service.index()
        out = root / "out"
        export(
            service, out, list(pages(service, settings_.base_url or "")), settings_.caching, allow_empty=True
        )
        exported, counts = index.version, page_counts(service)
        for number, (name, fields) in enumerate(steps):
            if fields is None:
                if not any(p.name != name for p in content.rglob("*.md")):
                    continue  # the last file: an emptied folder is an outage (tests/test_emptied_folder.py)
                (content / name).unlink(missing_ok=True)
            else:
                n = DOCS.index(name) + 1
                when = dt.datetime(2024, 1, 1, fields["hour"], tzinfo=dt.UTC)
                write_corpus(
                    content, {name: document(n=n, publishedDateTime=when, **{**fields, "hour": None})}
                )
            service.reload()
            jobs = list(pages(service, "https://feeds.example", index.changed_since(exported), counts))
            export(service, out, jobs, settings_.caching, allow_empty=True)
            exported = index.version
            whole = root / f"whole-{number}"
            export(
                service,
                whole,
                list(pages(service, "https://feeds.example")),
                settings_.caching,
                allow_empty=True,
            )
            assert tree(out) == tree(whole)


CHANGES = {  # made after the first export read the folder, before `follow` watches it
    "edited": lambda content: write_corpus(content, {"a.md": document(n=1, title="Edited meanwhile")}),
    "unpublished": lambda content: write_corpus(content, {"a.md": document(n=1, published=False)}),
    "deleted": lambda content: (content / "a.md").unlink(),
    "added": lambda content: write_corpus(content, {"c.md": document(n=3, title="Added meanwhile")}),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_made_before_the_folder_is_followed_is_exported(tmp_path: Path, change: str) -> None:
    """`export --watch` reads what changed between its first export and the start of its watcher; that
    change must reach the folder too, not be taken for exported (it was, and an article unpublished in
    that moment stayed in the export until some other edit)."""
    content = write_corpus(
        tmp_path / "content", {"a.md": document(n=1), "b.md": document(n=2, title="Stays")}
    )
    settings_ = Settings(content_dir=content, watch="off", data_dir=None, base_url="https://feeds.example")
    service = FeedService(settings_)
    out = tmp_path / "out"
    export(service, out, list(pages(service, "https://feeds.example")), settings_.caching)
    assert b"Article number 1" in (out / "all.atom").read_bytes()
    CHANGES[change](content)
    stop, lines = threading.Event(), []
    thread = threading.Thread(
        target=follow, args=(service, out, "https://feeds.example", settings_.caching, lines.append, stop)
    )
    thread.start()
    try:
        eventually(lambda: lines, 10, "an export of the change")
        feed = (out / "all.atom").read_bytes()
        assert b"Stays" in feed
        assert (b"Article number 1" in feed) is (change == "added")
        assert (b"meanwhile" in feed) is (change in ("edited", "added"))
    finally:
        stop.set()
        thread.join(10)
        service.stop()


@pytest.mark.parametrize(("watch", "using"), [("poll", "polling"), ("auto", "events"), ("off", "events")])
def test_export_watch_follows_the_folder_as_feeds_watch_says(tmp_path: Path, watch: Mode, using: str) -> None:
    """`FEEDS_WATCH=poll` (inotify unreliable on that mount, say) holds for `export --watch` too;
    `off` cannot mean "not at all" there, so it follows with events as `auto` does."""
    content = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    service = FeedService(Settings(content_dir=content, watch="off", data_dir=None))
    stop = threading.Event()
    thread = threading.Thread(
        target=follow,
        args=(service, tmp_path / "out", "https://feeds.example", service.settings.caching, print, stop),
        kwargs={"watch": watch},
    )
    thread.start()
    try:
        eventually(lambda: service.watching == using, 10, f"the watcher, {using}")  # set as it starts
        write_corpus(content, {"a.md": document(n=1, title="Seen")})
        eventually(lambda: any(a.title == "Seen" for a in service.index().articles), 10, "the edit read")
        assert service.watching == using  # the watcher that read it
    finally:
        stop.set()
        thread.join(10)
        service.stop()
