"""The memory of what was published lost under a site that was served (docs/contract.md, "What the
service remembers"): its folder deleted or emptied, or `FEEDS_DATA_DIR` pointed at a new one. A
client revalidating with `If-Modified-Since` alone must still never get `304` for bytes it has not
seen, so a start that finds the memory empty while the parse cache knows the folder's documents
dates every feed at that start; a site never served before still dates each feed by its newest
entry. So does a start over an emptied folder, which serves the parse cache's corpus and records
nothing, memory or not."""

from __future__ import annotations

import email.utils
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import AppFactory, document, write_corpus
from .test_memory import URLS, Site, apply, cached_site, edits, last_modified, replay


def lose_memory(site: Site, how: str) -> None:
    if how == "kept":  # and the folder emptied by the steps: a start serves the parse cache's corpus
        return
    if how == "its folder deleted":
        shutil.rmtree(site.data)
    elif how == "its file deleted":
        for file in site.data.glob("memory.sqlite3*"):
            file.unlink()
    else:  # FEEDS_DATA_DIR pointed at a new folder
        site.data = site.data.with_name("data-new")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=edits,
    how=st.sampled_from(
        ["its folder deleted", "its file deleted", "FEEDS_DATA_DIR pointed elsewhere", "kept"]
    ),
    down=st.sampled_from([5, 3600]),
)
def test_a_lost_memory_never_gives_a_304_for_bytes_a_client_has_not_seen(
    make_app: AppFactory, steps: list[Any], how: str, down: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        site = cached_site(make_app, root)
        seen: dict[str, tuple[bytes, str]] = {}

        def look() -> None:
            for path in URLS:
                response = site.get(path)
                if response.status_code == 200:
                    seen[path] = (response.data, response.headers["Last-Modified"])

        look()
        for name, fields, pause in steps:
            site.clock.tick(pause)
            apply(site, name, fields)
            look()
        lose_memory(site, how)
        site.clock.tick(down)
        site.start()
        for path, (data, stamp) in seen.items():
            response = site.get(path)
            if response.status_code != 200:
                continue
            again = site.get(path, **{"If-Modified-Since": stamp})
            assert last_modified(response) >= email.utils.parsedate_to_datetime(stamp), (path, how)
            if response.data != data:
                assert again.status_code == 200, (path, how)


def test_a_site_never_served_before_dates_each_feed_by_its_newest_entry(
    make_app: AppFactory, tmp_path: Path
) -> None:
    site = Site(
        make_app, tmp_path, {"a.md": document(n=1), "b.md": document(n=5)}, PARSE_CACHE=str(tmp_path / "c")
    )
    newest = document(n=5)["publishedDateTime"]
    assert last_modified(site.get("/all.atom")) == newest
    site.clock.tick(60)
    site.start()  # the memory kept: a restart changes nothing
    assert last_modified(site.get("/all.atom")) == newest
    lose_memory(site, "its folder deleted")
    site.clock.tick(60)
    site.start()
    assert last_modified(site.get("/all.atom")) == site.clock.now  # a lost memory dates it now


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits, away=st.sampled_from([0, 1, 600]))
def test_feeds_dated_by_a_start_over_an_emptied_folder_stay_dated_after_it_when_the_folder_is_back(
    make_app: AppFactory, steps: list[Any], away: int
) -> None:
    """The start serves the parse cache's corpus, without the memory's tombstones and dates, dated at
    itself; when the documents are back, a client holding that date gets the new bytes, not a 304."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        site = cached_site(make_app, root)
        replay(site, steps)
        files = {f.name: f.read_bytes() for f in site.content.iterdir()}
        for name in files:
            (site.content / name).unlink()
        site.clock.tick(60)
        site.start()
        seen = {path: site.get(path) for path in URLS}
        site.clock.tick(away)
        for name, data in files.items():
            (site.content / name).write_bytes(data)
        site.service.reload()
        for path, before in seen.items():
            response = site.get(path)
            if before.status_code != 200 or response.status_code != 200 or response.data == before.data:
                continue
            stamp = before.headers["Last-Modified"]
            assert last_modified(response) > email.utils.parsedate_to_datetime(stamp), path
            assert site.get(path, **{"If-Modified-Since": stamp}).status_code == 200, path


@pytest.mark.parametrize("other", [{"TIMEZONE": "Europe/Paris"}, {"MAX_DOCUMENT_BYTES": "4194304"}])
def test_a_start_over_an_emptied_folder_keeps_out_what_a_process_of_other_settings_unpublished(
    make_app: AppFactory, tmp_path: Path, other: dict[str, str]
) -> None:
    """Two servers of one folder and one parse cache, with other settings: the one that recorded an
    unpublish last wrote the record of what files serve since the cache; a start of the other over
    the emptied folder reads it too (fail closed)."""
    cache = {"PARSE_CACHE": str(tmp_path / "cache")}
    docs = {"a.md": document(n=1), "x.md": document(n=2, title="Secret plan")}
    content = write_corpus(tmp_path / "content", docs)
    second = make_app(content, DATA_DIR=str(tmp_path / "data"), **cache, **other)
    second.extensions["feeds"].index()  # the other one started first
    site = Site(make_app, tmp_path, docs, **cache)  # this one's stamp is the cache's
    site.clock.tick(60)
    write_corpus(site.content, {"x.md": document(n=2, title="Secret plan", published=False)})
    for server in (site.app, second):  # as their watchers read it: the cache is not written again,
        server.extensions["feeds"].refresh([str(site.content / "x.md")])  # only the record, the other's last
    assert site.service.content.cache is not None
    assert site.service.content.cache.load_recent() == {}  # a record of the other stamp
    for name in ("a.md", "x.md"):
        (site.content / name).unlink()
    site.clock.tick(60)
    site.start()
    assert site.service.content.serving_cache
    assert b"Secret plan" not in site.get("/all.atom").data


def test_workers_starting_together_date_each_feed_alike_by_its_newest_entry(
    make_app: AppFactory, tmp_path: Path
) -> None:
    """Two workers of a first start, one parse cache and one memory: the second waits for the cache
    the first writes. It used to go on as soon as the cache was written, find the memory still
    empty beside a cache of the site's documents, take the site for one served before, and date its
    feeds at that start while the first dated them by their entries: two workers, two `updated`, two
    `Last-Modified` for one feed. It now waits until the first has recorded what it serves."""
    content = write_corpus(tmp_path / "content", {"a.md": document(n=1), "b.md": document(n=5)})
    shared = {"PARSE_CACHE": str(tmp_path / "cache"), "DATA_DIR": str(tmp_path / "data")}
    first, second = make_app(content, **shared), make_app(content, **shared)
    read, second_done = threading.Event(), threading.Event()
    service = first.extensions["feeds"]
    record = service._record

    def record_late() -> None:  # the first has read the folder and written the cache, not the memory
        read.set()
        second_done.wait(timeout=1.5)  # its sibling, meanwhile, may go on
        record()

    service._record = record_late
    starting = threading.Thread(target=service.index)
    starting.start()
    assert read.wait(timeout=10)
    second.extensions["feeds"].index()
    second_done.set()
    starting.join(timeout=10)
    newest = document(n=5)["publishedDateTime"]
    answers = [app.test_client().get(path) for path in URLS for app in (first, second)]
    for one, other in zip(answers[::2], answers[1::2], strict=True):
        assert (one.status_code, one.data) == (other.status_code, other.data)
        assert one.headers.get("Last-Modified") == other.headers.get("Last-Modified")
    assert last_modified(first.test_client().get("/all.atom")) == newest
