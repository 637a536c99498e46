"""A character YAML text cannot hold (a control character other than tab and line breaks, DEL, U+FFFE,
U+FFFF), left in front matter by a word processor (Word's line break is U+000B), a terminal (a colour
code, ESC `[1m`) or text decoded the wrong way (U+0080-U+009F), reads as the character itself, as if
it were escaped, wherever it stands, with a warning naming the field and the line: every field then
judges it as it judges the escape. Before, libyaml refused the whole document for one. A `published`
that holds one, raw or escaped, is neither true nor false, so its document is hidden (fail closed); a
key coloured in a terminal is read without its colour codes. A NUL, which the zeroed blocks of a
damaged file hold, still rejects the document, so its last good version serves."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feeds.parse import read_text
from feeds.withdrawal import withdraws

from .helpers import document, front_matter, service_over, write_corpus

# What YAML 1.2 text may not hold, NUL apart: C0 controls but tab and line feed (and carriage return,
# a line break), DEL, C1 controls but NEL (a line break), and the two noncharacters libyaml refuses
REFUSED = [chr(c) for c in [*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85)]]
REFUSED += [chr(c) for c in range(0x86, 0xA0)] + ["\ufffe", "\uffff"]
BREAKS = "\n\r\x85\u2028\u2029"  # a single-quoted scalar folds at these: not part of the generated text
PRINTABLE = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=BREAKS + "\ufeff"
)
# Private-use characters where the reading's own stand-ins for REFUSED would go (it takes a run the text
# does not hold, so an author's own is never read as a control character)
PRIVATE = st.integers(0x10FE00, 0x10FE41).map(chr) | st.integers(0x10FD00, 0x10FD41).map(chr)
TEXT = st.lists(st.one_of(PRINTABLE, st.sampled_from(REFUSED), PRIVATE), max_size=12).map("".join)
FIELDS = ["title", "excerpt", "provider", "topics"]
PATHS = {"title": "title", "excerpt": "excerpt", "topics": "topics[1]", "provider": "provider.name"}
HEAD = "---\nwebUrl: https://news.example/a\npublishedDateTime: 2024-01-01T03:00:00Z\n"
DATE = "2024-01-01T03:00:00Z"


def quoted(text: str) -> str:
    """`text` as a YAML single-quoted scalar: every character as it is, a quote doubled."""
    return "'" + text.replace("'", "''") + "'"


def escaped(text: str) -> str:
    """`text` as a YAML double-quoted scalar, each character YAML text cannot hold as its escape."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(f"\\u{ord(c):04x}" if c in REFUSED else c for c in body) + '"'


def with_text(field: str, text: str, style: Any = quoted) -> str:
    value = style(f"Words {text}")
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
def test_a_character_yaml_cannot_hold_reads_as_if_it_were_escaped(field: str, text: str) -> None:
    stray = read_text(with_text(field, text), "a.md")
    clean = read_text(with_text(field, text, escaped), "a.md")
    assert clean.article is not None, clean.rejected
    assert stray.article == clean.article
    notes = stray.warnings[len(clean.warnings) :]
    assert stray.warnings[: len(clean.warnings)] == clean.warnings
    assert len(notes) == (1 if any(c in REFUSED for c in text) else 0)  # one per line that held any
    for note in notes:
        assert note.field == PATHS[field]  # the value's own path, as other warnings name values
        assert note.reason.startswith(f"line {4 + FIELDS.index(field)}: U+"), note.reason  # its own line
        assert "cannot be in YAML text: read as if escaped" in note.reason


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


def test_anywhere_else_too_a_block_and_a_comment() -> None:
    text = HEAD + "title: Headline\nexcerpt: |\n  one\x0btwo\n  three\n# a comment \x01\n---\n"
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert read.article.publish
    assert read.article.excerpt == "one two three"  # Word's line break: a space, as if escaped
    assert [(w.field, w.reason.split(":")[0]) for w in read.warnings if "U+" in w.reason] == [
        ("excerpt", "line 6"),
        ("front matter", "line 8"),
    ]


@pytest.mark.parametrize(
    "key", ["x\x7fy", "pub\x0blished", "\x1b]0;title\x07", "ex\x01cerpt", "\x90draft", "ke\x1b", "\x1b[1m"]
)
@pytest.mark.parametrize("value", ["true", "false", "words"])
def test_a_key_that_holds_a_control_character_hides_its_document(key: str, value: str) -> None:
    """What such a key names cannot be read (it may be `published`): hidden whatever its value, raw or
    escaped, and the warning names it (its control character escaped, as reports write keys)."""
    for written in (
        key,
        '"' + "".join(f"\\u{ord(c):04x}" if c < " " or "\x7f" <= c <= "\x9f" else c for c in key) + '"',
    ):
        read = read_text(HEAD + f"title: Headline\n{written}: {value}\n---\n", "a.md")
        assert read.article is not None, read.rejected
        assert not read.article.publish, (written, value)
        assert any("holding a control character" in w.reason for w in read.warnings), read.warnings


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


