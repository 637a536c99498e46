"""The nginx config that serves a static export as the feeds server would (text only, no I/O)."""

from __future__ import annotations

from pathlib import Path

from .httppolicy import (
    ALLOW,
    CONTENT_SECURITY_POLICY,
    HTML_TYPE,
    MEDIA_TYPES,
    METHOD_TEXT,
    NO_STORE,
    NO_SUCH_URL,
    OPML_TYPE,
    PAGE_TEXT,
    PLAIN_TYPE,
    STYLESHEET_TYPE,
    UNKNOWN_TYPE,
    bad_parameter_text,
    media_type,
    not_found_text,
    plain_body,
)


def bad_page_body() -> str:
    """The body of the 400 for `?page=` that is no page number: the server's, as `web` writes it."""
    return plain_body(bad_parameter_text("page", PAGE_TEXT))


def not_found_body() -> str:
    """The body of a 404 from the export's nginx: the server's wording, for any URL it has no file for."""
    return plain_body(not_found_text(NO_SUCH_URL))


def nginx_string(text: str) -> str:
    """`text` as a double-quoted nginx string. A `$` is written `${feeds_dollar}` (nginx has no escape
    for it: it would read a variable), which `DOLLAR` defines (`nginx_conf` keeps it where one is used)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + escaped.replace("$", "${feeds_dollar}") + '"'


HEADER = """# Serves a `flask --app feeds export` folder as the feeds server would. Include it in nginx's
# `http` block and set `listen` (and `server_name`). Validators: nginx's own ETag and Last-Modified
# (they change whenever a file's bytes change: the export leaves unchanged files untouched).
"""
DOLLAR = 'geo $feeds_dollar { default "$"; }  # a `$` in a string below (`nginx_string`)\n'


def nginx_conf(out: Path, control: str, meta: str) -> str:
    """A `map` and a `server` block (for nginx's `http` block) serving the export folder `out` as the
    server would: its media types, the CSP, `control` as `Cache-Control` (the server's, from
    `httppolicy.cache_control`), `?page=N` from the file of page N by path (`/all/page/N.atom`,
    `/topics/ai/page/N/index.html`), an HTML page `/topics/ai` from `topics/ai/index.html` without a
    redirect, and the `meta` folder hidden."""
    types: list[tuple[str, str]] = [(media, ext) for ext, media in MEDIA_TYPES.items()]
    types += [(media_type(OPML_TYPE), "opml xml"), (media_type(HTML_TYPE), "html")]
    types += [(media_type(STYLESHEET_TYPE), "css")]
    type_lines = "\n".join(f"        {media} {extensions};" for media, extensions in types)
    charset_types = " ".join(media for media, extensions in types if media != media_type(HTML_TYPE))
    root = nginx_string(str(out.resolve()))
    conf = f"""map $arg_page $feeds_page_asked {{  # ?page=N (N > 1): page N by path; else 400
    default bad;
    "" "";
    "~^\\+?0*1$" "";
    "~^\\+?0*(?<feeds_n>[2-9]|[1-9][0-9]+)$" $feeds_n;
}}
map "$request_method:$uri" $feeds_paged {{  # the URLs that read ?page= (a feed, a topic's or provider's
    default 0;                                 # page), asked for by a method the server answers there
    "~^(GET|HEAD|OPTIONS):/all\\.(atom|rss|json)$" 1;
    "~^(GET|HEAD|OPTIONS):/(topics|providers)/[^/]+/?$" 1;
}}
map $request_method $feeds_method_cache {{  # the server's OPTIONS answer has no Cache-Control; its 405 does
    OPTIONS "";
    default "{NO_STORE}";
}}
map "$feeds_paged:$feeds_page_asked" $feeds_page {{
    default "";
    "~^1:(?<feeds_asked>.+)$" $feeds_asked;
}}
map "$feeds_page:$uri" $feeds_file {{  # page N's file: /all/page/N.atom, /topics/ai/page/N/index.html
    default $uri;
    "~^(?<feeds_pn>[0-9]+):(?<feeds_path>/.+)\\.(?<feeds_fmt>atom|rss|json)$"
        $feeds_path/page/$feeds_pn.$feeds_fmt;
    "~^(?<feeds_pn>[0-9]+):(?<feeds_path>/.+?)/?$" $feeds_path/page/$feeds_pn/index.html;
}}

server {{
    listen 8080;
    root {root};
    types {{
{type_lines}
    }}
    default_type {UNKNOWN_TYPE};
    charset utf-8;
    charset_types {charset_types};
    gzip off;
    gzip_static on;  # the .gz beside each file, for clients that accept gzip
    gzip_vary on;
    gzip_http_version 1.0;  # as the server: gzip whatever the HTTP version,
    gzip_proxied any;  # and through a proxy (a request with Via) too
    if_modified_since before;  # as the server (RFC 9110 §13.1.3): not modified since a later date too
    add_header Cache-Control "{control}";  # successes and 304s only: errors are not cached
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "{CONTENT_SECURITY_POLICY}" always;
    error_page 404 @feeds_not_found;  # errors as the server words them: one plain line
    error_page 418 = @feeds_bad_page;
    error_page 405 = @feeds_method;  # a file asked for by another method than GET or HEAD

    location ^~ /{meta}/ {{ return 404; }}
    location ~ \\.gz$ {{ return 404; }}  # served only for Accept-Encoding: gzip, under the file's name
    location ~ (?:^|/)index\\.html$ {{ return 404; }}  # no URL of the server's: the folder's is
    location ^~ /static/ {{  # the pages' stylesheet, headed as the server heads it (Flask's static files)
        add_header Cache-Control "no-cache";  # revalidated each time: a new release's is seen at once
        try_files $uri =404;
    }}
    location = / {{ try_files /index.html =404; }}
    location / {{
        if ($feeds_page = bad) {{
            return 418;
        }}
        try_files $feeds_file $feeds_file/index.html =404;
    }}
    location @feeds_not_found {{
        types {{ }}
        default_type "{PLAIN_TYPE}";
        add_header Cache-Control {NO_STORE} always;
        return 404 {nginx_string(not_found_body())};
    }}
    location @feeds_method {{  # OPTIONS: 200 with Allow; any other method: the server's 405, with Allow
        types {{ }}
        default_type "{PLAIN_TYPE}";
        add_header Allow "{ALLOW}" always;
        add_header Cache-Control $feeds_method_cache always;
        if ($request_method = OPTIONS) {{
            return 200;
        }}
        return 405 {nginx_string(plain_body(METHOD_TEXT))};
    }}
    location @feeds_bad_page {{
        types {{ }}
        default_type "{PLAIN_TYPE}";
        add_header Cache-Control {NO_STORE} always;
        return 400 {nginx_string(bad_page_body())};
    }}
}}
"""
    return HEADER + (DOLLAR if "${feeds_dollar}" in conf else "") + conf  # defined where it is used
