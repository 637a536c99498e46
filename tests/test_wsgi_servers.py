"""The service as it is deployed (`gunicorn wsgi:app`, `granian --interface wsgi wsgi:app`): settings from the
environment, a real client."""

from __future__ import annotations

import http.client
from pathlib import Path

import feedparser
import pytest

from .helpers import document, write_corpus
from .servers import SERVERS, fetch, gunicorn

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


@pytest.mark.slow
def test_a_host_header_no_uri_can_hold_is_a_400_from_a_real_server(tmp_path: Path) -> None:
    """Hosts a test client cannot even send (an IDNA label that does not decode, raw UTF-8): gunicorn
    hands them to the app, which answers 400, or 200 with the host as sent in ASCII (an A-label:
    `xn--bcher-kva`), never 500."""
    root = write_corpus(tmp_path / "c", {"a.md": document(n=1)})
    with gunicorn(root, env={"FEEDS_BASE_URL": ""}) as server:
        port = int(server.base.rsplit(":", 1)[1])
        for host, status in [
            ("xn--zz", 400),  # incomplete punycode: no A-label (contract)
            ("XN--ZZ.example", 400),
            ("xn--bcher-kva.example", 200),
            ("xn--", 400),
            ("a.xn--", 400),
            ("b\u00fccher.de", 400),
            ('a"b<c', 400),
            ("feeds.example:99999", 400),
        ]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.putrequest("GET", "/all.atom", skip_host=True)
            connection.putheader("Host", host.encode().decode("latin-1"))
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == status, (host, body[:200])
            if status == 200:
                assert f"<id>http://{host.lower()}/all.atom</id>".encode() in body
            else:
                assert body.startswith(b"Bad Request: the Host header is not a host name"), body
