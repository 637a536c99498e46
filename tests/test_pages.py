"""The HTML pages around the feeds: what a person sees, escaped, cached like the feeds, no script."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html

from feeds.feedkeys import FeedKey, Summary
from feeds.render import chart as month_charts
from feeds.render import html as pages

from .helpers import BASE, DEMO, AppFactory, document, write_corpus


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
    # Économie's 12 articles fall in 2024-11, then 2025-02, -03 twice, -05 … -11; the demo corpus's
    # visible articles run from Aug 2024 to Nov 2025: one bar for each of those 16 months, the empty
    # ones (Aug, Sep, Oct, Dec 2024, Jan, Apr 2025) with no height
    assert len(bars) == 16
    assert "".join("." if float(b.get("height", "")) == 0 else "#" for b in bars) == "...#..##.#######"
    label = cells[2].find(".//svg").get("aria-label")  # type: ignore[union-attr]
    assert label.startswith("Articles per month: ")  # type: ignore[union-attr]
    assert "2025-11 1" in label  # type: ignore[operator]
    assert "2024-12 0" in label  # type: ignore[operator]
    feeds = [a.get("href") for a in cells[3].findall("a")]
    assert feeds == [
        f"{BASE}/topics/economie.atom",
        f"{BASE}/topics/economie.rss",
        f"{BASE}/topics/economie.json",
    ]
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
    assert older.get("href") == f"{BASE}/topics/transport/?limit=4&page=2"
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
    # written as entities by the author: characters, shown as text (escaped), never run
    assert doc.find(".//h2/a").text_content() == "<script>alert(1)</script>Tides now"  # type: ignore[union-attr]


# --- subscribing, readable URLs, paging, the month charts ------------------------------------------------

READER_PREFIXES = (
    ("Feedly", "https://feedly.com/i/subscription/feed%2F"),
    ("Inoreader", "https://www.inoreader.com/?add_feed="),
    ("NewsBlur", "https://www.newsblur.com/?url="),
    ("The Old Reader", "https://theoldreader.com/feeds/subscribe?url="),
)


def subscribe_box(doc: html.HtmlElement) -> html.HtmlElement:
    box = doc.find(".//section[@class='subscribe']")
    assert box is not None
    return box


@pytest.mark.parametrize("url", ["/", "/topics/economie", "/providers/valley-courier.example"])
def test_subscribe_boxes_offer_every_format_and_one_click_web_readers(demo: FlaskClient, url: str) -> None:
    path = "all" if url == "/" else url.strip("/")
    box = subscribe_box(page(demo, url))
    hrefs = [a.get("href") for a in box.iter("a")]
    for fmt in ("atom", "rss", "json"):
        assert f"{BASE}/{path}.{fmt}" in hrefs
    readers = {a.text_content(): a.get("href") for a in box.iter("a") if "reader" in (a.get("class") or "")}
    encoded = f"http%3A%2F%2Ffeeds.test%2F{path.replace('/', '%2F')}.atom"
    assert readers == {name: prefix + encoded for name, prefix in READER_PREFIXES}


def test_reader_links_percent_encode_the_whole_feed_url(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, topics=["Computer Vision"])})
    client = make_app(root, BASE_URL="https://news.example:8443/feeds~x").test_client()
    box = subscribe_box(page(client, "/topics/computer-vision"))
    readers = {a.text_content(): a.get("href") for a in box.iter("a") if "reader" in (a.get("class") or "")}
    assert readers["Inoreader"] == (
        "https://www.inoreader.com/?add_feed="
        "https%3A%2F%2Fnews.example%3A8443%2Ffeeds~x%2Ftopics%2Fcomputer-vision.atom"
    )
    assert readers["Feedly"] == (
        "https://feedly.com/i/subscription/feed%2F"
        "https%3A%2F%2Fnews.example%3A8443%2Ffeeds~x%2Ftopics%2Fcomputer-vision.atom"
    )


def test_feed_urls_are_shown_whole_and_wrap_only_after_a_slash(demo: FlaskClient) -> None:
    body = demo.get("/topics/economie").get_data(as_text=True)
    codes = subscribe_box(html.fromstring(body)).findall(".//code")
    assert [c.text_content() for c in codes] == [
        f"{BASE}/topics/economie.{f}" for f in ("atom", "rss", "json")
    ]
    # a line may break only at a <wbr> (a void element, which lxml's parser would nest, so the
    # markup is read as text): after "http://" and after each later "/"; each segment is one
    # unbreakable span (the stylesheet's nowrap)
    pieces = [code.split("<wbr>") for code in re.findall(r"<code>(.*?)</code>", body)]
    assert pieces == [
        [
            "<span>http://</span>",
            "<span>feeds.test/</span>",
            "<span>topics/</span>",
            f"<span>economie.{f}</span>",
        ]
        for f in ("atom", "rss", "json")
    ]


def test_a_later_page_says_which_page_it_is(demo: FlaskClient) -> None:
    first = page(demo, "/topics/transport?limit=4")
    assert first.findtext(".//title") == "Transport — Feeds"
    assert first.find(".//h1").text_content() == "Transport"  # type: ignore[union-attr]
    second = page(demo, "/topics/transport?limit=4&page=2")
    assert second.findtext(".//title") == "Transport — page 2 of 3 — Feeds"
    assert second.find(".//h1").text_content() == "Transport, page 2 of 3"  # type: ignore[union-attr]
    assert "Page 2 of 3" in second.find(".//nav[@class='pages']").text_content()  # type: ignore[union-attr]
    last = page(demo, "/topics/transport?limit=4&page=3")
    assert "page 3 of 3" in last.findtext(".//title")  # type: ignore[operator]


def chart_of(client: FlaskClient, name: str) -> html.HtmlElement:
    rows = page(client, "/").findall(".//table[@class='groups']/tbody/tr")
    row = next(r for r in rows if r.find("th").text_content() == name)  # type: ignore[union-attr]
    svg = row.find(".//svg")
    assert svg is not None
    return svg


def test_month_chart_is_a_timeline_with_a_labelled_axis(demo: FlaskClient) -> None:
    svg = chart_of(demo, "Climate")  # Aug 2024, then Jan, Feb, Mar, May, Jun, Jul (2), Sep, Nov 2025
    bars = svg.findall("rect")
    assert len(bars) == 16  # Aug 2024 … Nov 2025
    xs = [float(b.get("x", "")) for b in bars]
    steps = [b - a for a, b in itertools.pairwise(xs)]
    assert max(steps) - min(steps) < 0.15, "one slot per month, evenly spaced"
    assert len({b.get("width") for b in bars}) == 1
    heights = [float(b.get("height", "")) for b in bars]
    assert "".join("#" if h > 0 else "." for h in heights) == "#....###.###.#.#"
    assert max(heights) == heights[11]  # July 2025, the busiest month, is the tallest bar
    labels = [t.text for t in svg.findall("text")]
    assert labels[0] == "Aug 2024"
    assert labels[-1] == "Nov 2025"
    year = svg.find("path[@class='year']")  # one boundary: where 2025 begins, before the 6th month
    assert year is not None
    assert year.get("d", "").count("M") == 1
    boundary = float(year.get("d", "")[1:].split()[0])
    assert xs[4] + float(bars[4].get("width", "")) <= boundary <= xs[5]
    titled = [b.findtext("title") for b in bars]
    assert titled[0] == "Aug 2024: 1 article"
    assert titled[11] == "Jul 2025: 2 articles"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(1990, 2040), st.integers(1, 12)), st.integers(1, 400), min_size=1, max_size=12
    )
)
def test_every_month_from_the_first_to_the_last_has_one_bar(counts: dict[tuple[int, int], int]) -> None:
    """Whatever months have articles: one bar per month from the first to the last (the latest 36 at
    most), empty months with no height, busier months taller, and the counts in the text alternative."""
    ordered = sorted(counts.items())
    last = ordered[-1][0][0] * 12 + ordered[-1][0][1] - 1
    first = max(ordered[0][0][0] * 12 + ordered[0][0][1] - 1, last - 35)
    shown = [((k // 12, k % 12 + 1), counts.get((k // 12, k % 12 + 1), 0)) for k in range(first, last + 1)]
    summary = Summary(FeedKey("topics", "x"), "X", 1, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    chart = month_charts.Chart(tuple((f"{y:04d}-{m:02d}", n) for (y, m), n in ordered))
    _, render = pages.index_page("Site", BASE, 1, "", [pages.Listing("Topics", ((summary, chart),))])
    svg = html.fromstring(render()).find(".//svg")
    assert svg is not None
    heights = [float(rect.get("height", "")) for rect in svg.findall("rect")]
    assert len(heights) == len(shown)
    assert [h == 0 for h in heights] == [n == 0 for _, n in shown]
    for (_, a), ha in zip(shown, heights, strict=True):
        for (_, b), hb in zip(shown, heights, strict=True):
            assert a <= b or ha >= hb
    assert svg.get("aria-label") == "Articles per month: " + ", ".join(
        f"{y:04d}-{m:02d} {n}" for (y, m), n in shown
    )
    labels = [t.text for t in svg.findall("text")]
    (y0, m0), (y1, m1) = shown[0][0], shown[-1][0]
    assert labels[0] == f"{MONTHS[m0 - 1]} {y0}"
    assert labels[-1] == f"{MONTHS[m1 - 1]} {y1}"


def test_the_opml_link_downloads_the_file_a_reader_imports(demo: FlaskClient) -> None:
    # A browser shows OPML as raw XML; the link asks it to save the file under the name readers import.
    (link,) = [a for a in page(demo, "/").iter("a") if (a.get("href") or "").endswith("/feeds.opml.xml")]
    assert link.get("download") == "feeds.opml"
    assert demo.get("/feeds.opml.xml").data.lstrip().startswith(b"<?xml")


def months_of(svg: html.HtmlElement) -> list[str]:
    """The months a chart shows ('YYYY-MM'), from its text alternative."""
    label = svg.get("aria-label", "").removeprefix("Articles per month: ")
    return [part.split(" ")[0] for part in label.split(", ")]


def geometry(svg: html.HtmlElement) -> tuple[object, ...]:
    """Where a chart puts its slots and labels: each bar's x and width, the year marks, the labels."""
    bars = tuple((b.get("x"), b.get("width")) for b in svg.findall("rect"))
    labels = tuple((t.get("x"), t.get("text-anchor"), t.text) for t in svg.findall("text"))
    return bars, tuple(p.get("d") for p in svg.findall("path")), labels


