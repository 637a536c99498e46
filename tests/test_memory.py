"""The memory of what was published (docs/contract.md, "What the service remembers").

`Last-Modified` moves forward whenever a feed's bytes change and never back, so a client that
revalidates with `If-Modified-Since` alone never gets `304` for bytes it has not seen; entries'
`updated` follows their content; entries that leave a feed leave an RFC 6721 tombstone; and all of it
survives a restart. Servers, PostgreSQL and WebSub are in test_memory_servers.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.errors import ConfigError
from feeds.service import FeedService
from feeds.settings import read_settings
from feeds.store import EntryRow, Store

from .helpers import BASE, AppFactory, document, write_corpus
from .pgserver import NOT_INSTALLED, postgres, postgres_bindir
from .servers import free_port

ATOM = "{http://www.w3.org/2005/Atom}"
AT = "{http://purl.org/atompub/tombstones/1.0}"
START = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float = 60) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Site:
    """An app over a corpus and a data folder, driven by a clock; `edit` reloads as the watcher would."""

    def __init__(self, make_app: AppFactory, root: Path, docs: dict[str, Any], **config: Any) -> None:
        self.content = write_corpus(root / "content", docs)
        self.data = root / "data"
        self.clock = Clock()
        self.config = config
        self.make_app = make_app
        self.app = self.start()

    def start(self) -> Flask:
        self.app = self.make_app(self.content, clock=self.clock, DATA_DIR=str(self.data), **self.config)
        self.service.index()  # read the corpus now, as a server does at start
        return self.app

    def edit(self, docs: dict[str, Any], seconds: float = 60) -> None:
        self.clock.tick(seconds)
        write_corpus(self.content, docs)
        self.service.reload()

    def remove(self, name: str, seconds: float = 60) -> None:
        self.clock.tick(seconds)
        (self.content / name).unlink()
        self.service.reload()

    @property
    def service(self) -> FeedService:
        service = self.app.extensions["feeds"]
        assert isinstance(service, FeedService)
        return service

    def get(self, path: str, **headers: str) -> Any:
        return self.app.test_client().get(path, headers=headers)


def last_modified(response: Any) -> dt.datetime:
    return email.utils.parsedate_to_datetime(response.headers["Last-Modified"])


def entries(atom: bytes) -> dict[str, tuple[str, str, str]]:
    """id → (title, published, updated) of an Atom document's entries."""
    root = etree.fromstring(atom)
    return {
        e.findtext(f"{ATOM}id", ""): (
            e.findtext(f"{ATOM}title", ""),
            e.findtext(f"{ATOM}published", ""),
            e.findtext(f"{ATOM}updated", ""),
        )
        for e in root.iter(f"{ATOM}entry")
    }


def tombstones(atom: bytes) -> list[dict[str, str]]:
    return [dict(t.attrib) for t in etree.fromstring(atom).iter(f"{AT}deleted-entry")]


def url(n: int) -> str:
    return f"https://news.example/story-{n}"


@pytest.fixture
def site(make_app: AppFactory, tmp_path: Path) -> Site:
    return Site(make_app, tmp_path, {"a.md": document(n=1), "b.md": document(n=5, topics=["AI", "Space"])})


# --- Last-Modified: the three ways a date-based validator lies -----------------------------------


CHANGES_A_DATE_HIDES = {  # each changes /all.atom while its newest entry's date stays or goes back
    "a late article dated earlier": (
        {"late.md": document(n=3, title="A wire story, dated earlier, arriving late")},
        lambda atom: (
            "A wire story, dated earlier, arriving late" in [t for t, _, _ in entries(atom).values()]
        ),
    ),
    "a corrected headline": (
        {"a.md": document(n=1, title="Article number 1, corrected")},
        lambda atom: entries(atom)[url(1)][0] == "Article number 1, corrected",
    ),
    "the newest article unpublished": (
        {"b.md": document(n=5, topics=["AI", "Space"], published=False)},
        lambda atom: url(5) not in entries(atom),
    ),
}


