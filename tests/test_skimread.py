"""A hidden document's needed lines read without YAML (`feeds.skimread`) give what composing them gives.

What a reader is promised: reading a document that says `published: false` the quick way changes
nothing anyone can see. Its article (the URL that keeps related links to it out, the headline that
keeps hidden headlines out of titles, its date) and its warnings are those that composing the same
lines with libyaml gives, for whatever is written on them; and anything the quick reading is not
sure of is composed. The generated lines mix every way YAML writes a scalar on one line (plain,
single- and double-quoted, with escapes, tags, anchors, comments, tabs, indicators, numbers,
booleans, nulls, characters YAML does not allow) with values that run over lines and keys written
twice.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feeds import parse, skim, skimread
from feeds.frontmatter import split
from feeds.model import Article
from feeds.parse import FieldWarning, Reading, read_text

REAL = Path(__file__).parent / "data" / "real"
ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=-5))]

# Pieces of text a scalar is made of: each ASCII indicator, quotes and escapes, spaces and tabs,
# entities and markup (which `text.clean_text` reads), characters YAML does not allow or reads as
# a line break, and words a schema reads as numbers, booleans or nulls.
_PIECES = [
    *"abcXYZ019 -?:,[]{}#&*!|>'\"%@`\\.~<=/_",
    *(
        "  ",
        ": ",
        " #",
        "''",
        "&amp;",
        "<b>",
        "\xa0",
        "é",
        "😀",
        "\ud7ff",
        "true",
        "NULL",
        "0x1F",
        "1e3",
        ".inf",
    ),
    *("<<", "https://news.example/a", "2025-03-14", "T09:30:00", "Z", "+02:00"),
]
_NOT_ALLOWED = list("\t\x7f\x85\u2028\ufeff\x00\ufffe\x1b")  # by YAML, or by this reading
_JOINED = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
_ANY_PIECES = st.lists(st.sampled_from(_PIECES + _NOT_ALLOWED), max_size=6).map("".join)
TEXTS = st.one_of(
    *[_JOINED] * 4, _ANY_PIECES, st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
)


def _single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _double(text: str) -> str:
    return '"' + text + '"'


STYLED = st.one_of(TEXTS, TEXTS.map(_single), TEXTS.map(_double))  # plain, single- or double-quoted
URLS = st.sampled_from(
    ["https://news.example/a", "http://news.example/b?x=1&y=2", "https://xn--bcher-kva.example/é"]
)
DATES = st.sampled_from(
    ["2025-03-14T09:30:00Z", "2025-03-14 09:30", "Fri, 14 Mar 2025 09:30:00 +0100", "2025-03-14"]
)
TITLES = st.sampled_from(["A headline", "It's here", 'He said "yes"', "Tom &amp; Jerry", "C# 12", "Ünï 😀"])
ODD = st.sampled_from(
    ['"line one\n  line two"', "plain\n  continued", "|\n  block", "[a, b]", "{a: 1}", "", "~", "2025-02-30"]
)


def field(good: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A field's value written oddly: a good value quoted, or with more text around it, or anything."""
    more = st.lists(st.sampled_from(_PIECES + _NOT_ALLOWED), min_size=1, max_size=3).map("".join)
    decorated = st.tuples(good, more).map("".join) | st.tuples(more, good).map("".join)
    return st.one_of(quoted(good), quoted(decorated), decorated, decorated, STYLED, ODD)


