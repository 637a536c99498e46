"""`flask --app feeds export OUTDIR`: every file byte for byte what the server answers, served by nginx
with the generated config, and rewritten only when its bytes change."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from feeds import representation
from feeds.exportfiles import META

from .helpers import BASE, DEMO, AppFactory, document, write_corpus
from .servers import BIN, fetch, nginx_binary, nginx_site

LIMIT = 6  # small pages, so every feed of the demo corpus has several


def url_of(rel: str) -> str:
    """The URL path an exported file answers (the inverse of the export's layout): a feed's file is
    its URL; `X/index.html` is the HTML page `/X`, and page N > 1 of it `/X/page/N/`."""
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        folder = rel.removesuffix("/index.html")
        return f"/{folder}/" if "/page/" in folder else f"/{folder}"
    return "/" + rel


def answer(client: FlaskClient, path: str, query: str = "", gzipped: bool = False) -> TestResponse:
    """The server's response, read and closed (static files come as open file wrappers)."""
    response = client.get(path, query_string=query, headers={"Accept-Encoding": "gzip" if gzipped else ""})
    response.get_data()
    response.close()
    return response


@pytest.fixture(scope="module")
def exported() -> tuple[Flask, Path, str]:
    from feeds import create_app

    app = create_app(
        {"TESTING": True, "CONTENT_DIR": str(DEMO), "BASE_URL": BASE, "WATCH": "off", "PARSE_CACHE": "off"}
        | {"FEED_LIMIT": LIMIT}
    )
    out = Path(tempfile.mkdtemp()) / "site"
    result = app.test_cli_runner().invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    yield app, out, result.output
    shutil.rmtree(out.parent)


def test_every_exported_file_is_what_the_server_answers(exported: tuple[Flask, Path, str]) -> None:
    app, out, output = exported
    client = app.test_client()
    names = [line.split("\t")[0] for line in (out / META / "manifest").read_text().splitlines()]
    assert f"{len(names)} files" in output
    feeds = [n for n in names if n.endswith((".atom", ".rss", ".json"))]
    assert "all/page/2.atom" in feeds  # paging is exported, by path
    assert {"index.html", "feeds.opml", "feeds.opml.xml", "all.atom", "static/site.css"} <= set(names)
    for name in names:
        zipped = name.endswith(".gz")
        path = url_of(name.removesuffix(".gz"))
        response = answer(client, path, "", zipped)
        assert response.status_code == 200, name
        assert (out / name).read_bytes() == response.get_data(), name
        if zipped:
            assert gzip.decompress((out / name).read_bytes()) == (out / name.removesuffix(".gz")).read_bytes()
    # every feed a reader can reach from the site is in the export: each topic and provider, each page
    home = answer(client, "/").get_data(as_text=True)
    for rel in feeds:
        if "/page/" not in rel and rel.endswith(".atom") and rel != "all.atom":
            assert f"/{rel}" in home, rel


def counting(render: Callable[..., bytes], calls: list[str]) -> Callable[..., bytes]:
    def wrapped(*args: object) -> bytes:
        calls.append("render")
        return render(*args)

    return wrapped


def test_a_second_export_rewrites_only_what_changed(
    tmp_path: Path, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_corpus(
        tmp_path / "c",
        {
            "a.md": document(n=1, topics=["AI"]),
            "b.md": document(n=2, topics=["Robotics"], title="Robots"),
        },
    )
    out = tmp_path / "site"
    app = make_app(root)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["export", str(out)])
    assert first.exit_code == 0, first.output
    assert "0 unchanged" in first.output
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    renders: list[str] = []
    for fmt, render in list(representation.RENDERERS.items()):
        monkeypatch.setitem(representation.RENDERERS, fmt, counting(render, renders))
    again = make_app(root).test_cli_runner().invoke(args=["export", str(out)])
    assert " 0 written" in again.output
    assert renders == []  # nothing changed: the manifest's ETags said so without rendering
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes

    assert renders == []
    write_corpus(root, {"b.md": document(n=2, topics=["Robotics"], title="Robots, corrected")})
    (root / "a.md").unlink()  # the AI topic is gone: its files go too
    third = make_app(root).test_cli_runner().invoke(args=["export", str(out)])
    assert third.exit_code == 0, third.output
    assert not (out / "topics" / "ai.atom").exists()
    assert not (out / "topics" / "ai").exists()  # its page's folder too, left empty
    assert b"Robots, corrected" in (out / "topics" / "robotics.atom").read_bytes()
    assert (out / "static" / "site.css").stat().st_mtime_ns == mtimes[out / "static" / "site.css"]
    assert " 0 removed" not in third.output
    assert 0 < len(renders) < 20  # only the feeds the edit touched were rendered


def test_export_needs_a_base_url(tmp_path: Path, make_app: AppFactory) -> None:
    app = make_app(write_corpus(tmp_path / "c", {"a.md": document(n=1)}), BASE_URL="")
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "site")])
    assert result.exit_code != 0
    assert "FEEDS_BASE_URL" in result.output
    ok = app.test_cli_runner().invoke(
        args=["export", str(tmp_path / "site"), "--base-url", "https://x.example/"]
    )
    assert ok.exit_code == 0, ok.output
    assert b"https://x.example/all.atom" in (tmp_path / "site" / "all.atom").read_bytes()


