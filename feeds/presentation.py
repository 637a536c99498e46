"""What each response says about the site: feed titles and subtitles, RFC 5005 paging links, and the
assembly of feeds, pages and the OPML from an index selection into `Representation`s.

Pure: given an index and the site's settings, each function builds one representation (validators
now, bytes on demand); the service decides what is cached.
"""

from __future__ import annotations

import datetime as dt

from .feedkeys import ALL, Family, FeedKey, FeedQuery, Selection
from .httppolicy import HTML_TYPE, MEDIA_TYPES, OPML_TYPE, Format
from .index import Index
from .render import FeedMeta, chart, html
from .render.body import short_date
from .render.fingerprint import fingerprint_of
from .render.fragments import Fragments
from .render.meta import EPOCH
from .render.opml import render_opml
from .representation import Representation
from .settings import Settings

LISTINGS: tuple[tuple[str, Family], ...] = (("Topics", "topics"), ("Providers", "providers"))
PagingLinks = tuple[tuple[str, str], ...]  # (relation, URL): first, previous, next, last


def feed(
    index: Index,
    key: FeedKey,
    fmt: Format,
    base_url: str,
    query: FeedQuery,
    settings: Settings,
    fragments: Fragments | None,
    read_at: dt.datetime,
) -> Representation:
    """One page of a feed in one format; `UnknownFeedError` when there is no such feed or page.
    `read_at`: when the corpus was read, the date of a feed with no date of its own (`last_modified`)."""
    selection = index.select(key, query)
    meta = feed_meta(selection, fmt, base_url, query, settings, read_at)
    cache_key = (selection.version, key, fmt, base_url, query)
    changed = last_modified(selection, read_at)
    return Representation.feed(cache_key, fmt, meta, selection.articles, changed, fragments, selection.due)


def feed_preview(
    index: Index,
    key: FeedKey,
    fmt: Format,
    base_url: str,
    query: FeedQuery,
    settings: Settings,
    read_at: dt.datetime,
) -> Representation:
    """The HTML page a browser gets for a feed URL (`httppolicy.is_navigation`): the feed's title and
    subtitle, its address (the first page, in `fmt`, with the same query) and the same in the other
    formats, web-reader links, a link to its HTML page, and this page's entries. Its own cache key
    and ETag (never the feed's); `UnknownFeedError` as `feed`."""
    selection = index.select(key, query)
    meta = feed_meta(selection, fmt, base_url, query, settings, read_at)
    suffix = query.query_string(1, settings.feed_limit)
    feeds: dict[str, str] = {other: f"{base_url}/{key.path}.{other}{suffix}" for other in MEDIA_TYPES}
    etag, render = html.feed_preview(
        settings.title, base_url, meta.title, meta.subtitle, fmt, feeds, meta.page_url, selection.articles
    )
    cache_key = (selection.version, "preview", key, fmt, base_url, query)
    changed, weight = last_modified(selection, read_at), 64 * len(selection.articles)
    return Representation(cache_key, HTML_TYPE, etag, changed, render, weight, selection.due)


def feed_meta(
    selection: Selection,
    fmt: Format,
    base_url: str,
    query: FeedQuery,
    settings: Settings,
    read_at: dt.datetime | None = None,
) -> FeedMeta:
    """The feed-level facts every format writes: title, subtitle, URLs, paging links, the site.
    `read_at`: as `last_modified`'s (None: the feed has an entry, or the caller has no such time)."""
    site = settings.title
    key = selection.key
    if key.family == "all":
        title, subtitle, page = site, f"Every article on {site}, newest first", f"{base_url}/"
    else:
        preposition = "about" if key.family == "topics" else "from"
        title = f"{selection.name} — {site}"
        subtitle = f"Articles {preposition} {selection.name} on {site}, newest first"
        page = f"{base_url}/{page_path(key.path, 1, None)}"
    feed_url = f"{base_url}/{key.path}.{fmt}"
    self_url, links = paging(selection, base_url, fmt, query, settings.feed_limit)
    stones = tuple((t.ref, t.when) for t in selection.tombstones) if fmt == "atom" else ()
    return FeedMeta(
        title,
        subtitle,
        feed_url,
        page,
        base_url,
        self_url,
        links,
        site_title=site,
        updated=last_modified(selection, read_at) if selection.page == 1 else page_updated(selection),
        hubs=settings.websub_hub if subscribable(query, settings) else (),
        tombstones=stones,
    )


def subscribable(query: FeedQuery, settings: Settings) -> bool:
    """Whether a feed URL with this query is one WebSub hubs are told about (its canonical first page:
    no filter, no page, the default limit), so the only one that names the hubs (W3C WebSub §4), in
    its body and its `Link` header: a subscriber to another (`?limit=5`, page 2) would never be told."""
    return query == FeedQuery(limit=settings.feed_limit)


def page_updated(selection: Selection) -> dt.datetime | None:
    """The `<updated>` written in page 2 and later of a feed: the latest `updated` of its entries, so
    an archive page's bytes change only when its own entries do (an edit on page 1 rewrites page 1,
    not the whole archive); its `Last-Modified` is still the feed's (`last_modified`). None without a
    memory (the newest entry's date, as ever)."""
    if selection.modified is None or not selection.articles:
        return None
    return max(a.date_modified or a.date_published for a in selection.articles)


