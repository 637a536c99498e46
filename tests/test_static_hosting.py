"""A static export works on any static host, by path alone: served by `python3 -m http.server`, every
link of every exported file (HTML, Atom, RSS, JSON Feed, OPML) answers 200 directly (no redirect:
object stores and page hosts without a website mode do not redirect `/topics/ai` to its folder) with
a media type readers know, every exported file gets the right media type from its name, and walking
`next` from the first page of every feed ends, visiting each page once and every entry of the feed
exactly once."""

from __future__ import annotations

import contextlib
import http.server
import json
import mimetypes
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree, html

from feeds import create_app
from feeds.export import META

from .helpers import DEMO, document, write_corpus
from .servers import free_port, running

A = "{http://www.w3.org/2005/Atom}"
# What common hosts send for each file name ending (Python's mimetypes with the system's table, as
# http.server uses it; nginx's mime.types): `.rss` is application/x-rss+xml in the former.
MEDIA_TYPES = {
    ".atom": {"application/atom+xml"},
    ".rss": {"application/rss+xml", "application/x-rss+xml"},
    ".json": {"application/json", "application/feed+json"},
    ".xml": {"application/xml", "text/xml"},
    ".css": {"text/css"},
    "": {"text/html"},  # an HTML page: a folder's index.html
}
FEED_LIMIT = 4  # entries a page, so that feeds have several pages
ARTICLES = 23  # in the generated corpus: 6 pages of 4 (the last of 3) for every article


@dataclass
class Got:
    url: str
    status: int
    media: str  # Content-Type without parameters
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # the 3xx itself is the answer


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(url: str) -> Got:
    """GET `url` without following redirects: an object store or a page host without a website mode
    answers a folder's URL without its final `/` with 404, where http.server answers 301."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            media = response.headers.get_content_type()
            return Got(url, response.status, media, response.read())
    except urllib.error.HTTPError as error:
        return Got(url, error.code, "", error.read())


def kind(url: str) -> str:
    """'.atom', '.rss', '.json', '.xml' (the OPML), '.css', or '' (an HTML page) by the URL's path."""
    return PurePosixPath(urlsplit(url).path).suffix if not url.endswith("/") else ""


def links(got: Got) -> list[str]:
    """Every URL a client may follow from this response: `href`s and `src`s of HTML; Atom links and
    author URIs; RSS `<link>`, `atom:link` and `<source url>`; JSON Feed URLs; OPML `xmlUrl`/`htmlUrl`."""
    ending = kind(got.url)
    if ending == "":
        doc = html.fromstring(got.body)
        return [v for e in doc.iter() for v in (e.get("href"), e.get("src")) if v]
    if ending == ".json":
        return list(json_urls(json.loads(got.body)))
    if ending == ".css":
        return []
    root = etree.fromstring(got.body)
    found = [e.get("href", "") for e in root.iter(f"{A}link")]
    found += [e.text or "" for e in root.iter(f"{A}uri", "link")]
    found += [e.get("url", "") for e in root.iter("source")]
    found += [e.get(name, "") for e in root.iter("outline") for name in ("xmlUrl", "htmlUrl")]
    return [url for url in found if url]


def json_urls(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("home_page_url", "feed_url", "next_url", "url", "external_url"):
                yield item
            else:
                yield from json_urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_urls(item)


def entries_and_next(got: Got) -> tuple[list[str], str | None]:
    """The entries of one page (ids of a feed, article links of an HTML page) and its `next` page."""
    ending = kind(got.url)
    if ending == ".json":
        feed = json.loads(got.body)
        return [item["id"] for item in feed["items"]], feed.get("next_url")
    if ending == "":
        doc = html.fromstring(got.body)
        following = [str(a.get("href")) for a in doc.iterfind(".//nav[@class='pages']/a[@rel='next']")]
        articles = [str(a.get("href")) for a in doc.iterfind(".//ol[@class='articles']/li/h2/a")]
        return articles, (following[0] if following else None)
    root = etree.fromstring(got.body)
    ids = [e.text or "" for e in root.iter(f"{A}id" if ending == ".atom" else "guid")]
    if ending == ".atom":
        ids = ids[1:]  # the first is the feed's own
    following = [str(e.get("href")) for e in root.iter(f"{A}link") if e.get("rel") == "next"]
    return ids, (following[0] if following else None)


@contextlib.contextmanager
def http_server(folder: Path, port: int) -> Iterator[str]:
    """`python3 -m http.server` serving `folder` on 127.0.0.1:`port`, stopped by PID."""
    base = f"http://127.0.0.1:{port}"
    with running(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], f"{base}/", cwd=folder
    ):
        yield base


