"""Shared pieces of set-wise validation: SQL snippets that yield (row, column, message) problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zerotrail.errors import DataError, Problem

# How many problems to list before summarising the rest: enough to fix a file, not a flood.
MAX_LISTED = 200

Progress = Callable[[str], None]


def _noop(step: str) -> None:
    return None


def no_progress() -> Progress:
    return _noop


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def collect(con: Any, source: str, checks: Sequence[str]) -> tuple[list[Problem], int]:
    """Run the checks (each a SELECT of _row, column, message): listed problems and total."""
    if not checks:
        return [], 0
    union = " UNION ALL ".join(f"({c})" for c in checks)
    total = int(con.execute(f"SELECT count(*) FROM ({union})").fetchone()[0])
    if total == 0:
        return [], 0
    rows = con.execute(f"SELECT * FROM ({union}) ORDER BY 1, 2 LIMIT {MAX_LISTED}").fetchall()
    return [Problem(source, int(r[0]), str(r[1]), str(r[2])) for r in rows], total


def raise_if(source: str, problems: list[Problem], total: int) -> None:
    if total:
        more = f" (showing the first {len(problems)})" if total > len(problems) else ""
        raise DataError(problems, f"{source}: {total} problem(s); nothing was imported{more}")
