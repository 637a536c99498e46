"""HTTP: URLs → feed keys, responses with validators and caching headers, plain-text errors."""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import cast

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

from . import httppolicy as policy
from . import presentation
from .errors import BadParameterError, ConfigError, UnknownFeedError
from .fast import FastPath
from .feedkeys import Family, FeedKey, FeedQuery
from .httppolicy import CONTENT_TYPES, FEED_VARY, HTML_HEADERS, PARAM_MAX, Format
from .query import feed_query
from .render.meta import VERSION
from .representation import Representation
from .service import NO_DOCUMENTS, FeedService

bp = Blueprint("feeds", __name__)


def service() -> FeedService:
    return cast(FeedService, current_app.extensions["feeds"])


def site_base() -> str:
    """The root of absolute URLs: `FEEDS_BASE_URL`, else this request's scheme and host."""
    configured = service().settings.base_url
    if configured is not None:
        return configured
    host = request.host.lower()  # after ProxyFix: X-Forwarded-Host from a trusted proxy
    if not policy.is_host(host):  # written into every link: a URI's host, or a 400 (RFC 9110 §7.2)
        raise BadRequest(policy.BAD_HOST_TEXT)
    return f"{request.scheme}://{host}{request.root_path}"


@bp.get("/all.<fmt>")
def all_feed(fmt: str) -> Response:
    return feed_response(FeedKey("all"), fmt)


@bp.get("/<any(topics, providers):family>/<name>")
def group(family: str, name: str) -> Response:
    """`/topics/ai.atom` is a feed; `/topics/ai` (and `/providers/bbc.co.uk`) its HTML page."""
    slug, _, fmt = name.rpartition(".")
    if slug and fmt in CONTENT_TYPES:
        return feed_response(FeedKey(cast(Family, family), slug), fmt)
    if fmt == "gz":  # an export's compressed copy, which is no URL of its own (`/topics/ai.atom.gz`)
        raise UnknownFeedError(policy.NO_SUCH_URL)
    return page_response(family, name, request_query())


@bp.get("/<any(topics, providers):family>/<slug>/")
def group_folder(family: str, slug: str) -> Response:
    """`/topics/ai/`: the HTML page, as a static host serves `topics/ai/index.html` of an export."""
    return page_response(family, slug, request_query())


@bp.get("/all/page/<page>.<fmt>")
def all_feed_page(page: str, fmt: str) -> Response:
    """`/all/page/N.atom`: page N > 1 of a feed by path (`presentation.page_path`)."""
    return feed_page_response(FeedKey("all"), page, fmt)


@bp.get("/<any(topics, providers):family>/<slug>/page/<page>.<fmt>")
def group_feed_page(family: str, slug: str, page: str, fmt: str) -> Response:
    """`/topics/ai/page/N.atom`, `/providers/bbc.co.uk/page/N.rss`: page N > 1 of a feed by path."""
    return feed_page_response(FeedKey(cast(Family, family), slug), page, fmt)


@bp.get("/<any(topics, providers):family>/<slug>/page/<page>/", strict_slashes=False)  # no redirect
def group_page_by_path(family: str, slug: str, page: str) -> Response:
    """`/topics/ai/page/N/`: page N > 1 of a feed's HTML page by path."""
    return page_response(family, slug, FeedQuery(limit=service().settings.feed_limit, page=path_page(page)))


def page_response(family: str, slug: str, query: FeedQuery) -> Response:
    """A topic's or provider's HTML page for `query`."""
    return html_response(service().feed_page(FeedKey(cast(Family, family), slug), site_base(), query))


def feed_page_response(key: FeedKey, page: str, fmt: str) -> Response:
    """Page `page` of `key`'s feed in `fmt`, for the default query (the path form ignores the query
    string, as a static host does); 404 for an unknown format or page."""
    query = FeedQuery(limit=service().settings.feed_limit, page=path_page(page))
    return feed_or_preview(key, known_format(fmt), query)


def path_page(text: str) -> int:
    """A page number as a path writes it: 2 or more, in decimal without a sign or leading zero (the
    only spelling a static export has a file for; page 1 is the feed's own URL). `UnknownFeedError`
    (404) else."""
    if not re.fullmatch(r"[1-9][0-9]{0,9}", text) or not 2 <= int(text) <= PARAM_MAX:
        raise UnknownFeedError(policy.page_path_text(text))
    return int(text)


