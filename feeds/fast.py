"""A bare WSGI layer that answers repeat requests for cached responses before Flask dispatches them.

Flask's request context, routing and response objects cost most of a cache hit's CPU. So `web`
teaches this layer each response it builds from a cached `Representation`: the request's raw inputs
(path, query string, Accept-Encoding, Sec-Fetch-Dest, and the host when no base URL is configured)
map to the cache key, the gzip choice and the headers Flask sent. A later request with the same raw
inputs, for the same corpus version, is answered from that record: `304` when `If-None-Match` names
the ETag, the bytes otherwise. Anything this layer does not recognise (another method, a list or `*` in
`If-None-Match`, `If-Modified-Since` alone, a new query string, an evicted representation) goes to
Flask, which answers it and teaches this layer again. It decides nothing by itself: it replays what
Flask decided for identical inputs, so both paths send the same status, headers and bytes (tested).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers
from werkzeug.http import remove_entity_headers

from .httppolicy import Caching, cache_control, one_etag_matches

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .representation import Representation
    from .service import FeedService

MAX_REPLAYS = 4096  # remembered request shapes; the table is emptied when full (cache-busting queries)
# and when the index has a new version (every replay of an older one is dead: see `_answer`)
RequestKey = tuple[str | None, ...]
Headerlist = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Replay:
    """How Flask answered one request shape, to answer the same shape again without it."""

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
        service: FeedService,
        caching: Caching,
        host_matters: bool,
        enabled: bool = True,
    ) -> None:
        self.app = app
        self.service = service
        self.caching = caching  # the same values `web.caching_headers` uses
        self.host_matters = host_matters  # no FEEDS_BASE_URL: absolute URLs come from the request
        self.enabled = enabled
        self.replays: dict[RequestKey, Replay] = {}
        # One copy of each header list, however many request shapes share it (a cache-busting
        # client sends thousands of query strings for one feed): measured, 6.6% of a worker's
        # memory at 4,096 routes before, within noise after.
        self._headerlists: dict[Headerlist, Headerlist] = {}
        self._version = 0  # the index version every replay in the table was made from
        self.hits = 0

    def key(self, environ: WSGIEnvironment) -> RequestKey:
        get = environ.get
        if self.host_matters:
            return (
                get("SCRIPT_NAME"),
                get("PATH_INFO"),
                get("QUERY_STRING"),
                get("HTTP_ACCEPT_ENCODING"),
                get("HTTP_SEC_FETCH_DEST"),
                get("wsgi.url_scheme"),
                get("HTTP_HOST"),
                get("SERVER_NAME"),
                get("SERVER_PORT"),
            )
        return (
            get("SCRIPT_NAME"),
            get("PATH_INFO"),
            get("QUERY_STRING"),
            get("HTTP_ACCEPT_ENCODING"),
            get("HTTP_SEC_FETCH_DEST"),
        )

    def learn(self, environ: WSGIEnvironment, rep: Representation, gzipped: bool, headers: Headers) -> None:
        """Remember how Flask answered this request shape (`web.conditional` calls this). Only the
        newest index version's answers are kept: one from an older version (a request that overlapped
        a change) is not learnt, and the first of a newer one empties the table, header lists too."""
        if not self.enabled or rep.version < self._version:
            return
        ok = tuple((k, v) for k, v in headers.items() if k not in ("Cache-Control", "Content-Length"))
        not_modified = Headers(list(ok))
        remove_entity_headers(not_modified)  # what Werkzeug strips from a 304
        if len(self.replays) >= MAX_REPLAYS or rep.version > self._version:
            self.replays.clear()
            self._headerlists.clear()
            self._version = rep.version
        short = tuple(not_modified.items())
        shared = self._headerlists.setdefault
        replay = Replay(rep.version, rep.key, gzipped, headers["ETag"], shared(ok, ok), shared(short, short))
        self.replays[self.key(environ)] = replay

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method == "GET" or method == "HEAD":
            replay = self.replays.get(self.key(environ))
            if replay is not None:
                answer = self._answer(replay, environ, start_response, method == "HEAD")
                if answer is not None:
                    self.hits += 1
                    return answer
        return self.app(environ, start_response)

    def _answer(
        self, replay: Replay, environ: WSGIEnvironment, start_response: StartResponse, head: bool
    ) -> list[bytes] | None:
        service = self.service
        index = service.index()  # also applies due scheduled articles and starts this process's watcher
        if index.version != replay.version:
            return None
        rep = service.cached(replay.cache_key)
        if rep is None:
            return None
        if "HTTP_IF_MATCH" in environ or "HTTP_IF_UNMODIFIED_SINCE" in environ:
            return None  # preconditions (RFC 9110 §13.1.1, §13.1.4): Flask judges them
        match = one_etag_matches(environ.get("HTTP_IF_NONE_MATCH"), replay.etag)
        if match is None and ("HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ):
            return None  # a form only Flask's full parser should judge, or If-Modified-Since alone
        control = ("Cache-Control", cache_control(self.caching, rep.due, service.now()))
        if match:
            start_response("304 NOT MODIFIED", [*replay.not_modified_headers, control])
            return []
        body = service.body(rep, replay.gzipped)
        start_response("200 OK", [*replay.ok_headers, control, ("Content-Length", str(len(body)))])
        return [] if head else [body]
