"""Shared fixtures: apps and clients over corpora on disk, a CLI runner, a home in a temporary folder
(helpers to make documents and corpora are in `helpers`)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis.configuration import set_hypothesis_home_dir

from feeds import create_app

from .helpers import BASE, AppFactory, document, write_corpus


@pytest.hookimpl(trylast=True)  # after pytest's own configure has made the session's temporary folders
def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its example database and caches in a session folder, not `.hypothesis/` in the
    checkout: set before any test runs, so nothing it creates ever points at the checkout."""
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]  # tmp_path_factory
    set_hypothesis_home_dir(factory.mktemp("hypothesis", numbered=False))


@pytest.fixture(scope="session", autouse=True)
def _home_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests write only inside their temporary folders: whatever defaults to `~` (the parse cache's
    `~/.cache/feeds`, the memory in `~/.local/share/feeds`, gunicorn's control socket) lands in a
    session folder, here and in every server a test starts (they inherit the environment)."""
    home = tmp_path_factory.mktemp("home")
    names = ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        zip(names, (str(home), str(home / ".cache"), str(home / ".local" / "share")), strict=True)
    )
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def make_app() -> AppFactory:
    """`make_app(content_dir, **config)`: an app over that folder, with a fixed public base URL.

    The folder is not watched unless a test asks for it (`WATCH="poll"` or `"auto"`)."""

    def factory(content_dir: Path, *, clock: Callable[[], dt.datetime] | None = None, **config: Any) -> Flask:
        settings = {
            "TESTING": True,
            "CONTENT_DIR": str(content_dir),
            "BASE_URL": BASE,
            "WATCH": "off",
            "PARSE_CACHE": "off",
            **config,
        }
        return create_app(settings, clock=clock) if clock is not None else create_app(settings)

    return factory


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A small corpus: three visible documents, one unpublished, one future-dated."""
    return write_corpus(
        tmp_path / "content",
        {
            "one.md": document(n=1, topics=["AI", "Computer Vision"]),
            "two.md": document(n=2, provider={"name": "Other Paper", "domain": "www.other.example"}),
            "sub/three.md": document(n=3, topics=["Économie"]),
            "hidden.md": document(n=4, published=False, title="A hidden embargoed story"),
            "future.md": document(n=5, publishedDateTime="2099-01-01T00:00:00Z", title="A scheduled story"),
        },
    )


@pytest.fixture
def app(make_app: AppFactory, corpus_dir: Path) -> Flask:
    return make_app(corpus_dir)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """The app's command line (`flask --app feeds …`), as Flask's tutorial tests it."""
    return app.test_cli_runner()
