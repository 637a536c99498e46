"""The WSGI fast path (`feeds.fast`) answers repeat requests exactly as Flask would have.

Each request shape is sent to two apps over the same corpus: one with the fast path off (always
Flask), one with it on. The second app's first request teaches the fast path, its second is answered
by it (its hit counter proves which path answered); all three answers must agree in status, headers
and bytes.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from .helpers import AppFactory, answer, document, fast, write_corpus

Headers = dict[str, str]


def exchange(app: Flask, method: str, url: str, headers: Headers) -> TestResponse:
    return app.test_client().open(url, method=method, headers=headers)


REQUESTS: list[tuple[str, str, Headers]] = [
    ("GET", "/all.atom", {}),
    ("GET", "/all.rss", {"Accept-Encoding": "gzip, deflate, br"}),
    ("GET", "/all.json?limit=2&page=2", {}),
    ("GET", "/topics/ai.atom?min_quality=10&utm_source=x", {}),
    ("HEAD", "/topics/ai.rss", {}),
    ("HEAD", "/all.atom", {"Accept-Encoding": "gzip"}),
    ("GET", "/topics/ai", {}),
    ("GET", "/", {"Accept-Encoding": "gzip"}),
    ("GET", "/feeds.opml", {}),
    ("GET", "/providers/news.example.atom", {"If-None-Match": '"not-the-etag"'}),
    ("GET", "/all.atom", {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}),
    ("GET", "/all.atom", {"If-Modified-Since": "Thu, 01 Jan 2099 00:00:00 GMT"}),
    ("GET", "/all.atom", {"If-None-Match": "*"}),
]


@pytest.fixture
def apps(make_app: AppFactory, corpus_dir: Path) -> tuple[Flask, Flask]:
    return make_app(corpus_dir, FAST_PATH=False), make_app(corpus_dir)


@pytest.mark.parametrize(("method", "url", "headers"), REQUESTS)
def test_the_fast_path_answers_as_flask_does(
    apps: tuple[Flask, Flask], method: str, url: str, headers: Headers
) -> None:
    flask_only, with_fast = apps
    expected = answer(exchange(flask_only, method, url, headers))
    assert expected[0] in (200, 304)
    first = answer(exchange(with_fast, method, url, headers))
    hits = fast(with_fast).hits
    second = answer(exchange(with_fast, method, url, headers))
    assert first == expected
    assert second == expected
    recognisable = "If-Modified-Since" not in headers and headers.get("If-None-Match") != "*"
    assert fast(with_fast).hits == hits + recognisable  # the rest is left to Flask
    assert fast(flask_only).hits == 0


@pytest.mark.parametrize("form", ["{}", "W/{}", " {} "])
@pytest.mark.parametrize("url", ["/all.atom", "/topics/ai", "/feeds.opml"])
def test_a_304_from_the_fast_path_matches_flasks(apps: tuple[Flask, Flask], url: str, form: str) -> None:
    flask_only, with_fast = apps
    for encoding in ("", "gzip"):
        etag = exchange(flask_only, "GET", url, {"Accept-Encoding": encoding}).headers["ETag"]
        headers = {"Accept-Encoding": encoding, "If-None-Match": form.format(etag)}
        expected = answer(exchange(flask_only, "GET", url, headers))
        assert expected[0] == 304
        assert expected[2] == b""
        exchange(with_fast, "GET", url, headers)
        hits = fast(with_fast).hits
        assert answer(exchange(with_fast, "GET", url, headers)) == expected
        assert fast(with_fast).hits == hits + 1


def test_gzip_bytes_from_the_fast_path_are_the_feed(apps: tuple[Flask, Flask]) -> None:
    _, with_fast = apps
    plain = exchange(with_fast, "GET", "/all.atom", {}).get_data()
    exchange(with_fast, "GET", "/all.atom", {"Accept-Encoding": "gzip"})
    hits = fast(with_fast).hits
    zipped = exchange(with_fast, "GET", "/all.atom", {"Accept-Encoding": "gzip"})
    assert fast(with_fast).hits == hits + 1
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain


def test_a_corpus_change_is_never_answered_from_an_old_record(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"a.md": document(n=1, title="First version")})
    app = make_app(root)
    client = app.test_client()
    before = client.get("/all.atom")
    assert client.get("/all.atom").get_data() == before.get_data()
    assert fast(app).hits == 1
    write_corpus(root, {"a.md": document(n=1, title="Second version")})
    app.extensions["feeds"].reload()
    after = client.get("/all.atom")
    assert b"Second version" in after.get_data()
    assert after.headers["ETag"] != before.headers["ETag"]
    assert fast(app).hits == 1  # the change went through Flask
    # and the old ETag gets the new feed, not a 304
    conditional = client.get("/all.atom", headers={"If-None-Match": before.headers["ETag"]})
    assert conditional.status_code == 200
    assert b"Second version" in conditional.get_data()


def test_max_age_counts_down_to_a_scheduled_article_on_the_fast_path(
    make_app: AppFactory, tmp_path: Path
) -> None:
    due = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    root = write_corpus(
        tmp_path / "c",
        {"now.md": document(n=1), "later.md": document(n=2, publishedDateTime=due.isoformat())},
    )
    now = [due - dt.timedelta(seconds=100)]
    app = make_app(root, MAX_AGE=300, clock=lambda: now[0])
    client = app.test_client()
    client.get("/all.atom")
    hits = fast(app).hits
    assert "max-age=100," in client.get("/all.atom").headers["Cache-Control"]
    now[0] = due - dt.timedelta(seconds=40)
    assert "max-age=40," in client.get("/all.atom").headers["Cache-Control"]
    assert fast(app).hits == hits + 2
    now[0] = due
    at_due = client.get("/all.atom")  # the scheduled article is in: a new version, through Flask
    assert b"Article number 2" in at_due.get_data()
    assert "max-age=300," in at_due.headers["Cache-Control"]


def test_the_host_is_part_of_the_key_when_no_base_url_is_set(make_app: AppFactory, corpus_dir: Path) -> None:
    app = make_app(corpus_dir, BASE_URL="")
    client = app.test_client()
    for _ in range(2):
        one = client.get("/all.atom", base_url="http://one.example")
        two = client.get("/all.atom", base_url="https://two.example")
        assert b"http://one.example/all.atom" in one.get_data()
        assert b"https://two.example/all.atom" in two.get_data()
        assert b"one.example" not in two.get_data()
    assert fast(app).hits == 2


def test_forwarded_host_behind_a_trusted_proxy_is_part_of_the_key(
    make_app: AppFactory, corpus_dir: Path
) -> None:
    app = make_app(corpus_dir, BASE_URL="", PROXY_HOPS=1)
    client = app.test_client()
    for host in ("a.example", "b.example", "a.example", "b.example"):
        body = client.get("/all.atom", headers={"X-Forwarded-Host": host}).get_data()
        assert f"http://{host}/all.atom".encode() in body
    assert fast(app).hits == 2


def test_the_route_table_is_bounded(apps: tuple[Flask, Flask]) -> None:
    from feeds.fast import MAX_REPLAYS

    _, with_fast = apps
    client = with_fast.test_client()
    for n in range(MAX_REPLAYS + 10):
        assert client.get(f"/all.atom?utm={n}").status_code == 200
    assert len(fast(with_fast).replays) <= MAX_REPLAYS


def test_what_the_fast_path_remembers_does_not_grow_with_corpus_changes(
    make_app: AppFactory, corpus_dir: Path
) -> None:
    """Every change of the corpus makes new ETags, so new header lists. The replays of older versions
    are dead (a request is replayed only for the version it was learnt from): kept, they grew a
    worker by about 1 KB a change, for ever (the soak measured 25% in 90 s of edits)."""
    import tracemalloc

    from feeds import fast as fast_module

    app = make_app(corpus_dir)
    client = app.test_client()
    service = app.extensions["feeds"]

    def change(n: int) -> None:
        write_corpus(corpus_dir, {"one.md": document(n=1, title=f"Edited {n} times", topics=["AI"])})
        service.reload()
        for path in ("/all.atom", "/all.rss", "/topics/ai.atom"):
            for encoding in ("gzip", ""):
                client.get(path, headers={"Accept-Encoding": encoding})  # Flask answers, and teaches
                hits = fast(app).hits
                assert f"Edited {n} times".encode() in gzip_or_plain(
                    client.get(path, headers={"Accept-Encoding": encoding})
                )
                assert fast(app).hits == hits + 1  # the fast path still answers after each change

    def held() -> int:
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, fast_module.__file__)])
        return sum(stat.size for stat in snapshot.statistics("filename"))

    tracemalloc.start()
    try:
        for n in range(20):
            change(n)
        before = held()
        for n in range(20, 220):
            change(n)
        after = held()
    finally:
        tracemalloc.stop()
    assert after - before < 16 * 1024, f"grew {after - before} bytes over 200 changes"


def gzip_or_plain(response: TestResponse) -> bytes:
    body = response.get_data()
    return gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
