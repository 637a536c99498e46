"""Reading a document never raises, whatever its front matter says (GitHub issue 10 §1).

PyYAML's constructors raise plain Python exceptions (ValueError, TypeError, KeyError, AttributeError,
OverflowError, …), not only `yaml.YAMLError`, for values they cannot build: an unquoted
`2025-02-29`, `!!int abc`, `!!timestamp yesterday`, a 5,000-digit integer. They do so under any key,
at any depth, including keys the service never reads. A value dumped by a YAML library is always one
it can read back, so these tests write the TEXT of front matter instead.

What a reader of `check` and of the feeds is promised:
- every file is exactly one of: an article (maybe with warnings), a rejection, or not a document
  (no leading `---` line), and reading it never raises;
- a rejection names the file by its relative path, and its field and reason are one line of plain
  text each: no traceback, no Python repr of a mapping or list, no control characters;
- a value that cannot be built under a required field (`title`, `webUrl`/`originalUrl`,
  `publishedDateTime`) rejects the document naming that field; under any other key, known or not,
  at any depth, the document is still served, with a warning whose field is that top-level key
  (optionally followed by the path to the value: `related[0].publishedDateTime`). A value that YAML
  1.2 reads as text where the service reads nothing (`lastReviewed: 2025-02-29`) needs no warning.
  One exception: a merge (`<<: 5`) at the top of the front matter may reject the document instead,
  naming `<<` (what it failed to merge could have been `published: false`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from feeds.corpus import load_corpus, read_document
from feeds.parse import read_text

if TYPE_CHECKING:
    from feeds.parse import Reading  # the type `read_document` returns

MAX_BYTES = 1024 * 1024
REL = "sub/doc.md"
# The product's own rule for "is a document" (contract: Which files are documents), on raw bytes.
OPENS_FRONT_MATTER = re.compile(rb"\A(?:\xef\xbb\xbf)?---[ \t]*(?:\r?\n|\Z)")
# What a message must never carry: the repr of a mapping or list (`{'a': 1}`, `['x', 'y']`), of a date
# or an object, or a traceback.
PYTHON_REPR = re.compile(
    r"""[\[{]\s*'[^'\n]*'\s*[:,\]}]"""  # {'a': …}, ['a', …], {'a', …}
    r"|\b(?:datetime\.(?:date|datetime|time|timedelta|timezone)|OrderedDict|frozenset|bytearray)\("
    r"|<[\w.]+ object at 0x|<class '|Traceback \(most recent call last\)|File \"[^\"]*\", line \d"
)
FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}  # controls (newlines, ESC, NUL), lone surrogates, U+2028/9


def assert_one_line_of_text(text: object, what: str) -> None:
    """A `field` or `reason` as `check` prints it: `path: field: reason` on one line of a terminal."""
    assert isinstance(text, str), f"{what} is {type(text).__name__}, not text"
    assert text.strip(), f"{what} is empty"
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in FORBIDDEN_CATEGORIES})
    assert not bad, f"{what} is not one line of plain text ({', '.join(bad)}): {text!r}"
    assert not PYTHON_REPR.search(text), f"{what} carries a Python repr or a traceback: {text!r}"
    assert len(text) <= 500, f"{what} is {len(text)} characters long: {text[:100]!r}…"


def assert_well_formed(read: Reading, rel: str, raw: bytes) -> str:
    """The one outcome of reading `raw` at `rel`: 'article', 'rejected' or 'not a document'."""
    assert read.article is None or read.rejected is None, "both an article and a rejection"
    for warning in read.warnings:
        assert_one_line_of_text(warning.field, "a warning's field")
        assert_one_line_of_text(warning.reason, "a warning's reason")
    if read.rejected is not None:
        error = read.rejected.problem
        assert error.path == rel
        assert_one_line_of_text(error.field, "the rejection's field")
        assert_one_line_of_text(error.reason, "the rejection's reason")
        return "rejected"
    if read.article is not None:
        article = read.article
        assert article.path == rel
        assert article.title.strip()
        assert re.match(r"https?://", article.url, re.I)
        assert article.date_published.tzinfo is not None
        return "article"
    assert not OPENS_FRONT_MATTER.match(raw), "a file that opens front matter is neither served nor rejected"
    return "not a document"


