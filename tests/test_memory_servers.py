"""The memory of what was published (issue 14) with real servers: gunicorn workers sharing a SQLite
memory, two instances sharing a PostgreSQL one, and WebSub announcements through a real hub to a real
subscriber. Each test asserts what a reader would notice: the same Last-Modified and `updated` from
every worker and machine, across restarts; tombstones that name no hidden title; one notification per
change, with the changed bytes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from lxml import etree

from .helpers import document, write_corpus
from .pgserver import NOT_INSTALLED, create_database, postgres, postgres_bindir
from .servers import Fetched, Server, eventually, fetch, gunicorn
from .test_live_server import every_worker
from .websub import Delivery, Subscriber, hub, subscriber

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
LIVE = {"FEEDS_WATCH": "poll", "FEEDS_POLL_SECONDS": "0.2"}
ACCESS_FORMAT = ("--access-logformat", "%(p)s %(s)s %(r)s")  # the worker's pid first
QUIET = 2.0  # seconds to wait after a delivery, to be sure no second one follows


def many(base: str, path: str, times: int = 16, headers: dict[str, str] | None = None) -> list[Fetched]:
    """`times` requests at once over separate connections: spread over the server's workers."""
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: fetch(f"{base}{path}", headers), range(times)))


def one_answer(answers: list[Fetched]) -> Fetched:
    """The answer every request got (status, bytes, Last-Modified, ETag), or a failure showing them."""
    seen = {(a.status, a.body, a.headers["Last-Modified"], a.headers["ETag"]) for a in answers}
    assert len(seen) == 1, [(s, lm, etag) for s, _, lm, etag in seen]
    return answers[0]


def last_modified(answer: Fetched) -> dt.datetime:
    return parsedate_to_datetime(answer.headers["Last-Modified"])


def entries(body: bytes) -> dict[str, tuple[str, str, str]]:
    """Atom entries by title: (id, published, updated)."""
    feed = etree.fromstring(body)
    return {
        e.findtext(f"{ATOM}title") or "": (
            e.findtext(f"{ATOM}id") or "",
            e.findtext(f"{ATOM}published") or "",
            e.findtext(f"{ATOM}updated") or "",
        )
        for e in feed.iter(f"{ATOM}entry")
    }


def tombstones(body: bytes) -> list[tuple[str, str]]:
    """The document's RFC 6721 tombstones: (ref, when)."""
    return [(t.get("ref", ""), t.get("when", "")) for t in etree.fromstring(body).iter(TOMBSTONE)]


def pids_serving(log: Path, path: str, after: int = 0) -> set[str]:
    """The worker pids that answered `GET path` with 200 in gunicorn's access log (ACCESS_FORMAT),
    from line `after` on."""
    lines = log.read_text(encoding="utf-8").splitlines()[after:]
    return {line.split()[0] for line in lines if f" 200 GET {path} " in line}


def assert_topic_feed(delivery: Delivery, topic: str) -> None:
    """The delivery is the topic's Atom feed, as the hub fetched it from the service."""
    feed = etree.fromstring(delivery.body)
    assert feed.findtext(f"{ATOM}id") == topic
    assert f'<{topic}>; rel="self"' in (delivery.link or "")


def log_lines(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines())


# a. gunicorn workers over one SQLite memory, and a restart


