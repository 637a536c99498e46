"""Generated ways an embargoed article could leak (issue 10 §2), each tried against every response.

One hidden document per example, hidden by a generated cause (`published` false-like or unclear, a
near miss of the `published` key, a negated `published` key with any value, another generator's
embargo key (`draft`, `visible`, `status`, …) in any case, width or separators, a duplicate key, a
future date, a rejected unpublished file), with a distinctive generated title and a generated URL;
visible documents link to that URL in generated spellings that must all count as the same URL, or
in looser spellings that could be it (path case, a query, `index.html`, `amp`, `m.`, `;params`,
`%2F`), titled with its headline or with text that contains it. Every response the service gives,
and `check`'s output, must be free of the title. The oracle (which spellings are one URL, which
values are clearly true) is written here from the rules, never taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from feeds import create_app
from feeds.urlkeys import loose_key, url_key

from .helpers import BASE, write_corpus
from .test_embargo import aged, all_related, assert_absent, every_response, forms

NOW = dt.datetime.now(dt.UTC)
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
UNRESERVED = LOWER + LOWER.upper() + DIGITS + "-._~"
SUB_DELIMS = "!$&'()*+,;=:@"  # reserved characters a path segment may carry: never re-encoded
IDN_LABELS = ["bücher", "münchen", "пример", "例え", "ñandú", "café"]
PATH_LETTERS = "éüñß中文ø"
TRACKING = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid"]
TRUE_WORDS = {"true", "yes", "on", "1"}
# No shrinking: an example costs an app and thirty requests, and Hypothesis may shrink for minutes;
# a failure is reported with the notes below (the hidden file's text and the links to it).
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


# --- URLs and their spellings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    """An http(s) URL in parts: host labels in lower case (IRI form), path segments in IRI form."""

    https: bool
    labels: tuple[str, ...]
    segments: tuple[str, ...]
    query: str = ""  # a query that is part of the resource (not tracking): kept in every spelling
    port: str = ""  # a port that is not the scheme's default

    def plain(self) -> str:
        host, path = ".".join(self.labels) + self.port, "/".join(self.segments)
        return f"{'https' if self.https else 'http'}://{host}/{path}{self.query}"


def ascii_labels() -> st.SearchStrategy[str]:
    return st.text(LOWER + DIGITS, min_size=1, max_size=8).filter(lambda s: s != "www")


def segments() -> st.SearchStrategy[str]:
    """A path segment: unreserved and reserved characters, non-ASCII letters, percent-encoded
    characters (a space, and reserved ones, which must stay encoded)."""
    token = st.sampled_from([*UNRESERVED, *SUB_DELIMS, *PATH_LETTERS, "%20", "%2F", "%3f"])
    return st.lists(token, min_size=1, max_size=10).map("".join).filter(lambda s: s not in {".", ".."})


@st.composite
def urls(draw: st.DrawFn) -> Url:
    """Hosts with optional non-ASCII labels, paths with non-ASCII and reserved characters."""
    labels = draw(st.lists(st.one_of(ascii_labels(), st.sampled_from(IDN_LABELS)), min_size=1, max_size=2))
    tld = draw(st.sampled_from(["org", "net", "news"]))  # never `example`: the visible documents' hosts
    return Url(draw(st.booleans()), (*labels, tld), tuple(draw(st.lists(segments(), min_size=1, max_size=3))))


def percent(text: str, rnd: random.Random) -> str:
    return "".join(f"%{b:02X}" if rnd.random() < 0.5 else f"%{b:02x}" for b in text.encode("utf-8"))


def spell_segment(segment: str, rnd: random.Random, iri_to_uri: bool, encode_unreserved: float) -> str:
    """The same segment written another way: non-ASCII as percent-encoded UTF-8, some unreserved
    characters percent-encoded (hex in either case); reserved characters are left as they are
    (RFC 3986 §2.2: encoding them names another resource)."""
    out, i = [], 0
    while i < len(segment):
        if segment[i] == "%":
            code = segment[i + 1 : i + 3]
            out.append("%" + (code.lower() if rnd.random() < 0.5 else code.upper()))
            i += 3
            continue
        c = segment[i]
        if (not c.isascii() and iri_to_uri) or (c in UNRESERVED and rnd.random() < encode_unreserved):
            out.append(percent(c, rnd))
        else:
            out.append(c)
        i += 1
    return "".join(out)


def mixed_case(word: str, rnd: random.Random) -> str:
    return "".join(c.upper() if rnd.random() < 0.5 else c for c in word)


@st.composite
def spellings(draw: st.DrawFn, url: Url) -> str:
    """Another spelling of `url` that names the same article (rule 4): host case, `www.`, http or
    https, a default port, IDNA or Unicode host labels, percent-encoding (either hex case, unreserved
    characters encoded), dot segments, a trailing slash, tracking parameters, a fragment. Each is
    chosen at random (a seeded `Random`: one draw, where a draw per choice cost more than the test)."""
    rnd = draw(st.randoms(use_true_random=True))
    coin = rnd.random
    https = url.https != (coin() < 0.5)
    scheme = "https" if https else "http"
    if coin() < 0.3:
        scheme = mixed_case(scheme, rnd)
    labels = []
    for label in url.labels:
        if not label.isascii() and coin() < 0.5:
            label = label.encode("idna").decode("ascii")
        labels.append("".join(c.upper() if c.isascii() and coin() < 0.5 else c for c in label))
    host = ".".join(labels)
    if coin() < 0.4:
        host = rnd.choice(["www.", "WWW.", "Www."]) + host
    if coin() < 0.4:
        host += ":443" if https else ":80"
    iri_to_uri = coin() < 0.5
    encode_unreserved = rnd.choice([0.0, 0.0, 0.2, 1.0])
    path = [spell_segment(s, rnd, iri_to_uri, encode_unreserved) for s in url.segments]
    if coin() < 0.4:
        at = rnd.randrange(len(path))
        path[at:at] = rnd.choice([["."], ["zz", ".."], [".", "q", ".."]])
    text = f"{scheme}://{host}/{'/'.join(path)}"
    if coin() < 0.4:
        text += "/"
    params = [url.query.removeprefix("?")] if url.query else []
    for name in rnd.sample(TRACKING, rnd.choice([0, 0, 1, 2, 3])):
        value = "".join(rnd.choices(LOWER + DIGITS, k=rnd.randrange(7)))
        params.insert(rnd.randrange(len(params) + 1), f"{name}={value}")
    if params:
        text += "?" + "&".join(params)
    if coin() < 0.4:
        text += "#" + "".join(rnd.choices(LOWER + DIGITS, k=rnd.randrange(7)))
    return text


LOOSE = [
    "path case",
    "index",
    "extension",
    "bare extension",
    "params",
    "empty segment",
    "query",
    "slash escaped",
    "host",
    "amp",
]


@st.composite
def loose_spellings(draw: st.DrawFn, url: Url) -> str:
    """A spelling that may or may not be `url` (brief V): one to three of a path in another case, a
    last `index.html`/`index.php`/`default.aspx`, `.html`/`.htm` added, `;jsessionid=…`, an empty
    segment, any query, `%2F` for a `/`, an `amp.`/`m.`/`mobile.` host, an `amp` segment first or
    last; an extension as a segment of its own (`/a/.html`, `/a%2F.html`); then written in any of the
    spellings that are surely it (`spellings`)."""
    segments, labels, query = list(url.segments), list(url.labels), url.query
    for kind in draw(st.lists(st.sampled_from(LOOSE), min_size=1, max_size=3, unique=True)):
        if kind == "path case":
            segments = [s.upper() if draw(st.booleans()) else s.title() for s in segments]
        elif kind == "index":
            segments.append(draw(st.sampled_from(["index.html", "index.php", "default.aspx", "index.htm"])))
        elif kind == "extension" and not segments[-1].startswith(("index", "default")):
            segments[-1] += draw(st.sampled_from([".html", ".htm"]))
        elif kind == "bare extension":  # a segment that is only an extension, or one after `%2F`
            segments.append(draw(st.sampled_from([".html", ".htm", ".amp.html"])))
            if draw(st.booleans()):
                segments[-2:] = [f"{segments[-2]}{draw(st.sampled_from(['%2F', '%2f']))}{segments[-1]}"]
        elif kind == "params":
            segments[-1] += draw(st.sampled_from([";jsessionid=1", ";s=AB12", ";"]))
        elif kind == "empty segment":
            segments.insert(draw(st.integers(0, len(segments) - 1)), "")
        elif kind == "query":
            query = draw(st.sampled_from(["?amp", "?ref=rss", "?amp=1", "?page=2", "?output=amp&x=1"]))
        elif kind == "slash escaped" and len(segments) > 1:
            at = draw(st.integers(0, len(segments) - 2))
            segments[at : at + 2] = [segments[at] + draw(st.sampled_from(["%2F", "%2f"])) + segments[at + 1]]
        elif kind == "host":
            labels.insert(0, draw(st.sampled_from(["amp", "m", "mobile", "AMP", "M"])))
        elif kind == "amp":
            segments.insert(draw(st.sampled_from([0, len(segments)])), draw(st.sampled_from(["amp", "AMP"])))
    return draw(spellings(Url(url.https, tuple(labels), tuple(segments), query, url.port)))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_loose_spelling_of_a_url_has_its_loose_key(data: st.DataObject) -> None:
    """What `loose_spellings` makes of a URL is, loosely, that URL: the index blocks a hidden
    document's spellings by this key (`.html` after an escaped slash, `/a%2F.html`, included)."""
    url = data.draw(urls())
    base, loose = data.draw(spellings(url), label="spelling"), data.draw(loose_spellings(url), label="loose")
    assert loose_key(url_key(loose)) == loose_key(url_key(base))


