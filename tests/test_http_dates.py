"""HTTP dates have one-second resolution (RFC 9110 §5.6.7): a client that sends back the
`Last-Modified` it was given, as `If-Modified-Since`, gets a `304` even when the newest article's
date has fractional seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from .helpers import AppFactory, document, write_corpus

NEWEST = "2025-03-14T09:30:00.250Z"
LAST_MODIFIED = "Fri, 14 Mar 2025 09:30:00 GMT"  # NEWEST, in whole seconds
SECOND_EARLIER = "Fri, 14 Mar 2025 09:29:59 GMT"
URLS = [
    "/all.atom",
    "/all.rss",
    "/all.json",
    "/topics/ai.atom",
    "/providers/news.example.rss",
    "/",
    "/topics/ai",
    "/feeds.opml",
]


@pytest.fixture
def client(make_app: AppFactory, tmp_path: Path) -> FlaskClient:
    root = write_corpus(
        tmp_path,
        {
            "older.md": document(n=1, publishedDateTime="2025-03-13T08:00:00.999Z"),
            "newest.md": document(n=2, publishedDateTime=NEWEST),
        },
    )
    return make_app(root).test_client()


@pytest.mark.parametrize("url", URLS)
def test_the_last_modified_received_back_as_if_modified_since_gets_304(client: FlaskClient, url: str) -> None:
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Last-Modified"] == LAST_MODIFIED
    for _ in range(2):  # again, once the fast path has seen the URL
        again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert again.status_code == 304
        assert again.data == b""


@pytest.mark.parametrize("url", URLS)
def test_a_date_one_second_earlier_gets_the_feed(client: FlaskClient, url: str) -> None:
    first = client.get(url)
    response = client.get(url, headers={"If-Modified-Since": SECOND_EARLIER})
    assert response.status_code == 200
    assert response.data == first.data
    assert response.headers["Last-Modified"] == LAST_MODIFIED
