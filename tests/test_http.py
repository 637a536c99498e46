"""What a feed reader, a script or a cache sees over HTTP (through the Flask test client)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from .helpers import BASE, AppFactory, document, write_corpus

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ["/all.atom", "/all.rss", "/topics/ai.atom", "/topics/economie.rss", "/providers/other.example.atom"]


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_answer_with_the_contract_content_type(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    kind = "atom" if url.endswith(".atom") else "rss"
    assert response.headers["Content-Type"] == f"application/{kind}+xml; charset=utf-8"
    etree.fromstring(response.data)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("/topics/no-such-topic.atom", "no topic 'no-such-topic'"),
        ("/providers/nowhere.example.rss", "no provider 'nowhere.example'"),
        ("/topics/ai.xml", "no topic 'ai.xml'"),
        ("/all.xml", "Unknown feed format 'xml'"),
        ("/elsewhere", "Not Found"),
        ("/topics/a-hidden-embargoed-story.atom", "no topic"),
    ],
)
def test_unknown_feeds_are_a_short_plain_404(client: FlaskClient, url: str, says: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert says in response.get_data(as_text=True)
    assert len(response.data) < 300


def test_a_feed_only_hidden_documents_would_fill_does_not_exist(make_app: AppFactory, tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path,
        {
            "a.md": document(n=1),
            "b.md": document(
                n=2, published=False, topics=["Secret Plans"], provider={"domain": "leak.example"}
            ),
        },
    )
    with make_app(corpus).test_client() as c:
        assert c.get("/topics/secret-plans.atom").status_code == 404
        assert c.get("/providers/leak.example.rss").status_code == 404
        home = c.get("/").get_data(as_text=True)
        assert "Secret Plans" not in home
        assert "leak.example" not in home


def test_other_methods_get_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/all.atom")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize(
    "url",
    [
        "/topics/%00.atom",
        "/topics/%ZZ.atom",
        "/providers/" + "x" * 10_000 + ".rss",
        "/topics/..%2F..%2Fetc.atom",
    ],
)
def test_hostile_urls_get_a_4xx_never_a_500(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert 400 <= response.status_code < 500
    assert b"Traceback" not in response.data


# --- validators and caching headers -------------------------------------------------------------------


def test_feed_has_strong_etag_last_modified_and_cache_headers(client: FlaskClient) -> None:
    response = client.get("/all.atom")
    etag, weak = response.get_etag()
    assert etag
    assert not weak
    newest = etree.fromstring(response.data).findtext(f"{ATOM}updated")
    assert response.last_modified == dt.datetime.fromisoformat(newest)
    assert response.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=60"
    assert "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize("form", ['"{}"', 'W/"{}"', '"nope", "{}"', "*"])
def test_if_none_match_gives_304_without_a_body(client: FlaskClient, form: str) -> None:
    etag = client.get("/all.rss").get_etag()[0]
    response = client.get("/all.rss", headers={"If-None-Match": form.format(etag)})
    assert response.status_code == 304
    assert response.data == b""


def test_if_modified_since_gives_304_and_an_older_date_gives_the_feed(client: FlaskClient) -> None:
    last = client.get("/all.atom").headers["Last-Modified"]
    assert client.get("/all.atom", headers={"If-Modified-Since": last}).status_code == 304
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/all.atom", headers={"If-Modified-Since": older}).status_code == 200


def test_head_answers_the_get_headers_without_a_body(client: FlaskClient) -> None:
    get, head = client.get("/topics/ai.atom"), client.head("/topics/ai.atom")
    assert head.status_code == 200
    assert head.data == b""
    for name in ("ETag", "Last-Modified", "Content-Type", "Content-Length", "Cache-Control"):
        assert head.headers[name] == get.headers[name]


def test_max_age_comes_from_settings(make_app: AppFactory, corpus_dir: Path) -> None:
    with make_app(corpus_dir, MAX_AGE=42).test_client() as c:
        assert c.get("/all.atom").headers["Cache-Control"] == "public, max-age=42, stale-while-revalidate=42"


# --- determinism and base URL --------------------------------------------------------------------------


def test_the_same_corpus_gives_byte_identical_feeds_across_requests_and_restarts(
    make_app: AppFactory, corpus_dir: Path
) -> None:
    first, second = make_app(corpus_dir).test_client(), make_app(corpus_dir).test_client()
    for url in FEEDS:
        a, b, c = first.get(url), first.get(url), second.get(url)
        assert a.data == b.data == c.data
        assert a.headers["ETag"] == c.headers["ETag"]


def test_absolute_urls_follow_the_request_host_when_no_base_url_is_set(
    make_app: AppFactory, corpus_dir: Path
) -> None:
    with make_app(corpus_dir, BASE_URL="").test_client() as c:
        feed = etree.fromstring(c.get("/all.atom", base_url="https://mirror.example:8443").data)
    assert feed.findtext(f"{ATOM}id") == "https://mirror.example:8443/all.atom"


def test_configured_base_url_wins_over_the_request_host(client: FlaskClient) -> None:
    feed = etree.fromstring(client.get("/all.atom", base_url="http://internal:9999").data)
    assert feed.findtext(f"{ATOM}id") == f"{BASE}/all.atom"


# --- scheduling without a restart ------------------------------------------------------------------------


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_scheduled_article_appears_at_its_time_without_reload(make_app: AppFactory, tmp_path: Path) -> None:
    due = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    corpus = write_corpus(
        tmp_path, {"now.md": document(n=1), "later.md": document(n=2, publishedDateTime=due)}
    )
    clock = Clock(due - dt.timedelta(seconds=1))
    app = make_app(corpus, clock=clock)
    with app.test_client() as c:
        before = c.get("/all.atom")
        assert b"story-2" not in before.data
        clock.now = due
        after = c.get("/all.atom")
        assert b"https://news.example/story-2" in after.data
        assert after.headers["ETag"] != before.headers["ETag"]
        assert c.get("/all.atom", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


# --- health and the index page -----------------------------------------------------------------------------


def test_healthz_counts_only_visible_things(client: FlaskClient) -> None:
    body = client.get("/healthz").get_json()
    assert body["ok"] is True
    assert (body["articles"], body["topics"], body["providers"], body["rejected"]) == (3, 3, 2, 0)
    dt.datetime.fromisoformat(body["loaded_at"])
    raw = client.get("/healthz").get_data(as_text=True)
    assert "hidden" not in raw
    assert "scheduled" not in raw


def test_index_page_links_every_feed_with_autodiscovery(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    discovery = '<link rel="alternate" type="application/atom+xml" title="Feeds: all articles (Atom)"'
    assert f'{discovery} href="{BASE}/all.atom">' in page
    for path in ("topics/ai", "topics/computer-vision", "topics/economie", "providers/news.example"):
        assert f'href="{BASE}/{path}.atom"' in page
        assert f'href="{BASE}/{path}.rss"' in page
    assert "Économie" in page
    assert "embargoed" not in page


def test_topic_page_lists_its_articles(client: FlaskClient) -> None:
    response = client.get("/topics/computer-vision")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "https://news.example/story-1" in page
    assert "https://news.example/story-2" not in page


def test_the_core_never_imports_flask() -> None:
    code = (
        "import sys, feeds.parse, feeds.corpus, feeds.index, feeds.render, feeds.service;"
        "print('flask' in sys.modules or 'werkzeug' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
