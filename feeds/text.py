"""Text and URL cleaning: the one place document strings become safe plain text."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

# XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
# Everything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) would make lxml refuse the feed.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
# Entity decoding passes: real data double-encodes (`&amp;#39;`); three passes cover it with room to spare.
_DECODE_PASSES = 3


class _TextExtractor(HTMLParser):
    """Keeps the text of an HTML fragment; drops tags, comments and script/style bodies."""

    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in {"br", "p", "div", "li"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


def strip_xml_invalid(text: str) -> str:
    """Remove characters XML 1.0 cannot carry, so one bad character never breaks a feed."""
    return _NOT_XML_CHAR.sub("", text)


def decode_entities(text: str) -> str:
    """Decode HTML entities, including double-encoded ones such as `&amp;#39;`."""
    for _ in range(_DECODE_PASSES):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    return text


def strip_tags(text: str) -> str:
    if "<" not in text:
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def clean_text(value: str) -> str:
    """Document text → one line of plain text: entities decoded, tags stripped, whitespace folded.

    Decoding runs before tag stripping so that entity-encoded markup (`&lt;script&gt;`) is removed
    as markup instead of reaching a reader as a raw tag.
    """
    text = strip_xml_invalid(value)
    text = decode_entities(text)
    text = strip_tags(text)
    text = decode_entities(text)  # entities that sat inside markup, e.g. `<b>&amp;#39;</b>`
    text = strip_xml_invalid(text)  # decoding can produce them (`&#1;`)
    return _WHITESPACE.sub(" ", text).strip()


def http_url(value: object) -> str | None:
    """The value as an absolute http(s) URL, or None when it is anything else."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _NOT_XML_CHAR.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def host_name(value: str) -> str | None:
    """A provider domain, lower-cased, without a leading `www.`; None if it is not a host name."""
    host = value.strip().lower().rstrip(".")
    host = host.removeprefix("www.")
    return host if len(host) <= 253 and _HOST.match(host) and "." in host else None


def slugify(name: str) -> str:
    """`Computer Vision` → `computer-vision`; `Économie` → `economie` (contract: Slugs)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _SLUG_JUNK.sub("-", ascii_name.lower()).strip("-")
