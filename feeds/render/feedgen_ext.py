"""A feedgen extension for what feedgen 1.0.0 gets wrong or leaves out.

- Atom entry links: feedgen writes only `href` (a shadowed loop variable drops `rel`, `type` and
  `title`; upstream issue #135), so a `rel="related"` link would read as a second alternate link.
  We write the entry's links ourselves: one `rel="alternate" type="text/html"`, one `rel="related"`
  with a `title` per related article. feedgen is still given the alternate link (it refuses an
  entry with neither content nor an alternate link); this extension replaces its copy.
- RSS has no related links: we add `atom:link rel="related"` per related article.
- Media RSS images (`media:thumbnail`, `media:content`) and `dc:creator`, in both formats where
  the contract asks for them.
- WebSub hub links (`rel="hub"`, W3C WebSub §4) in both formats, and RFC 6721 tombstones
  (`at:deleted-entry`) in Atom, which feedgen knows nothing of.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from ..model import Article

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721 §2
NAME = "feeds"


class FeedsExtension(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """Feed-level half: declares the namespaces, and writes RFC 5005 paging links (feedgen allows
    only alternate, enclosure, related, self and via as a feed link's rel)."""

    def __init__(self) -> None:
        self.paging: tuple[tuple[str, str], ...] = ()
        self.hubs: tuple[str, ...] = ()
        self.tombstones: tuple[tuple[str, dt.datetime], ...] = ()

    def extend_ns(self) -> dict[str, str]:
        spaces = {"media": MEDIA_NS, "dc": DC_NS}
        return {**spaces, "at": TOMBSTONES_NS} if self.tombstones else spaces

    def extend_atom(self, feed: Any) -> Any:
        for rel, href in (*self.paging, *(("hub", hub) for hub in self.hubs)):
            etree.SubElement(feed, "link", rel=rel, href=href)
        for ref, when in self.tombstones:  # RFC 6721 §2: before the entries, as feedgen writes them last
            etree.SubElement(feed, f"{{{TOMBSTONES_NS}}}deleted-entry", ref=ref, when=when.isoformat())
        return feed

    def extend_rss(self, feed: Any) -> Any:
        channel = feed.find("channel")
        for rel, href in (*self.paging, *(("hub", hub) for hub in self.hubs)):
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", rel=rel, href=href)
        return feed


class FeedsEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Entry-level half: carries the article and writes its links, image and creator."""

    def __init__(self) -> None:
        self.article: Article | None = None

    def extend_atom(self, entry: Any) -> Any:
        article = self._article()
        for link in entry.findall("link"):  # feedgen's attribute-less copies of the links set
            entry.remove(link)
        etree.SubElement(entry, "link", rel="alternate", type="text/html", href=article.url)
        for related in article.related:
            etree.SubElement(
                entry, "link", rel="related", type="text/html", href=related.url, title=related.title
            )
        self._media(entry)
        return entry

    def extend_rss(self, item: Any) -> Any:
        article = self._article()
        if article.provider is not None:
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = article.provider.name
        for related in article.related:
            etree.SubElement(
                item,
                f"{{{ATOM_NS}}}link",
                rel="related",
                type="text/html",
                href=related.url,
                title=related.title,
            )
        self._media(item)
        return item

    def _media(self, parent: Any) -> None:
        image = self._article().image
        if image is None:
            return
        size = {k: str(v) for k, v in (("width", image.width), ("height", image.height)) if v}
        etree.SubElement(parent, f"{{{MEDIA_NS}}}thumbnail", {"url": image.url, **size})
        etree.SubElement(parent, f"{{{MEDIA_NS}}}content", {"url": image.url, "medium": "image", **size})

    def _article(self) -> Article:
        if self.article is None:
            raise RuntimeError("FeedsEntryExtension used before an article was attached")
        return self.article
