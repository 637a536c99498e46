"""Every row of the contract's entry table (docs/contract.md, "Entries"), for Atom and RSS, in every
kind of feed. The expected values are written from the test documents below, not from the service."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree, html

from .helpers import BASE, AppFactory, document, write_corpus

A = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
DC = "{http://purl.org/dc/elements/1.1/}"
URL = "https://news.example/tides-and-turbines"
TIE = "https://news.example/a-tie-sorts-first"  # same time as URL, smaller id: listed first
HIDDEN_URL = "https://news.example/not-yet"
WHEN = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)
RELATED = [
    {
        "title": "Fishers weigh in &amp; worry",
        "webUrl": "https://other.example/fishers",
        "provider": {"name": "Other Paper", "domain": "other.example"},
        "publishedDateTime": "2024-02-01T08:00:00Z",
    },
    {"title": "A draft nobody may see", "webUrl": HIDDEN_URL, "provider": {"name": "Example News"}},
    {"title": "Bare related item", "webUrl": "https://third.example/bare"},
]
FEEDS = {  # kind → (feed path, HTML page)
    "all": ("all", f"{BASE}/"),
    "topic": ("topics/economie", f"{BASE}/topics/economie/"),
    "provider": ("providers/news.example", f"{BASE}/providers/news.example/"),
}


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from feeds import create_app

    root = write_corpus(
        tmp_path_factory.mktemp("entry-table"),
        {
            "main.md": document(
                n=1,
                webUrl=URL,
                publishedDateTime=WHEN,
                title="Tides &amp; turbines: a <b>bold</b> plan",
                excerpt="It&amp;#39;s here &#8217;\n<b>bold</b> and   spaced",
                topics=["AI", "Économie"],
                provider={"name": "Example News", "domain": "www.news.example"},
                images=[{"url": "https://img.news.example/t.jpg", "width": 640, "height": 360}],
                related=RELATED,
            ),
            "tie.md": document(
                n=2,
                webUrl=TIE,
                publishedDateTime=WHEN,
                topics=["Économie"],
                provider={"name": "Example News", "domain": "news.example"},
            ),
            "older.md": document(
                n=3,
                publishedDateTime=WHEN - dt.timedelta(days=1),
                topics=["Économie"],
                provider={"name": "Example News", "domain": "news.example"},
            ),
            "hidden.md": document(n=4, webUrl=HIDDEN_URL, published=False),
        },
    )
    app = create_app({"TESTING": True, "CONTENT_DIR": str(root), "BASE_URL": BASE, "WATCH": "off"})
    client = app.test_client()
    return {
        f"{kind}.{fmt}": client.get(f"/{path}.{fmt}").data
        for kind, (path, _) in FEEDS.items()
        for fmt in ("atom", "rss")
    }


KINDS = sorted(FEEDS)


def atom_entry(feeds: dict[str, bytes], kind: str) -> etree._Element:
    root = etree.fromstring(feeds[f"{kind}.atom"])
    return next(e for e in root.iter(f"{A}entry") if e.findtext(f"{A}id") == URL)


def rss_item(feeds: dict[str, bytes], kind: str) -> etree._Element:
    root = etree.fromstring(feeds[f"{kind}.rss"])
    return next(i for i in root.iter("item") if i.findtext("guid") == URL)


# --- the feed itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_atom_feed_id_self_alternate_and_updated(feeds: dict[str, bytes], kind: str) -> None:
    root = etree.fromstring(feeds[f"{kind}.atom"])
    path, page = FEEDS[kind]
    assert root.findtext(f"{A}id") == f"{BASE}/{path}.atom"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"self": f"{BASE}/{path}.atom", "alternate": page}
    assert root.findtext(f"{A}updated") == "2024-03-01T10:00:00+00:00"  # the newest entry, not "now"


@pytest.mark.parametrize("kind", KINDS)
def test_rss_channel_link_self_and_last_build_date(feeds: dict[str, bytes], kind: str) -> None:
    channel = etree.fromstring(feeds[f"{kind}.rss"]).find("channel")
    assert channel is not None
    path, page = FEEDS[kind]
    assert channel.findtext("link") == page
    assert [(x.get("rel"), x.get("href")) for x in channel.findall(f"{A}link")] == [
        ("self", f"{BASE}/{path}.rss")
    ]
    assert channel.findtext("lastBuildDate") == "Fri, 01 Mar 2024 10:00:00 +0000"


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("kind", KINDS)
def test_order_is_newest_first_ties_by_id(feeds: dict[str, bytes], kind: str, fmt: str) -> None:
    root = etree.fromstring(feeds[f"{kind}.{fmt}"])
    ids = [e.findtext(f"{A}id") for e in root.iter(f"{A}entry")] or [
        i.findtext("guid") for i in root.iter("item")
    ]
    assert ids[:2] == [TIE, URL]
    assert ids[2] == "https://news.example/story-3"


# --- entry rows: Atom ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_atom_id_title_link_and_dates(feeds: dict[str, bytes], kind: str) -> None:
    entry = atom_entry(feeds, kind)
    title = entry.find(f"{A}title")
    assert title is not None
    assert title.get("type", "text") == "text"
    assert title.text == "Tides & turbines: a bold plan"
    alternates = [link for link in entry.findall(f"{A}link") if link.get("rel", "alternate") == "alternate"]
    assert [(x.get("href"), x.get("type")) for x in alternates] == [(URL, "text/html")]
    assert [x.get("rel") for x in alternates] == ["alternate"]
    assert entry.findtext(f"{A}published") == entry.findtext(f"{A}updated") == "2024-03-01T10:00:00+00:00"


@pytest.mark.parametrize("kind", KINDS)
def test_atom_author_is_the_provider(feeds: dict[str, bytes], kind: str) -> None:
    entry = atom_entry(feeds, kind)
    assert entry.findtext(f"{A}author/{A}name") == "Example News"
    assert entry.findtext(f"{A}author/{A}uri") == "https://news.example/"


@pytest.mark.parametrize("kind", KINDS)
def test_atom_categories_are_topics(feeds: dict[str, bytes], kind: str) -> None:
    categories = [
        (c.get("term"), c.get("label"), c.get("scheme"))
        for c in atom_entry(feeds, kind).findall(f"{A}category")
    ]
    assert categories == [("ai", "AI", f"{BASE}/topics/"), ("economie", "Économie", f"{BASE}/topics/")]


@pytest.mark.parametrize("kind", KINDS)
def test_atom_summary_is_plain_text(feeds: dict[str, bytes], kind: str) -> None:
    summary = atom_entry(feeds, kind).find(f"{A}summary")
    assert summary is not None
    assert summary.get("type") == "text"
    assert summary.text == "It's here ’ bold and spaced"


# --- entry rows: RSS -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_rss_guid_title_link_and_date(feeds: dict[str, bytes], kind: str) -> None:
    item = rss_item(feeds, kind)
    guid = item.find("guid")
    assert guid is not None
    assert guid.get("isPermaLink") == "true"
    assert item.findtext("title") == "Tides & turbines: a bold plan"
    assert item.findtext("link") == URL
    assert item.findtext("pubDate") == "Fri, 01 Mar 2024 10:00:00 +0000"


@pytest.mark.parametrize("kind", KINDS)
def test_rss_creator_source_and_categories(feeds: dict[str, bytes], kind: str) -> None:
    item = rss_item(feeds, kind)
    assert item.findtext(f"{DC}creator") == "Example News"
    source = item.find("source")
    assert source is not None
    assert (source.get("url"), source.text) == (f"{BASE}/providers/news.example.rss", "Example News")
    assert [(c.get("domain"), c.text) for c in item.findall("category")] == [
        (f"{BASE}/topics/", "AI"),
        (f"{BASE}/topics/", "Économie"),
    ]


WANTED_RELATED = [  # the document's related articles, less the one that points at a hidden document
    ("https://other.example/fishers", "Fishers weigh in & worry"),
    ("https://third.example/bare", "Bare related item"),
]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("kind", KINDS)
def test_related_links_carry_titles_and_skip_hidden_documents(
    feeds: dict[str, bytes], kind: str, fmt: str
) -> None:
    """Atom: <link rel="related" href title>; RSS: the same as <atom:link>."""
    entry = atom_entry(feeds, kind) if fmt == "atom" else rss_item(feeds, kind)
    related = [
        (x.get("href"), x.get("title")) for x in entry.findall(f"{A}link") if x.get("rel") == "related"
    ]
    assert related == WANTED_RELATED


# --- rows shared by both: body, image --------------------------------------------------------------


def bodies(feeds: dict[str, bytes], kind: str) -> list[str]:
    content = atom_entry(feeds, kind).find(f"{A}content")
    assert content is not None
    assert content.get("type") == "html"
    return [content.text or "", rss_item(feeds, kind).findtext("description") or ""]


@pytest.mark.parametrize("kind", KINDS)
def test_body_html_has_image_excerpt_and_related_coverage(feeds: dict[str, bytes], kind: str) -> None:
    atom_body, rss_body = bodies(feeds, kind)
    assert atom_body == rss_body  # "<description> holds the same HTML"
    page = html.fromstring(f"<div>{atom_body}</div>")
    img = page.find(".//img")
    assert img is not None
    assert (img.get("src"), img.get("width"), img.get("height")) == (
        "https://img.news.example/t.jpg",
        "640",
        "360",
    )
    assert img.get("alt") == "Tides & turbines: a bold plan"
    assert [p.text_content() for p in page.findall(".//p")][1] == "It's here ’ bold and spaced"
    assert page.findtext(".//h3") == "Related coverage"
    items = page.findall(".//li")
    assert [li.text_content() for li in items] == [
        "Fishers weigh in & worry — Other Paper, 1 Feb 2024",
        "Bare related item",
    ]
    assert [li.find("a").get("href") for li in items] == [
        "https://other.example/fishers",
        "https://third.example/bare",
    ]  # type: ignore[union-attr]
    assert "<b>" not in atom_body
    assert HIDDEN_URL not in atom_body


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("kind", KINDS)
def test_image_as_media_thumbnail_and_content(feeds: dict[str, bytes], kind: str, fmt: str) -> None:
    entry = atom_entry(feeds, kind) if fmt == "atom" else rss_item(feeds, kind)
    thumb, content = entry.find(f"{MEDIA}thumbnail"), entry.find(f"{MEDIA}content")
    assert thumb is not None
    assert content is not None
    expected = {"url": "https://img.news.example/t.jpg", "width": "640", "height": "360"}
    assert dict(thumb.attrib) == expected
    assert dict(content.attrib) == {**expected, "medium": "image"}


def test_no_hidden_document_and_no_secret_anywhere(feeds: dict[str, bytes], tmp_path: Path) -> None:
    everything = b"".join(feeds.values())
    assert HIDDEN_URL.encode() not in everything
    assert b"Article number 4" not in everything
    assert b"c2VjcmV0LWJsb2ItdGhhdC1tdXN0LW5ldmVyLWJlLWVtaXR0ZWQ" not in everything


def test_entries_without_image_provider_or_related_omit_those_rows(
    make_app: AppFactory, tmp_path: Path
) -> None:
    root = write_corpus(
        tmp_path, {"bare.md": document(n=1, images=None, provider=None, related=None, topics=None)}
    )
    with make_app(root).test_client() as c:
        atom = etree.fromstring(c.get("/all.atom").data)
        rss = etree.fromstring(c.get("/all.rss").data)
    entry, item = atom.find(f"{A}entry"), rss.find("channel/item")
    assert entry is not None
    assert item is not None
    assert entry.find(f"{A}author") is None
    assert entry.find(f"{MEDIA}thumbnail") is None
    assert item.find(f"{DC}creator") is None
    assert item.find("source") is None
    assert "Related coverage" not in (entry.findtext(f"{A}content") or "")