# --- the hidden document and why it is hidden ------------------------------------------------------


def quoted(text: str) -> str:
    """Text as a YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def clearly_true(raw: str) -> bool:
    """Whether `published: <raw>` reads as clearly true (rule 2): YAML true, the integer 1, or the
    text true, yes, on or 1 in any case. (The values generated here read the same in YAML 1.1 and in
    1.2's core schema, except words such as `yes`, which are clearly true either way.)"""
    value = yaml.safe_load(f"published: {raw}")["published"]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return isinstance(value, str) and value.lower() in TRUE_WORDS


@st.composite
def false_values(draw: st.DrawFn) -> str:
    """`false`, `no`, `off`, `0` in any case, quoted or not, and YAML false."""
    rnd = draw(st.randoms(use_true_random=True))
    word = mixed_case(draw(st.sampled_from(["false", "no", "off", "0"])), rnd)
    return draw(st.sampled_from([word, f'"{word}"', f"'{word}'"]))


def not_true_values() -> st.SearchStrategy[str]:
    """Any `published` value that is not clearly true: false-like or unclear (rule 2)."""
    listed = st.sampled_from(["maybe", "2", '""', "", "null", "~", "[false]", "{x: 1}", '"n"', "[]", "-0.0"])
    words = st.text(LOWER + LOWER.upper(), max_size=6)  # unquoted: text, a boolean or null in any YAML
    quoted = st.text(LOWER + LOWER.upper() + DIGITS, max_size=6).map(lambda w: f'"{w}"')
    return st.one_of(listed, false_values(), words, quoted, st.integers(-3, 9).map(str)).filter(
        lambda raw: not clearly_true(raw)
    )


def distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    """A key that is `published` with a case change, separators, or up to two edits (rule 3)."""
    rnd = draw(st.randoms(use_true_random=True))
    key = list("published")
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(key) - 1))
        edit = draw(st.sampled_from(["delete", "insert", "replace"]))
        letter = draw(st.sampled_from(LOWER))
        if edit == "delete" and len(key) > 5:
            del key[at]
        elif edit == "insert":
            key.insert(at, letter)
        else:
            key[at] = letter
    for _ in range(draw(st.integers(0, 2))):
        key.insert(draw(st.integers(1, len(key) - 1)), draw(st.sampled_from(["_", "-", " "])))
    written = mixed_case("".join(key), rnd)
    if written == "published":
        written = "Published"
    normalised = written.lower().replace("_", "").replace("-", "").replace(" ", "")
    assert distance(normalised, "published") <= 2
    for _ in range(draw(st.integers(0, 2))):  # invisible to a reader, so the same key (issue 10 §2)
        at = draw(st.integers(0, len(written)))
        written = written[:at] + draw(st.sampled_from(INVISIBLE)) + written[at:]
    return written


