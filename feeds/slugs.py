"""Topic and provider names → ASCII slugs, for every script (contract: Slugs)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")  # exactly the Unicode categories L* and N*
_HASH_SLUG_HEX = 12


def slugify(name: str) -> str:
    """A name → its slug, `[a-z0-9]+(-[a-z0-9]+)*`, or "" when the name has no letter or digit.

    The name (NFC) is transliterated to ASCII with anyascii (`Россия` → `rossiya`, `北京` → `beijing`,
    `Économie` → `economie`), lower-cased, and runs of other characters become `-`. When that leaves
    nothing although the name has a letter or digit (scripts anyascii has no table for, such as
    cuneiform or rare CJK ideographs), the slug is the first 12 hex digits of the SHA-256 of the name's
    NFC, case-folded UTF-8: stable on every machine, and the same for NFC and NFD spellings. A slug
    longer than `MAX_SLUG` is shortened (`short`).
    """
    nfc = unicodedata.normalize("NFC", name)
    slug = _SLUG_JUNK.sub("-", anyascii(nfc).lower()).strip("-")
    if slug or not _LETTER_OR_DIGIT.search(nfc):
        return short(slug)
    folded = unicodedata.normalize("NFC", nfc.casefold()).strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:_HASH_SLUG_HEX]


MAX_SLUG = 200  # a file name holds 255 bytes: `<slug>.json.gz`, and room to spare


def short(slug: str) -> str:
    """`slug` (a topic's, or a provider's domain) when it has at most `MAX_SLUG` characters; else its
    first ones and, after a `-`, the first 12 hex digits of the SHA-256 of all of it, `MAX_SLUG` in
    all: stable, distinct for distinct slugs (as far as SHA-256 is), and a file name on every disk."""
    if len(slug) <= MAX_SLUG:
        return slug
    digest = hashlib.sha256(slug.encode("ascii")).hexdigest()[:_HASH_SLUG_HEX]
    return f"{slug[: MAX_SLUG - _HASH_SLUG_HEX - 1].rstrip('-.')}-{digest}"
