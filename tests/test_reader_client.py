"""A real feed-reader library (lemon24/reader) polling the service: the second update is a 304."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from .helpers import DEMO, document, write_corpus
from .servers import fetch, gunicorn

reader = pytest.importorskip(
    "reader", reason="the reader library is a test dependency (pip install -e '.[test]')"
)
pytestmark = pytest.mark.slow


def statuses(log: Path, path: str) -> list[str]:
    """Status codes of `GET path` in gunicorn's access log (common log format)."""
    return [
        line.split('" ')[1].split()[0] for line in log.read_text().splitlines() if f'"GET {path} ' in line
    ]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_reader_sends_validators_and_gets_304_on_the_second_update(tmp_path: Path, fmt: str) -> None:
    corpus = write_corpus(tmp_path / "content", {"a.md": document(n=1), "b.md": document(n=2)})
    log = tmp_path / "access.log"
    with gunicorn(corpus, log=log) as server:
        url = f"{server.base}/all.{fmt}"
        client = reader.make_reader(str(tmp_path / "reader.sqlite"))
        try:
            client.add_feed(url)
            client.update_feeds()
            titles = sorted(e.title for e in client.get_entries())
            assert titles == ["Article number 1", "Article number 2"]
            client.update_feeds(scheduled=False)  # now, not at reader's next scheduled time
        finally:
            client.close()
    assert statuses(log, f"/all.{fmt}") == ["200", "304"]


def test_reader_imports_the_opml_and_every_feed_updates(tmp_path: Path) -> None:
    with gunicorn(DEMO) as server:
        opml = fetch(f"{server.base}/feeds.opml")
        assert opml.status == 200
        client = reader.make_reader(str(tmp_path / "reader.sqlite"))
        try:
            client.import_feeds(io.BytesIO(opml.body))
            urls = sorted(f.url for f in client.get_feeds())
            assert len(urls) == 1 + 8 + 6  # all, the topics, the providers
            assert all(u.startswith(f"{server.base}/") and u.endswith(".rss") for u in urls)
            client.update_feeds()
            assert [f.url for f in client.get_feeds() if f.last_exception] == []
            assert all(client.get_entry_counts(feed=u).total for u in urls)
            assert client.get_entry_counts(feed=f"{server.base}/all.rss").total == 44
        finally:
            client.close()
