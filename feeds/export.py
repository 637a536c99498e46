"""The whole site as files, for static hosting and CDNs: byte-identical to what the server answers.

Layout (URL → file): `/` → `index.html`; `/feeds.opml`; `/all.atom` (and every feed, in every
format) → the same path; `/topics/ai` (an HTML page) → `topics/ai.html`; page N > 1 of anything
(`?page=N`) → `_pages/N/<the same path>`. Beside each file, its gzip variant (`.gz`, the very bytes
the server sends to clients that accept gzip). `.feeds/nginx.conf` serves the folder as the server
would (content types, `?page=`, gzip, caching headers); `.feeds/manifest` lists the files the
export made, so the next export removes the ones no longer produced and nothing else.

A file whose bytes did not change is not written again (its mtime stays, so an rsync or an object
store sync after a small edit moves only what changed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .index import ALL, FeedQuery
from .service import CONTENT_TYPES, FeedService, Representation

META = ".feeds"
STATIC = Path(__file__).resolve().parent / "static"
Progress = Callable[[str], None]  # called with each file's relative path as it is done


@dataclass
class Exported:
    written: int = 0  # files whose bytes changed (or are new)
    unchanged: int = 0
    removed: int = 0

    @property
    def files(self) -> int:
        return self.written + self.unchanged


def pages(service: FeedService, base_url: str) -> Iterator[tuple[str, Representation]]:
    """Every (relative file path, representation) of the site, in a stable order."""
    index = service.index()
    limit = service.settings.limit
    yield "index.html", service.home_page(base_url)
    yield "feeds.opml", service.outline(base_url)
    keys = [ALL] + [s.key for s in index.summaries("topics")] + [s.key for s in index.summaries("providers")]
    for key in keys:
        count = index.group(key, FeedQuery(limit=limit)).pages
        for n in range(1, count + 1):
            query = FeedQuery(limit=limit, page=n)
            folder = "" if n == 1 else f"_pages/{n}/"
            for fmt in CONTENT_TYPES:
                yield f"{folder}{key.path}.{fmt}", service.feed(key, fmt, base_url, query)
            if key != ALL:
                yield f"{folder}{key.path}.html", service.feed_page(key, base_url, query)


def export(service: FeedService, out: Path, base_url: str, progress: Progress | None = None) -> Exported:
    """Write the site under `out`; only files whose bytes changed are rewritten."""
    result = Exported()
    made: list[str] = []

    def put(name: str, data: bytes) -> None:
        made.append(name)
        if _write_if_changed(out / name, data):
            result.written += 1
        else:
            result.unchanged += 1

    for rel, rep in pages(service, base_url):
        put(rel, service.body(rep))
        put(rel + ".gz", service.body(rep, gzipped=True))
        if progress is not None:
            progress(rel)
    for asset in sorted(STATIC.iterdir()):  # the pages' stylesheet, as Flask serves it at /static/
        put(f"static/{asset.name}", asset.read_bytes())
    manifest = out / META / "manifest"
    previous = manifest.read_text(encoding="utf-8").splitlines() if manifest.exists() else []
    keep = set(made)
    for name in previous:
        if name not in keep and ".." not in name.split("/"):
            try:
                (out / name).unlink()
                result.removed += 1
            except FileNotFoundError:
                pass
    _write_if_changed(manifest, "\n".join(made).encode() + b"\n")
    _write_if_changed(out / META / "nginx.conf", nginx_conf(service, out).encode())
    return result


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)  # a reader (nginx, a sync) never sees half a file
    return True


def nginx_conf(service: FeedService, out: Path, max_age: int = 300, stale: int = 60) -> str:
    """A `map` and a `server` block (for nginx's `http` block) serving the export as the server would."""
    from .fast import cache_control  # one formula for Cache-Control everywhere
    from .render.html import CONTENT_SECURITY_POLICY

    control = cache_control(max_age, stale, None, service.now())
    types = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}
    type_lines = "\n".join(f"        {t} {ext};" for ext, t in types.items())
    return f"""# Serves a `flask --app feeds export` folder as the feeds server would. Include it in nginx's
# `http` block and set `listen` (and `server_name`). Validators: nginx's own ETag and Last-Modified
# (they change whenever a file's bytes change: the export leaves unchanged files untouched).
map $arg_page $feeds_page_folder {{  # ?page=N (N > 1) is served from _pages/N/
    default "";
    "~^0*(?<n>[2-9]|[1-9][0-9]+)$" /_pages/$n;
}}

server {{
    listen 8080;
    root {out.resolve()};
    types {{
{type_lines}
        text/x-opml opml;
        text/html html;
        text/css css;
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/atom+xml application/rss+xml application/feed+json text/x-opml text/css;
    gzip off;
    gzip_static on;  # the .gz beside each file, for clients that accept gzip
    gzip_vary on;
    add_header Cache-Control "{control}" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "{CONTENT_SECURITY_POLICY}" always;

    location ^~ /{META}/ {{ return 404; }}
    location ^~ /_pages/ {{ internal; }}
    location = / {{ try_files /index.html =404; }}
    location / {{
        try_files $feeds_page_folder$uri $feeds_page_folder$uri.html =404;
    }}
}}
"""


def file_for(path: str, page: int = 1) -> str:
    """The exported file that holds a URL path (and page): for tests and tools."""
    rel = "index.html" if path == "/" else path.lstrip("/")
    if not rel.endswith((".html", ".opml", *(f".{fmt}" for fmt in CONTENT_TYPES))):
        rel += ".html"
    return rel if page == 1 else f"_pages/{page}/{rel}"