def quoted(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return values.flatmap(lambda v: st.sampled_from([_single(v), _double(v)]))


WRITTEN = st.one_of(STYLED, ODD)
FLAGS = st.sampled_from(
    ["false", "False", "FALSE", "false ", "false  # embargo", "!!bool false", "'false'", "no"]
)
KEYS = st.sampled_from(["webUrl", "originalUrl", "title", "publishedDateTime", "published", "excerpt"])
SPACES = st.sampled_from([" ", "  ", "\t", " \t"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A document that says `published: false` at the top level: its needed lines good and written in
    any style, but for one or two written any way at all, with other lines around them."""
    goods = {"title": TITLES, "webUrl": URLS, "publishedDateTime": DATES}
    lines = {key: f"{key}: {draw(good | quoted(good))}" for key, good in goods.items()}
    lines["published"] = "published: false"
    for key in draw(st.lists(st.sampled_from([*goods, "published"]), max_size=2, unique=True)):
        lines[key] = f"{key}:{draw(SPACES)}{draw(FLAGS if key == 'published' else field(goods[key]))}"
    rows = list(lines.values())
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):  # a second key, another field, a blank, a comment
        rows.append(draw(st.sampled_from(["", "# a comment", "  indented", "excerpt: more text", "- item"])))
        rows.append(f"{draw(KEYS)}:{draw(SPACES)}{draw(WRITTEN)}")
    order = draw(st.permutations(range(len(rows))))
    return "---\n" + "\n".join(rows[n] for n in order) + "\n---\n"


def as_reading(quick: tuple[Article, skimread.Warnings]) -> Reading:
    """The quick reading as `parse` returns it."""
    return Reading(quick[0], tuple(FieldWarning(*w) for w in quick[1]))


def composed(needed: str, path: str, tz: dt.tzinfo) -> Reading:
    """What composing the skimmed lines with libyaml gives, as before the quick reading."""
    return parse._read_yaml(needed, path, tz, True)


@settings(max_examples=1500, deadline=None)
@given(documents(), st.sampled_from(ZONES))
@example("---\ntitle: A headline\nwebUrl: https://news.example/a\npublishedDateTime: 2025-03-14T09:30:00Z\n"
         "published: false\n---\n", dt.UTC)  # fmt: skip
def test_the_quick_reading_is_what_composing_the_lines_gives(text: str, tz: dt.tzinfo) -> None:
    yaml_text = split(text)
    assert yaml_text is not None
    needed = skim.lines(yaml_text)
    if needed is None:
        return
    quick = skimread.hidden(needed, "doc.md", tz)
    slow = composed(needed, "doc.md", tz)
    if quick is not None:
        assert as_reading(quick) == slow
        assert not quick[0].publish
    if slow.article is not None and not slow.article.publish:  # what the server's lean reading serves
        assert read_text(text, "doc.md", tz, lean=True) == slow


# What YAML reads specially on a line: comments, indicators, quotes and escapes, blanks, schema words.
_SYNTAX_WORDS = [
    " #",
    ": ",
    "''",
    '\\"',
    "- ",
    "  ",
    "\t",
    "<<",
    "true",
    "null",
    "0x1",
    ".5",
    "e3",
    "\xa0",
    "\x7f",
]
SYNTAX = st.sampled_from(
    [*" #:'\"\\-?!&*|>%@`[]{},~", *_SYNTAX_WORDS, "\ufeff", "\x85", "\u2029", "a", "B", "é", "z9"]
)
GOOD_LINES = {
    "title": "A headline",
    "webUrl": "https://news.example/a",
    "publishedDateTime": "2025-03-14T09:30:00Z",
}


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(sorted(GOOD_LINES)),
    st.lists(SYNTAX, max_size=3).map("".join),
    st.lists(SYNTAX, max_size=3).map("".join),
    st.sampled_from(["{}", "'{}'", '"{}"', "'{}", '"{}', "{}'", '{}"']),
)
def test_any_scalar_written_on_a_needed_line_reads_as_composing_it_does(
    key: str, before: str, after: str, wrapping: str
) -> None:
    """One needed line written with YAML's syntax around a good value; the others plain and good."""
    lines = dict(GOOD_LINES, published="false")
    lines[key] = wrapping.format(before + lines[key] + after)
    needed = "".join(f"{k}: {v}\n" for k, v in lines.items())
    quick = skimread.hidden(needed, "doc.md", dt.UTC)
    if quick is not None:
        assert as_reading(quick) == composed(needed, "doc.md", dt.UTC)


TYPICAL = [
    ('title: "Plan service launch"', "Plan service launch"),
    ("title: Plan service launch", "Plan service launch"),
    ("title: 'It''s a plan'", "It's a plan"),
    ('title: He said "yes" & left', 'He said "yes" & left'),
    ("title: Tom &amp; Jerry <b>return</b>", "Tom & Jerry return"),
    ("title: C# 12: a review", None),  # `: ` in a plain scalar: YAML's error, so composed
    ("title: Ünïcödé — 😀 headline", "Ünïcödé — 😀 headline"),
]


@pytest.mark.parametrize(("line", "title"), TYPICAL)
def test_a_hidden_document_written_the_usual_ways_is_read_without_yaml(line: str, title: str | None) -> None:
    """The usual hidden document is read the quick way (else the speed is gone without a sound)."""
    rest = [
        'webUrl: "https://news.example/a"',
        "publishedDateTime: 2025-03-14T09:30:00+01:00",
        "",
        "published: false",
    ]
    needed = "\n".join([line, *rest, ""])
    quick = skimread.hidden(needed, "doc.md", dt.UTC)
    if title is None:
        assert quick is None
        return
    assert quick is not None
    article, warnings = quick
    assert (article.url, article.title, article.publish) == ("https://news.example/a", title, False)
    assert article.date_published == dt.datetime(2025, 3, 14, 8, 30, tzinfo=dt.UTC)
    assert warnings == ()
    assert Reading(article) == composed(needed, "doc.md", dt.UTC)


@pytest.mark.parametrize(
    "lines",
    [
        ["title: A", "title: B"],  # a key written twice: which one is meant is YAML's to say
        ["title: A", "  continued"],  # a value over two lines
        ["title: A # a comment"],
        ["title: !!str A"],
        ["title: &anchor A"],
        ['title: "escaped \\" quote"'],
        ["title: 2025"],  # a number: the core schema's
        ["title: null"],
        ["title:\tA"],
        ["title: A\x7f"],
        ["title: ''"],  # rejected: the composed reading says why
        ["published: false # embargo"],
    ],
)
def test_what_the_quick_reading_is_unsure_of_is_composed(lines: list[str]) -> None:
    base = {"title": "title: A headline", "published": "published: false"}
    keys = {line.partition(":")[0] for line in lines}
    rest = ["webUrl: https://news.example/a", "publishedDateTime: 2025-03-14T09:30:00Z"]
    needed = "\n".join([*(v for k, v in base.items() if k not in keys), *lines, *rest])
    assert skimread.hidden(needed, "doc.md", dt.UTC) is None


def test_a_date_without_a_zone_warns_as_the_composed_reading_does() -> None:
    needed = (
        "title: A\nwebUrl: https://news.example/a\npublishedDateTime: 2025-03-14 09:30\npublished: false\n"
    )
    quick = skimread.hidden(needed, "doc.md", dt.UTC)
    assert quick is not None
    assert [field for field, _reason in quick[1]] == ["publishedDateTime"]
    assert as_reading(quick) == composed(needed, "doc.md", dt.UTC)


def test_most_real_hidden_documents_are_read_without_yaml_and_read_the_same() -> None:
    """The real sample's hidden documents: each reads as composing gives, and most the quick way."""
    quick = hidden = 0
    for path in sorted(REAL.glob("*.md")):
        yaml_text = split(path.read_text(encoding="utf-8"))
        needed = skim.lines(yaml_text) if yaml_text is not None else None
        if needed is None:
            continue
        hidden += 1
        if (read := skimread.hidden(needed, path.name, dt.UTC)) is not None:
            quick += 1
            assert as_reading(read) == composed(needed, path.name, dt.UTC)
    assert hidden > 20
    assert quick >= hidden * 3 // 4
