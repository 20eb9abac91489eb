"""The documentation stays true: every import column and every CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from zerotrail.cli import app
from zerotrail.ingest.formats import (
    ACTIVITIES,
    BASELINE_EVENTS,
    COOLING,
    CREDITS,
    ENTITIES,
    INITIATIVES,
    INSTRUMENTS,
    METERS,
    METRICS,
    PRICE_INDICES,
    SITES,
    SUPPLIERS,
    Format,
)
from zerotrail.targets.roadmap import KEYS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _table_after(text: str, marker: str) -> list[tuple[str, str, str]]:
    block = text.split(f"<!-- columns: {marker} -->", 1)[1].strip().split("\n\n", 1)[0]
    rows = []
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


ALL_FORMATS = [
    ACTIVITIES,
    ENTITIES,
    SITES,
    INSTRUMENTS,
    CREDITS,
    METERS,
    COOLING,
    INITIATIVES,
    METRICS,
    SUPPLIERS,
    PRICE_INDICES,
    BASELINE_EVENTS,
]


@pytest.mark.parametrize("fmt", ALL_FORMATS, ids=lambda f: f.kind)
def test_formats_doc_lists_every_column(fmt: Format) -> None:
    rows = _table_after((DOCS / "formats.md").read_text(), fmt.kind)
    assert [r[0] for r in rows] == list(fmt.names)
    assert [r[1] == "yes" for r in rows] == [c.required for c in fmt.columns]


def _commands(group: typer.Typer, prefix: str = "") -> list[str]:
    out = []
    for cmd in group.registered_commands:
        name = cmd.name or (cmd.callback.__name__ if cmd.callback else "")
        out.append(f"{prefix}{name}".strip())
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        out += _commands(sub.typer_instance, f"{prefix}{sub.name} ")
    return out


def test_cli_doc_has_every_command() -> None:
    text = (DOCS / "cli.md").read_text()
    headings = set(re.findall(r"^## `zerotrail ([a-z -]+?)(?: \[|`| [A-Z-]+)", text, re.M))
    commands = set(_commands(app))
    assert commands, "no commands registered"
    assert commands <= headings, commands - headings


def test_roadmap_doc_lists_every_target_key() -> None:
    text = (DOCS / "roadmap.md").read_text()
    block = text.split("<!-- keys: target -->", 1)[1].strip().split("\n\n", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines()[2:]]
    assert [r[0].strip("`") for r in rows] == list(KEYS)
    for key, applies, meaning in rows:
        accepted = KEYS[key.strip("`")][1]
        assert applies == ("all" if "*" in accepted else ", ".join(sorted(accepted))) or set(
            applies.split(", ")
        ) == set(accepted)
        assert meaning == KEYS[key.strip("`")][2]
