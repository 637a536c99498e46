"""The values the memory of what was published stores and compares (`feeds.memory`, and
`feeds.memoryrecall`, which reads it without writing): the served content of an entry, 128-bit
digests (BLAKE2b) of text and values, times as whole Unix seconds, and how an entry, a feed and the
site are dated against what is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping

from .errors import UnknownFeedError
from .feedkeys import FeedKey
from .model import Article
from .render.read import rendered
from .store import EntryRow


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


def newest_first(stones: dict[str, int], shown: int) -> dict[str, int]:
    """The `shown` newest of a feed's tombstones (ref → when, seconds), newest first, then by ref."""
    return dict(sorted(stones.items(), key=lambda item: (-item[1], item[0]))[:shown])


def dated(article: Article, row: EntryRow | None, at: int) -> tuple[str, int, int]:
    """An entry served now against its stored `row`: its content's digest, its `updated` (seconds: as
    published at a first sighting, the row's while its content is the same, else `at` and after the
    row's) and its digest as a feed's member (everything its bytes say, `updated` included)."""
    content, rest = served_content(article)
    digest = f"{hash_text(content):032x}"
    if row is None:
        when = seconds(article.date_published)  # a first sighting: as published
    elif row.digest != digest:
        when = max(at, row.updated + 1)
    else:
        when = row.updated
    return digest, when, hash_text(f"{content}{rest}{when}")


def feed_state(members: int, live: Mapping[str, int]) -> str:
    """A feed's state digest: the XOR of its members' digests and of its live tombstones (ref → when)."""
    for ref, when in live.items():
        members ^= digest_of(ref, when)
    return f"{members:032x}"


def site_modified(stored: tuple[str, int] | None, state: str, at: int) -> int:
    """When what every feed shares last changed (seconds), from the site's stored (state, modified):
    0 at a first start (nothing was served before), `at` and after the stored time when the renderer
    or the settings are new (new bytes), else the stored time."""
    if stored is None:
        return 0
    return max(at, stored[1] + 1) if stored[0] != state else stored[1]
