"""The documentation stays true: every import column and every CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from zerotrail.cli import app
from zerotrail.ingest.formats import ACTIVITIES, ENTITIES, INSTRUMENTS, SITES, Format

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _table_after(text: str, marker: str) -> list[tuple[str, str, str]]:
    block = text.split(f"<!-- columns: {marker} -->", 1)[1].strip().split("\n\n", 1)[0]
    rows = []
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0].strip("`"), cells[1], cells[2]))
    return rows


@pytest.mark.parametrize("fmt", [ACTIVITIES, ENTITIES, SITES, INSTRUMENTS], ids=lambda f: f.kind)
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
