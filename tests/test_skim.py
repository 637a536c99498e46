"""A document that says `published: false` is read from only the lines the index needs (`feeds.skim`).

What a reader is promised, whatever the text: a lean reading (the server's) and a whole reading
(`check`'s) agree on the article, and a document is never shown because part of it was skipped. The
dangerous texts are those where a line reading `published: false` in column 0 is not a key at all
but part of a value: inside a quoted scalar or a flow collection that spans lines, after a line
break YAML sees and a reader of lines does not (CR, NEL, LS, PS). Such a document may be visible,
and skipping the lines around that line would hide it, or read a URL or title from the wrong line.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import skim
from feeds.frontmatter import split
from feeds.parse import Reading, read_text

REAL = Path(__file__).parent / "data" / "real"

BASE = [
    "title: A headline",
    'webUrl: "https://news.example/a"',
    "publishedDateTime: 2025-03-14T09:30:00Z",
]
# Lines that open a value which may run over the next lines, lines that may close one, and others.
FRAGMENTS = [
    "published: false",
    "published: true",
    "published: False  # embargo",
    "excerpt: plain text",
    'excerpt: "opens and',
    "excerpt: 'it''s open",
    "excerpt: 'it''s closed'",
    'excerpt: !!str "tagged and open',
    'excerpt: &a "anchored and open',
    "topics: [Sport,",
    "topics: {a: 1,",
    "topics: [Sport, Tech]",
    '  closes it"',
    "  closes it'",
    "  Tech]",
    "  b: 2}",
    "excerpt: |",
    "excerpt: >-",
    "  block text",
    "related:",
    '  - title: "Related and open',
    "  - title: Related",
    '    webUrl: "https://news.example/r"',
    "- item",
    "# a comment",
    "",
    "\tindented with a tab",
    "...",
    "? complex",
    '"quoted": key',
    '"published": true',
    "published : true",
    "<<: {published: true}",
    "title: Another headline",
    "webUrl: https://news.example/b",
    "draft: true",
    "note: a\rpublished: true",
    "note: b\u2028published: true",
    "note: c\x85published: true",
    "note: d\u2029webUrl: https://news.example/after-a-break",
    "note: e\rtitle: A headline after a break",
    "topics: [Sport,\nwebUrl: https://news.example/in-a-flow]",
    "topics: {a: 1,\ntitle: A headline in a flow}",
    'excerpt: "It begins\nwebUrl: https://news.example/in-a-quote"',
    "excerpt: 'It begins\ntitle: A headline in a quote'",
    'excerpt: "escaped \\',
    "publishedDateTime: 2025-03-14",
]


def document(lines: list[str]) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n"


texts = st.builds(
    lambda base, extra, order: [line for _, line in sorted(zip(order, base + extra, strict=False))],
    st.lists(st.sampled_from(BASE), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from(FRAGMENTS), max_size=8),
    st.lists(st.floats(0, 1), min_size=16, max_size=16),
).map(document)


def blocked_url(reading: Reading) -> str | None:
    """The URL whose related links a reading keeps out: its article's, or a rejected one's."""
    if reading.article is not None:
        return reading.article.url
    return reading.rejected.url if reading.rejected is not None else None


def agree(text: str) -> None:
    """The promise, for one text (see the module's docstring)."""
    yaml_text = split(text)
    assert yaml_text is not None
    skimmed = skim.lines(yaml_text)
    lean, whole = read_text(text, "doc.md", lean=True), read_text(text, "doc.md", lean=False)
    if whole.article is not None and whole.article.publish:
        assert lean.article == whole.article, "a visible document must read the same either way"
    if skimmed is None:
        return
    assert skimmed.count("\n") == yaml_text.count("\n"), "line numbers must stay the file's"
    if (url := blocked_url(whole)) is not None:  # what keeps related links to it out is the same
        assert blocked_url(lean) == url
    assert lean.article is None or not lean.article.publish, "skimmed, so it says published: false"
    if whole.article is not None:
        assert lean.article == whole.article
    elif lean.article is not None:  # the whole text is broken where the skim did not read: hidden either way
        assert whole.rejected is not None
        assert whole.rejected.said_false


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_a_skimmed_reading_agrees_with_the_whole_reading(text: str) -> None:
    agree(text)


@given(st.sampled_from(["opens", "nested", "tagged"]))
def test_a_published_false_line_inside_a_value_never_hides_a_visible_document(kind: str) -> None:
    """The line `published: false` in column 0, but inside a text value of a document that says
    `published: true`: it is shown, by the lean reading too, and is not skimmed. (Inside a flow
    collection the line is a key nested in a value, which hides the document: not skimmed either.)"""
    inside = {
        "opens": ['excerpt: "It begins', "published: false", '  and ends"'],
        "nested": ["related:", "  - title: 'It begins", "published: false", "    and ends'"],
        "tagged": ['excerpt: !!str "It begins', "published: false", '  and ends"'],
        "break": ["excerpt: It begins\u2028published: false"],
    }[kind]
    text = document([*BASE, "published: true", *inside])
    whole = read_text(text, "doc.md", lean=False)
    assert whole.article is not None
    assert whole.article.publish
    yaml_text = split(text)
    assert yaml_text is not None
    assert skim.lines(yaml_text) is None
    assert read_text(text, "doc.md", lean=True).article == whole.article


def test_every_real_document_reads_the_same_lean_and_whole() -> None:
    """The real sample: its article is the one a whole reading gives, and most of the documents that
    say `published: false` are skimmed (the others hold a quoted title that runs over two lines)."""
    skimmed = 0
    for path in sorted(REAL.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        agree(text)
        yaml_text = split(text)
        skimmed += yaml_text is not None and skim.lines(yaml_text) is not None
    says_false = sum("\npublished: false\n" in p.read_text(encoding="utf-8") for p in REAL.glob("*.md"))
    assert says_false > 20
    assert skimmed >= says_false * 3 // 4


@given(st.sampled_from(["[", "{", "\r", "\x85", "\u2028", "\u2029"]))
def test_a_flow_collection_over_two_lines_or_another_line_break_is_read_whole(mark: str) -> None:
    """A flow collection that runs over lines, or a line break a reader of LF lines would not see:
    what is in column 0 may not be a key, so the document is read whole, as `check` reads it."""
    inside = {
        "[": ["topics: [Sport,", "published: false]"],
        "{": ["topics: {a: 1,", "published: false}"],
    }.get(mark, [f"excerpt: It begins{mark}published: false"])
    text = document([*BASE, *inside])
    yaml_text = split(text)
    assert yaml_text is not None
    assert skim.lines(yaml_text) is None
    assert read_text(text, "doc.md", lean=True).article == read_text(text, "doc.md").article
