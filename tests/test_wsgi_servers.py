"""The service as it is deployed (`gunicorn wsgi:app`, `granian --interface wsgi wsgi:app`): settings from the
environment, a real client."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from .helpers import document, write_corpus
from .servers import SERVERS, fetch

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("serve", SERVERS)
def test_the_wsgi_server_serves_the_configured_corpus_to_a_feed_reader(tmp_path: Path, serve: str) -> None:
    corpus = write_corpus(
        tmp_path / "news",
        {
            "a.md": document(n=1, title="Tide tables &amp; storm warnings"),
            "b.md": document(n=2, published=False, title="An embargoed story"),
        },
    )
    with SERVERS[serve](corpus, workers=2) as server:
        base = server.base
        atom = fetch(f"{base}/all.atom")
        assert atom.status == 200
        parsed = feedparser.parse(atom.body)
        assert parsed.bozo == 0
        assert [e.title for e in parsed.entries] == ["Tide tables & storm warnings"]
        assert parsed.feed.id == f"{base}/all.atom"  # FEEDS_BASE_URL came from the environment
        assert b"embargoed" not in atom.body
        again = fetch(f"{base}/all.atom", headers={"If-None-Match": atom.headers["ETag"]})
        assert again.status == 304
        assert fetch(f"{base}/all.atom").body == atom.body  # a repeat: answered by the fast path
        assert fetch(f"{base}/all.atom", headers={"If-None-Match": atom.headers["ETag"]}).status == 304
        assert fetch(f"{base}/topics/nope.rss").status == 404