def show(rel: str, raw: bytes) -> None:
    """The file's text in Hypothesis's report of a failing example."""
    note(f"{rel}:\n{raw.decode('utf-8', 'backslashreplace')}")


def read_bytes_at(folder: Path, rel: str, raw: bytes) -> Reading:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return read_document(folder, rel, dt.UTC, MAX_BYTES)


# --- front matter as text ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Yaml:
    """A YAML node as text: `head` follows `key:` or `-` on its line; `body` lines follow, indented."""

    head: str
    body: tuple[str, ...] = ()

    @property
    def flow(self) -> str:
        """The node inside a flow collection (a block node cannot be: it becomes `null`)."""
        return "null" if self.body or self.head.startswith(("|", ">")) else self.head


def entry(prefix: str, value: Yaml) -> list[str]:
    """`key: value` or `- value`, with the value's block lines indented under it."""
    first = f"{prefix} {value.head}" if value.head else prefix
    return [first, *(f"  {line}" for line in value.body)]


def block_mapping(items: list[tuple[str, Yaml]], props: str = "") -> Yaml:
    return Yaml(props, tuple(line for key, value in items for line in entry(f"{key}:", value)))


def block_sequence(items: list[Yaml], props: str = "") -> Yaml:
    return Yaml(props, tuple(line for value in items for line in entry("-", value)))


# Scalar text: words drawn whole (cheap to generate), with the characters YAML gives meaning to.
WORDS = [
    "news", "Harbour wind farm", "AI", "x", "Économie", "a-b_c.d/e", "Café au lait", "42abc", "-dash",
    "Title: with colon", "hash # in it", "?", "a, b", "[x", "{y", "it's", 'say "hi"',
    "&amp; &lt;b&gt;", "<script>alert(1)</script>", "   padded   ", "字", "😀", "yes", "No", "ON", "off",
    "y", "n", "~", "null", "Null", "NULL", "true", "False", "=", "<<", "", "@at", "`tick", "%pct",
]  # fmt: skip
# Characters that are legal in a str but odd in a document; \udc.. are written as raw invalid UTF-8 bytes
# (surrogateescape): a lone surrogate cannot be written as UTF-8, so these stand for what it would be.
ODD = ["\t", "\x00", "\ufeff", "\u2028", "\u2029", "\x85", "\x1b", "\x7f", "\u202e", "\r", "\x0c"]
INVALID_UTF8 = ["\udcff", "\udcc3(", "\udced\udca0\udc80", "\udcf4\udc90\udc80\udc80", "\udcc0\udcaf"]
ESCAPES = [
    r"\n", r"\t", r"\x41", r"\u00e9", r"\U0001F600", r"\0", r"\e", r"\L", r"\P", r"\_", r"\N", r"\"",
    r"\\", r"\/", r"\x00", r"\u202e", r"\x1b[31m", r"\r\n",
]  # fmt: skip
BAD_ESCAPES = [r"\ud800", r"\udfff", r"\x", r"\q", r"\u12", r"\U00110000"]  # the YAML is invalid
DATES = [
    "2025-02-29", "2025-02-29T08:00:00Z", "2025-13-01", "2025-00-10", "2025-04-31T25:61:00Z",
    "2025-04-31", "0000-01-01", "0000-01-01T00:00:00Z", "99999-01-01", "2025-01-01 10:00:00 +99:00",
    "2025-01-01T10:00:00-24:00", "1999-12-31T23:59:60Z", "2025-1-1 1:2:3", "2025-01-01t10:00:00.1234567890z",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-02-29T08:00:00Z", "2024-01-01",
    "2025-03-14 09:30:00", "Fri, 14 Mar 2025 09:30:00 +0000", "Mon, 31 Feb 2025 09:30:00 +0000",
]  # fmt: skip
NUMBERS = [
    "1e999999", "-1e999999", "1.5e+999999", "9" * 400, "-" + "9" * 400, "9" * 5000, "0x" + "f" * 400,
    "0x_", "-0x_", "0b_", "0b101", "0o777", "0o", "017", "08", "1_000", "1__0", "_1", ".inf", "-.inf",
    ".nan", ".NaN", "190:20:30", "1:99", "+12", "-0", "0.", "3.14", "1_0.5_0",
]  # fmt: skip
URLS = ["https://news.example/a", "http://x.example", "javascript:alert(1)", "/relative", "https://"]
TAGS = [
    "!!timestamp", "!!int", "!!float", "!!bool", "!!null", "!!binary", "!!str", "!!set", "!!omap",
    "!!pairs", "!!seq", "!!map", "!!merge", "!!value", "!!python/object:os.system", "!!python/name:x",
    "!!python/object/apply:os.system", "!!python/tuple", "!foo", "!", "!<tag:yaml.org,2002:int>",
    "!<tag:yaml.org,2002:timestamp>", "!<!bar>",
]  # fmt: skip
ANCHORS = [f"&{name}" for name in "abcdefghij"]
ALIASES = ["*a", "*b", "*c"]
MERGES = ["*a", "*b", "5", "[*a, 3]", "[*a, *b]", "{x: 1}", "~", "[]", "!!map {}", "'text'"]
KNOWN = [
    "title", "excerpt", "publishedDateTime", "webUrl", "originalUrl", "published", "provider",
    "topics", "images", "related", "quality", "heat", "type", "secured",
]  # fmt: skip
UNKNOWN = ["category", "lastReviewed", "x", "Title", "isCached", "nested", "date", "0", "null", "~"]
ODD_KEYS = [
    "<<",
    "[a, b]",
    "{a: 1}",
    "2025-02-29",
    "1e999999",
    "!!int k",
    "!!binary x",
    "'key'",
    '"k"',
    "? q",
]
GARBAGE = [
    "- item", "? ", ": x", "key: [unclosed", "{a: 1", "'unclosed", '"unclosed', "&anchor", "*alias", "!tag",
    "|", ">", "%YAML 1.1", "%TAG ! tag:x,2000:", "@reserved", "`tick", "  indented: 1", "\ttab: 1",
    "a: b: c", "-", "#", "---", "...", "x:\t1", "  - nested", "[1, 2]: x",
]  # fmt: skip


