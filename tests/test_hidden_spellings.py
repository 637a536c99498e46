"""A document that must not show keeps its URL and headline out of other articles' related links
however its text is written (contract: "Which articles are visible"): with line ends that are not LF
(NEL, LS, PS, VT, FF, FS, GS, RS: each a line end to someone), and with `title` or `webUrl` written
under another spelling (`Title`, `WebURL`, `titel`), which rejects it. Read as a subscriber sees it."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.feedkeys import ALL, FeedQuery
from feeds.keywords import legible
from feeds.report import dropped_related
from feeds.service import FeedService
from feeds.vocabulary import misspelt

from .helpers import document, service_over, write_corpus
from .test_hidden_other_urls import NOW, everything, spelled_in, visible

SECRET_URL = "https://secret.example/quokka-parade"  # noqa: S105 (a URL, no password)
HEADLINE = "Quokka parade blocks harbour road"
SEPARATORS = ["\x85", "\u2028", "\u2029", "\v", "\f", "\x1c", "\x1d", "\x1e", "\r", "\r\n"]
TITLE_KEYS = ["title", "Title", "TITLE", "titel", "Titel", "tItle", "title_", "Ti-tle"]
URL_KEYS = ["webUrl", "WebUrl", "WebURL", "weburl", "web_url", "Web-Url", "webUlr", "WEBURL"]


def linking() -> dict[str, object]:
    """A visible article whose related list names the hidden one by URL and by headline."""
    return visible(
        1,
        [
            {"webUrl": SECRET_URL, "title": "See also"},
            {"webUrl": "https://other.example/x", "title": HEADLINE},
            {"webUrl": "https://ok.example/kept", "title": "Kept"},
        ],
    )


def assert_kept_out(text: str) -> None:
    assert "https://ok.example/kept" in text  # the related list is served
    assert not spelled_in(text, SECRET_URL)
    assert HEADLINE not in text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEPARATORS), st.booleans(), st.sampled_from(["published: false", "draft: true"]))
def test_an_unpublishing_text_with_other_line_ends_keeps_its_url_and_headline_out(
    separator: str, opening_lf: bool, statement: str
) -> None:
    """Every line end replaced, or (`opening_lf`) only those after a `---` line that opens it."""
    lines = [
        f"title: {HEADLINE}",
        f"webUrl: {SECRET_URL}",
        "publishedDateTime: 2025-02-01T10:00:00Z",
        statement,
    ]
    text = (
        ("---\n" + separator.join(lines) + "\n---\n")
        if opening_lf
        else separator.join(["---", *lines, "---", ""])
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        write_corpus(root, {"hidden.md": text, "a.md": linking()})
        assert_kept_out(everything(root))
        service = service_over(root)
        hidden = [r for r in service.corpus.rejected if r.problem.path == "hidden.md"]
        assert not [a for a in service.corpus.articles if a.path == "hidden.md" and a.publish]
        if hidden and statement == "published: false":
            assert hidden[0].said_false  # `check` counts it among the hidden documents


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(TITLE_KEYS),
    st.sampled_from(URL_KEYS),
    st.sampled_from([{"published": False}, {}, {"draft": True}]),
    st.sampled_from(['"{}"', "{}"]),
)
def test_a_title_or_url_under_another_spelling_is_kept_out_too(
    title_key: str, url_key: str, flag: dict[str, object], quote: str
) -> None:
    lines = [f"{title_key}: {quote.format(HEADLINE)}", f"{url_key}: {quote.format(SECRET_URL)}"]
    lines += ["publishedDateTime: 2025-02-01T10:00:00Z", *(f"{k}: {str(v).lower()}" for k, v in flag.items())]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        write_corpus(root, {"hidden.md": "---\n" + "\n".join(lines) + "\n---\n", "a.md": linking()})
        text = everything(root)
        shown = title_key == "title" and url_key == "webUrl" and not flag
        if not shown:  # rejected (a field missing) or hidden: it never shows, nor do its URL and headline
            assert_kept_out(text)


def test_a_hidden_documents_other_url_under_another_spelling_is_kept_out() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        hidden = document(n=3, published=False, title="Another headline entirely", OriginalURL=SECRET_URL)
        write_corpus(root, {"hidden.md": hidden, "a.md": linking()})
        text = everything(root)
        assert "https://ok.example/kept" in text
        assert not spelled_in(text, SECRET_URL)


URL_FIELDS = ["webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl"]


@st.composite
def misspelling(draw: st.DrawFn, field: str) -> str:
    """`field` with one slip of a typist: two letters swapped, one dropped, doubled or replaced
    (`ampWebUlr`, `orignalUrl`, `cdnAmpWebUrI`, `ampWebbUrl`)."""
    i = draw(st.integers(0, len(field) - 2))
    slip = draw(st.sampled_from(["swap", "drop", "double", "replace"]))
    if slip == "swap":
        return field[:i] + field[i + 1] + field[i] + field[i + 2 :]
    if slip == "drop":
        return field[:i] + field[i + 1 :]
    if slip == "double":
        return field[: i + 1] + field[i:]
    return field[:i] + draw(st.sampled_from("IlLiuUrRx1")) + field[i + 1 :]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_hidden_documents_other_url_under_a_misspelt_key_is_kept_out(data: st.DataObject) -> None:
    """`published: false` with a URL of its own under a key one slip away from a URL field (a key
    the whole reading takes for that field; `webUrl` itself is given too): the URL stays out of
    related links, as it does when the document is rejected and read whole."""
    field = data.draw(st.sampled_from(URL_FIELDS))
    key = data.draw(misspelling(field).filter(lambda k: k != field and k.isidentifier()))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        hidden = document(n=3, published=False, title="Another headline entirely", **{key: SECRET_URL})
        write_corpus(root, {"hidden.md": hidden, "a.md": linking()})
        text = everything(root)
        assert "https://ok.example/kept" in text
        if misspelt(key) in URL_FIELDS:  # the vocabulary reads it as a URL field: so must the skim
            assert not spelled_in(text, SECRET_URL)


def test_the_service_reads_at_the_clock_it_is_given() -> None:
    """The helpers above read at `NOW` (a sanity check of the harness: a future article is hidden)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        write_corpus(root, {"a.md": linking()})
        service = FeedService(service_over(root).settings, lambda: NOW)
        assert service.index().count() == 1


