"""The nginx config that serves a static export as the feeds server would (text only, no I/O)."""

from __future__ import annotations

from pathlib import Path

from .httppolicy import CONTENT_SECURITY_POLICY, MEDIA_TYPES


def nginx_conf(out: Path, control: str, meta: str) -> str:
    """A `map` and a `server` block (for nginx's `http` block) serving the export folder `out` as the
    server would: its media types, the CSP, `control` as `Cache-Control` (the server's, from
    `httppolicy.cache_control`), `?page=N` from the file of page N by path (`/all/page/N.atom`,
    `/topics/ai/page/N/index.html`), an HTML page `/topics/ai` from `topics/ai/index.html` without a
    redirect, and the `meta` folder hidden."""
    type_lines = "\n".join(f"        {t} {ext};" for ext, t in MEDIA_TYPES.items())
    return f"""# Serves a `flask --app feeds export` folder as the feeds server would. Include it in nginx's
# `http` block and set `listen` (and `server_name`). Validators: nginx's own ETag and Last-Modified
# (they change whenever a file's bytes change: the export leaves unchanged files untouched).
map $arg_page $feeds_page {{  # ?page=N (N > 1) is page N by path; not a page: 400
    default bad;
    "" "";
    "~^\\+?0*1$" "";
    "~^\\+?0*(?<feeds_n>[2-9]|[1-9][0-9]{{1,11}})$" $feeds_n;
}}
map "$feeds_page:$uri" $feeds_file {{  # page N's file: /all/page/N.atom, /topics/ai/page/N/index.html
    default $uri;
    "~^(?<feeds_pn>[0-9]+):(?<feeds_path>/.+)\\.(?<feeds_fmt>atom|rss|json)$"
        $feeds_path/page/$feeds_pn.$feeds_fmt;
    "~^(?<feeds_pn>[0-9]+):(?<feeds_path>/.+?)/?$" $feeds_path/page/$feeds_pn/index.html;
}}

server {{
    listen 8080;
    root {out.resolve()};
    types {{
{type_lines}
        text/x-opml opml xml;
        text/html html;
        text/css css;
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/atom+xml application/rss+xml application/feed+json text/x-opml text/css;
    gzip off;
    gzip_static on;  # the .gz beside each file, for clients that accept gzip
    gzip_vary on;
    add_header Cache-Control "{control}";  # successes and 304s only: errors are not cached
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "{CONTENT_SECURITY_POLICY}" always;

    location ^~ /{meta}/ {{ return 404; }}
    location = / {{ try_files /index.html =404; }}
    location / {{
        if ($feeds_page = bad) {{
            add_header Cache-Control no-store always;
            return 400 "Bad query parameter page: expected a whole number from 1 to 1000000000.\n";
        }}
        try_files $feeds_file $feeds_file/index.html =404;
    }}
}}
"""
