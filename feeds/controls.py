"""Control characters that are not white space anywhere a document's text is read, though Python's
`str.strip` and `str.split` take VT, FF and FS to US for it: every C0 and C1 control but tab, line
feed, carriage return and NEL (YAML's white space and line breaks), and DEL. A URL or a date with one
at an end is unusable, a flag that holds one is not clear, a key that holds one cannot be read."""

from __future__ import annotations

import re

CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"  # a regular expression's class
CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
