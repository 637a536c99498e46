"""A document's own URLs: its article URL (the feed id), and the others it gives for itself, which a
hidden document keeps out of related links as it does its article URL (contract: "Which articles
are visible")."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from .urlkeys import loose_key, url_key
from .urls import http_url

OTHER_URL_FIELDS = ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")  # where a document names itself


def article_url(data: Mapping[str, Any]) -> str | None:
    """`webUrl`, or `originalUrl` when `webUrl` is missing or empty (contract)."""
    web = data.get("webUrl")
    if isinstance(web, str) and web.strip():
        return http_url(web)
    return http_url(data.get("originalUrl"))


def other_urls(data: Mapping[str, Any], url: str | None, more: Iterable[object] = ()) -> tuple[str, ...]:
    """The usable URLs of `OTHER_URL_FIELDS` (`urls.http_url`), then of `more` (the values of keys that
    misspell one of them, `webUrll`), other than the article URL `url` (None: it has none) that the
    looser comparison (`urlkeys.loose_key`) does not already take for it (an AMP page of it mostly
    is), each once, in that order: what else could name the document while it is hidden
    (`originalUrl` is often its source, elsewhere)."""
    own: set[str] | None = None  # the loose forms taken: computed only when there is another URL
    found: list[str] = []
    for value in itertools.chain((data.get(field) for field in OTHER_URL_FIELDS), more):
        if value is None or value == url or (value := http_url(value)) in (None, url):
            continue  # (`value == url` first: the article URL's own field, not read again)
        if own is None:
            own = {loose_key(url_key(url))} if url is not None else set()
        if (key := loose_key(url_key(value))) not in own:
            own.add(key)
            found.append(value)
    return tuple(found)