# Format characters (Cf: soft hyphen, zero-width space, joiners, word joiner, byte order mark, bidi
# marks) and space separators (Zs) other than the ASCII space, a tab: a key with one is the same key.
INVISIBLE = [
    *["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a"],
    *["\u00a0", "\u2007", "\u2009", "\u202f", "\u3000", "\t"],
]


@st.composite
def key_forms(draw: st.DrawFn, key: str) -> str:
    """A key as YAML text: double-quoted with its characters as they are or as `\\uXXXX` escapes, or
    plain (when YAML reads it back as the same text: no tab, no byte order mark first)."""
    forms = [quoted(key), json.dumps(key)]
    if "\t" not in key and not key.startswith("\ufeff"):
        forms.append(key)
    return draw(st.sampled_from(forms))


FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
SEPARATORS = ["", "_", "-", " ", ".", "＿"]


def dressed(words: list[str], rnd: random.Random) -> str:
    """Words joined by one separator, in a case (any, Title, UPPER, camelCase), at times full width."""
    sep = rnd.choice(SEPARATORS)
    style = rnd.choice(["lower", "mixed", "title", "upper", "camel"])
    if style == "camel":
        text = words[0] + "".join(w.title() for w in words[1:])
    else:
        shaped = {"lower": str.lower, "title": str.title, "upper": str.upper}
        text = sep.join(mixed_case(w, rnd) if style == "mixed" else shaped[style](w) for w in words)
    return text.translate(FULL_WIDTH) if rnd.random() < 0.3 else text


