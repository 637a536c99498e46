"""A worker started while the content folder is gone (a crash, `max_requests`, a reload during an
unmounted volume) serves the parse cache's corpus and records nothing. It shows what the memory of
what was published says of that corpus, so it answers every URL as the workers that were running
answer it: the same bytes, `ETag` and `Last-Modified` (entries' `updated` after a correction, the
feeds' dates, RFC 6721 tombstones). Before, it dated entries and feeds by the documents alone: dates
went back, tombstones vanished, and `If-Modified-Since` got `304` for bytes the client had not seen.
"""

from __future__ import annotations

import email.utils
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.app import create_app

from .helpers import BASE, AppFactory, document, write_corpus
from .test_memory import URLS, Site, apply, edits, last_modified

HEADERS = ("ETag", "Last-Modified")


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


def answers(app: Flask) -> dict[str, tuple[int, bytes, tuple[str | None, ...]]]:
    client = app.test_client()
    return {
        path: (r.status_code, r.data, tuple(r.headers.get(h) for h in HEADERS))
        for path in URLS
        for r in [client.get(path)]
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits, down=st.sampled_from([1, 600]), back=st.sampled_from(["as it was", "edited"]))
def test_a_worker_started_while_the_folder_is_gone_answers_as_the_running_ones(
    make_app: AppFactory, steps: list[Any], down: int, back: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        docs = {"a.md": document(n=1), "b.md": document(n=2, topics=["Space"])}
        site = Site(make_app, root, docs, PARSE_CACHE=str(root / "cache"))
        for name, fields, pause in steps:
            site.clock.tick(pause)
            apply(site, name, fields)
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
        for path, (status, data, (_, stamp)) in running.items():
            response = started.test_client().get(path)
            if status != 200 or response.status_code != 200 or stamp is None:
                continue
            assert last_modified(response) >= email.utils.parsedate_to_datetime(stamp), path  # never back
            if response.data != data:
                again = started.test_client().get(path, headers={"If-Modified-Since": stamp})
                assert again.status_code == 200, path
