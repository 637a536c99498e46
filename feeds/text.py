"""Text, names and URLs: the one place document strings become plain text, slugs and URIs.

- `clean_text`: document text → one line of plain text (entities are characters, markup is dropped).
- `slugify`: a topic or provider name → an ASCII slug, for every script.
- `http_url` / `url_problem`: a document URL → an absolute http(s) URI (RFC 3986), or why it is not one.
- `url_key`: the form in which two article URLs are compared ("the same article").
- `host_name`: a provider domain → its ASCII (IDNA) form, the provider's slug.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import html
import ipaddress
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import quote

import idna
from anyascii import anyascii

# XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
# Everything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) would make lxml refuse the feed.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
# Entity decoding passes in all: real data double-encodes (`&amp;#39;`); three cover it with room to spare.
_DECODE_PASSES = 3


class _TextExtractor(HTMLParser):
    """The text of an HTML fragment as a browser shows it: tags, comments and script/style bodies
    dropped, character references in the text decoded once (`convert_charrefs`)."""

    _SKIP = frozenset({"script", "style"})
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_xml_invalid(text: str) -> str:
    """Remove characters XML 1.0 cannot carry, so one bad character never breaks a feed."""
    return _NOT_XML_CHAR.sub("", text)


def decode_entities(text: str, passes: int = _DECODE_PASSES) -> str:
    """Decode HTML character references (named, decimal, hex) up to `passes` times, so that
    double-encoded ones such as `&amp;#39;` become their character (`'`)."""
    for _ in range(passes):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


def markup_text(text: str) -> str:
    """The text of an HTML fragment: real tags, comments and script/style bodies dropped, character
    references decoded once. Entity-encoded markup (`&lt;b&gt;`) is text, so it comes out as `<b>`."""
    if "<" not in text:
        return html.unescape(text) if "&" in text else text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def clean_text(value: str) -> str:
    """Document text → one line of plain text.

    Only what is markup in the source is stripped (real `<tag>`s, comments, script/style bodies);
    then entities are decoded, since what the author wrote as an entity is a character: `&lt;head&gt;`
    gives the characters `<head>`, and double-encoded entities (`&amp;#39;`, `&amp;quot;`) give their
    character too. Characters XML cannot carry are removed and whitespace is folded to single spaces.

    The result is plain text, not HTML: it may contain `<`, `>` and `&` (`&lt;script&gt;` gives the
    characters `<script>`). That is correct and safe because every renderer escapes text when it
    writes it (Atom `type="text"`, RSS and HTML escaping, JSON strings); nothing may insert it raw.
    """
    text = markup_text(strip_xml_invalid(value))
    text = decode_entities(text, _DECODE_PASSES - 1)
    text = strip_xml_invalid(text)  # decoding can produce them (`&#1;`)
    return _WHITESPACE.sub(" ", text).strip()


# --- slugs ---------------------------------------------------------------------------------------------

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")  # exactly the Unicode categories L* and N*
_HASH_SLUG_HEX = 12


def slugify(name: str) -> str:
    """A name → its slug, `[a-z0-9]+(-[a-z0-9]+)*`, or "" when the name has no letter or digit.

    The name (NFC) is transliterated to ASCII with anyascii (`Россия` → `rossiya`, `北京` → `beijing`,
    `Économie` → `economie`), lower-cased, and runs of other characters become `-`. When that leaves
    nothing although the name has a letter or digit (scripts anyascii has no table for, such as
    cuneiform or rare CJK ideographs), the slug is the first 12 hex digits of the SHA-256 of the name's
    NFC, case-folded UTF-8: stable on every machine, and the same for NFC and NFD spellings.
    """
    nfc = unicodedata.normalize("NFC", name)
    slug = _SLUG_JUNK.sub("-", anyascii(nfc).lower()).strip("-")
    if slug or not _LETTER_OR_DIGIT.search(nfc):
        return slug
    folded = unicodedata.normalize("NFC", nfc.casefold()).strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:_HASH_SLUG_HEX]


# --- URLs ----------------------------------------------------------------------------------------------

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
_MAX_HOST = 253
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
    if plain and len(plain["host"]) <= _MAX_HOST:
        return value, None
    url = value.strip()
    if not url:
        return None, "empty"
    bad = _FORBIDDEN.search(url)
    if bad:
        return None, f"contains {_describe(bad.group())} at character {value.index(url) + bad.start() + 1}"
    scheme = _SCHEME.match(url)
    if not scheme:
        return None, "not an absolute URL (no scheme)"
    if scheme[1].lower() not in ("http", "https"):
        return None, f"scheme {scheme[1]!r} is not http or https"
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
            return None, f"host {hostport!r} is not a valid IP address"
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
        if not host:
            return None, "no host"
        ascii_host = ascii_domain(host)
        if ascii_host is None:
            return None, f"host {host!r} is not a valid domain name"
        host = ascii_host
    if port[1:] and not (port[1:].isascii() and port[1:].isdigit() and int(port[1:]) <= 65535):
        return None, f"port {port[1:]!r} is not a number from 0 to 65535"
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
    if len(host) > _MAX_HOST or not all(_ASCII_LABEL.fullmatch(label) for label in labels):
        return None
    return host if all(_punycode_ok(label) for label in labels if label[:4].lower() == "xn--") else None


def _a_label(label: str) -> str:
    if label.isascii():
        return label
    try:
        return idna.alabel(label).decode("ascii")
    except idna.IDNAError:
        return label.encode("idna").decode("ascii")


def _punycode_ok(label: str) -> bool:
    try:
        decoded = codecs.decode(label[4:].encode("ascii"), "punycode")
    except UnicodeError:
        return False
    return bool(decoded) and not decoded.isascii()


# --- comparing URLs --------------------------------------------------------------------------------------

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


# --- provider domains ------------------------------------------------------------------------------------

_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def host_name(value: str) -> str | None:
    """A provider domain → its slug: the ASCII (IDNA) form, lower-cased, without a final `.` or a
    leading `www.` (`www.Bücher.de` → `xn--bcher-kva.de`); None if it is not a domain name with a dot."""
    host = ascii_domain(value.strip().rstrip("."))
    if host is None:
        return None
    host = host.lower().removeprefix("www.")
    return host if _HOST.match(host) and "." in host else None