@st.composite
def negated_keys(draw: st.DrawFn) -> str:
    """`published` (or `publish`, `visible`, `public`, `listed`) negated: prefix × separator × case ×
    width (brief V); hidden whatever its value."""
    rnd = draw(st.randoms(use_true_random=True))
    lead = draw(st.sampled_from([[], ["is"], ["do"]]))
    prefix = draw(st.sampled_from(["un", "not", "non", "no"]))
    word = draw(st.sampled_from(["published", "publish", "visible", "public", "listed"]))
    if (lead, prefix, word) == ([], "un", "listed"):  # `unlisted`: a key of its own (unless clearly false)
        prefix = "not"
    return dressed([*lead, prefix, word], rnd)


def any_values() -> st.SearchStrategy[str]:
    """Any value, clearly true ones included."""
    trues = st.sampled_from(["true", "True", "yes", "on", "1", '"TRUE"', "'Yes'"])
    return st.one_of(trues, not_true_values())


# key: the values that show the document (as YAML reads them: a boolean, or text in any case)
EMBARGO_KEYS = {
    **dict.fromkeys(["draft", "private", "hidden", "embargo", "embargoed", "unlisted"], "false"),
    **dict.fromkeys(["visible", "public", "listed"], "true"),
}


@st.composite
def embargo_lines(draw: st.DrawFn) -> str:
    """Another generator's embargo key (`draft: true`, `visible: no`, `status: draft`), in any case,
    width or separator, with a value that does not clearly say "show"."""
    rnd = draw(st.randoms(use_true_random=True))
    key = draw(st.sampled_from([*EMBARGO_KEYS, "status"]))
    if key == "status":
        word = draw(
            st.sampled_from(["draft", "private", "scheduled", "pending", "future", "trash", "review"])
        )
        return f"{quoted(dressed([key], rnd))}: {mixed_case(word, rnd)}"
    shows = EMBARGO_KEYS[key]
    values = st.one_of(any_values(), false_values()).filter(lambda raw: not says_clearly(raw, shows))
    return f"{quoted(dressed([key], rnd))}: {draw(values)}"


def says_clearly(raw: str, word: str) -> bool:
    """Whether `raw` reads as clearly `word` (`true` or `false`), by the rule for `published`."""
    if word == "true":
        return clearly_true(raw)
    value = yaml.safe_load(f"k: {raw}")["k"]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value == 0
    return isinstance(value, str) and value.lower() in {"false", "no", "off", "0"}


