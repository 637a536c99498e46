"""The form in which two article URLs are compared: one article, however its URL is spelt
(contract: "Comparing URLs")."""

from __future__ import annotations

import functools
import re
import urllib.parse

from .urls import MAX_HOST, http_url

_KEY_PARTS = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?:[^@/?#]*@)?(?P<host>\[[^\]]*\]|[^:/?#]*)(?::(?P<port>[0-9]*))?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"
)
_PERCENT = re.compile("%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Every `%XX` spelling → its RFC 3986 §6.2.2 normal form: the unreserved character, or upper-case hex.
_NORMAL_ESCAPE = {
    f"%{hi}{lo}": chr(code) if chr(code) in _UNRESERVED else f"%{code:02X}"
    for code in range(256)
    for hi in {f"{code:02x}"[0], f"{code:02X}"[0]}
    for lo in {f"{code:02x}"[1], f"{code:02X}"[1]}
}
_DEFAULT_PORT = {"http": 80, "https": 443}
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "_ga"}
)


@functools.lru_cache(maxsize=1 << 16)  # one URL is compared many times: per feed shown, per edit
def url_key(url: str) -> str:
    """The form in which two article URLs are compared: equal keys mean the same article.

    Used wherever the contract compares URLs (a related link against a hidden document's URL;
    documents that share a URL). The key is a comparison form, not a URL to show or follow. Rules:

    - The URL is first read as `http_url` reads it, so an IRI and its URI spelling give one key.
    - RFC 3986 §6.2.2: scheme and host compared without case; percent-encoding compared with upper-case
      hex, and escapes of unreserved characters (`%7E`, `%41`) as the character; `.` and `..` path
      segments removed.
    - RFC 3986 §6.2.3: the scheme's default port (80 for http, 443 for https) and an empty port are
      dropped; an empty path is `/`.
    - The fragment is dropped; a trailing `/` on the path is ignored (`/a/` = `/a`).
    - Beyond RFC 3986, so that a hidden article cannot come back through another spelling:
      `http` and `https` are the same article; a leading `www.` and a final `.` on the host are
      ignored; user information (`user@`) is ignored; query parameters named `utm_*`, `fbclid`,
      `gclid`, `dclid`, `msclkid`, `mc_cid`, `mc_eid`, `igshid`, `ref_src` or `_ga` (in any case) are
      dropped, as are empty ones (`a=1&&b=2`); `+` in the query is a space (`%20`); the order of the
      remaining parameters is ignored.
    - Path and query are otherwise compared exactly: `/A` ≠ `/a`, `?id=1` ≠ `?id=2`.

    Shape: `//host[:port]/path[?query]`. A value `http_url` rejects is its own key (trimmed).
    """
    plain = _PLAIN_KEY.fullmatch(url)
    if plain is not None and "/." not in url and len(host := plain["host"]) <= MAX_HOST:
        return f"//{host.removeprefix('www.')}{plain['path'].rstrip('/') or '/'}"
    return _general_key(url)


# The common shape, whose key is its host without `www.` and its path without a trailing `/`: an
# http(s) URL with a lower-case domain name (what `urls.http_url` returns unchanged), no user, port,
# query, fragment or escape, and no `.` segment (the caller checks for `/.`). Anything else takes
# `_general_key`; a differential test holds the two equal.
_LOWER_LABEL = r"(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_KEY = re.compile(
    rf"https?://(?P<host>{_LOWER_LABEL}(?:\.{_LOWER_LABEL})*+)(?P<path>(?:/[A-Za-z0-9._~-]*+)*+)"
)


def _general_key(url: str) -> str:
    """`url_key` of any value."""
    uri = http_url(url)
    parts = _KEY_PARTS.match(uri) if uri is not None else None
    if parts is None:
        return url.strip()
    host = parts["host"].lower().rstrip(".").removeprefix("www.")
    port = parts["port"]
    port_part = "" if not port or int(port) == _DEFAULT_PORT[parts["scheme"].lower()] else f":{int(port)}"
    path = _normal_percent(parts["path"])
    if "/." in path:
        path = _without_dot_segments(path)
    query = _key_query(parts["query"]) if parts["query"] else ""
    return f"//{host}{port_part}{path.rstrip('/') or '/'}{'?' + query if query else ''}"


def _normal_percent(text: str) -> str:
    """Percent-escapes with upper-case hex, escapes of unreserved characters decoded (RFC 3986 §6.2.2)."""
    return _PERCENT.sub(lambda m: _NORMAL_ESCAPE[m.group()], text) if "%" in text else text


def _without_dot_segments(path: str) -> str:
    """The path with `.` and `..` segments resolved (RFC 3986 §5.2.4; a trailing `/` may be lost)."""
    segments: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if segments:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    return "/" + "/".join(segments)


