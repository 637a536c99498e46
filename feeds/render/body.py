"""The HTML body of an entry (Atom `<content type="html">`, RSS `<description>`).

The service writes every tag itself; document text only ever enters escaped, so no markup from a
document reaches a reader.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from ..model import Article, Related

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(moment: dt.datetime) -> str:
    """`17 Aug 2021`: the same in every locale, so the bytes are too."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def entry_html(article: Article) -> str:
    parts: list[str] = []
    if article.image is not None:
        size = "".join(
            f' {name}="{value}"'
            for name, value in (("width", article.image.width), ("height", article.image.height))
            if value
        )
        parts.append(f'<p><img src="{escape(article.image.url)}"{size} alt="{escape(article.title)}"></p>')
    if article.excerpt:
        parts.append(f"<p>{escape(article.excerpt)}</p>")
    if article.related:
        items = "".join(f"<li>{related_html(r)}</li>" for r in article.related)
        parts.append(f"<h3>Related coverage</h3><ul>{items}</ul>")
    return "\n".join(parts)


def related_html(related: Related) -> str:
    about = [escape(related.provider)] if related.provider else []
    if related.date_published is not None:
        about.append(short_date(related.date_published))
    tail = f" — {', '.join(about)}" if about else ""
    return f'<a href="{escape(related.url)}">{escape(related.title)}</a>{tail}'
