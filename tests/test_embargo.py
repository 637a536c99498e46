"""Embargoed articles never leak (issue 10 §2): every way a hidden document could still show, tried.

A document is hidden by `published: false` in any spelling, by a `published` value that is neither
clearly true nor clearly false, by a near miss of the `published` key with a false-like value, by a
duplicate key anywhere in its front matter, or by a future `publishedDateTime`. Whatever the cause,
its title appears in no response, and a related link to its URL, in any spelling of that URL, is
left out. An article is never listed as related to itself. The expectations are written out here,
from the rules, never computed by the code under test.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from .helpers import BASE, AppFactory, document, write_corpus

A = "{http://www.w3.org/2005/Atom}"

HIDDEN_URL = "https://news.example.org/sport/stadium-sale"
HIDDEN_TITLE = "Stadium sale agreed EMBARGOED Q7X"
HIDDEN_TOPIC, HIDDEN_TOPIC_SLUG = "Embargoed Desk", "embargoed-desk"
HIDDEN_PROVIDER = "embargo-wire.example"
HIDDEN_FILE = "desk/embargoed-stadium.md"
# Words that exist in the corpus only because of the hidden document.
HIDDEN_TRACES = (HIDDEN_TITLE, HIDDEN_TOPIC, "Embargo Wire", HIDDEN_PROVIDER, "embargoed-stadium")

LINKER_TITLE = "Council approves harbour plan"  # a visible article that links to the hidden one
CONTROL = {"title": "Control coverage elsewhere", "webUrl": "https://elsewhere.example/control"}


# --- building corpora -----------------------------------------------------------------------------


def hidden_text(*extra: str, head: Iterable[str] = (), url: str = HIDDEN_URL, date: str | None = None) -> str:
    """The hidden document as file text. `head` lines come first (line 2 on), `extra` lines last.

    Line numbers with no `head`: 1 `---`, 2 title, 3 publishedDateTime, 4 webUrl, 5 provider,
    6 topics, 7 on: `extra`.
    """
    lines = [
        "---",
        *head,
        f'title: "{HIDDEN_TITLE}"',
        f"publishedDateTime: {date or '2024-03-01T09:00:00Z'}",
        f'webUrl: "{url}"',
        f"provider: {{name: Embargo Wire, domain: {HIDDEN_PROVIDER}}}",
        f"topics: [{HIDDEN_TOPIC}]",
        *extra,
        "---",
        "",
    ]
    return "\n".join(lines)


def linker(*urls: str, title: str = HIDDEN_TITLE, **fields: Any) -> dict[str, Any]:
    """A visible document whose related list holds `urls` (titled `title`) and the control link."""
    related = [{"title": title, "webUrl": u, "provider": {"name": "Another Paper"}} for u in urls]
    return document(n=1, title=LINKER_TITLE, topics=["Sport"], related=[*related, CONTROL], **fields)


@dataclass
class Site:
    root: Path
    app: Flask
    client: FlaskClient


SiteFactory = Callable[[dict[str, Any]], Site]


def aged(root: Path) -> Path:
    """Date the files under `root` a minute ago: a rejected file is then read once, not again and
    again for half a second as one that may still be being written."""
    a_minute_ago = time.time() - 60
    for path in root.rglob("*.md"):
        os.utime(path, (a_minute_ago, a_minute_ago))
    return root


@pytest.fixture
def site(tmp_path: Path, make_app: AppFactory) -> SiteFactory:
    """`site({name: document or text})`: the corpus on disk and an app (with a test client) over it."""

    def build(docs: dict[str, Any]) -> Site:
        root = aged(write_corpus(tmp_path / "content", docs))
        app = make_app(root)
        return Site(root, app, app.test_client())

    return build


# --- reading every response -----------------------------------------------------------------------


@dataclass
class Fetched:
    url: str
    status: int
    text: str  # the body as sent, its entity-decoded form, its JSON-decoded form, and the headers


def readable(body: bytes, content_type: str, headers: str) -> str:
    """Everything a reader could decode from a response: raw text, XML/HTML entities decoded (twice:
    Atom carries HTML escaped inside XML), JSON strings decoded, and the headers."""
    text = body.decode("utf-8")
    parts = [text, html.unescape(text), html.unescape(html.unescape(text)), headers]
    if "json" in content_type and text.strip():
        parts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return "\n".join(parts)


def fetch(client: FlaskClient, url: str) -> Fetched:
    response = client.get(url)
    assert response.status_code < 500, url
    return Fetched(
        url, response.status_code, readable(response.data, response.content_type, str(response.headers))
    )


def site_path(url: str) -> str:
    assert url.startswith(BASE), url
    return url[len(BASE) :] or "/"


def every_response(client: FlaskClient, missing: Iterable[str] = ()) -> list[Fetched]:
    """Every response the service gives for this corpus: the index, the all-articles feeds, every feed
    the OPML lists in all three formats and its HTML page, the OPML, /healthz; and `missing` URLs,
    which must answer 404."""
    urls = ["/", "/all.atom", "/all.rss", "/all.json", "/all.atom?limit=500", "/feeds.opml", "/healthz"]
    outline = etree.fromstring(client.get("/feeds.opml").data)
    for node in outline.iter("outline"):
        if node.get("xmlUrl"):
            stem = site_path(node.get("xmlUrl", "")).rsplit(".", 1)[0]
            urls += [f"{stem}.atom", f"{stem}.rss", f"{stem}.json"]
        if node.get("htmlUrl"):
            urls.append(site_path(node.get("htmlUrl", "")))
    fetched = [fetch(client, url) for url in dict.fromkeys(urls)]
    for got in fetched:
        assert got.status == 200, got.url
    for url in missing:
        got = fetch(client, url)
        assert got.status == 404, url
        fetched.append(got)
    return fetched


def forms(secret: str) -> set[str]:
    """A string as it could appear in XML, HTML, JSON or a URL."""
    return {
        secret,
        html.escape(secret),
        json.dumps(secret)[1:-1],
        "".join(c if c.isascii() else f"&#{ord(c)};" for c in secret),
        "".join(c if c.isascii() else f"&#x{ord(c):x};" for c in secret),
        "".join(c if c.isascii() else f"&#x{ord(c):X};" for c in secret),
        urllib.parse.quote(secret),
    }


def assert_absent(fetched: Iterable[Fetched], *secrets: str) -> None:
    for got in fetched:
        for secret in secrets:
            for form in forms(secret):
                assert form not in got.text, f"{form!r} in {got.url}"


def hidden_missing() -> list[str]:
    """The feeds the hidden document would make: they must not exist."""
    urls = []
    for stem in (f"/topics/{HIDDEN_TOPIC_SLUG}", f"/providers/{HIDDEN_PROVIDER}"):
        urls += [f"{stem}.atom", f"{stem}.rss", f"{stem}.json", stem]
    return urls


def all_related(client: FlaskClient) -> dict[str, dict[str, list[str]]]:
    """Each entry's title → the titles of its related articles, per format (Atom, RSS, JSON Feed)."""
    atom = etree.fromstring(client.get("/all.atom?limit=500").data)
    rss = etree.fromstring(client.get("/all.rss?limit=500").data)
    items = json.loads(client.get("/all.json?limit=500").data)["items"]
    found: dict[str, dict[str, list[str]]] = {}

    def related(links: Iterable[etree._Element]) -> list[str]:
        return [link.get("title") or "" for link in links if link.get("rel") == "related"]

    for entry in atom.iter(f"{A}entry"):
        found.setdefault(entry.findtext(f"{A}title") or "", {})["atom"] = related(entry.iter(f"{A}link"))
    for item in rss.iter("item"):
        found.setdefault(item.findtext("title") or "", {})["rss"] = related(item.iter(f"{A}link"))
    for jitem in items:
        found.setdefault(jitem["title"], {})["json"] = [r["title"] for r in jitem.get("_related", [])]
    return found


