"""Every feed is valid whatever its documents lack: Atom by RFC 4287, RSS 2.0 and JSON Feed 1.1.

`atom_problems` is a structural RFC 4287 checker written here with lxml, independently of the
renderers (and checked against hand-written feeds first). Generated corpora leave out each optional
field of a document at random; every Atom feed they give must pass it, and feedparser must read
every Atom and RSS feed without complaint.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.model import Article
from feeds.render import FeedMeta, render_atom

from .helpers import BASE, AppFactory, front_matter, write_corpus

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")
TEXT_TYPES = {"text", "html", "xhtml"}


# --- the checker ---------------------------------------------------------------------------------------


def atom_problems(data: bytes) -> list[str]:
    """What makes this document an invalid Atom feed (RFC 4287 §4.1.1, §4.1.2), one line each; plus
    an empty `content` or `summary`, which says nothing."""
    feed = etree.fromstring(data)
    if feed.tag != f"{A}feed":
        return [f"the root is {feed.tag}, not atom:feed"]
    problems = _counts(feed, "feed", one=("id", "title", "updated"))
    problems += _counts(feed, "feed", at_most_one=("generator", "icon", "logo", "rights", "subtitle"))
    entries = feed.findall(f"{A}entry")
    feed_authored = bool(feed.findall(f"{A}author"))
    if not feed_authored and not all(e.findall(f"{A}author") for e in entries):
        problems.append("feed: no atom:author, and not every entry has one (§4.1.1)")
    problems += _common(feed, "feed")
    for n, entry in enumerate(entries, 1):
        problems += _entry_problems(entry, f"entry {n}", feed_authored)
    return problems


def _entry_problems(entry: Any, where: str, feed_authored: bool) -> list[str]:
    problems = _counts(entry, where, one=("id", "title", "updated"))
    problems += _counts(entry, where, at_most_one=("content", "published", "rights", "source", "summary"))
    sourced = entry.find(f"{A}source/{A}author") is not None
    if not (entry.findall(f"{A}author") or feed_authored or sourced):
        problems.append(f"{where}: no atom:author, in the entry, its source or the feed (§4.1.2)")
    content, summary = entry.find(f"{A}content"), entry.find(f"{A}summary")
    rels = [link.get("rel", "alternate") for link in entry.findall(f"{A}link")]
    if content is None and "alternate" not in rels:
        problems.append(f"{where}: neither atom:content nor a rel=alternate link (§4.1.2)")
    if content is not None:
        problems += _content_problems(content, summary is not None, where)
    if summary is not None and _is_empty(summary):
        problems.append(f"{where}: an empty atom:summary")
    if (published := entry.findtext(f"{A}published")) is not None and not RFC3339.fullmatch(published):
        problems.append(f"{where}: atom:published {published!r} is not an RFC 3339 date-time (§3.3)")
    return problems + _common(entry, where)


def _content_problems(content: Any, has_summary: bool, where: str) -> list[str]:
    problems = []
    kind = content.get("type", "text")
    if content.get("src") is not None:
        if not has_summary:
            problems.append(f"{where}: atom:content with src and no atom:summary (§4.1.2)")
        if not _is_empty(content):
            problems.append(f"{where}: atom:content with src is not empty (§4.1.3.2)")
    elif _is_empty(content):
        problems.append(f"{where}: an empty atom:content")
    xml_like = kind.startswith("text/") or kind.endswith(("/xml", "+xml"))
    if kind not in TEXT_TYPES and not xml_like and not has_summary:
        problems.append(f"{where}: base64 atom:content ({kind}) and no atom:summary (§4.1.2)")
    return problems


def _common(element: Any, where: str) -> list[str]:
    """What feeds and entries share: their id, dates, text constructs, persons, links, categories."""
    problems = []
    ident = element.findtext(f"{A}id")
    if ident is not None and not ABSOLUTE_IRI.fullmatch(ident):
        problems.append(f"{where}: atom:id {ident!r} is not an absolute IRI (§4.2.6)")
    updated = element.findtext(f"{A}updated")
    if updated is not None and not RFC3339.fullmatch(updated):
        problems.append(f"{where}: atom:updated {updated!r} is not an RFC 3339 date-time (§3.3)")
    for name in ("title", "subtitle", "summary", "rights"):
        for text in element.findall(f"{A}{name}"):
            if text.get("type", "text") not in TEXT_TYPES:
                problems.append(f"{where}: atom:{name} type {text.get('type')!r} (§3.1.1)")
    for role in ("author", "contributor"):
        for person in element.findall(f"{A}{role}"):
            problems += _counts(person, f"{where} {role}", one=("name",), at_most_one=("uri", "email"))
            if not (person.findtext(f"{A}name") or "").strip():
                problems.append(f"{where}: an atom:{role} with an empty name (§3.2.1)")
            uri = person.findtext(f"{A}uri")
            if uri is not None and not ABSOLUTE_IRI.fullmatch(uri):
                problems.append(f"{where}: {role} uri {uri!r} is not an IRI (§3.2.2)")
    alternates: list[tuple[str | None, str | None]] = []
    for link in element.findall(f"{A}link"):
        href = link.get("href")
        if not href or not ABSOLUTE_IRI.fullmatch(href):
            problems.append(f"{where}: atom:link href {href!r} (§4.2.7.1)")
        if link.get("rel", "alternate") == "alternate":
            alternates.append((link.get("type"), link.get("hreflang")))
    if len(alternates) != len(set(alternates)):
        problems.append(f"{where}: two rel=alternate links with the same type and hreflang (§4.1.1, §4.1.2)")
    problems += [
        f"{where}: atom:category without a term (§4.2.2.1)"
        for category in element.findall(f"{A}category")
        if not category.get("term")
    ]
    return problems


def _counts(
    element: Any, where: str, one: tuple[str, ...] = (), at_most_one: tuple[str, ...] = ()
) -> list[str]:
    problems = []
    for name in one:
        if (n := len(element.findall(f"{A}{name}"))) != 1:
            problems.append(f"{where}: {n} atom:{name} elements, not exactly one")
    for name in at_most_one:
        if (n := len(element.findall(f"{A}{name}"))) > 1:
            problems.append(f"{where}: {n} atom:{name} elements, not at most one")
    return problems


def _is_empty(element: Any) -> bool:
    return shows_nothing(element.text or "") and len(element) == 0


def shows_nothing(text: str) -> bool:
    """Whether a reader sees nothing of `text`: only whitespace and format characters (Unicode Cf:
    zero-width space, word joiner, BOM, soft hyphen), once markup and entities are read."""
    plain = html.unescape(re.sub(r"<(?!img\b)[^>]*>", "", text))  # an image shows
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in plain)


def _feed(head: str, entry: str) -> bytes:
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"><id>https://f.example/all.atom</id><title>F</title>'
        f"<updated>2024-01-01T00:00:00+00:00</updated>{head}<entry><id>https://n.example/a</id>"
        f"<title>T</title><updated>2024-01-01T00:00:00Z</updated>{entry}</entry></feed>"
    ).encode()


AUTHOR = "<author><name>Site</name><uri>https://f.example/</uri></author>"
ALTERNATE = '<link rel="alternate" type="text/html" href="https://n.example/a"/>'


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (_feed("", ALTERNATE), "feed: no atom:author"),
        (_feed(AUTHOR, ALTERNATE + '<content type="html"/>'), "an empty atom:content"),
        (_feed(AUTHOR, "<summary>About</summary>"), "neither atom:content nor a rel=alternate link"),
        (_feed(AUTHOR, ALTERNATE + ALTERNATE), "two rel=alternate links"),
        (_feed(AUTHOR + "<id>https://f.example/again</id>", ALTERNATE), "feed: 2 atom:id elements"),
        (_feed(AUTHOR, ALTERNATE).replace(b"https://n.example/a</id>", b"story-a</id>"), "absolute IRI"),
        (_feed(AUTHOR, '<content src="https://n.example/a"/>'), "content with src and no atom:summary"),
        (_feed(AUTHOR, ALTERNATE + "<summary>  </summary>"), "an empty atom:summary"),
    ],
)
def test_the_checker_finds_what_rfc_4287_forbids(document: bytes, problem: str) -> None:
    assert problem in "\n".join(atom_problems(document))
    assert atom_problems(_feed(AUTHOR, ALTERNATE)) == []  # and a minimal valid feed passes


# --- one example per case --------------------------------------------------------------------------------


def bare_document(n: int, **fields: Any) -> dict[str, Any]:
    """Only what a document must have: a title, a date and an URL; plus the fields given."""
    return {
        "title": f"Story {n}",
        "publishedDateTime": f"2024-05-0{n}T08:00:00Z",
        "webUrl": f"https://news.example/story-{n}",
        **fields,
    }


def test_a_document_without_a_provider_gives_a_valid_feed_whose_author_is_the_site(
    make_app: AppFactory, tmp_path: Path
) -> None:
    provider = {"name": "Example News", "domain": "news.example"}
    root = write_corpus(
        tmp_path,
        {
            "anonymous.md": bare_document(1, topics=["AI"], excerpt="Nobody signed this."),
            "signed.md": bare_document(2, topics=["AI"], excerpt="Signed.", provider=provider),
        },
    )
    with make_app(root).test_client() as c:
        for url in ("/all.atom", "/topics/ai.atom"):
            feed = etree.fromstring(c.get(url).data)
            assert atom_problems(etree.tostring(feed)) == [], url
            authors = feed.findall(f"{A}author")
            assert len(authors) == 1
            assert authors[0].findtext(f"{A}uri") == f"{BASE}/"
            assert authors[0].findtext(f"{A}name")
            by_id = {e.findtext(f"{A}id"): e for e in feed.iter(f"{A}entry")}
            assert by_id["https://news.example/story-1"].find(f"{A}author") is None
            signed = by_id["https://news.example/story-2"]
            assert signed.findtext(f"{A}author/{A}name") == "Example News"  # the provider stays
            assert signed.findtext(f"{A}author/{A}uri") == "https://news.example/"


def test_the_feed_author_is_named_after_the_site_title() -> None:
    meta = FeedMeta(
        "AI — Harbour News",
        "Articles about AI on Harbour News, newest first",
        "https://harbour.example/topics/ai.atom",
        "https://harbour.example/topics/ai",
        "https://harbour.example",
        site_title="Harbour News",
    )
    article = Article(
        path="a.md",
        url="https://news.example/a",
        title="A",
        excerpt="",
        date_published=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        publish=True,
        provider=None,
    )
    feed = etree.fromstring(render_atom(meta, [article]))
    assert feed.findtext(f"{A}author/{A}name") == "Harbour News"
    assert feed.findtext(f"{A}author/{A}uri") == "https://harbour.example/"


def test_the_served_feed_author_is_feeds_title(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path, {"a.md": bare_document(1)})
    with make_app(root, TITLE="Harbour News").test_client() as c:
        feed = etree.fromstring(c.get("/all.atom").data)
    assert feed.findtext(f"{A}author/{A}name") == "Harbour News"


def test_a_document_with_only_title_date_and_url_leaves_out_what_it_lacks(
    make_app: AppFactory, tmp_path: Path
) -> None:
    root = write_corpus(tmp_path, {"bare.md": bare_document(1)})
    with make_app(root).test_client() as c:
        atom, rss, data = (c.get(f"/all.{fmt}").data for fmt in ("atom", "rss", "json"))
    assert atom_problems(atom) == []
    entry = etree.fromstring(atom).find(f"{A}entry")
    assert entry is not None
    assert entry.find(f"{A}content") is None
    assert entry.find(f"{A}summary") is None
    assert [(x.get("rel"), x.get("href")) for x in entry.findall(f"{A}link")] == [
        ("alternate", "https://news.example/story-1")
    ]
    item = etree.fromstring(rss).find("channel/item")
    assert item is not None
    assert item.find("description") is None
    assert (item.findtext("title"), item.findtext("link")) == ("Story 1", "https://news.example/story-1")
    (json_item,) = json.loads(data)["items"]
    assert json_item == {
        "id": "https://news.example/story-1",
        "url": "https://news.example/story-1",
        "title": "Story 1",
        "content_text": "Story 1",  # JSON Feed 1.1: content_html or content_text in every item
        "date_published": "2024-05-01T08:00:00+00:00",
    }


def test_json_feed_writes_author_beside_authors(make_app: AppFactory, tmp_path: Path) -> None:
    provider = {"name": "Example News", "domain": "news.example"}
    root = write_corpus(tmp_path, {"signed.md": bare_document(1, provider=provider)})
    with make_app(root).test_client() as c:
        feed = json.loads(c.get("/all.json").data)
    (item,) = feed["items"]
    assert item["author"] == {"name": "Example News", "url": "https://news.example/"}
    assert item["authors"] == [item["author"]]
    assert feed["author"]["url"] == f"{BASE}/"
    assert feed["authors"] == [feed["author"]]


# --- generated corpora: every optional field missing at random ------------------------------------------

TOPICS = {"AI": "ai", "Économie": "economie", "Computer Vision": "computer-vision"}
PROVIDERS: list[tuple[dict[str, str], str]] = [  # (the document's provider, its feed's slug)
    ({"name": "Harbour Gazette", "domain": "harbour-gazette.example"}, "harbour-gazette.example"),
    ({"name": "Wire Service"}, "wire-service"),
    ({"domain": "www.ledger.example"}, "ledger.example"),
]
EXCERPTS = ["What the council decided.", "Tides &amp; turbines", "", "   ", "<p></p>", "\u200b",
            "\u2060\ufeff", "\u00ad", "<p>\u200b</p>", "&#8203;", "&nbsp;&ensp;&#8203;",
            "\u3000\u2003 \u200b"]  # fmt: skip
IMAGES = [
    [{"url": "https://img.example/a.jpg", "width": 640, "height": 360}],
    [{"url": "https://img.example/b.jpg"}],
    [{"url": "/relative.jpg"}],  # dropped with a warning: as if there were none
    [],
]
RELATED: list[dict[str, Any]] = [
    {"title": "Fishers weigh in", "webUrl": "https://other.example/fishers", "provider": {"name": "Other"}},
    {"title": "Bare related item", "webUrl": "https://third.example/bare"},
    {"webUrl": "https://third.example/untitled"},  # dropped: no title
]


@st.composite
def documents(draw: st.DrawFn, n: int) -> tuple[dict[str, Any], str | None, list[str]]:
    """A document with each optional field present or missing at random, the slug of its provider's
    feed (None without one) and the slugs of its topics' feeds."""
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
        seconds=draw(st.integers(0, 10**7)), microseconds=draw(st.sampled_from([0, 250_000, 999_999]))
    )
    doc: dict[str, Any] = {
        "title": f"Story {n}",
        "publishedDateTime": moment.isoformat().replace("+00:00", "Z"),
        "webUrl": f"https://news.example/story-{n}",
    }
    provider_slug, topic_slugs = None, []
    if draw(st.booleans()):
        provider, provider_slug = draw(st.sampled_from(PROVIDERS))
        doc["provider"] = provider
    if draw(st.booleans()):
        doc["excerpt"] = draw(st.sampled_from(EXCERPTS))
    if draw(st.booleans()):
        doc["images"] = draw(st.sampled_from(IMAGES))
    if draw(st.booleans()):
        doc["topics"] = draw(st.lists(st.sampled_from(list(TOPICS)), max_size=2, unique=True))
        topic_slugs = [TOPICS[t] for t in doc["topics"]]
    if draw(st.booleans()):
        doc["related"] = draw(st.lists(st.sampled_from(RELATED), max_size=3, unique_by=lambda r: r["webUrl"]))
    for key in ("quality", "heat"):
        if draw(st.booleans()):
            doc[key] = draw(st.integers(0, 100))
    return doc, provider_slug, topic_slugs


