"""Dates, names and empty text as written, second round (issue 11, second audit).

A date with a zone written as a name and an offset (`GMT+0200`, JavaScript's `Date.toString()`) or
on a 12-hour clock (`9:30 PM CEST`) is read at the instant it names, or `check` says how it was
read: never silently shifted. A lone number-shaped topic is a topic. Warnings quote what the author
wrote and name the item (`images[0].url`), never Python's reading (`None`, `''`, `True`). A value
out of range costs only itself, with a warning. Text that shows nothing (whitespace and invisible
format characters) is empty everywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.dates import read_date
from feeds.fields import text_of, text_problem
from feeds.parse import read_text

from .helpers import AppFactory, write_corpus

ATOM = "{http://www.w3.org/2005/Atom}"
LISBON = ZoneInfo("Europe/Lisbon")
AT_0730Z = dt.datetime(2025, 3, 14, 7, 30, tzinfo=dt.UTC)


def doc(n: int, fields: str, date: str = "2025-03-14T09:30:00Z") -> str:
    head = f"---\ntitle: Story {n}\nwebUrl: https://news.example/story-{n}\n"
    return f"{head}publishedDateTime: {date}\n{fields}---\n"


def check_output(make_app: AppFactory, root: Path) -> str:
    return str(make_app(root).test_cli_runner().invoke(args=["check", str(root)]).output)


def warnings_of(text: str) -> list[str]:
    reading = read_text(text, "a.md")
    assert reading.article is not None, reading.rejected
    return [f"{w.field}: {w.reason}" for w in reading.warnings]


# --- D1: a zone written as a name and an offset, and a 12-hour clock -----------------------------------


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("Fri, 14 Mar 2025 09:30:00 GMT+0200", "07:30"),
        ("Fri, 14 Mar 2025 09:30:00 GMT+02:00", "07:30"),
        ("Fri, 14 Mar 2025 09:30:00 GMT+2", "07:30"),
        ("Fri, 14 Mar 2025 09:30:00 GMT-0500", "14:30"),
        ("Fri, 14 Mar 2025 09:30:00 UTC+2", "07:30"),
        ("Fri, 14 Mar 2025 09:30:00 UTC-05:00", "14:30"),
        ("Fri, 14 Mar 2025 09:30:00 UT+3", "06:30"),
        ("Fri, 14 Mar 2025 09:30:00 UTC+5:30", "04:00"),
        ("Fri Mar 14 2025 09:30:00 GMT+0200 (Central European Summer Time)", "07:30"),
        ("2025-03-14T09:30:00 GMT+02:00", "07:30"),
        ("2025-03-14 09:30:00 +0200 CEST", "07:30"),  # Go's time.String()
        ("Fri, 14 Mar 2025 9:30 PM CEST", "19:30"),
        ("Fri, 14 Mar 2025 09:30 a.m. CEST", "07:30"),
        ("Fri Mar 14 09:30:00 pm CEST 2025", "19:30"),
        ("2025-03-14T12:05:00AM+01:00", "23:05"),  # midnight on a 12-hour clock: the day before in UTC
    ],
)
def test_a_zone_with_an_offset_and_a_12_hour_clock_are_read_at_their_instant(text: str, instant: str) -> None:
    hour, minute = map(int, instant.split(":"))
    day = 13 if text.endswith("AM+01:00") else 14
    reading = read_date(text, LISBON)
    assert (reading.moment, reading.note) == (dt.datetime(2025, 3, day, hour, minute, tzinfo=dt.UTC), None)


@pytest.mark.parametrize(
    "text",
    ["Fri, 14 Mar 2025 09:30:00 CEST+1", "Fri, 14 Mar 2025 09:30:00 +0200 UTC", "2025-03-14 09:30 EST+0200"],
)
def test_a_name_and_an_offset_that_disagree_are_never_read_silently(text: str) -> None:
    reading = read_date(text, LISBON)
    assert reading.moment is None or reading.note is not None


def test_an_hour_a_12_hour_clock_does_not_have_is_rejected() -> None:
    reading = read_date("Fri, 14 Mar 2025 13:30 PM GMT", LISBON)
    assert reading.moment is None
    assert "13" in (reading.problem or "")


def test_a_javascript_date_is_served_at_its_instant_with_no_warning(
    make_app: AppFactory, tmp_path: Path
) -> None:
    js = '"Fri Mar 14 2025 09:30:00 GMT+0200 (Central European Summer Time)"'
    root = write_corpus(tmp_path / "content", {"a.md": doc(1, "published: true\n", date=js)})
    assert "warning" not in check_output(make_app, root).split("\n", 1)[1]
    with make_app(root).test_client() as c:
        rss = etree.fromstring(c.get("/all.rss").data)
    assert rss.findtext("channel/item/pubDate") == "Fri, 14 Mar 2025 07:30:00 +0000"


KNOWN = {"UT": 0, "UTC": 0, "GMT": 0, "EST": -300, "EDT": -240, "PDT": -420, "CET": 60, "CEST": 120,
         "JST": 540, "EET": 120, "MSK": 180}  # fmt: skip
UTC_NAMES = ["GMT", "UTC", "UT"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def offset_text(minutes: int, colon: bool, short: bool) -> str:
    sign, hours, rest = "-" if minutes < 0 else "+", abs(minutes) // 60, abs(minutes) % 60
    if short and rest == 0:
        return f"{sign}{hours}"
    return f"{sign}{hours:02d}{':' if colon else ''}{rest:02d}"


@st.composite
def zones(draw: st.DrawFn) -> tuple[str, int, bool]:
    """(zone as written, its offset in minutes, whether it names one offset the service must read)."""
    kind = draw(st.sampled_from(["offset", "name", "utc+offset", "name+same", "name+other", "unknown"]))
    minutes = draw(st.integers(-14 * 60, 14 * 60).map(lambda m: m - m % 15))
    colon, short, space = draw(st.booleans()), draw(st.booleans()), draw(st.sampled_from(["", " "]))
    if kind == "offset":
        return offset_text(minutes, colon, short=False), minutes, True
    if kind == "utc+offset":
        return f"{draw(st.sampled_from(UTC_NAMES))}{space}{offset_text(minutes, colon, short)}", minutes, True
    name = draw(st.sampled_from(sorted(KNOWN)))
    if kind == "name":
        return name, KNOWN[name], True
    if kind == "name+same":  # Go's `+0200 CEST`
        return f"{offset_text(KNOWN[name], colon, short=False)} {name}", KNOWN[name], True
    if kind == "name+other":
        other = KNOWN[name] + draw(st.sampled_from([-120, -60, 60, 180]))
        if name in UTC_NAMES:
            return f"{offset_text(other, colon, short=False)} {name}", other, False
        return f"{name}{space}{offset_text(other, colon, short)}", other, False
    return draw(st.sampled_from(["XYZ", "QQT", "IST", "Foo", "CEST+1x"])), 0, False


@st.composite
def written_instants(draw: st.DrawFn) -> tuple[str, dt.datetime, bool]:
    """(a date as written, the instant it names, whether it must be read at that instant)."""
    earliest, latest = dt.datetime(1971, 1, 1), dt.datetime(2099, 1, 1)  # noqa: DTZ001 - hypothesis bounds
    instant = draw(st.datetimes(earliest, latest, timezones=st.just(dt.UTC))).replace(microsecond=0)
    zone, minutes, known = draw(zones())
    local = (instant + dt.timedelta(minutes=minutes)).replace(tzinfo=None)
    if draw(st.booleans()):
        marker = draw(st.sampled_from(["AM", "PM", "am", "pm", "a.m.", "P.M.", "Pm"]))
        marker = ("P" if local.hour >= 12 else "A") + marker[1:] if marker[0].isupper() else marker
        marker = marker.replace("a", "p") if local.hour >= 12 else marker.replace("p", "a")
        clock = f"{(local.hour % 12) or 12}:{local:%M:%S}{draw(st.sampled_from(['', ' ']))}{marker}"
    else:
        clock = f"{local:%H:%M:%S}"
    day, month = DAYS[local.weekday()], MONTHS[local.month - 1]
    comment = draw(st.sampled_from(["", " (a comment)", " (Central European Summer Time)"]))
    form = draw(st.sampled_from(["rfc", "iso", "asctime", "javascript"]))
    if form == "asctime" and zone[0] in "+-":
        form = "rfc"
    text = {
        "rfc": f"{day}, {local.day:02d} {month} {local.year} {clock} {zone}{comment}",
        "iso": f"{local:%Y-%m-%d}T{clock} {zone}",
        "asctime": f"{day} {month} {local.day:2d} {clock} {zone} {local.year}",  # `date`
        "javascript": f"{day} {month} {local.day:02d} {local.year} {clock} {zone}{comment}",
    }[form]
    return text, instant, known


@settings(max_examples=600, deadline=None)
@given(written=written_instants())
def test_a_written_instant_reads_back_or_carries_a_warning(written: tuple[str, dt.datetime, bool]) -> None:
    text, instant, known = written
    reading = read_date(text, LISBON)
    if known:
        assert (reading.moment, reading.note) == (instant, None), text
    else:
        assert reading.moment is None or reading.note is not None, text
    if reading.moment is not None and reading.note is None:
        assert reading.moment == instant, text  # never another instant without a word


# --- N4: a lone number-shaped topic; a title that is not text -----------------------------------------


@pytest.mark.parametrize(("written", "slug"), [("3.10", "3-10"), ("0x1F", "0x1f"), ("TRUE", "true")])
def test_a_lone_topic_written_as_a_number_or_boolean_is_one_topic_as_written(
    make_app: AppFactory, tmp_path: Path, written: str, slug: str
) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": doc(1, f"published: true\ntopics: {written}\n")})
    assert "topics" not in check_output(make_app, root)
    with make_app(root).test_client() as c:
        response = c.get(f"/topics/{slug}.atom")
        tags = json.loads(c.get("/all.json").data)["items"][0]["tags"]
    assert response.status_code == 200
    assert written in tags
    terms = {e.get("label") or e.get("term") for e in etree.fromstring(response.data).iter(f"{ATOM}category")}
    assert written in terms


@pytest.mark.parametrize(
    ("value", "reason"),
    [([1000.0, 31], "not text: a list of 2 item(s)"), ({"a": 1}, "not text: a mapping of 1 item(s)"),
     (None, "missing"), ("", "empty"), ("\u200b", "empty: '\\u200b' shows no text"),
     ("<b></b>", "empty: '<b></b>' shows no text")],
)  # fmt: skip
def test_why_a_title_is_not_text_says_what_it_is(value: object, reason: str) -> None:
    assert text_of(value) == ""
    assert text_problem(value) == reason


# --- N5: warnings name the item and quote what was written --------------------------------------------


def test_check_names_the_image_and_quotes_the_topic_as_written(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "content",
        {
            "a.md": doc(1, "images:\n  - {width: 3}\n  - {url: ~}\ntopics: ['<b></b>', '&nbsp;']\n"),
        },
    )
    out = check_output(make_app, root)
    assert "a.md: images[0].url: missing; left out (warning)" in out
    assert "a.md: images[1].url: empty; left out (warning)" in out
    assert "not a topic name: '<b></b>'" in out
    assert "not a topic name: '&nbsp;'" in out
    assert "None" not in out


ODD = ["~", "", "'  '", "'<b></b>'", "'&nbsp;'", "TRUE", "false", "0x1F", "1e3", "[]", "{}", "[1, 2]",
       ".nan", "-5", "'\u200b'", "{a: 1}", "yes", "null", "Null"]  # fmt: skip
SLOTS = ["topics: {v}", "topics: [{v}]", "images: [{{url: {v}}}]",
         "images: [{{url: 'https://i.example/a.jpg', width: {v}, height: {v}}}]", "quality: {v}", "heat: {v}",
         "provider: {{name: {v}, domain: {v}}}", "related: [{{title: {v}, webUrl: {v}}}]",
         "related: [{{title: R, webUrl: 'https://r.example/'}}, {v}]",
         "excerpt: {v}", "type: {v}", "images: {v}", "related: {v}", "provider: {v}"]  # fmt: skip
PYTHON = re.compile(r"\bNone\b|''|\bTrue\b|\bFalse\b")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SLOTS), st.sampled_from(ODD)), min_size=1, max_size=4))
def test_no_warning_shows_pythons_reading_of_an_odd_value(fields: list[tuple[str, str]]) -> None:
    lines = {slot.split(":")[0]: slot.format(v=value) for slot, value in fields}
    text = doc(1, "".join(f"{line}\n" for line in lines.values()))
    reading = read_text(text, "a.md")
    said = [f"{w.field}: {w.reason}" for w in reading.warnings]
    if reading.rejected is not None:
        said.append(reading.rejected.problem.reason)
    for line in said:
        assert not PYTHON.search(line), (text, line)


# --- 5: a value out of range costs only itself, with a warning that names it -------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("images: [{url: 'https://i.example/a.jpg', width: 1e29}]",
         "images[0].width: expected a whole number of pixels, got '1e29'; left out"),
        ("images: [{url: 'https://i.example/a.jpg', width: 10^29}]",
         "images[0].width: expected a whole number of pixels, got '10^29'; left out"),
        ("images: [{url: 'https://i.example/a.jpg', height: -5}]",
         "images[0].height: out of range: '-5' (expected a whole number of pixels from 1 to 99999)"),
        ("quality: " + "9" * 40,
         f"quality: out of range: '{'9' * 40}' (expected a whole number from -999999999999999999 "
         "to 999999999999999999); left out"),
    ],
)  # fmt: skip
def test_a_size_or_number_out_of_range_is_warned_about_by_path(fields: str, expected: str) -> None:
    assert any(line.startswith(expected) for line in warnings_of(doc(1, fields + "\n")))


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(-(10**30), 10**30).map(str),
        st.floats(allow_nan=False).map(repr),
        st.sampled_from(["10^29", "'640'", "'  12 '", "0x10", "1_000", "'abc'", "true"]),
    )
)
def test_an_image_size_is_kept_or_warned_about(value: str) -> None:
    text = doc(1, f"images: [{{url: 'https://i.example/a.jpg', width: {value}}}]\n")
    reading = read_text(text, "a.md")
    assert reading.article is not None
    assert reading.article.image is not None
    warned = [w for w in reading.warnings if w.field == "images[0].width"]
    assert (reading.article.image.width is None) == bool(warned), (value, warned)
    if reading.article.image.width is not None:
        assert 1 <= reading.article.image.width <= 99_999


# --- A2: text that shows nothing is empty everywhere ---------------------------------------------------

FORMAT_CHARACTERS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
BLANK_PIECES = ["", " ", "\u3000", "\u2003", "\u00a0", "\t", "<p>", "</p>", "<b></b>", "<br/>", "&nbsp;",
                "&ensp;", "&#8203;", "&zwnj;", "&shy;", "&#xFEFF;"]  # fmt: skip


def shows_nothing(text: str) -> bool:
    """Whether a reader sees nothing of `text` (markup and entities read as a browser does)."""
    plain = html.unescape(re.sub(r"<[^>]*>", "", text))
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in plain)


def blank_strings(value: Any, at: str = "") -> list[str]:
    if isinstance(value, str):
        return [at] if shows_nothing(value) else []
    if isinstance(value, dict):
        return [p for key, inner in value.items() for p in blank_strings(inner, f"{at}.{key}")]
    if isinstance(value, list):
        return [p for i, inner in enumerate(value) for p in blank_strings(inner, f"{at}[{i}]")]
    return []


blank_texts = st.lists(st.sampled_from(FORMAT_CHARACTERS) | st.sampled_from(BLANK_PIECES), max_size=8).map(
    "".join
)


@settings(max_examples=300, deadline=None)
@given(blank_texts)
def test_text_of_only_invisible_characters_is_empty(text: str) -> None:
    assert text_of(text) == ""
    assert text_problem(text).startswith("empty")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(excerpt=blank_texts, title=blank_texts)
def test_an_invisible_excerpt_is_left_out_of_every_format_and_an_invisible_title_rejects(
    make_app: AppFactory, tmp_path: Path, excerpt: str, title: str
) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    quoted = json.dumps(excerpt, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    write_corpus(
        root,
        {
            "a.md": doc(1, f"published: true\nexcerpt: {quoted}\n"),
            "b.md": f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nwebUrl: https://news.example/b\n"
            "publishedDateTime: 2025-03-14T09:30:00Z\npublished: true\n---\n",
        },
    )
    with make_app(root).test_client() as c:
        atom, rss = etree.fromstring(c.get("/all.atom").data), etree.fromstring(c.get("/all.rss").data)
        feed = json.loads(c.get("/all.json").data)
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == ["Story 1"]
    assert atom.find(f"{ATOM}entry/{ATOM}summary") is None
    assert atom.find(f"{ATOM}entry/{ATOM}content") is None or not shows_nothing(
        atom.findtext(f"{ATOM}entry/{ATOM}content") or ""
    )
    assert all(not shows_nothing(d.text or "") for d in rss.iter("description"))
    assert blank_strings(feed) == []


@pytest.mark.parametrize("excerpt", ["\u200b", "\u2060\ufeff", "\u00ad", "<p>\u200b</p>", "&#8203;"])
def test_an_invisible_excerpt_gives_no_content_or_summary(
    make_app: AppFactory, tmp_path: Path, excerpt: str
) -> None:
    root = write_corpus(
        tmp_path / "content", {"a.md": doc(1, f"published: true\nexcerpt: {json.dumps(excerpt)}\n")}
    )
    with make_app(root).test_client() as c:
        atom = etree.fromstring(c.get("/all.atom").data)
        item = json.loads(c.get("/all.json").data)["items"][0]
    assert atom.find(f"{ATOM}entry/{ATOM}summary") is None
    assert "summary" not in item
    assert "content_html" not in item


# --- one warning per cause: a value an item needs that YAML cannot build ------------------------------

UNBUILDABLE = [
    "!!python/object:os.system x",
    "!local y",
    "!!binary aGk=",
    "!!int abc",
    "!!float q",
    "!!set {a}",
]
# (the item's YAML with NEEDED where the unbuildable value goes, the warning's field)
ITEMS = {
    "images[0].url": ("images:\n  - url: NEEDED\n    width: 10\n", "images[0].url"),
    "related[0].title": ("related:\n  - title: NEEDED\n    webUrl: https://r.example/1\n", "related[0]"),
    "related[0].webUrl": ("related:\n  - title: Story\n    webUrl: NEEDED\n", "related[0]"),
}


@settings(max_examples=60)
@given(st.sampled_from(sorted(ITEMS)), st.sampled_from(UNBUILDABLE))
def test_an_item_left_out_for_a_value_yaml_cannot_build_is_one_warning_with_the_reason(
    slot: str, value: str
) -> None:
    """`check` says once why the image or related link went, with the value's line and reason, never
    a second line calling the value `missing`."""
    item, field = ITEMS[slot]
    reading = read_text(doc(1, item.replace("NEEDED", value)), "a.md", dt.UTC)
    assert reading.article is not None
    about = [f"{w.field}: {w.reason}" for w in reading.warnings if w.field.startswith(field)]
    assert len(about) == 1, about
    tag = value.split()[0]
    line = 5 + next(n for n, text in enumerate(item.split("\n")) if "NEEDED" in text)  # after 4 lines
    assert f"line {line}: " in about[0], about
    assert tag in about[0] or "abc" in about[0] or "'q'" in about[0], about
    assert "missing" not in about[0], about


@settings(max_examples=60)
@given(
    st.lists(
        st.sampled_from(["Good", "[a, b]", "{x: 1}", "'!!!'", "'<b></b>'", "Other"]), min_size=1, max_size=6
    )
)
def test_each_topic_left_out_is_named_by_its_place_in_the_list(items: list[str]) -> None:
    """`check` says which item of `topics` went (`topics[2]`), once each, not `topics` over and over."""
    text = doc(1, "topics:\n" + "".join(f"  - {item}\n" for item in items))
    said = [line for line in warnings_of(text) if line.startswith("topics")]
    bad = [n for n, item in enumerate(items) if item not in ("Good", "Other")]
    assert [line.split(":")[0] for line in said] == [f"topics[{n}]" for n in bad]


IMAGE_URLS = ["https://img.example/a.jpg", "//img.example/p.jpg", "javascript:alert(1)", "ftp://x/y.jpg"]
IMAGE_URLS += ["https://img.example/b.jpg"]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(IMAGE_URLS), min_size=1, max_size=5))
def test_every_image_url_left_out_is_warned_about_wherever_it_is_in_the_list(urls: list[str]) -> None:
    """The first usable image is used; each unusable one, before it or after it, gets its warning."""
    text = doc(1, "images:\n" + "".join(f"  - url: '{url}'\n" for url in urls))
    warned = sorted(line.split(":")[0] for line in warnings_of(text) if line.startswith("images"))
    assert warned == sorted(f"images[{n}].url" for n, url in enumerate(urls) if not url.startswith("https:"))
    reading = read_text(text, "a.md")
    assert reading.article is not None
    usable = [url for url in urls if url.startswith("https:")]
    assert (reading.article.image.url if reading.article.image else None) == (usable[0] if usable else None)
