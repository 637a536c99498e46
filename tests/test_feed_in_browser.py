"""A feed URL opened in a browser shows a page a person can use; feed readers keep the feed byte for byte.

A browser's top-level navigation sends `Sec-Fetch-Dest: document` (Fetch Metadata); readers never do.
That request gets an HTML page saying what the feed is and how to subscribe; every other request gets
the feed exactly as before, and caches (the fast path, nginx) keep the two apart.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from .helpers import BASE, AppFactory, answer, document, fast, write_corpus
from .servers import Fetched, fetch, gunicorn, nginx, nginx_binary

Headers = dict[str, str]

FEEDS = ["/all.atom", "/topics/ai.rss", "/providers/news.example.json"]
NAVIGATION: Headers = {
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Site": "none",
    "Sec-Fetch-User": "?1",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
}
# What real readers sent to a capturing server (feedparser 6.0.14, reader 3.26, newsboat 2.21), a
# curl-like request, a reader that asks for HTML first, and a browser's fetch() (not a navigation).
READERS: dict[str, Headers] = {
    "feedparser": {
        "User-Agent": "feedparser/6.0.14 +https://github.com/kurtmckee/feedparser/",
        "Accept-Encoding": "gzip, deflate",
        "Accept": "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
        "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1",
        "A-IM": "feed",
    },
    "reader": {
        "User-Agent": "python-reader/3.26 (+https://github.com/lemon24/reader)",
        "Accept-Encoding": "gzip, deflate",
        "Accept": "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
        "application/feed+json,application/xml;q=0.9,application/json;q=0.9,text/xml;q=0.2,*/*;q=0.1",
        "A-IM": "feed",
    },
    "newsboat": {
        "User-Agent": "newsboat/2.21.0 (Linux x86_64)",
        "Accept": "*/*",
        "Accept-Encoding": "gzip, deflate",
    },
    "curl": {"User-Agent": "curl/8.5.0", "Accept": "*/*"},
    "html-first": {"User-Agent": "SomeReader/1.0", "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    "fetch()": {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Accept": "*/*"},
    "iframe": {"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Mode": "navigate", "Accept": "text/html"},
}


def body(response: TestResponse) -> bytes:
    """The response's bytes as the client reads them (gzip undone)."""
    data = response.get_data()
    return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data


def vary(headers: Mapping[str, str]) -> set[str]:
    value = headers.get("Vary", "")
    return {v.strip().lower() for v in str(value).split(",") if v.strip()}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("url", FEEDS)
def test_readers_get_the_feed_byte_for_byte(client: FlaskClient, url: str, reader: str) -> None:
    plain = client.get(url)
    got = client.get(url, headers=READERS[reader])
    assert plain.status_code == got.status_code == 200
    assert body(got) == plain.get_data()
    assert got.headers["Content-Type"] == plain.headers["Content-Type"]
    assert got.headers["Content-Type"] != "text/html; charset=utf-8"
    etag = plain.headers["ETag"]
    assert got.headers["ETag"] in (etag, etag[:-1] + '-gzip"')  # the feed's own, or its gzip variant's
    assert vary(got.headers) == {"accept-encoding", "sec-fetch-dest"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    dest=st.one_of(
        st.none(), st.sampled_from(["empty", "iframe", "image", "script", "Document", "documents"])
    ),
    accept=st.one_of(
        st.none(), st.sampled_from(["text/html", "*/*", "application/atom+xml", "text/html;q=1"])
    ),
)
def test_anything_but_a_navigation_gets_the_feed(
    client: FlaskClient, dest: str | None, accept: str | None
) -> None:
    expected = client.get("/all.atom").get_data()
    headers = {k: v for k, v in (("Sec-Fetch-Dest", dest), ("Accept", accept)) if v is not None}
    assert client.get("/all.atom", headers=headers).get_data() == expected


@pytest.mark.parametrize(
    ("url", "title", "page", "kind"),
    [
        ("/all.atom", "Feeds", f"{BASE}/", "Atom"),
        ("/topics/ai.rss", "AI — Feeds", f"{BASE}/topics/ai/", "RSS"),
        (
            "/providers/news.example.json",
            "Example News — Feeds",
            f"{BASE}/providers/news.example/",
            "JSON Feed",
        ),
    ],
)
def test_a_browser_navigation_gets_a_page_that_says_how_to_subscribe(
    make_app: AppFactory, corpus_dir: Path, url: str, title: str, page: str, kind: str
) -> None:
    app = make_app(corpus_dir, TITLE="Feeds")
    client = app.test_client()
    feed = client.get(url)
    response = client.get(url, headers=NAVIGATION)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert vary(response.headers) == {"accept-encoding", "sec-fetch-dest"}
    assert response.headers["ETag"] != feed.headers["ETag"]
    html = response.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert f"<h1>{title}</h1>" in html
    assert f"{kind} feed" in html
    assert "web feed" in html
    feed_url = BASE + url
    shown = re.sub(r"<[^>]+>", "", html)  # the text a person reads (and copies)
    assert feed_url in shown
    assert f'href="{page}"' in html
    atom = re.sub(r"\.\w+$", ".atom", feed_url)
    for reader in (
        "https://feedly.com/i/subscription/feed%2F",
        "https://www.inoreader.com/?add_feed=",
        "https://www.newsblur.com/?url=",
        "https://theoldreader.com/feeds/subscribe?url=",
    ):
        assert f'href="{reader}{quote(atom, safe="")}"' in html
    # the latest entries, newest first, linked to the articles
    titles = re.findall(r'<h2><a href="https://news\.example/story-\d">([^<]+)</a></h2>', html)
    assert titles
    assert titles == sorted(titles, reverse=True)
    assert "Article number 1" in titles
    assert "A scheduled story" not in html
    assert "A hidden embargoed story" not in html


