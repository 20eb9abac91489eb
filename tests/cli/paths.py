"""A temporary folder with a long path: output must not depend on how long paths are."""

from __future__ import annotations

from pathlib import Path

LONG_PATH = 200


def long_dir(base: Path, length: int = LONG_PATH) -> Path:
    """A folder under `base` whose absolute path is at least `length` characters long."""
    path = base.resolve()
    i = 0
    while len(str(path)) < length:
        i += 1
        path = path / f"a-rather-long-folder-name-{i:02d}"
    path.mkdir(parents=True, exist_ok=True)
    return path