@bp.get("/")
def home() -> Response:
    return html_response(service().home_page(site_base()))


def html_response(rep: Representation) -> Response:
    return conditional(rep, HTML_HEADERS)


@bp.get("/feeds.opml")
@bp.get("/feeds.opml.xml")
def opml() -> Response:
    """The OPML; `/feeds.opml.xml` too, the name a static export links (hosts know `.xml`)."""
    return conditional(service().outline(site_base()))


@bp.get("/healthz")
def healthz() -> Response:
    """Counts, and the problems a publisher must fix: only about documents that are visible.

    `503 Service Unavailable` (RFC 9110 §15.6.4) whenever `ok` is false (the content folder or a
    folder under it cannot be read, or it holds no document at all: `NO_DOCUMENTS`), so load
    balancers and monitors notice; the body is the same."""
    svc = service()
    index = svc.index()
    content = svc.content
    problems = content.problems  # read once: the watcher thread may replace it meanwhile
    lines = [f"{p.field}: {p.reason}" for p in problems]
    if not problems and not svc.holds_documents():  # said only of a folder read in full
        lines.append(NO_DOCUMENTS)
    stale = [
        {"path": rel, "field": problem.problem.field, "reason": problem.problem.reason}
        for rel, (article, problem) in sorted(content.stale.items())
        if index.shows(article)
    ]
    response = jsonify(
        ok=not lines,
        articles=index.count(),
        topics=index.count("topics"),
        providers=index.count("providers"),
        rejected=len(content.rejected),
        stale=stale,
        problems=lines,
        loaded_at=svc.loaded_at.isoformat(),
        pid=os.getpid(),
        parsed=content.read_from_disk,
        version=VERSION,  # of the installed package (importlib.metadata)
        memory=svc.memory_status(),
    )
    response.status_code = 503 if lines else 200
    response.headers["Cache-Control"] = policy.NO_STORE
    return response


def feed_response(key: FeedKey, fmt: str) -> Response:
    known = known_format(fmt)  # an unknown format is a 404 whatever the query, as a static host has it
    return feed_or_preview(key, known, request_query())


def known_format(fmt: str) -> Format:
    """`fmt` when it is a feed format (`atom`, `rss`, `json`); `UnknownFeedError` (404) saying which
    ones are."""
    if fmt not in CONTENT_TYPES:
        raise UnknownFeedError(policy.unknown_format_text(fmt))
    return fmt


def feed_or_preview(key: FeedKey, fmt: Format, query: FeedQuery) -> Response:
    """The feed, byte for byte, to everything but a browser's top-level navigation
    (`Sec-Fetch-Dest: document`, `httppolicy.is_navigation`), which gets the feed's HTML preview
    with the pages' headers. Both carry `Vary: Accept-Encoding, Sec-Fetch-Dest` (RFC 9110 §12.5.5),
    so no cache hands one to the other; each is a cached representation with its own ETag."""
    base = site_base()
    if not policy.is_navigation(request.headers.get("Sec-Fetch-Dest")):
        hubs = service().settings.websub_hub
        told = hubs and presentation.subscribable(query, service().settings)
        links = (("Link", policy.websub_links(hubs, f"{base}/{key.path}.{fmt}")),) if told else ()
        return conditional(service().feed(key, fmt, base, query), links, vary=FEED_VARY)
    return conditional(service().feed_preview(key, fmt, base, query), HTML_HEADERS, vary=FEED_VARY)


