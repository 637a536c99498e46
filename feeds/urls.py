"""Document URLs → absolute http(s) URIs (RFC 3986, RFC 3987 §3.1), or the reason they cannot be one;
provider domains → their ASCII (IDNA) form."""

from __future__ import annotations

import codecs
import functools
import ipaddress
import re
from urllib.parse import quote

import idna

from .controls import CONTROL
from .errors import quoted

_HEX2 = "%[0-9A-Fa-f]{2}"
# A host label we take as it is: letters, digits, `-` inside, `_` (real hosts have it; RFC 3986
# reg-name allows it). `xn--` labels are left to the slow path, which checks their punycode.
_LABEL = r"(?![Xx][Nn]--)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
# An absolute http(s) URI (RFC 3986 §3) with a domain-name host and a port of at most four digits:
# the common case, recognised by this one regex and returned as it is.
_PLAIN_URI = re.compile(
    "[Hh][Tt][Tt][Pp][Ss]?://"
    rf"(?:(?:[A-Za-z0-9._~!$&'()*+,;=:-]++|{_HEX2})*+@)?"
    rf"(?P<host>{_LABEL}(?:\.{_LABEL})*+\.?)"
    "(?::[0-9]{0,4})?"
    rf"(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]++|{_HEX2})*+)?"
    rf"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]++|{_HEX2})*+)?"
    rf"(?:#(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]++|{_HEX2})*+)?"
)
_ASCII_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
MAX_HOST = 253  # the longest domain name (RFC 1035 §2.3.4, without the final dot)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_AUTHORITY_END = re.compile(r"[/?#]")
# Runs of characters a URI cannot hold in path, query or fragment (and `%` not starting an escape).
_NOT_IN_PATH = re.compile(r"[^A-Za-z0-9._~!$&'()*+,;=:@/?%-]+|%(?![0-9A-Fa-f]{2})")
_LONE_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")
_PATH_SAFE = "!$&'()*+,;=:@/?%"  # with letters, digits and `-._~`, which `quote` never encodes
_USERINFO_SAFE = "!$&'()*+,;=:%"
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def http_url(value: object) -> str | None:
    """The value as an absolute http(s) URI (RFC 3986), or None when it cannot be one.

    Reads every document URL (webUrl, originalUrl, image and related URLs). A value that is already
    such a URI is returned unchanged, byte for byte. An IRI is mapped to a URI as RFC 3987 §3.1 says:
    non-ASCII characters of the path, query, fragment and user information percent-encoded as UTF-8,
    an internationalised host converted to IDNA (`bücher.de` → `xn--bcher-kva.de`); characters no URI
    can hold (space, `"<>\\^`{|}`, a second `#`, `[` `]` outside the host, `%` not starting an escape)
    are percent-encoded too, and existing `%XX` escapes are kept as written. Leading and trailing
    whitespace is trimmed. `url_problem` says why a value gives None.
    """
    return _uri_or_problem(value)[0]


def url_problem(value: object) -> str | None:
    """Why `http_url(value)` is None, in plain words ("scheme 'ftp' is not http or https"); None when
    the value is usable. Characters are counted from 1 in the value as given."""
    return _uri_or_problem(value)[1]


def _uri_or_problem(value: object) -> tuple[str, None] | tuple[None, str]:
    if not isinstance(value, str):
        return None, "not text"
    plain = _PLAIN_URI.fullmatch(value)
    if plain and len(plain["host"]) <= MAX_HOST:
        return value, None
    url = value.strip()
    if not url:
        return None, "empty"
    start = value.index(url)
    found = _FORBIDDEN.search(url)
    bad = (found.group(), start + found.start()) if found else None
    edge = CONTROL.search(value, 0, start) or CONTROL.search(value, start + len(url))  # `.../a\x0b` too
    bad = bad or ((edge.group(), edge.start()) if edge else None)
    if bad:
        return None, f"contains {_describe(bad[0])} at character {bad[1] + 1}"
    scheme = _SCHEME.match(url)
    if not scheme:
        return None, "not an absolute URL (no scheme)"
    if scheme[1].lower() not in ("http", "https"):
        return None, f"scheme {quoted(scheme[1])} is not http or https"
    rest = url[scheme.end() :]
    if not rest.startswith("//"):
        return None, "no host"
    end = _AUTHORITY_END.search(rest, 2)
    cut = end.start() if end else len(rest)
    authority, problem = _authority(rest[2:cut])
    if authority is None:
        return None, problem or "no host"
    return f"{scheme[1]}://{authority}{_encode_tail(rest[cut:])}", None


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in _LINE_BREAKS:
        return f"a line break ({code})"
    if "\ud800" <= char <= "\udfff":
        return f"a lone surrogate ({code})"
    if char in "\ufffe\uffff":
        return f"a noncharacter ({code})"
    return f"a control character ({code})"


