"""Front matter written by a JSON writer (JSON is YAML 1.2): a character past U+FFFF escaped as a UTF-16
surrogate pair (`"\\ud83d\\ude00"`, as Python's `json.dumps` writes an emoji) reads as the character,
in any field, exactly as the same text written in UTF-8 reads; a lone half of a pair (which no text
can hold) reads as U+FFFD with a warning naming the field and the line, and costs nothing else. Before,
libyaml refused any surrogate escape and the whole document was rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feeds.hiddenlinks import headline
from feeds.parse import read_text
from feeds.urlkeys import url_key

from .helpers import document, write_corpus

# Characters YAML text may hold as they are (YAML 1.2 c-printable), past U+FFFF included; no
# surrogates (those are generated on purpose, below) and no control characters (JSON escapes them in
# both spellings alike).
PRINTABLE = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff\ufeff"
)
BEYOND_BMP = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",))
LONE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)  # halves of pairs, alone or paired
TEXT = st.lists(st.one_of(PRINTABLE, BEYOND_BMP, LONE), max_size=12).map("".join)
FIELDS = ["title", "excerpt", "topics", "provider", "related"]
PATHS = {"title": "title", "excerpt": "excerpt", "topics": "topics[1]", "provider": "provider.name"}
PATHS["related"] = "related[0].title"
DATE = "2024-01-01T03:00:00Z"
HEAD = f"---\nwebUrl: https://news.example/a\npublishedDateTime: {DATE}\n"


def as_json_lines(data: dict[str, Any], ascii_only: bool, layout: str = "lines") -> str:
    """The document's front matter as a JSON writer writes it (`ensure_ascii`: every character past
    U+007F escaped, past U+FFFF as a surrogate pair): each value on its key's line (`lines`), or the
    whole of it one JSON object, on one line (`object`) or indented (`indented`)."""
    if layout != "lines":
        indent = 2 if layout == "indented" else None
        return "---\n" + json.dumps(data, ensure_ascii=ascii_only, indent=indent) + "\n---\n"
    lines = [f"{key}: {json.dumps(value, ensure_ascii=ascii_only)}" for key, value in data.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def with_text(field: str, text: str) -> dict[str, Any]:
    fields = document(n=3, publishedDateTime=DATE)
    related = {
        "title": "Related",
        "webUrl": "https://news.example/r",
        "publishedDateTime": "2024-01-01T00:00:00Z",
    }
    fields["related"] = [related]
    if field == "topics":
        fields["topics"] = ["AI", f"Topic {text}"]
    elif field == "provider":
        fields["provider"] = {"name": f"Provider {text}", "domain": "news.example"}
    elif field == "related":
        fields["related"] = [{**related, "title": f"Related {text}"}]
    else:
        fields[field] = f"Headline {text}"
    return fields


def as_utf16_reads(text: str) -> str:
    """What a UTF-16 reader makes of these code units: pairs joined, each lone half as U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), TEXT, st.sampled_from(["lines", "object", "indented"]))
def test_a_json_writers_escapes_read_as_the_same_text_written_in_utf8(
    field: str, text: str, layout: str
) -> None:
    meant = as_utf16_reads(text)
    escaped = read_text(as_json_lines(with_text(field, text), True, layout), "a.md")
    plain = read_text(as_json_lines(with_text(field, meant), False, layout), "a.md")
    assert plain.article is not None, plain.rejected
    assert escaped.article == plain.article
    lone = meant.count("\ufffd") - text.count("\ufffd")
    notes = escaped.warnings[len(plain.warnings) :]
    assert escaped.warnings[: len(plain.warnings)] == plain.warnings
    assert len(notes) == min(1, lone)  # one warning per line that held any
    for note in notes:
        assert note.field == PATHS[field]  # the value's own path, as other warnings name values
        assert "half of a UTF-16 surrogate pair" in note.reason
        assert note.reason.startswith("line ")


def test_an_escape_is_rewritten_only_where_yaml_reads_escapes() -> None:
    """`\\ud83d` in a plain or single-quoted scalar, or after an escaped backslash, is text as written."""
    excerpt = r'excerpt: "\\ud83d \ud83d\ude00 \U0001F600"'
    text = HEAD + f"title: Headline\n{excerpt}\n" + r"topics: ['\ud83d', \ude00]" + "\n---\n"
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert read.article.excerpt == "\\ud83d \U0001f600 \U0001f600"
    assert [t.name for t in read.article.topics] == ["\\ud83d", "\\ude00"]
    assert read.warnings == ()


def test_an_escape_past_the_last_character_reads_as_the_replacement_character() -> None:
    text = HEAD + 'title: "Headline \\U00110000"\n---\n'
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert read.article.title == "Headline \ufffd"
    assert [(w.field, w.reason[:7]) for w in read.warnings] == [("title", "line 4:")]
    assert "past U+10FFFF" in read.warnings[0].reason


