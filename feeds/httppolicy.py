"""HTTP policy, without I/O: media types, caching headers, the CSP, validators and the texts of 4xx answers.

Defined once and used by the Flask views (`web`), the fast path (`fast`) and the static export's
nginx config (`export`), so the three can never disagree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

from .urls import a_label_ok

Format = Literal["atom", "rss", "json"]

# Media types: RFC 4287 §7 (Atom), the RSS Advisory Board's registration, JSON Feed 1.1, OPML 2.0.
MEDIA_TYPES: dict[Format, str] = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
CONTENT_TYPES: dict[Format, str] = {fmt: f"{media}; charset=utf-8" for fmt, media in MEDIA_TYPES.items()}
OPML_TYPE = "text/x-opml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
PLAIN_TYPE = "text/plain; charset=utf-8"
STYLESHEET_TYPE = "text/css; charset=utf-8"  # the pages' stylesheet (`/static/`)
UNKNOWN_TYPE = "application/octet-stream"  # RFC 2046 §4.5.1: what a static host says of other files


def media_type(content_type: str) -> str:
    """The media type of a `Content-Type` value, without its parameters (`text/html; charset=utf-8` →
    `text/html`)."""
    return content_type.partition(";")[0].strip()


VARY = "Accept-Encoding"  # RFC 9110 §12.5.5: gzip or not is the one thing a response varies by
# A feed URL answers a browser's navigation with an HTML page (`is_navigation`), so its responses
# also vary by the header that decides it.
FEED_VARY: tuple[str, ...] = (VARY, "Sec-Fetch-Dest")
NO_STORE = "no-store"  # for errors and /healthz: never cached
# The pages run no script at all; styles come from our own stylesheet, images from article sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src https: http:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HTML_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
)
MAX_LIMIT = 500  # entries a client may ask for with ?limit=
PARAM_MAX = 1_000_000_000  # pages past it: 404, as past any feed's last page
# `?page=N` as the server and a static export's nginx (`exportnginx`) both read it: the raw value of the
# first argument named `page` (`page_argument`), `+` and leading zeros allowed; N is group 1
PAGE_SPELLING = r"\+?0*([1-9][0-9]*)"


@dataclass(frozen=True, slots=True)
class Caching:
    """How long caches may keep a cacheable response, in seconds: `Cache-Control` `max-age`
    (RFC 9111 §5.2.2.1) and `stale-while-revalidate` (RFC 5861 §3)."""

    max_age: int
    stale_while_revalidate: int


def cache_control(caching: Caching, due: dt.datetime | None, now: dt.datetime) -> str:
    """`Cache-Control` for a cacheable response: max-age ends when a scheduled article enters what it
    shows (`due`, `Representation.due`; None: none will), so no cache keeps serving a feed without it
    for longer than it should."""
    max_age, stale = caching.max_age, caching.stale_while_revalidate
    if due is not None:
        max_age = max(0, min(max_age, math.floor((due - now).total_seconds())))
    return f"public, max-age={max_age}, stale-while-revalidate={min(stale, max_age)}"


def websub_links(hubs: tuple[str, ...], topic: str) -> str:
    """The `Link` header (RFC 8288) a WebSub topic is served with (W3C WebSub §4): its hubs and its own
    URL, which hubs fetch and pass on to subscribers."""
    return ", ".join([*(f'<{hub}>; rel="hub"' for hub in hubs), f'<{topic}>; rel="self"'])


def is_navigation(sec_fetch_dest: str | None) -> bool:
    """Whether a request for a feed URL is a browser's top-level navigation, which gets the feed's
    HTML page instead of the feed: `Sec-Fetch-Dest: document` (W3C Fetch Metadata Request Headers
    §2.1; browsers send it when a person opens a URL, and only then). Feed readers, scripts,
    `fetch()`, proxies and crawlers do not send it (None), so they keep getting the feed. `Accept`
    decides nothing: readers send `text/html` in it too, and `*/*` is everywhere."""
    return sec_fetch_dest is not None and sec_fetch_dest.strip() == "document"


def variant_etag(etag: str, gzipped: bool) -> str:
    """The ETag (unquoted) of a representation's gzip variant: its own, so caches never confuse the two."""
    return f"{etag}-gzip" if gzipped else etag


