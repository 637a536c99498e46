"""A key one slip away from the names the service knows is read the same way in every process, and a
key as near to a name that shows a document as to one that hides it hides it (fail closed).

Before, the field a misspelt key was read as was the first within reach in the order of a Python
set, which changes with each process's hash seed: `mpWebUrl` was `ampWebUrl` in one worker and
`webUrl` in another (where a hidden document's URL under it was then dropped and served in related
links), and `check` could name another field than the server read. `nlisted` was read as `listed`,
so `nlisted: true` showed a document its author meant as `unlisted: true`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.keywords import distance, nearest
from feeds.parse import read_text
from feeds.vocabulary import KNOWN_FIELDS, SHOWN_KEYS, WITHHELD_KEYS

from .helpers import document, write_corpus
from .test_hidden_other_urls import everything, spelled_in
from .test_hidden_spellings import SECRET_URL, linking


def slips(name: str) -> set[str]:
    """Every key one typist's slip away from `name`: two letters swapped, one dropped, doubled or
    replaced by a letter of the name or one that looks like one."""
    found = set()
    letters = set(name) | set("IlL1iuUrRx")
    for i in range(len(name)):
        found.add(name[:i] + name[i + 1 :])
        found.add(name[: i + 1] + name[i:])
        found.update(name[:i] + c + name[i + 1 :] for c in letters)
        if i + 1 < len(name):
            found.add(name[:i] + name[i + 1] + name[i] + name[i + 2 :])
    return {key for key in found if key and key != name}


KEYS = sorted(set().union(*(slips(name) for name in [*KNOWN_FIELDS, *SHOWN_KEYS, *WITHHELD_KEYS])))
READ = """
import json, sys
from feeds.vocabulary import intent, misspelt
keys = json.load(sys.stdin)
print(json.dumps({k: [misspelt(k), repr(intent(k))] for k in keys}))
"""


def test_every_process_reads_a_misspelt_key_alike() -> None:
    """Each of some 3,600 slips of the known fields and of the names that show or hide a document is
    read as the same field and the same intent under four hash seeds."""
    readings = []
    for seed in ("0", "1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", READ],
            input=json.dumps(KEYS),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=120,
            check=True,
        )
        readings.append(json.loads(done.stdout))
    assert len(KEYS) > 3000
    for other in readings[1:]:
        differ = {key: (readings[0][key], other[key]) for key in KEYS if readings[0][key] != other[key]}
        assert not differ, list(differ.items())[:5]


@pytest.mark.parametrize("key", ["mpWebUrl", "webUrll", "wbUrl", "ampWebUlr", "orignalUrl", "cdnAmpWebUrI"])
def test_a_hidden_documents_url_under_a_slip_of_a_url_field_is_kept_out(key: str) -> None:
    """Whatever URL field the slip is nearest to, and whether or not that field is given too."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        hidden = document(n=3, published=False, title="Another headline entirely", **{key: SECRET_URL})
        write_corpus(root, {"hidden.md": hidden, "a.md": linking()})
        text = everything(root)
        assert "https://ok.example/kept" in text
        assert not spelled_in(text, SECRET_URL)


@pytest.mark.parametrize("value", ["true", "false", "yes", "no", '"on"', "1", "0", "maybe"])
@pytest.mark.parametrize("key", ["nlisted", "unliste", "isNlisted"])
def test_a_key_as_near_to_a_hiding_name_as_to_a_showing_one_hides_the_document(key: str, value: str) -> None:
    """`nlisted` is one slip from `listed` (shown when true) and from `unlisted` (hidden when true):
    whatever it says, the document is hidden, and its URL and headline with it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        text = "---\n" + "\n".join(
            [
                'title: "Quokka parade blocks harbour road"',
                f'webUrl: "{SECRET_URL}"',
                "publishedDateTime: 2025-02-01T10:00:00Z",
                "published: true",
                f"{key}: {value}",
            ]
        )
        write_corpus(root, {"hidden.md": text + "\n---\n", "a.md": linking()})
        served = everything(root)
        assert "https://ok.example/kept" in served
        assert not spelled_in(served, SECRET_URL)
        assert "Quokka parade" not in served


def _nearest_by_distance(plain: str, names: list[str]) -> list[str]:
    """`keywords.nearest` as its contract says it, from `keywords.distance` alone."""
    scored = [(distance(plain, n, 9), n) for n in names]
    near = [(d, n) for d, n in scored if d <= (1 if len(n) <= 5 else 2)]
    best = min((d for d, _ in near), default=None)
    return [n for d, n in near if d == best]


@settings(max_examples=400, deadline=None)
@given(
    plain=st.text(alphabet="publishedraftx", max_size=12),
    names=st.lists(st.text(alphabet="publishedraftx", min_size=1, max_size=11), min_size=1, max_size=6),
)
def test_a_near_name_is_found_by_its_distance_alone(plain: str, names: list[str]) -> None:
    """`nearest` skips names a key has too many letters missing from (each costs an edit, so none of
    them is near): it finds exactly the names the distance finds."""
    assert nearest(plain, names) == _nearest_by_distance(plain, names)


def test_a_broken_document_of_many_unknown_keys_names_its_headline() -> None:
    """30,000 keys that are no known name, each an alias of a large value, in text YAML cannot read:
    the headline is still the anchor's value. (Each key was matched against the names several times,
    and the 4,096 keys the cache held were read again: 39 s, one process; 2.6-2.8 s now.)"""
    text = "---\nsummary: &a " + "x" * 200_000 + "\n" + "".join(f"k{n}: *a\n" for n in range(30_000))
    read = read_text(text + "title: *a\nbroken: [\n---\n", "a.md")
    assert read.rejected is not None
    assert read.rejected.title == "x" * 200_000