def month_range(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    (y, m), out = first, []
    while (y, m) <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_every_chart_on_the_home_page_is_on_one_timeline(demo: FlaskClient) -> None:
    # The demo corpus's visible articles run from 2024-08-30 to 2025-11-07: every row shows those
    # 16 months, in the same slots with the same bar width and labels, so rows compare month by month.
    svgs = page(demo, "/").findall(".//table[@class='groups']//svg")
    assert len(svgs) == 8 + 6
    for svg in svgs:
        assert months_of(svg) == month_range((2024, 8), (2025, 11))
        assert geometry(svg) == geometry(svgs[0])
    assert {svg.findall("text")[0].text for svg in svgs} == {"Aug 2024"}
    assert {svg.findall("text")[-1].text for svg in svgs} == {"Nov 2025"}


def test_a_long_running_topic_keeps_its_older_months_beside_a_new_one(
    make_app: AppFactory, tmp_path: Path
) -> None:
    # "Long": one article a month for 14 months (2023-01 … 2024-02); "Short": the last two months only.
    docs = {}
    for i in range(14):
        when = dt.datetime(2023 + i // 12, i % 12 + 1, 10, tzinfo=dt.UTC)
        docs[f"long-{i}.md"] = document(n=i, publishedDateTime=when, topics=["Long"])
    for i in (12, 13):
        when = dt.datetime(2024, i - 11, 20, tzinfo=dt.UTC)
        docs[f"short-{i}.md"] = document(n=100 + i, publishedDateTime=when, topics=["Short"])
    client = make_app(write_corpus(tmp_path / "c", docs)).test_client()
    long_chart, short_chart = chart_of(client, "Long"), chart_of(client, "Short")
    months = month_range((2023, 1), (2024, 2))
    assert months_of(long_chart) == months_of(short_chart) == months
    assert [float(b.get("height", "")) > 0 for b in long_chart.findall("rect")] == [True] * 14
    assert [float(b.get("height", "")) > 0 for b in short_chart.findall("rect")] == [False] * 12 + [True] * 2
    assert geometry(long_chart) == geometry(short_chart)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.tuples(st.integers(2000, 2030), st.integers(1, 12)), st.integers(1, 50), min_size=1, max_size=8
        ),
        min_size=1,
        max_size=5,
    )
)
def test_charts_of_one_page_share_their_months_slots_and_labels(
    rows: list[dict[tuple[int, int], int]],
) -> None:
    """Whatever months each row has: every chart shows the same months, from the earliest of any row
    to the latest (the latest 36 at most), each row's own count in each month (0 where it has none),
    with the same bar positions, widths and labels."""
    last = max(max(row) for row in rows)
    first = min(min(row) for row in rows)
    first = max(first, (last[0] - 3, last[1] + 1) if last[1] < 12 else (last[0] - 2, 1))
    shown = month_range(first, last)
    ordered = [tuple((f"{y:04d}-{m:02d}", n) for (y, m), n in sorted(row.items())) for row in rows]
    summaries = [
        Summary(FeedKey("topics", f"t{i}"), f"T{i}", 1, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        for i in range(len(rows))
    ]
    charts = month_charts.timeline(ordered)
    _, render = pages.index_page(
        "Site", BASE, 1, "", [pages.Listing("Topics", tuple(zip(summaries, charts, strict=True)))]
    )
    svgs = html.fromstring(render()).findall(".//svg")
    assert len(svgs) == len(rows)
    for row, svg in zip(rows, svgs, strict=True):
        counts = {f"{y:04d}-{m:02d}": n for (y, m), n in row.items()}
        label = svg.get("aria-label", "").removeprefix("Articles per month: ")
        assert label == ", ".join(f"{month} {counts.get(month, 0)}" for month in shown)
        assert geometry(svg) == geometry(svgs[0])