CSI = st.sampled_from(["\x1b", "\x9b"])  # ESC `[`, or the one-character CSI
PARAMETERS = st.sampled_from(["", "0", "1", "31", "1;31", "38;5;208", "0;1;4"])
WRITTEN = {
    "raw": lambda c: c,
    "\\e": lambda c: "\\e" if c == "\x1b" else "\\x9b",
    "\\u": lambda c: f"\\u{ord(c):04x}",
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["published", "draft", "hidden", "private", "isDraft", "unpublished", "type"]),
    st.sampled_from(["true", "false", "yes", "no"]),
    st.lists(st.tuples(CSI, PARAMETERS, st.sampled_from("mKHJ"), st.integers(0, 12)), min_size=1, max_size=3),
    st.sampled_from(sorted(WRITTEN)),
)
def test_a_key_coloured_in_a_terminal_reads_as_the_key(
    key: str, value: str, codes: list[tuple[str, str, str, int]], how: str
) -> None:
    """`\\x1b[1mpublished\\x1b[0m: false`, pasted from a coloured terminal (`yq -C`), raw or escaped: the
    document is shown exactly when the same key without its colour codes shows it."""
    pieces, done = [], 0  # the codes put between the key's own letters
    for start, parameters, final, at in sorted(codes, key=lambda code: code[3]):
        at = min(at, len(key))
        introducer = WRITTEN[how](start) + ("[" if start == "\x1b" else "")
        pieces += [key[done:at], introducer + parameters + final]
        done = at
    coloured = "".join(pieces) + key[done:]
    written = f'"{coloured}"' if how != "raw" else coloured
    plain = read_text(HEAD + f"title: Headline\n{key}: {value}\n---\n", "a.md")
    terminal = read_text(HEAD + f"title: Headline\n{written}: {value}\n---\n", "a.md")
    assert plain.article is not None, plain.rejected
    assert terminal.article is not None, terminal.rejected
    assert terminal.article.publish == plain.article.publish, (coloured, value)


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x1c", "\x1e", "\x1f", "\x01", "\x1b", "\x85", "\u2028"])
@pytest.mark.parametrize("said", ["{c}true", "true{c}", "yes{c}", "1{c}", "published{c}"])
def test_an_escaped_control_character_in_a_flag_hides_as_the_raw_one_does(char: str, said: str) -> None:
    """`published: "true\\x0b"` holds a character that is not white space in YAML: not clearly true."""
    value = said.format(c=f"\\u{ord(char):04x}")
    key = "status" if said.startswith("published") else "published"
    read = read_text(HEAD + f'title: Headline\n{key}: "{value}"\n---\n', "a.md")
    assert read.article is not None, read.rejected
    shown = char in "\x85\u2028"  # YAML line breaks, folded as white space: `true` with a space
    assert read.article.publish is shown, value


@pytest.mark.parametrize(
    "text",
    [
        '"\\e[1mpublished\\e[0m": false\nx: [\n',
        "meta:\n  \x1b[1mpublished\x1b[0m: false\nx: [\n",
        "meta: {a: 1, \x1b[1mdraft\x1b[0m: true\n",
        "\x1b[1mpublished\x1b[0m = false\n",
        "\x1b]0;window\x07published: false\nx: [\n",
        "\x1b[1mretracted\x1b(B\x1b[m: true\nx: [\n",
    ],
)
def test_a_broken_edit_with_a_coloured_hiding_key_withdraws_the_document(text: str) -> None:
    assert withdraws(text)


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x1c", "\x1f", "\x1b", "\x7f", "\x81"])
@pytest.mark.parametrize("where", ["start", "end"])
@pytest.mark.parametrize("field", ["webUrl", "publishedDateTime"])
def test_a_url_or_date_with_a_control_character_at_an_end_is_unusable(
    char: str, where: str, field: str
) -> None:
    """Never served changed: `str.strip` takes VT, FF and FS to US for white space, and would drop them."""
    good = {"webUrl": "https://n.example/a", "publishedDateTime": DATE}[field]
    for written in (char, f"\\u{ord(char):04x}"):
        value = f'"{written}{good}"' if where == "start" else f'"{good}{written}"'
        lines = {"title": "T", "webUrl": "https://n.example/a", "publishedDateTime": DATE, field: value}
        read = read_text("---\n" + "".join(f"{k}: {v}\n" for k, v in lines.items()) + "---\n", "a.md")
        assert read.rejected is not None, (field, value)
        assert read.rejected.problem.field == field


@pytest.mark.parametrize("escape", ["\\U0010FE00", "\\U0010fe05", "\\udbff\\ude01", "\\U0010FD00"])
def test_a_private_use_character_written_as_an_escape_stays_itself(escape: str) -> None:
    text = HEAD + f'title: Headline\nexcerpt: "a {escape} b"\ntopics: ["x\x0by"]\n---\n'
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    meant = escape.encode().decode("unicode_escape").encode("utf-16", "surrogatepass").decode("utf-16")
    assert read.article.excerpt == f"a {meant} b"


