"""A workspace with the small roadmap world calculated for 2020-2025 (see world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.targets.world import build
from zerotrail.pipeline import load_shipped_factors
from zerotrail.store.workspace import Workspace, open_workspace


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Workspace]:
    ws = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    load_shipped_factors(ws)
    build(ws, tmp_path)
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
