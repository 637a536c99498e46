"""The shipped deployment, for real: nginx (deploy/nginx/feeds.conf) caching in front of gunicorn.

Needs nginx from the distribution's packages; `.ci/run` installs it when it is missing.
"""

from __future__ import annotations

import gzip
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import document, write_corpus
from .servers import Fetched, eventually, fetch, gunicorn, nginx, nginx_binary

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)"),
]
MAX_AGE = 2  # seconds: nginx counts expiry in whole seconds, so max-age=1 can expire within a few ms


def status(response: Fetched) -> str:
    return response.headers.get("X-Cache-Status", "")


def from_cache(url: str, headers: dict[str, str] | None = None) -> Fetched:
    """The response nginx answers from its cache (`HIT`), within max-age. nginx moves a new entry into
    its cache after the client has the last byte, so a request in that moment may go upstream once
    more (`MISS`, `EXPIRED`); CI caught both."""
    hits: list[Fetched] = []

    def hit() -> bool:
        response = fetch(url, headers=headers)
        hits[:] = [response]
        return status(response) == "HIT"

    eventually(hit, MAX_AGE - 0.5, f"{url} answered from the cache")
    return hits[0]


def test_nginx_caches_revalidates_and_serves_changes(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    env = {
        "FEEDS_MAX_AGE": str(MAX_AGE),
        "FEEDS_STALE_WHILE_REVALIDATE": "0",
        "FEEDS_PROXY_HOPS": "1",
        "FEEDS_BASE_URL": "",
    }
    with gunicorn(corpus, workers=2, env=env) as app, nginx(app.base, tmp_path / "nginx") as proxy:
        first = fetch(f"{proxy}/all.atom")
        second = from_cache(f"{proxy}/all.atom")
        assert (first.status, status(first)) == (200, "MISS")
        assert second.status == 200
        assert second.body == first.body
        assert second.headers["ETag"] == first.headers["ETag"]
        # absolute URLs come from the proxy's host and port, trusted through FEEDS_PROXY_HOPS=1
        assert f"<id>{proxy}/all.atom</id>".encode() in first.body

        # a conditional request through the proxy ends in 304, answered from the cache
        hit = fetch(f"{proxy}/all.atom", headers={"If-None-Match": first.headers["ETag"]})
        assert (hit.status, hit.body) == (304, b"")

        # the gzip variant is cached beside the plain one, with its own strong ETag
        gzipped = {"Accept-Encoding": "gzip, br"}
        packed = [fetch(f"{proxy}/all.atom", headers=gzipped), from_cache(f"{proxy}/all.atom", gzipped)]
        assert status(packed[0]) == "MISS"
        assert packed[1].headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed[1].body) == first.body
        assert packed[1].headers["ETag"] == first.headers["ETag"][:-1] + '-gzip"'

        # after max-age with nothing changed, nginx revalidates with the app's validators: 304 upstream
        time.sleep(MAX_AGE + 1.1)
        again = fetch(f"{proxy}/all.atom")
        assert (status(again), again.body) == ("REVALIDATED", first.body)

        # content changes, then max-age passes: nginx serves the new bytes
        write_corpus(corpus, {"b.md": document(n=2, title="Fresh news arrives")})  # picked up live
        eventually(
            lambda: b"Fresh news" in fetch(f"{app.base}/all.atom").body, 5, "gunicorn serves the new doc"
        )
        time.sleep(MAX_AGE + 1.1)
        changed = fetch(f"{proxy}/all.atom")
        assert status(changed) == "EXPIRED"
        assert b"Fresh news arrives" in changed.body
        assert changed.headers["ETag"] != first.headers["ETag"]
        assert from_cache(f"{proxy}/all.atom").body == changed.body