@pytest.mark.parametrize("change", CHANGES_A_DATE_HIDES.values(), ids=CHANGES_A_DATE_HIDES.keys())
def test_a_reader_revalidating_by_date_gets_the_change_not_304(site: Site, change: Any) -> None:
    docs, shows = change
    before = site.get("/all.atom")
    site.edit(docs)
    again = site.get("/all.atom", **{"If-Modified-Since": before.headers["Last-Modified"]})
    assert again.status_code == 200
    assert shows(again.data)
    assert last_modified(again) == site.clock.now  # the moment of the change, later than before
    assert last_modified(again) > last_modified(before)


def test_a_feed_whose_bytes_did_not_change_keeps_its_validators(site: Site) -> None:
    space = site.get("/topics/space.atom")
    site.edit({"a.md": document(n=1, title="Only the AI feeds and all change")})
    again = site.get("/topics/space.atom", **{"If-Modified-Since": space.headers["Last-Modified"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == space.headers["ETag"]


def test_a_restart_keeps_every_validator(site: Site) -> None:
    site.edit({"a.md": document(n=1, title="Corrected before the restart")})
    paths = ["/all.atom", "/all.rss", "/all.json", "/topics/ai.atom", "/topics/space.rss", "/"]
    before = {p: site.get(p) for p in paths}
    site.clock.tick(3600)
    site.start()
    for path, response in before.items():
        again = site.get(path)
        assert (again.data, again.headers["Last-Modified"], again.headers["ETag"]) == (
            response.data,
            response.headers["Last-Modified"],
            response.headers["ETag"],
        ), path


def test_a_first_start_dates_each_feed_by_its_newest_entry(site: Site) -> None:
    newest = document(n=5)["publishedDateTime"]
    assert last_modified(site.get("/all.atom")) == newest
    assert last_modified(site.get("/topics/space.atom")) == newest


# --- updated --------------------------------------------------------------------------------------


def test_updated_is_when_the_content_last_changed_and_published_stays(site: Site) -> None:
    first = entries(site.get("/all.atom").data)
    assert all(published == updated for _, published, updated in first.values())  # a first sighting
    site.edit({"a.md": document(n=1, excerpt="A better summary.")})
    edited_at = site.clock.now
    site.edit({"b.md": document(n=5, topics=["AI", "Space", "Moon"])}, seconds=30)  # tags: not content
    now = entries(site.get("/all.atom").data)
    assert now[url(1)][1] == first[url(1)][1]
    assert dt.datetime.fromisoformat(now[url(1)][2]) == edited_at
    assert now[url(5)][1:] == first[url(5)][1:]
    item = next(i for i in site.get("/all.json").json["items"] if i["id"] == url(1))
    assert dt.datetime.fromisoformat(item["date_modified"]) == edited_at


def test_a_feed_that_gains_an_entry_has_the_feed_updated_of_that_moment(site: Site) -> None:
    site.edit({"c.md": document(n=2, topics=["Space"])})
    feed = etree.fromstring(site.get("/topics/space.atom").data)
    assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated", "")) == site.clock.now


# --- tombstones -----------------------------------------------------------------------------------


def test_an_unpublished_article_leaves_a_tombstone_in_every_atom_feed_it_was_in(site: Site) -> None:
    site.edit({"b.md": document(n=5, topics=["AI", "Space"], published=False, title="Embargo broken")})
    when = site.clock.now
    for feed in ("/all.atom", "/topics/ai.atom", "/providers/news.example.atom"):
        data = site.get(feed).data
        assert tombstones(data) == [{"ref": url(5), "when": when.isoformat()}], feed
        assert b"Embargo" not in data
    assert site.get("/topics/space.atom").status_code == 404  # its only entry left: no feed to carry it
    assert b"deleted-entry" not in site.get("/all.rss").data
    assert b"deleted" not in site.get("/all.json").data
    assert b"Embargo" not in site.get("/all.rss").data + site.get("/all.json").data


def test_a_deleted_file_and_a_removed_topic_leave_tombstones_where_the_entry_was(site: Site) -> None:
    site.edit({"c.md": document(n=3)})
    site.edit({"b.md": document(n=5, topics=["Space"])})  # leaves the AI feed only
    assert tombstones(site.get("/topics/ai.atom").data) == [
        {"ref": url(5), "when": site.clock.now.isoformat()}
    ]
    assert tombstones(site.get("/all.atom").data) == []
    site.remove("a.md")
    assert [t["ref"] for t in tombstones(site.get("/all.atom").data)] == [url(1)]
    assert {t["ref"] for t in tombstones(site.get("/topics/ai.atom").data)} == {url(1), url(5)}


def test_an_article_that_comes_back_loses_its_tombstone(site: Site) -> None:
    site.edit({"b.md": document(n=5, topics=["AI", "Space"], published=False)})
    site.edit({"b.md": document(n=5, topics=["AI", "Space"])})
    assert tombstones(site.get("/all.atom").data) == []
    assert url(5) in entries(site.get("/all.atom").data)


def test_nothing_that_was_never_served_gets_a_tombstone(site: Site) -> None:
    site.edit({"c.md": document(n=7, published=False, title="Never shown")})
    site.remove("c.md")
    site.edit({"d.md": document(n=8, publishedDateTime="2099-01-01T00:00:00Z", title="Scheduled")})
    site.remove("d.md")
    assert tombstones(site.get("/all.atom").data) == []


def test_tombstones_expire_after_the_configured_days_and_the_feed_says_so(
    make_app: AppFactory, tmp_path: Path
) -> None:
    site = Site(make_app, tmp_path, {"a.md": document(n=1), "b.md": document(n=2)}, TOMBSTONE_DAYS="2")
    site.edit({"b.md": document(n=2, published=False)})
    with_tombstone = site.get("/all.atom")
    assert len(tombstones(with_tombstone.data)) == 1
    site.clock.tick(2 * 86_400 + 1)
    site.service.reload()
    expired = site.get("/all.atom")
    assert tombstones(expired.data) == []
    assert last_modified(expired) > last_modified(with_tombstone)


def test_no_tombstones_when_they_are_turned_off(make_app: AppFactory, tmp_path: Path) -> None:
    site = Site(make_app, tmp_path, {"a.md": document(n=1), "b.md": document(n=2)}, TOMBSTONE_DAYS="0")
    site.edit({"b.md": document(n=2, published=False)})
    assert tombstones(site.get("/all.atom").data) == []


def test_paged_feeds_carry_tombstones_on_the_first_page_only(make_app: AppFactory, tmp_path: Path) -> None:
    docs = {f"{n}.md": document(n=n) for n in range(1, 6)}
    site = Site(make_app, tmp_path, docs, FEED_LIMIT="2")
    site.edit({"5.md": document(n=5, published=False)})
    assert len(tombstones(site.get("/all.atom").data)) == 1
    assert tombstones(site.get("/all/page/2.atom").data) == []


# --- the store ------------------------------------------------------------------------------------


def test_the_memory_holds_nothing_of_hidden_documents(site: Site) -> None:
    site.edit(
        {
            "b.md": document(n=5, published=False, title="Embargoed headline"),
            "c.md": document(n=9, published=False, title="Never public"),
        }
    )
    raw = b"".join(p.read_bytes() for p in site.data.iterdir())
    for secret in (b"Embargoed", b"Never public", url(9).encode()):
        assert secret not in raw


def test_a_lost_memory_is_rebuilt_from_the_corpus_and_said_so(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    site.edit({"a.md": document(n=1, title="Corrected")})
    for file in site.data.iterdir():
        file.unlink()
    site.start()
    assert site.get("/all.atom").status_code == 200
    assert any("memory of what was published starts now" in r.getMessage() for r in caplog.records)
    assert list(site.data.iterdir())


def test_a_memory_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite3"
    Store.sqlite(path).close()
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="schema version 99"):
        Store.sqlite(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_not_replaced(make_app: AppFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "memory.sqlite3").write_bytes(b"precious, but not a database" * 100)
    app = make_app(write_corpus(tmp_path / "content", {"a.md": document(n=1)}), DATA_DIR=str(data))
    with pytest.raises(ConfigError, match=r"memory\.sqlite3"):
        app.extensions["feeds"].index()
    assert (data / "memory.sqlite3").read_bytes() == b"precious, but not a database" * 100


def test_settings_of_the_memory_are_checked() -> None:
    with pytest.raises(ConfigError, match="FEEDS_BASE_URL"):
        read_settings({"FEEDS_WEBSUB_HUB": "https://hub.example/"})
    with pytest.raises(ConfigError, match="FEEDS_DATABASE_URL"):
        read_settings({"FEEDS_DATABASE_URL": "mysql://x"})
    with pytest.raises(ConfigError, match="FEEDS_WEBSUB_HUB"):
        read_settings({"FEEDS_WEBSUB_HUB": "not a url", "FEEDS_BASE_URL": BASE})
    assert read_settings({"FEEDS_DATA_DIR": "off"}).data_dir is None
    hubs = read_settings(
        {"FEEDS_WEBSUB_HUB": "https://a.example/ https://b.example/", "FEEDS_BASE_URL": BASE}
    )
    assert hubs.websub_hub == ("https://a.example/", "https://b.example/")


# --- the kind: any sequence of edits --------------------------------------------------------------

DOCS = ["a.md", "b.md", "c.md"]
edits = st.lists(
    st.tuples(
        st.sampled_from(DOCS),
        st.one_of(
            st.just(None),  # delete
            st.fixed_dictionaries(
                {
                    "title": st.sampled_from(["One", "Two", "Three"]),
                    "hour": st.integers(1, 4),  # several share a date; some arrive backdated
                    "published": st.sampled_from([True, True, False]),
                    "topics": st.sampled_from([["AI"], ["Space"], ["AI", "Space"]]),
                }
            ),
        ),
        st.sampled_from([0, 0.4, 1, 30]),  # seconds between edits: several within one second
    ),
    min_size=1,
    max_size=8,
)


def cached_site(make_app: AppFactory, root: Path) -> Site:
    """The site `edits` change (a.md, and b.md in Space) in the folder `root`, with a parse cache."""
    docs = {"a.md": document(n=1), "b.md": document(n=2, topics=["Space"])}
    return Site(make_app, root, docs, PARSE_CACHE=str(root / "cache"))


def replay(site: Site, steps: list[Any]) -> None:
    """Each of `edits`' steps in turn: the clock moved by its pause, then the edit read (`apply`)."""
    for name, fields, pause in steps:
        site.clock.tick(pause)
        apply(site, name, fields)


def apply(site: Site, name: str, fields: dict[str, Any] | None) -> None:
    """One step of `edits`: the document `name` deleted (None) or written with `fields`; then read."""
    if fields is None:
        (site.content / name).unlink(missing_ok=True)
    else:
        when = dt.datetime(2024, 1, 1, fields["hour"], tzinfo=dt.UTC)
        doc = document(
            n=DOCS.index(name) + 1,
            title=fields["title"],
            publishedDateTime=when,
            published=fields["published"],
            topics=fields["topics"],
        )
        write_corpus(site.content, {name: doc})
    site.service.reload()


URLS = ["/all.atom", "/all.rss", "/all.json", "/topics/ai.atom", "/topics/space.json", "/", "/feeds.opml"]
VALIDATORS = ("ETag", "Last-Modified")


def answers(app: Flask) -> dict[str, tuple[int, bytes, tuple[str | None, ...]]]:
    """What each of `URLS` answers: status, bytes, and the validators (`ETag`, `Last-Modified`)."""
    client = app.test_client()
    return {
        path: (r.status_code, r.data, tuple(r.headers.get(h) for h in VALIDATORS))
        for path in URLS
        for r in [client.get(path)]
    }


HIDDEN = {"title": "One", "hour": 1, "published": False, "topics": ["AI"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=edits)
@example(steps=[("a.md", HIDDEN, 1), ("b.md", HIDDEN, 1), ("a.md", None, 1), ("b.md", None, 1)])
def test_last_modified_follows_the_bytes_through_any_edits(make_app: AppFactory, steps: list[Any]) -> None:
    """Whatever the edits: when a URL's bytes change its Last-Modified moves forward, so a client
    revalidating with the old one gets 200; when they do not, it stays and the client gets 304; it
    never moves back; a restart changes nothing."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        site = Site(make_app, root, {"a.md": document(n=1), "b.md": document(n=2, topics=["Space"])})
        seen: dict[str, tuple[bytes, str]] = {}

        def look() -> None:
            for path in URLS:
                response = site.get(path)
                if response.status_code != 200:
                    continue
                if path in seen:
                    data, stamp = seen[path]
                    again = site.get(path, **{"If-Modified-Since": stamp})
                    moved = last_modified(response) > email.utils.parsedate_to_datetime(stamp)
                    assert last_modified(response) >= email.utils.parsedate_to_datetime(stamp), path
                    if response.data != data:
                        assert moved, path
                        assert again.status_code == 200, path
                    else:
                        assert again.status_code == 304 or moved, path
                seen[path] = (response.data, response.headers["Last-Modified"])

        look()
        for name, fields, pause in steps:
            site.clock.tick(pause)
            apply(site, name, fields)
            look()
        site.clock.tick(5)
        site.start()
        for path, (data, stamp) in seen.items():
            response = site.get(path)
            if response.status_code == 200 and response.data == data:
                assert response.headers["Last-Modified"] == stamp, path


# --- PostgreSQL, in process (two servers sharing it: test_memory_servers.py) ----------------------


@pytest.mark.slow
@pytest.mark.skipif(postgres_bindir() is None, reason=NOT_INSTALLED)
def test_postgresql_keeps_the_memory_and_a_lost_server_never_means_a_wrong_304(
    make_app: AppFactory, tmp_path: Path
) -> None:
    with postgres(tmp_path / "pg") as database:
        site = Site(make_app, tmp_path, {"a.md": document(n=1), "b.md": document(n=2)}, DATABASE_URL=database)
        health = site.get("/healthz").json["memory"]
        assert (health["store"], health["error"]) == ("postgresql", None)
        assert "127.0.0.1" in health["where"]
        site.edit({"a.md": document(n=1, title="Corrected while the database is up")})
        before = site.get("/all.atom")
        assert last_modified(before) == site.clock.now
        site.clock.tick(60)
        site.start()  # a restart reads the same memory back
        assert site.get("/all.atom").headers["Last-Modified"] == before.headers["Last-Modified"]
    # the server is gone: the edit is served all the same, and no client is told 304 for it
    site.edit({"b.md": document(n=2, title="Corrected while the database is down")})
    after = site.get("/all.atom", **{"If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert b"while the database is down" in after.data
    assert last_modified(after) == site.clock.now
    assert site.get("/healthz").json["memory"]["error"]


def test_a_memory_that_cannot_be_opened_at_start_stops_the_service(
    make_app: AppFactory, tmp_path: Path
) -> None:
    content = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    app = make_app(content, DATABASE_URL=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    with pytest.raises(ConfigError, match="FEEDS_DATABASE_URL: cannot connect"):
        app.extensions["feeds"].index()


def test_healthz_says_where_the_memory_is(site: Site) -> None:
    memory = site.get("/healthz").json["memory"]
    assert memory["store"] == "sqlite"
    assert memory["where"] == str(site.data / "memory.sqlite3")
    assert memory["error"] is None


def test_a_tombstone_another_worker_recorded_expires_here_too(make_app: AppFactory, tmp_path: Path) -> None:
    """Two workers share the memory. The first to see a deletion records its tombstone; the other
    reads it back. When it expires, the other drops it too, though it never wrote it (it kept
    showing it, and kept looking every refresh, when only the writer's own times were watched)."""
    site = Site(make_app, tmp_path, {"a.md": document(n=1), "b.md": document(n=2)}, TOMBSTONE_DAYS="2")
    other = site.make_app(site.content, clock=site.clock, DATA_DIR=str(site.data), TOMBSTONE_DAYS="2")
    other.extensions["feeds"].index()
    site.edit({"b.md": document(n=2, published=False)})
    other.extensions["feeds"].reload()
    assert [t["ref"] for t in tombstones(other.test_client().get("/all.atom").data)] == [url(2)]
    site.clock.tick(2 * 86_400 + 1)
    other.extensions["feeds"].reload()
    assert tombstones(other.test_client().get("/all.atom").data) == []
    site.service.reload()
    assert tombstones(site.get("/all.atom").data) == []


def test_no_feed_shows_a_tombstone_of_an_entry_it_serves(make_app: AppFactory, tmp_path: Path) -> None:
    """Two workers share the memory. The first sees b leave and come back (its tombstone recorded,
    then dropped); the other never sees b leave, but reads the tombstone back in between, while an
    edit of c touches the same feed. It must not go on showing it beside b (RFC 6721: a deleted
    entry and the entry in one feed). Seen under a long `rm -rf` given back (tests/test_folder_faults.py)."""
    docs = {"a.md": document(n=1), "b.md": document(n=2), "c.md": document(n=3)}
    site = Site(make_app, tmp_path, docs)
    other = site.make_app(site.content, clock=site.clock, DATA_DIR=str(site.data))
    other.extensions["feeds"].index()
    site.edit({"b.md": document(n=2, published=False)})
    site.edit({"c.md": document(n=3, title="Story three, corrected")})
    other.extensions["feeds"].refresh([str(site.content / "c.md")])  # this worker looks only at c
    site.edit({"b.md": document(n=2)})
    assert tombstones(site.get("/all.atom").data) == []
    feed = other.test_client().get("/all.atom").data
    assert url(2) in entries(feed)
    assert tombstones(feed) == []


def test_a_feed_carries_at_most_feed_limit_tombstones_the_newest(
    make_app: AppFactory, tmp_path: Path
) -> None:
    docs = {f"{n}.md": document(n=n) for n in range(1, 6)}
    site = Site(make_app, tmp_path, docs, FEED_LIMIT="2")
    for n in (1, 2, 3):
        site.edit({f"{n}.md": document(n=n, published=False)})
    assert [t["ref"] for t in tombstones(site.get("/all.atom").data)] == [url(3), url(2)]


shows = st.lists(
    st.tuples(st.integers(2, 5), st.booleans(), st.sampled_from([1, 60, 60, 60, 3_600, 43_200, 86_400])),
    min_size=1,
    max_size=14,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=shows)
@example(steps=[(2, False, 60), (3, False, 60), (4, False, 60), (2, True, 60), (3, True, 60), (4, True, 60)])
def test_a_feed_shows_the_newest_live_tombstones_whatever_left_and_came_back(
    make_app: AppFactory, steps: list[tuple[int, bool, int]]
) -> None:
    """Entries leave the feed and come back, more of them than the feed shows tombstones for, and
    tombstones expire after a day: the feed lists, newest first and at most FEED_LIMIT, exactly the
    entries that left and have not come back within the last day, before and after a restart. A
    process keeps only the tombstones it shows; one kept only in the store must still go when its
    entry comes back, and expire in its time (kept in memory, all of them grew a worker with every
    deletion: the soak measured 10% in 60 s)."""
    with tempfile.TemporaryDirectory() as folder:
        docs = {f"{n}.md": document(n=n) for n in range(1, 7)}
        site = Site(make_app, Path(folder), docs, FEED_LIMIT="2", TOMBSTONE_DAYS="1")
        served, left = set(range(1, 7)), {}  # left: entry → when it left (Unix seconds)

        def expected() -> list[str]:
            now = int(site.clock.now.timestamp())
            live = {n: when for n, when in left.items() if when + 86_400 > now}
            return [url(n) for n, _ in sorted(live.items(), key=lambda item: (-item[1], url(item[0])))][:2]

        for n, show, pause in steps:
            site.edit({f"{n}.md": document(n=n, published=show)}, seconds=pause)
            if show and n not in served:
                served.add(n)
                left.pop(n, None)
            elif not show and n in served:
                served.discard(n)
                left[n] = int(site.clock.now.timestamp())
            assert [t["ref"] for t in tombstones(site.get("/all.atom").data)] == expected()
        site.clock.tick(1)
        site.start()
        assert [t["ref"] for t in tombstones(site.get("/all.atom").data)] == expected()


def _open_and_count(path: str) -> int:
    """Open the memory as a worker does; how many schema versions it then holds."""
    import sqlite3

    Store.sqlite(Path(path)).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT count(*) FROM schema_version").fetchone()[0])


def test_many_workers_opening_a_new_memory_at_once_all_start(tmp_path: Path) -> None:
    """gunicorn starts its workers together: each opens (and the first creates) the SQLite memory; none
    may fail on a database that another one holds for a moment (a worker that fails to boot stops
    gunicorn)."""
    import multiprocessing

    path = str(tmp_path / "memory.sqlite3")
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        counts = pool.map(_open_and_count, [path] * 16)
    assert counts == [1] * 16  # every one opened it; the schema was made once


def test_rows_that_name_no_feed_are_skipped_and_logged_not_fatal(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """A memory written by another version, or damaged, may name feeds this one cannot read."""
    before = site.get("/topics/ai.atom")
    store = Store.sqlite(site.data / "memory.sqlite3")
    with store.transaction():
        store.put_feeds([("topics/", "0" * 32, 1), ("podcasts/x", "0" * 32, 1)])
        store.put_entries([EntryRow(url(9), "0" * 32, 1, ("topics/", "podcasts/x"))])
        store.put_tombstones([("podcasts/x", url(8), int(START.timestamp()))])
    store.close()
    with caplog.at_level(logging.WARNING, logger="feeds"):
        site.start()  # a restart reads every row
    assert "names no feed: 'podcasts/x'" in caplog.text
    assert "names no feed: 'topics/'" in caplog.text
    after = site.get("/topics/ai.atom")
    assert after.status_code == 200
    assert after.headers["Last-Modified"] == before.headers["Last-Modified"]
    assert entries(after.data) == entries(before.data)


# --- a scheduled article that is due, then pulled before the memory recorded it ----------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    due_in=st.floats(2, 3000),  # after the edit that adds it (one second on)
    pulled_after=st.floats(0.001, 600),
    fetched=st.booleans(),
    micro=st.integers(1, 999_999),
)
def test_a_scheduled_article_pulled_as_it_came_due_leaves_every_validator_as_it_was(
    make_app: AppFactory, due_in: float, pulled_after: float, fetched: bool, micro: int
) -> None:
    """A scheduled article whose time comes, then is unpublished in the same look at the folder (or
    with no request in between): the feed's bytes end as they were, so its Last-Modified and ETag are
    as they were, in whole seconds, and a restart keeps them."""
    with tempfile.TemporaryDirectory() as tmp:
        s = Site(make_app, Path(tmp), {"a.md": document(n=1, topics=["Health"])})
        s.clock.now = s.clock.now.replace(microsecond=micro)
        before = s.get("/topics/health.atom")
        due = s.clock.now + dt.timedelta(seconds=due_in)
        scheduled = document(n=2, topics=["Health"], title="A scheduled story")
        s.edit({"sched.md": {**scheduled, "publishedDateTime": due}}, seconds=1)
        if fetched:
            assert s.get("/topics/health.atom").headers["ETag"] == before.headers["ETag"]
        s.edit(
            {"sched.md": {**scheduled, "publishedDateTime": due, "published": False}},
            seconds=due_in + pulled_after,
        )
        after = s.get("/topics/health.atom")
        assert (after.headers["ETag"], after.headers["Last-Modified"]) == (
            before.headers["ETag"],
            before.headers["Last-Modified"],
        )
        assert b"." not in etree.fromstring(after.data).findtext(f"{ATOM}updated", "").encode().split(b"+")[0]
        s.start()
        again = s.get("/topics/health.atom")
        assert (again.headers["ETag"], again.headers["Last-Modified"]) == (
            before.headers["ETag"],
            before.headers["Last-Modified"],
        )
