"""HTTP dates have one-second resolution (RFC 9110 §5.6.7): a client that sends back the
`Last-Modified` it was given, as `If-Modified-Since`, gets a `304` even when the newest article's
date has fractional seconds."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from .helpers import AppFactory, document, write_corpus

ATOM = "{http://www.w3.org/2005/Atom}"
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seconds=st.integers(0, 86_400 * 30),
    fraction=st.sampled_from(["5", "25", "999999", "000001", "5000001"]),
    zone=st.sampled_from(["Z", "+02:00", "-05:30"]),
)
def test_a_date_with_fractional_seconds_is_read_to_the_second(
    make_app: AppFactory, tmp_path_factory: pytest.TempPathFactory, seconds: int, fraction: str, zone: str
) -> None:
    """`publishedDateTime: 2024-07-01T08:30:00.5Z` on its first sighting: the entry's `updated` is its
    `published`, not a second before it; the feed's `updated` is its `Last-Modified`; JSON Feed gives
    no `date_modified` (the entry never changed)."""
    root = tmp_path_factory.mktemp("content")
    moment = dt.datetime(2024, 7, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    written = moment.strftime("%Y-%m-%dT%H:%M:%S") + "." + fraction + zone
    write_corpus(root, {"a.md": document(n=1, publishedDateTime=written)})
    client = make_app(root, DATA_DIR=str(root.parent / f"{root.name}-memory")).test_client()
    atom = client.get("/all.atom")
    feed = etree.fromstring(atom.data)
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    published = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published") or "")
    updated = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
    assert published.microsecond == 0
    assert updated == published
    assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated") or "") == parsedate_to_datetime(
        atom.headers["Last-Modified"]
    )
    item = client.get("/all.json").get_json()["items"][0]
    assert "date_modified" not in item
    assert dt.datetime.fromisoformat(item["date_published"]) == published