def test_the_exported_nginx_config_sends_the_servers_cache_control(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_corpus(tmp_path / "c", {"a.md": document(n=1)})
    settings = {
        "FEEDS_CONTENT_DIR": str(root),
        "FEEDS_BASE_URL": BASE,
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_WATCH": "off",
        "FEEDS_MAX_AGE": "42",
        "FEEDS_STALE_WHILE_REVALIDATE": "7",
    }
    out = tmp_path / "site"
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "feeds", "export", str(out)],
        cwd=tmp_path,
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    from feeds import create_app

    served = create_app().test_client().get("/all.atom").headers["Cache-Control"]
    assert served == "public, max-age=42, stale-while-revalidate=7"
    conf = (out / META / "nginx.conf").read_text()
    assert re.findall(r'add_header Cache-Control "([^"]*)"', conf) == [served, "no-cache"]  # feeds, /static/


@pytest.mark.slow
@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_nginx_serves_the_export_as_the_server_does(
    exported: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    app, out, _ = exported
    client = app.test_client()
    conf = (out / META / "nginx.conf").read_text()
    from .servers import free_port

    port = free_port()
    site = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    with nginx_site(site, port, tmp_path / "nginx", probe="/") as base:
        topic = next(p.parent.name for p in sorted((out / "topics").glob("*/index.html")))
        paged = next(p.parents[2].name for p in sorted((out / "topics").glob("*/page/2/index.html")))
        for path, query in [
            ("/", ""),
            ("/feeds.opml", ""),
            ("/feeds.opml.xml", ""),
            ("/all.atom", ""),
            ("/all.atom", "page=2"),
            ("/all/page/2.atom", ""),
            ("/all.json", "page=3"),
            (f"/topics/{topic}", ""),
            (f"/topics/{topic}/", ""),
            (f"/topics/{topic}.rss", ""),
            (f"/topics/{paged}", "page=2"),
            (f"/topics/{paged}/page/2/", ""),
            (f"/topics/{paged}.rss", "page=2"),
            ("/static/site.css", ""),
        ]:
            url = f"{base}{path}?{query}" if query else f"{base}{path}"
            expected = answer(client, path, query)
            got = fetch(url)
            assert got.status == 200, url
            assert got.body == expected.get_data(), url
            assert got.headers["Content-Type"].replace(" ", "") == expected.content_type.replace(" ", "")
            again = fetch(url, {"If-None-Match": got.headers["ETag"]})
            assert again.status == 304
            if path.startswith("/static/"):  # Flask sends its stylesheet uncompressed, with no-cache
                continue
            assert got.headers["Cache-Control"] == expected.headers["Cache-Control"]
            zipped = fetch(url, {"Accept-Encoding": "gzip"})
            assert zipped.headers["Content-Encoding"] == "gzip"
            assert zipped.body == answer(client, path, query, gzipped=True).get_data()
            assert "Accept-Encoding" in zipped.headers["Vary"]
        for hidden in (f"/{META}/manifest", f"/{META}/nginx.conf", "/_pages/2/all.atom", "/nope.atom"):
            assert fetch(base + hidden).status == 404, hidden
        # pages as the server reads them: leading zeros and a plus sign are fine, past the end is a
        # 404, anything that is not a whole number a 400
        for query, status in [("page=02", 200), ("page=+2", 200), ("page=1", 200), ("page=999", 404)]:
            assert (
                fetch(f"{base}/all.atom?{query}").status
                == status
                == answer(client, "/all.atom", query).status_code
            )
        assert fetch(f"{base}/all.atom?page=002").body == answer(client, "/all.atom", "page=2").get_data()
        for query in ("page=abc", "page=0", "page=-1", "page=1.5"):
            assert (
                fetch(f"{base}/all.atom?{query}").status
                == 400
                == answer(client, "/all.atom", query).status_code
            )


def nginx_unquoted(text: str) -> str:
    """The value of an nginx double-quoted string's contents (its escapes: `\\n`, `\\t`, `\\"`, `\\\\`)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), text)


def test_the_exported_nginx_config_answers_a_bad_page_as_the_server_does(
    tmp_path: Path, make_app: AppFactory
) -> None:
    app = make_app(write_corpus(tmp_path / "c", {"a.md": document(n=1)}))
    out = tmp_path / "site"
    assert app.test_cli_runner().invoke(args=["export", str(out)]).exit_code == 0
    served = app.test_client().get("/all.atom?page=x")
    assert served.status_code == 400
    conf = (out / META / "nginx.conf").read_text()
    (body,) = re.findall(r'return 400 "((?:[^"\\]|\\.)*)";', conf, re.DOTALL)
    assert nginx_unquoted(body) == served.get_data(as_text=True)
    controls = set(re.findall(r"add_header Cache-Control (\S+) always;", conf))
    assert controls - {"$feeds_method_cache"} == {served.headers["Cache-Control"]}
    assert f'default "{served.headers["Cache-Control"]}";' in conf  # a 405's, by a variable (OPTIONS: none)


@pytest.mark.slow
@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_nginx_answers_a_bad_page_with_the_servers_bytes(tmp_path: Path, make_app: AppFactory) -> None:
    from .servers import free_port

    app = make_app(write_corpus(tmp_path / "c", {"a.md": document(n=1)}))
    out = tmp_path / "site"
    assert app.test_cli_runner().invoke(args=["export", str(out)]).exit_code == 0
    port = free_port()
    site = (out / META / "nginx.conf").read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};")
    with nginx_site(site, port, tmp_path / "nginx", probe="/") as base:
        got = fetch(f"{base}/all.atom?page=x")
    served = app.test_client().get("/all.atom?page=x")
    assert got.status == served.status_code == 400
    assert got.body == served.get_data()
    assert got.headers["Cache-Control"] == served.headers["Cache-Control"]


@contextlib.contextmanager
def export_nginx(exported: tuple[Flask, Path, str], workdir: Path) -> Iterator[tuple[str, int, str]]:
    """nginx serving the `exported` folder with its own `.feeds/nginx.conf` on a free loopback port:
    (base URL, port, the slug of a topic with a second page)."""
    from .servers import free_port

    _, out, _ = exported
    port = free_port()
    site = (out / META / "nginx.conf").read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};")
    paged = next(p.parents[2].name for p in sorted((out / "topics").glob("*/page/2/index.html")))
    with nginx_site(site, port, workdir, probe="/") as base:
        yield base, port, paged


# Pieces of query strings that name a page, or nearly: the argument's name in other cases and near
# misses, percent escapes, signs, zeros, numbers around every bound, separators nginx does not split on.
PAGE_NAMES = ["page", "PAGE", "Page", "pAgE", "xpage", "pages", "page%5B%5D", "p%61ge", "", "x"]
PAGE_VALUES = ["", "+", "-", "0", "00", "1", "2", "3", "9", "10", "%32", "%2B", "+2", ".", "e", "x", "="]
PAGE_VALUES += ["999999999", "1000000000", "1000000001", "9999999999", "10000000000", "1" + "0" * 30]
SEPARATORS = ["&", ";", "&&"]


def page_queries() -> st.SearchStrategy[str]:
    argument = st.builds(
        lambda name, equals, parts: f"{name}{equals}{''.join(parts)}",
        st.sampled_from(PAGE_NAMES),
        st.sampled_from(["=", "", "=="]),
        st.lists(st.sampled_from(PAGE_VALUES), max_size=3),
    )
    return st.builds(
        lambda arguments, separators: "".join(a + s for a, s in zip(arguments, separators, strict=False)),
        st.lists(argument, min_size=1, max_size=3),
        st.lists(st.sampled_from(SEPARATORS), min_size=3, max_size=3),
    )


@pytest.mark.slow
@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)")
def test_any_page_query_answers_alike_from_the_server_and_the_exported_nginx(
    exported: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    """`?page=` spelt any way (a name in another case, a second `page`, escapes, zeros, a sign, a
    number past every bound) gets the same status, and the same bytes, from both."""
    client = exported[0].test_client()
    with export_nginx(exported, tmp_path / "nginx") as (base, _, paged):
        paths = ["/all.atom", "/all.json", f"/topics/{paged}/", f"/topics/{paged}.rss", f"/topics/{paged}"]
        # and URLs that do not read ?page= (it is ignored there), or that name no file
        paths += ["/all/page/2.atom", f"/topics/{paged}/page/2/", "/feeds.opml", "/feeds.opml.xml", "/"]
        paths += ["/static/site.css", "/all.atom.gz", "/nope.atom", "/topics/nope/"]

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
        @given(query=page_queries(), path=st.sampled_from(paths))
        def alike(query: str, path: str) -> None:
            got = fetch(f"{base}{path}?{query}")
            served = answer(client, path, query)
            assert got.status == served.status_code, (path, query)
            assert got.status in (200, 400, 404), (path, query)
            if got.status == 404:  # one plain line, worded by reason on the server, in general by nginx
                assert got.body.startswith(b"Not Found: "), (path, query)
                assert served.get_data().startswith(b"Not Found: "), (path, query)
            elif not path.startswith("/static/"):  # Flask sends its stylesheet with its own headers
                assert got.body == served.get_data(), (path, query)
            if got.status != 200:
                assert got.headers["Content-Type"] == served.headers["Content-Type"], (path, query)
                assert got.headers["Cache-Control"] == served.headers["Cache-Control"], (path, query)

        alike()
        for query, status in [("page=1" + "0" * 30, 404), ("PAGE=2", 200), ("page=2&page=x", 200)]:
            served = answer(client, "/all.atom", query).status_code
            assert fetch(f"{base}/all.atom?{query}").status == status == served, query


def path_spellings(path: str) -> st.SearchStrategy[str]:
    """`path` spelt another way a client may send it: runs of `/`, `.` and `x/..` segments, characters
    percent-encoded (`%2E`, `%2F`, `%61`), and a `..` that climbs above the root."""
    segments = path.split("/")[1:]

    def spelt(extras: list[tuple[int, str]], encode: list[int]) -> str:
        parts = list(segments)
        for at, extra in sorted(extras, reverse=True):
            parts.insert(at % (len(parts) + 1), extra)
        text = "/" + "/".join(parts)
        for at in sorted(set(encode), reverse=True):
            i = 1 + at % (len(text) - 1) if len(text) > 1 else 0  # never the first `/`: origin form
            if i and text[i] in "./a":
                text = text[:i] + f"%{ord(text[i]):02X}" + text[i + 1 :]
        return text

    extra = st.sampled_from(["", ".", "x/..", "..", "./.", "zz/./.."])
    return st.builds(
        spelt,
        st.lists(st.tuples(st.integers(0, 9), extra), max_size=3),
        st.lists(st.integers(0, 60), max_size=3),
    )


@pytest.mark.slow
@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx-light)")
def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """GET `path` from 127.0.0.1:`port` as written (no client rewrites `//x` or `..`)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def as_sent(client: FlaskClient, path: str) -> TestResponse:
    """The server's answer to `path` as a WSGI server hands it over: `PATH_INFO` percent-decoded, as
    written otherwise (the test client would read `//x` as a host)."""
    response = client.get("/", environ_overrides={"PATH_INFO": unquote(path), "REQUEST_URI": path})
    response.get_data()
    response.close()
    return response


def test_any_spelling_of_a_path_answers_alike_from_the_server_and_the_exported_nginx(
    exported: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    """`//all.atom`, `/topics//x.atom`, `/topics/./x/`, `/x/../all.rss`, `/all%2Eatom`: the server reads
    a path as nginx does, so both give the same status, and the same bytes when they serve one."""
    client = exported[0].test_client()
    with export_nginx(exported, tmp_path / "nginx") as (_, port, paged):
        paths = ["/all.atom", "/all/page/2.json", f"/topics/{paged}/", f"/topics/{paged}.rss"]
        paths += ["/feeds.opml.xml", "/"]

        @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.sampled_from(paths).flatmap(path_spellings))
        def alike(path: str) -> None:
            status, body = raw_get(port, path)
            served = as_sent(client, path)
            assert status == served.status_code, path
            if status == 200:
                assert body == served.get_data(), path

        alike()
        for path, status in [
            ("//all.atom", 200),
            ("/topics//x/../" + paged + ".rss", 200),
            ("/../all.atom", 400),
        ]:
            assert raw_get(port, path)[0] == status == as_sent(client, path).status_code, path


def test_each_entry_is_rendered_once_per_format_however_many_feeds_and_processes_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every article is in the feed of all and in each of its topics' and its provider's feeds, and
    two processes share the pages: each entry is still rendered once per format in the whole export
    (the pages of the feed of all first, then handed to the processes that make the rest); each
    article's item of an HTML page at most once per process."""
    from feeds import create_app
    from feeds.render import html, jsonfeed, syndication

    log = tmp_path / "rendered"

    Render = Callable[..., object]

    def logged(kind: str, render: Render, rendered: Render) -> Render:
        def wrapped(*args: object, **kwargs: object) -> object:
            with log.open("a") as sink:  # each process appends whole lines
                for article in rendered(*args, **kwargs):  # type: ignore[attr-defined]
                    sink.write(f"{kind}\t{os.getpid()}\t{article.url}\n")
            return render(*args, **kwargs)

        return wrapped

    def entries(meta: object, articles: object, entries: object) -> object:
        return entries

    monkeypatch.setattr(syndication, "_atom", logged("atom", syndication._atom, entries))
    monkeypatch.setattr(syndication, "_rss", logged("rss", syndication._rss, entries))
    monkeypatch.setattr(jsonfeed, "_item", logged("json", jsonfeed._item, lambda meta, a: [a]))
    template = html._env.get_template("article.html")
    monkeypatch.setattr(template, "render", logged("html", template.render, lambda a: [a]))
    settings_ = {"TESTING": True, "CONTENT_DIR": str(DEMO), "BASE_URL": BASE, "WATCH": "off"}
    app = create_app(settings_ | {"PARSE_CACHE": "off", "FEED_LIMIT": 2, "PARSE_PROCESSES": 2})
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    shown = {a.url for a in app.extensions["feeds"].index().articles}
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    assert len({pid for _, pid, _ in lines}) > 1  # the work was shared out
    for kind in ("atom", "rss", "json"):
        urls = [url for k, _, url in lines if k == kind]
        assert sorted(urls) == sorted(shown), kind  # every entry, each once
    items = [(pid, url) for k, pid, url in lines if k == "html"]
    assert len(items) == len(set(items))  # no process rendered an item twice
    assert {url for _, url in items} <= shown  # an article with neither topic nor provider has no page
