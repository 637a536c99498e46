"""A bare WSGI layer that answers repeat requests for cached responses before Flask dispatches them.

Flask's request context, routing and response objects cost most of a cache hit's CPU. So `web`
teaches this layer each response it builds from a cached `Representation`: the request's raw inputs
(path, query string, Accept-Encoding, and the host when no base URL is configured) map to the cache
key, the gzip choice and the headers Flask sent. A later request with the same raw inputs, for the
same corpus version, is answered from that record: `304` when `If-None-Match` names the ETag, the
bytes otherwise. Anything this layer does not recognise (another method, a list or `*` in
`If-None-Match`, `If-Modified-Since` alone, a new query string, an evicted representation) goes to
Flask, which answers it and teaches this layer again. It decides nothing by itself: it replays what
Flask decided for identical inputs, so both paths send the same status, headers and bytes (tested).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .config import Caching
    from .service import FeedService, Representation

MAX_ROUTES = 4096  # remembered request shapes; the table is emptied when full (cache-busting queries)
RequestKey = tuple[str | None, ...]
Headerlist = tuple[tuple[str, str], ...]


def cache_control(caching: Caching, due: dt.datetime | None, now: dt.datetime) -> str:
    """`Cache-Control` for a cacheable response: max-age ends when the next scheduled article is due
    (None: none is), so no cache keeps serving a feed without it for longer than it should."""
    max_age, stale = caching.max_age, caching.stale_while_revalidate
    if due is not None:
        max_age = max(0, min(max_age, math.floor((due - now).total_seconds())))
    return f"public, max-age={max_age}, stale-while-revalidate={min(stale, max_age)}"


@dataclass(frozen=True, slots=True)
class Route:
    version: int  # the index version the response was made from
    cache_key: Hashable  # the representation, looked up in the service's cache on every hit
    gzipped: bool
    etag: str  # as sent, quoted
    ok_headers: Headerlist  # a 200's headers, without Cache-Control and Content-Length
    not_modified_headers: Headerlist  # a 304's, without Cache-Control


class FastPath:
    def __init__(
        self,
        app: WSGIApplication,
        extensions: Mapping[str, object],
        caching: Caching,
        host_matters: bool,
        enabled: bool = True,
    ) -> None:
        self.app = app
        self._extensions = extensions  # the Flask app's: the service is looked up there (tests swap it)
        self.caching = caching  # the same values `web.caching_headers` uses
        self.host_matters = host_matters  # no FEEDS_BASE_URL: absolute URLs come from the request
        self.enabled = enabled
        self.routes: dict[RequestKey, Route] = {}
        # One copy of each header list, however many request shapes share it (a cache-busting
        # client sends thousands of query strings for one feed): measured, 6.6% of a worker's
        # memory at 4,096 routes before, within noise after.
        self._headerlists: dict[Headerlist, Headerlist] = {}
        self.hits = 0

    @property
    def service(self) -> FeedService:
        return cast("FeedService", self._extensions["feeds"])

    def key(self, environ: WSGIEnvironment) -> RequestKey:
        get = environ.get
        if self.host_matters:
            return (
                get("SCRIPT_NAME"),
                get("PATH_INFO"),
                get("QUERY_STRING"),
                get("HTTP_ACCEPT_ENCODING"),
                get("wsgi.url_scheme"),
                get("HTTP_HOST"),
                get("SERVER_NAME"),
                get("SERVER_PORT"),
            )
        return (get("SCRIPT_NAME"), get("PATH_INFO"), get("QUERY_STRING"), get("HTTP_ACCEPT_ENCODING"))

    def learn(self, environ: WSGIEnvironment, rep: Representation, gzipped: bool, headers: Headers) -> None:
        """Remember how Flask answered this request shape (`web.conditional` calls this)."""
        if not self.enabled:
            return
        ok = tuple((k, v) for k, v in headers.items() if k not in ("Cache-Control", "Content-Length"))
        not_modified = Headers(list(ok))
        remove_entity_headers(not_modified)  # what Werkzeug strips from a 304
        if len(self.routes) >= MAX_ROUTES:
            self.routes.clear()
            self._headerlists.clear()
        short = tuple(not_modified.items())
        shared = self._headerlists.setdefault
        route = Route(rep.version, rep.key, gzipped, headers["ETag"], shared(ok, ok), shared(short, short))
        self.routes[self.key(environ)] = route

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method == "GET" or method == "HEAD":
            route = self.routes.get(self.key(environ))
            if route is not None:
                answer = self._answer(route, environ, start_response, method == "HEAD")
                if answer is not None:
                    self.hits += 1
                    return answer
        return self.app(environ, start_response)

    def _answer(
        self, route: Route, environ: WSGIEnvironment, start_response: StartResponse, head: bool
    ) -> list[bytes] | None:
        service = self.service
        index = service.index()  # also applies due scheduled articles and starts this process's watcher
        if index.version != route.version:
            return None
        rep = service.cached(route.cache_key)
        if rep is None:
            return None
        match = _none_match(environ, route.etag)
        if match is None:  # a form only Flask's full parser should judge
            return None
        control = ("Cache-Control", cache_control(self.caching, index.valid_until, service.now()))
        if match:
            start_response("304 NOT MODIFIED", [*route.not_modified_headers, control])
            return []
        body = service.body(rep, route.gzipped)
        start_response("200 OK", [*route.ok_headers, control, ("Content-Length", str(len(body)))])
        return [] if head else [body]


def _none_match(environ: WSGIEnvironment, etag: str) -> bool | None:
    """True when `If-None-Match` is this one ETag (strong or weak form); False when it is one other
    ETag, or when neither `If-None-Match` nor `If-Modified-Since` was sent; None for everything else
    (lists, `*`, malformed values, `If-Modified-Since` alone), which Flask judges."""
    header = environ.get("HTTP_IF_NONE_MATCH")
    if header is None:
        return None if "HTTP_IF_MODIFIED_SINCE" in environ else False
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) < 2 or value[0] != '"' or value[-1] != '"' or '"' in value[1:-1]:
        return None
    return bool(value == etag)
