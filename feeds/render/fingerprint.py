"""Validators without rendering: a feed's strong ETag from exactly what its renderer reads.

The renderers are pure and deterministic, so the same inputs give the same bytes. A hash of the
inputs (feed metadata, each article's rendered fields, the format) together with the renderer's own
identity (its source code and the versions of feedgen and lxml) therefore names the bytes without
building them: a conditional request can be answered before any XML exists. Fields the renderer
never reads (path, quality, heat, …) are left out, so the ETag changes exactly when the bytes do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from ..model import Article
from .meta import FeedMeta
from .read import read_by_renderer


def _renderer_identity() -> bytes:
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for package in ("feedgen", "lxml"):
        digest.update(f"{package}={version(package)}".encode())
    return digest.digest()


RENDERER = _renderer_identity()


def fingerprint(fmt: str, meta: FeedMeta, articles: Sequence[Article]) -> str:
    digest = hashlib.sha256(RENDERER)
    digest.update(repr((fmt, meta)).encode())
    for article in articles:
        digest.update(read_by_renderer(article))
    return digest.hexdigest()[:32]


def entries_digest(articles: Sequence[Article]) -> str:
    """A digest of what the renderers read of these articles, for `fingerprint_of` (HTML pages)."""
    digest = hashlib.sha256()
    for article in articles:
        digest.update(read_by_renderer(article))
    return digest.hexdigest()


def fingerprint_of(*inputs: object) -> str:
    """The same for any other document: a hash of everything its renderer is given (plain values
    whose `repr` is stable)."""
    return hashlib.sha256(RENDERER + repr(inputs).encode()).hexdigest()[:32]
