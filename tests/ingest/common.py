"""Helpers shared by the import tests: problem cells and committed ledger leaves."""

from __future__ import annotations

import pytest

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


def fingerprint(ws: Workspace) -> dict[str, tuple[int, str]]:
    """(rows, digest of the sorted rows) of every table of the workspace: equal before and
    after a refused import exactly when the refusal changed nothing."""
    tables = [
        str(t)
        for (t,) in ws.fetchall(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema = 'main' ORDER BY 1"
        )
    ]
    out = {}
    for t in tables:
        n, digest = ws.fetchall(
            f"SELECT count(*), md5(coalesce(string_agg(CAST(x AS VARCHAR), chr(10)"
            f" ORDER BY CAST(x AS VARCHAR)), '')) FROM \"{t}\" x"
        )[0]
        out[t] = (int(n), str(digest))
    return out