def _double_quoted(word: str, escape: str) -> str:
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + escape + '"'


# Scalars as they may follow `key:`, each list drawn from in one step (generating stays cheap). The
# first ones are the plainest: Hypothesis shrinks towards them.
PLAIN = [w for w in WORDS if w.strip() and w[0] not in "@`%"]
SPECIAL = DATES + NUMBERS + URLS
SCALARS = [
    *PLAIN,
    *SPECIAL,
    *(f"'{w.replace(chr(39), chr(39) * 2)}'" for w in WORDS),
    *(f'"{s}"' for s in SPECIAL),
    *(_double_quoted(w, e) for w in ("", "Caf", "x y") for e in ESCAPES),
    *(_double_quoted("bad ", e) for e in BAD_ESCAPES),
]
TAG_VALUES = [
    "",
    "abc",
    "1",
    "-2.5",
    "2025-02-29",
    "2024-01-01",
    '"not base64!"',
    "aGk=",
    "yesterday",
    "maybe",
]
TAGGED = [f"{tag} {value}".strip() for tag in TAGS for value in TAG_VALUES]
one_line = st.one_of(
    st.sampled_from(SCALARS),
    st.sampled_from(SCALARS),
    st.sampled_from(SCALARS),
    st.sampled_from(TAGGED),
    st.sampled_from([f"{a} {v}" for a in ANCHORS for v in ("x", "2025-02-29", "{k: v}", "[1]", "!!int abc")]),
    st.sampled_from(ALIASES),
)
block_scalar = st.builds(
    Yaml,
    st.sampled_from(["|", "|-", "|+", ">", ">-", "|2", "| # c"]),
    st.lists(st.sampled_from([*WORDS, "  more indented", "\tx"]), max_size=3).map(tuple),
)
props = st.sampled_from(["", "", "", "", *TAGS, *ANCHORS, "!!map &a", "!!seq &b", "!!set &c", "!!omap &d"])
key = st.one_of(st.sampled_from(KNOWN + UNKNOWN), st.sampled_from(UNKNOWN), st.sampled_from(ODD_KEYS))
merge = st.sampled_from(MERGES).map(lambda m: ("<<", Yaml(m)))
MAX_DEPTH = 3


