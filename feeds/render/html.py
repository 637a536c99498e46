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
from .fingerprint import entries_digest, fingerprint_of

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
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
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
class Chart:
    """Articles per month as a small inline SVG bar chart on a time axis (no script).

    `months` are ('YYYY-MM', count) for the months that have articles (`Index.months`). The chart
    shows every month from `first` to `last` ('YYYY-MM'; by default the first and last of `months`;
    at most `MAX_MONTHS`, the latest), empty ones as zero-height bars, over an axis labelled with
    the first and last month and, where there is room, the year at each year boundary (each boundary
    is marked either way). Charts with the same `first` and `last` have the same slots, bar width
    and labels (`timeline`). Sizes are SVG user units (CSS px).
    """

    months: tuple[tuple[str, int], ...]
    first: str | None = None
    last: str | None = None

    WIDTH = 168
    PLOT = 28  # height of the bars' area; the axis and its labels are below it
    HEIGHT = 44
    MAX_MONTHS = 36
    _CHAR = 6.0  # an upper bound of a 10 px label's advance per character, to keep labels apart

    def span(self) -> list[tuple[int, int]]:
        """(months since year 0, count) for every month in the range shown, oldest first."""
        counts = {_month_number(month): n for month, n in self.months}
        first = _month_number(self.first) if self.first else min(counts, default=None)
        last = _month_number(self.last) if self.last else max(counts, default=None)
        if first is None or last is None:
            return []
        return [(m, counts.get(m, 0)) for m in range(max(first, last - self.MAX_MONTHS + 1), last + 1)]

    def svg(self) -> Markup:
        """The chart as inline SVG (`role="img"`, the counts of every month in `aria-label`, each
        bar's in its `<title>`), styled by the page's stylesheet through the classes months, axis
        and year."""
        span = self.span()
        w, h, plot = self.WIDTH, self.HEIGHT, self.PLOT
        label = ", ".join(f"{m // 12:04d}-{m % 12 + 1:02d} {n}" for m, n in span) or "none"
        parts = [
            f'<svg class="months" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
            f'aria-label="Articles per month: {label}"><path class="axis" d="M0 {plot + 0.5}H{w}"/>'
        ]
        if span:
            peak = max(max(n for _, n in span), 1)
            slot = w / len(span)
            width = round(min(slot * 0.7, 12.0), 1)
            years = [(round(i * slot, 1), m // 12) for i, (m, _) in enumerate(span) if i and m % 12 == 0]
            if years:
                parts.append(f'<path class="year" d="{"".join(f"M{x:g} 0V{plot + 5}" for x, _ in years)}"/>')
            for i, (m, n) in enumerate(span):
                height = round(max(plot * n / peak, 1.5), 1) if n else 0
                rect = f'<rect x="{round(i * slot + (slot - width) / 2, 1):g}" y="{plot - height:g}" '
                rect += f'width="{width:g}" height="{height:g}"'
                s = "" if n == 1 else "s"
                parts.append(
                    f"{rect}><title>{_month_name(m)}: {n} article{s}</title></rect>" if n else rect + "/>"
                )
            for x, anchor, text in self._labels(span, years):
                anchor = "" if anchor == "start" else f' text-anchor="{anchor}"'
                parts.append(f'<text x="{x:g}" y="{h - 3}"{anchor}>{text}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 (numbers and month names only)

    def _labels(
        self, span: list[tuple[int, int]], years: list[tuple[float, int]]
    ) -> list[tuple[float, str, str]]:
        """(x, text-anchor, text): the first and last month at the ends, and each year boundary's
        year where it fits between them."""
        first, last = _month_name(span[0][0]), _month_name(span[-1][0])
        if len(span) == 1:
            return [(self.WIDTH / 2, "middle", first)]
        labels = [(0.0, "start", first)]
        free_from, free_to = len(first) * self._CHAR + 4, self.WIDTH - len(last) * self._CHAR - 4
        for x, year in years:
            end = x + 2 + 4 * self._CHAR
            if x + 2 >= free_from and end <= free_to:
                labels.append((round(x + 2, 1), "start", str(year)))
                free_from = end + 4
        labels.append((float(self.WIDTH), "end", last))
        return labels


def timeline(rows: Sequence[tuple[tuple[str, int], ...]]) -> tuple[Chart, ...]:
    """One `Chart` per row of ('YYYY-MM', count) months, all on one timeline: from the earliest month
    of any row to the latest (at most `Chart.MAX_MONTHS`), so that every chart of a page has the same
    months, bar width and axis labels, and rows can be compared month by month."""
    months = [month for row in rows for month, _ in row]
    first, last = (min(months), max(months)) if months else (None, None)
    return tuple(Chart(row, first, last) for row in rows)


def _month_number(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month_name(number: int) -> str:
    return f"{MONTH_NAMES[number % 12]} {number // 12}"


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
) -> DeferredPage:
    """One feed as a page: its articles as a reader would want them, and how to subscribe. Page
    `page` of `pages` (RFC 5005 paging of the same feed) says so in its title and heading."""
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
            articles=articles,
            feeds=feeds,
            readers=reader_links(feeds["atom"]),
            paging=dict(paging),
            page=page,
            pages=pages,
        ).encode()

    return etag, render


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