def export(content: Path, out: Path, base: str) -> Flask:
    settings = {"TESTING": True, "CONTENT_DIR": str(content), "BASE_URL": base, "WATCH": "off"}
    app = create_app(settings | {"PARSE_CACHE": "off", "FEED_LIMIT": FEED_LIMIT})
    result = app.test_cli_runner().invoke(args=["export", str(out)])
    assert result.exit_code == 0, result.output
    return app


def crawl(base: str, limit: int = 5000) -> dict[str, Got]:
    """Every same-site URL reachable from `/` (fragments dropped), with its response."""
    seen: dict[str, Got] = {}
    queue = [f"{base}/"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        assert len(seen) < limit, "the crawl does not end"
        got = seen[url] = get(url)
        assert got.status == 200, (url, got.status)
        for link in links(got):
            target = urldefrag(link).url
            if target == base or target.startswith(f"{base}/"):
                assert "?" not in target, f"{url} links {target}: not a file on a static host"
                queue.append(target)
    return seen


def exported_urls(out: Path, base: str) -> set[str]:
    """The URL of every file the export made, as a static host serves it (gzip variants aside)."""
    urls = set()
    for line in (out / META / "manifest").read_text(encoding="utf-8").splitlines():
        name = line.split("\t")[0]
        if not name.endswith(".gz"):
            urls.add(f"{base}/{name.removesuffix('index.html')}")
    return urls


def plain_host_type(name: str) -> str:
    """The Content-Type `python3 -m http.server` sends for a file `name`: its own table of compressed
    endings, then Python's `mimetypes` (with the system's tables), else application/octet-stream."""
    ending = PurePosixPath(name).suffix
    table = http.server.SimpleHTTPRequestHandler.extensions_map
    return table.get(ending) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def right_types(body: bytes) -> set[str]:
    """The media types that are right for a file with these bytes, from the bytes alone."""
    if body.startswith(b"\x1f\x8b"):
        return {"application/gzip", "application/x-gzip"}
    text = body.lstrip()
    if text[:15].lower() == b"<!doctype html>":
        return {"text/html"}
    if text.startswith(b"{"):
        assert json.loads(body)["version"].startswith("https://jsonfeed.org/")
        return {"application/feed+json", "application/json"}
    if text.startswith(b"<?xml"):
        root = etree.fromstring(body).tag
        return {
            f"{A}feed": {"application/atom+xml"},
            "rss": {"application/rss+xml", "application/x-rss+xml"},
            "opml": {"text/x-opml", "application/xml", "text/xml"},
        }[root]
    assert re.match(rb"/\*|[a-z:.*@]", text), body[:40]  # the stylesheet
    return {"text/css"}


def nginx_types(out: Path) -> dict[str, str]:
    """{file name ending ('.opml'): media type} of the `types` block of the export's nginx config."""
    conf = (out / META / "nginx.conf").read_text(encoding="utf-8")
    block = conf.split("types {", 1)[1].split("}", 1)[0]
    found = {}
    for line in block.strip().splitlines():
        media, *endings = line.strip().rstrip(";").split()
        found.update({f".{ending}": media for ending in endings})
    return found


def check_media_types(out: Path, linked: set[str]) -> set[str]:
    """Every file of the export (its `.feeds/` folder aside, which the nginx config hides) gets the
    right media type for its bytes from Python's `mimetypes`, as http.server and many hosts serve it;
    or no exported file links it and the shipped nginx config gives it the right type. The names of
    the latter."""
    for_nginx = set()
    for file in out.rglob("*"):
        name = file.relative_to(out).as_posix()
        if file.is_dir() or name.startswith(f"{META}/"):
            continue
        right = right_types(file.read_bytes())
        if plain_host_type(name) not in right:
            assert name.removesuffix("index.html") not in linked, (
                f"{name}: linked, but sent as {plain_host_type(name)}"
            )
            assert nginx_types(out).get(PurePosixPath(name).suffix) in right, name
            for_nginx.add(name)
    return for_nginx


def walk(first: str, pages: dict[str, Got]) -> tuple[list[str], list[str]]:
    """Follow `next` from `first` to the end: the pages visited and the entries seen, in order."""
    visited: list[str] = []
    entries: list[str] = []
    url: str | None = first
    while url is not None:
        got = pages[url] if url in pages else get(url)
        assert got.status == 200, url
        assert got.url not in visited, f"{got.url} again after {visited}: the walk loops"
        assert len(visited) < 100
        visited.append(got.url)
        found, url = entries_and_next(got)
        entries += found
    return visited, entries


def first_pages(site: dict[str, Got], base: str) -> dict[str, str]:
    """{first page URL: the feed's path ('all', 'topics/ai')} for every feed format and HTML page."""
    firsts = {}
    for got in site.values():
        path = urlsplit(got.url).path.strip("/")
        if "/page/" in path or path in ("", "feeds.opml.xml") or path.startswith("static/"):
            continue
        firsts[got.url] = path.removesuffix(kind(got.url))
    return firsts


def check_site(out: Path, base: str) -> tuple[dict[str, Got], dict[str, list[str]]]:
    """Crawl the served export: every link 200 with its expected media type, every exported file
    reached; walk every feed. {first page URL: its entries over all pages}."""
    site = crawl(base)
    for url, got in site.items():
        assert got.media in MEDIA_TYPES[kind(got.url)], (url, got.media)
    for_nginx = check_media_types(out, {url.removeprefix(f"{base}/") for url in site})
    assert for_nginx == {"feeds.opml"}  # /feeds.opml behind nginx; the pages link /feeds.opml.xml
    assert exported_urls(out, base) - {f"{base}/feeds.opml"} <= set(site)
    walked = {}
    for first, path in first_pages(site, base).items():
        visited, entries = walk(first, site)
        assert len(entries) == len(set(entries)), f"{first}: an entry twice"
        walked[first] = entries
        assert len(visited) == -(-len(entries) // FEED_LIMIT), (first, path)
    return site, walked


def generated(n: int) -> dict[str, Any]:
    topics = ["AI"] + (["Robotics"] if n % 2 else []) + (["Économie"] if n % 3 == 0 else [])
    provider = {"name": "Example News", "domain": "news.example"}
    if n % 2 == 0:
        provider = {"name": "BBC", "domain": "www.bbc.co.uk"}
    return document(n=n, topics=topics, provider=provider)


def expected(path: str) -> list[str]:
    """The article URLs of a feed of the generated corpus, newest first (later n: later date)."""
    feeds: dict[str, Callable[[int], bool]] = {
        "all": lambda n: True,
        "topics/ai": lambda n: True,
        "topics/robotics": lambda n: n % 2 == 1,
        "topics/economie": lambda n: n % 3 == 0,
        "providers/news.example": lambda n: n % 2 == 1,
        "providers/bbc.co.uk": lambda n: n % 2 == 0,
    }
    return [f"https://news.example/story-{n}" for n in range(ARTICLES, 0, -1) if feeds[path](n)]


@pytest.mark.slow
def test_a_generated_corpus_served_by_a_plain_static_server(tmp_path: Path) -> None:
    content = write_corpus(tmp_path / "c", {f"{n:02d}.md": generated(n) for n in range(1, ARTICLES + 1)})
    port = free_port()
    out = tmp_path / "site"
    export(content, out, f"http://127.0.0.1:{port}")
    with http_server(out, port) as base:
        site, walked = check_site(out, base)
        firsts = first_pages(site, base)
        feeds = {"all", "topics/ai", "topics/robotics", "topics/economie", "providers/news.example"}
        assert set(firsts.values()) == feeds | {"providers/bbc.co.uk"}
        for first, path in firsts.items():
            assert walked[first] == expected(path), first
        assert len([u for u, p in firsts.items() if p == "all"]) == 3  # the home page is not paged
        assert len([u for u, p in firsts.items() if p == "topics/ai"]) == 4  # Atom, RSS, JSON, HTML
        assert f"{base}/topics/ai/" in site  # the folder itself: no redirect
        assert f"{base}/topics/ai" not in site


@pytest.mark.slow
def test_the_demo_corpus_served_by_a_plain_static_server(tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "site"
    app = export(DEMO, out, f"http://127.0.0.1:{port}")
    client = app.test_client()
    with http_server(out, port) as base:
        site, walked = check_site(out, base)
        assert len(site) > 100
        for first, path in first_pages(site, base).items():
            ending = kind(first)
            if ending == "":  # an HTML page: the same articles as its Atom feed
                one_page = client.get(f"/{path}.atom", query_string={"limit": 500})
                got = Got(f"{base}/{path}.atom", 200, "", one_page.get_data())
            else:  # the whole feed as one long page, from the server
                one_page = client.get(f"/{path}{ending}", query_string={"limit": 500})
                got = Got(first, 200, "", one_page.get_data())
            everything, more = entries_and_next(got)
            assert more is None
            assert walked[first] == everything, first
        assert len(walked[f"{base}/all.atom"]) == 44  # the demo corpus's visible articles


@pytest.fixture
def live(tmp_path: Path) -> Flask:
    content = write_corpus(tmp_path / "c", {f"{n:02d}.md": generated(n) for n in range(1, ARTICLES + 1)})
    settings = {"TESTING": True, "CONTENT_DIR": str(content), "BASE_URL": "http://feeds.test"}
    return create_app(settings | {"WATCH": "off", "PARSE_CACHE": "off", "FEED_LIMIT": FEED_LIMIT})


def atom_links(body: bytes) -> dict[str, str]:
    return {str(e.get("rel")): str(e.get("href")) for e in etree.fromstring(body).iter(f"{A}link")}


def test_the_server_pages_by_path_as_the_export_does(live: Flask) -> None:
    client = live.test_client()
    first = atom_links(client.get("/topics/robotics.atom").data)  # 12 articles: 3 pages of 4
    assert first["self"] == "http://feeds.test/topics/robotics.atom"
    assert first["next"] == "http://feeds.test/topics/robotics/page/2.atom"
    assert first["last"] == "http://feeds.test/topics/robotics/page/3.atom"
    by_path = client.get("/topics/robotics/page/2.atom")
    assert by_path.status_code == 200
    assert by_path.data == client.get("/topics/robotics.atom?page=2").data  # one representation, two URLs
    second = atom_links(by_path.data)
    assert second["self"] == "http://feeds.test/topics/robotics/page/2.atom"
    assert second["previous"] == second["first"] == "http://feeds.test/topics/robotics.atom"
    assert "next" not in atom_links(client.get("/topics/robotics/page/3.atom").data)  # paging ends
    feed = json.loads(client.get("/all/page/5.json").data)
    assert feed["next_url"] == "http://feeds.test/all/page/6.json"
    assert "next_url" not in json.loads(client.get("/all/page/6.json").data)
    page = html.fromstring(client.get("/providers/bbc.co.uk/page/2/").data)
    assert [a.get("href") for a in page.iterfind(".//nav[@class='pages']/a")] == [
        "http://feeds.test/providers/bbc.co.uk/",
        "http://feeds.test/providers/bbc.co.uk/page/3/",
    ]
    assert client.get("/providers/bbc.co.uk/").data == client.get("/providers/bbc.co.uk").data
    assert client.get("/feeds.opml.xml").data == client.get("/feeds.opml").data


@pytest.mark.parametrize(
    "url",
    [
        "/all/page/1.atom",  # page 1 is /all.atom
        "/all/page/02.atom",
        "/all/page/+2.atom",
        "/all/page/7.atom",  # past the last page
        "/all/page/2.xml",
        "/topics/robotics/page/4/",
        "/topics/nope/page/2.rss",
        "/all/page/99999999999999999999.json",
    ],
)
def test_a_page_path_with_no_file_in_the_export_is_not_found(live: Flask, url: str) -> None:
    response = live.test_client().get(url)
    assert response.status_code == 404
    assert response.content_type == "text/plain; charset=utf-8"


def test_other_queries_keep_query_string_links(live: Flask) -> None:
    links = atom_links(live.test_client().get("/all.atom?limit=10&page=2").data)
    assert links["self"] == "http://feeds.test/all.atom?limit=10&page=2"
    assert links["next"] == "http://feeds.test/all.atom?limit=10&page=3"
    assert "next" not in atom_links(live.test_client().get("/all.atom?limit=10&page=3").data)
    filtered = atom_links(live.test_client().get("/all.atom?min_heat=1").data)
    assert filtered["next"] == "http://feeds.test/all.atom?min_heat=1&page=2"


def page_links(client: FlaskClient) -> set[str]:
    """Every link to a topic's or provider's HTML page: the home page's rows, the feeds' `alternate`
    (Atom), `<link>` (RSS) and `home_page_url` (JSON Feed), the OPML's `htmlUrl`, the paging links of
    the pages, and the preview a browser gets for a feed URL."""
    found = set()
    home = html.fromstring(client.get("/").data)
    found |= {str(a.get("href")) for a in home.iterfind(".//table[@class='groups']/tbody/tr/th/a")}
    for path in ("topics/robotics", "providers/bbc.co.uk"):
        feed = etree.fromstring(client.get(f"/{path}.atom").data)
        found |= {str(e.get("href")) for e in feed.findall(f"{A}link") if e.get("rel") == "alternate"}
        found.add(etree.fromstring(client.get(f"/{path}.rss").data).findtext("channel/link") or "")
        found.add(json.loads(client.get(f"/{path}.json").data)["home_page_url"])
        preview = html.fromstring(client.get(f"/{path}.atom", headers={"Sec-Fetch-Dest": "document"}).data)
        found |= {str(a) for a in preview.xpath(".//p[starts-with(., 'Prefer a web page')]/a/@href")}
        for n in (1, 2, 3):
            doc = html.fromstring(client.get(f"/{path}/" if n == 1 else f"/{path}/page/{n}/").data)
            found |= {str(a.get("href")) for a in doc.iterfind(".//nav[@class='pages']/a")}
    opml = etree.fromstring(client.get("/feeds.opml.xml").data)
    found |= {str(e.get("htmlUrl")) for e in opml.iter("outline") if e.get("htmlUrl")}
    return found - {"http://feeds.test/"}


def test_every_link_to_a_page_is_its_folder_and_the_old_address_still_answers(live: Flask) -> None:
    client = live.test_client()
    found = page_links(client)
    pages = {f"http://feeds.test/{p}/" for p in ("topics/ai", "topics/robotics", "topics/economie")}
    pages |= {f"http://feeds.test/providers/{p}/" for p in ("news.example", "bbc.co.uk")}
    later = {f"http://feeds.test/{p}/page/{n}/" for p, n in (("topics/robotics", 2), ("topics/robotics", 3))}
    later |= {f"http://feeds.test/providers/bbc.co.uk/page/{n}/" for n in (2, 3)}  # 11 articles, 4 a page
    assert found == pages | later
    for url in sorted(pages):
        folder = client.get(url.removeprefix("http://feeds.test"))
        assert folder.status_code == 200, url
        old = client.get(url.removeprefix("http://feeds.test").rstrip("/"))  # links made before
        assert (old.status_code, old.data) == (200, folder.data), url
    filtered = html.fromstring(client.get("/topics/ai/?limit=10").data)
    hrefs = [a.get("href") for a in filtered.iterfind(".//nav[@class='pages']/a")]
    assert hrefs == ["http://feeds.test/topics/ai/?limit=10&page=2"]
