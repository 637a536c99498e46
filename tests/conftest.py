"""Shared fixtures: documents, corpora on disk, apps and clients over them."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from feeds import create_app
from feeds.model import Article, Provider, Topic

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content"  # the demo corpus the server uses by default
REAL = Path(__file__).resolve().parent / "data" / "real"  # real documents, copied from the sample corpus
BASE = "http://feeds.test"


def document(**fields: Any) -> dict[str, Any]:
    """A valid document's fields; keyword arguments replace or add fields (None removes one)."""
    n = fields.pop("n", 1)
    data: dict[str, Any] = {
        "title": f"Article number {n}",
        "excerpt": f"What happened in story {n}.",
        "publishedDateTime": dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n),
        "webUrl": f"https://news.example/story-{n}",
        "type": "article",
        "quality": 50,
        "heat": 10,
        "published": True,
        "provider": {"name": "Example News", "domain": "news.example"},
        "topics": ["AI"],
        "images": [{"url": f"https://img.news.example/{n}.jpg", "width": 640, "height": 360}],
        "related": [],
        "secured": "c2VjcmV0LWJsb2ItdGhhdC1tdXN0LW5ldmVyLWJlLWVtaXR0ZWQtYW55d2hlcmU=;x",
    }
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def front_matter(data: Mapping[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False) + "---\n"


def write_corpus(root: Path, docs: Mapping[str, Mapping[str, Any] | str]) -> Path:
    """Write documents (field mappings or raw text) as files under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc if isinstance(doc, str) else front_matter(doc), encoding="utf-8")
    return root


def make_article(**overrides: Any) -> Article:
    values: dict[str, Any] = {
        "path": "a.md",
        "url": "https://news.example/a",
        "title": "A title",
        "excerpt": "An excerpt.",
        "date_published": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        "publish": True,
        "provider": Provider("news.example", "Example News", "news.example"),
        "topics": (Topic("ai", "AI"),),
    }
    values.update(overrides)
    return Article(**values)


AppFactory = Callable[..., Flask]


@pytest.fixture(scope="session", autouse=True)
def _home_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests write only inside their temporary folders: whatever defaults to `~` (the parse cache's
    `~/.cache/feeds`, gunicorn's control socket) lands in a session folder, here and in every
    server a test starts (they inherit the environment)."""
    home = tmp_path_factory.mktemp("home")
    saved = {name: os.environ.get(name) for name in ("HOME", "XDG_CACHE_HOME")}
    os.environ["HOME"], os.environ["XDG_CACHE_HOME"] = str(home), str(home / ".cache")
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