def not_modified(
    method: str, none_match: bool | None, last_modified: dt.datetime, since: dt.datetime | None
) -> bool:
    """RFC 9110 §13.2.2: whether a GET or HEAD gets `304`. `none_match` is whether `If-None-Match`
    matched (weak comparison), None when it was not sent; only then does `If-Modified-Since` (`since`,
    None when absent or unreadable) decide, at one-second resolution (§5.6.7)."""
    if method not in ("GET", "HEAD"):
        return False
    if none_match is not None:
        return none_match
    return since is not None and last_modified.replace(microsecond=0) <= since


def precondition_failed(
    match: bool | None, last_modified: dt.datetime, unmodified_since: dt.datetime | None
) -> bool:
    """RFC 9110 §13.2.2 steps 1 and 2: whether the answer is `412 Precondition Failed`. `match` is
    whether `If-Match` matched (strong comparison; `*` matches), None when it was not sent; only then
    does `If-Unmodified-Since` (None when absent or unreadable) decide, at one-second resolution."""
    if match is not None:
        return not match
    return unmodified_since is not None and last_modified.replace(microsecond=0) > unmodified_since


PRECONDITION_TEXT = "Precondition Failed: If-Match or If-Unmodified-Since does not hold."


def one_etag_matches(header: str | None, etag: str) -> bool | None:
    """For the fast path: True when `If-None-Match` is this one ETag (strong or weak form, quoted);
    False when it is one other ETag; None when absent or any other form (lists, `*`, malformed),
    which the full parser judges."""
    if header is None:
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) < 2 or value[0] != '"' or value[-1] != '"' or '"' in value[1:-1]:
        return None
    return value == etag


# --- texts of 4xx answers (plain text, one line) ---------------------------------------------------
# Every 404 says `Not Found: <reason>.` (the reason phrase of RFC 9110 §15.5.5), whatever found nothing.

NO_SUCH_URL = "nothing is served at this URL"
BAD_HOST_TEXT = "the Host header is not a host name (set FEEDS_BASE_URL to answer every Host alike)."
BAD_SCHEME_TEXT = "the X-Forwarded-Proto header is not http or https (set FEEDS_BASE_URL to answer alike)."
BAD_PREFIX_TEXT = "the X-Forwarded-Prefix header is not a URL path (set FEEDS_BASE_URL to answer alike)."
# A prefix links may start with (RFC 3986 §3.3): `/` and segments of pchar, none empty; or nothing
URL_PREFIX = re.compile(r"(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+)*")
# A URI's host (RFC 3986 §3.2.2) as this server writes it into links: DNS labels in ASCII (IDNA's
# `xn--` form as sent, never decoded), an IPv4 address or an IPv6 literal; then an optional port
_HOST = re.compile(
    r"(?P<name>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?"
    r"|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?"
)
PATH_ABOVE_ROOT_TEXT = "Bad Request: the path climbs above the root with '..'."
PATH_NUL_TEXT = "Bad Request: the path holds a NUL character (%00)."  # nginx refuses it too
# 503 from a worker that holds nothing of an unreadable content folder (`feeds.standby.Unavailable`)
UNAVAILABLE_TEXT = "The content folder cannot be read and this worker has no copy of it; try again later."
RETRY_AFTER = 60  # seconds (RFC 9110 §10.2.3)


