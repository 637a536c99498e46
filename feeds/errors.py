"""One exception tree: every error the package raises on purpose is a `FeedsError`, named `…Error`.

Problems that are data (a rejected document, an unreadable folder) are not exceptions: they are
`model.Problem` values, kept and reported. An exception here says where and why, in one line.
"""

from __future__ import annotations

from .model import Problem


def printable(text: str) -> str:
    """`text` with each character that is not printable written as its Python escape (`\\n`, `\\t`,
    `\\x00`, `\\u2028`), so that a file name holding a line break stays on its one line of a report."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def quoted(text: str) -> str:
    """`text` as a message quotes a value: between single quotes, as written (a backslash or a quote
    in it stays one character, where `repr` doubles one and changes the other), on one line
    (`printable`)."""
    return f"'{printable(text)}'"


class FeedsError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(FeedsError):
    """A setting (or content folder) the service cannot start with; the message names it."""


class DocumentError(FeedsError):
    """A document that cannot be served: which file, which field, why (`problem` holds them)."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        super().__init__(f"{path}: {field}: {reason}")
        self.problem = Problem(path, field, reason)

    @classmethod
    def of(cls, problem: Problem) -> DocumentError:
        return cls(problem.path, problem.field, problem.reason)

    @property
    def path(self) -> str:
        return self.problem.path

    @property
    def field(self) -> str:
        return self.problem.field

    @property
    def reason(self) -> str:
        return self.problem.reason


class TooLargeError(DocumentError):
    """A file over the size limit, with its bytes (`head`: all of them when `complete`, else as many as
    were looked through): what its text still tells of it (`parse.read_unreadable`)."""

    def __init__(self, path: str, field: str, reason: str, head: bytes, complete: bool = False) -> None:
        super().__init__(path, field, reason)
        self.head = head
        self.complete = complete


class NotADocumentError(FeedsError):
    """The text has no front matter: not a document at all (ignored, and listed by `check`)."""


class FrontMatterError(FeedsError):
    """The front matter cannot be read at all: `line` in the file (None when unknown) and why."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.line = line
        self.reason = reason


class YamlValueError(FeedsError):
    """A YAML value that cannot be built: where (`key` path such as `related[2].title`, file `line`)
    and why."""

    def __init__(self, key: str, line: int, reason: str) -> None:
        super().__init__(f"{key}: line {line}: {reason}")
        self.key = key
        self.line = line
        self.reason = reason


class DuplicateKeyError(YamlValueError):
    """A key written twice in one mapping: `lines` are both places (the reason says so in words)."""

    def __init__(self, key: str, line: int, reason: str, lines: tuple[int, ...]) -> None:
        super().__init__(key, line, reason)
        self.lines = lines


class UnknownFeedError(FeedsError):
    """A feed that does not exist (unknown kind, slug, format, or a page past the last)."""


class BadParameterError(FeedsError):
    """A query parameter a client sent that we cannot read: its name and why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class ExportRefusedError(FeedsError):
    """An export that could destroy what it should not: nothing was touched; the message says why."""


class EmptyCorpusError(ExportRefusedError):
    """No article is visible and the target holds a previous export (`--allow-empty` overrides)."""