def draw_node(draw: st.DrawFn, depth: int = 0) -> Yaml:
    """Any node: a scalar, a block scalar, or a block or flow mapping or sequence of nodes."""
    kind = draw(st.integers(0, 8 if depth < MAX_DEPTH else 3))
    if kind <= 2:
        return Yaml(draw(one_line))
    if kind == 3:
        return draw(block_scalar)
    tag_or_anchor = draw(props)
    if kind <= 5:
        items = [(draw(key), draw_node(draw, depth + 1)) for _ in range(draw(st.integers(0, 3)))]
        if draw(st.sampled_from([False, False, False, True])):
            items.insert(0, draw(merge))
        if kind == 4:
            return block_mapping(items, tag_or_anchor)
        return Yaml(f"{tag_or_anchor} {{{' , '.join(f'{k}: {v.flow}' for k, v in items)} }}".strip())
    children = [draw_node(draw, depth + 1) for _ in range(draw(st.integers(0, 3)))]
    if kind <= 7:
        return block_sequence(children, tag_or_anchor)
    return Yaml(f"{tag_or_anchor} [{' , '.join(c.flow for c in children)} ]".strip())


node = st.composite(draw_node)()

GOOD: dict[str, Yaml] = {
    "title": Yaml("A good title"),
    "excerpt": Yaml("Something happened."),
    "publishedDateTime": Yaml("2024-05-01T08:00:00Z"),
    "webUrl": Yaml("https://news.example/story"),
    "originalUrl": Yaml("https://origin.example/story"),
    "published": Yaml("true"),
    "provider": Yaml("", ("name: Example News", "domain: news.example")),
    "topics": Yaml("[AI, Energy]"),
    "images": Yaml("", ("- url: https://img.example/a.jpg", "  width: 640", "  height: 360")),
    "related": Yaml(
        "",
        (
            "- title: Earlier coverage",
            "  webUrl: https://other.example/b",
            "  provider: {name: Other}",
            "  publishedDateTime: 2024-04-01T08:00:00Z",
        ),
    ),
    "quality": Yaml("50"),
    "heat": Yaml("10"),
    "type": Yaml("article"),
    "secured": Yaml('"c2VjcmV0;x"'),
}
REQUIRED = ("title", "webUrl", "publishedDateTime")
OPTIONAL = [name for name in KNOWN if name not in REQUIRED]


def shaped(keys: list[str]) -> st.SearchStrategy[Yaml]:
    """A block mapping with the product's own keys for that place (and others), some values odd."""
    value = st.one_of(one_line.map(Yaml), one_line.map(Yaml), node)
    return st.builds(block_mapping, st.lists(st.tuples(st.sampled_from([*keys, "extra"]), value), max_size=4))


SHAPED: dict[str, st.SearchStrategy[Yaml]] = {
    "provider": shaped(["name", "domain"]),
    "images": st.lists(shaped(["url", "width", "height"]), max_size=2).map(block_sequence),
    "related": st.lists(shaped(["title", "webUrl", "publishedDateTime", "provider"]), max_size=2).map(
        block_sequence
    ),
}
ONE_IN_FIVE = [False] * 4 + [True]  # Hypothesis favours the first: the common case
ONE_IN_TEN = [False] * 9 + [True]
top_key = st.one_of(st.sampled_from(UNKNOWN), st.sampled_from(UNKNOWN), st.sampled_from(KNOWN + ODD_KEYS))


def field_value(draw: st.DrawFn, name: str) -> Yaml:
    """A required field is good nine times in ten, another field one time in two."""
    if not draw(st.sampled_from(ONE_IN_TEN if name in REQUIRED else [False, True])):
        return GOOD[name]
    return draw(st.one_of(node, SHAPED[name]) if name in SHAPED else node)