def plain_headers(body: bytes, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    """The headers of a plain-text answer made below Flask (a WSGI layer): its type, length, never
    cached, and `extra`."""
    return [
        ("Content-Type", PLAIN_TYPE),
        ("Content-Length", str(len(body))),
        ("Cache-Control", NO_STORE),
        *extra,
    ]


def plain_body(message: str) -> str:
    """The body of a plain-text answer: its one line, and a newline."""
    return message + "\n"


def unknown_format_text(fmt: str) -> str:
    return f"Unknown feed format {fmt[:20]!r}: use .atom, .rss or .json"


def not_found_text(reason: str) -> str:
    return f"Not Found: {reason[:200]}."


def http_error_text(name: str, description: str | None) -> str:
    """Any other 4xx from the framework (a method not allowed): its reason phrase and description."""
    return f"{name}: {description}" if description else name


def bad_parameter_text(name: str, reason: str) -> str:
    return f"Bad query parameter {name}: {reason}."


def page_path_text(text: str) -> str:
    return f"no page {text[:20]!r}: pages by path are numbered 2, 3, … without leading zeros"


def page_range_text(low: int, high: int) -> str:
    return f"expected a whole number from {low} to {high}"


PAGE_TEXT = "expected a page number: a whole number from 1, written in digits"


def page_past_text(digits: str) -> str:
    return f"no page {digits[:20]}{'…' if len(digits) > 20 else ''}: past the last page"


def is_host(host: str) -> bool:
    """Whether `host` (lower case, with an optional port) can be written as the host of the links this
    server makes: a host name of ASCII DNS labels (each `xn--` one an A-label: `urls.a_label_ok`), an
    IPv4 address or an IPv6 literal, at most 253 characters, its port from 1 to 65535."""
    found = _HOST.fullmatch(host) if len(host) <= 259 else None
    if found is None:
        return False
    port, name = found["port"], found["name"]
    if "xn--" in name and not all(a_label_ok(label) for label in name.split(".") if label.startswith("xn--")):
        return False  # an `xn--` label that is not an A-label: no host name
    return len(name) <= 253 and (port is None or 0 < int(port) < 65536)


def page_argument(query_string: bytes) -> str | None:
    """The value of the first argument named `page` of a raw query string, as nginx's `$arg_page`
    reads it: the name in any ASCII case, at the start or after `&`, then `=`; the value up to the next
    `&`, not percent-decoded (`+` is a plus sign). None when no argument is named `page`. Reading it
    as nginx does is what makes `?page=` answer alike from the server and from a static export."""
    for argument in query_string.split(b"&"):
        name, equals, value = argument.partition(b"=")
        if equals and name.lower() == b"page":
            return value.decode("latin-1")
    return None


INTERNAL_ERROR_TEXT = "Internal error: the failure was logged."
DEFAULT_ALLOW = ("GET", "HEAD")
ALLOW = "OPTIONS, HEAD, GET"  # what every URL takes (RFC 9110 §10.2.1), on the server and its export
# Any other method: Werkzeug's words, which the server answers (`web.http_error`) and the export's nginx too
METHOD_TEXT = "Method Not Allowed: The method is not allowed for the requested URL."


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an `Accept-Encoding` value asks for gzip, decided as nginx decides it for `gzip_static`
    (`ngx_http_gzip_accept_encoding`), so that the server and its static export send every client the
    same encoding: the first `gzip` (any case) that starts the value or follows `,`, a space or a
    `gzip` passed over (`*gzipgzip`: nginx searches on from there), then what follows it up to the
    next `,`: nothing, spaces, `;` alone, or `;q=` with a quality nginx reads as more than zero.
    `x-gzip` and `*` are not read as asking for it (RFC 9110 §12.5.3 lets a server send identity)."""
    text = (accept_encoding or "").lower()
    start = 0  # where the search starts: the value's start, then just after a `gzip` passed over
    while (at := text.find("gzip", start)) > start and text[at - 1] not in ", ":
        start = at + 4
    if at < 0:
        return False
    rest = text[at + 4 :]
    after = rest.lstrip(" ")
    if not after or after[0] == ",":
        return True
    if after[0] != ";":
        return False
    parameter = after[1:].lstrip(" ")
    if not parameter:
        return True
    return parameter[0] == "q" and len(parameter) >= 3 and parameter[1] == "=" and _quality(parameter[2:]) > 0


def _quality(text: str) -> int:
    """A quality as nginx reads it (`ngx_http_gzip_quantity`): thousandths-ish, 0 when malformed."""
    if text[0] not in "01":
        return 0
    quality = 100 * int(text[0])
    if len(text) == 1 or text[1] in ", ":
        return quality
    if text[1] != ".":
        return 0
    digits = 0
    for char in text[2:]:
        if char in ", ":
            break
        if not "0" <= char <= "9":
            return 0
        quality += int(char)
        digits += 1
    return 0 if quality > 100 or digits > 3 else quality
