"""A worker started while the content folder is gone (a crash, `max_requests`, a reload during an
unmounted volume) serves the parse cache's corpus and records nothing. It shows what the memory of
what was published says of that corpus, so it answers every URL as the workers that were running
answer it: the same bytes, `ETag` and `Last-Modified` (entries' `updated` after a correction, the
feeds' dates, RFC 6721 tombstones). Before, it dated entries and feeds by the documents alone: dates
went back, tombstones vanished, and `If-Modified-Since` got `304` for bytes the client had not seen.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.app import create_app

from .helpers import BASE, AppFactory, document, write_corpus
from .test_memory import START, Site, answers, cached_site, edits, last_modified, replay


def standby(site: Site) -> Flask:
    """A worker of the site's server started now, while its folder cannot be read."""
    config = {
        "CONTENT_DIR": str(site.content),
        "BASE_URL": BASE,
        "WATCH": "off",
        "DATA_DIR": str(site.data),
        **site.config,
    }
    app = create_app(config, clock=site.clock, standby=True)
    app.extensions["feeds"].index()
    return app


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits, down=st.sampled_from([1, 600]), back=st.sampled_from(["as it was", "edited"]))
def test_a_worker_started_while_the_folder_is_gone_answers_as_the_running_ones(
    make_app: AppFactory, steps: list[Any], down: int, back: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        site = cached_site(make_app, root)
        replay(site, steps)
        away = root / "away"
        site.content.rename(away)
        site.service.reload()  # the running worker sees the folder gone: it serves what it served
        running = answers(site.app)
        site.clock.tick(down)
        started = standby(site)
        assert answers(started) == running
        away.rename(site.content)
        site.clock.tick(30)
        if back == "edited":
            write_corpus(site.content, {"a.md": document(n=1, title="Back, and corrected")})
        started.extensions["feeds"].reload()  # the folder read in full again, and recorded
        site.service.reload()
        assert answers(started) == answers(site.app)
        for path, (status, data, (_, stamp)) in running.items():
            response = started.test_client().get(path)
            if status != 200 or response.status_code != 200 or stamp is None:
                continue
            assert last_modified(response) >= email.utils.parsedate_to_datetime(stamp), path  # never back
            if response.data != data:
                again = started.test_client().get(path, headers={"If-Modified-Since": stamp})
                assert again.status_code == 200, path
        for name in ("a.md", "b.md"):  # deleted just before: taken for the start of an `rm -rf`, given back
            (site.content / name).unlink(missing_ok=True)
        site.content.rename(away)  # gone again, after it was read: the worker it became is like the others
        for app in (started, site.app):
            app.extensions["feeds"].reload()
        assert answers(started) == answers(site.app)
        away.rename(site.content)
        site.clock.tick(30)
        write_corpus(site.content, {"b.md": document(n=2, title="Back again", topics=["Space"])})
        for app in (started, site.app):
            app.extensions["feeds"].reload()
        assert answers(started) == answers(site.app)


def recorded_meanwhile(app: Flask) -> None:
    """`app` answered after a scheduled article came due: its record of that, in a thread, is done."""
    for thread in threading.enumerate():
        if thread.name == "feeds-memory":
            thread.join(timeout=10)


@pytest.mark.parametrize("change", ["a tombstone expires", "a scheduled article comes due"])
def test_what_a_running_worker_records_meanwhile_reaches_a_started_one_at_its_next_look(
    make_app: AppFactory, tmp_path: Path, change: str
) -> None:
    """Its record of the memory is read once, at the start; the running workers go on writing it (a
    tombstone expired, a feed dated when an article came due). It looks again when the feeds'
    records moved, as its polling watcher looks at the folder: it then answers as they do."""
    later = START + dt.timedelta(minutes=5)
    docs = {
        "a.md": document(n=1),
        "b.md": document(n=2, topics=["Space"]),
        "c.md": document(n=3, publishedDateTime=later) if change != "a tombstone expires" else document(n=3),
    }
    site = Site(make_app, tmp_path, docs, PARSE_CACHE=str(tmp_path / "cache"), TOMBSTONE_DAYS="1")
    if change == "a tombstone expires":
        site.remove("c.md")
        site.service.content.settle_deletions()
    site.clock.tick(60)
    site.content.rename(tmp_path / "away")
    site.service.reload()
    started = standby(site)
    assert answers(started) == answers(site.app)
    site.clock.tick(86_400 if change == "a tombstone expires" else 300)
    answers(started)  # it answers first: a scheduled article shows, dated by this worker alone
    recorded_meanwhile(started)
    site.clock.tick(5)
    site.service.refresh(None)  # the running worker's watcher: the tombstone expires; or it records
    answers(site.app)
    recorded_meanwhile(site.app)
    started.extensions["feeds"].refresh(None)  # its polling watcher's next look
    assert answers(started) == answers(site.app)
    feed = answers(started)["/all.atom"][1]
    assert (b"deleted-entry" in feed, b"Article number 3" in feed) == (False, change != "a tombstone expires")
