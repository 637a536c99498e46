"""The HTML pages around the feeds: what a person sees, escaped, cached like the feeds, no script."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import html

from .conftest import BASE, DEMO, AppFactory, document, write_corpus


@pytest.fixture
def demo(make_app: AppFactory) -> FlaskClient:
    return make_app(DEMO).test_client()


def page(client: FlaskClient, url: str) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return html.fromstring(response.data)


@pytest.mark.parametrize("url", ["/", "/topics/economie", "/providers/valley-courier.example"])
def test_pages_are_accessible_and_autodiscoverable(demo: FlaskClient, url: str) -> None:
    doc = page(demo, url)
    assert doc.get("lang") == "en"
    assert doc.find(".//meta[@name='viewport']") is not None
    assert len(doc.findall(".//h1")) == 1
    discovered = {(x.get("type"), x.get("href")) for x in doc.findall(".//link[@rel='alternate']")}
    path = "all" if url == "/" else url.strip("/")
    assert discovered == {
        ("application/atom+xml", f"{BASE}/{path}.atom"),
        ("application/rss+xml", f"{BASE}/{path}.rss"),
        ("application/feed+json", f"{BASE}/{path}.json"),
    }
    assert not doc.findall(".//script")
    for img in doc.findall(".//img"):
        assert img.get("alt")
        assert img.get("width")
        assert img.get("height")


def test_home_lists_every_topic_and_provider_with_count_newest_date_chart_and_feeds(
    demo: FlaskClient,
) -> None:
    doc = page(demo, "/")
    rows = doc.findall(".//table[@class='groups']/tbody/tr")
    assert len(rows) == 8 + 6
    by_name = {row.find("th").text_content(): row for row in rows}  # type: ignore[union-attr]
    economie = by_name["Économie"]
    cells = economie.findall("td")
    assert cells[0].text_content() == "12"
    assert cells[1].find("time").get("datetime") == "2025-11-07T17:00:00+00:00"  # type: ignore[union-attr]
    bars = cells[2].findall(".//rect")
    # Économie's 12 articles fall in 10 months (2024-11, then 2025-02, -03 twice, -05 … -11): 10 bars
    assert len(bars) == 10
    label = cells[2].find(".//svg").get("aria-label")  # type: ignore[union-attr]
    assert label.startswith("Articles per month: ")  # type: ignore[union-attr]
    assert "2025-11 1" in label  # type: ignore[operator]
    feeds = [a.get("href") for a in cells[3].findall("a")]
    assert feeds == [f"{BASE}/topics/economie.atom", f"{BASE}/topics/economie.rss"]
    assert "Secret Negotiations" not in html.tostring(doc, encoding="unicode")


def test_feed_page_shows_articles_as_a_reader_wants_them(demo: FlaskClient) -> None:
    doc = page(demo, "/topics/energy")
    items = doc.findall(".//ol[@class='articles']/li")
    assert len(items) == 8
    wind = next(li for li in items if "wins final approval" in li.find(".//h2").text_content())  # type: ignore[union-attr]
    link = wind.find(".//h2/a")
    assert link is not None
    assert link.get("href") == "https://www.harbour-gazette.example/news/harbour-wind-farm-approved"
    assert "Harbour Gazette" in wind.find(".//p[@class='meta']").text_content()  # type: ignore[union-attr]
    img = wind.find(".//img")
    assert img is not None
    assert (img.get("width"), img.get("height")) == ("1200", "675")
    related = [a.text_content() for a in wind.findall(".//div[@class='related']//a")]
    assert related == [
        "What the Greyhaven turbines mean for local fishing",
        "Grid upgrade delayed by a year as transformer orders back up",
    ]
    subscribe = doc.find(".//section[@class='subscribe']")
    assert subscribe is not None
    assert f"{BASE}/topics/energy.atom" in subscribe.text_content()


def test_pages_page_like_the_feeds(demo: FlaskClient) -> None:
    first = page(demo, "/topics/transport?limit=4")
    older = first.find(".//nav[@class='pages']/a[@rel='next']")
    assert older is not None
    assert older.get("href") == f"{BASE}/topics/transport?limit=4&page=2"
    last = page(demo, "/topics/transport?limit=4&page=3")
    assert last.find(".//nav[@class='pages']/a[@rel='next']") is None
    assert len(last.findall(".//ol[@class='articles']/li")) == 3  # 11 articles: 4 + 4 + 3
    assert demo.get("/topics/transport?limit=4&page=4").status_code == 404


def test_pages_have_validators_and_a_policy_against_script(demo: FlaskClient) -> None:
    first = demo.get("/providers/northern-ledger.example")
    assert "script-src" not in first.headers["Content-Security-Policy"]
    assert first.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert (
        demo.get(
            "/providers/northern-ledger.example", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    stylesheet = demo.get("/static/site.css")
    assert stylesheet.status_code == 200
    stylesheet.close()


def test_document_strings_are_escaped_in_pages(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path,
        {
            "x.md": document(
                n=1,
                title="&lt;script&gt;alert(1)&lt;/script&gt;Tides <i>now</i>",
                excerpt='"><img src=x onerror=alert(2)>',
                provider={"name": "<b>Evil</b> & Co", "domain": "evil.example"},
                related=[{"title": "<script>bad()</script>Real", "webUrl": "https://r.example/1"}],
            )
        },
    )
    with make_app(root).test_client() as c:
        for url in ("/", "/topics/ai", "/providers/evil.example"):
            body = c.get(url).get_data(as_text=True)
            assert "<script" not in body
            assert "onerror" not in body  # the tag was stripped from the excerpt before anything saw it
            assert "<b>Evil</b>" not in body
        doc = html.fromstring(c.get("/topics/ai").data)
    assert doc.find(".//h2/a").text_content() == "Tides now"  # type: ignore[union-attr]
