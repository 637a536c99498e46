"""Which paths hold each URL (`urlkeys.url_key`), for `feeds.index.Index`: a multimap whose single
values are kept as they are. Nearly every URL has one document, and a set per URL cost about 200
bytes of each document's memory (a quarter of a hidden one's)."""

from __future__ import annotations

from collections.abc import Collection


class UrlPaths:
    """`url → paths`; `paths(url)` is empty for a URL no document has."""

    __slots__ = ("_paths",)

    def __init__(self) -> None:
        self._paths: dict[str, str | set[str]] = {}

    def add(self, url: str, path: str) -> None:
        held = self._paths.get(url)
        if held is None:
            self._paths[url] = path
        elif isinstance(held, str):
            if held != path:
                self._paths[url] = {held, path}
        else:
            held.add(path)

    def discard(self, url: str, path: str) -> None:
        held = self._paths.get(url)
        if held == path:
            del self._paths[url]
        elif isinstance(held, set):
            held.discard(path)
            if len(held) == 1:
                self._paths[url] = next(iter(held))

    def paths(self, url: str) -> Collection[str]:
        held = self._paths.get(url, ())
        return (held,) if isinstance(held, str) else held