def test_unknown_feeds_and_bad_queries_pass_through_uncached(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    with gunicorn(corpus) as app, nginx(app.base, tmp_path / "nginx") as proxy:
        for _ in range(2):
            missing = fetch(f"{proxy}/topics/nothing.atom")
            assert missing.status == 404
            assert status(missing) == "MISS"  # Cache-Control: no-store on errors
            bad = fetch(f"{proxy}/all.atom?limit=zero")
            assert bad.status == 400
            assert b"limit" in bad.body


def test_the_shipped_gunicorn_settings_log_who_polls(tmp_path: Path) -> None:
    """The access log of deploy/gunicorn.conf.py is in the combined format: through nginx, each line
    names the request, its status and the reader's user agent."""
    corpus = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    log = tmp_path / "access.log"
    config = ["-c", "deploy/gunicorn.conf.py"]
    env = {"FEEDS_PROXY_HOPS": "1", "WEB_CONCURRENCY": "1"}
    agent = "Newsboat/2.30 (Linux x86_64)"
    headers = {"User-Agent": agent, "Referer": "https://ref.example/"}
    with (
        gunicorn(corpus, workers=None, env=env, log=log, args=config) as app,
        nginx(app.base, tmp_path / "nginx") as proxy,
    ):
        assert fetch(f"{proxy}/all.atom", headers=headers).status == 200
        eventually(lambda: agent in log.read_text(encoding="utf-8"), 5, "the access log names the reader")
    line = next(line for line in log.read_text(encoding="utf-8").splitlines() if agent in line)
    request = r'"GET /all\.atom HTTP/1\.1" 200 \d+ "https://ref\.example/" "Newsboat/2\.30 \(Linux x86_64\)"'
    assert re.fullmatch(r"\S+ - - \[[^\]]+\] " + request, line), line


COMMON = ["gzip", "GZIP", "gzip, deflate, br", "br", "", "identity", "*", "x-gzip", "gzip;q=0"]
ODD = ["gzip; q=0.000", "gzip;q=0, gzip", "deflate, gzip;q=0.5", "gzip;q=abc", "xgzip, gzip", "*gzipgzip"]
PARTS = ["gzip", "x-gzip", "br", "*", "identity", ";q=0", ";q=1", ";q=0.5", ", ", " "]
ENCODINGS = st.one_of(
    st.sampled_from([*COMMON, *ODD]), st.lists(st.sampled_from(PARTS), max_size=5).map("".join)
)
DESTS = st.sampled_from(["", "document", "DOCUMENT", "Document", "empty", "iframe", " document"])


def test_through_the_shipped_proxy_each_request_gets_the_encoding_and_page_the_app_gives_it(
    tmp_path: Path,
) -> None:
    """Any Accept-Encoding and Sec-Fetch-Dest, asked through deploy/nginx/feeds.conf (twice: the second
    from its cache) and of the app itself: the same status, Content-Encoding and body. Before, the
    proxy took any value holding `gzip` for gzip (`gzip;q=0`, `x-gzip` got gzip) and matched
    `document` in any case (`DOCUMENT` got the HTML page), and cached that for the next client."""
    corpus = write_corpus(tmp_path / "content", {"a.md": document(n=1)})
    env = {"FEEDS_PROXY_HOPS": "1", "FEEDS_BASE_URL": "https://feeds.example"}
    with gunicorn(corpus, workers=1, env=env) as app, nginx(app.base, tmp_path / "nginx") as proxy:

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(encoding=ENCODINGS, dest=DESTS, path=st.sampled_from(["/all.atom", "/topics/ai.rss", "/"]))
        def same(encoding: str, dest: str, path: str) -> None:
            headers = {"Accept-Encoding": encoding, **({"Sec-Fetch-Dest": dest} if dest else {})}
            direct = fetch(f"{app.base}{path}", headers=headers)
            for _ in range(2):
                proxied = fetch(f"{proxy}{path}", headers=headers)
                assert proxied.status == direct.status
                assert proxied.headers.get("Content-Encoding") == direct.headers.get("Content-Encoding"), (
                    headers
                )
                assert proxied.body == direct.body, headers

        same()
