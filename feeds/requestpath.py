"""What a request names, checked before anything reads it: its path read as a static export's nginx
reads it (runs of `/` are one, `merge_slashes`, and `.` and `..` segments are resolved, RFC 3986
§5.2.4), so `//all.atom`, `/topics//ai.atom` and `/topics/x/../ai.atom` are `/all.atom` and
`/topics/ai.atom` on the server as in an export, a path that climbs above the root being a `400` from
both; and, where links are made from it (no `FEEDS_BASE_URL`), its `Host`, which must be a host name
a URI can hold (`httppolicy.is_host`), its scheme (`http` or `https`) and its prefix (a trusted proxy's
X-Forwarded-Prefix: a URL path), or the answer is a `400`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import httppolicy as policy

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def normal_path(path: str) -> str | None:
    """`path` (a request's decoded path, starting with `/`) with runs of `/` merged and dot segments
    resolved; a path that ends in a folder (`/`, `/.`, `/..`) keeps its final `/`. None when a `..`
    climbs above the root."""
    if "//" not in path and "/." not in path:
        return path
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if not kept:
                return None
            kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    folder = path.endswith(("/", "/.", "/..")) and kept
    return "/" + "/".join(kept) + ("/" if folder else "")


class NormalPaths:
    """WSGI: every request's `PATH_INFO` as `normal_path` gives it, before anything reads it (the fast
    path's keys included); `400` with one plain line when it climbs above the root, or when
    `host_matters` (links are made from the request) and what they would start with is no URL's
    (`_not_a_base`)."""

    def __init__(self, app: WSGIApplication, host_matters: bool = False) -> None:
        self.app = app
        self.host_matters = host_matters

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "\x00" in path:
            return _bad_request(start_response, policy.PATH_NUL_TEXT)
        if path.startswith("/"):
            normal = normal_path(path)
            if normal is None:
                return _bad_request(start_response, policy.PATH_ABOVE_ROOT_TEXT)
            environ["PATH_INFO"] = normal
        if self.host_matters:
            prefix = environ.get("SCRIPT_NAME", "")
            if prefix.endswith("/"):  # `/x/` is `/x` (PEP 3333)
                environ["SCRIPT_NAME"] = prefix.rstrip("/")
            if (why := _not_a_base(environ)) is not None:
                return _bad_request(start_response, policy.http_error_text("Bad Request", why))
        return self.app(environ, start_response)


def _not_a_base(environ: WSGIEnvironment) -> str | None:
    """Why this request's scheme, `Host` and prefix (a trusted proxy's X-Forwarded-Proto, -Host, -Port
    and -Prefix, as ProxyFix put them) cannot start the links made from it; None when they can."""
    host = environ.get("HTTP_HOST")
    if host is not None and not policy.is_host(host.lower()):
        return policy.BAD_HOST_TEXT
    if environ.get("wsgi.url_scheme") not in ("http", "https"):
        return policy.BAD_SCHEME_TEXT
    if (prefix := environ.get("SCRIPT_NAME", "")) and not policy.URL_PREFIX.fullmatch(prefix):
        return policy.BAD_PREFIX_TEXT
    return None


def _bad_request(start_response: StartResponse, message: str) -> list[bytes]:
    body = policy.plain_body(message).encode()
    start_response("400 Bad Request", policy.plain_headers(body))
    return [body]