@pytest.mark.parametrize(
    "key",
    [
        '"\\x1bretracted"',  # ESC before a letter: no escape sequence a terminal reads, the ESC stays
        '"\\eretracted"',
        '"\\x1bdeleted"',
        '"is\\x1b]draft"',  # a control string never ended: nothing of it is taken out
        '"x\\x9fdraft"',
        "de\u011f\x9fdraft",  # mojibake's C1 character
    ],
)
def test_a_key_with_a_control_character_left_in_it_hides_whatever_it_says(key: str) -> None:
    for value in ("true", "false"):
        read = read_text(HEAD + f"title: Headline\n{key}: {value}\n---\n", "a.md")
        assert read.article is not None, read.rejected
        assert not read.article.publish, (key, value)


def test_a_replacement_character_in_a_nested_key_costs_nothing() -> None:
    text = HEAD + 'title: Headline\nprovider: {name: P, domain: p.example, "caf\\ufffd": x}\n---\n'
    read = read_text(text, "a.md")
    assert read.article is not None, read.rejected
    assert read.article.publish


def test_a_rejected_documents_keys_with_a_control_character_still_name_its_url_and_headline() -> None:
    keys = '"title\\x0b": Secret merger\n"webUrl\\x0b": https://h.example/secret\n'
    text = f"---\n{keys}publishedDateTime: {DATE}\n---\n"
    read = read_text(text, "a.md")
    assert read.rejected is not None
    assert (read.rejected.url, read.rejected.title) == ("https://h.example/secret", "Secret merger")


@pytest.mark.parametrize(
    ("text", "withdrawn"),
    [
        ("title: T\nexcerpt: The council of Z\ufffdrich: a vote\nbad: [\n", False),  # Latin-1 read leniently
        ('excerpt: "Summary\\u000bNote: x"\nbad: [\n', False),
        ("excerpt: Summary\x0cNote: x\nbad: [\n", False),
        ("\x1bretracted: true\nbad: [\n", True),
        ("pub\x0blished: false\nbad: [\n", True),
    ],
)
def test_a_broken_text_withdraws_only_for_a_key_that_speaks_of_publishing(text: str, withdrawn: bool) -> None:
    assert withdraws(text) is withdrawn


# --- a broken edit's `published`, read as YAML reads it as well as leniently --------------------------

CODES = ["\x1b[0m", "\x1b[32m", "\x1b]0;title\x07", "\x9d\x07", "\\e[1m"]  # a terminal's, as `yq -C` colours
# Around a clear "true": what Python takes for white space or a line end and YAML does not (C0 and C1
# controls, Unicode spaces), YAML's own line breaks, words
AROUND = st.lists(
    st.sampled_from([*REFUSED, *CODES, *"\x85\u2028\xa0\u2000\u3000 \t", "false", "no", "x"]),
    max_size=3,
).map("".join)
SERVED_TEXT = front_matter(document(n=1, title="Harbour plan approved"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=AROUND,
    true=st.sampled_from(["true", "True", "TRUE", "'true'", '"true"']),
    after=AROUND,
    broken=st.sampled_from(["excerpt: [never closed\n", "topics:\n\t- Sport\n"]),
)
def test_a_broken_edit_withdraws_its_article_when_its_published_would_hide_a_readable_one(
    tmp_path_factory: pytest.TempPathFactory, before: str, true: str, after: str, broken: str
) -> None:
    """A served document edited into broken text whose `published` line holds a clear "true" with
    characters around it: the edit takes the article down whenever the same line hides a document
    that can be read (a control character YAML keeps in the value: `true\\x0b`, `true\\x1ffalse`), and
    keeps its last good version up where it shows one. Before, a VT or FF split the line and white
    space Python knows was taken off the value, so `published: true\\x0bfalse` kept the article up,
    and so did a value a terminal coloured (`true\\x1b[0m`)."""
    line = f"published: {before}{true}{after}\n"
    assert "published: true\n" in SERVED_TEXT
    readable = read_text(SERVED_TEXT.replace("published: true\n", line), "a.md")
    assume(readable.rejected is None)  # a line YAML breaks (NEL, LS, PS) gives no readable document
    assert readable.article is not None
    root = write_corpus(tmp_path_factory.mktemp("content"), {"story.md": SERVED_TEXT})
    service = service_over(root, FEEDS_PARSE_CACHE="off")
    assert service.index().count() == 1
    story = root / "story.md"
    story.write_text(SERVED_TEXT.replace("published: true\n", broken + line))
    an_hour_ago = time.time() - 3600
    os.utime(story, (an_hour_ago, an_hour_ago))
    service.refresh(None)
    shown = [a.title for a in service.index().articles]
    assert shown == (["Harbour plan approved"] if readable.article.publish else []), repr(line)