def _key_query(query: str) -> str:
    params = sorted(
        p
        for p in _normal_percent(query.replace("+", "%20")).split("&")
        if p and not _is_tracking(p.partition("=")[0].lower())
    )
    return "&".join(params)


def _is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


_LOOSE_HOST_LABELS = frozenset({"amp", "m", "mobile", "www"})
_LOOSE_LAST = re.compile(
    r"(?:index|default)(?:\.[a-z0-9]+)?|(?P<stem>.*?)\.(?:html?|shtml|xhtml|php|aspx?|jsp|amp)"
)
_LOOSE_TRAILING = frozenset({"amp", "index", "default", "print"})
_WRAPPERS = (  # (host pattern, path pattern): the inner URL is `https://` + the path's `inner`
    (re.compile(r"[^/]*\.cdn\.ampproject\.org"), re.compile(r"/[a-z]/(?:s/)?(?P<inner>.+)")),
    (re.compile(r"web\.archive\.org"), re.compile(r"/web/[^/]*/(?:https?:/+)?(?P<inner>.+)", re.I)),
)


def loose_key(key: str) -> str:
    """A looser form of a `url_key`, for keeping hidden articles out (never for deciding that two
    visible articles are one): when in doubt, a hidden headline is not served.

    A Google AMP cache address (`https://<any>.cdn.ampproject.org/c/s/<host>/<path>`, also `/v/`,
    `/i/`, without `s/`) and a Wayback Machine address (`https://web.archive.org/web/<timestamp>/
    <url>`) are first unwrapped to the URL inside them. Then, from the key: the query is dropped;
    the host loses its `amp`, `m` and `mobile` labels (`amp.news.example`, `m.news.example`,
    `www.`); the path is percent-decoded (`%2F` is `/`) and case-folded, `.` and `..` segments are
    resolved again after decoding (`/a/..%2Fb` is `/b`; empty segments first dropped, as nginx merges
    slashes: `/a//../b` is `/b`), and the path loses white space around
    segments (`/a%20`), empty segments, `;parameters` and `amp` segments (`/amp/a`, `/a/amp`); a last
    segment `index`, `default` (with any extension) or `print` is dropped, and `.html`, `.htm`,
    `.shtml`, `.xhtml`, `.php`, `.asp`, `.aspx`, `.jsp` or `.amp` is removed from the last one, again
    while any is left (`/a.htm/index.html`, `/a.amp.html`, `/a/print` and `/a/amp.html` are `/a`), the
    whole segment when nothing else is left of it (`/a%2F.html`, `/a/.html` are `/a`).

    Shape: `//host[:port]/seg/seg` (`//host/` for the root). A key that is not of `url_key`'s shape
    (an unreadable URL) is returned case-folded.
    """
    if not key.startswith("//"):
        return key.casefold()
    authority, _, path = key[2:].partition("/")
    wrapped = authority.endswith(".cdn.ampproject.org") or authority == "web.archive.org"
    if wrapped and (inner := _unwrapped(authority, "/" + path)) is not None:
        return loose_key(url_key(inner))
    labels = authority.split(".")
    if not _LOOSE_HOST_LABELS.isdisjoint(labels):
        authority = ".".join(label for label in labels if label not in _LOOSE_HOST_LABELS)
    path = path.partition("?")[0]
    path = (urllib.parse.unquote(path) if "%" in path else path).casefold()
    written = path.split("/") if ";" not in path else [s.partition(";")[0] for s in path.split("/")]
    segments: list[str] = []
    for segment in written if path.isprintable() and " " not in path else [s.strip() for s in written]:
        if segment == "..":  # what it cancels is the last segment that is not empty (as nginx
            del segments[-1:]  # reads `/a//../b`: runs of `/` merged first)
        elif segment not in (".", ""):
            segments.append(segment)
    segments = [segment for segment in segments if segment and segment != "amp"]
    while segments:
        last = segments[-1]
        if last in _LOOSE_TRAILING:
            segments.pop()
            continue
        match = _LOOSE_LAST.fullmatch(last) if "." in last else None
        if match is None:
            break
        stem = (match["stem"] or "").strip()
        segments[-1:] = [stem] if stem else []
    return f"//{authority}/{'/'.join(segments)}"


def _unwrapped(authority: str, path: str) -> str | None:
    """The URL an AMP cache or Wayback Machine address wraps (`https://` + its inner part), or None."""
    for host, inner in _WRAPPERS:
        if host.fullmatch(authority) and (match := inner.fullmatch(path)) is not None:
            return "https://" + match["inner"]
    return None
