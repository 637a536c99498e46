"""A feeds corpus as a Hugo site and as a Jekyll site that publish the same articles (for bench.peers).

Which documents are published, and under which topics and provider, is decided once by feeds itself
(`FeedService.index()`): a document feeds shows is published in both sites, every other one it read
(`published: false`, a URL another document already has, a date to come) is a draft (Hugo `draft:
true`, Jekyll `published: false`), so Hugo and Jekyll still read it and skip it, as feeds does. A
document feeds rejects is left out of both sites.

Each page keeps the document's whole front matter as YAML (images, related, secured: the same
amount of YAML to read), less the keys Hugo or Jekyll read with another meaning (Hugo takes
`published` for its publish date, Jekyll's `category` would replace `categories`), plus their own
keys: the date, the draft flag, the topics and the provider. The page's text is the excerpt.

- Hugo: `content/<the document's path>`; taxonomies `topics` (topic names) and `providers` (feeds'
  provider key, the domain); RSS output for the home page and each term only, with Hugo's embedded
  RSS template and 50 items (feeds' page size); pages are never rendered (`_build: render: link`)
  and the kinds with no feed (taxonomy lists, sections, sitemap, robots.txt, 404) are disabled.
- Jekyll: `_posts/YYYY/YYYY-MM-DD-<name>.md`; jekyll-feed with `posts_limit: 50`, one feed per tag
  (the topics, as `[a-z0-9_]` tags: jekyll-feed skips any other) and one per listed category (the
  providers); posts are not run through Liquid (`render_with_liquid: false`).
"""

from __future__ import annotations

import json
import multiprocessing
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from feeds.frontmatter import split
from feeds.service import FeedService
from feeds.settings import Settings
from feeds.slugs import slugify

BASE_URL = "https://example.org"
FEED_ITEMS = 50  # feeds' page size (FEEDS_FEED_LIMIT's default), given to Hugo and jekyll-feed too

HUGO_CONFIG = f"""baseURL: {BASE_URL}/
title: Feeds
languageCode: en
disableKinds: [taxonomy, section, sitemap, robotsTXT, "404"]
ignoreErrors: ["error-disable-taxonomy"]
taxonomies:
  topic: topics
  provider: providers
outputs:
  home: [RSS]
  term: [RSS]
services:
  rss:
    limit: {FEED_ITEMS}
"""

# Keys Hugo reads with a meaning of its own (case-insensitive): taken out of the pages' front matter.
HUGO_KEYS = {
    "published",
    "publishdate",
    "pubdate",
    "date",
    "lastmod",
    "expirydate",
    "unpublishdate",
    "draft",
    "topics",
    "providers",
    "_build",
    "build",
    "cascade",
    "url",
    "slug",
    "aliases",
    "outputs",
    "headless",
    "layout",
}
JEKYLL_KEYS = {"published", "date", "category", "categories", "tags", "permalink", "layout", "slug"}

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class Page:
    """What both sites need to know of one document, as feeds read it."""

    source: str  # path under the corpus
    jekyll: str  # path under the Jekyll site
    visible: bool
    date: str  # ISO 8601, UTC, e.g. 2021-03-01T12:00:00Z
    topics: tuple[str, ...]  # topic names (Hugo terms)
    tags: tuple[str, ...]  # the same topics as jekyll-feed tags
    provider: str | None  # feeds' provider key (a domain, or a slug of the name)


@dataclass(frozen=True)
class Sites:
    """A corpus, its Hugo and Jekyll sites, and what feeds made of it."""

    corpus: Path
    hugo: Path
    jekyll: Path
    documents: int  # documents feeds read (rejected ones included)
    visible: int
    topics: int
    providers: int
    left_out: int  # rejected by feeds: in neither site
    newest: str  # the newest visible document, under the corpus
    newest_jekyll: str  # the same, under the Jekyll site

    @property
    def feeds(self) -> int:
        """Feeds each tool builds: all, one per topic, one per provider."""
        return 1 + self.topics + self.providers


