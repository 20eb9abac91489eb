"""Helpers shared by the import tests: problem cells and committed ledger leaves."""

from __future__ import annotations

import pytest

from tests.digests import table_digests
from zerotrail.errors import DataError
from zerotrail.store.workspace import Workspace


def cells(exc: pytest.ExceptionInfo[DataError]) -> set[tuple[int | None, str | None]]:
    """The (row, column) of every problem a rejected import reported."""
    return {(p.row, p.column) for p in exc.value.problems}


def committed(ws: Workspace, kind: str) -> list[tuple[str, int]]:
    """(ref, version) of every ledger leaf of `kind`, in log order."""
    return [
        (str(r), int(v))
        for r, v in ws.fetchall(
            "SELECT ref, version FROM ledger_leaves WHERE kind = ? ORDER BY idx", [kind]
        )
    ]


def fingerprint(ws: Workspace) -> dict[str, str]:
    """A digest of every table of the workspace: equal before and after a refused import
    exactly when the refusal changed nothing (tests/digests.py)."""
    return table_digests(lambda sql: ws.fetchall(sql))
