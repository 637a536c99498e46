"""The memory's SQLite file deleted or replaced while workers run (`rm -rf` of the data folder, a
backup restored over it). A running worker went on writing to the file it had open, which no
process started since could see: a worker started after dated every feed as a lost memory (now),
the running ones kept their dates, and the two answered one URL with two `Last-Modified` values and
two `ETag`s for good. Now a running worker notices at its next look (its watcher's rescan or any
change) and opens the file that is there: every worker then answers alike, whichever noticed first,
and no `Last-Modified` a client saw goes back."""

from __future__ import annotations

import email.utils
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import AppFactory, document
from .servers import eventually
from .test_memory import Site, answers, apply, cached_site, edits, last_modified

HOW = ["its folder deleted", "its files deleted", "an earlier copy restored", "another site's put there"]


def copy_of(data: Path, to: Path) -> None:
    """A consistent copy of the memory as a backup takes one (SQLite's online backup)."""
    to.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(data / "memory.sqlite3"), sqlite3.connect(to / "memory.sqlite3")
    with target:
        source.backup(target)
    source.close()
    target.close()


def step(site: Site, name: str, fields: dict[str, Any] | None, pause: float) -> None:
    """One of `edits`, except a deletion of the folder's last document: refused as an outage
    (contract), it is not what these tests are about."""
    if fields is None and {p.name for p in site.content.glob("*.md")} <= {name}:
        return
    site.clock.tick(pause)
    apply(site, name, fields)


def replace(site: Site, how: str, backup: Path, other: Path) -> None:
    if how == "its folder deleted":
        shutil.rmtree(site.data)
    elif how == "its files deleted":
        for file in site.data.glob("memory.sqlite3*"):
            file.unlink()
    else:
        for file in site.data.glob("memory.sqlite3*"):
            file.unlink()
        shutil.copy(((backup if how == "an earlier copy restored" else other) / "memory.sqlite3"), site.data)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=edits,
    after=edits,
    how=st.sampled_from(HOW),
    noticed_first=st.booleans(),  # the running worker looks before the new one starts, or after
)
def test_workers_answer_alike_after_the_memory_is_replaced_under_them(
    make_app: AppFactory, before: list[Any], after: list[Any], how: str, noticed_first: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        site = cached_site(make_app, root)
        other = cached_site(make_app, root / "other")  # a memory of another site, for "put there"
        for name, fields, pause in before[:2]:
            step(site, name, fields, pause)
        copy_of(site.data, root / "backup")
        for name, fields, pause in before[2:]:
            step(site, name, fields, pause)
        running = site.app
        seen = answers(running)
        replace(site, how, root / "backup", other.data)
        site.clock.tick(30)
        if noticed_first:
            site.service.refresh(None)  # its watcher's look: nothing in the folder changed
        started = site.start()  # a worker started now (a crash, `max_requests`), on the same folders
        site.app = running
        site.service.refresh(None)
        assert answers(running) == answers(started), how
        for path, (status, body, (_, stamp)) in seen.items():
            response = running.test_client().get(path)
            if status == 200 and stamp is not None and response.status_code == 200:
                assert last_modified(response) >= email.utils.parsedate_to_datetime(stamp), (path, how)
                if response.data != body:
                    again = running.test_client().get(path, headers={"If-Modified-Since": stamp})
                    assert again.status_code == 200, (path, how)
        for name, fields, pause in after:  # both go on from there: each reads the edit, as its watcher would
            step(site, name, fields, pause)
            started.extensions["feeds"].reload()
            assert answers(running) == answers(started), (how, noticed_first, before, after)


def test_a_worker_watching_by_events_notices_within_a_poll_with_no_event_in_the_folder(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """Beside events, the watcher asks every `FEEDS_POLL_SECONDS` whether the memory has anything due:
    a replaced file is opened again then, not at the next event or the rescan (300 s)."""
    docs = {"a.md": document(n=1), "b.md": document(n=2, topics=["Space"])}
    config = {
        "PARSE_CACHE": str(tmp_path / "cache"),
        "WATCH": "auto",
        "POLL_SECONDS": 0.1,
        "RESCAN_SECONDS": 300,
    }
    site = Site(make_app, tmp_path, docs, **config)
    running = site.app
    started: Flask | None = None
    try:
        assert running.extensions["feeds"].watching == "events"
        site.edit({"a.md": document(n=1, published=False)})  # a tombstone in the feeds it was in
        seen = answers(running)
        time.sleep(1)  # the watcher has read the edit's events (50 ms after the last): none is left
        shutil.rmtree(site.data)
        site.clock.tick(30)
        started = site.start()  # a worker started now: a lost memory, every feed dated now
        assert answers(started) != seen
        eventually(lambda: answers(running) == answers(started), 5, "the running worker answers alike")
    finally:
        running.extensions["feeds"].stop()
        if started is not None:
            started.extensions["feeds"].stop()
