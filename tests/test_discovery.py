"""Discovery: RFC 5005 paging in every format, JSON Feed 1.1, and OPML for one-click subscription."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from lxml import etree

from .helpers import BASE, DEMO, AppFactory

A = "{http://www.w3.org/2005/Atom}"
VISIBLE = 44  # the demo corpus (docs/demo-corpus.md)


@pytest.fixture
def demo(make_app: AppFactory) -> FlaskClient:
    return make_app(DEMO).test_client()


def local(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(client: FlaskClient, first: str, fmt: str) -> tuple[list[str], int]:
    """Follow `next` from the first page to the end: every entry id seen, and the number of pages."""
    ids: list[str] = []
    url: str | None = first
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        pages += 1
        if fmt == "json":
            feed = json.loads(response.data)
            ids += [item["id"] for item in feed["items"]]
            url = local(feed["next_url"]) if "next_url" in feed else None
            continue
        root = etree.fromstring(response.data)
        ids += [e.findtext(f"{A}id") or "" for e in root.iter(f"{A}entry")]
        ids += [i.findtext("guid") or "" for i in root.iter("item")]
        nexts = [x.get("href") for x in root.iter(f"{A}link") if x.get("rel") == "next"]
        url = local(nexts[0]) if nexts else None
    return ids, pages


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_walking_the_pages_collects_every_visible_article_once(demo: FlaskClient, fmt: str) -> None:
    ids, pages = walk(demo, f"/all.{fmt}?limit=5", fmt)
    assert pages == 9  # 44 articles, 5 a page
    assert len(ids) == VISIBLE
    assert len(set(ids)) == VISIBLE
    everything = json.loads(demo.get("/all.json?limit=500").data)["items"]
    assert ids == [item["id"] for item in everything]  # the same order as one long page


def test_atom_pages_link_first_previous_next_last_and_themselves(demo: FlaskClient) -> None:
    root = etree.fromstring(demo.get("/topics/economie.atom?limit=4&page=2").data)
    links = {x.get("rel"): x.get("href") for x in root.findall(f"{A}link")}
    feed = f"{BASE}/topics/economie.atom"
    assert links == {
        "self": f"{feed}?limit=4&page=2",
        "alternate": f"{BASE}/topics/economie/",
        "first": f"{feed}?limit=4",
        "previous": f"{feed}?limit=4",
        "next": f"{feed}?limit=4&page=3",
        "last": f"{feed}?limit=4&page=3",  # 12 articles about Économie
    }
    assert root.findtext(f"{A}id") == feed  # one logical feed: every page has the feed's id


def test_a_single_page_feed_has_no_paging_links(demo: FlaskClient) -> None:
    root = etree.fromstring(demo.get("/providers/greyhaven-tech.example.atom").data)
    assert {x.get("rel") for x in root.findall(f"{A}link")} == {"self", "alternate"}


@pytest.mark.parametrize(("query", "status"), [("page=10&limit=5", 404), ("page=0", 400), ("page=two", 400)])
def test_pages_past_the_end_and_bad_page_numbers(demo: FlaskClient, query: str, status: int) -> None:
    response = demo.get(f"/all.rss?{query}")
    assert response.status_code == status
    assert response.mimetype == "text/plain"


def test_each_page_has_its_own_validators(demo: FlaskClient) -> None:
    one, two = demo.get("/all.atom?limit=5"), demo.get("/all.atom?limit=5&page=2")
    assert one.headers["ETag"] != two.headers["ETag"]
    assert one.last_modified is not None
    assert two.last_modified is not None
    assert two.last_modified == one.last_modified  # when the feed last changed: every page with it
    again = demo.get("/all.atom?page=2&limit=5", headers={"If-None-Match": two.headers["ETag"]})
    assert again.status_code == 304


# --- JSON Feed 1.1 ---------------------------------------------------------------------------------------


def test_json_feed_has_the_required_fields_of_version_1_1(demo: FlaskClient) -> None:
    response = demo.get("/topics/energy.json")
    assert response.headers["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(response.data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"]
    assert feed["feed_url"] == f"{BASE}/topics/energy.json"
    assert feed["home_page_url"] == f"{BASE}/topics/energy/"
    assert len(feed["items"]) == 8
    for item in feed["items"]:
        assert isinstance(item["id"], str)
        assert item["id"]
        assert item["url"].startswith("https://")
        assert item.get("content_html") or item.get("content_text")
        assert dt.datetime.fromisoformat(item["date_published"]).tzinfo is not None
        assert all(isinstance(a["name"], str) for a in item.get("authors", []))
        assert all(k.startswith("_") or k in JSON_ITEM_KEYS for k in item)


JSON_ITEM_KEYS = {
    "id",
    "url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "date_published",
    "authors",
    "author",
    "tags",
}


def test_json_feed_carries_image_and_related_articles(demo: FlaskClient) -> None:
    feed = json.loads(demo.get("/topics/energy.json").data)
    wind = next(i for i in feed["items"] if i["id"].endswith("/harbour-wind-farm-approved"))
    assert wind["image"] == "https://img.harbour-gazette.example/2025/03/harbour-wind-farm-approved.jpg"
    assert wind["tags"] == ["Energy", "Climate"]
    assert wind["_related"] == [  # the link to the unpublished draft is not there
        {
            "url": "https://www.northern-ledger.example/news/turbines-and-fishing",
            "title": "What the Greyhaven turbines mean for local fishing",
            "provider": "Northern Ledger",
            "date_published": "2025-03-15T07:00:00+00:00",
        },
        {
            "url": "https://www.valley-courier.example/news/grid-upgrade-delayed",
            "title": "Grid upgrade delayed by a year as transformer orders back up",
            "provider": "Valley Courier",
            "date_published": "2025-04-02T11:15:00+00:00",
        },
    ]


# --- OPML --------------------------------------------------------------------------------------------------


def test_opml_lists_every_feed_grouped(demo: FlaskClient) -> None:
    response = demo.get("/feeds.opml")
    assert response.headers["Content-Type"] == "text/x-opml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Feeds: every feed"
    groups = root.findall("body/outline")
    assert [g.get("text") for g in groups] == ["All articles", "Topics", "Providers"]
    assert [len(g) for g in groups] == [1, 8, 6]
    for feed in root.iter("outline"):
        if feed.get("xmlUrl") is None:
            continue
        assert feed.get("type") == "rss"
        assert feed.get("text")
        assert feed.get("title") == feed.get("text")
        assert demo.get(local(feed.get("xmlUrl") or "")).status_code == 200
        assert demo.get(local(feed.get("htmlUrl") or "")).status_code == 200
    assert b"Secret Negotiations" not in response.data
    assert b"EMBARGOED" not in response.data


def test_opml_has_validators(demo: FlaskClient) -> None:
    first = demo.get("/feeds.opml")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert demo.get("/feeds.opml", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
