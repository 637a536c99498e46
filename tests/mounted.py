"""Real file systems for tests: an image file made by a `mkfs` and mounted on a loop device (root
only; a test that asks for one is skipped with the reason where it cannot be had)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def image_mounted(base: Path, megabytes: int, mkfs: list[str], mount: list[str]) -> Iterator[Path]:
    """A folder on a new file system: `mkfs` run on an image of `megabytes` under `base`, the image
    attached to a loop device and mounted by `mount` + device + mount point; unmounted and detached
    after."""
    if os.geteuid() != 0:
        pytest.skip("mounting a file system image needs root")
    for program in (mkfs[0], mount[0], "losetup"):
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed")
    image, point = base / "image", base / "mnt"
    point.mkdir()
    with open(image, "wb") as file:
        file.truncate(megabytes << 20)
    made = subprocess.run([*mkfs, str(image)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"{mkfs[0]} failed: {made.stderr.strip()}")
    loop = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
    if loop.returncode != 0:
        pytest.skip(f"no loop device: {loop.stderr.strip()}")
    device = loop.stdout.strip()
    try:
        mounted = subprocess.run([*mount, device, str(point)], capture_output=True, text=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount it ({' '.join(mount)}): {mounted.stderr.strip()}")
        try:
            yield point
        finally:
            subprocess.run(["umount", str(point)], check=False, timeout=60)
    finally:
        subprocess.run(["losetup", "-d", device], check=False, timeout=60)
