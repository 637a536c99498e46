"""Helpers the tests share: documents as field mappings, corpora written to disk, articles as values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from flask import Flask
from werkzeug.test import TestResponse

from feeds.fast import FastPath
from feeds.model import Article, Provider, Topic

if TYPE_CHECKING:
    from feeds.service import FeedService

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


def fast(app: Flask) -> FastPath:
    """The app's fast path (the WSGI layer in front of Flask)."""
    path = app.extensions["feeds_fast"]
    assert isinstance(path, FastPath)
    return path


def answer(response: TestResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    """What a client can compare between two answers: status, headers (sorted) and bytes."""
    return response.status_code, sorted(response.headers.items()), response.get_data()


def service_over(root: Path, **environ: str) -> FeedService:
    """A `FeedService` over the content folder `root` as `FEEDS_*` variables set it: not watching, no
    parse cache, its memory beside `root` (`data/`); `environ` adds or overrides (`FEEDS_…` names)."""
    from feeds.service import FeedService
    from feeds.settings import read_settings

    defaults = {
        "FEEDS_CONTENT_DIR": str(root),
        "FEEDS_WATCH": "off",
        "FEEDS_PARSE_CACHE": "off",
        "FEEDS_DATA_DIR": str(root.parent / "data"),
    }
    return FeedService(read_settings({**defaults, **environ}))
