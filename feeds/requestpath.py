"""Request paths read as a static export's nginx reads them: runs of `/` are one (`merge_slashes`) and
`.` and `..` segments are resolved (RFC 3986 §5.2.4), so `//all.atom`, `/topics//ai.atom` and
`/topics/x/../ai.atom` are `/all.atom` and `/topics/ai.atom` on the server as in an export, and a
path that climbs above the root is a `400 Bad Request` from both."""

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
    path's keys included); `400` with one plain line when it climbs above the root."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/"):
            normal = normal_path(path)
            if normal is None:
                body = policy.plain_body(policy.PATH_ABOVE_ROOT_TEXT).encode()
                headers = [
                    ("Content-Type", policy.PLAIN_TYPE),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", policy.NO_STORE),
                ]
                start_response("400 Bad Request", headers)
                return [body]
            environ["PATH_INFO"] = normal
        return self.app(environ, start_response)