def test_every_worker_serves_the_same_last_modified_and_updated_after_an_edit_and_a_restart(
    tmp_path: Path,
) -> None:
    root = write_corpus(
        tmp_path / "content",
        {"a.md": document(n=1, title="Alpha"), "b.md": document(n=2, title="Bravo wins the vote")},
    )
    # One public name for both runs: the restarted server listens on another port.
    env = {**LIVE, "FEEDS_DATA_DIR": str(tmp_path / "data"), "FEEDS_BASE_URL": "https://feeds.example"}
    log = tmp_path / "access.log"
    with gunicorn(root, workers=2, env=env, log=log, args=ACCESS_FORMAT) as server:
        every_worker(server, 0.0)
        before = one_answer(many(server.base, "/all.atom"))
        # First sighting: Last-Modified is the newest entry's date, and updated = published.
        assert last_modified(before) == dt.datetime(2024, 1, 1, 2, tzinfo=dt.UTC)
        assert all(published == updated for _, published, updated in entries(before.body).values())

        changed_at = time.time()
        write_corpus(root, {"b.md": document(n=2, title="Bravo loses the vote (corrected)")})
        every_worker(server, changed_at)
        eventually(
            lambda: all(b"(corrected)" in a.body for a in many(server.base, "/all.atom")),
            5,
            "every worker serving the corrected headline",
        )
        mark = log_lines(log)
        answers = many(server.base, "/all.atom", times=24)
        after = one_answer(answers)  # same bytes, Last-Modified and ETag from every worker
        assert len(pids_serving(log, "/all.atom", mark)) == 2, "the requests did not reach both workers"

        assert last_modified(after) > last_modified(before)
        assert last_modified(after).timestamp() >= int(changed_at)
        corrected = entries(after.body)["Bravo loses the vote (corrected)"]
        assert corrected[1] == "2024-01-01T02:00:00+00:00"  # published: as the document says
        updated = dt.datetime.fromisoformat(corrected[2])
        assert updated > dt.datetime.fromisoformat(corrected[1])
        assert int(updated.timestamp()) == int(last_modified(after).timestamp())
        assert entries(after.body)["Alpha"][2] == entries(before.body)["Alpha"][2]  # untouched: unchanged

        # A reader that has the old bytes gets the new ones, not a 304.
        since_old = many(server.base, "/all.atom", 8, {"If-Modified-Since": before.headers["Last-Modified"]})
        assert {(a.status, a.body) for a in since_old} == {(200, after.body)}
        since_new = many(server.base, "/all.atom", 8, {"If-Modified-Since": after.headers["Last-Modified"]})
        assert {a.status for a in since_new} == {304}

    with gunicorn(root, workers=2, env=env) as server:
        every_worker(server, 0.0)
        again = one_answer(many(server.base, "/all.atom"))
    assert (again.body, again.headers["Last-Modified"], again.headers["ETag"]) == (
        after.body,
        after.headers["Last-Modified"],
        after.headers["ETag"],
    )


# b. two instances sharing a PostgreSQL memory, and a hub


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One PostgreSQL server for this module's tests; each makes a database of its own."""
    if postgres_bindir() is None:
        pytest.skip(NOT_INSTALLED)
    with postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


HIDDEN = "Minister resigns over leaked embargo"
FEED_PATHS = [
    f"/{path}.{fmt}"
    for path in ("all", "topics/energy", "topics/sport", "providers/news.example")
    for fmt in ("atom", "rss", "json")
]


@dataclass
class Pair:
    """Two instances (A, whose URL is the public one, and B) over one corpus (or two identical copies,
    A's then B's) and one PostgreSQL database, announcing to one hub, with a subscriber to the energy
    topic and one to the sport topic."""

    roots: tuple[Path, Path]
    a: Server
    b: Server
    energy: Subscriber
    sport: Subscriber

    @property
    def instances(self) -> tuple[Server, Server]:
        return self.a, self.b

    def edit(self, name: str, doc: dict[str, object]) -> None:
        for root in dict.fromkeys(self.roots):  # once when both serve one folder
            write_corpus(root, {name: doc})

    def both_serve(self, path: str, check: Callable[[bytes], bool], what: str) -> None:
        for server in self.instances:
            eventually(lambda s=server: check(fetch(f"{s.base}{path}").body), 5, f"{server.base}: {what}")  # type: ignore[misc]