def related_titles(client: FlaskClient, title: str) -> dict[str, list[str]]:
    """The titles of the related articles of the entry called `title`, per format."""
    return all_related(client)[title]


def feed_titles(client: FlaskClient) -> list[str]:
    atom = etree.fromstring(client.get("/all.atom?limit=500").data)
    return [e.findtext(f"{A}title") or "" for e in atom.iter(f"{A}entry")]


@dataclass
class Checked:
    exit_code: int
    lines: list[str]

    def about(self, path: Path) -> list[str]:
        """The problem lines of one file, without the path."""
        prefix = f"{path}: "
        return [line[len(prefix) :] for line in self.lines if line.startswith(prefix)]

    @property
    def summary(self) -> str:
        return self.lines[-1]


def check(s: Site) -> Checked:
    result = s.app.test_cli_runner().invoke(args=["check", str(s.root)])
    return Checked(result.exit_code, result.output.splitlines())


def assert_leaves_no_trace(s: Site, visible: int = 1) -> None:
    """The hidden document is in no response; its would-be feeds are 404; counts and pages leave it
    out; the linker keeps only its control link; `check` never prints its title."""
    fetched = every_response(s.client, hidden_missing())
    assert_absent([f for f in fetched if f.status == 200], *HIDDEN_TRACES)
    assert_absent(fetched, HIDDEN_TITLE)
    assert HIDDEN_TITLE not in feed_titles(s.client)
    assert related_titles(s.client, LINKER_TITLE) == {
        fmt: [CONTROL["title"]] for fmt in ("atom", "rss", "json")
    }
    assert json.loads(s.client.get("/healthz").data)["articles"] == visible
    assert s.client.get(f"/all.atom?limit=1&page={visible}").status_code == 200
    assert s.client.get(f"/all.atom?limit=1&page={visible + 1}").status_code == 404
    checked = check(s)
    assert not any(HIDDEN_TITLE in line for line in checked.lines)
    hidden_path = s.root / HIDDEN_FILE
    for line in checked.lines:
        if "embargoed-stadium" in line:
            assert line.startswith(f"{hidden_path}: "), line


