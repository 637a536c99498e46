"""Document text → one line of plain text: entities are characters, markup is dropped, and nothing
XML cannot carry survives (`clean_text`); a broken file's bytes → the text a person meant
(`lenient_text`)."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from html.parser import HTMLParser

# XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
# Everything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) would make lxml refuse the feed.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")
# Control characters that break a line or a page where text came from (Word's line break is U+000B):
# a space between the words they part, before the characters XML cannot carry are dropped
_SPACING_CONTROLS = str.maketrans(dict.fromkeys("\x0b\x0c", " "))
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
# Unicode's explicit directional formatting characters (UAX #9 §2): embeddings and overrides (LRE, RLE,
# LRO, RLO) closed by PDF; isolates (LRI, RLI, FSI) closed by PDI
_EMBED, _PDF, _ISOLATE, _PDI = "\u202a\u202b\u202d\u202e", "\u202c", "\u2066\u2067\u2068", "\u2069"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
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
    character too. Characters XML cannot carry are removed (those that break a line or a page, such as
    Word's line break U+000B, are spaces first) and whitespace is folded to single spaces.
    A text that shows nothing (`invisible`: only whitespace and format characters) is "".

    The result is plain text, not HTML: it may contain `<`, `>` and `&` (`&lt;script&gt;` gives the
    characters `<script>`). That is correct and safe because every renderer escapes text when it
    writes it (Atom `type="text"`, RSS and HTML escaping, JSON strings); nothing may insert it raw.
    """
    text = markup_text(strip_xml_invalid(value.translate(_SPACING_CONTROLS)))
    text = decode_entities(text, _DECODE_PASSES - 1)
    text = strip_xml_invalid(text)  # decoding can produce them (`&#1;`)
    text = _WHITESPACE.sub(" ", text).strip()
    if text.isprintable():  # most text: no format character (bidi controls are ones) to look at
        return text
    if _BIDI.search(text):
        text = balanced_bidi(text)
    return "" if invisible(text) else text


def balanced_bidi(text: str) -> str:
    """`text` with its explicit directional formatting characters well nested (UAX #9 §3.3.2): every
    embedding, override and isolate it opens is closed within it (a PDF or PDI added at the end, or
    before a PDI that closes an isolate around an open embedding), and a PDF or PDI that closes
    nothing is dropped. So a title never reverses or re-levels what a reader, page or terminal shows
    after it (a RIGHT-TO-LEFT OVERRIDE, U+202E, at the end of a headline turning the site's own words
    around); how the text itself shows is unchanged."""
    out: list[str] = []
    open_: list[str] = []  # the closers owed, innermost last
    for c in text:
        if c in _EMBED or c in _ISOLATE:
            open_.append(_PDF if c in _EMBED else _PDI)
        elif c == _PDF:
            if not open_ or open_[-1] != _PDF:  # nothing, or an isolate, is innermost: it closes nothing
                continue
            open_.pop()
        elif c == _PDI:
            if _PDI not in open_:
                continue
            while open_[-1] != _PDI:  # the embeddings inside the isolate: closed first, explicitly
                out.append(open_.pop())
            open_.pop()
        out.append(c)
    out.extend(reversed(open_))
    return "".join(out)


def invisible(text: str) -> bool:
    """Whether nothing of `text` shows: it is made only of whitespace and Unicode format characters
    (general category Cf: zero-width space U+200B, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD
    …), which a reader sees as blank. The empty text is invisible."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def one_line(text: str, limit: int = 200) -> str:
    """One line of printable text for a message (they go to logs and terminals): characters that are
    not printable become spaces, runs of whitespace one space, at most `limit` characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())[:limit]


def lenient_text(data: bytes) -> str:
    """Bytes as the text a person meant, for reading what a broken file still says: UTF-32 or UTF-16
    by their byte order mark, or UTF-16 without one (ASCII text with every other byte zero), else
    UTF-8; bytes that are none of these replaced."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    if data.count(0) * 3 > len(data):  # UTF-16 without a byte order mark
        big_endian = data[0::2].count(0) > data[1::2].count(0)
        return data.decode("utf-16-be" if big_endian else "utf-16-le", errors="replace")
    return data.decode("utf-8", errors="replace")


_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF8, "utf-8"),
]