def unique_anchors(text: str) -> str:
    """Each `&x` made unique (a repeated anchor is a YAML error), each `*x` pointing at the last one
    (or `null` when none came before; `*undefined` stays undefined)."""
    count = 0
    latest: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        nonlocal count
        sigil, name = match.groups()
        if sigil == "&":
            count += 1
            latest[name] = f"{name}{count}"
        if sigil == "*" and name not in latest:
            return "null"
        return sigil + latest[name]

    return re.sub(r"([&*])([a-j])(?![\w])", rename, text)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """The bytes of a file: front matter written as text, mostly well framed, often with odd values."""
    items: list[tuple[str, Yaml]] = []
    optional = draw(st.lists(st.sampled_from(OPTIONAL), max_size=6, unique=True))
    for name in [*REQUIRED, *optional]:
        items.append((name, field_value(draw, name)))
    for extra in draw(st.lists(st.tuples(top_key, node), max_size=2)):  # unknown keys, duplicates, odd keys
        items.insert(draw(st.integers(0, len(items))), extra)
    if draw(st.sampled_from(ONE_IN_TEN)):
        items.insert(draw(st.integers(0, len(items))), draw(merge))
    lines = list(block_mapping(items).body)
    if draw(st.sampled_from(ONE_IN_FIVE)):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(GARBAGE)))
    opening = draw(
        st.sampled_from(["---\n"] * 20 + ["\ufeff---\n", "---  \n", "--- # c\n", "", "--\n", " ---\n"])
    )
    closing = draw(st.sampled_from(["---\n"] * 12 + ["---", "", "...\n", "--- \n"]))
    after = draw(st.sampled_from(["", "Body text.\n", "---\nmore: x\n---\n"]))
    text = opening + unique_anchors("".join(f"{line}\n" for line in lines)) + closing + after
    if draw(st.sampled_from(ONE_IN_FIVE)):
        text = text.replace("\n", "\r\n")
    if draw(st.sampled_from(ONE_IN_FIVE)):  # one odd character, or invalid UTF-8, past the opening line
        at = draw(st.integers(len(opening), len(text)))
        text = text[:at] + draw(st.sampled_from(ODD + ODD + INVALID_UTF8)) + text[at:]
    return text.encode("utf-8", "surrogateescape")


# --- every generated document ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


# One bug shrunk, not every distinct one: a failure reports in seconds, not minutes.
FAST = settings(deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow])


@settings(FAST, max_examples=300)
@given(raw=documents())
def test_reading_generated_front_matter_never_raises(workdir: Path, raw: bytes) -> None:
    show(REL, raw)
    read = read_bytes_at(workdir, REL, raw)
    event(assert_well_formed(read, REL, raw))


def settled(root: Path) -> None:
    """Date the files an hour back: not files caught mid-write, which are read again for up to 0.5 s."""
    past = time.time() - 3600
    for path in root.rglob("*.md"):
        os.utime(path, (past, past))


@settings(FAST, max_examples=40)
@given(files=st.lists(documents(), min_size=1, max_size=5))
def test_a_folder_of_generated_documents_loads_and_every_file_is_accounted_for(
    workdir: Path, files: list[bytes]
) -> None:
    root = Path(tempfile.mkdtemp(dir=workdir))
    rels = [f"d{n}.md" if n % 2 else f"deep/er/d{n}.md" for n in range(len(files))]
    expected: dict[str, str] = {}
    for rel, raw in zip(rels, files, strict=True):
        show(rel, raw)
        expected[rel] = assert_well_formed(read_bytes_at(root, rel, raw), rel, raw)
    settled(root)

    corpus = load_corpus(root, dt.UTC, MAX_BYTES)

    outcomes = [(a.path, "article") for a in corpus.articles]
    outcomes += [(r.problem.path, "rejected") for r in corpus.rejected]
    outcomes += [(rel, "not a document") for rel in corpus.ignored]
    assert sorted(outcomes) == sorted(expected.items())  # each file once, as reading it alone said
    assert not corpus.stale
    assert not corpus.problems
    for rel, warning in corpus.warnings:
        assert rel in expected
        assert_one_line_of_text(warning.field, "a warning's field")
        assert_one_line_of_text(warning.reason, "a warning's reason")


# --- explicit examples --------------------------------------------------------------------------------------

TITLE, URL = "A good title", "https://news.example/story"


