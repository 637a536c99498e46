"""One bad value costs only itself, and a rejection says on which line (issue 10 §1).

A value YAML cannot build (`!!int zz`) deep inside a field leaves out that value alone: the related
link it sits in (or the image, the provider, the other topics) is still served, and `check` names
the exact path (`related[2].quality`), the line and the reason. A document that cannot be served is
named with the line of the key that sank it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.parse import read_text

from . import test_read_never_raises as never_raises
from .helpers import AppFactory, write_corpus

HEAD = "---\ntitle: A title\nwebUrl: https://news.example/a\npublishedDateTime: 2025-03-14T09:30:00Z\n"
BAD = ["!!int zz", "!!float q", "!!binary '@@@'", "!!bool maybe", "!custom x", "!!null abc"]


def related_item(n: int, bad_key: str | None, bad: str) -> str:
    item = f"  - title: Story {n}\n    webUrl: https://other.example/{n}\n    heat: 5\n"
    return item + (f"    {bad_key}: {bad}\n" if bad_key else "")


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 5),
    data=st.data(),
    bad_key=st.sampled_from(["quality", "publishedDateTime", "notes", "provider"]),
    bad=st.sampled_from(BAD),
)
def test_a_bad_value_in_a_related_item_costs_only_that_value(
    count: int, data: st.DataObject, bad_key: str, bad: str
) -> None:
    where = data.draw(st.integers(0, count - 1))
    items = "".join(related_item(n, bad_key if n == where else None, bad) for n in range(count))
    text = f"{HEAD}related:\n{items}---\n"
    reading = read_text(text, "a.md")
    assert reading.article is not None, reading.rejected
    assert [r.url for r in reading.article.related] == [f"https://other.example/{n}" for n in range(count)]
    line = 6 + 3 * where + 3  # `---`, 3 head lines, `related:`; 3 lines per item before, then the bad key
    assert [(w.field, w.reason.split(":")[0]) for w in reading.warnings] == [
        (f"related[{where}].{bad_key}", f"line {line}")
    ]


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.sampled_from(["AI", "Energy", "Health", "Sport"]), min_size=1, max_size=4, unique=True),
    data=st.data(),
    bad=st.sampled_from(BAD),
)
def test_a_bad_topic_costs_only_itself(names: list[str], data: st.DataObject, bad: str) -> None:
    where = data.draw(st.integers(0, len(names)))
    written = [*names[:where], bad, *names[where:]]
    reading = read_text(f"{HEAD}topics: [{', '.join(written)}]\n---\n", "a.md")
    assert reading.article is not None, reading.rejected
    assert [t.name for t in reading.article.topics] == names
    assert [w.field for w in reading.warnings] == [f"topics[{where}]"]
    assert reading.warnings[0].reason.startswith("line 5: ")


def test_check_names_the_exact_path_and_serves_the_rest(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "content",
        {
            "a.md": HEAD
            + "related:\n"
            + "".join(related_item(n, "quality" if n == 2 else None, "!!int zz") for n in range(3))
            + "images:\n  - url: https://img.example/a.jpg\n    width: !!int abc\n    height: 360\n"
            + "provider: {name: News, domain: news.example, logo: !!binary x}\n"
            + "topics: [A, !!float q, B]\n---\n",
        },
    )
    app = make_app(root)
    out = app.test_cli_runner().invoke(args=["check", str(root)]).output
    for path, line in (("related[2].quality", 15), ("images[0].width", 18), ("provider.logo", 20)):
        assert f"a.md: {path}: line {line}: " in out, path
    assert "a.md: topics[1]: line 21: !!float 'q' is not a number; left out" in out
    with app.test_client() as c:
        atom = c.get("/all.atom").data.decode()
        page = c.get("/providers/news.example.atom")
        topics = [c.get(f"/topics/{t}.atom").status_code for t in ("a", "b")]
    assert all(f"https://other.example/{n}" in atom for n in range(3))
    assert "https://img.example/a.jpg" in atom
    assert page.status_code == 200
    assert topics == [200, 200]


# --- rejections carry the line ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "why"),
    [
        ("2025-02-29T08:00:00Z", "day is out of range"),
        ("2025-04-31", "day is out of range"),
        ("2025-03-14T25:00:00Z", "hour must be in"),
        ("yesterday", "not a date"),
        ("!!timestamp yesterday", "not a date"),
    ],
)
def test_a_date_rejection_gives_its_line(date: str, why: str) -> None:
    text = f"---\ntitle: T\nexcerpt: E\nwebUrl: https://news.example/a\npublishedDateTime: {date}\n---\n"
    reading = read_text(text, "a.md")
    assert reading.rejected is not None
    assert reading.rejected.problem.field == "publishedDateTime"
    assert reading.rejected.problem.reason.startswith("line 5: ")
    assert why in reading.rejected.problem.reason


@pytest.mark.parametrize(
    ("raw", "expected"), never_raises.EXAMPLES.values(), ids=never_raises.EXAMPLES.keys()
)
def test_every_rejection_of_a_written_key_starts_with_its_line(
    raw: bytes, expected: tuple[str, str, tuple[str, ...]]
) -> None:
    text = raw.decode("utf-8")
    reading = read_text(text, "a.md")
    if reading.rejected is None:
        return
    field = reading.rejected.problem.field
    written = [n for n, line in enumerate(text.split("\n"), 1) if re.match(rf"{re.escape(field)}\s*:", line)]
    if written:
        assert reading.rejected.problem.reason.startswith(f"line {written[0]}: "), reading.rejected


@settings(max_examples=100, deadline=None)
@given(
    order=st.permutations(
        [
            "title: T",
            "webUrl: https://news.example/a",
            "publishedDateTime: 2025-03-14",
            "excerpt: E",
            "quality: 5",
        ]
    ),
    broken=st.sampled_from(
        [
            ("publishedDateTime", "2025-02-30"),
            ("publishedDateTime", "soon"),
            ("publishedDateTime", "1e3"),
            ("webUrl", "ftp://news.example/a"),
            ("webUrl", "!!int abc"),
            ("title", "!!int abc"),
            ("title", "''"),
        ]
    ),
)
def test_a_rejection_names_the_line_of_its_key_wherever_it_is(
    order: list[str], broken: tuple[str, str]
) -> None:
    key, value = broken
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in order]
    reading = read_text("---\n" + "\n".join(lines) + "\n---\n", "a.md")
    assert reading.rejected is not None
    assert reading.rejected.problem.field == key
    assert reading.rejected.problem.reason.startswith(f"line {lines.index(f'{key}: {value}') + 2}: ")


def test_a_value_that_contains_itself_through_an_alias_costs_only_that_item() -> None:
    reading = read_text(HEAD + "topics: &t [Energy, *t]\n---\n", "a.md")
    assert reading.article is not None
    assert [t.name for t in reading.article.topics] == ["Energy"]
    assert [(w.field, w.reason) for w in reading.warnings] == [
        ("topics[1]", "line 5: an alias refers to a value that contains it; left out")
    ]


def test_a_duplicate_key_inside_a_value_that_contains_itself_is_named_where_it_is_written() -> None:
    text = HEAD + "category:\n  excerpt: &b1\n    title: *b1\n    title: news\n---\n"
    reading = read_text(text, "a.md")
    assert reading.rejected is not None
    assert reading.rejected.problem.field == "category.excerpt.title"
    assert reading.rejected.problem.reason.startswith("line 8: duplicate key on lines 7 and 8")
