"""Pure renderers: (feed metadata, articles) → bytes. Same input, same bytes, on every call."""

from .jsonfeed import render_json
from .meta import FeedMeta
from .syndication import render_atom, render_rss

__all__ = ["FeedMeta", "render_atom", "render_json", "render_rss"]
