"""An export is one corpus version: whatever changes in the content folder, or comes due, while it
lists and makes its files, every file is of the version it listed, whichever process makes it.

Before, the exporting processes (forked from the one that read the corpus) each read the content
folder again on their first page, and a scheduled article could come due between the list of files
and the files: pages listed for one version were made from another (a `next` link to a page the
export did not make, an entry on two pages or on none, an edit in some formats and not in others).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feeds.export import export, page_counts, pages
from feeds.exportwatch import follow
from feeds.feedkeys import ALL
from feeds.service import FeedService
from feeds.settings import Settings

from .helpers import document, write_corpus
from .servers import eventually

BASE = "https://feeds.example"
START = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
NAMES = [f"d{n}.md" for n in range(1, 6)]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def tree(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.parts[len(out.parts)] != ".feeds"
    }


def corpus(content: Path) -> None:
    """Four articles in two topics, and one scheduled an hour after the export starts."""
    docs = {name: document(n=n, topics=["AI" if n % 2 else "Space"]) for n, name in enumerate(NAMES[:4], 1)}
    docs["d5.md"] = document(n=5, publishedDateTime=START + dt.timedelta(hours=1))
    write_corpus(content, docs)


changes = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(6, 40)),
        st.tuples(st.sampled_from(["unpublish", "delete", "retitle", "redate"]), st.sampled_from(NAMES)),
        st.tuples(st.just("come due"), st.just("")),
    ),
    min_size=1,
    max_size=5,
)


def change(content: Path, clock: Clock, what: str, arg: Any) -> None:
    if what == "add":
        write_corpus(content, {f"new-{arg}.md": document(n=arg, topics=["AI"])})
    elif what == "unpublish":
        write_corpus(content, {arg: document(n=NAMES.index(arg) + 1, published=False)})
    elif what == "delete":
        (content / arg).unlink(missing_ok=True)
    elif what == "retitle":
        write_corpus(content, {arg: document(n=NAMES.index(arg) + 1, title="Retitled meanwhile")})
    elif what == "redate":
        when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=NAMES.index(arg))
        write_corpus(content, {arg: document(n=NAMES.index(arg) + 1, publishedDateTime=when)})
    else:
        clock.now = START + dt.timedelta(days=1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=changes)
@example(steps=[("add", 7)])  # a third page of two entries: page 2 linked to a page never made
@example(steps=[("come due", "")])  # the scheduled article shown in some files and not in others
@example(steps=[("retitle", "d1.md")])
def test_files_made_by_forked_processes_are_of_the_version_the_export_listed(steps: list[Any]) -> None:
    """The export made by two processes, after the folder changed (and the clock moved) since its
    files were listed, is, file for file, the one made in-process before anything changed."""
    with tempfile.TemporaryDirectory() as folder:
        root, clock = Path(folder), Clock(START)
        corpus(root / "content")
        settings_ = Settings(
            content_dir=root / "content", watch="off", data_dir=root / "data", base_url=BASE, feed_limit=2
        )
        service = FeedService(settings_, clock)
        with service.snapshot():
            jobs = list(pages(service, BASE))
            export(service, root / "before", jobs, settings_.caching, processes=1)
            for what, arg in steps:
                change(root / "content", clock, what, arg)
            export(service, root / "forked", jobs, settings_.caching, processes=2)
        assert tree(root / "forked") == tree(root / "before")
        # and the next export has every change
        service.refresh(None)
        again = root / "after"
        export(service, again, list(pages(service, BASE)), settings_.caching, processes=2, allow_empty=True)
        shown = b"".join(tree(again).values())
        if ("come due", "") in steps and all(arg != "d5.md" for _, arg in steps):
            assert b"Article number 5" in shown
        for what, arg in steps:
            if what == "add":
                assert f"story-{arg}".encode() in shown


def test_a_refresh_from_another_thread_waits_for_the_snapshot(tmp_path: Path) -> None:
    """`export --watch`: the watcher's refresh, made while an export lists and makes its files, is
    applied after it (and then exported), not in the middle of it."""
    corpus(tmp_path / "content")
    settings_ = Settings(content_dir=tmp_path / "content", watch="off", base_url=BASE, feed_limit=2)
    service = FeedService(settings_, Clock(START))
    with service.snapshot() as held:
        version = held.version
        write_corpus(tmp_path / "content", {"d1.md": document(n=1, title="Retitled meanwhile")})
        refresh = threading.Thread(target=service.refresh, args=(None,))
        refresh.start()
        refresh.join(0.5)
        assert refresh.is_alive()  # waiting for the block's end
        assert service.index() is held
        assert held.version == version
        assert b"Retitled meanwhile" not in service.body(service.feed(ALL, "atom", BASE))
    refresh.join(10)
    assert not refresh.is_alive()
    assert service.index().version != version


def test_export_watch_exports_what_came_due_while_its_first_export_ran(tmp_path: Path) -> None:
    """`export --watch` goes on from the version its first export wrote (`follow(holds=…)`): a
    scheduled article that came due while that export ran is exported next, not taken as done."""
    corpus(tmp_path / "content")
    settings_ = Settings(content_dir=tmp_path / "content", watch="off", base_url=BASE, feed_limit=2)
    clock, out, lines = Clock(START), tmp_path / "out", []
    service = FeedService(settings_, clock)
    with service.snapshot() as held:
        export(service, out, list(pages(service, BASE)), settings_.caching)
        holds = (held.version, page_counts(service))
        clock.now = START + dt.timedelta(hours=2)  # d5.md comes due before the export ends
    assert b"Article number 5" not in (out / "all.atom").read_bytes()
    stop = threading.Event()
    args = (service, out, BASE, settings_.caching, lines.append, stop)
    watching = threading.Thread(target=follow, args=args, kwargs={"holds": holds, "watch": "poll"})
    watching.start()
    try:
        eventually(lambda: b"Article number 5" in (out / "all.atom").read_bytes(), seconds=10)
    finally:
        stop.set()
        watching.join(10)
        service.stop()
    assert any("written" in line for line in lines)
