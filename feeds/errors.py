"""One exception tree for the service; each error says where and why."""

from __future__ import annotations


class FeedsError(Exception):
    """Base of every error the service raises on purpose."""


class DocumentError(FeedsError):
    """A document that cannot be served: which file, which field, why."""

    def __init__(self, path: str, field: str, reason: str) -> None:
        super().__init__(f"{path}: {field}: {reason}")
        self.path = path
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:  # kept in the parse cache
        return type(self), (self.path, self.field, self.reason)


class UnknownFeed(FeedsError):
    """A feed that does not exist (unknown kind, slug or format)."""


class BadParameter(FeedsError):
    """A query parameter a client sent that we cannot read."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
