"""HTML pages from Jinja templates (autoescaping on): the index of feeds and each feed's page.

Rendered in the core like the feeds, so pages are cached per index version and carry the same
validators. The templates' own text is part of every page's fingerprint. The pages run no script:
subscribing is plain links (feed URLs, one-click links for web readers), charts are inline SVG.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..feedkeys import Summary
from ..model import Article
from .body import short_date
from .chart import Chart
from .fingerprint import entries_digest, fingerprint_of
from .fragments import Fragments

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The pages run no script at all; styles come from our own stylesheet, images from article sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src https: http:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# Web readers' subscribe links: each prefix is followed by the feed URL, percent-encoded whole
# (RFC 3986 §2.1; Feedly's prefix ends in its stream id's encoded "feed/").
READERS: tuple[tuple[str, str], ...] = (
    ("Feedly", "https://feedly.com/i/subscription/feed%2F"),
    ("Inoreader", "https://www.inoreader.com/?add_feed="),
    ("NewsBlur", "https://www.newsblur.com/?url="),
    ("The Old Reader", "https://theoldreader.com/feeds/subscribe?url="),
)
_SLASH = re.compile(r"/(?!/)")


def reader_links(feed_url: str) -> tuple[tuple[str, str], ...]:
    """(reader name, absolute URL that subscribes to `feed_url` in it) for each of `READERS`."""
    encoded = quote(feed_url, safe="")
    return tuple((name, prefix + encoded) for name, prefix in READERS)


def breakable(url: str) -> Markup:
    """`url` escaped for HTML as segments that each end in `/` (but the first of `//`), each in a
    `<span>` joined by `<wbr>`: with `span { white-space: nowrap }` a long URL wraps only between
    segments, in every engine (Gecko ignores a `<wbr>` inside `nowrap`). Adds no character to what
    is selected or copied."""
    segments = _SLASH.sub("/</span><wbr><span>", str(escape(url)))
    return Markup(f"<span>{segments}</span>")  # noqa: S704 (escaped first)


_env = Environment(
    loader=PackageLoader("feeds", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["short_date"] = short_date
_env.filters["breakable"] = breakable
TEMPLATE_DIGEST = hashlib.sha256(
    b"".join(p.read_bytes() for p in sorted(TEMPLATES.glob("*.html")))
).hexdigest()


@dataclass(frozen=True, slots=True)
class Listing:
    heading: str
    entries: tuple[tuple[Summary, Chart], ...]


# A page before it is rendered: its ETag (from the inputs alone) and the function that renders its bytes.
DeferredPage = tuple[str, Callable[[], bytes]]


def feed_urls(base: str, path: str) -> dict[str, str]:
    """{'atom' | 'rss' | 'json': the absolute URL of that feed at `path` ('all', 'topics/ai', …)}."""
    return {fmt: f"{base}/{path}.{fmt}" for fmt in ("atom", "rss", "json")}


def index_page(site: str, base: str, total: int, newest: str, listings: Sequence[Listing]) -> DeferredPage:
    """The home page: how to subscribe to everything (feed URLs, web readers, OPML), then every topic
    and provider with its count, newest date, chart and feed links."""
    etag = fingerprint_of(TEMPLATE_DIGEST, "index", site, base, total, newest, tuple(listings))

    def render() -> bytes:
        feeds = feed_urls(base, "all")
        template = _env.get_template("index.html")
        return template.render(
            title=site,
            base=base,
            total=total,
            newest=newest,
            listings=listings,
            feeds=feeds,
            readers=reader_links(feeds["atom"]),
        ).encode()

    return etag, render


def feed_page(
    site: str,
    base: str,
    name: str,
    path: str,
    articles: Sequence[Article],
    paging: Sequence[tuple[str, str]],
    page: int = 1,
    pages: int = 1,
    fragments: Fragments | None = None,
) -> DeferredPage:
    """One feed as a page: its articles as a reader would want them, and how to subscribe. Page
    `page` of `pages` (RFC 5005 paging of the same feed) says so in its title and heading. With
    `fragments`, each article's item (`article.html`) rendered before is reused (the same bytes)."""
    etag = fingerprint_of(
        TEMPLATE_DIGEST, "feed", site, base, name, path, entries_digest(articles), tuple(paging), page, pages
    )

    def render() -> bytes:
        feeds = feed_urls(base, path)
        where = f" — page {page} of {pages}" if page > 1 else ""
        template = _env.get_template("group.html")
        return template.render(
            title=f"{name}{where} — {site}",
            site=site,
            base=base,
            name=name,
            family="Topic" if path.startswith("topics/") else "Provider",
            items=[Markup(item.decode()) for item in _items(articles, fragments)],  # noqa: S704 (escaped)
            feeds=feeds,
            readers=reader_links(feeds["atom"]),
            paging=dict(paging),
            page=page,
            pages=pages,
        ).encode()

    return etag, render


def _items(articles: Sequence[Article], fragments: Fragments | None) -> list[bytes]:
    """Each article's item of a feed's page (`article.html`, escaped by the template), as bytes."""
    template = _env.get_template("article.html")

    def render(some: Sequence[Article]) -> list[bytes]:
        return [template.render(a=a).encode() for a in some]

    return render(articles) if fragments is None else fragments.entries(("html",), articles, render)


FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


def feed_preview(
    site: str,
    base: str,
    title: str,
    subtitle: str,
    fmt: str,
    feeds: Mapping[str, str],
    page_url: str,
    articles: Sequence[Article],
) -> DeferredPage:
    """What a browser shows for a feed URL (`httppolicy.is_navigation`): the feed's title, that it is
    a feed in format `fmt` ('atom' | 'rss' | 'json') and what that is for, its address to copy
    (`feeds[fmt]`; `feeds` holds the same feed's URL in each format), one-click web-reader links (to
    the Atom URL, as on the other pages), a link to the feed's HTML page `page_url`, and its entries."""
    etag = fingerprint_of(
        TEMPLATE_DIGEST,
        "preview",
        site,
        base,
        title,
        subtitle,
        fmt,
        tuple(sorted(feeds.items())),
        page_url,
        entries_digest(articles),
    )

    def render() -> bytes:
        template = _env.get_template("feed_preview.html")
        return template.render(
            title=title,
            site=site,
            base=base,
            subtitle=subtitle,
            format_name=FORMAT_NAMES[fmt],
            url=feeds[fmt],
            feeds=feeds,
            readers=reader_links(feeds["atom"]),
            page_url=page_url,
            articles=articles,
        ).encode()

    return etag, render
