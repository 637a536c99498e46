"""HTTP: URLs → feed keys, responses with validators and caching headers, plain-text errors."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, NotFound

from .errors import UnknownFeed
from .index import FeedKey, Kind
from .service import CONTENT_TYPES, FeedService, Rendered

bp = Blueprint("feeds", __name__)
FEED_KINDS: tuple[Kind, ...] = ("topics", "providers")


def service() -> FeedService:
    return cast(FeedService, current_app.extensions["feeds"])


def site_base() -> str:
    """The root of absolute URLs: `FEEDS_BASE_URL`, else this request's scheme and host."""
    configured: str | None = current_app.config["FEEDS_BASE"]
    return configured if configured is not None else request.host_url.rstrip("/")


@bp.get("/all.<fmt>")
def all_feed(fmt: str) -> Response:
    return feed_response(FeedKey("all"), fmt)


@bp.get("/<any(topics, providers):kind>/<name>")
def group(kind: str, name: str) -> Response | str:
    """`/topics/ai.atom` is a feed; `/topics/ai` (and `/providers/bbc.co.uk`) its HTML page."""
    slug, _, fmt = name.rpartition(".")
    if slug and fmt in CONTENT_TYPES:
        return feed_response(FeedKey(cast(Kind, kind), slug), fmt)
    found = service().index().group(FeedKey(cast(Kind, kind), name))
    return page(found.name, found.articles[: service().settings.limit], found.key.path)


@bp.get("/")
def home() -> str:
    index = service().index()
    return render_template(
        "index.html",
        title=service().settings.title,
        index=index,
        base=site_base(),
        groups=(("Topics", index.topics.values()), ("Providers", index.providers.values())),
    )


@bp.get("/healthz")
def healthz() -> Response:
    svc = service()
    index = svc.index()
    response = jsonify(
        ok=True,
        articles=len(index.articles),
        topics=len(index.topics),
        providers=len(index.providers),
        rejected=len(svc.corpus.rejected),
        loaded_at=svc.loaded_at.isoformat(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def feed_response(key: FeedKey, fmt: str) -> Response:
    if fmt not in CONTENT_TYPES:
        raise NotFound(f"Unknown feed format {fmt[:20]!r}: use .atom or .rss.")
    rendered = service().feed(key, fmt, site_base())
    return conditional(rendered)


def conditional(rendered: Rendered) -> Response:
    """The response with its validators; `304` when the client already has these bytes (RFC 9110 §13)."""
    response = Response(rendered.body, content_type=rendered.content_type)
    response.set_etag(rendered.etag)
    response.last_modified = rendered.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["MAX_AGE"]
    response.vary.add("Accept-Encoding")
    response.make_conditional(request)
    return response


def page(name: str, articles: Any, path: str) -> str:
    base = site_base()
    return render_template(
        "group.html",
        title=f"{name} — {service().settings.title}",
        name=name,
        articles=articles,
        atom=f"{base}/{path}.atom",
        rss=f"{base}/{path}.rss",
    )


@bp.app_errorhandler(UnknownFeed)
def unknown_feed(error: UnknownFeed) -> Response:
    return plain(404, f"Not found: {str(error)[:200]}.")


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    message = f"{error.name}: {error.description}" if error.description else error.name
    response = plain(error.code or 500, message)
    if error.code == 405:
        response.headers["Allow"] = ", ".join(getattr(error, "valid_methods", None) or ["GET", "HEAD"])
    return response


@bp.app_errorhandler(Exception)
def unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error")
    return plain(500, "Internal error: the failure was logged.")


def plain(status: int, message: str) -> Response:
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
