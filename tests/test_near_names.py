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
