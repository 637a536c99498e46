"""Only the feeds Hugo builds, through feeds' public API: the like-for-like row of bench.peers.

    .venv/bin/python -m bench.peers_rss CONTENT OUT [--base-url URL] [--parse-cache DIR|off]

Reads CONTENT as a server or `flask --app feeds export` would (`FeedService`, the parse cache in
DIR, one reading process per core), then renders the first page (the newest 50 entries) of the RSS
feed of all articles, of each topic and of each provider (`FeedService.feed(key, "rss")` and
`FeedService.body`), in forked processes, one per core, as the export does, and writes each as a
plain file: OUT/all.rss, OUT/topics/<slug>.rss, OUT/providers/<slug>.rss. Nothing else: no HTML
pages, no Atom or JSON Feed, no later pages, no .gz, no manifest, no nginx.conf. Prints the count.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
from pathlib import Path

from feeds.feedkeys import ALL, FeedKey
from feeds.service import FeedService
from feeds.settings import Settings

CHUNKS_PER_PROCESS = 4

_SERVICE: tuple[FeedService, list[FeedKey], Path, str] | None = None  # inherited by the forked renderers


def keys(service: FeedService) -> list[FeedKey]:
    """All, every topic, every provider: the feeds Hugo's site builds (home and each term)."""
    index = service.index()
    return [ALL] + [s.key for s in index.summaries("topics")] + [s.key for s in index.summaries("providers")]


def _render(span: tuple[int, int]) -> int:
    """Render and write the RSS feeds of keys `span[0]` to `span[1]`; how many were written."""
    assert _SERVICE is not None
    service, feed_keys, out, base_url = _SERVICE
    for key in feed_keys[span[0] : span[1]]:
        path = out / f"{key.path}.rss"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(service.body(service.feed(key, "rss", base_url)))
    return span[1] - span[0]


def write_rss(content: Path, out: Path, base_url: str, parse_cache: Path | None, processes: int) -> int:
    """Read `content`, write the first page of every RSS feed under `out`; the number of files."""
    global _SERVICE
    service = FeedService(
        Settings(content_dir=content, watch="off", parse_cache=parse_cache, parse_processes=processes)
    )
    feed_keys = keys(service)
    out.mkdir(parents=True, exist_ok=True)
    size = max(1, len(feed_keys) // (processes * CHUNKS_PER_PROCESS))
    spans = [(a, min(a + size, len(feed_keys))) for a in range(0, len(feed_keys), size)]
    _SERVICE = (service, feed_keys, out, base_url)
    try:
        if processes > 1 and len(spans) > 1:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                return sum(pool.imap_unordered(_render, spans))
        return sum(_render(span) for span in spans)
    finally:
        _SERVICE = None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--base-url", default="https://example.org")
    parser.add_argument("--parse-cache", default="off", help="the parse cache's folder, or off")
    args = parser.parse_args()
    cache = None if args.parse_cache == "off" else Path(args.parse_cache)
    files = write_rss(args.content, args.out, args.base_url.rstrip("/"), cache, os.cpu_count() or 1)
    print(f"{args.out}: {files} RSS feeds")


if __name__ == "__main__":
    main()