# A key YAML reads as another spelling of `title` or of a URL field: a slip of a typist, a control
# character in it (`title\v`, a terminal's colour code), either written as YAML quotes it.
CONTROLS = ["\v", "\f", "\x7f", "\x9b", "\x1b[0m", "\x1b"]


@st.composite
def misspelt_key(draw: st.DrawFn, field: str) -> str:
    """A key the vocabulary reads as `field`: a slip (`Title`, `tilte`), or `field` (or a slip of it)
    with a control character before or after it (`title\v`, `\x1bTitle`)."""
    key = draw(st.one_of(st.just(field), misspelling(field), st.just(field.capitalize())))
    control = draw(st.sampled_from(["", *CONTROLS]))
    key = draw(st.sampled_from([key + control, control + key])) if control else key
    return draw(st.just(key).filter(lambda k: k != field and field in (legible(k), misspelt(legible(k)))))


def yaml_key(key: str) -> str:
    """`key` as YAML writes it: plain when it can be, else double-quoted with escapes."""
    return key if key.isidentifier() else json.dumps(key)


# How a name may be written: as text, quoted, in a list (flow or block, nested), in a mapping, in a
# set, or with a tag YAML cannot build it with, in a list or around one (then read as written)
NAME_FORMS = [
    "{}",
    '"{}"',
    "[{}]",
    "\n  - {}",
    "[[{}]]",
    "{{text: {}}}",
    "\n  - text: {}",
    "!!set {{{}}}",
    "!!int {}",
    "!custom {}",
    "[!!int {}]",
    "!!int [{}]",
]
HEADLINE_FORMS = NAME_FORMS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_hidden_documents_second_headline_under_a_misspelt_key_is_kept_out(data: st.DataObject) -> None:
    """A readable hidden document (`published: false`, or scheduled; or one rejected) with `title`
    and, beside it, a key the vocabulary takes for `title` (`Title`, `tilte`, `title\v`) names itself
    by both headlines:
    a related link elsewhere under either goes, as a rejected document's do (`check` counts it);
    once the document shows, the second one is kept."""
    key = data.draw(misspelt_key("title"))
    form = data.draw(st.sampled_from(HEADLINE_FORMS))
    how = data.draw(st.sampled_from(["published: false", "scheduled", "rejected", "shown"]))
    date = NOW + dt.timedelta(days=3) if how == "scheduled" else NOW - dt.timedelta(days=3)
    lines = [
        "title: Another headline entirely",
        "webUrl: https://news.example/story-3",
        f"publishedDateTime: {date.isoformat() if how != 'rejected' else 'soon'}",
        f"{yaml_key(key)}: {form.format(HEADLINE)}",
        *(["published: false"] if how == "published: false" else []),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        write_corpus(root, {"hidden.md": "---\n" + "\n".join(lines) + "\n---\n", "a.md": linking()})
        text = everything(root)
        assert "https://ok.example/kept" in text
        if how != "shown":
            assert HEADLINE not in text
            service = FeedService(service_over(root).settings, lambda: NOW)
            index = service.index()
            assert dropped_related(service.corpus, index)["headline"] == 1
        elif form in ("{}", '"{}"') and key == legible(key):  # (a control character in a key hides)
            assert HEADLINE in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_hidden_documents_url_under_a_key_with_a_control_character_is_kept_out(data: st.DataObject) -> None:
    """`published: false` with another URL of its own under a URL field's key that holds a control
    character (`originalUrl\v`, `WebURL\x1b[0m`), beside its `webUrl`: links to it go."""
    key = data.draw(misspelt_key(data.draw(st.sampled_from(URL_FIELDS))).filter(lambda k: k != legible(k)))
    lines = [
        "title: Another headline entirely",
        "webUrl: https://news.example/story-3",
        "publishedDateTime: 2025-02-01T10:00:00Z",
        f"{yaml_key(key)}: {SECRET_URL}",
        "published: false",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        write_corpus(root, {"hidden.md": "---\n" + "\n".join(lines) + "\n---\n", "a.md": linking()})
        text = everything(root)
        assert "https://ok.example/kept" in text
        assert not spelled_in(text, SECRET_URL)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            "---\npublished: false\ntitle: [unclosed\n---\n",  # broken YAML that still withdraws
            "---\npublished: false\nwebUrl: https://news.example/story-3\n",  # not closed
            "",  # emptied
            "published: false\n",  # no front matter left
        ]
    ),
    st.sampled_from(["Title", "titel", "TITLE"]),
)
def test_a_second_headline_stays_out_after_a_broken_edit(broken: str, key: str) -> None:
    """A hidden document that named itself by a second headline (`Title` beside `title`), then
    rewritten into text that gives neither, keeps both out: what it served still names it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        hidden = document(n=3, title="Another headline entirely", published=False, **{key: HEADLINE})
        write_corpus(root, {"hidden.md": hidden, "a.md": linking()})
        service = FeedService(service_over(root).settings, lambda: NOW)
        service.index()
        (root / "hidden.md").write_text(broken, encoding="utf-8")
        service.refresh(None)
        body = service.body(service.feed(ALL, "atom", "https://feeds.example", FeedQuery())).decode()
        assert "https://ok.example/kept" in body
        assert HEADLINE not in body


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([*URL_FIELDS[1:], "title"]),
    st.sampled_from(NAME_FORMS),
    st.sampled_from(["as written", "merged", "merged under a written key"]),
    st.sampled_from(["published: false", "draft: true", "rejected"]),
)
def test_a_name_in_a_value_that_is_not_text_or_is_merged_is_kept_out(
    field: str, form: str, where: str, how: str
) -> None:
    """`published: false` (or a draft, or a document rejected for a date written twice) naming itself
    by another URL (`originalUrl`, `ampWebUrl`, `cdnAmpWebUrl`, under their own keys) or by a second
    headline (`Title`) in a value that is not text, or in a mapping merged in (`<<`), even one a key
    written beside the merge overrides: links to it, or titled with it, go."""
    key, name = (field, SECRET_URL) if field != "title" else ("Title", HEADLINE)
    value = form.format(name)
    lines = [
        *(
            [f"base: &b\n  {key}: {value.replace(chr(10) + '  ', chr(10) + '    ')}"]
            if where != "as written"
            else []
        ),
        "title: Another headline entirely",
        "webUrl: https://news.example/story-3",
        "publishedDateTime: 2025-02-01T10:00:00Z",
        f"{key}: {value}" if where == "as written" else "<<: *b",
        *([f"{key}: plain"] if where == "merged under a written key" else []),
        "publishedDateTime: 2025-02-02T10:00:00Z" if how == "rejected" else how,
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        write_corpus(root, {"hidden.md": "---\n" + "\n".join(lines) + "\n---\n", "a.md": linking()})
        text = everything(root)
        assert "https://ok.example/kept" in text
        assert not (spelled_in(text, SECRET_URL) if field != "title" else HEADLINE in text)
