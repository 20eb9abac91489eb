"""What every importer shares when it refuses a file: how many problems to list, the one
refusal (`raise_if`), and the step callback a long import reports its progress through."""

from __future__ import annotations

from collections.abc import Callable

from zerotrail.errors import DataError, Problem

# How many problems to list before summarising the rest: enough to fix a file, not a flood.
MAX_LISTED = 200

Progress = Callable[[str], None]


def _noop(step: str) -> None:
    return None


def no_progress() -> Progress:
    return _noop


def raise_if(source: str, problems: list[Problem], total: int) -> None:
    if total:
        more = f" (showing the first {len(problems)})" if total > len(problems) else ""
        raise DataError(problems, f"{source}: {total} problem(s); nothing was imported{more}")