@contextlib.contextmanager
def pair(tmp_path: Path, postgres_server: str, copies: bool = False) -> Iterator[Pair]:
    docs = {
        "wind.md": document(n=1, title="Harbour wind farm approved", topics=["Energy"]),
        "secret.md": document(n=2, title=HIDDEN, topics=["Energy"]),
        "match.md": document(n=3, title="Harbour FC wins the cup", topics=["Sport"]),
    }
    root = write_corpus(tmp_path / "content", docs)
    root_b = write_corpus(tmp_path / "content-b", docs) if copies else root
    database = create_database(postgres_server.rsplit("/", 1)[0] + "/postgres", f"feeds_{uuid.uuid4().hex}")
    env = {**LIVE, "FEEDS_DATABASE_URL": database}
    with hub(tmp_path / "hub") as hub_url, gunicorn(root, env={**env, "FEEDS_WEBSUB_HUB": hub_url}) as a:
        public = {**env, "FEEDS_WEBSUB_HUB": hub_url, "FEEDS_BASE_URL": a.base}  # A's URL is the public one
        with gunicorn(root_b, env=public) as b:
            for server in (a, b):
                assert HIDDEN.encode() in fetch(f"{server.base}/all.atom").body
            energy, sport = f"{a.base}/topics/energy.atom", f"{a.base}/topics/sport.atom"
            with (
                subscriber(hub_url, energy, tmp_path / "energy") as energy_reader,
                subscriber(hub_url, sport, tmp_path / "sport") as sport_reader,
            ):
                yield Pair((root, root_b), a, b, energy_reader, sport_reader)


def test_two_instances_sharing_postgresql_serve_one_tombstone_and_announce_it_once(
    tmp_path: Path, postgres_server: str
) -> None:
    with pair(tmp_path, postgres_server) as p:
        p.edit("secret.md", document(n=2, title=HIDDEN, topics=["Energy"], published=False))
        p.both_serve("/all.atom", lambda body: HIDDEN.encode() not in body, "hiding the unpublished article")
        for path in ("/all.atom", "/topics/energy.atom"):
            got = [fetch(f"{s.base}{path}") for s in p.instances]
            a_view, b_view = ((g.headers["Last-Modified"], tombstones(g.body)) for g in got)
            assert a_view == b_view, path  # (Last-Modified, tombstones) of A, of B
            assert got[0].body == got[1].body, path  # one public name, one memory: the same bytes
            ((ref, when),) = tombstones(got[0].body)
            assert ref == "https://news.example/story-2"
            assert dt.datetime.fromisoformat(when).tzinfo is not None
            assert dt.datetime.fromisoformat(when) <= last_modified(got[0]) + dt.timedelta(seconds=1)
        for server in p.instances:
            for path in [*FEED_PATHS, "/", "/topics/energy", "/feeds.opml"]:
                assert HIDDEN.encode() not in fetch(f"{server.base}{path}").body, (server.base, path)
        assert tombstones(fetch(f"{p.a.base}/topics/sport.atom").body) == []  # it never served it

        (delivery,) = p.energy.wait_for(1, seconds=10)
        assert tombstones(delivery.body) == tombstones(fetch(p.energy.topic_url).body), (
            "stale bytes delivered"
        )
        assert HIDDEN.encode() not in delivery.body
        time.sleep(QUIET)
        assert len(p.energy.deliveries()) == 1, "the change was announced more than once"
        assert p.sport.deliveries() == []  # the sport feed's bytes did not change


def test_two_instances_sharing_postgresql_agree_on_an_edit_and_announce_it_once_to_its_topic(
    tmp_path: Path, postgres_server: str
) -> None:
    """Machines rarely see a content change at the same instant (a sync, a deploy, a poll): here B's
    copy of the corpus gets the edit 1 s before A's, and A's URL is the public one the hub fetches."""
    with pair(tmp_path, postgres_server, copies=True) as p:
        root_a, root_b = p.roots
        headline = "Harbour wind farm rejected"
        write_corpus(root_b, {"wind.md": document(n=1, title=headline, topics=["Energy"])})
        eventually(lambda: headline.encode() in fetch(f"{p.b.base}/topics/energy.atom").body, 5, "B")
        time.sleep(1)
        write_corpus(root_a, {"wind.md": document(n=1, title=headline, topics=["Energy"])})
        p.both_serve("/topics/energy.atom", lambda body: headline.encode() in body, headline)
        for path in ("/all.atom", "/topics/energy.atom", "/topics/energy.rss", "/topics/energy.json"):
            got = [fetch(f"{s.base}{path}") for s in p.instances]
            assert got[0].headers["Last-Modified"] == got[1].headers["Last-Modified"], path
            assert got[0].body == got[1].body, path
        (delivery,) = p.energy.wait_for(1, seconds=10)
        assert_topic_feed(delivery, p.energy.topic_url)
        assert headline.encode() in delivery.body, "the hub fetched stale bytes"

        # A change to the other topic only: its subscriber hears of it once, the energy one not at all.
        p.edit("match.md", document(n=3, title="Harbour FC loses the final", topics=["Sport"]))
        p.both_serve("/topics/sport.atom", lambda body: b"loses the final" in body, "the sport edit")
        (delivery,) = p.sport.wait_for(1, seconds=10)
        assert_topic_feed(delivery, p.sport.topic_url)
        assert b"loses the final" in delivery.body
        time.sleep(QUIET)
        assert len(p.sport.deliveries()) == 1, "one change announced more than once"
        assert len(p.energy.deliveries()) == 1, "the energy feed's bytes did not change"