@st.composite
def corpora(draw: st.DrawFn) -> list[tuple[dict[str, Any], str | None, list[str]]]:
    return [draw(documents(n)) for n in range(draw(st.integers(1, 6)))]


def empty_strings(value: Any, at: str = "") -> Iterator[str]:
    if isinstance(value, str) and shows_nothing(value):
        yield at
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from empty_strings(inner, f"{at}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from empty_strings(inner, f"{at}[{i}]")


def check_json(data: bytes, url: str) -> None:
    feed = json.loads(data)
    assert list(empty_strings(feed)) == [], url
    for part in [feed, *feed["items"]]:
        if "authors" in part:
            assert part["author"] == part["authors"][0], url
    assert all(item.get("content_html") or item.get("content_text") for item in feed["items"]), url


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(corpora())
def test_every_feed_of_a_generated_corpus_is_valid(
    make_app: AppFactory, tmp_path: Path, corpus: list[tuple[dict[str, Any], str | None, list[str]]]
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    root = write_corpus(folder, {f"doc{n}.md": front_matter(doc) for n, (doc, _, _) in enumerate(corpus)})
    paths = ["all"]
    paths += sorted({f"topics/{slug}" for _, _, slugs in corpus for slug in slugs})
    paths += sorted({f"providers/{slug}" for _, slug, _ in corpus if slug})
    with make_app(root).test_client() as c:
        for path in paths:
            for fmt in ("atom", "rss", "json"):
                url = f"/{path}.{fmt}"
                response = c.get(url)
                assert response.status_code == 200, url
                if fmt == "json":
                    check_json(response.data, url)
                    continue
                assert feedparser.parse(response.data).bozo == 0, url
                if fmt == "rss":
                    descriptions = etree.fromstring(response.data).iter("description")
                    assert not any(shows_nothing(d.text or "") for d in descriptions), url
                if fmt == "atom":
                    assert atom_problems(response.data) == [], url
                    assert etree.fromstring(response.data).find(f"{A}author") is not None, url
        paged = c.get("/all.atom?limit=2&page=1")
        assert atom_problems(paged.data) == []
