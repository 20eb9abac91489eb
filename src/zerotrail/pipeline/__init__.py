"""The named stages of the job, one module each: the only thing `cli/` (and the server) call.

Read top to bottom, the stages are the job:

- `calculation`  load the shipped factor library, prepare a year's inputs, calculate, commit a run.

Each stage is a plain function that takes a workspace and values and returns values (reports of what
happened, problems as data). Stages call `store/` for reading and writing, `engine/` for the
calculation and `ingest/`, `targets/`, `offsets/`, `reports/` for the rules of each domain.
"""

from __future__ import annotations

from zerotrail.pipeline.calculation import (
    RunSummary,
    calculate,
    load_shipped_factors,
    prepare,
    unresolved_records,
    year_bounds,
)

__all__ = [
    "RunSummary",
    "calculate",
    "load_shipped_factors",
    "prepare",
    "unresolved_records",
    "year_bounds",
]
