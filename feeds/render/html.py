"""HTML pages from Jinja templates (autoescaping on): the index of feeds and each feed's page.

Rendered in the core like the feeds, so pages are cached per index version and carry the same
validators. The templates' own text is part of every page's fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..index import Summary
from ..model import Article
from .body import short_date
from .fingerprint import fingerprint_of

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The pages run no script at all; styles come from our own stylesheet, images from article sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src https: http:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_env = Environment(
    loader=PackageLoader("feeds", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["short_date"] = short_date
TEMPLATE_DIGEST = hashlib.sha256(
    b"".join(p.read_bytes() for p in sorted(TEMPLATES.glob("*.html")))
).hexdigest()


@dataclass(frozen=True, slots=True)
class Chart:
    """A small bar chart of articles per month, as inline SVG (no script)."""

    months: tuple[tuple[str, int], ...]

    WIDTH = 120
    HEIGHT = 24

    @property
    def bars(self) -> list[tuple[float, float, float, str]]:
        """(x, y, height, label) per month, scaled to the busiest month."""
        if not self.months:
            return []
        peak = max(n for _, n in self.months)
        step = self.WIDTH / 12
        return [
            (
                round(i * step, 1),
                round(self.HEIGHT - self.HEIGHT * n / peak, 1),
                round(self.HEIGHT * n / peak, 1),
                f"{month}: {n}",
            )
            for i, (month, n) in enumerate(self.months)
        ]

    @property
    def label(self) -> str:
        return "Articles per month: " + ", ".join(f"{m} {n}" for m, n in self.months)


@dataclass(frozen=True, slots=True)
class Listing:
    heading: str
    entries: tuple[tuple[Summary, Chart], ...]


Page = tuple[str, Callable[[], bytes]]  # the ETag (from the inputs) and how to render the bytes


def index_page(site: str, base: str, total: int, newest: str, listings: Sequence[Listing]) -> Page:
    """The home page: every topic and provider with its count, newest date, chart and feed links."""
    etag = fingerprint_of(TEMPLATE_DIGEST, "index", site, base, total, newest, tuple(listings))

    def render() -> bytes:
        template = _env.get_template("index.html")
        return template.render(title=site, base=base, total=total, newest=newest, listings=listings).encode()

    return etag, render


def feed_page(
    site: str, base: str, name: str, path: str, articles: Sequence[Article], paging: Sequence[tuple[str, str]]
) -> Page:
    """One feed as a page: its articles as a reader would want them, and how to subscribe."""
    feeds = {fmt: f"{base}/{path}.{fmt}" for fmt in ("atom", "rss", "json")}
    etag = fingerprint_of(TEMPLATE_DIGEST, "feed", site, base, name, path, tuple(articles), tuple(paging))

    def render() -> bytes:
        template = _env.get_template("group.html")
        return template.render(
            title=f"{name} — {site}",
            site=site,
            base=base,
            name=name,
            articles=articles,
            feeds=feeds,
            paging=dict(paging),
        ).encode()

    return etag, render
