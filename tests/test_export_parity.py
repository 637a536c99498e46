"""The server and its static export's nginx answer alike where a request differs in what no path test
covers: how it asks for gzip (any `Accept-Encoding`, through a proxy, over HTTP/1.0), a conditional
date later than the file's, a folder's `index.html` named directly, a page's folder without its final
`/`. And the export's nginx config names any folder (spaces, `;`, braces, quotes, `$`)."""

from __future__ import annotations

import http.client
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.exportfiles import META
from feeds.httppolicy import accepts_gzip

from .helpers import BASE, DEMO
from .servers import nginx_binary
from .test_export import export_nginx, exported  # noqa: F401 (the module's fixture, shared)

pytestmark = pytest.mark.skipif(
    nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)"
)

ENCODING_PIECES = [
    "gzip",
    "GZIP",
    "x-gzip",
    "*",
    "deflate",
    "br",
    "identity",
    ",",
    ", ",
    " ",
    ";",
    "q=0",
    "q=1",
]
ENCODING_PIECES += ["q=0.5", "q=0.000", "q=1.0", "q=1.5", "q=", "q=x", ";q=0", "\t", "gzip;q=0,", "xgzip"]


def get(
    port: int, path: str, headers: dict[str, str], version: str = "HTTP/1.1"
) -> tuple[int, dict[str, str]]:
    """GET `path` with exactly these headers, as HTTP/1.1 or HTTP/1.0: status and headers."""
    lines = [f"GET {path} {version}", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        response = http.client.HTTPResponse(connection)
        response.begin()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}


@pytest.fixture
def both(exported: tuple[Flask, Path, str], tmp_path: Path) -> Iterator[tuple[FlaskClient, int, str]]:  # noqa: F811
    """The server (its test client) and the export's nginx (its port), and a topic with a second page."""
    with export_nginx(exported, tmp_path / "nginx") as (_, port, paged):
        yield exported[0].test_client(), port, paged


def test_any_accept_encoding_gets_the_same_encoding_from_the_server_and_the_export(
    both: tuple[FlaskClient, int, str],
) -> None:
    client, port, _ = both

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.sampled_from(ENCODING_PIECES), max_size=5).map("".join),
        st.sampled_from(["/all.atom", "/feeds.opml.xml", "/"]),
        st.booleans(),
        st.sampled_from(["HTTP/1.1", "HTTP/1.0"]),
    )
    def alike(encoding: str, path: str, via: bool, version: str) -> None:
        headers = {"Accept-Encoding": encoding} | ({"Via": "1.1 cdn.example"} if via else {})
        status, nginx = get(port, path, headers, version)
        served = client.get(path, headers=headers)
        assert status == served.status_code == 200
        sent = nginx.get("content-encoding"), served.headers.get("Content-Encoding")
        assert sent[0] == sent[1], (encoding, via, version, sent)
        served.close()

    alike()


@pytest.mark.parametrize(
    ("value", "gzip"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip;q=0, gzip", False),  # nginx reads the first
        ("deflate, gzip;q=0.001", True),
        ("x-gzip", False),
        ("*", False),
        ("identity", False),
        ("", False),
        (None, False),
        ("gzip;q=1.5", False),
        ("gzip;level=1", False),
        ("*gzipgzip", True),  # nginx searches on just after a `gzip` it passed over
        ("x-gzipgzip", True),
    ],
)
def test_gzip_is_asked_for_as_nginx_reads_accept_encoding(value: str | None, gzip: bool) -> None:
    assert accepts_gzip(value) is gzip


def test_a_later_if_modified_since_a_folders_file_and_a_nul_answer_alike(
    both: tuple[FlaskClient, int, str],
) -> None:
    client, port, paged = both
    later = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    assert get(port, "/all.atom", later)[0] == client.get("/all.atom", headers=later).status_code == 304
    for path, status in [
        ("/index.html", 404),
        (f"/topics/{paged}/index.html", 404),
        (f"/topics/{paged}/page/2/index.html", 404),
        (f"/topics/{paged}/page/2", 200),
        (f"/topics/{paged}/page/2/", 200),
        ("/static/site.css/", 404),
        ("/all.atom%00", 400),
        ("/x%00/../all.atom", 400),
    ]:
        served = client.get(path)
        assert get(port, path, {})[0] == served.status_code == status, path
        served.close()