def last_modified(selection: Selection, read_at: dt.datetime | None = None) -> dt.datetime:
    """When the selection's feed last changed, from the memory of what was published: its recorded
    time, or the newest entry's date if that is later (a scheduled article that has just appeared,
    before the memory records it). Without a memory, the newest entry's date. A feed with neither (no
    entry, nothing in the memory) is dated `read_at`, when the corpus was read: never 1970, which
    readers and caches take for a feed that has not changed in decades (`EPOCH` only without one)."""
    if not selection.articles:
        return selection.modified or read_at or EPOCH
    newest = selection.articles[0].date_published
    return newest if selection.modified is None else max(selection.modified, newest)


def page_path(path: str, page: int, fmt: Format | None) -> str:
    """The URL path (no leading `/`) of page `page` (1 or more) of the feed at `path` (`all`,
    `topics/ai`) for the default query, as a file on a static host would have it: in format `fmt`
    (`topics/ai.atom`; page N > 1: `topics/ai/page/N.atom`), or as its HTML page when `fmt` is None:
    a folder (`topics/ai/`; page N > 1: `topics/ai/page/N/`), which a static host answers from the
    folder's `index.html` without a redirect."""
    if fmt is None:
        return f"{path}/" if page == 1 else f"{path}/page/{page}/"
    return f"{path}.{fmt}" if page == 1 else f"{path}/page/{page}.{fmt}"


def paging(
    selection: Selection, base_url: str, fmt: Format | None, query: FeedQuery, default_limit: int
) -> tuple[str, PagingLinks]:
    """This page's absolute URL, and RFC 5005 §3 links to the first, previous, next and last pages
    of `selection`'s feed in format `fmt` (None: its HTML page). The default query pages by path
    (`page_path`: what a static export holds, so the links are the same on the server and in the
    export); any other query (`?limit=`, `?min_quality=`, `?min_heat=`) keeps a query string with
    `page=N`. The last page has no `next`, the first no `previous`; a feed of one page has none."""
    path = selection.key.path
    by_path = query == FeedQuery(limit=default_limit, page=query.page)
    suffix = "/" if fmt is None else f".{fmt}"

    def at(n: int) -> str:
        if by_path:
            return f"{base_url}/{page_path(path, n, fmt)}"
        return f"{base_url}/{path}{suffix}{query.query_string(n, default_limit)}"

    links: list[tuple[str, str]] = []
    if selection.pages > 1:
        links.append(("first", at(1)))
        if selection.page > 1:
            links.append(("previous", at(selection.page - 1)))
        if selection.page < selection.pages:
            links.append(("next", at(selection.page + 1)))
        links.append(("last", at(selection.pages)))
    return at(selection.page), tuple(links)


def outline(index: Index, base_url: str, settings: Settings, read_at: dt.datetime) -> Representation:
    """`/feeds.opml` (and `/feeds.opml.xml`): every feed, grouped, for one-click subscription in a
    reader. Dated by its newest article; with none, as its `Last-Modified` (`last_modified`'s `read_at`)."""
    groups = (("topics", index.summaries("topics")), ("providers", index.summaries("providers")))
    entries = tuple((family, tuple((s.name, s.key.path) for s in summaries)) for family, summaries in groups)
    changed = last_modified(index.select(ALL, FeedQuery(limit=1)), read_at)  # as the home page
    newest = max((s.newest for _, summaries in groups for s in summaries), default=changed)
    title = settings.title
    return Representation(
        (index.version, "opml", base_url),
        OPML_TYPE,
        fingerprint_of("opml", title, base_url, newest, entries),
        changed,
        lambda: render_opml(title, base_url, newest, entries),
        64 * len(entries),
    )


def home_page(index: Index, base_url: str, settings: Settings, read_at: dt.datetime) -> Representation:
    """`/`: every topic and provider with its count, newest date and month chart (all charts on one
    timeline: `chart.timeline`), and how to subscribe."""
    rows = [(heading, index.summaries(family)) for heading, family in LISTINGS]
    charts = iter(
        chart.timeline(
            [index.months(s.key, chart.Chart.MAX_MONTHS) for _, summaries in rows for s in summaries]
        )
    )
    listings = tuple(
        html.Listing(heading, tuple((s, next(charts)) for s in summaries)) for heading, summaries in rows
    )
    everything = index.select(ALL, FeedQuery(limit=1))
    articles = everything.articles
    newest = short_date(articles[0].date_published) if articles else ""
    etag, render = html.index_page(settings.title, base_url, index.count(), newest, listings)
    cache_key = (index.version, "home", base_url)
    changed = last_modified(everything, read_at)  # every listing's change changes the all feed
    return Representation(cache_key, HTML_TYPE, etag, changed, render, 256 * index.count("topics"))


def feed_page(
    index: Index,
    key: FeedKey,
    base_url: str,
    query: FeedQuery,
    settings: Settings,
    read_at: dt.datetime,
    fragments: Fragments | None = None,
) -> Representation:
    """`/topics/<slug>/`, `/providers/<slug>/` (and the same without the final `/`): one page of a
    feed as HTML; each article's item reused from `fragments` where it was rendered before."""
    selection = index.select(key, query)
    _, links = paging(selection, base_url, None, query, settings.feed_limit)
    etag, render = html.feed_page(
        settings.title,
        base_url,
        selection.name,
        key.path,
        selection.articles,
        links,
        page=selection.page,
        pages=selection.pages,
        fragments=fragments,
    )
    cache_key = (selection.version, "page", key, base_url, query)
    changed, weight = last_modified(selection, read_at), 64 * len(selection.articles)
    return Representation(cache_key, HTML_TYPE, etag, changed, render, weight, selection.due)
