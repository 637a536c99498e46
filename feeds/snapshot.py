"""A content directory's state as one value (`Corpus`): what `check`, `export` and tests read whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .filestate import FileState
from .model import Article, Problem
from .parse import FieldWarning, Rejected


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from one content directory at one time."""

    articles: tuple[Article, ...] = ()
    rejected: tuple[Rejected, ...] = ()  # never valid, or not valid now and never served
    stale: tuple[tuple[Article, Rejected], ...] = ()  # broken now, last good version still served
    warnings: tuple[tuple[str, FieldWarning], ...] = ()  # (path, warning)
    ignored: tuple[str, ...] = ()  # *.md files that are not documents
    problems: tuple[Problem, ...] = ()  # unreadable folders, a missing content directory


def snapshot(
    files: Mapping[str, FileState],
    rejected: Mapping[str, Rejected],
    stale: Mapping[str, tuple[Article, Rejected]],
    problems: tuple[Problem, ...],
) -> Corpus:
    """The `Corpus` of these files (relative path → state), in path order."""
    articles: list[Article] = []
    warnings: list[tuple[str, FieldWarning]] = []
    ignored: list[str] = []
    for rel in sorted(files):
        state = files[rel]
        if state.served is not None:
            articles.append(state.served)
        elif state.read.rejected is None:
            ignored.append(rel)
        warnings.extend((rel, w) for w in state.read.warnings)
    return Corpus(
        tuple(articles),
        tuple(rejected[r] for r in sorted(rejected)),
        tuple(stale[r] for r in sorted(stale)),
        tuple(warnings),
        tuple(ignored),
        problems,
    )
