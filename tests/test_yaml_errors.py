"""A YAML syntax error is reported at the line that is broken, in plain words (issue 13).

One broken line put anywhere in a valid document (which may hold quoted and multi-line values):
the rejection names that line, whatever libyaml noticed later, and never in libyaml's jargon.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.parse import read_text

VALID = [
    'title: "A quoted title"',
    "webUrl: 'https://news.example/a'",
    "publishedDateTime: 2025-03-14T09:30:00Z",
    "excerpt: >\n  Folded text\n  on two lines",
    'note: "a quoted value\n  on two lines"',
    "topics: [AI, Energy]",
    "provider:\n  name: News\n  domain: news.example",
    "related:\n  - title: 'Earlier'\n    webUrl: \"https://other.example/b\"",
    "quality: 5",
]
# A broken line, and words its message must hold.
BROKEN = [
    ('broken: "never closed', "a quoted value is not closed"),
    ("broken: 'never closed", "a quoted value is not closed"),
    ("broken: a: b", "a value contains ': '"),
    ("broken: [a, b", "a [ list ] is not closed"),
    ("broken: {a: b", "a { mapping } is not closed"),
    ("broken: @mention", "a value cannot start with '@'"),
    ("broken: `code`", "a value cannot start with '`'"),
    ("just some words", "has no ': '"),
]
JARGON = ("did not find expected", "mapping values are not allowed", "could not find", "token", "scalar")


@settings(max_examples=200, deadline=None)
@given(
    blocks=st.permutations(VALID),
    data=st.data(),
    broken=st.sampled_from(BROKEN),
)
def test_one_broken_line_anywhere_is_named_at_its_line(
    blocks: list[str], data: st.DataObject, broken: tuple[str, str]
) -> None:
    where = data.draw(st.integers(0, len(blocks)))
    line, words = broken
    before = "\n".join(["---", *blocks[:where]])
    text = "\n".join([before, line, *blocks[where:], "---", ""])
    reading = read_text(text, "a.md")
    assert reading.rejected is not None
    problem = reading.rejected.problem
    assert problem.field == "front matter"
    assert problem.reason.startswith(f"line {before.count(chr(10)) + 2}: invalid YAML: "), (text, problem)
    assert words in problem.reason
    assert not any(j in problem.reason for j in JARGON), problem.reason


def test_the_document_without_the_broken_line_is_served() -> None:
    text = "\n".join(["---", *VALID, "---", ""])
    assert read_text(text, "a.md").article is not None