def conditional(
    rep: Representation, extra: tuple[tuple[str, str], ...] = (), vary: tuple[str, ...] = ()
) -> Response:
    """Validators first; the body is only rendered (or compressed) when the client lacks it.

    RFC 9110 §13.2.2: `If-None-Match` (weak comparison, lists, `*`) decides when present;
    `If-Modified-Since` only when it is absent. The gzip variant has its own ETag, so caches
    never confuse the two (nginx would otherwise weaken a strong ETag when it compresses).
    The headers are complete before the validators are judged, and `fast` learns them, to answer
    the next identical request without Flask. `vary`: request headers the response varies by, beside
    Accept-Encoding (in `Vary`, RFC 9110 §12.5.5).
    """
    gzipped = accepts_gzip()
    etag = policy.variant_etag(rep.etag, gzipped)
    response = Response(content_type=rep.content_type)
    response.set_etag(etag)
    response.last_modified = rep.last_modified
    caching_headers(response, rep.due)
    response.vary.update(vary)
    if gzipped:
        response.content_encoding = "gzip"  # Werkzeug drops it (and the other entity headers) from a 304
    response.headers.extend(extra)
    if request.method in ("GET", "HEAD"):
        fast_path().learn(request.environ, rep, gzipped, response.headers)
    match = request.if_match.contains(etag) if "If-Match" in request.headers else None
    if policy.precondition_failed(match, rep.last_modified, request.if_unmodified_since):
        return plain(412, policy.PRECONDITION_TEXT)
    if not_modified(etag, rep.last_modified):
        response.status_code = 304
        return response
    response.set_data(service().body(rep, gzipped))
    return response


def fast_path() -> FastPath:
    return cast(FastPath, current_app.extensions["feeds_fast"])


def not_modified(etag: str, last_modified: dt.datetime) -> bool:
    """`httppolicy.not_modified` for this request (Werkzeug parses the conditional headers)."""
    none_match = request.if_none_match.contains_weak(etag) if request.if_none_match else None
    return policy.not_modified(request.method, none_match, last_modified, request.if_modified_since)


def accepts_gzip() -> bool:
    """`httppolicy.accepts_gzip` of this request: as the export's nginx decides."""
    return policy.accepts_gzip(request.headers.get("Accept-Encoding"))


def caching_headers(response: Response, due: dt.datetime | None) -> None:
    """`Cache-Control: public, max-age, stale-while-revalidate` (max-age ends when a scheduled article
    enters what it shows: `due`, `Representation.due`), and `Vary: Accept-Encoding`."""
    svc = service()
    control = policy.cache_control(svc.settings.caching, due, svc.now())
    response.headers["Cache-Control"] = control
    response.vary.add(policy.VARY)


def request_query() -> FeedQuery:
    """The request's known query parameters (`query.feed_query`)."""
    return feed_query(request.args, request.query_string, service().settings.feed_limit)


@bp.before_app_request
def no_folder_of_a_file() -> None:
    """`/static/site.css/` names a folder, as a static export's nginx reads it: no file there (404)."""
    if request.endpoint == "static" and request.path.endswith("/"):
        raise UnknownFeedError(policy.NO_SUCH_URL)


@bp.before_app_request
def options_as_get() -> None:
    """`OPTIONS` on a URL answers as its `GET` would decide (RFC 9110 §9.3.7 asks about the target
    resource): a feed, page or page number that does not exist is a 404 and a bad query a 400, not
    Flask's automatic 200 with `Allow`, which it still sends for a resource that exists."""
    if request.method == "OPTIONS" and request.url_rule is not None and request.endpoint is not None:
        current_app.view_functions[request.endpoint](**(request.view_args or {}))


@bp.app_errorhandler(UnknownFeedError)
def unknown_feed(error: UnknownFeedError) -> Response:
    return plain(404, policy.not_found_text(str(error)))


@bp.app_errorhandler(BadParameterError)
def bad_parameter(error: BadParameterError) -> Response:
    return plain(400, policy.bad_parameter_text(error.name, error.reason))


@bp.app_errorhandler(ConfigError)
def cannot_serve(error: ConfigError) -> Response:
    """A setting the service cannot serve with, found at its first request (an app made by
    `create_app`, not started by `checked_app`, which stops instead): 503 naming it, never a 500."""
    current_app.logger.error("cannot serve: %s", error)
    return plain(503, policy.http_error_text("Service Unavailable", f"{error}."))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    if error.code == 404:  # no route: the one 404 spelling, as for an unknown feed
        return plain(404, policy.not_found_text(policy.NO_SUCH_URL))
    response = plain(error.code or 500, policy.http_error_text(error.name, error.description))
    if error.code == 405:
        response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or policy.DEFAULT_ALLOW)
    return response


@bp.app_errorhandler(Exception)
def unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error")
    return plain(500, policy.INTERNAL_ERROR_TEXT)


def plain(status: int, message: str) -> Response:
    response = Response(policy.plain_body(message), status=status, content_type=policy.PLAIN_TYPE)
    response.headers["Cache-Control"] = policy.NO_STORE
    return response
