"""The values the memory of what was published stores and compares (`feeds.memory`): the served
content of an entry, 128-bit digests (BLAKE2b) of text and values, and times as whole Unix seconds."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from .errors import UnknownFeedError
from .feedkeys import FeedKey
from .model import Article
from .render.read import rendered


def seconds(when: dt.datetime) -> int:
    """`when` as whole seconds since the Unix epoch."""
    return int(when.timestamp())


def moment(unix: int) -> dt.datetime:
    """Whole seconds since the Unix epoch as an aware UTC datetime (the inverse of `seconds`)."""
    return dt.datetime.fromtimestamp(unix, dt.UTC)


def digest_of(*parts: object) -> int:
    """A 128-bit digest of values (of their `repr`)."""
    return hash_text(repr(parts))


def hash_text(text: str) -> int:
    """A 128-bit BLAKE2b digest of `text` (UTF-8), as an int."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")


def served_content(article: Article) -> tuple[str, str]:
    """The entry as served, as two texts: its content (what `updated` follows: link, title, excerpt,
    date, image, related links) and the rest the renderers read (provider, topics)."""
    url, title, excerpt, published, _, provider, topics, image, related = rendered(article)
    return repr((url, title, excerpt, published, image, related)), repr((provider, topics))


def feeds_only(paths: set[str]) -> set[str]:
    """The feed paths among stored `paths`; one that names no feed (a row of another version, a
    damaged database) is logged and left out, so that it cannot stop the memory."""
    feeds = set()
    for path in paths:
        try:
            FeedKey.of_path(path)
        except UnknownFeedError:
            logging.getLogger("feeds").warning("the memory skips a stored row that names no feed: %r", path)
        else:
            feeds.add(path)
    return feeds
