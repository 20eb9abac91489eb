"""Bounded fuzzing of every importer (tests/fuzz/importers.py has the targets).

Each import kind's small valid file is mutated (bytes, CSV cells and columns, lines; XLSX and
Parquet rebuilt from mutated rows, or their bytes damaged) and imported into one shared copy of
a small workspace. The import must succeed or raise a ZerotrailError (DataError included), and
a refused import must leave every table exactly as it was. Derandomized: CI runs the same
inputs every time; bench/fuzz.py runs the same targets for as long as asked.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.fuzz.importers import IMPORT_TARGETS, Arena, Crash
from tests.fuzz.mutate import show
from zerotrail.errors import DataError, Problem
from zerotrail.store.workspace import Workspace

# Inputs per target in CI: an import costs ~50-400 ms here (the activity checks are the dearest);
# the whole of tests/fuzz aims at under a minute on two cores (docs/benchmarks.md, "Fuzzing",
# has the measurement). bench/fuzz.py runs the same targets for as long as asked.
EXAMPLES = {"activities": 6, "activities-xlsx": 4, "activities-parquet": 5, "credits-xlsx": 8}
DEFAULT_EXAMPLES = 12


@pytest.mark.parametrize("name", sorted(IMPORT_TARGETS))
def test_seed_is_accepted(arena: Arena, name: str) -> None:
    """Mutations start from a file that imports: otherwise they would all stop at one check."""
    target = IMPORT_TARGETS[name]
    assert arena.check(target, target.seed()).status == "accepted"


@pytest.mark.parametrize("name", sorted(IMPORT_TARGETS))
def test_mutated_files_are_imported_or_refused_cleanly(arena: Arena, name: str) -> None:
    target = IMPORT_TARGETS[name]
    seed = target.seed()

    @settings(
        max_examples=EXAMPLES.get(name, DEFAULT_EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(n=st.integers(min_value=0, max_value=2**32 - 1))
    def run(n: int) -> None:
        """Input n is the one `bench/fuzz.py --target NAME --replay n` rebuilds."""
        data = target.mutator(seed, random.Random(n))
        note(f"input {n}: {show(data)}")
        arena.check(target, data)

    run()


# --- the arena catches what it is meant to catch ----------------------------------------------


def _refuse_after_writing(ws: Workspace, path: Path) -> Any:
    ws.execute("INSERT INTO zt_meta (key, value) VALUES ('fuzz', 'written outside a transaction')")
    raise DataError([Problem(path.name, None, None, "refused, but too late")])


def _crash(ws: Workspace, path: Path) -> Any:
    raise KeyError("a foreign exception")


def _leave_transaction_open(ws: Workspace, path: Path) -> Any:
    ws.execute("BEGIN TRANSACTION")
    raise DataError([Problem(path.name, None, None, "refused inside a transaction")])


@pytest.mark.parametrize(
    ("call", "why"),
    [
        (_refuse_after_writing, "changed the workspace"),
        (_crash, "KeyError"),
        (_leave_transaction_open, "transaction left open"),
    ],
)
def test_the_arena_reports_broken_importers(arena: Arena, call: Any, why: str) -> None:
    target = replace(IMPORT_TARGETS["metrics"], call=call)
    with pytest.raises(Crash, match=why):
        arena.check(target, target.seed())
    # ... and restores the workspace, so the next input starts clean.
    assert arena.check(IMPORT_TARGETS["metrics"], b"metric\n").status == "refused"


def test_every_import_command_has_a_target() -> None:
    """Each command that reads a user's file into the workspace is fuzzed (CSV at least)."""
    from tests.test_docs import _commands
    from zerotrail.cli import app

    named = {"baseyear import": "baseyear-events", "targets add": "targets-toml"}
    commands = [
        c for c in _commands(app) if c.startswith("import ") or c.endswith(" import") or c in named
    ]
    assert len(commands) >= 14
    for command in commands:
        target = named.get(command) or command.removeprefix("import ").removesuffix(" import")
        assert target in IMPORT_TARGETS, f"`zerotrail {command}` has no fuzz target"
