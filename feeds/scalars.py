"""Numbers and booleans read from YAML that remember how they were written.

YAML's core schema reads `1e3`, `0x1F`, `007` and `TRUE` as a number or a boolean; a name written
that way must still be served as written, and a message must quote the author's text, not Python's
reading (`1000.0`, `31`, `True`). `Int`, `Float` and `Bool` are the numbers, with the text as
`source` (`str` and `repr` give it); `written` gives that text back.
"""

from __future__ import annotations


class Int(int):
    """A YAML integer that remembers how it was written (`0x1F`, `007`, `+12`)."""

    source: str

    def __repr__(self) -> str:
        return repr(self.source)

    def __str__(self) -> str:
        return self.source


class Float(float):
    """A YAML float that remembers how it was written (`1e3`, `1.50`, `.inf`)."""

    __slots__ = ("source",)
    source: str

    def __repr__(self) -> str:
        return repr(self.source)

    def __str__(self) -> str:
        return self.source


class Bool(int):
    """A YAML boolean (1 or 0) that remembers how it was written (`TRUE`, `false`). Not a `bool`
    (which cannot be subclassed): `is_bool` tells it apart from a number."""

    source: str

    def __repr__(self) -> str:
        return repr(self.source)

    def __str__(self) -> str:
        return self.source


def written(value: object) -> str | None:
    """The text of a plain scalar as the author wrote it (`1e3`, `TRUE`), or None for anything else."""
    source = getattr(value, "source", None)
    return source if isinstance(source, str) else None


def is_bool(value: object) -> bool:
    """Whether a built value is a boolean (a YAML `Bool`, or Python's own)."""
    return isinstance(value, Bool | bool)


def plain_flag_digit(value: object) -> bool:
    """Whether an integer 0 or 1 reads clearly as a flag: written as a bare `0` or `1`, or a boolean, or
    not written by an author at all; `0o1`, `0x0`, `+1`, `01` are numbers written another way."""
    text = written(value)
    return text is None or is_bool(value) or text.strip() in ("0", "1")