def test_an_emoji_escaped_by_json_is_served_and_a_lone_half_is_reported(
    tmp_path: Path, make_app: Any
) -> None:
    root = tmp_path / "content"
    emoji = with_text("title", "\ud83d\ude00 launch")
    lone = {**with_text("excerpt", "\udc00"), "webUrl": "https://news.example/lone", "title": "Second"}
    write_corpus(
        root,
        {
            "emoji.md": as_json_lines(emoji, ascii_only=True),
            "lone.md": as_json_lines(lone, ascii_only=True),
        },
    )
    app: Flask = make_app(root)
    feed = app.test_client().get("/all.atom")
    assert feed.status_code == 200
    assert "Headline \U0001f600 launch" in feed.get_data(as_text=True)
    assert "Second" in feed.get_data(as_text=True)
    checked = app.test_cli_runner().invoke(args=["check", str(root)])
    assert "lone.md: excerpt: line 3: the escape \\udc00 is half of a UTF-16 surrogate pair" in checked.output
    assert "emoji.md" not in checked.output


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from("abcé 'ü"), BEYOND_BMP), min_size=1, max_size=6).map("".join),
    st.sampled_from(["json", "single"]),
    st.sampled_from(["bad: [\n", "published: false\npublished: true\n"]),
)
def test_a_rejected_documents_escaped_url_and_headline_stay_out_of_related_links(
    words: str, quoting: str, breakage: str
) -> None:
    """A document YAML cannot read (or that a duplicate `published` withdraws) still names itself by its
    URL and headline, read line by line (what keeps related links to it out): written with escapes
    (`"caf\\u00e9 \\ud83d\\ude00"`) or quotes doubled (`'it''s'`), they are read as YAML reads them."""
    title, url = f"Secret plan {words.strip()} for the council", f"https://e.example/{words.strip()}"

    def written(value: str) -> str:
        return json.dumps(value) if quoting == "json" else "'" + value.replace("'", "''") + "'"

    secret = (
        f"---\ntitle: {written(title)}\nwebUrl: {written(url)}\npublishedDateTime: {DATE}\n{breakage}---\n"
    )
    read = read_text(secret, "h.md")
    assert read.rejected is not None
    assert read.article is None
    assert read.rejected.title is not None
    assert headline(read.rejected.title) == headline(title)
    assert read.rejected.url is not None
    assert url_key(read.rejected.url) == url_key(url)


@pytest.mark.parametrize(
    ("written", "path"),
    [
        ('<<: {excerpt: "T \\ud800"}', "excerpt"),  # merged: the field it becomes
        ('base: &b {excerpt: "M \\udc00"}\n<<: *b', "base.excerpt"),  # where its anchor wrote it
        ('related: [{title: "R \\ud800", webUrl: "https://o.example/r"}]', "related[0].title"),
        ('topics: [a, "b\\ud800"]', "topics[1]"),
        ('provider: {name: "P \\udfff", domain: p.example}', "provider.name"),
        ('"ke\\ud800y": 1', "ke\ufffdy"),
    ],
)
def test_a_warning_names_the_value_by_its_path(written: str, path: str) -> None:
    read = read_text(HEAD + f"title: Headline\n{written}\n---\n", "a.md")
    assert read.article is not None, read.rejected
    assert [w.field for w in read.warnings if "surrogate pair" in w.reason] == [path]


def test_many_escaped_scalars_and_a_tab_elsewhere_are_read() -> None:
    """Every double-quoted scalar is found in one pass, a tab after a colon (which libyaml takes) or not."""
    pairs = "".join(f'k{n}: "\\ud83d\\ude00"\n' for n in range(1100))
    read = read_text(HEAD + "title: Headline\n" + pairs + "z:\t1\n---\n", "a.md")
    assert read.article is not None, read.rejected


@pytest.mark.parametrize(
    ("lines", "title", "url"),
    [
        (
            'title: >-\n  Council sells Apex stadium\nwebUrl: !!str "https://n.example/a"\n',
            "Council sells Apex stadium",
            "https://n.example/a",
        ),
        (
            'title: "Apex\n  stadium sold to developer"\nwebUrl: &u https://n.example/a\n',
            "Apex stadium sold to developer",
            "https://n.example/a",
        ),
        (
            "title: |\n  Harbour plan\nwebUrl: 'https://n.example/it''s'\n",
            "Harbour plan",
            "https://n.example/it's",
        ),
    ],
)
def test_a_broken_documents_headline_and_url_are_read_as_their_lines_write_them(
    lines: str, title: str, url: str
) -> None:
    """A block scalar, a quoted value over several lines, a tag, an anchor: its lines composed alone."""
    read = read_text("---\n" + lines + "broken: [\n---\n", "a.md")
    assert read.rejected is not None
    assert read.rejected.title == title
    assert read.rejected.url is not None
    assert url_key(read.rejected.url) == url_key(url)


