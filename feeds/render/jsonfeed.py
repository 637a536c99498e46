"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), with the related articles as `_related`.

Keys are written in a fixed order and without spaces, so the same articles give the same bytes.
A key with nothing to say is left out, never written as an empty string. An item with no HTML body
(no image, excerpt or related article) carries its title as `content_text`: JSON Feed 1.1 asks
for `content_html` or `content_text` in every item. `authors` (1.1) comes with `author` (1.0,
its first element), which 1.1 allows beside it for readers of 1.0; the feed's author is the site.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..model import Article
from .body import entry_html
from .fragments import Fragments
from .meta import FeedMeta

VERSION = "https://jsonfeed.org/version/1.1"


def render_json(meta: FeedMeta, articles: Sequence[Article], fragments: Fragments | None = None) -> bytes:
    """The JSON feed; with `fragments`, items rendered before are reused (the same bytes)."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": meta.title,
        "home_page_url": meta.page_url,
        "feed_url": meta.self_link,
        "description": meta.subtitle,
        **_authors({"name": meta.site_name, "url": meta.site_url}),
    }
    if meta.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in meta.hubs]
    next_url = meta.paging_link("next")
    if next_url:
        feed["next_url"] = next_url
    if fragments is None:
        feed["items"] = [_item(meta, a) for a in articles]
        return _dumps(feed)
    feed["items"] = []  # the last key: `"items":[]}` ends the document
    items = fragments.entries(
        ("json", meta.base_url), articles, lambda some: [_dumps(_item(meta, a)) for a in some]
    )
    return _dumps(feed)[:-2] + b",".join(items) + b"]}"


def _dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _authors(author: dict[str, str]) -> dict[str, Any]:
    """`authors` (JSON Feed 1.1) and `author` (1.0) for one author: `{"name": …, "url": …}`."""
    return {"authors": [author], "author": author}


def _item(meta: FeedMeta, article: Article) -> dict[str, Any]:
    body = entry_html(article)
    item: dict[str, Any] = {
        "id": article.url,
        "url": article.url,
        "title": article.title,
        **({"content_html": body} if body else {"content_text": article.title}),
    }
    if article.excerpt:
        item["summary"] = article.excerpt
    if article.image is not None:
        item["image"] = article.image.url
    item["date_published"] = article.date_published.isoformat()
    if article.date_modified is not None and article.date_modified != article.date_published:
        item["date_modified"] = article.date_modified.isoformat()
    if article.provider is not None:
        author = {"name": article.provider.name}
        if article.provider.uri:
            author["url"] = article.provider.uri
        item.update(_authors(author))
    if article.topics:
        item["tags"] = [t.name for t in article.topics]
    if article.related:  # an extension: keys starting with "_" are allowed by JSON Feed 1.1
        item["_related"] = [
            {
                "url": r.url,
                "title": r.title,
                **({"provider": r.provider} if r.provider else {}),
                **({"date_published": r.date_published.isoformat()} if r.date_published else {}),
            }
            for r in article.related
        ]
    return item