@dataclass
class Hidden:
    title: str
    token: str  # names the file, the topic and the provider: nothing else in the corpus has it
    url: str  # as the document writes it
    cause: str
    head: list[str] = field(default_factory=list)  # lines right after the opening `---`
    extra: list[str] = field(default_factory=list)  # lines before the closing `---`
    date: str = "2024-03-01T09:00:00Z"  # as YAML
    provider_block: bool = False  # provider written as a block mapping (for a nested duplicate)
    extra_provider: list[str] = field(default_factory=list)  # lines at the end of that mapping

    @property
    def path(self) -> str:
        return f"embargo-{self.token}/hidden-{self.token}.md"

    @property
    def topic_slug(self) -> str:
        return f"embargo-{self.token}"

    @property
    def domain(self) -> str:
        return f"{self.token}.embargo.example"

    def text(self) -> str:
        provider = (
            ["provider:", f"  name: Embargo {self.token}", f"  domain: {self.domain}", *self.extra_provider]
            if self.provider_block
            else [f"provider: {{name: Embargo {self.token}, domain: {self.domain}}}"]
        )
        lines = [
            "---",
            *self.head,
            f"title: {quoted(self.title)}",
            f"publishedDateTime: {self.date}",
            f"webUrl: {quoted(self.url)}",
            *provider,
            f"topics: [Embargo {self.token}, Sport]",
            *self.extra,
            "---",
            "",
        ]
        return "\n".join(lines)


# Dates this service does not read (Hugo's `expiryDate`, `publishDate`, …): any value but an empty one
DATE_KEYS = ["expiryDate", "expirationDate", "expires", "expiry", "publishDate"]
TAILS = ["", "at", "on", "until", "date", "time"]  # a word after the name: `expiresAt`, `embargoUntil`
TIMED_NAMES = ["embargo", "embargoed", "deleted", "draft", "hidden", "published", "removed"]


@st.composite
def date_key_lines(draw: st.DrawFn) -> str:
    """A date key, or a near miss of it (up to two edits of a name over five letters: `publishedDate`,
    `expiresAt` by edits), or it with a tail word, in any case or separator, with a non-empty value."""
    rnd = draw(st.randoms(use_true_random=True))
    if draw(st.booleans()):  # another name with a tail of time: a date, so hidden unless empty
        words = [draw(st.sampled_from(TIMED_NAMES)), draw(st.sampled_from(TAILS[1:]))]
        return f"{quoted(dressed(words, rnd))}: {draw(st.sampled_from(['2099-01-01', 'true', 'x']))}"
    name = draw(st.sampled_from(DATE_KEYS)).lower()
    key = list(name)
    for _ in range(draw(st.integers(0, 2))):
        at, letter = draw(st.integers(0, len(key) - 1)), draw(st.sampled_from(LOWER))
        if draw(st.booleans()):
            key.insert(at, letter)
        else:
            key[at] = letter
    edited = "".join(key)
    assert distance(edited, name) <= 2
    tail = draw(st.sampled_from(TAILS)) if edited == name else ""
    words = [edited, tail] if tail else [edited]
    value = draw(st.sampled_from(["2099-01-01", "2020-01-01T00:00:00Z", "'tomorrow'", "true", "0", "x"]))
    return f"{quoted(dressed(words, rnd))}: {value}"


# Newsroom keys, exact: hidden unless clearly false, and shown only when clearly true
NEWSROOM_HIDING = [
    "spiked",
    "killed",
    "scheduled",
    "legal hold",
    "on hold",
]
NEWSROOM_SHOWING = ["live", "approved", "is live"]


@st.composite
def newsroom_lines(draw: st.DrawFn) -> str:
    rnd = draw(st.randoms(use_true_random=True))
    if draw(st.booleans()):
        words = draw(st.sampled_from(NEWSROOM_HIDING)).split()
        value = draw(
            st.one_of(any_values(), st.sampled_from(["2099-01-01"])).filter(
                lambda raw: not says_clearly(raw, "false")
            )
        )
    else:
        words = draw(st.sampled_from(NEWSROOM_SHOWING)).split()
        value = draw(
            st.one_of(any_values(), false_values()).filter(lambda raw: not says_clearly(raw, "true"))
        )
    return f"{quoted(dressed(words, rnd))}: {value}"


@st.composite
def merge_lines(draw: st.DrawFn) -> str:
    """A key that speaks of publishing given two different values by one merge (`<<`) of two
    mappings: which one is meant is unclear, whichever YAML would pick."""
    key, values = draw(
        st.sampled_from(
            [
                ("published", ("true", "false")),
                ("draft", ("false", "true")),
                ("status", ("published", "draft")),
            ]
        )
    )
    first, second = draw(st.permutations(values))
    return f"<<: [{{{key}: {first}}}, {{{key}: {second}}}]"