def _authority(authority: str) -> tuple[str, None] | tuple[None, str]:
    """`userinfo@host:port` as it goes in a URI, or None and the reason it cannot."""
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        close = hostport.find("]") + 1 or len(hostport)
        host, port = hostport[:close], hostport[close:]
        if not _ip_literal(host) or port[:1] not in ("", ":"):
            return None, f"host {quoted(hostport)} is not a valid IP address"
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
        if not host:
            return None, "no host"
        ascii_host = ascii_domain(host)
        if ascii_host is None:
            return None, f"host {quoted(host)} is not a valid domain name"
        host = ascii_host
    if port[1:] and not (port[1:].isascii() and port[1:].isdigit() and int(port[1:]) <= 65535):
        return None, f"port {quoted(port[1:])} is not a number from 0 to 65535"
    return (_quote(userinfo, _USERINFO_SAFE) + at if at else "") + host + port, None


def _ip_literal(host: str) -> bool:
    """`[IPv6 address]`; zone identifiers and IPvFuture are not taken."""
    if not host.endswith("]"):
        return False
    try:
        ipaddress.IPv6Address(host[1:-1])
    except ValueError:
        return False
    return "%" not in host


def _encode_tail(tail: str) -> str:
    """Path, query and fragment with what a URI cannot hold percent-encoded (UTF-8)."""
    if not _NOT_IN_PATH.search(tail.replace("#", "", 1)):
        return tail
    before, hash_, fragment = tail.partition("#")
    return _quote(before, _PATH_SAFE) + hash_ + _quote(fragment, _PATH_SAFE)


def _quote(part: str, safe: str) -> str:
    """`part` with every character outside `safe` and the unreserved set percent-encoded as UTF-8;
    valid `%XX` escapes kept, a `%` that starts none encoded as `%25`."""
    if "%" in part:
        part = _LONE_PERCENT.sub("%25", part)
    return quote(part, safe=safe)


@functools.lru_cache(maxsize=4096)  # a corpus has few hosts, and IDNA costs ~50 µs a host
def ascii_domain(host: str) -> str | None:
    """A host name in the ASCII form a URI holds, or None if it is not a valid domain name.

    ASCII hosts are kept as written when every label is 1–63 letters, digits, `-` (not first or last)
    or `_`, the whole is at most 253 characters (a final `.` allowed), and every `xn--` label is valid
    punycode of a non-ASCII label. Other hosts are mapped by UTS #46 and converted label by label to
    IDNA 2008 A-labels (`bücher.de` → `xn--bcher-kva.de`), with IDNA 2003 as the fallback for labels
    IDNA 2008 disallows but browsers still resolve (`☃.net` → `xn--n3h.net`).
    """
    if not host.isascii():
        try:
            mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
            host = ".".join(_a_label(label) for label in mapped.split("."))
        except UnicodeError:
            return None
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if len(host) > MAX_HOST or not all(_ASCII_LABEL.fullmatch(label) for label in labels):
        return None
    return host if all(a_label_ok(label) for label in labels if label[:4].lower() == "xn--") else None


def _a_label(label: str) -> str:
    if label.isascii():
        return label
    try:
        return idna.alabel(label).decode("ascii")
    except idna.IDNAError:
        return label.encode("idna").decode("ascii")


def a_label_ok(label: str) -> bool:
    """Whether an `xn--` label is an A-label: under IDNA 2008 (RFC 5891: `xn--zca` is `ß`), or the
    punycode of a non-ASCII label that IDNA 2003's ToASCII (RFC 3490, which browsers still resolve:
    `xn--n3h` is `☃`) gives back as this very label, any case. `xn--zz` is incomplete punycode;
    `xn--a` decodes to a control character, which neither allows."""
    try:
        idna.ulabel(label.lower())
        return True
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        decoded = codecs.decode(label[4:].encode("ascii"), "punycode")
        again = decoded.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(decoded) and not decoded.isascii() and again.lower() == label.lower()


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def host_name(value: str) -> str | None:
    """A provider domain → its slug: the ASCII (IDNA) form, lower-cased, without a final `.` or a
    leading `www.` (`www.Bücher.de` → `xn--bcher-kva.de`); None if it is not a domain name with a dot."""
    host = ascii_domain(value.strip().rstrip("."))
    if host is None:
        return None
    host = host.lower().removeprefix("www.")
    return host if _HOST.match(host) and "." in host else None