def jekyll_tag(slug: str) -> str:
    """A topic's slug as a tag jekyll-feed makes a feed for (it skips tags with other characters)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", slug)


def prepare(corpus: Path, work: Path, processes: int) -> Sites:
    """Write `work/hugo` and `work/jekyll` from `corpus` (see the module's docstring)."""
    service = FeedService(Settings(content_dir=corpus, watch="off", parse_processes=processes))
    index = service.index()
    shown = {a.path: a for a in index.articles}  # canonical topic and provider names
    read = service.corpus
    pages = list(_pages(read.articles, shown))
    hugo, jekyll = work / "hugo", work / "jekyll"
    (hugo / "content").mkdir(parents=True)
    (jekyll / "_posts").mkdir(parents=True)
    providers = sorted({p.provider for p in pages if p.visible and p.provider})
    (hugo / "config.yaml").write_text(HUGO_CONFIG, encoding="utf-8")
    (jekyll / "_config.yml").write_text(jekyll_config(providers), encoding="utf-8")
    global _TARGET
    _TARGET = (corpus, hugo, jekyll)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        written = sum(pool.imap_unordered(_write, pages, chunksize=256))
    _TARGET = None
    newest = index.articles[0].path
    return Sites(
        corpus=corpus,
        hugo=hugo,
        jekyll=jekyll,
        documents=len(read.articles) + len(read.rejected),
        visible=index.count(),
        topics=index.count("topics"),
        providers=index.count("providers"),
        left_out=len(read.articles) + len(read.rejected) - written,
        newest=newest,
        newest_jekyll=next(p.jekyll for p in pages if p.source == newest),
    )


def jekyll_config(categories: list[str]) -> str:
    """`_config.yml`: jekyll-feed with one feed per tag and per listed category, 50 posts each."""
    config = {
        "title": "Feeds",
        "url": BASE_URL,
        "plugins": ["jekyll-feed"],
        "feed": {"posts_limit": FEED_ITEMS, "tags": True, "categories": categories},
        "defaults": [{"scope": {"path": "", "type": "posts"}, "values": {"render_with_liquid": False}}],
    }
    text: str = yaml.dump(config, Dumper=Dumper, allow_unicode=True, sort_keys=False)
    return text


def _pages(articles: Any, shown: dict[str, Any]) -> Iterator[Page]:
    names: set[str] = set()
    for article in sorted(articles, key=lambda a: a.path):
        visible = article.path in shown
        topics = (shown[article.path] if visible else article).topics
        when = article.date_published
        stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", Path(article.path).stem)
        name = f"{when:%Y-%m-%d}-{slugify(stem) or 'post'}"
        unique, n = name, 1
        while unique in names:
            n += 1
            unique = f"{name}-{n}"
        names.add(unique)
        yield Page(
            source=article.path,
            jekyll=f"_posts/{when:%Y}/{unique}.md",
            visible=visible,
            date=f"{when:%Y-%m-%dT%H:%M:%SZ}",
            topics=tuple(t.name for t in topics),
            tags=tuple(jekyll_tag(t.slug) for t in topics),
            provider=article.provider.slug if article.provider else None,
        )


_TARGET: tuple[Path, Path, Path] | None = None  # corpus, Hugo site, Jekyll site: for the forked writers


def _write(page: Page) -> int:
    """Write one document's Hugo page and Jekyll post; 0 when its front matter is not a mapping."""
    assert _TARGET is not None
    corpus, hugo, jekyll = _TARGET
    text = (corpus / page.source).read_bytes().decode("utf-8", "replace")
    try:
        front = yaml.load(split(text) or "", Loader=Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        return 0
    if not isinstance(front, dict):
        return 0
    excerpt = front.get("excerpt")
    body = excerpt if isinstance(excerpt, str) else ""
    kept = {k: v for k, v in front.items() if str(k).lower() not in HUGO_KEYS}
    kept.update(
        date=page.date,
        draft=not page.visible,
        topics=list(page.topics),
        providers=[page.provider] if page.provider else [],
        _build={"render": "link"},
    )
    _page(hugo / "content" / page.source, kept, body)
    kept = {k: v for k, v in front.items() if str(k) not in JEKYLL_KEYS}
    kept.update(
        date=page.date.replace("T", " ").replace("Z", " +0000"),
        published=page.visible,
        tags=list(page.tags),
        categories=[page.provider] if page.provider else [],
    )
    _page(jekyll / page.jekyll, kept, body)
    return 1


def _page(path: Path, front: dict[str, Any], body: str) -> None:
    yaml_text = yaml.dump(front, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=1 << 20)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{yaml_text}---\n{body}\n", encoding="utf-8")


_TITLE = re.compile(r"^title:[ \t]*(.*?)\r?$", re.MULTILINE)


def retitle(path: Path, marker: str) -> None:
    """Rewrite the file with `marker` and a space before its title (its front matter's one-line
    top-level `title:`), as an editor would. `ValueError` when there is no such line."""
    text = path.read_bytes().decode("utf-8")  # as it is: CRLF line ends stay
    match = _TITLE.search(text)
    if match is None:
        raise ValueError(f"{path}: no one-line title: to edit")
    title = yaml.load(f"t: {match.group(1)}", Loader=Loader)["t"]  # noqa: S506 (a safe loader)
    line = "title: " + json.dumps(f"{marker} {title}")  # a JSON string is a YAML double-quoted scalar
    if match.group(0).endswith("\r"):
        line += "\r"
    path.write_bytes((text[: match.start()] + line + text[match.end() :]).encode("utf-8"))


def fold(text: str) -> str:
    """A title as compared across tools: NFC, runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())