# --- the control: the same corpus with the document published shows it --------------------------


def test_the_hidden_document_published_is_shown_and_linked(site: SiteFactory) -> None:
    """The fixture is sound: published, the document and the link to it are served."""
    s = site({HIDDEN_FILE: hidden_text("published: true"), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    assert related_titles(s.client, LINKER_TITLE)["atom"] == [HIDDEN_TITLE, CONTROL["title"]]
    assert s.client.get(f"/topics/{HIDDEN_TOPIC_SLUG}.atom").status_code == 200


# --- rule 1: a duplicate key anywhere rejects the document, which counts as hidden ---------------

DUPLICATES = {
    # name: (head lines, extra lines, the key, the two line numbers)
    "published false, then true": (["published: false"], ["published: true"], "published", (2, 8)),
    "published true twice": (["published: true"], ["published: true"], "published", (2, 8)),
    "published true, then false": (["published: true"], ["published: false"], "published", (2, 8)),
    "title twice": ([], [f'title: "{HIDDEN_TITLE} (updated)"'], "title", (2, 7)),
    "title in a related item": (
        [],
        ["related:", "  - title: Background", "    webUrl: https://elsewhere.example/bg", "    title: Again"],
        "title",
        (8, 10),
    ),
    "webUrl in a related item": (
        [],
        [
            "related:",
            "  - title: Background",
            "    webUrl: https://x.example/a",
            "    webUrl: https://x.example/b",
        ],
        "webUrl",
        (9, 10),
    ),
    "nested mapping, block style": (
        [
            "published: true",
            "images:",
            "  - url: https://img.example/a.jpg",
            "    width: 640",
            "    width: 320",
        ],
        [],
        "width",
        (5, 6),
    ),
}


@pytest.mark.parametrize("name", DUPLICATES)
def test_a_duplicate_key_rejects_the_document_and_check_names_key_and_lines(
    site: SiteFactory, name: str
) -> None:
    head, extra, key, (first, second) = DUPLICATES[name]
    s = site({HIDDEN_FILE: hidden_text(*extra, head=head), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    checked = check(s)
    assert checked.exit_code == 1
    assert ", rejected: 1," in checked.summary
    (problem,) = [p for p in checked.about(s.root / HIDDEN_FILE) if not p.endswith("(warning)")]
    assert "duplicate" in problem.lower()
    assert re.search(rf"\b{re.escape(key)}\b", problem), problem
    numbers = {int(n) for n in re.findall(r"\d+", problem)}
    assert {first, second} <= numbers, problem


def test_published_false_first_and_true_further_down_is_hidden(site: SiteFactory) -> None:
    """The example from the issue: today the later `published: true` wins and the article shows."""
    text = hidden_text("excerpt: Council to sell the stadium.", "published: true", head=["published: false"])
    assert text.splitlines()[1] == "published: false"
    assert text.splitlines()[8] == "published: true"
    s = site({HIDDEN_FILE: text, "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    (problem,) = [p for p in check(s).about(s.root / HIDDEN_FILE) if not p.endswith("(warning)")]
    assert "published" in problem
    assert {2, 9} <= {int(n) for n in re.findall(r"\d+", problem)}


def test_a_duplicate_key_in_a_flow_mapping_rejects_the_document(site: SiteFactory) -> None:
    text = hidden_text(head=["published: true"]).replace(
        "{name: Embargo Wire,", "{name: Embargo Wire, name: Other Wire,"
    )
    s = site({HIDDEN_FILE: text, "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    assert check(s).exit_code == 1


def test_lines_are_counted_in_a_crlf_file_from_the_opening_line(site: SiteFactory) -> None:
    text = hidden_text("published: true", head=["published: false"]).replace("\n", "\r\n")
    s = site({HIDDEN_FILE: text, "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    (problem,) = [p for p in check(s).about(s.root / HIDDEN_FILE) if not p.endswith("(warning)")]
    assert {2, 8} <= {int(n) for n in re.findall(r"\d+", problem)}


# --- rule 2: a `published` value that is neither clearly true nor clearly false hides -------------

UNCLEAR = [
    "maybe",
    "2",
    '""',
    "",
    "null",
    "~",
    "[false]",
    "{x: 1}",
    '"n"',
    '"y"',
    "-1",
    "tru",
    "'false, really'",
]
CLEARLY_TRUE = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "1", '"true"', '"tRuE"']
CLEARLY_TRUE += ['"yes"', '"yEs"', '"on"', '"oN"', '"1"']
CLEARLY_FALSE = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "0", '"false"', '"fAlSe"']
CLEARLY_FALSE += ['"no"', '"nO"', '"off"', '"oFf"', '"0"']


@pytest.mark.parametrize("value", UNCLEAR)
def test_an_unclear_published_value_hides_with_a_warning_on_published(site: SiteFactory, value: str) -> None:
    s = site({HIDDEN_FILE: hidden_text(f"published: {value}".rstrip()), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    checked = check(s)
    assert checked.exit_code == 0  # hidden, not rejected
    problems = checked.about(s.root / HIDDEN_FILE)
    assert any(p.startswith("published: ") and p.endswith("(warning)") for p in problems), problems
    assert checked.summary.startswith("documents: 2, visible: 1, hidden: 1, duplicates: 0, rejected: 0,")


@pytest.mark.parametrize("value", CLEARLY_FALSE)
def test_a_clearly_false_published_value_hides_without_a_warning(site: SiteFactory, value: str) -> None:
    s = site({HIDDEN_FILE: hidden_text(f"published: {value}"), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    checked = check(s)
    assert checked.about(s.root / HIDDEN_FILE) == []
    assert checked.summary.startswith("documents: 2, visible: 1, hidden: 1, duplicates: 0, rejected: 0,")


@pytest.mark.parametrize("value", CLEARLY_TRUE)
def test_a_clearly_true_published_value_shows_without_a_warning(site: SiteFactory, value: str) -> None:
    s = site({HIDDEN_FILE: hidden_text(f"published: {value}"), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    assert related_titles(s.client, LINKER_TITLE)["atom"] == [HIDDEN_TITLE, CONTROL["title"]]
    checked = check(s)
    assert checked.about(s.root / HIDDEN_FILE) == []
    assert checked.summary.startswith("documents: 2, visible: 2, hidden: 0,")


def test_no_published_key_leaves_the_document_visible(site: SiteFactory) -> None:
    s = site({HIDDEN_FILE: hidden_text(), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    assert check(s).about(s.root / HIDDEN_FILE) == []


# --- rule 3: near misses of `published` with a false-like value hide; typos of other fields warn -----

NEAR_MISSES = ["Published", "PUBLISHED", "publised", "pubished", "publishd", "pubilshed", "publihsed"]
NEAR_MISSES += ["Pub_lished", "pub-lished", "PUBLISHD", "Publisehd", "publishded"]


@pytest.mark.parametrize("key", NEAR_MISSES)
@pytest.mark.parametrize("value", ["false", "no", "Off", "0"])
def test_a_near_miss_of_published_with_a_false_value_hides_with_a_warning(
    site: SiteFactory, key: str, value: str
) -> None:
    s = site({HIDDEN_FILE: hidden_text(f"{key}: {value}"), "linker.md": linker(HIDDEN_URL)})
    assert_leaves_no_trace(s)
    problems = check(s).about(s.root / HIDDEN_FILE)
    assert any(key in p and p.endswith("(warning)") for p in problems), problems


def test_a_near_miss_with_a_false_value_hides_even_beside_published_true(site: SiteFactory) -> None:
    s = site(
        {HIDDEN_FILE: hidden_text("published: true", "Publised: false"), "linker.md": linker(HIDDEN_URL)}
    )
    assert_leaves_no_trace(s)


@pytest.mark.parametrize("key", ["Published", "publised"])
def test_a_near_miss_with_a_true_value_leaves_the_document_visible(site: SiteFactory, key: str) -> None:
    s = site({HIDDEN_FILE: hidden_text(f"{key}: true"), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)


def test_keys_far_from_published_do_not_hide(site: SiteFactory) -> None:
    extra = ["featured: false", "pinned: no", "breaking: off", "sponsored: 0"]
    s = site({HIDDEN_FILE: hidden_text(*extra), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)


TYPOS = {
    "titel": 'titel: "A title spelled wrong"',
    "webURL": 'webURL: "https://elsewhere.example/typo"',
    "publishedDatetime": "publishedDatetime: 2024-03-01T09:00:00Z",
    "topic": "topic: Sport",
    "provder": "provder: {name: Somebody}",
    "excertp": 'excertp: "A summary spelled wrong"',
}


@pytest.mark.parametrize("key", TYPOS)
def test_check_warns_about_typos_of_known_fields_without_hiding(site: SiteFactory, key: str) -> None:
    s = site({"story.md": hidden_text(TYPOS[key], "published: true")})
    assert HIDDEN_TITLE in feed_titles(s.client)
    checked = check(s)
    assert checked.exit_code == 0
    problems = checked.about(s.root / "story.md")
    assert any(re.search(rf"\b{key}\b", p) and p.endswith("(warning)") for p in problems), problems
    assert checked.summary.startswith("documents: 1, visible: 1, hidden: 0,")


def test_known_fields_alone_give_no_warning(site: SiteFactory) -> None:
    doc = document(n=1, originalUrl="https://news.example/original-1")
    s = site({"story.md": doc})
    checked = check(s)
    assert checked.lines[-1].endswith("warnings: 0, unreadable: 0"), checked.lines


# --- rule 4: every spelling of a hidden document's URL is that URL ---------------------------------

IDN_URL = "https://bücher.example/~desk/café-sale"
SPELLINGS = [
    (HIDDEN_URL, "https://NEWS.example.org/sport/stadium-sale"),
    (HIDDEN_URL, "https://News.Example.ORG/sport/stadium-sale"),
    (HIDDEN_URL, "HTTPS://news.example.org/sport/stadium-sale"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale#top"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale/"),
    (HIDDEN_URL, "http://news.example.org/sport/stadium-sale"),
    (HIDDEN_URL, "https://www.news.example.org/sport/stadium-sale"),
    (HIDDEN_URL, "https://news.example.org:443/sport/stadium-sale"),
    (HIDDEN_URL, "http://news.example.org:80/sport/stadium-sale"),
    (HIDDEN_URL, "https://news.example.org/%73port/stadium%2Dsale"),
    (HIDDEN_URL, "https://news.example.org/%73port/stadium%2dsale"),
    (HIDDEN_URL, "https://news.example.org/sport/./stadium-sale"),
    (HIDDEN_URL, "https://news.example.org/x/../sport/stadium-sale"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale?utm_source=twitter"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale?utm_source=a&utm_medium=b&utm_campaign=c"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale?utm_term=d&utm_content=e"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale?fbclid=IwAR0abc"),
    (HIDDEN_URL, "https://news.example.org/sport/stadium-sale?gclid=EAIaIQ"),
    (HIDDEN_URL, "HTTP://WWW.News.Example.org:80/x/.././sport/%73tadium-sale/?utm_source=a&fbclid=b#frag"),
    (IDN_URL, "https://xn--bcher-kva.example/~desk/café-sale"),
    (IDN_URL, "https://bücher.example/%7Edesk/café-sale"),
    (IDN_URL, "https://bücher.example/%7edesk/café-sale"),
    (IDN_URL, "https://bücher.example/~desk/caf%C3%A9-sale"),
    (IDN_URL, "https://bücher.example/~desk/caf%c3%a9-sale"),
    (IDN_URL, "https://XN--BCHER-KVA.example/%7Edesk/caf%c3%a9-sale/#x"),
    (IDN_URL, "http://www.xn--bcher-kva.example:80/~desk/caf%C3%A9-sale?utm_source=x"),
]


@pytest.mark.parametrize(("canonical", "spelling"), SPELLINGS)
@pytest.mark.parametrize("direction", ["link spelled", "document spelled"])
def test_a_link_to_any_spelling_of_a_hidden_url_is_left_out(
    site: SiteFactory, canonical: str, spelling: str, direction: str
) -> None:
    written, linked = (canonical, spelling) if direction == "link spelled" else (spelling, canonical)
    s = site({HIDDEN_FILE: hidden_text("published: false", url=written), "linker.md": linker(linked)})
    assert_leaves_no_trace(s)


NEIGHBOURS = [  # distinct resources next to the hidden URL: links to them stay
    "https://news.example.org/sport/stadium-sale-2",
    "https://news.example.org/sport/stadium",
    "https://news.example.org/sport",
    "https://sport.news.example.org/sport/stadium-sale",
    "https://news.example.org:8443/sport/stadium-sale",
    "https://news.example.com/sport/stadium-sale",
]


def test_links_to_neighbours_of_a_hidden_url_are_kept(site: SiteFactory) -> None:
    related = [{"title": f"Neighbour {n}", "webUrl": u} for n, u in enumerate(NEIGHBOURS)]
    doc = document(n=1, title=LINKER_TITLE, related=[{"title": HIDDEN_TITLE, "webUrl": HIDDEN_URL}, *related])
    s = site({HIDDEN_FILE: hidden_text("published: false"), "linker.md": doc})
    expected = [r["title"] for r in related]
    assert related_titles(s.client, LINKER_TITLE) == {"atom": expected, "rss": expected, "json": expected}
    assert_absent(every_response(s.client), HIDDEN_TITLE)


def test_a_hidden_copy_in_another_spelling_never_blocks_the_visible_one(site: SiteFactory) -> None:
    visible = document(n=2, title="The stadium sale, as published", webUrl=HIDDEN_URL, topics=["Sport"])
    docs = {
        HIDDEN_FILE: hidden_text(
            "published: false", url="https://WWW.news.example.org/sport/stadium-sale/#x"
        ),
        "visible.md": visible,
        "linker.md": linker(HIDDEN_URL, title="Link to the published copy"),
    }
    s = site(docs)
    assert "The stadium sale, as published" in feed_titles(s.client)
    assert related_titles(s.client, LINKER_TITLE)["atom"] == ["Link to the published copy", CONTROL["title"]]
    fetched = every_response(s.client, hidden_missing())
    assert_absent(fetched, HIDDEN_TITLE)


# --- rule 5: an article is never listed as related to itself ---------------------------------------

SELF = "https://news.example/story-1"  # conftest's document(n=1)
SELF_SPELLINGS = [
    SELF,
    "https://NEWS.example/story-1",
    "https://news.example/story-1/",
    "http://www.news.example/story-1#top",
    "https://news.example:443/story-%31",
    "https://news.example/./story-1?utm_source=feed&fbclid=x",
    "https://news.example/a/../story-1",
]


@pytest.mark.parametrize("spelling", SELF_SPELLINGS)
def test_an_article_is_never_related_to_itself(site: SiteFactory, spelling: str) -> None:
    doc = document(
        n=1, title=LINKER_TITLE, related=[{"title": "Selfreference Q9Z", "webUrl": spelling}, CONTROL]
    )
    s = site({"linker.md": doc})
    assert related_titles(s.client, LINKER_TITLE) == {
        fmt: [CONTROL["title"]] for fmt in ("atom", "rss", "json")
    }
    assert_absent(every_response(s.client), "Selfreference Q9Z")


def test_an_article_whose_own_url_is_spelled_oddly_is_not_related_to_itself(site: SiteFactory) -> None:
    doc = document(
        n=1,
        title=LINKER_TITLE,
        webUrl="HTTP://www.News.example:80/story-1/?utm_source=x#top",
        related=[{"title": "Selfreference Q9Z", "webUrl": SELF}, CONTROL],
    )
    s = site({"linker.md": doc})
    assert related_titles(s.client, LINKER_TITLE)["atom"] == [CONTROL["title"]]


# --- rule 6: hidden by any cause, no trace -----------------------------------------------------------

CAUSES = {
    **{
        f"published: {v}": ((f"published: {v}",), None)
        for v in ("false", "FALSE", "no", "Off", "0", '"fAlSe"')
    },
    **{f"published: {v} (unclear)": ((f"published: {v}".rstrip(),), None) for v in ("maybe", "", "[false]")},
    "near miss Published": (("Published: false",), None),
    "near miss publihsed": (("publihsed: no",), None),
    "duplicate published": (("published: false", "published: true"), None),
    "duplicate title": (("published: true", f'title: "{HIDDEN_TITLE}"'), None),
    "future date": (("published: true",), "2099-06-01T00:00:00Z"),
    "future date, no published key": ((), "2099-06-01T00:00:00Z"),
    "rejected and unpublished": (("published: false",), '"sometime soon"'),
}


@pytest.mark.parametrize("cause", CAUSES)
@pytest.mark.parametrize(
    "links",
    [(HIDDEN_URL,), (HIDDEN_URL, "https://NEWS.example.org/sport/stadium-sale/#more")],
    ids=["linked as written", "linked as written and respelled"],
)
def test_hidden_by_any_cause_leaves_no_trace(site: SiteFactory, cause: str, links: tuple[str, ...]) -> None:
    extra, date = CAUSES[cause]
    docs = {
        HIDDEN_FILE: hidden_text(*extra, date=date),
        "linker.md": linker(*links),
        "other.md": document(n=2, topics=["Sport"]),
    }
    s = site(docs)
    assert_leaves_no_trace(s, visible=2)


LIVE_CAUSES: dict[str, tuple[list[str], list[str]]] = {  # name: (head lines, extra lines)
    "duplicate published, false first": (["published: false"], ["published: true"]),
    "duplicate published, false last": ([], ["published: true", "published: false"]),
    "duplicate title": ([], [f'title: "{HIDDEN_TITLE}"', "published: true"]),
    "unclear published": ([], ["published: maybe"]),
    "near miss": ([], ["Published: false"]),
    "false": ([], ["published: false"]),
}


@pytest.mark.parametrize("cause", LIVE_CAUSES)
def test_a_served_document_edited_to_be_hidden_goes_at_once(site: SiteFactory, cause: str) -> None:
    """An edit that hides a document (a duplicate key included) is never taken for a broken edit,
    after which the last good version would keep serving."""
    s = site({HIDDEN_FILE: hidden_text("published: true"), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    head, extra = LIVE_CAUSES[cause]
    (s.root / HIDDEN_FILE).write_text(hidden_text("excerpt: Edited.", *extra, head=head), encoding="utf-8")
    aged(s.root)
    s.app.extensions["feeds"].reload()
    assert_leaves_no_trace(s)
    assert json.loads(s.client.get("/healthz").data)["stale"] == []


@pytest.mark.parametrize("withdrawing", ["published: false", "draft: true", "published: maybe"])
def test_a_served_document_broken_in_a_way_that_withdraws_it_keeps_its_url_blocked(
    site: SiteFactory, withdrawing: str
) -> None:
    """A served document edited into YAML that cannot be read, whose text still says not to show it:
    it goes at once, and links to the URL it served go with it (its broken text gives no URL)."""
    s = site({HIDDEN_FILE: hidden_text("published: true"), "linker.md": linker(HIDDEN_URL)})
    assert HIDDEN_TITLE in feed_titles(s.client)
    broken = f"---\n{withdrawing}\nwebUrl: {HIDDEN_URL}\ntitle: [never closed\n---\n"
    (s.root / HIDDEN_FILE).write_text(broken, encoding="utf-8")
    aged(s.root)
    s.app.extensions["feeds"].reload()
    assert_leaves_no_trace(s)


@pytest.mark.parametrize("written", ["0o1", "0x1", "+1", "01", "1.0", "0b1"])
def test_a_one_written_as_another_number_is_not_a_clear_published(site: SiteFactory, written: str) -> None:
    """`published: 1` shows a document; the same number written another way is not a clear flag."""
    docs = {
        HIDDEN_FILE: hidden_text(f"published: {written}"),
        "linker.md": linker(HIDDEN_URL),
        "other.md": document(n=2, topics=["Sport"]),
    }
    assert_leaves_no_trace(site(docs), visible=2)


@pytest.mark.parametrize(
    "broken", ["title: [never closed", 'title: "never closed\nexcerpt: "x"', "\ttitle: a tab"]
)
def test_a_document_yaml_cannot_read_keeps_related_links_to_its_url_out(
    site: SiteFactory, broken: str
) -> None:
    """A rejected document counts as hidden whatever its text, so its URL (as its line writes it) is
    blocked even when YAML cannot read the rest."""
    date = "publishedDateTime: 2025-01-01T00:00:00Z"
    text = f'---\nwebUrl: "{HIDDEN_URL}"  # the article\n{broken}\n{date}\n---\n'
    docs = {HIDDEN_FILE: text, "linker.md": linker(HIDDEN_URL), "other.md": document(n=2, topics=["Sport"])}
    s = site(docs)
    assert related_titles(s.client, LINKER_TITLE) == {
        fmt: [CONTROL["title"]] for fmt in ("atom", "rss", "json")
    }
