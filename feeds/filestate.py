"""What one file of the content folder serves: its latest read, and the article it serves (the fresh
one, or the last good one while the file is broken)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypeGuard

from .model import Article, PathContent, Problem, Value, Withheld
from .parse import Reading, Rejected
from .scan import UNREADABLE, Signature


@dataclass(frozen=True, slots=True)
class FileState(Value):
    signature: Signature
    read: Reading
    served: Article | None  # the fresh article, or the last good one while the file is broken

    @property
    def stale(self) -> bool:
        return self.served is not None and self.served is not self.read.article


def served_content(state: FileState | None) -> PathContent:
    """What the index must know of a file: its served article, or a rejected file's URL and headline
    (withheld)."""
    if state is None:
        return None
    if state.served is not None:
        return state.served
    if not _blocks(rejected := state.read.rejected):
        return None
    return Withheld(rejected.url, rejected.title, rejected.other_urls, rejected.other_titles)


def _blocks(rejected: Rejected | None) -> TypeGuard[Rejected]:
    """Whether there is a rejection and it keeps anything out of related links: a URL or a headline."""
    return rejected is not None and bool(
        rejected.url or rejected.title or rejected.other_urls or rejected.other_titles
    )


def differs(state: FileState, now: Signature | Problem) -> bool:
    """A changed signature, or a new reason the file cannot be read (not the same one again)."""
    if isinstance(now, Problem):
        return state.signature != UNREADABLE or not same_problem(state.read, now)
    return state.signature != now


def same_problem(read: Reading, problem: Problem) -> bool:
    return read.rejected is not None and read.rejected.problem == problem


def settle(signature: Signature, read: Reading, previous: FileState | None) -> FileState:
    """A broken read of a file that served before keeps the last good article (never a hidden one's
    successor: an edit that unpublishes is a valid read and takes effect at once), unless the broken
    text withdraws it (a duplicate key, a `published` that does not say true: fail closed). A withdrawn
    file keeps blocking the URLs and headline it served as well as those its broken text gives, so
    related links to it go too; so does a file rejected again, those its last rejection blocked
    (its text may no longer give them: an edit of a withdrawn one, or its broken text read again)."""
    withdrawn = read.rejected is not None and read.rejected.withdrawn
    if read.article is None and previous is not None and previous.served is not None:
        if not withdrawn:
            return FileState(signature, read, previous.served)
        if read.rejected is not None:  # its URL and headline are still the ones it served
            read = _still_blocking(read, read.rejected, previous.served)
    elif read.article is None and previous is not None and _blocks(before := previous.read.rejected):
        # a rejection again, or text no longer a document: what the last rejection kept out, it keeps out
        read = _still_blocking(read, read.rejected or not_a_document(before.problem.path), before)
    return FileState(signature, read, read.article)


def _still_blocking(read: Reading, rejected: Rejected, before: Article | Rejected) -> Reading:
    """`read`, its rejection also blocking the URLs and headlines `before` served or blocked, beside
    those its text gives (a withdrawal retitled `[WITHDRAWN] …` or moved to another URL)."""
    url, title = rejected.url or before.url, rejected.title or before.title
    others = _besides(url, rejected.other_urls, before.other_urls, (before.url,))
    titles = _besides(title, rejected.other_titles, before.other_titles, (before.title,))
    changed = replace(rejected, url=url, title=title, other_urls=others, other_titles=titles)
    return replace(read, rejected=changed)


def _besides(first: str | None, *groups: tuple[str | None, ...]) -> tuple[str, ...]:
    """The values of `groups`, in order, once each, but `first` and empty ones."""
    return tuple(dict.fromkeys(v for group in groups for v in group if v and v != first))


def cached_states(
    cached: Mapping[str, tuple[Signature, Reading, Article | None]],
    now: Mapping[str, Signature],
    recent: Mapping[str, PathContent],
) -> tuple[dict[str, Reading], dict[str, FileState]]:
    """From a parse cache's entries (`parsecache.ParseCache.load`), what files served after it was
    written (`recent`: `ParseCache.load_recent`) and the files' signatures `now`: the reads still
    valid (the signature unchanged), and what each file served last if its read now may not give it
    (it was broken then, or has changed since): `settle` keeps that last good article while the file
    is broken, as a process that had been running all along would."""
    reads: dict[str, Reading] = {}
    earlier: dict[str, FileState] = {}
    for rel, (signature, read, last_good) in cached.items():  # what each served; what a rejection kept out
        current = now.get(rel)
        if current == signature:
            reads[rel] = read
            if last_good is not None or _blocks(read.rejected):
                earlier[rel] = FileState(signature, read, last_good)
        elif current is not None and (
            (served := last_good or read.article) is not None or _blocks(read.rejected)
        ):
            earlier[rel] = FileState(signature, read, served)
    for rel, content in recent.items():  # newer than the cache: what it holds of a changed file is older
        if rel in now and rel not in reads:
            if content is None:  # it served nothing since: no last good version of it
                earlier.pop(rel, None)
            elif isinstance(content, Withheld):  # rejected since: what it kept out it keeps out
                earlier[rel] = _withheld(rel, content, "rejected when last read")
            else:
                earlier[rel] = FileState(UNREADABLE, Reading(), content)
    return reads, earlier


def _withheld(rel: str, withheld: Withheld, why: str) -> FileState:
    """A rejected file's state as the record of what it served keeps it (`Withheld`)."""
    problem, others, titles = Problem(rel, "document", why), withheld.other_urls, withheld.other_titles
    rejected = Rejected(problem, withheld.url, title=withheld.title, other_urls=others, other_titles=titles)
    return FileState(UNREADABLE, Reading(rejected=rejected), None)


def fallback_states(
    cached: Mapping[str, tuple[Signature, Reading, Article | None]], recent: Mapping[str, PathContent]
) -> dict[str, FileState]:
    """What a process that holds nothing serves while its content folder cannot be used: the parse
    cache's last good corpus (`ParseCache.load`) as files served it after (`recent`:
    `ParseCache.load_recent`), so that a document unpublished, deleted or withdrawn since the cache was
    written is not served again (fail closed: a file that then served nothing is left out), and one
    rejected since still keeps its URLs and headline out of related links."""
    states = {
        rel: FileState(signature, read, last_good or read.article)
        for rel, (signature, read, last_good) in cached.items()
    }
    for rel, served in recent.items():
        if served is None:
            states.pop(rel, None)
        elif isinstance(served, Withheld):
            states[rel] = _withheld(rel, served, "rejected when last read (the folder cannot be read now)")
        else:
            states[rel] = FileState(UNREADABLE, Reading(served), served)
    return states


def not_a_document(rel: str) -> Rejected:
    return Rejected(Problem(rel, "front matter", "missing: the file no longer starts with a '---' line"))