def doc(*lines: str, date: str = "2024-05-01T08:00:00Z") -> bytes:
    """A good document with `lines` added to its front matter (or its date replaced)."""
    head = [f"title: {TITLE}", f"webUrl: {URL}", f"publishedDateTime: {date}"]
    return ("---\n" + "\n".join([*head, *lines]) + "\n---\nBody.\n").encode()


FEB_29 = "2025-02-29T08:00:00Z"  # 2025 is not a leap year
DIGITS_400, DIGITS_5000 = "9" * 400, "9" * 5000

# id → (file, (outcome, key, texts)). Outcomes:
# - "rejected": rejected, the error's field is `key`, its reason shows each of `texts`;
# - "warning": served, with a warning naming `key` (its field or reason shows each of `texts`);
# - "served": served; a warning is not required (YAML 1.2 reads the value as text, at a key the product
#   does not read) but any warning names `key`;
# - "either": a rejection whose field is `key`, or served with a warning naming `key` (a merge key at the
#   top of the front matter: it could have been meant to merge `published: false`).
EXAMPLES: dict[str, tuple[bytes, tuple[str, str, tuple[str, ...]]]] = {
    "feb-29-unquoted-at-publishedDateTime": (
        doc(date=FEB_29),
        ("rejected", "publishedDateTime", ("2025-02-29",)),
    ),
    "feb-29-at-an-unknown-key": (doc(f"lastReviewed: {FEB_29}"), ("served", "lastReviewed", ())),
    "feb-29-three-levels-deep-inside-related": (
        doc(
            "related:",
            "  - title: Earlier coverage",
            "    webUrl: https://other.example/b",
            f"    publishedDateTime: {FEB_29}",
        ),
        ("warning", "related", ("2025-02-29",)),
    ),
    "feb-29-under-a-key-inside-related-the-product-does-not-read": (
        doc(
            "related:",
            "  - title: Earlier coverage",
            "    webUrl: https://other.example/b",
            "    provider:",
            "      name: Other",
            "      archive:",
            f"        since: {FEB_29}",
        ),
        ("served", "related", ()),
    ),
    "feb-29-as-a-mapping-key": (doc("history:", "  2025-02-29: launched"), ("served", "history", ())),
    "binary-not-base64": (doc('secured: !!binary "not base64!"'), ("warning", "secured", ())),
    "int-abc-as-quality": (doc("quality: !!int abc"), ("warning", "quality", ())),
    "float-xyz-as-heat": (doc("heat: !!float xyz"), ("warning", "heat", ())),
    "timestamp-yesterday-as-publishedDateTime": (
        doc(date="!!timestamp yesterday"),
        ("rejected", "publishedDateTime", ("yesterday",)),
    ),
    "python-object-apply-at-an-unknown-key": (
        doc('onLoad: !!python/object/apply:os.system ["true"]'),
        ("warning", "onLoad", ()),
    ),
    "python-object-apply-as-publishedDateTime": (
        doc(date='!!python/object/apply:os.system ["true"]'),
        ("rejected", "publishedDateTime", ()),
    ),
    "custom-tag-in-topics": (doc("topics: [AI, !custom 1]"), ("warning", "topics", ())),
    "merge-of-a-number-at-the-top": (doc("<<: 5"), ("either", "<<", ())),
    "merge-of-a-number-in-provider": (
        doc("provider: {<<: 5, name: Example News, domain: news.example}"),
        ("warning", "provider", ()),
    ),
    "set-of-a-sequence-as-topics": (doc("topics: !!set [1,2]"), ("warning", "topics", ())),
    "omap-of-a-mapping-at-an-unknown-key": (doc("order: !!omap {a: 1}"), ("warning", "order", ())),
    "400-digit-quality": (doc(f"quality: {DIGITS_400}"), ("warning", "quality", ())),
    "5000-digit-quality": (doc(f"quality: {DIGITS_5000}"), ("warning", "quality", ())),
    "bool-maybe-at-an-unknown-key": (doc("flag: !!bool maybe"), ("warning", "flag", ())),
    "hex-without-digits-at-an-unknown-key": (doc("code: 0x_"), ("served", "code", ())),
    "offset-of-99-hours-as-publishedDateTime": (
        doc(date="2025-01-01 10:00:00 +99:00"),
        ("rejected", "publishedDateTime", ("+99:00",)),
    ),
    "year-0-as-publishedDateTime": (
        doc(date="0000-01-01"),
        ("rejected", "publishedDateTime", ("0000-01-01",)),
    ),
}


