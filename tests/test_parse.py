"""Reading one document: what is kept, cleaned, dropped with a warning, or rejected with a reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feeds.errors import DocumentError, NotADocumentError
from feeds.fields import MAX_RELATED
from feeds.frontmatter import split as front_matter
from feeds.parse import Parsed, parse_document, read_text
from feeds.slugs import slugify
from feeds.text import clean_text

from .helpers import document
from .helpers import front_matter as dump


def parse(tz: dt.tzinfo = dt.UTC, **fields: Any) -> Parsed:
    return parse_document(dump(document(**fields)), "doc.md", tz)


def reasons(parsed: Parsed) -> list[str]:
    return [f"{w.field}: {w.reason}" for w in parsed.warnings]


# --- front matter -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: x\n---\n",
        "---\r\ntitle: x\r\n---\r\n",
        "\ufeff---\ntitle: x\n---\n",
        "---\ntitle: x\n---",
        "---  \ntitle: x\n---\nbody text after the front matter\n",
    ],
    ids=["lf", "crlf", "bom", "no-final-newline", "trailing-body"],
)
def test_front_matter_is_found_in_every_line_ending(text: str) -> None:
    assert front_matter(text).strip() == "title: x"


@pytest.mark.parametrize(
    "text", ["", "title: x\n", "# heading\n---\ntitle: x\n---\n", "----\ntitle: x\n---\n"]
)
def test_text_without_front_matter_is_not_a_document(text: str) -> None:
    with pytest.raises(NotADocumentError):
        front_matter(text)


@pytest.mark.parametrize("text", ["---\ntitle: x\n", "---\r\ntitle: x\r\nexcerpt: cut he", "---"])
def test_front_matter_that_is_never_closed_is_rejected_as_truncated(text: str) -> None:
    with pytest.raises(DocumentError, match="not closed") as caught:
        parse_document(text, "doc.md")
    assert caught.value.field == "front matter"


# --- required fields: rejected with file, field and reason ----------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "<b></b>"}, "title"),
        ({"webUrl": None, "originalUrl": None}, "webUrl"),
        ({"webUrl": "javascript:alert(1)"}, "webUrl"),
        ({"webUrl": "/relative/path"}, "webUrl"),
        ({"publishedDateTime": None}, "publishedDateTime"),
        ({"publishedDateTime": "next tuesday"}, "publishedDateTime"),
        ({"publishedDateTime": ["2024-01-01"]}, "publishedDateTime"),
    ],
)
def test_unservable_document_is_rejected_naming_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse(**fields)
    assert caught.value.path == "doc.md"
    assert caught.value.field == field
    assert caught.value.reason


@pytest.mark.parametrize(
    "text", ["---\n- a list\n---\n", "---\njust text\n---\n", "---\ntitle: [unclosed\n---\n"]
)
def test_front_matter_that_is_not_a_mapping_is_rejected(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(text, "doc.md")
    assert caught.value.field == "front matter"


def test_object_constructing_yaml_tags_are_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = (
        f"---\nwebUrl: https://a.example/x\npublishedDateTime: 2025-01-01T00:00:00Z\n"
        f"title: !!python/object/apply:os.system ['touch {marker}']\n---\n"
    )
    with pytest.raises(DocumentError, match=r"line 4: unsupported YAML tag !!python/object/apply:os.system"):
        parse_document(text, "doc.md")
    assert not marker.exists()


# --- URLs ---------------------------------------------------------------------------------------


def test_original_url_is_used_when_web_url_is_missing_or_empty() -> None:
    assert parse(webUrl=None, originalUrl=" https://a.example/x ").article.url == "https://a.example/x"
    assert parse(webUrl="  ", originalUrl="https://a.example/y").article.url == "https://a.example/y"


def test_site_relative_image_is_dropped_with_a_warning_and_the_next_usable_one_kept() -> None:
    parsed = parse(images=[{"url": "/assets/logo.png"}, {"url": "https://img.example/b.jpg", "width": 10}])
    assert parsed.article.image is not None
    assert parsed.article.image.url == "https://img.example/b.jpg"
    assert parsed.article.image.width == 10
    assert parsed.article.image.height is None
    assert any("images[0].url" in r and "/assets/logo.png" in r for r in reasons(parsed))


# --- dates: the four shapes PyYAML produces, and time zones -------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "warns"),
    [
        (
            dt.datetime(2021, 8, 17, 7, 39, tzinfo=dt.UTC),
            dt.datetime(2021, 8, 17, 7, 39, tzinfo=dt.UTC),
            False,
        ),
        (dt.datetime(2021, 8, 17, 7, 39), dt.datetime(2021, 8, 17, 5, 39, tzinfo=dt.UTC), True),  # noqa: DTZ001
        (dt.date(2021, 8, 17), dt.datetime(2021, 8, 16, 22, 0, tzinfo=dt.UTC), True),
        ("2021-08-17T07:39:00+02:00", dt.datetime(2021, 8, 17, 5, 39, tzinfo=dt.UTC), False),
        ("2021-08-17T07:39:00Z", dt.datetime(2021, 8, 17, 7, 39, tzinfo=dt.UTC), False),
        ("2021-08-17 07:39:00", dt.datetime(2021, 8, 17, 5, 39, tzinfo=dt.UTC), True),
        ("Tue, 17 Aug 2021 07:39:00 +0000", dt.datetime(2021, 8, 17, 7, 39, tzinfo=dt.UTC), False),
    ],
    ids=["aware", "naive", "date", "string-offset", "string-z", "string-naive", "rfc822"],
)
def test_dates_are_read_as_utc_and_naive_ones_in_the_configured_zone(
    value: object, expected: dt.datetime, warns: bool
) -> None:
    parsed = parse(ZoneInfo("Europe/Berlin"), publishedDateTime=value)  # UTC+2 in August
    assert parsed.article.date_published == expected
    assert parsed.article.date_published.tzinfo == dt.UTC
    assert any(r.startswith("publishedDateTime: no time zone") for r in reasons(parsed)) is warns


def test_dates_at_the_ends_of_the_calendar_are_rejected_as_placeholders() -> None:
    implausible = "publishedDateTime: line 4: '9999-12-31T23:59:59Z' is implausible"
    with pytest.raises(DocumentError, match=implausible):
        parse(publishedDateTime="9999-12-31T23:59:59Z")
    with pytest.raises(DocumentError, match="publishedDateTime"):
        parse(ZoneInfo("Asia/Tokyo"), publishedDateTime=dt.datetime(1, 1, 1))  # noqa: DTZ001 - before year 1 in UTC


# --- published flag -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [False, "false", "False", "NO", "off", "0", 0, " no "])
def test_false_and_its_spellings_unpublish(value: object) -> None:
    assert parse(published=value).article.publish is False


@pytest.mark.parametrize("value", [True, "true", "yes", "ON", 1, "1", None])
def test_true_and_its_spellings_or_no_key_leave_the_document_published(value: object) -> None:
    assert parse(published=value).article.publish is True


@pytest.mark.parametrize("value", ["draft?", "maybe", 2, 0.0, "", ["no"], {"x": 1}])
def test_a_value_neither_true_nor_false_hides_the_document_with_a_warning(value: object) -> None:
    parsed = parse(published=value)
    assert parsed.article.publish is False
    assert any(r.startswith("published: neither true nor false") for r in reasons(parsed))


# --- text ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Wall&#8217;s approach", "Wall’s approach"),
        ("It&amp;#39;s double-encoded", "It's double-encoded"),
        ("Fish &amp; chips", "Fish & chips"),
        ("Line one\nline two\r\n  three", "Line one line two three"),
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Safe", "<script>alert(1)</script>Safe"),
        ("<img src=x onerror=alert(1)>caption", "caption"),
        ("a\x00b\x1fc\ud800d", "abcd"),
        ("Price &lt; 5 &amp;&amp; rising", "Price < 5 && rising"),
        ("&nbsp;padded&nbsp;", "padded"),
    ],
)
def test_text_reaches_readers_as_plain_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_title_and_excerpt_are_cleaned() -> None:
    article = parse(
        title="Trolls &amp;#39;n&#39; Pirates", excerpt="<p>First&nbsp;line\n<i>second</i></p>"
    ).article
    assert article.title == "Trolls 'n' Pirates"
    assert article.excerpt == "First line second"


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Computer Vision", "computer-vision"), ("AI", "ai"), ("Économie", "economie"), ("C++ / C#", "c-c")],
)
def test_topic_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug


# --- topics, provider, related --------------------------------------------------------------------------


def test_null_and_empty_topics_are_skipped_and_spellings_of_one_slug_merge() -> None:
    article = parse(topics=[None, "", "AI", "ai", "Computer Vision"]).article
    assert [(t.slug, t.name) for t in article.topics] == [
        ("ai", "AI"),
        ("computer-vision", "Computer Vision"),
    ]


def test_topics_null_means_no_topics() -> None:
    assert parse(topics=None).article.topics == ()


def test_provider_slug_is_its_domain_without_www() -> None:
    provider = parse(provider={"name": "Daily Mail", "domain": "WWW.DailyMail.co.uk"}).article.provider
    assert provider is not None
    assert (provider.slug, provider.name, provider.uri) == (
        "dailymail.co.uk",
        "Daily Mail",
        "https://dailymail.co.uk/",
    )


def test_provider_without_domain_takes_the_slug_of_its_name() -> None:
    provider = parse(provider={"name": "Radio Ñandú"}).article.provider
    assert provider is not None
    assert (provider.slug, provider.uri) == ("radio-nandu", None)


def test_related_without_url_or_title_are_dropped_and_named() -> None:
    related = [
        {
            "title": "Kept",
            "webUrl": "https://b.example/1",
            "provider": {"name": "B"},
            "publishedDateTime": "2024-02-01",
        },
        {"title": "No URL"},
        {"title": "Bad URL", "webUrl": "data:text/html,hi"},
        {"webUrl": "https://b.example/untitled"},
        "not a mapping",
        {"title": "Kept twice", "webUrl": "https://b.example/1"},
    ]
    parsed = parse(related=related)
    assert [(r.url, r.title, r.provider) for r in parsed.article.related] == [
        ("https://b.example/1", "Kept", "B")
    ]
    assert [r for r in reasons(parsed) if r.startswith("related")] == [
        "related[0] (https://b.example/1): publishedDateTime: no time zone; read in UTC",
        "related[1] ('No URL'): webUrl: missing; left out",
        "related[2] (data:text/html,hi): webUrl: scheme 'data' is not http or https; left out",
        "related[3] (https://b.example/untitled): title: missing; left out",
        "related[4]: not a mapping with a webUrl and a title; left out",
    ]


def test_long_related_lists_are_capped_with_a_warning() -> None:
    related = [{"title": f"R{i}", "webUrl": f"https://b.example/{i}"} for i in range(MAX_RELATED + 50)]
    parsed = parse(related=related)
    assert len(parsed.article.related) == MAX_RELATED
    assert any(f"more than {MAX_RELATED}" in r for r in reasons(parsed))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"topics": {"a": 1}}, "topics"),
        ({"images": "https://img.example/a.jpg"}, "images"),
        ({"related": "none"}, "related"),
        ({"provider": ["Daily Mail"]}, "provider"),
        ({"quality": "high"}, "quality"),
        ({"excerpt": ["a", "list"]}, "excerpt"),
    ],
)
def test_wrong_types_in_optional_fields_are_dropped_with_a_warning(
    fields: dict[str, Any], field: str
) -> None:
    parsed = parse(**fields)
    assert any(r.startswith(f"{field}:") for r in reasons(parsed))
    assert parsed.article.title == "Article number 1"  # the article itself still serves


def test_secured_is_never_read_into_the_article() -> None:
    article = parse(secured="TOP-SECRET-BLOB").article
    assert "TOP-SECRET-BLOB" not in repr(article)


@pytest.mark.parametrize("space", ["\u202f", "\u00a0", "\u2009", "\u3000"])
def test_a_time_with_a_unicode_space_before_pm_is_in_the_afternoon(space: str) -> None:
    """`9:30\u202fPM` is what ICU 72+, JavaScript's `toLocaleString` and macOS write: never 9:30 AM (a
    scheduled article would show twelve hours early)."""
    date = f'"Mar 14, 2025, 9:30{space}PM UTC"'
    read = read_text(f"---\ntitle: T\nwebUrl: https://n.example/a\npublishedDateTime: {date}\n---\n", "a.md")
    assert read.article is not None, read.rejected
    assert read.article.date_published == dt.datetime(2025, 3, 14, 21, 30, tzinfo=dt.UTC)
