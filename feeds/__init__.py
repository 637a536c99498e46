"""feeds: Atom and RSS feeds from a folder of news-article documents.

`create_app` is imported lazily so that the core (`feeds.parse`, `feeds.index`, `feeds.render`, …)
can be used without Flask being loaded at all; `__version__` (the installed distribution's version,
from its metadata) is read on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> str:
    """`feeds.__version__`: the version in the installed package's metadata (`0+unknown` if none)."""
    if name == "__version__":
        from .render.meta import VERSION

        return VERSION
    raise AttributeError(f"module 'feeds' has no attribute {name!r}")


def create_app(config: Mapping[str, Any] | None = None, **options: Any) -> Flask:
    """The WSGI app (`feeds.app.create_app`): settings from `FEEDS_*` variables, then `config`."""
    from .app import create_app as factory

    return factory(config, **options)
