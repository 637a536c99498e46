"""Real documents (copied from the sample corpus into tests/data/real) and what real data does to them.

Each kind of quirk or breakage found in the sample gets a test: what `flask --app feeds check` says
about it, and that every other document still serves.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from .helpers import REAL, AppFactory

ATOM = "{http://www.w3.org/2005/Atom}"
CRLF_DOC = "2020-11-03-introducing-the-new-search-experience-in-model-driven-power-apps.md"
ENTITIES = "2021-05-21-add-your-canvas-apps-to-microsoft-teams.md"  # &#8217; in the excerpt
NO_WEB_URL = (
    "2019-08-19-microsoft-power-apps-2019-release-wave-2-overview.md"  # originalUrl only; an <iframe>
)
NO_PUBLISHED_KEY = (
    "2017-02-11-saffron-technology-how-intels-cognitive-computing-acquisition-thrives-on-chaos.md"
)
NEWLINE_EXCERPT = "2020-09-22-now-in-preview-customize-teams-with-built-in-power-platform-capabilities.md"
DUPLICATE_URL = ("2020-12-21-power-platform-stories.md", "2021-06-10-microsoft-power-platform-stories.md")
PEERS = [
    "2016-02-23-trolls-vs-pirates-halostryker-oral-arguments.md",
    "2021-03-12-microsoft-seeing-ai-imagining-a-new-use-for-computer-vision.md",
    "2024-04-03-introducing-new-copilot-answer-control-public-preview.md",
]


def sample(tmp_path: Path, *names: str) -> Path:
    """A corpus of the named real documents plus a few healthy peers."""
    root = tmp_path / "content"
    root.mkdir()
    for name in {*names, *PEERS}:
        shutil.copy(REAL / name, root / name)
    return root


def check(make_app: AppFactory, root: Path) -> tuple[int, list[str]]:
    result = make_app(root).test_cli_runner().invoke(args=["check", str(root)])
    return result.exit_code, result.output.splitlines()


def entries(client: FlaskClient, url: str = "/all.atom") -> dict[str, etree._Element]:
    feed = etree.fromstring(client.get(url).data)
    return {e.findtext(f"{ATOM}id"): e for e in feed.iter(f"{ATOM}entry")}


def peers_still_serve(client: FlaskClient) -> None:
    titles = {e.findtext(f"{ATOM}title") for e in entries(client).values()}
    assert {
        "Trolls vs Pirates: Halo/Stryker Oral Arguments",
        "Introducing new copilot answer control (Public Preview)",
    } <= titles


def real_text(name: str) -> str:
    return (REAL / name).read_bytes().decode("utf-8")


# --- the whole sample ---------------------------------------------------------------------------------


def test_the_whole_sample_checks_clean_and_serves(make_app: AppFactory) -> None:
    code, lines = check(make_app, REAL)
    assert code == 0
    assert lines[-1] == (
        "documents: 105, visible: 70, hidden: 33, duplicates: 2, rejected: 0, warnings: 0, unreadable: 0"
    )
    with make_app(REAL).test_client() as c:
        assert len(entries(c)) == 50


# --- quirks the sample really has: cleaned, served, nothing to report ------------------------------------


def test_crlf_document_is_read(make_app: AppFactory, tmp_path: Path) -> None:
    assert "\r\n" in real_text(CRLF_DOC)
    root = sample(tmp_path, CRLF_DOC)
    assert check(make_app, root)[0] == 0
    with make_app(root).test_client() as c:
        found = entries(c)[
            "https://powerapps.microsoft.com/en-us/blog/introducing-the-new-search-experience-in-model-driven-power-apps/"
        ]
        assert (
            found.findtext(f"{ATOM}title")
            == "Introducing the new search experience in model-driven Power Apps"
        )
        peers_still_serve(c)


def test_html_entities_reach_readers_decoded(make_app: AppFactory, tmp_path: Path) -> None:
    assert "&#8217;" in real_text(ENTITIES)
    with make_app(sample(tmp_path, ENTITIES)).test_client() as c:
        for url in ("/all.atom", "/all.rss"):
            body = c.get(url).get_data(as_text=True)
            assert "&#8217;" not in body
            assert "&amp;#8217;" not in body
        summary = entries(c)[
            "https://powerapps.microsoft.com/en-us/blog/add-your-canvas-apps-to-microsoft-teams/"
        ]
        assert "’" in (summary.findtext(f"{ATOM}summary") or "")


def test_missing_web_url_falls_back_to_original_url_and_raw_html_fields_never_pass(
    make_app: AppFactory, tmp_path: Path
) -> None:
    assert "<iframe" in real_text(NO_WEB_URL)
    root = sample(tmp_path, NO_WEB_URL)
    with make_app(root).test_client() as c:
        assert "https://youtube.com/watch?v=WJk-Y8LQlfE" in entries(c)
        for url in ("/all.atom", "/all.rss", "/"):
            assert b"iframe" not in c.get(url).data


def test_document_without_published_key_is_visible(make_app: AppFactory, tmp_path: Path) -> None:
    assert "\npublished:" not in real_text(NO_PUBLISHED_KEY)
    with make_app(sample(tmp_path, NO_PUBLISHED_KEY)).test_client() as c:
        titles = [e.findtext(f"{ATOM}title") or "" for e in entries(c).values()]
        assert any(t.startswith("Saffron Technology") for t in titles)


def test_newlines_in_excerpts_are_folded(make_app: AppFactory, tmp_path: Path) -> None:
    with make_app(sample(tmp_path, NEWLINE_EXCERPT)).test_client() as c:
        summaries = [e.findtext(f"{ATOM}summary") or "" for e in entries(c).values()]
    assert all("\n" not in s for s in summaries)


def test_same_url_in_two_files_is_one_entry_the_later_one(make_app: AppFactory, tmp_path: Path) -> None:
    with make_app(sample(tmp_path, *DUPLICATE_URL)).test_client() as c:
        found = entries(c)["https://powerapps.microsoft.com/en-us/blog/power-platform-stories/"]
    assert (found.findtext(f"{ATOM}published") or "").startswith("2021-06-10")
    code, lines = check(make_app, tmp_path / "content")
    assert code == 0
    assert "duplicates: 1" in lines[-1]


# --- kinds of breakage, made from real documents: rejected with a reason, the rest keeps serving -----------

Mutation = Callable[[str], str]
BREAKAGES: dict[str, tuple[Mutation, str]] = {
    "truncated": (lambda t: t[: len(t) // 2], "front matter: not closed by a '---' line"),
    "no-title": (lambda t: t.replace("\ntitle:", "\nheadline:", 1), "title: missing"),
    "bad-yaml": (
        lambda t: t.replace("\ntitle: ", '\ntitle: "unclosed ', 1),
        "front matter: line 3: invalid YAML",
    ),
    "bad-date": (
        lambda t: t.replace("\npublishedDateTime: ", "\npublishedDateTime: last week ", 1),
        "publishedDateTime: line 5: not a date or date-time",
    ),
    "no-usable-url": (
        lambda t: t.replace("\nwebUrl: ", "\nwebUrl: ftp:", 1),
        "webUrl: line 7: scheme 'ftp' is not http or https",
    ),
    "not-a-mapping": (
        lambda t: "---\n- just\n- a list\n---\n",
        "front matter: line 2: must be a mapping of fields, not a list",
    ),
}


@pytest.mark.parametrize("kind", sorted(BREAKAGES))
def test_broken_document_is_rejected_with_its_reason_and_others_serve(
    make_app: AppFactory, tmp_path: Path, kind: str
) -> None:
    mutate, reason = BREAKAGES[kind]
    root = sample(tmp_path)
    broken = root / "sub" / "broken.md"
    broken.parent.mkdir()
    broken.write_text(mutate(real_text(PEERS[1])), encoding="utf-8")
    code, lines = check(make_app, root)
    assert code == 1
    assert f"{broken}: {reason}" in "\n".join(lines)
    assert "rejected: 1" in lines[-1]
    with make_app(root).test_client() as c:
        peers_still_serve(c)
        assert c.get("/healthz").get_json()["rejected"] == 1


def test_unreadable_bytes_and_non_documents_are_reported(make_app: AppFactory, tmp_path: Path) -> None:
    root = sample(tmp_path)
    latin1 = real_text(PEERS[1]).replace("Microsoft", "Micr\u00f6soft").encode("latin-1", errors="replace")
    (root / "latin1.md").write_bytes(latin1)
    (root / "notes.md").write_text("# Editor's notes\nNot an article.\n", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")
    code, lines = check(make_app, root)
    assert code == 1
    assert f"{root / 'latin1.md'}: file: not UTF-8 text (byte " in "\n".join(lines)
    assert f"{root / 'notes.md'}: file: no front matter, not a document; ignored (warning)" in lines
    assert not any("image.png" in line for line in lines)


def test_warnings_alone_do_not_fail_check(make_app: AppFactory, tmp_path: Path) -> None:
    root = sample(tmp_path)
    text = real_text(PEERS[2]).replace('url: "https://powerappsblogmedia', 'url: "/powerappsblogmedia', 1)
    (root / PEERS[2]).write_text(text, encoding="utf-8")
    code, lines = check(make_app, root)
    assert code == 0
    expected = f"{root / PEERS[2]}: images[0].url: not an absolute URL (no scheme)"
    assert any(line.startswith(expected) for line in lines)
    assert "warnings: 1" in lines[-1]