@st.composite
def causes(draw: st.DrawFn, plain: Hidden) -> Hidden:
    """The document hidden by one generated cause from rule 6 (with `published: true` beside it, at
    times, where that must not matter)."""
    cause = draw(
        st.sampled_from(
            [
                *["value", "near miss", "negated", "embargo key", "duplicate", "future", "rejected"],
                *["date key", "newsroom key", "merge conflict"],
            ]
        )
    )
    published_true = draw(st.sampled_from([[], ["published: true"], ["published: yes"]]))
    change: dict[str, Any] = {"cause": cause}
    if cause == "value":
        line = f"published: {draw(not_true_values())}".rstrip()
        change["head" if draw(st.booleans()) else "extra"] = [line]
    elif cause == "near miss":
        line = f"{draw(key_forms(draw(near_misses())))}: {draw(false_values())}"
        lines = [[line], published_true]
        change.update(zip(("head", "extra"), draw(st.permutations(lines)), strict=True))
    elif cause in ("negated", "embargo key"):
        line = (
            f"{quoted(draw(negated_keys()))}: {draw(any_values())}"
            if cause == "negated"
            else draw(embargo_lines())
        )
        change["cause"] = f"{cause}: {line}"
        lines = [[line], published_true]
        change.update(zip(("head", "extra"), draw(st.permutations(lines)), strict=True))
    elif cause == "duplicate":
        kind = draw(st.sampled_from(["published", "title", "provider name", "related key", "image key"]))
        change["cause"] = f"duplicate {kind}"
        if kind == "published":
            first, second = draw(st.permutations([f"published: {draw(false_values())}", "published: true"]))
            change.update(head=[first], extra=[second])
        elif kind == "title":
            change["extra"] = [*published_true, f"title: {quoted(plain.title + ' again')}"]
        elif kind == "provider name":
            change.update(provider_block=True, extra_provider=[f"  name: Embargo {plain.token} again"])
            change["extra"] = published_true
        elif kind == "related key":
            key = draw(st.sampled_from(["title", "webUrl"]))
            again = "https://background.example/other" if key == "webUrl" else "Again"
            change["extra"] = [
                *published_true,
                "related:",
                "  - title: Background",
                "    webUrl: https://background.example/story",
                f"    {key}: {quoted(again)}",
            ]
        else:
            change["head"] = [*published_true, "images:", "  - url: https://img.example/a.jpg"]
            change["head"] += ["    width: 640", "    height: 360", "    width: 320"]
    elif cause in ("date key", "newsroom key", "merge conflict"):
        line = draw(
            {"date key": date_key_lines(), "newsroom key": newsroom_lines()}.get(cause, merge_lines())
        )
        change["cause"] = f"{cause}: {line}"
        lines = [[line], published_true]
        change.update(zip(("head", "extra"), draw(st.permutations(lines)), strict=True))
    elif cause == "future":
        when = NOW + dt.timedelta(days=draw(st.integers(2, 20_000)))
        change.update(date=when.strftime("%Y-%m-%dT%H:%M:%SZ"), extra=published_true)
    else:  # rejected (no readable date) and unpublished: still hidden for related links
        change["date"] = quoted(draw(st.sampled_from(["sometime soon", "tbc", "2024-13-45"])))
        change["extra"] = [f"published: {draw(false_values())}"]
    return replace(plain, **change)


def titles() -> st.SearchStrategy[str]:
    """Letters (any script) and digits, at least 12, with some variety; framed by `Q` and `7`, so that
    no word the service itself writes (which Hypothesis likes to try) can be one."""
    letters = st.characters(categories=("Lu", "Ll", "Lo", "Nd"))
    core = st.text(letters, min_size=10, max_size=22).filter(lambda t: len(set(t)) >= 4)
    return core.map(lambda t: f"Q{t}7")


# --- the visible documents -------------------------------------------------------------------------