def test_the_page_is_cached_gzipped_conditional_and_heads(client: FlaskClient) -> None:
    c = client
    first = c.get("/all.atom", headers=NAVIGATION)
    etag = first.headers["ETag"]
    again = c.get("/all.atom", headers={**NAVIGATION, "If-None-Match": etag})
    assert (again.status_code, again.get_data()) == (304, b"")
    assert vary(again.headers) == {"accept-encoding", "sec-fetch-dest"}
    # the feed's ETag does not validate the page, nor the page's the feed
    feed_etag = c.get("/all.atom").headers["ETag"]
    assert c.get("/all.atom", headers={**NAVIGATION, "If-None-Match": feed_etag}).status_code == 200
    assert c.get("/all.atom", headers={"If-None-Match": etag}).status_code == 200
    zipped = c.get("/all.atom", headers={**NAVIGATION, "Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == first.get_data()
    head = c.head("/all.atom", headers=NAVIGATION)
    assert head.headers["ETag"] == etag
    assert head.get_data() == b""


def test_paged_feed_urls_offer_the_first_page_to_subscribe(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {f"{n}.md": document(n=n) for n in range(1, 6)})
    client = make_app(root, FEED_LIMIT=2).test_client()
    for url in ("/all/page/2.atom", "/all.atom?page=2"):
        html = client.get(url, headers=NAVIGATION).get_data(as_text=True)
        assert (
            "<code><span>http://</span><wbr><span>feeds.test/</span><wbr><span>all.atom</span></code>" in html
        )
        assert "Article number 3" in html
        assert "Article number 5" not in html
    html = client.get("/all.rss?min_quality=10", headers=NAVIGATION).get_data(as_text=True)
    assert "all.rss?min_quality=10</span></code>" in html


# --- the fast path replays each variant, never one for the other -------------------------------------


@pytest.mark.parametrize("url", [*FEEDS, "/all/page/2.atom"])
def test_the_fast_path_answers_both_variants_as_flask_does(
    make_app: AppFactory, corpus_dir: Path, url: str
) -> None:
    flask_only, with_fast = (
        make_app(corpus_dir, FAST_PATH=False, FEED_LIMIT=1),
        make_app(corpus_dir, FEED_LIMIT=1),
    )
    variants: list[Headers] = [
        {},
        NAVIGATION,
        {**NAVIGATION, "Accept-Encoding": "gzip"},
        READERS["feedparser"],
    ]
    expected = [answer(flask_only.test_client().get(url, headers=h)) for h in variants]
    assert expected[0][2] != expected[1][2]
    client = with_fast.test_client()
    for _ in range(3):  # the first round teaches the fast path, the next two are answered by it
        for headers, want in zip(variants, expected, strict=True):
            assert answer(client.get(url, headers=headers)) == want
    assert fast(with_fast).hits == 2 * len(variants)
    assert fast(flask_only).hits == 0


# --- nginx with the shipped config keeps one cache entry per variant ---------------------------------


def status(response: Fetched) -> str:
    return response.headers.get("X-Cache-Status", "")


@pytest.mark.slow
@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_nginx_caches_the_page_and_the_feed_apart(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    env = {"FEEDS_PROXY_HOPS": "1", "FEEDS_BASE_URL": ""}
    with gunicorn(corpus, env=env) as app, nginx(app.base, tmp_path / "nginx") as proxy:
        url = f"{proxy}/all.atom"
        feed = [fetch(url, READERS["newsboat"]) for _ in range(2)]
        page = [fetch(url, {**NAVIGATION, "Accept-Encoding": "gzip, deflate"}) for _ in range(2)]
        assert [status(r) for r in feed + page] == ["MISS", "HIT", "MISS", "HIT"]
        assert all(r.headers["Content-Type"].startswith("application/atom+xml") for r in feed)
        assert all(r.headers["Content-Type"].startswith("text/html") for r in page)
        assert feed[1].body == feed[0].body
        assert page[1].body == page[0].body
        assert gzip.decompress(feed[1].body).startswith(b"<?xml")
        assert (
            f"<code><span>http://</span><wbr><span>{proxy.removeprefix('http://')}/</span>".encode()
            in gzip.decompress(page[1].body)
        )
        # the page's ETag does not validate the feed through the cache
        assert fetch(url, {**READERS["newsboat"], "If-None-Match": page[0].headers["ETag"]}).status == 200
        # a fetch() (Sec-Fetch-Dest: empty) shares the feed's entry
        plain = fetch(url)
        other = fetch(url, {"Sec-Fetch-Dest": "empty"})
        assert (status(plain), status(other)) == ("MISS", "HIT")
        assert other.body == plain.body
