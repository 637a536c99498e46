"""Real readers accept feeds that carry RFC 6721 tombstones (`at:deleted-entry`): an article is
unpublished under a running server, all.atom then names it in a tombstone, and feedparser, the reader
library and newsboat all read the feed without complaint and keep showing the other entries."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from .helpers import document, write_corpus
from .servers import Server, eventually, fetch, gunicorn
from .test_atom_validity import RFC3339, atom_problems
from .test_newsboat import newsboat

reader = pytest.importorskip(
    "reader", reason="the reader library is a test dependency (pip install -e '.[test]')"
)
pytestmark = pytest.mark.slow
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
HIDDEN = "Council leak story pulled before publication"
REMAINING = ["Article number 1", "Article number 3"]
GONE = "https://news.example/story-2"


@dataclass
class Served:
    server: Server
    body: bytes  # all.atom, with the tombstone
    reader_db: Path  # the reader library's database, subscribed before the article was unpublished


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server whose all.atom carries a tombstone: story 2 was served, then unpublished."""
    tmp = tmp_path_factory.mktemp("tombstones")
    docs = {"one.md": document(n=1), "two.md": document(n=2, title=HIDDEN), "three.md": document(n=3)}
    root = write_corpus(tmp / "content", docs)
    env = {"FEEDS_DATA_DIR": str(tmp / "data"), "FEEDS_WATCH": "poll", "FEEDS_POLL_SECONDS": "0.2"}
    with gunicorn(root, env=env) as server:
        assert HIDDEN.encode() in fetch(f"{server.base}/all.atom").body
        reader_db = _subscribe(f"{server.base}/all.atom", tmp / "reader.sqlite")
        write_corpus(root, {"two.md": document(n=2, title=HIDDEN, published=False)})
        eventually(lambda: b"deleted-entry" in fetch(f"{server.base}/all.atom").body, 5, "the tombstone")
        yield Served(server, fetch(f"{server.base}/all.atom").body, reader_db)


def _subscribe(url: str, database: Path) -> Path:
    """The reader library subscribed to `url` and updated once; its database."""
    client = reader.make_reader(str(database))
    try:
        client.add_feed(url)
        client.update_feeds()
        assert sorted(e.title for e in client.get_entries()) == sorted([*REMAINING, HIDDEN])
    finally:
        client.close()
    return database


def test_the_tombstone_is_well_formed_and_the_feed_stays_valid_atom(served: Served) -> None:
    body = served.body
    assert atom_problems(body) == []
    feed = etree.fromstring(body)
    (stone,) = feed.findall(f"{{{TOMBSTONES_NS}}}deleted-entry")  # a child of atom:feed
    assert sorted(stone.attrib) == ["ref", "when"]
    assert stone.get("ref") == GONE
    assert RFC3339.fullmatch(stone.get("when") or "")
    assert len(stone) == 0
    assert not (stone.text or "").strip()  # its id and time, nothing else
    assert HIDDEN.encode() not in body


def test_feedparser_reads_the_feed_without_complaint(served: Served) -> None:
    body = served.body
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert sorted(e.title for e in parsed.entries) == REMAINING
    assert all(e.id and e.link and e.updated_parsed for e in parsed.entries)
    assert GONE not in [e.id for e in parsed.entries]  # the tombstone is not read as an entry


def test_the_reader_library_updates_the_feed_without_error(served: Served) -> None:
    server = served.server
    url = f"{server.base}/all.atom"
    client = reader.make_reader(str(served.reader_db))
    try:
        client.update_feeds(scheduled=False)
        assert client.get_feed(url).last_exception is None
        titles = sorted(e.title for e in client.get_entries(feed=url))
        # reader keeps what it stored (a tombstone does not delete it), and adds no entry of its own
        assert titles == sorted([*REMAINING, HIDDEN])
        assert len([e for e in client.get_entries(feed=url) if e.id == GONE]) == 1
    finally:
        client.close()

    fresh = reader.make_reader(str(served.reader_db.with_name("fresh.sqlite")))
    try:
        fresh.add_feed(url)
        fresh.update_feeds()
        assert fresh.get_feed(url).last_exception is None
        assert sorted(e.title for e in fresh.get_entries()) == REMAINING
    finally:
        fresh.close()


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_reloads_the_feed_without_error(served: Served, tmp_path: Path) -> None:
    server = served.server
    (tmp_path / ".newsboat").mkdir()
    (tmp_path / ".newsboat" / "urls").write_text(f"{server.base}/all.atom\n", encoding="utf-8")
    (tmp_path / ".newsboat" / "config").write_text(f"error-log {tmp_path / 'errors.log'}\n", encoding="utf-8")
    newsboat(tmp_path, "-x", "reload")
    assert newsboat(tmp_path, "-x", "print-unread").strip() == "2 unread articles"
    errors = tmp_path / "errors.log"
    assert not errors.exists() or errors.read_text(encoding="utf-8").strip() == ""
    with contextlib.closing(sqlite3.connect(tmp_path / ".newsboat" / "cache.db")) as cache:
        titles = sorted(row[0] for row in cache.execute("SELECT title FROM rss_item"))
    assert titles == REMAINING