@dataclass
class Visible:
    n: int
    url: Url
    related: list[dict[str, str]]
    topic: str
    links: set[int] = field(default_factory=set)  # the visible documents it links to (itself included)

    @property
    def title(self) -> str:
        return f"Visible story number {self.n}"

    def fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "excerpt": f"What happened in visible story {self.n}.",
            "publishedDateTime": dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=self.n),
            "webUrl": self.url.plain(),
            "published": True,
            "provider": {"name": "Visible Paper", "domain": "visible.example"},
            "topics": [self.topic],
            "related": self.related,
        }


def visible_url(n: int) -> Url:
    return Url(True, ("visible", "example"), ("news", f"story-{n}"))


@st.composite
def visible_documents(
    draw: st.DrawFn, hidden_links: list[Url], link_titles: list[str], count: int, loose: bool = False
) -> list[Visible]:
    """`count` visible documents; their related lists hold spellings of the `hidden_links` (titled
    `link_titles`; with `loose`, also loose spellings, and titles that contain the headline), of
    each other's URLs (titled `Link n to m`) and of their own (`Selfref n`)."""
    docs = []
    for n in range(1, count + 1):
        related = []
        for url, title in zip(hidden_links, link_titles, strict=True):
            for _ in range(draw(st.integers(1 if n == 1 else 0, 3))):
                spelt = draw(st.one_of(spellings(url), loose_spellings(url)) if loose else spellings(url))
                shown = (
                    draw(st.sampled_from([title, f"{title} in full", f"Read: {title}"])) if loose else title
                )
                related.append({"title": shown, "webUrl": spelt})
        links = {m for m in range(1, count + 1) if draw(st.booleans())}
        for m in sorted(links):
            title = f"Selfref {n}" if m == n else f"Link {n} to {m}"
            related.append({"title": title, "webUrl": draw(spellings(visible_url(m)))})
        related = draw(st.permutations(related))
        docs.append(Visible(n, visible_url(n), related, draw(st.sampled_from(["Sport", "Politics"])), links))
    return docs


def expected_related(doc: Visible) -> list[str]:
    """The related titles a visible document keeps: its links to the other visible documents."""
    return sorted(r["title"] for r in doc.related if r["title"].startswith("Link "))


# --- the properties --------------------------------------------------------------------------------


def written(folder: str, docs: dict[str, Any]) -> Path:
    return aged(write_corpus(Path(folder) / "content", docs))


def app_over(root: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": str(root),
            "BASE_URL": BASE,
            "WATCH": "off",
            "PARSE_CACHE": "off",
            "PARSE_PROCESSES": 1,
        }
    )


@st.composite
def leaky_corpora(draw: st.DrawFn) -> tuple[Hidden, list[Visible]]:
    title = draw(titles())
    token = f"zq{draw(st.text(LOWER + DIGITS, min_size=6, max_size=6))}x"
    base = draw(urls())
    hidden = draw(causes(Hidden(title, token, draw(spellings(base)), cause="")))
    visible = draw(visible_documents([base], [title], draw(st.integers(1, 4)), loose=True))
    everything_else = json.dumps([v.fields() for v in visible], default=str, ensure_ascii=False)
    everything_else = everything_else.replace(json.dumps(title, ensure_ascii=False)[1:-1], "")
    assume(token not in hidden.url and token not in everything_else)
    assume(title not in hidden.url and title not in everything_else)
    return hidden, visible


@SETTINGS
@given(leaky_corpora())
def test_a_hidden_document_leaves_no_trace_in_any_response(corpus: tuple[Hidden, list[Visible]]) -> None:
    hidden, visible = corpus
    note(f"cause: {hidden.cause}\n{hidden.text()}")
    note("\n".join(f"v{v.n}.md related: {v.related}" for v in visible))
    with tempfile.TemporaryDirectory() as tmp:
        docs: dict[str, Any] = {hidden.path: hidden.text()}
        docs.update({f"v{v.n}.md": v.fields() for v in visible})
        root = written(tmp, docs)
        app = app_over(root)
        client = app.test_client()
        missing = []
        for stem in (f"/topics/{hidden.topic_slug}", f"/providers/{hidden.domain}"):
            missing += [f"{stem}.atom", f"{stem}.rss", f"{stem}.json", stem]
        fetched = every_response(client, missing)
        assert_absent(fetched, hidden.title)
        assert_absent(
            [f for f in fetched if f.status == 200], hidden.token, *(f"Selfref {v.n}" for v in visible)
        )

        served = all_related(client)
        assert sorted(served) == sorted(v.title for v in visible), hidden.cause
        for v in visible:
            kept = {fmt: sorted(titles) for fmt, titles in served[v.title].items()}
            assert kept == dict.fromkeys(("atom", "rss", "json"), expected_related(v)), hidden.cause

        result = app.test_cli_runner().invoke(args=["check", str(root)])
        output = result.output
        for form in {*forms(hidden.title), hidden.title.encode("unicode_escape").decode("ascii")}:
            assert form not in output, hidden.cause
        hidden_path = str(root / hidden.path)
        for line in output.splitlines():
            if hidden.token in line:
                assert line.startswith(f"{hidden_path}: "), line


