"""A workspace with the small roadmap world calculated for 2020-2025 (see world.py).

The world is calculated once per session (`workspace_template`, tests/conftest.py); each test
gets its own copy of the file, so a test that records events or claims changes only its copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Templates, open_copy
from tests.targets.world import build
from zerotrail.store.workspace import Workspace


@pytest.fixture
def world(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(workspace_template(build), tmp_path)
    try:
        yield ws
    finally:
        ws.close()


def roadmap_file(tmp: Path, text: str, name: str = "roadmap.toml") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


ABSOLUTE = """
[[target]]
id = "S12"
kind = "absolute"
name = "Scope 1 + 2 down 30% by 2025"
scopes = [1, 2]
scope2_method = "location"
base_year = 2020
target_year = 2025
reduction_pct = 30
set_year = 2021
"""
