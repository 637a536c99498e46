"""The lines a read of the corpus logs (the `feeds` logger): how far a long read is, how much was read
and how fast, and what needs a person's attention (rejected documents, a folder that holds none)."""

from __future__ import annotations

import logging
import os
import shlex

log = logging.getLogger("feeds")


def log_read(
    folder: str | os.PathLike[str],
    documents: int,
    visible: int,
    seconds: float,
    parsed: int | None,
    rejected: int,
    empty: bool,
) -> None:
    """After a first read of the content `folder` (`documents` read, `visible` of them shown, `parsed`
    of them parsed rather than taken from the parse cache, None with no cache, in `seconds`): one info
    line; a warning for `rejected` documents, with the `feeds check` command that lists them; and one
    when the folder could be read in full but holds no document (`empty`)."""
    cached = "no parse cache" if parsed is None else f"{parsed} parsed, the rest from the parse cache"
    log.info("%d documents, %d visible, read in %.1f s (%s)", documents, visible, seconds, cached)
    where = os.path.abspath(folder)
    if rejected:
        command = f"feeds check {shlex.quote(where)}"
        quoted = f'"{command}"' if "'" in command else f"'{command}'"  # runs without FEEDS_CONTENT_DIR
        log.warning("%d documents rejected: run %s to list them", rejected, quoted)
    if empty:
        log.warning(
            "content folder %s holds no documents (no *.md file with front matter): every feed is"
            " empty and /healthz answers 503 until one is added",
            where,
        )


class ProgressLog:
    """Logs a long read every tenth of the way, not every chunk (a million documents are 2,000 chunks)."""

    def __init__(self) -> None:
        self._tenth = -1

    def __call__(self, done: int, total: int) -> None:
        tenth = 10 * done // max(1, total)
        if tenth != self._tenth:
            self._tenth = tenth
            log.info("read %d of %d documents (%d%%)", done, total, 100 * done // max(1, total))