@st.composite
def neighbours(draw: st.DrawFn, url: Url) -> Url:
    """A URL next to `url` that names another resource: a letter of the path in another case, a
    non-tracking query parameter, one more or one other path segment, another port, a subdomain."""
    kind = draw(st.sampled_from(["case", "query", "segment", "port", "subdomain", "other segment"]))
    if kind == "case":
        last = url.segments[-1]
        return Url(url.https, url.labels, (*url.segments[:-1], last[0].upper() + last[1:]))
    if kind == "query":
        return Url(url.https, url.labels, url.segments, f"?{draw(st.sampled_from(['page', 'id', 'v']))}=2")
    if kind == "segment":
        return Url(url.https, url.labels, (*url.segments, draw(st.sampled_from(["more", "amp", "comments"]))))
    if kind == "port":
        return Url(
            url.https, url.labels, url.segments, port=draw(st.sampled_from([":8443", ":8080", ":444"]))
        )
    if kind == "subdomain":
        return Url(url.https, ("m", *url.labels), url.segments)
    return Url(url.https, url.labels, (*url.segments[:-1], url.segments[-1] + "-b"))


@st.composite
def crowded_corpora(draw: st.DrawFn) -> tuple[list[Hidden], list[Visible]]:
    """Visible documents, and hidden ones at URLs next to theirs (linked with the hidden title, so
    the link must go) or at other spellings of their URLs (a hidden copy of a visible article: a
    link there is a link to the visible one, titled `Link n to copy k`, and must stay)."""
    count = draw(st.integers(2, 4))
    visible = draw(visible_documents([], [], count))
    hidden = []
    for k in range(draw(st.integers(1, 3))):
        target = draw(st.integers(1, count))
        copy = draw(st.booleans())
        url = draw(spellings(visible_url(target))) if copy else draw(neighbours(visible_url(target))).plain()
        doc = Hidden(f"Hidden{'Copy' if copy else 'Near'}Neighbour{k}Q", f"zq{k}x", url, cause="")
        hidden.append(draw(causes(doc)))
        for v in visible:
            if copy and target in v.links:
                continue  # one link per visible article: which of two spellings stays is not tested here
            if draw(st.booleans()):
                if not copy:
                    title = doc.title
                else:
                    title = f"Selfref {v.n}" if v.n == target else f"Link {v.n} to copy {k}"
                    v.links.add(target)
                v.related.insert(draw(st.integers(0, len(v.related))), {"title": title, "webUrl": url})
    return hidden, visible


@settings(SETTINGS, max_examples=50)
@given(crowded_corpora())
def test_links_to_visible_documents_are_never_blocked_by_hidden_neighbours(
    corpus: tuple[list[Hidden], list[Visible]],
) -> None:
    hidden, visible = corpus
    note("\n".join(f"{h.path}:\n{h.text()}" for h in hidden))
    note("\n".join(f"v{v.n}.md related: {v.related}" for v in visible))
    with tempfile.TemporaryDirectory() as tmp:
        docs: dict[str, Any] = {h.path: h.text() for h in hidden}
        docs.update({f"v{v.n}.md": v.fields() for v in visible})
        client = app_over(written(tmp, docs)).test_client()
        served = all_related(client)
        assert sorted(served) == sorted(v.title for v in visible), [h.url for h in hidden]
        for v in visible:
            kept = {fmt: sorted(titles) for fmt, titles in served[v.title].items()}
            assert kept == dict.fromkeys(("atom", "rss", "json"), expected_related(v)), [
                h.url for h in hidden
            ]
        fetched = every_response(client)
        assert_absent(fetched, *(h.title for h in hidden))
