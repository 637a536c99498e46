"""`flask --app feeds check DIR` as an editor uses it: a corpus written to disk, the command run
through the app's own CLI runner, and what its lines and exit status tell.

Problems of documents that would be served come first and decide the exit status; those of hidden
documents (`published: false`) follow under their own heading and count only with `--strict`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import AppFactory, document, write_corpus

SERVED = "served or scheduled documents, and unreadable files"
HIDDEN = "hidden documents (published: false)"


def check(make_app: AppFactory, root: Path, *options: str) -> tuple[int, list[str]]:
    result = make_app(root).test_cli_runner().invoke(args=["check", *options, str(root)])
    return result.exit_code, result.output.splitlines()


def heading(lines: list[str], start: str) -> int:
    """The position of the one line that starts with `start`."""
    found = [n for n, line in enumerate(lines) if line.startswith(start)]
    assert len(found) == 1, lines
    return found[0]


def untitled(**fields: Any) -> dict[str, Any]:
    """A document rejected for want of a title."""
    return document(title=None, **fields)


# --- served problems apart from hidden ones -------------------------------------------------------


def test_a_rejected_unpublished_document_does_not_fail_check(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "content", {"good.md": document(n=1), "draft.md": untitled(n=2, published=False)}
    )
    code, lines = check(make_app, root)
    assert code == 0
    at = heading(lines, HIDDEN)
    assert lines[at] == f"{HIDDEN}, not counted without --strict: 1 rejected, 0 unreadable, 0 warnings"
    assert lines[at + 1] == f"{root / 'draft.md'}: title: missing"
    assert not any(line.startswith(SERVED) for line in lines)
    assert lines[-1].endswith("rejected: 1, warnings: 0, unreadable: 0")


def test_strict_counts_hidden_documents_rejections(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "content", {"good.md": document(n=1), "draft.md": untitled(n=2, published=False)}
    )
    code, lines = check(make_app, root, "--strict")
    assert code == 1
    assert f"{HIDDEN}, counted (--strict): 1 rejected, 0 unreadable, 0 warnings" in lines


def test_served_problems_come_first_and_fail_check(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "content",
        {
            "good.md": document(n=1),
            "draft.md": untitled(n=2, published=False),
            "meant.md": untitled(n=3),  # no `published`: meant to be served, so it counts
        },
    )
    code, lines = check(make_app, root)
    assert code == 1
    served, hidden = heading(lines, SERVED), heading(lines, HIDDEN)
    assert served < hidden
    assert lines[served] == f"{SERVED}: 1 rejected, 0 unreadable, 0 warnings"
    assert lines[served + 1 : hidden] == [f"{root / 'meant.md'}: title: missing"]
    assert lines[hidden + 1] == f"{root / 'draft.md'}: title: missing"


def test_a_broken_document_that_says_published_false_is_hidden(make_app: AppFactory, tmp_path: Path) -> None:
    text = '---\ntitle: "Not yet\nwebUrl: https://news.example/x\npublished: false\n---\n'
    root = write_corpus(tmp_path / "content", {"good.md": document(n=1), "draft.md": text})
    code, lines = check(make_app, root)
    assert code == 0
    assert lines[heading(lines, HIDDEN) + 1].startswith(f"{root / 'draft.md'}: front matter: ")


def test_a_document_that_says_both_false_and_true_counts(make_app: AppFactory, tmp_path: Path) -> None:
    text = "---\ntitle: Both\nwebUrl: https://news.example/b\npublished: false\npublished: true\n---\n"
    root = write_corpus(tmp_path / "content", {"good.md": document(n=1), "both.md": text})
    code, lines = check(make_app, root)
    assert code == 1
    assert lines[heading(lines, SERVED) + 1].startswith(f"{root / 'both.md'}: published: ")


def test_warnings_of_hidden_documents_are_listed_apart(make_app: AppFactory, tmp_path: Path) -> None:
    bad_image = {"images": [{"url": "/relative.jpg"}]}
    root = write_corpus(
        tmp_path / "content",
        {
            "live.md": document(n=1, **bad_image),
            "off.md": document(n=2, published=False, **bad_image),
            "unclear.md": document(n=3, published="maybe", **bad_image),  # intent unknown: served group
        },
    )
    code, lines = check(make_app, root)
    assert code == 0
    served, hidden = heading(lines, SERVED), heading(lines, HIDDEN)
    served_lines, hidden_lines = lines[served + 1 : hidden], lines[hidden + 1 : -1]
    assert any(line.startswith(f"{root / 'live.md'}: images[0].url: ") for line in served_lines)
    assert any(line.startswith(f"{root / 'unclear.md'}: published: ") for line in served_lines)
    assert hidden_lines == [
        f"{root / 'off.md'}: images[0].url: not an absolute URL (no scheme): '/relative.jpg'; "
        "left out (warning)"
    ]
    assert not any("off.md" in line for line in served_lines)


def test_an_unreadable_file_always_counts(make_app: AppFactory, tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "content", {"good.md": document(n=1)})
    (root / "latin1.md").write_bytes(b"---\ntitle: Caf\xe9\npublished: false\n---\n")
    code, lines = check(make_app, root)
    assert code == 1
    served = heading(lines, SERVED)
    assert lines[served + 1].startswith(f"{root / 'latin1.md'}: file: not UTF-8 text")


# --- problems named so an editor can find them ------------------------------------------------------


def test_a_related_warning_names_the_item(make_app: AppFactory, tmp_path: Path) -> None:
    related = [
        {"webUrl": "https://other.example/fine", "title": "Fine"},
        {"webUrl": "https://other.example/dated", "title": "Dated", "publishedDateTime": "last week"},
        {"webUrl": "ftp://other.example/file", "title": "Old scheme"},
        {"webUrl": "https://other.example/untitled"},
        {"title": "Nowhere"},
    ]
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, related=related)})
    code, lines = check(make_app, root)
    assert code == 0
    where = root / "a.md"
    assert f"{where}: related[1] (https://other.example/dated): publishedDateTime: " in "\n".join(lines)
    assert (
        f"{where}: related[2] (ftp://other.example/file): webUrl: scheme 'ftp' is not http or https; "
        "left out (warning)"
    ) in lines
    assert (
        f"{where}: related[3] (https://other.example/untitled): title: missing; left out (warning)" in lines
    )
    assert f"{where}: related[4] ('Nowhere'): webUrl: missing; left out (warning)" in lines


def test_documents_that_share_a_url_are_named(make_app: AppFactory, tmp_path: Path) -> None:
    url = "https://news.example/same"
    root = write_corpus(
        tmp_path / "content",
        {"a.md": document(n=1, webUrl=url), "b.md": document(n=2, webUrl=url), "c.md": document(n=3)},
    )
    code, lines = check(make_app, root)
    assert code == 0
    assert f"{root / 'a.md'}, {root / 'b.md'} share {url}; {root / 'b.md'} is shown" in lines
    assert "duplicates: 1" in lines[-1]


def test_a_tab_in_the_front_matter_is_named_at_its_line(make_app: AppFactory, tmp_path: Path) -> None:
    text = (
        "---\ntitle: Tabs\nwebUrl: https://news.example/t\ntopics:\n\t- AI\n"
        "publishedDateTime: 2024-01-01\n---\n"
    )
    root = write_corpus(tmp_path / "content", {"tabs.md": text})
    code, lines = check(make_app, root)
    assert code == 1
    assert (
        f"{root / 'tabs.md'}: front matter: line 5: "
        "invalid YAML: a tab character cannot indent YAML; use spaces" in lines
    )


def test_an_unclosed_quote_is_named_where_it_opens(make_app: AppFactory, tmp_path: Path) -> None:
    text = (
        '---\ntitle: "Half a title\nwebUrl: https://news.example/q\npublishedDateTime: 2024-01-01\n'
        "excerpt: more\n---\n"
    )
    root = write_corpus(tmp_path / "content", {"quote.md": text})
    code, lines = check(make_app, root)
    assert code == 1
    assert f"{root / 'quote.md'}: front matter: line 2: invalid YAML: a quoted value is not closed" in lines


@pytest.mark.parametrize(
    ("yaml_lines", "line", "words"),
    [
        (['title: "Half a title', 'webUrl: "https://news.example/q"'], 2, "a quoted value is not closed"),
        (
            ["title: Half", "excerpt: 'it''s open", "webUrl: 'https://n.example/q'"],
            3,
            "a quoted value is not closed",
        ),
        (["title: Half: a title", "webUrl: https://news.example/q"], 2, "a value contains ': '"),
        (
            ["title: Half", "topics: [AI, Energy", "webUrl: https://n.example/q"],
            3,
            "a [ list ] is not closed",
        ),
        (
            ["title: Half", "provider: {name: A", "webUrl: https://n.example/q"],
            3,
            "a { mapping } is not closed",
        ),
        (["title: Half", "just some words", "webUrl: https://news.example/q"], 3, "has no ': '"),
        (["title: Half", "  webUrl: https://news.example/q"], 3, "indented further than the key above it"),
        (["title: @Half", "webUrl: https://news.example/q"], 2, "a value cannot start with '@': quote it"),
    ],
    ids=["quote-then-quoted", "single-quote", "colon", "list", "mapping", "no-colon", "indent", "at-sign"],
)
def test_a_yaml_syntax_error_is_named_in_plain_words_at_its_line(
    make_app: AppFactory, tmp_path: Path, yaml_lines: list[str], line: int, words: str
) -> None:
    text = "---\n" + "\n".join([*yaml_lines, "publishedDateTime: 2024-01-01"]) + "\n---\n"
    root = write_corpus(tmp_path / "content", {"bad.md": text})
    code, lines = check(make_app, root)
    assert code == 1
    found = [x for x in lines if x.startswith(f"{root / 'bad.md'}: front matter: ")]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{root / 'bad.md'}: front matter: line {line}: invalid YAML: "), found
    assert words in found[0]
    for jargon in ("did not find expected", "mapping values are not allowed", "could not find", "token"):
        assert jargon not in found[0]


def test_dropped_related_links_are_counted_with_why(make_app: AppFactory, tmp_path: Path) -> None:
    def link(n: int) -> dict[str, str]:
        return {"webUrl": f"https://news.example/story-{n}", "title": f"Story {n}"}

    root = write_corpus(
        tmp_path / "content",
        {
            "live.md": document(n=1, related=[link(1), link(2), link(3), link(4), link(5)]),
            "off-2.md": document(n=2, published=False),
            "off-3.md": document(n=3, published=False),
            "broken-4.md": untitled(n=4),
            "live-5.md": document(n=5),
        },
    )
    code, lines = check(make_app, root)
    assert code == 1  # broken-4.md is meant to be served
    assert (
        "related links: 2 dropped because they point at hidden documents, "
        "1 because they point at rejected documents, 1 because they point at the article itself"
    ) in lines
    assert lines[-2].startswith("related links: ")


# --- the exit status, for any mix of documents ------------------------------------------------------

PUBLISHED_SAYS = st.sampled_from(["true", "false", "no", None])  # None: no `published` line


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.tuples(PUBLISHED_SAYS, st.booleans()), min_size=1, max_size=5))
def test_only_served_rejections_fail_unless_strict(
    make_app: AppFactory, tmp_path_factory: pytest.TempPathFactory, docs: list[tuple[str | None, bool]]
) -> None:
    """Each document says `published: true`, `false`, `no` or nothing, and lacks a title or not."""
    files: dict[str, str] = {}
    for n, (says, broken) in enumerate(docs):
        lines = [f"webUrl: https://news.example/{n}", "publishedDateTime: 2024-01-01T00:00:00Z"]
        lines += [] if broken else [f"title: Story {n}"]
        lines += [] if says is None else [f"published: {says}"]
        files[f"doc-{n}.md"] = "---\n" + "\n".join(lines) + "\n---\n"
    root = write_corpus(tmp_path_factory.mktemp("mix"), files)
    withheld = {f"doc-{n}.md" for n, (says, broken) in enumerate(docs) if broken and says in ("false", "no")}
    meant = {f"doc-{n}.md" for n, (says, broken) in enumerate(docs) if broken} - withheld
    code, lines = check(make_app, root)
    assert code == (1 if meant else 0)
    assert check(make_app, root, "--strict")[0] == (1 if meant or withheld else 0)
    hidden_from = next((n for n, line in enumerate(lines) if line.startswith(HIDDEN)), len(lines))
    for n, line in enumerate(lines):
        name = Path(line.split(":")[0]).name
        if name in meant:
            assert n < hidden_from, line
        if name in withheld:
            assert n > hidden_from, line


def test_links_dropped_for_a_loose_spelling_or_a_hidden_headline_are_counted(
    make_app: AppFactory, tmp_path: Path
) -> None:
    hidden = document(n=2, published=False, title="Council sells Apex stadium for five million")
    related = [
        {"webUrl": "https://news.example/story-2", "title": "Story two"},  # the hidden URL exactly
        {"webUrl": "https://news.example/story-2.amp.html", "title": "Story two, AMP"},
        {"webUrl": "https://web.archive.org/web/2025/https://news.example/story-2", "title": "Archived"},
        {
            "webUrl": "https://elsewhere.example/a",
            "title": "EXCLUSIVE: Council sells “Apex” stadium for five million",
        },
        {"webUrl": "https://elsewhere.example/b", "title": "Council approves harbour plan"},  # kept
    ]
    root = write_corpus(tmp_path / "content", {"live.md": document(n=1, related=related), "off.md": hidden})
    code, lines = check(make_app, root)
    assert code == 0
    assert (
        "related links: 1 dropped because they point at hidden documents, "
        "2 because their URLs could be hidden documents' URLs, "
        "1 because their titles carry hidden documents' headlines"
    ) in lines


def test_a_file_name_with_a_line_break_keeps_its_problem_on_one_line(
    tmp_path: Path, make_app: AppFactory
) -> None:
    """`check` prints one line per problem, `path: field: reason`, whatever a file name holds."""
    root = tmp_path / "content"
    root.mkdir()
    for name in ("evil\nname.md", "tab\there.md", "sep\u2028arated.md"):
        (root / name).write_text("---\ntitle: [a, b]\nwebUrl: https://a.example/1\n---\n", encoding="utf-8")
    out = make_app(root).test_cli_runner().invoke(args=["check", str(root)]).output
    problems = [line for line in out.splitlines() if ": title: " in line]
    assert sorted(problems) == sorted(
        f"{root}/{shown}: title: line 2: not text: a list of 2 item(s)"
        for shown in ("evil\\nname.md", "tab\\there.md", "sep\\u2028arated.md")
    )


# --- what the messages of the evening's documents trial say ----------------------------------------

QUOTING = ["a\\b", "a'b", 'a"b', "a\\'b", "ä\\x00"]


@pytest.mark.parametrize("inside", QUOTING)
def test_a_message_quotes_a_value_as_written_not_as_python_reads_it(
    make_app: AppFactory, tmp_path: Path, inside: str
) -> None:
    """A backslash stays one backslash and a quote stays a quote, in single quotes: never `repr`'s
    doubled backslash or switched quotes (contract: messages quote the value as written)."""
    url = f"https://a{inside}.example/x"
    doc = "---\ntitle: T\nwebUrl: '" + url.replace("'", "''") + "'\npublishedDateTime: 2025-01-01\n---\n"
    root = write_corpus(tmp_path / "content", {"a.md": doc})
    _, lines = check(make_app, root)
    text = "\n".join(lines)
    assert f"'{url}'" in text, text
    assert "\\\\" not in text


@pytest.mark.parametrize(("key", "field"), [("Title", "title"), ("titel", "title"), ("WebURL", "webUrl")])
def test_a_rejection_for_a_missing_field_names_the_key_that_looks_like_it(
    make_app: AppFactory, tmp_path: Path, key: str, field: str
) -> None:
    doc = document(n=1, **{field: None, key: "Harbour news" if field == "title" else "https://a.example/1"})
    root = write_corpus(tmp_path / "content", {"a.md": doc})
    code, lines = check(make_app, root)
    assert code == 1
    assert any(f"'{key}' is not a field: did you mean '{field}'?" in line for line in lines), lines


def test_every_image_size_that_is_not_a_number_of_pixels_is_warned_about(
    make_app: AppFactory, tmp_path: Path
) -> None:
    images = [
        {"url": "https://i.example/a.jpg", "width": 10, "height": 10},
        {"url": "https://i.example/b.jpg", "width": "100.5", "height": "zz"},
        {"url": "ftp://i.example/c.jpg"},
    ]
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, images=images)})
    _, lines = check(make_app, root)
    text = "\n".join(lines)
    for path in ("images[1].width", "images[1].height", "images[2].url"):
        assert f": {path}: " in text, (path, text)


def test_topics_past_the_hundredth_are_left_out_with_a_warning(make_app: AppFactory, tmp_path: Path) -> None:
    """Each topic is a feed the entry is in, with every topic as a category: 1,000 topics made a
    167 MB export of one document."""
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1, topics=[f"T{n}" for n in range(150)])})
    _, lines = check(make_app, root)
    assert any("topics: 150 topics: the first 100 are kept, the rest left out" in line for line in lines)
    app = make_app(root)
    assert len(app.extensions["feeds"].index().articles[0].topics) == 100


@pytest.mark.parametrize(
    "broken",
    ["", "hello\n", "---\ntitle: Cut off\nwebUrl: https://news.exa", "---\ntitle: [unclosed\n---\n"],
    ids=["emptied", "no longer front matter", "cut off", "bad YAML"],
)
def test_check_through_a_warm_parse_cache_reports_a_document_broken_since(
    make_app: AppFactory, tmp_path: Path, broken: str
) -> None:
    """The parse cache (the default) remembers each document's last good version, which a server keeps
    serving while the file is broken: `check` reports the broken file all the same, and fails, as it
    does with no cache."""
    root = write_corpus(tmp_path / "content", {"a.md": document(n=1), "b.md": document(n=2)})
    cache = {"PARSE_CACHE": str(tmp_path / "cache")}
    app = make_app(root, **cache)
    assert app.test_cli_runner().invoke(args=["check", str(root)]).exit_code == 0  # the cache is warm
    (root / "a.md").write_text(broken, encoding="utf-8")
    result = make_app(root, **cache).test_cli_runner().invoke(args=["check", str(root)])
    assert result.exit_code == 1, result.output
    assert any(line.startswith(f"{root / 'a.md'}: ") for line in result.output.splitlines()), result.output
    assert "rejected: 1," in result.output.splitlines()[-1]
