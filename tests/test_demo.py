"""The demo corpus that `make run` serves: every case listed in docs/demo-corpus.md holds."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from lxml import etree

from .helpers import DEMO, AppFactory

ATOM = "{http://www.w3.org/2005/Atom}"
TOPICS = ["climate", "culture", "economie", "energy", "health", "sport", "technology", "transport"]
PROVIDERS = [
    "coastline-radio.example",
    "greyhaven-tech.example",
    "harbour-gazette.example",
    "northern-ledger.example",
    "the-metro-wire.example",
    "valley-courier.example",
]


@pytest.fixture
def demo(make_app: AppFactory) -> FlaskClient:
    return make_app(DEMO).test_client()


def every_response(client: FlaskClient) -> str:
    urls = ["/", "/healthz", "/all.atom?limit=500", "/all.rss?limit=500"]
    for slug in TOPICS:
        urls += [f"/topics/{slug}.atom", f"/topics/{slug}.rss", f"/topics/{slug}"]
    for slug in PROVIDERS:
        urls += [f"/providers/{slug}.atom", f"/providers/{slug}.rss", f"/providers/{slug}"]
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.get_data(as_text=True))
    return "\n".join(bodies)


def test_check_summarises_the_demo_corpus(make_app: AppFactory) -> None:
    result = make_app(DEMO).test_cli_runner().invoke(args=["check", str(DEMO)])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "documents: 53, visible: 44, hidden: 8, duplicates: 1, rejected: 0, warnings: 1, unreadable: 0"
    )
    assert (
        "coastal-erosion-map.md: related[1] ('Tide gauge data, 1994-2024'): "
        "webUrl: missing; left out (warning)" in result.output
    )


def test_every_topic_and_provider_feed_exists_and_nothing_else(demo: FlaskClient) -> None:
    home = demo.get("/").get_data(as_text=True)
    assert sorted(set(re.findall(r'/topics/([a-z-]+)\.atom"', home))) == TOPICS
    assert sorted(set(re.findall(r'/providers/([a-z.-]+)\.atom"', home))) == PROVIDERS
    assert "Économie" in home
    assert demo.get("/topics/secret-negotiations.atom").status_code == 404


def test_nothing_unpublished_scheduled_or_secret_is_served(demo: FlaskClient) -> None:
    everything = every_response(demo)
    assert "EMBARGOED" not in everything
    assert "embargoed" not in everything
    assert "SCHEDULED" not in everything
    assert "Secret Negotiations" not in everything
    secrets = [
        line.split('"')[1]
        for p in DEMO.rglob("*.md")
        for line in p.read_text("utf-8").splitlines()
        if line.startswith("secured:")
    ]
    assert len(secrets) == 53
    assert not [s for s in secrets if s[:30] in everything]


def test_the_related_link_to_a_draft_is_dropped_and_the_others_kept(demo: FlaskClient) -> None:
    feed = etree.fromstring(demo.get("/topics/energy.atom").data)
    entry = next(
        e
        for e in feed.iter(f"{ATOM}entry")
        if "harbour-wind-farm-approved" in (e.findtext(f"{ATOM}id") or "")
    )
    related = [link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "related"]
    assert related == [
        "https://www.northern-ledger.example/news/turbines-and-fishing",
        "https://www.valley-courier.example/news/grid-upgrade-delayed",
    ]


def test_duplicate_url_shows_the_update_once(demo: FlaskClient) -> None:
    body = demo.get("/topics/transport.atom").get_data(as_text=True)
    assert body.count("<id>https://www.coastline-radio.example/news/ferry-fares-frozen</id>") == 1
    assert "Ferry fares frozen for residents (updated)" in body


def test_entities_newlines_and_crlf_reach_readers_clean(demo: FlaskClient) -> None:
    feed = etree.fromstring(demo.get("/all.atom?limit=500").data)
    texts = [e.findtext(f"{ATOM}title") or "" for e in feed.iter(f"{ATOM}entry")]
    texts += [e.findtext(f"{ATOM}summary") or "" for e in feed.iter(f"{ATOM}entry")]
    assert len(texts) == 88
    for text in texts:
        assert not re.search(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", text), text
        assert "\n" not in text
    assert "It's the first win for a coastal choir in the competition’s 70-year history." in texts
    assert any(t.startswith("Radio appeal finds 200 volunteer drivers") for t in texts)  # the CRLF file


def test_valley_courier_is_one_provider_under_its_usual_name(demo: FlaskClient) -> None:
    feed = etree.fromstring(demo.get("/providers/valley-courier.example.atom").data)
    names = {e.findtext(f"{ATOM}author/{ATOM}name") for e in feed.iter(f"{ATOM}entry")}
    assert names == {"Valley Courier"}
    assert len(feed.findall(f"{ATOM}entry")) == 8