def test_the_stylesheet_is_headed_alike_by_the_server_and_the_export(
    both: tuple[FlaskClient, int, str],
) -> None:
    """`/static/site.css`: the server's (Flask's) `Cache-Control: no-cache`, not the feeds' max-age."""
    client, port, _ = both
    served = client.get("/static/site.css")
    status, headers = get(port, "/static/site.css", {})
    assert (status, headers.get("cache-control")) == (served.status_code, served.headers.get("Cache-Control"))
    assert headers.get("content-type") == served.headers.get("Content-Type")
    assert headers.get("x-content-type-options") == served.headers.get("X-Content-Type-Options")
    served.close()


@pytest.mark.parametrize("name", ["out sp", "out;x", "out{x}", 'o"q', "o$x", "o$host", "o\\b", "ü t"])
def test_the_exported_nginx_config_serves_a_folder_of_any_name(tmp_path: Path, name: str) -> None:
    out = tmp_path / name / "site"
    environ = {"FEEDS_CONTENT_DIR": str(DEMO), "FEEDS_BASE_URL": BASE, "FEEDS_PARSE_CACHE": "off"}
    environ |= {"FEEDS_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    feeds = str(Path(__import__("sys").executable).parent / "feeds")
    done = subprocess.run(
        [feeds, "export", str(out)], env=environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    from .servers import fetch, free_port, nginx_site

    port = free_port()
    site = (out / META / "nginx.conf").read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};")
    with nginx_site(site, port, tmp_path / "nginx", probe="/") as base:
        got = fetch(base + "/all.atom")
        assert got.status == 200
        assert got.body == (out / "all.atom").read_bytes()


def send(port: int, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """`method path` with no body: status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers={"Connection": "close"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def allowed(value: str | None) -> set[str]:
    return {m.strip() for m in (value or "").split(",") if m.strip()}


@pytest.mark.parametrize("method", ["OPTIONS", "POST", "PUT", "DELETE", "PATCH", "FEEDS"])
def test_other_methods_answer_alike_with_allow(both: tuple[FlaskClient, int, str], method: str) -> None:
    """A URL that exists, asked for by another method than GET or HEAD: `OPTIONS` a 200 with `Allow`,
    any other a 405 with `Allow` (RFC 9110 §15.5.6: it MUST) and the server's one line; from both."""
    client, port, paged = both
    for path in ["/all.atom", f"/topics/{paged}/", f"/topics/{paged}/page/2/", "/", "/feeds.opml.xml"]:
        status, headers, body = send(port, method, path)
        served = client.open(path, method=method)
        assert (status, allowed(headers.get("allow"))) == (
            served.status_code,
            allowed(served.headers.get("Allow")),
        ), (method, path)
        assert status == (200 if method == "OPTIONS" else 405)
        assert allowed(headers.get("allow")) == {"GET", "HEAD", "OPTIONS"}
        if method != "OPTIONS":
            assert body == served.data, (method, path)
            assert headers.get("content-type") == served.headers.get("Content-Type")
        assert headers.get("cache-control") == served.headers.get("Cache-Control"), (method, path)
        served.close()
    for path in ["/nothing.atom", "/all.atom.gz", "/.feeds/manifest"]:  # no such URL: a 404 from both
        assert send(port, "OPTIONS", path)[0] == client.open(path, method="OPTIONS").status_code == 404, path
    # a query the server reads only for GET (a bad or past-the-end page): another method is still a 405
    for query in ["?page=abc", "?page=99", "?page=2", "?PAGE=x"]:
        for path in ["/all.atom", f"/topics/{paged}/"]:
            status, headers, _ = send(port, method, path + query)
            served = client.open(path + query, method=method)
            assert status == served.status_code, (method, path + query)
            assert allowed(headers.get("allow")) == allowed(served.headers.get("Allow")), (
                method,
                path + query,
            )
