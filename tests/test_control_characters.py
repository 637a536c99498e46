"""A character YAML text cannot hold (a control character other than tab and line breaks, DEL, U+FFFE,
U+FFFF), left in front matter by a word processor (Word's line break is U+000B) or by text decoded
the wrong way (U+0080-U+009F), reads as U+FFFD with a warning naming the field and the line, wherever
it stands, and costs nothing else: before, libyaml refused the whole document for one. A `published`
that holds one is neither true nor false, so its document is hidden (fail closed). A NUL, which the
zeroed blocks of a damaged file hold, still rejects the document, so its last good version serves."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.parse import read_text

from .helpers import document, front_matter, write_corpus

# What YAML 1.2 text may not hold, NUL apart: C0 controls but tab and line feed (and carriage return,
# a line break), DEL, C1 controls but NEL (a line break), and the two noncharacters libyaml refuses
REFUSED = [chr(c) for c in [*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85)]]
REFUSED += [chr(c) for c in range(0x86, 0xA0)] + ["\ufffe", "\uffff"]
BREAKS = "\n\r\x85\u2028\u2029"  # a single-quoted scalar folds at these: not part of the generated text
PRINTABLE = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=BREAKS + "\ufeff"
)
TEXT = st.lists(st.one_of(PRINTABLE, st.sampled_from(REFUSED)), max_size=12).map("".join)
FIELDS = ["title", "excerpt", "provider", "topics"]
HEAD = "---\nwebUrl: https://news.example/a\npublishedDateTime: 2024-01-01T03:00:00Z\n"


def quoted(text: str) -> str:
    """`text` as a YAML single-quoted scalar: every character as it is, a quote doubled."""
    return "'" + text.replace("'", "''") + "'"


def with_text(field: str, text: str) -> str:
    value = quoted(f"Words {text}")
    lines = {"title": "title: 'Headline'", "excerpt": "excerpt: 'An excerpt'"}
    lines |= {"provider": "provider: {name: 'News', domain: news.example}", "topics": "topics: ['AI']"}
    if field == "provider":
        lines["provider"] = f"provider: {{name: {value}, domain: news.example}}"
    elif field == "topics":
        lines["topics"] = f"topics: ['AI', {value}]"
    else:
        lines[field] = f"{field}: {value}"
    return HEAD + "\n".join(lines.values()) + "\n---\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), TEXT)
def test_a_character_yaml_cannot_hold_reads_as_the_replacement_character(field: str, text: str) -> None:
    meant = "".join("\ufffd" if c in REFUSED else c for c in text)
    stray = read_text(with_text(field, text), "a.md")
    clean = read_text(with_text(field, meant), "a.md")
    assert clean.article is not None, clean.rejected
    assert stray.article == clean.article
    notes = stray.warnings[len(clean.warnings) :]
    assert stray.warnings[: len(clean.warnings)] == clean.warnings
    assert len(notes) == (1 if meant != text else 0)  # one per line that held any
    for note in notes:
        assert note.field == field
        assert note.reason.startswith(f"line {4 + FIELDS.index(field)}: U+"), note.reason  # its own line
        assert "cannot be in YAML text: read as U+FFFD" in note.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(REFUSED),
    st.sampled_from(["true", "True", "TRUE", "yes", "false"]),
    st.integers(0, 5),
    st.sampled_from(["", "'", '"']),
)
def test_a_published_that_holds_one_hides_its_document(char: str, word: str, at: int, quote: str) -> None:
    said = word[:at] + char + word[at:]
    text = HEAD + f"title: Headline\npublished: {quote}{said}{quote}\n---\n"
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert not read.article.publish, said


def test_anywhere_else_too_a_block_a_key_a_comment() -> None:
    text = HEAD + "title: Headline\nexcerpt: |\n  one\x0btwo\n  three\n# a comment \x01\nx\x7fy: 1\n---\n"
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert read.article.excerpt == "one\ufffdtwo three"
    assert [(w.field, w.reason.split(":")[0]) for w in read.warnings if "U+" in w.reason] == [
        ("excerpt", "line 6"),
        ("front matter", "line 8"),
        ("x\ufffdy", "line 9"),
    ]


def test_a_nul_still_rejects_the_document_and_its_last_good_version_serves(
    tmp_path: Path, make_app: Any
) -> None:
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, title="The good headline")})
    app = make_app(root, WATCH="off")
    client = app.test_client()
    assert "The good headline" in client.get("/all.atom").get_data(as_text=True)
    damaged = front_matter(document(n=1, title="The good headline")).replace("The good", "\x00\x00\x00\x00")
    (root / "a.md").write_text(damaged, encoding="utf-8")
    old = time.time() - 60  # not a file still being written: read once
    os.utime(root / "a.md", (old, old))
    app.extensions["feeds"].refresh(None)
    assert "The good headline" in client.get("/all.atom").get_data(as_text=True)
    checked = app.test_cli_runner().invoke(args=["check", str(root)])
    assert "U+0000" in checked.output
