"""Names, warnings and dates as the author wrote them (issue 11 "Faithful and valid").

YAML's core schema reads `1e3`, `0x1F`, `007` and `TRUE` as numbers or booleans. A title, topic or
provider written that way is still that text in every format, and `check` quotes what was written,
never Python's reading of it (`1000.0`, `31`, `True`). A date is read at the instant it names, or
`check` says how it was read: never silently shifted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.dates import read_date
from feeds.parse import read_text

from .helpers import AppFactory, write_corpus

ATOM = "{http://www.w3.org/2005/Atom}"
# Plain scalars that YAML 1.2 reads as a number or a boolean, each as it must come out.
SPELLINGS = ["1e3", "0x1F", "007", "1.50", "+12", "0o17", ".inf", "3.10", "TRUE", "-0.0", "1_000"]
LISBON = ZoneInfo("Europe/Lisbon")


def doc(n: int, fields: str) -> str:
    return (
        f"---\nwebUrl: https://news.example/story-{n}\npublishedDateTime: 2025-03-14T09:30:00Z\n{fields}---\n"
    )


def check_output(make_app: AppFactory, root: Path) -> str:
    return make_app(root).test_cli_runner().invoke(args=["check", str(root)]).output


# --- names ----------------------------------------------------------------------------------------


def test_number_and_boolean_spellings_are_names_as_written_in_every_format(
    make_app: AppFactory, tmp_path: Path
) -> None:
    docs = {
        f"d{n}.md": doc(n, f"title: {s}\ntopics: [{s}]\nprovider: {{name: {s}}}\n")
        for n, s in enumerate(SPELLINGS)
    }
    root = write_corpus(tmp_path / "content", docs)
    with make_app(root).test_client() as c:
        atom = etree.fromstring(c.get("/all.atom").data)
        items = json.loads(c.get("/all.json").data)["items"]
        opml = etree.fromstring(c.get("/feeds.opml").data)
    entries = atom.findall(f"{ATOM}entry")
    assert sorted(e.findtext(f"{ATOM}title") for e in entries) == sorted(SPELLINGS)
    for entry in entries:
        title = entry.findtext(f"{ATOM}title")
        assert [c.get("label") for c in entry.findall(f"{ATOM}category")] == [title]
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == title
    for item in items:
        assert item["tags"] == [item["title"]]
        assert item["author"]["name"] == item["title"]
    texts = {o.get("text").removesuffix(" — Feeds") for o in opml.iter("outline") if o.get("xmlUrl")}
    assert set(SPELLINGS) <= texts


def test_a_number_shaped_topic_gets_the_slug_of_its_text(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": doc(1, "title: Python\ntopics: [3.10, 3.1]\n")})
    with make_app(root).test_client() as c:
        assert c.get("/topics/3-10.atom").status_code == 200  # Python's reading would be 3.1 → 3-1
        assert c.get("/topics/3-1.atom").status_code == 200
        labels = [e.get("label") for e in etree.fromstring(c.get("/all.atom").data).iter(f"{ATOM}category")]
    assert labels == ["3.10", "3.1"]


# What YAML 1.2 reads as an integer, a float or a boolean (the core schema's own patterns).
CORE_SCALARS = st.one_of(
    st.from_regex(r"\A[-+]?[0-9]{1,12}\Z"),
    st.from_regex(r"\A0o[0-7]{1,8}\Z"),
    st.from_regex(r"\A0x[0-9a-fA-F]{1,8}\Z"),
    st.from_regex(r"\A[-+]?(\.[0-9]{1,5}|[0-9]{1,5}(\.[0-9]{0,5})?)([eE][-+]?[0-9]{1,3})?\Z"),
    st.sampled_from([".inf", "-.inf", "+.Inf", ".NaN", ".nan", "true", "True", "FALSE", "false"]),
)
# Any other plain scalar: words, with the spaces, dots and signs names have.
PLAIN_WORDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 ._+-]{0,20}[A-Za-z0-9]\Z")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written=st.one_of(CORE_SCALARS, PLAIN_WORDS))
def test_any_plain_scalar_written_as_a_name_comes_out_as_written(written: str) -> None:
    related = (
        f"related:\n  - {{title: {written}, webUrl: https://r.example/1, provider: {{name: {written}}}}}\n"
    )
    fields = (
        f"title: {written}\nexcerpt: {written}\ntopics: [{written}]\nprovider:\n  name: {written}\n{related}"
    )
    reading = read_text(doc(1, fields), "a.md")
    name = " ".join(written.split())  # the contract's whitespace rule: runs of spaces are one
    assert reading.article is not None, reading.rejected
    assert (reading.article.title, reading.article.excerpt) == (name, name)
    assert [t.name for t in reading.article.topics] == [name]
    assert reading.article.provider is not None
    assert reading.article.provider.name == name
    assert [(r.title, r.provider) for r in reading.article.related] == [(name, name)]


# --- warnings -------------------------------------------------------------------------------------


def test_check_quotes_what_the_author_wrote(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "content",
        {
            "a.md": doc(1, "title: A\nquality: true\nheat: .inf\n"),
            "b.md": doc(2, "title: B\nquality: 1e3\nprovider: {name: B, domain: 0x1F}\n"),
            "c.md": doc(
                3, "title: C\nrelated:\n  - {title: R, webUrl: https://r.example/1, publishedDateTime: 1e3}\n"
            ),
        },
    )
    out = check_output(make_app, root)
    assert "quality: expected a whole number, got 'true'" in out
    assert "heat: expected a whole number, got '.inf'" in out
    assert "quality: expected a whole number, got '1e3'" in out
    assert "provider.domain: not a host name: '0x1F'" in out
    assert "publishedDateTime: not a date or date-time: '1e3'" in out
    for reading in ("True", "1000.0", "31"):
        assert not re.search(rf"(?<![\w.']){re.escape(reading)}(?![\w'])", out), reading
    assert not re.search(r"(?<![.\w])inf\b", out)


def test_a_boolean_title_is_a_title(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": doc(1, "title: TRUE\n")})
    out = check_output(make_app, root)
    assert "missing or empty" not in out
    with make_app(root).test_client() as c:
        assert [i["title"] for i in json.loads(c.get("/all.json").data)["items"]] == ["TRUE"]


# --- dates ----------------------------------------------------------------------------------------

AT_0730Z = dt.datetime(2025, 3, 14, 7, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    [
        "Fri, 14 Mar 2025 09:30:00 +0200 (CEST)",  # RFC 5322 with a comment: the offset counts
        "Fri, 14 Mar 2025 09:30:00 +0200 (Central European Summer Time)",
        "Fri Mar 14 09:30:00 CEST 2025",  # what `date` prints
        "Fri, 14 Mar 2025 09:30:00 CEST",
        "2025-03-14 09:30:00 CEST",
    ],
)
def test_a_zone_written_in_any_accepted_form_is_read_at_its_instant(text: str) -> None:
    reading = read_date(text, LISBON)
    assert (reading.moment, reading.note) == (AT_0730Z, None)


def test_a_four_digit_year_is_used_as_written(make_app: AppFactory, tmp_path: Path) -> None:
    assert read_date("Mon, 01 Jan 0001 00:00:00 +0000", dt.UTC).moment is None
    assert "implausible" in (read_date("Mon, 01 Jan 0001 00:00:00 +0000", dt.UTC).problem or "")
    assert read_date("Mon, 01 Jan 01 00:00:00 +0000", dt.UTC).moment == dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    root = write_corpus(
        tmp_path / "content",
        {
            "a.md": "---\ntitle: Zero\nwebUrl: https://news.example/z\n"
            'publishedDateTime: "Mon, 01 Jan 0001 00:00:00 +0000"\n---\n',
            "b.md": doc(
                2,
                "title: B\nrelated:\n  - {title: R, webUrl: https://r.example/1, "
                'publishedDateTime: "Mon, 01 Jan 0001 00:00:00 +0000"}\n',
            ),
        },
    )
    out = check_output(make_app, root)
    assert "a.md: publishedDateTime: line 4: 'Mon, 01 Jan 0001 00:00:00 +0000' is implausible" in out
    assert "related[0] (https://r.example/1): publishedDateTime: 'Mon, 01 Jan 0001" in out
    with make_app(root).test_client() as c:
        data = c.get("/all.json").data
    assert b"Zero" not in data
    assert b"2001-01-01" not in data


def test_a_related_date_read_in_the_configured_zone_is_warned_about(
    make_app: AppFactory, tmp_path: Path
) -> None:
    related = (
        "related:\n"
        '  - {title: R, webUrl: https://r.example/1, publishedDateTime: "Fri, 14 Mar 2025 09:30:00 XYZ"}\n'
        '  - {title: S, webUrl: https://r.example/2, publishedDateTime: "2025-03-14 09:30"}\n'
    )
    root = write_corpus(tmp_path / "content", {"a.md": doc(1, f"title: A\n{related}")})
    out = check_output(make_app, root)
    assert (
        "related[0] (https://r.example/1): publishedDateTime: time zone 'XYZ' is not understood; read in"
        in out
    )
    assert "related[1] (https://r.example/2): publishedDateTime: no time zone; read in" in out


# Names whose one offset the service knows (RFC 5322's own, and IANA abbreviations in use today).
KNOWN_NAMES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -300, "EDT": -240, "PDT": -420, "CET": 60,
               "CEST": 120, "JST": 540, "EET": 120, "MSK": 180}  # fmt: skip
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@st.composite
def written_dates(draw: st.DrawFn) -> tuple[str, dt.datetime, bool]:
    """(text, the instant it names, whether its zone is one the service knows)."""
    earliest, latest = dt.datetime(1971, 1, 1), dt.datetime(2099, 1, 1)  # noqa: DTZ001 - hypothesis bounds
    instant = draw(st.datetimes(earliest, latest, timezones=st.just(dt.UTC))).replace(microsecond=0)
    kind = draw(st.sampled_from(["offset", "name", "unknown"]))
    if kind == "offset":
        minutes = draw(st.integers(-14 * 60, 14 * 60))
        sign = "-" if minutes < 0 else "+"
        zone, offset = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}", minutes
    elif kind == "name":
        zone = draw(st.sampled_from(sorted(KNOWN_NAMES)))
        offset = KNOWN_NAMES[zone]
    else:
        zone = draw(st.sampled_from(["XYZ", "QQT", "ABCD", "IST", "Foo"]))  # unknown or ambiguous
        offset = 0
    local = (instant + dt.timedelta(minutes=offset)).replace(tzinfo=None)
    day, month = DAYS[local.weekday()], MONTHS[local.month - 1]
    time = f"{local:%H:%M:%S}"
    form = draw(st.sampled_from(["rfc", "rfc-comment", "iso", "asctime"]))
    if form == "iso" and kind != "offset" and zone != "Z":
        form = "rfc"
    if form == "asctime" and kind == "offset":
        form = "rfc-comment"
    text = {
        "rfc": f"{day}, {local.day:02d} {month} {local.year} {time} {zone}",
        "rfc-comment": f"{day}, {local.day} {month} {local.year} {time} {zone} (a comment)",
        "iso": f"{local:%Y-%m-%dT%H:%M:%S}{zone[:3] + ':' + zone[3:] if kind == 'offset' else zone}",
        "asctime": f"{day} {month} {local.day:2d} {time} {zone} {local.year}",
    }[form]
    return text, instant, kind != "unknown"


@settings(max_examples=400, deadline=None)
@given(written=written_dates())
def test_a_written_date_reads_as_its_instant_or_says_how_it_was_read(
    written: tuple[str, dt.datetime, bool],
) -> None:
    text, instant, known = written
    reading = read_date(text, dt.UTC)
    if known:
        assert (reading.moment, reading.note) == (instant, None), text
    else:
        assert reading.note is not None, text  # read in the configured zone, and said so


@settings(max_examples=200, deadline=None)
@given(year=st.integers(1, 9999), day=st.integers(1, 28))
def test_a_four_digit_year_is_never_another_year(year: int, day: int) -> None:
    reading = read_date(f"{day:02d} Jan {year:04d} 12:00:00 +0000", dt.UTC)
    if reading.moment is not None:
        assert reading.moment.year == year
    else:
        assert "implausible" in (reading.problem or ""), reading.problem