def names_key(field: str, key: str) -> bool:
    """`field` is the top-level `key`, alone or followed by the path to the value inside it."""
    return re.match(rf"{re.escape(key)}(?:$|[.\[])", field) is not None


@pytest.mark.parametrize(("raw", "expected"), EXAMPLES.values(), ids=EXAMPLES.keys())
def test_a_value_yaml_cannot_build_costs_at_most_its_field(
    tmp_path: Path, raw: bytes, expected: tuple[str, str, tuple[str, ...]]
) -> None:
    outcome, key, shown = expected
    read = read_bytes_at(tmp_path, "news/story.md", raw)
    assert_well_formed(read, "news/story.md", raw)
    if outcome == "either" and read.rejected is not None:
        outcome = "rejected"
    if outcome == "rejected":
        assert read.rejected is not None, f"served, but {key} cannot be read: {read}"
        assert read.rejected.problem.field == key
        for text in shown:
            assert text in read.rejected.problem.reason
        return
    assert read.article is not None, f"not served: {read.rejected}"
    assert (read.article.title, read.article.url) == (TITLE, URL)
    assert all(names_key(w.field, key) for w in read.warnings), read.warnings
    if outcome != "served":
        assert read.warnings, f"no warning names {key!r}"
    for text in shown:
        assert any(text in f"{w.field} {w.reason}" for w in read.warnings), (text, read.warnings)


def test_feb_29_rejection_says_which_date_and_why(tmp_path: Path) -> None:
    read = read_bytes_at(tmp_path, "feb29.md", doc(date=FEB_29))
    assert read.rejected is not None
    error = read.rejected.problem
    assert (error.path, error.field) == ("feb29.md", "publishedDateTime")
    assert "2025-02-29" in error.reason
    assert re.search(r"\bday\b", error.reason, re.I), f"does not say why: {error.reason!r}"


def test_feb_29_under_any_key_leaves_the_other_documents_served(tmp_path: Path) -> None:
    files = {
        "good.md": doc(),
        "bad-date.md": doc(date=FEB_29).replace(b"/story", b"/bad-date"),
        "unknown-key.md": doc(f"lastReviewed: {FEB_29}").replace(b"/story", b"/unknown"),
        "not-a-document.md": b"Just notes.\n",
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    settled(tmp_path)
    corpus = load_corpus(tmp_path, dt.UTC, MAX_BYTES)
    assert sorted(a.path for a in corpus.articles) == ["good.md", "unknown-key.md"]
    assert [(r.problem.path, r.problem.field) for r in corpus.rejected] == [
        ("bad-date.md", "publishedDateTime")
    ]
    assert corpus.ignored == ("not-a-document.md",)


def test_python_tags_are_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    for n, tag in enumerate(["!!python/object/apply:os.system", "!!python/object/new:os.system"]):
        raw = doc(f'hook: {tag} ["touch {marker}"]')
        assert_well_formed(read_bytes_at(tmp_path, f"{n}.md", raw), f"{n}.md", raw)
    assert not marker.exists()


@settings(FAST, max_examples=300)
@given(raw=documents())
def test_a_lean_reading_gives_the_index_what_a_whole_one_does(raw: bytes) -> None:
    """The server reads documents that are not shown lean (`read_text(lean=True)`: their excerpt,
    images and related list unbuilt). Whatever the text: it shows exactly what a whole reading shows,
    the same article where a whole reading has one, and it never blocks fewer URLs."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    whole, lean = read_text(text, REL), read_text(text, REL, lean=True)
    if whole.article is not None:
        assert lean.article == whole.article
    shown = [r.article is not None and r.article.publish for r in (whole, lean)]
    assert shown[0] == shown[1]
    if (url := blocked(whole)) is not None:
        assert blocked(lean) == url


def blocked(read: Reading) -> str | None:
    """The URL a reading keeps out of related links (hidden or rejected), or shows."""
    if read.article is not None:
        return read.article.url
    return read.rejected.url if read.rejected is not None else None
