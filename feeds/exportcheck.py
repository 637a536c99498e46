"""Whether an export may write into a folder: what it refuses, before it touches anything.

An export never destroys on the strength of a corpus it could not read or of a folder it did not
make: it refuses, changing nothing, when the content folder or a folder under it cannot be read,
when the output folder holds files but no `.feeds/` (not a previous export), and, unless told
otherwise, when the output folder holds the export of another content folder (`.feeds/content`: a
wrong folder would remove every page it does not make) or when no article is visible while it holds
a previous export (which would lose every feed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import EmptyCorpusError, ExportRefusedError
from .exportfiles import META, Source, read_manifest, read_source
from .model import Problem
from .scan import content_dir_problem
from .service import FeedService

UNTOUCHED = "nothing was exported or removed"


class OtherSourceError(ExportRefusedError):
    """The output folder holds the export of another content folder (`check_target`)."""


def check_target(
    service: FeedService, out: Path, allow_empty: bool = False, other_source: bool = False
) -> None:
    """Raise `ExportRefusedError` (nothing is touched) when exporting `service`'s corpus into `out`
    could destroy what it should not:

    - the content folder, a folder under it or a file in it could not be read (the export would
      remove the files of every feed that seemed gone);
    - `out` is not a folder, or holds files but no `.feeds/` (it is not a previous export: its files
      are someone else's);
    - `out` holds the export of another content folder (`OtherSourceError`), unless `other_source`; an
      export that does not say which (made before this was recorded) is taken for this folder's;
    - no article is visible and `out` holds a previous export (`EmptyCorpusError`), unless `allow_empty`.
    """
    root = service.settings.content_dir
    problem = content_dir_problem(root)
    if problem is not None:
        raise ExportRefusedError(f"content folder {os.path.abspath(root)} {problem}; {UNTOUCHED}")
    index = service.index()
    if problems := service.content.problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        where = os.path.normpath(os.path.join(os.path.abspath(root), first.path))
        raise ExportRefusedError(f"{where}: {first.field}: {first.reason}{more}; {UNTOUCHED}")
    unreadable = [r.problem for r in service.content.rejected.values() if _unreadable(r.problem)]
    if unreadable:
        first = unreadable[0]
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        where = os.path.join(os.path.abspath(root), first.path)
        raise ExportRefusedError(f"{where}: {first.field}: {first.reason}{more}; {UNTOUCHED}")
    if out.exists() and not out.is_dir():
        raise ExportRefusedError(f"{out}: not a folder; nothing was exported")
    if out.is_dir() and not (out / META).is_dir() and any(out.iterdir()):
        raise ExportRefusedError(
            f"{out} holds files but no {META}/ (it is not a previous export); nothing was exported: "
            "export into a new or empty folder"
        )
    made_from, now = read_source(out), Source.of(root)
    if made_from is not None and not made_from.same_folder(now) and not other_source:
        raise OtherSourceError(
            f"{out} holds the export of the content folder {made_from.path}, not of {now.path}; {UNTOUCHED}"
        )
    previous = len(read_manifest(out))
    if index.count() == 0 and previous and not allow_empty:
        raise EmptyCorpusError(
            f"no visible article in {os.path.abspath(root)}: the export would replace the {previous} "
            f"files of the previous export in {out} with an empty site; nothing was exported or removed"
        )


def check_folders(out: Path, names: Iterable[str]) -> None:
    """Raise `ExportRefusedError` (nothing is touched) when a folder the export would write or remove
    files in (the folders of `names`, paths under `out`) is a symbolic link, or is not a folder: writes
    and removals would go through it, to files outside `out` that may be someone else's. `out` itself
    may be a link: its target is the export's folder."""
    folders = {parent for name in names for parent in _parents(name)}
    for folder in sorted(folders):
        path = out / folder
        if path.is_symlink():
            raise ExportRefusedError(
                f"{path} is a symbolic link: the export writes and removes files only in real folders "
                f"inside {out}; {UNTOUCHED}"
            )
        if path.exists() and not path.is_dir():
            raise ExportRefusedError(f"{path} is not a folder, where the export writes files; {UNTOUCHED}")


def _parents(name: str) -> list[str]:
    """The folders above a file's path (`topics/ai/index.html` → `topics`, `topics/ai`)."""
    parts = name.split("/")[:-1]
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def _unreadable(problem: Problem) -> bool:
    """A file that could not be read at all (permissions, I/O): what it holds is unknown, so its
    absence from the export would be a guess."""
    return problem.field == "file" and problem.reason.startswith("cannot be read")