@pytest.mark.parametrize("broken", ["", "x: [\n"])
def test_a_url_written_twice_keeps_both_out_of_related_links(broken: str) -> None:
    text = f"---\ntitle: T\nwebUrl: https://n.example/old\npublishedDateTime: {DATE}\nwebUrl: https://n.example/new\n"
    read = read_text(text + broken + "---\n", "a.md")
    assert read.rejected is not None
    urls = {url_key(u) for u in (read.rejected.url, *read.rejected.other_urls) if u}
    assert {url_key("https://n.example/old"), url_key("https://n.example/new")} <= urls


@pytest.mark.parametrize(
    ("lines", "title", "url"),
    [
        (
            "title: >-\n  Mayor resigns\nrelated:\n  - webUrl: [x\nwebUrl: https://n.example/a\n",
            "Mayor resigns",
            "https://n.example/a",
        ),
        (
            'title: "Long quoted\n  headline"\nmeta:\n  x: [\nwebUrl: https://n.example/a\n',
            "Long quoted headline",
            "https://n.example/a",
        ),
        (
            "title:\n  Real headline\nwebUrl:\n  https://n.example/b\nx: [\n",
            "Real headline",
            "https://n.example/b",
        ),
        ("webUrl: >-\n  https://n.example/c\nprovider:\n  name: [P\ntitle: T\n", "T", "https://n.example/c"),
    ],
)
def test_a_broken_documents_keys_end_where_the_next_key_starts(lines: str, title: str, url: str) -> None:
    """A key with its value on the lines after it (`related:`) ends the key before it; its own value too."""
    read = read_text("---\n" + lines + "---\n", "a.md")
    assert read.rejected is not None
    assert read.rejected.title == title
    assert read.rejected.url == url


def test_escaped_scalars_and_a_control_character_far_on_are_read_in_one_pass() -> None:
    topics = json.dumps([f"T{n} \U0001f600" for n in range(100)])
    text = HEAD + f'title: Headline\ntopics: {topics}\nexcerpt: "{"x" * 20000}\x0b y"\n---\n'
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert len(read.article.topics) == 100


# An `&` and an anchor's name before the anchor: in text, in a URL, or the anchor set earlier (YAML's
# alias names the latest)
DECOYS = [
    "intro: Q&{name} with the team\n",
    "src: https://x.example/?a=1&{name}\n",
    "{key}: &{name} An older value\n",
]
ANCHOR_NAMES = st.text(alphabet="abcxyz019_-", min_size=1, max_size=6)
ANCHORED = {  # where the headline and the URL are written first, under an anchor
    "another key": "{key}: &{name} {value}\n",
    "inside a flow mapping": "{key}: {{name: &{name} {value}, z: 1}}\n",
    "a list item": "{key}:\n  - &{name} {value}\n",
}


@settings(max_examples=60, deadline=None)
@given(
    title_anchor=ANCHOR_NAMES,
    url_anchor=ANCHOR_NAMES,
    where=st.sampled_from(sorted(ANCHORED)),
    comment=st.sampled_from(["", "  # the same", "\t# after a tab"]),
    below=st.booleans(),
    after=st.booleans(),
    decoy=st.sampled_from(["", *DECOYS]),
)
def test_a_broken_documents_headline_and_url_given_as_aliases_are_what_their_anchors_set(
    title_anchor: str, url_anchor: str, where: str, comment: str, after: bool, decoy: str, below: bool
) -> None:
    """`title: *t` in text YAML cannot read is the headline its anchor `&t` sets, wherever that is
    written (another key, a flow mapping, a list), even after the alias (what the author meant, though
    YAML has no forward references): it keeps related links out, as the value would. (It read as the
    text `*t`.)"""
    assume(title_anchor != url_anchor)
    headline, url = "Council sells Apex stadium", "https://n.example/apex"
    anchors = ANCHORED[where].format(key="summary", name=title_anchor, value=f'"{headline}"')
    anchors += ANCHORED[where].format(key="source", name=url_anchor, value=url)
    gap = "\n  " if below else " "  # the alias on the key's line, or on the next one
    aliases = f"title:{gap}*{title_anchor}{comment}\nwebUrl:{gap}*{url_anchor}{comment}\n"
    anchors = decoy.format(name=title_anchor, key="lede") + anchors
    lines = aliases + anchors if after else anchors + aliases  # an alias before its anchor: meant too
    read = read_text("---\n" + lines + "broken: [\n---\n", "a.md")
    assert read.rejected is not None
    assert read.rejected.title == headline
    assert read.rejected.url is not None
    assert url_key(read.rejected.url) == url_key(url)


def test_aliases_elsewhere_do_not_stop_a_headline_alias_being_read() -> None:
    """Anchors are read through a bounded number of times (each a compose of the lines that set one):
    the headline's and URLs' aliases first, whatever other keys come before them."""
    decoys = "".join(f"k{n}: &a{n} value {n}\nv{n}: *a{n}\n" for n in range(40))
    text = f"---\n{decoys}summary: &t 'Council sells Apex stadium'\ntitle: *t\nbroken: [\n---\n"
    read = read_text(text, "a.md")
    assert read.rejected is not None
    assert read.rejected.title == "Council sells Apex stadium"
