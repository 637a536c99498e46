"""OPML 2.0 (http://opml.org/spec2.opml): every feed, grouped, so a reader subscribes to all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lxml import etree

GROUP_TITLES = {"topics": "Topics", "providers": "Providers"}


def render_opml(
    title: str, base_url: str, newest: dt.datetime, groups: Sequence[tuple[str, Sequence[tuple[str, str]]]]
) -> bytes:
    """`groups`: (family, [(name, feed path)]) for topics and providers; `all` comes first on its own.
    Each outline's `xmlUrl` is the feed's RSS (`{path}.rss`), its `htmlUrl` the feed's HTML page, a
    folder (`{path}/`)."""
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = f"{title}: every feed"
    etree.SubElement(head, "dateModified").text = newest.strftime("%a, %d %b %Y %H:%M:%S GMT")
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    _folder(body, "All articles", [(f"All articles — {title}", "all")], base_url, home=True)
    for family, feeds in groups:
        if feeds:
            _folder(
                body, GROUP_TITLES[family], [(f"{name} — {title}", path) for name, path in feeds], base_url
            )
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8")


def _folder(
    body: etree._Element, text: str, feeds: Sequence[tuple[str, str]], base_url: str, home: bool = False
) -> None:
    folder = etree.SubElement(body, "outline", text=text, title=text)
    for name, path in feeds:
        etree.SubElement(
            folder,
            "outline",
            type="rss",
            text=name,
            title=name,
            xmlUrl=f"{base_url}/{path}.rss",
            htmlUrl=f"{base_url}/" if home else f"{base_url}/{path}/",
        )
