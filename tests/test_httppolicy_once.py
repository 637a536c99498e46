"""The HTTP policy is defined once (`feeds/httppolicy.py`): no other module of the package spells a
media type, a cache directive or the text of a 4xx answer, and every 404 says `Not Found: …` the same
way, whatever found nothing (an unknown URL, format, feed or page)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask.testing import FlaskClient

PACKAGE = Path(__file__).resolve().parent.parent / "feeds"
POLICY_WORDS = (
    "application/atom+xml",
    "application/rss+xml",
    "application/feed+json",
    "application/octet-stream",
    "text/x-opml",
    "text/html",
    "text/plain",
    "text/css",
    "no-store",
    "max-age",
    "stale-while-revalidate",
    "Not Found",
    "Not found",
    "Bad query parameter",
    "Unknown feed format",
)


def string_literals(source: str) -> list[tuple[int, str]]:
    """The string constants of a module's code (f-string parts too), with their lines; docstrings and
    other bare string statements are prose, not policy, and are left out."""
    tree = ast.parse(source)
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "httppolicy.py"))
def test_no_module_but_httppolicy_spells_a_media_type_a_cache_directive_or_an_error_text(
    module: str,
) -> None:
    found = [
        f"{module}:{line}: {word}"
        for line, text in string_literals((PACKAGE / module).read_text(encoding="utf-8"))
        for word in POLICY_WORDS
        if word in text
    ]
    assert found == []


def test_the_literal_finder_sees_f_strings_and_skips_docstrings() -> None:
    source = '"""Serves text/html."""\nX = f"types {{ text/x-opml opml; }} {1}"\n'
    assert [text for _, text in string_literals(source) if "text/" in text] == [
        "types { text/x-opml opml; } "
    ]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/elsewhere", "nothing is served at this URL"),
        ("/all.xml", "Unknown feed format 'xml': use .atom, .rss or .json"),
        ("/topics/zzz.atom", "no topic 'zzz'"),
        ("/all/page/02.atom", "no page '02': pages by path are numbered 2, 3, … without leading zeros"),
        ("/all/page/9.atom", "no page 9 of all: it has 1"),
    ],
)
def test_every_404_is_spelled_the_same_way(client: FlaskClient, url: str, reason: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_data(as_text=True) == f"Not Found: {reason}.\n"
    assert response.headers["Cache-Control"] == "no-store"
