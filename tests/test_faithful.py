"""What the author wrote is what every reader gets, in every format (issue "Faithful and valid").

Each example is served end to end (documents written as text, the app over them) and read back from
every format and page, so a fix in one renderer cannot hide a loss in another.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import feedparser
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from .helpers import AppFactory

ATOM = "{http://www.w3.org/2005/Atom}"
GOOD = (
    'webUrl: "https://news.example.org/a"\npublishedDateTime: 2025-03-14T09:30:00Z\n'
    "provider: {name: News, domain: news.example.org}\n"
)


def write(root: Path, name: str, text: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")


def titles_everywhere(c: FlaskClient, feed: str = "/all", page: str = "/") -> dict[str, list[str]]:
    """The entry titles as each format and the HTML page give them to a reader."""
    atom = etree.fromstring(c.get(f"{feed}.atom").data)
    rss = etree.fromstring(c.get(f"{feed}.rss").data)
    items = json.loads(c.get(f"{feed}.json").data)["items"]
    doc = lxml_html.fromstring(c.get(page).data)
    return {
        "atom": [t.text or "" for t in atom.iter(f"{ATOM}title")][1:],
        "rss": [t.text or "" for t in rss.iter("title")][1:],
        "json": [i["title"] for i in items],
        "page": [a.text_content() for a in doc.findall(".//h2/a") + doc.findall(".//h3/a")],
    }


def test_a_title_with_entity_encoded_angle_brackets_keeps_them_in_every_format(
    make_app: AppFactory, tmp_path: Path
) -> None:
    write(tmp_path, "a.md", f'---\ntitle: "A field guide to the &lt;head&gt; element"\n{GOOD}---\n')
    with make_app(tmp_path).test_client() as c:
        found = titles_everywhere(c, "/all", "/providers/news.example.org")
        for where in ("atom", "rss", "json"):
            assert found[where] == ["A field guide to the <head> element"], where
        assert "A field guide to the <head> element" in found["page"]
        assert b"&lt;head&gt;" in c.get("/all.atom").data  # escaped once, never raw markup


def test_a_topic_in_cyrillic_gets_an_ascii_slug_its_feeds_and_its_own_name(
    make_app: AppFactory, tmp_path: Path
) -> None:
    write(tmp_path, "a.md", f"---\ntitle: Vote\ntopics: [Россия]\n{GOOD}---\n")
    with make_app(tmp_path).test_client() as c:
        atom = c.get("/topics/rossiya.atom")
        assert atom.status_code == 200
        assert b"<title>\xd0\xa0\xd0\xbe\xd1\x81\xd1\x81\xd0\xb8\xd1\x8f" in atom.data  # "Россия — Feeds"
        assert c.get("/topics/rossiya").status_code == 200
        assert 'text="Россия — Feeds"' in c.get("/feeds.opml").get_data(as_text=True)


def test_a_provider_known_only_by_a_name_in_another_script_keeps_its_feeds(
    make_app: AppFactory, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "a.md",
        "---\ntitle: Vote\n"
        + GOOD.replace("domain: news.example.org", "x: 1").replace("News", "東京新聞")
        + "---\n",
    )
    with make_app(tmp_path).test_client() as c:
        opml = etree.fromstring(c.get("/feeds.opml").data)
        urls = [o.get("xmlUrl") for o in opml.iter("outline") if o.get("text") == "東京新聞 — Feeds"]
        assert urls
        assert all(u.isascii() for u in urls)
        assert c.get(urls[0].removeprefix("http://feeds.test")).status_code == 200


def test_no_is_a_topic_not_a_boolean(make_app: AppFactory, tmp_path: Path) -> None:
    write(tmp_path, "a.md", f"---\ntitle: Oslo\ntopics: [NO, Yes, off]\n{GOOD}---\n")
    with make_app(tmp_path).test_client() as c:
        for slug, name in (("no", "NO"), ("yes", "Yes"), ("off", "off")):
            feed = etree.fromstring(c.get(f"/topics/{slug}.atom").data)
            labels = {e.get("term"): e.get("label") for e in feed.iter(f"{ATOM}category")}
            assert labels == {"no": "NO", "yes": "Yes", "off": "off"}
            assert feed.findtext(f"{ATOM}title", "").startswith(f"{name} — ")


def test_a_warning_quotes_what_the_author_wrote(make_app: AppFactory, tmp_path: Path) -> None:
    write(tmp_path, "a.md", f"---\ntitle: Oslo\ntopics: [NO, {{x: 1}}]\nquality: NO\n{GOOD}---\n")
    runner: FlaskCliRunner = make_app(tmp_path).test_cli_runner()
    out = runner.invoke(args=["check", str(tmp_path)]).output
    assert "quality: expected a whole number, got 'NO'" in out
    assert "False" not in out


def test_a_zone_abbreviation_is_understood_not_read_as_utc(make_app: AppFactory, tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        '---\ntitle: Late\nwebUrl: "https://news.example.org/a"\n'
        'publishedDateTime: "Fri, 14 Mar 2025 09:30:00 CEST"\n---\n',
    )
    write(
        tmp_path,
        "b.md",
        '---\ntitle: Unknown zone\nwebUrl: "https://news.example.org/b"\n'
        'publishedDateTime: "Fri, 14 Mar 2025 09:30:00 XYZ"\n---\n',
    )
    app = make_app(tmp_path, TIMEZONE="Europe/Lisbon")
    with app.test_client() as c:
        entries = {e.title: e for e in feedparser.parse(c.get("/all.atom").data).entries}
    assert entries["Late"].published_parsed[:6] == (2025, 3, 14, 7, 30, 0)  # CEST is UTC+2
    assert entries["Unknown zone"].published_parsed[:6] == (2025, 3, 14, 9, 30, 0)  # Lisbon: UTC+0 in March
    out = app.test_cli_runner().invoke(args=["check", str(tmp_path)]).output
    assert (
        "b.md: publishedDateTime: time zone 'XYZ' is not understood; read in Europe/Lisbon (warning)" in out
    )
    assert "a.md:" not in out


def test_a_placeholder_date_is_rejected_with_its_reason(make_app: AppFactory, tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        '---\ntitle: Placeholder\nwebUrl: "https://news.example.org/a"\n'
        "publishedDateTime: 0001-01-01T00:00:00Z\n---\n",
    )
    write(tmp_path, "b.md", f"---\ntitle: Real\n{GOOD.replace('/a', '/b')}---\n")
    app = make_app(tmp_path)
    with app.test_client() as c:
        assert b"Placeholder" not in c.get("/all.rss").data
        assert b" 1 00:00:00" not in c.get("/all.rss").data
    out = app.test_cli_runner().invoke(args=["check", str(tmp_path)]).output
    assert "a.md: publishedDateTime: line 4: '0001-01-01T00:00:00Z' is implausible" in out


def test_an_iri_is_written_as_the_same_uri_everywhere(make_app: AppFactory, tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        '---\ntitle: Bücher\nwebUrl: "https://news.example.org/kultur/bücher-café"\n'
        "publishedDateTime: 2025-03-14T09:30:00Z\nprovider: {name: News, domain: news.example.org}\n"
        'images: [{url: "https://img.example.org/bild für café.jpg", width: 10, height: 10}]\n'
        'related: [{title: Mehr, webUrl: "https://xn--bcher-kva.example/ä ö"}]\n---\n',
    )
    uri = "https://news.example.org/kultur/b%C3%BCcher-caf%C3%A9"
    image = "https://img.example.org/bild%20f%C3%BCr%20caf%C3%A9.jpg"
    related = "https://xn--bcher-kva.example/%C3%A4%20%C3%B6"
    with make_app(tmp_path).test_client() as c:
        atom = etree.fromstring(c.get("/all.atom").data)
        rss = etree.fromstring(c.get("/all.rss").data)
        item = json.loads(c.get("/all.json").data)["items"][0]
        page = c.get("/providers/news.example.org").get_data(as_text=True)
    assert atom.findtext(f"{ATOM}entry/{ATOM}id") == uri
    assert rss.findtext("channel/item/link") == uri
    assert rss.findtext("channel/item/guid") == uri
    media = "{http://search.yahoo.com/mrss/}"
    assert {e.get("url") for e in rss.iter(f"{media}content", f"{media}thumbnail")} == {image}
    assert [e.get("href") for e in atom.iter(f"{ATOM}link") if e.get("rel") == "related"] == [related]
    assert (item["id"], item["url"], item["image"]) == (uri, uri, image)
    assert f'href="{uri}"' in page
    assert f'href="{related}"' in page


NAMES = st.text(
    alphabet=st.characters(
        categories=["L", "N", "Zs", "P", "S", "M"], exclude_characters="<>&\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=20,
).filter(lambda s: any(unicodedata.category(c)[0] in "LN" for c in s) and s.strip() == s and s.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES)
def test_a_topic_name_in_any_script_gets_its_feed_and_keeps_its_name(
    make_app: AppFactory, tmp_path_factory: object, name: str
) -> None:
    root = Path(getattr(tmp_path_factory, "mktemp")("names"))  # noqa: B009 - one folder per example
    write(root, "a.md", f"---\ntitle: Story\ntopics: [{json.dumps(name, ensure_ascii=False)}]\n{GOOD}---\n")
    with make_app(root).test_client() as c:
        opml = etree.fromstring(c.get("/feeds.opml").data)
        outlines = [o for o in opml.iter("outline") if o.get("xmlUrl", "").count("/topics/")]
        assert len(outlines) == 1  # the one topic
        assert {o.get("text") for o in outlines} == {" ".join(name.split()) + " — Feeds"}
        path = outlines[0].get("xmlUrl", "").removeprefix("http://feeds.test").removesuffix(".rss")
        assert path.isascii()
        for suffix in (".atom", ".rss", ".json", ""):
            assert c.get(path + suffix).status_code == 200, suffix