# c. WebSub end to end over one SQLite memory and two workers

ENERGY = {
    "wind.md": document(n=1, title="Harbour wind farm approved", topics=["Energy"]),
    "sun.md": document(n=2, title="Solar roofs for schools", topics=["Energy"]),
}
HEADLINES = ("Harbour wind farm rejected", "Harbour wind farm delayed")


@contextlib.contextmanager
def announcing(tmp_path: Path) -> Iterator[tuple[Path, Server, str, Subscriber]]:
    """gunicorn with 2 workers over one SQLite memory, announcing to a hub, and a subscriber to its
    energy topic: (content folder, server, hub URL, subscriber)."""
    root = write_corpus(tmp_path / "content", ENERGY)
    with hub(tmp_path / "hub") as hub_url:
        env = {**LIVE, "FEEDS_DATA_DIR": str(tmp_path / "data"), "FEEDS_WEBSUB_HUB": hub_url}
        with gunicorn(root, workers=2, env=env) as server:
            every_worker(server, 0.0)
            topic = f"{server.base}/topics/energy.atom"
            with subscriber(hub_url, topic, tmp_path / "subscriber") as reader:
                yield root, server, hub_url, reader


def test_an_edit_reaches_the_subscriber_through_the_hub_once(tmp_path: Path) -> None:
    with announcing(tmp_path) as (root, server, hub_url, reader):
        topic = reader.topic_url
        link = fetch(topic).headers["Link"]
        assert f'<{hub_url}>; rel="hub"' in link
        assert f'<{topic}>; rel="self"' in link
        assert "Link" not in fetch(f"{topic}?limit=1").headers  # not the topic: another query
        for fmt in ("atom", "rss"):
            feed = etree.fromstring(fetch(f"{server.base}/topics/energy.{fmt}").body)
            hubs = [e.get("href") for e in feed.iter(f"{ATOM}link") if e.get("rel") == "hub"]
            assert hubs == [hub_url], fmt
        jsonfeed = json.loads(fetch(f"{server.base}/topics/energy.json").body)
        assert jsonfeed["hubs"] == [{"type": "WebSub", "url": hub_url}]
        for query in ("?limit=1", "?min_quality=1", "?limit=1&page=2"):  # hubs are told of none of these
            for fmt in ("atom", "rss"):
                feed = etree.fromstring(fetch(f"{server.base}/topics/energy.{fmt}{query}").body)
                assert not [e for e in feed.iter(f"{ATOM}link") if e.get("rel") == "hub"], (fmt, query)
            assert "hubs" not in json.loads(fetch(f"{server.base}/topics/energy.json{query}").body), query
        time.sleep(0.5)
        assert reader.deliveries() == []  # a first start announces nothing

        for n, headline in enumerate(HEADLINES, 1):
            changed_at = time.monotonic()
            write_corpus(root, {"wind.md": document(n=1, title=headline, topics=["Energy"])})
            deliveries = reader.wait_for(n, seconds=10)
            took = time.monotonic() - changed_at
            assert took < 5, f"{took:.1f} s from the edit to the subscriber"
            assert_topic_feed(deliveries[-1], topic)
            assert headline.encode() in deliveries[-1].body, "the hub fetched stale bytes"
            time.sleep(QUIET)
            assert len(reader.deliveries()) == n, "one change announced more than once"
