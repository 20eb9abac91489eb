"""Importing the Scope 3 screening: for each category, relevant or not, by which criteria, why.

Where it sits: ingest, called by the screening stage (pipeline/screening.py). The file is the
preparer's record of the screening the GHG Protocol Scope 3 Standard asks for (chapter 6): the
workspace holds activity data, not the judgement whether a category is relevant to the business,
so that judgement and its justification come from this file and nowhere else. The report prints
them as recorded, and "no screening recorded" for a category the file leaves out
(reports/screening.py).

The file replaces the stored screening as a whole (store/screening.py); the same content again
changes nothing. A file with any problem changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small, sha256_file
from zerotrail.ingest.formats import Column, Format
from zerotrail.ingest.imports import ImportReport, new_import_id, note_import
from zerotrail.ingest.rows import parse_bool, parse_int, parse_number, screen_rows
from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.model.screening import CRITERIA
from zerotrail.store.screening import store_screening, stored_screening
from zerotrail.store.workspace import Workspace

SCREENING = Format(
    "scope3_screening",
    (
        Column("category", True, "Scope 3 category, 1-15 (each at most once)"),
        Column("relevant", True, "yes or no: whether the category is relevant to the business"),
        Column(
            "criteria",
            False,
            "the relevance criteria it meets, separated by ';': size, influence, risk,"
            " stakeholders, outsourcing, sector_guidance, other (only for a relevant category)",
        ),
        Column("justification", True, "why, in words; printed in the public report"),
        Column("data_source", False, "where the category's activity data comes from"),
        Column(
            "estimate_t",
            False,
            "an estimate in t CO2e of a category not calculated (reported, never added to totals)",
        ),
        Column("estimate_method", False, "how the estimate was made (required with estimate_t)"),
    ),
)

FREE_TEXT = ("justification", "data_source", "estimate_method")


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    """One category's screening as recorded."""

    category: int
    relevant: bool
    criteria: tuple[str, ...]
    justification: str
    data_source: str | None
    estimate_t: float | None
    estimate_method: str | None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "criteria": list(self.criteria)}


def _criteria(text: str) -> tuple[tuple[str, ...], str | None]:
    """The criteria ids of a cell ('size; risk'), in the file's order, or why not."""
    names = [p.strip().lower().replace(" ", "_") for p in text.split(";") if p.strip()]
    unknown = [n for n in names if n not in CRITERIA]
    if unknown:
        return (), (
            f"unknown criterion {', '.join(repr(u) for u in unknown)}: expected"
            f" {', '.join(CRITERIA)} (separated by ';')"
        )
    return tuple(dict.fromkeys(names)), None


def _row(r: dict[str, str], bad: _Problems) -> ScreeningRow | None:
    """The row's values, or None after `bad(column, message)` for each problem found."""
    n_before = bad.count
    category, why = parse_int(r.get("category", ""), 1, 15, "a Scope 3 category")
    if why:
        bad("category", why)
    relevant, why = parse_bool(r.get("relevant", ""))
    if why:
        bad("relevant", why)
    criteria, why = _criteria(r.get("criteria", ""))
    if why:
        bad("criteria", why)
    elif criteria and relevant is False:
        bad(
            "criteria",
            "criteria say why a category is relevant; leave it empty for one that is not",
        )
    justification = r.get("justification", "").strip()
    if not justification:
        bad("justification", "is empty (required: the report prints it)")
    estimate: float | None = None
    if r.get("estimate_t", "").strip():
        estimate, why = parse_number(r["estimate_t"], low=0)
        if why:
            bad("estimate_t", why)
    method = r.get("estimate_method", "").strip() or None
    if r.get("estimate_t", "").strip() and method is None:
        bad("estimate_method", "is empty: say how the estimate was made")
    if method is not None and not r.get("estimate_t", "").strip():
        bad("estimate_t", "is empty while estimate_method is given")
    if bad.count > n_before or category is None or relevant is None:
        return None
    return ScreeningRow(
        category,
        relevant,
        criteria,
        justification,
        r.get("data_source", "").strip() or None,
        estimate,
        method,
    )


class _Problems:
    """Problems of one file, counted so a row can tell whether it added any."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []
        self.line = 0

    @property
    def count(self) -> int:
        return len(self.found)

    def __call__(self, column: str, message: str) -> None:
        self.found.append(Problem(self.source, self.line, column, message))


def read_screening(path: Path) -> list[ScreeningRow]:
    """The screening file's rows, by category; DataError listing every problem otherwise."""
    f = read_small(path, SCREENING)
    if len(f.rows) > len(SCOPE3_CATEGORIES):
        # One row per category: a longer file is refused at its first extra row, not with a
        # problem for every row after it.
        line = f.rows[len(SCOPE3_CATEGORIES)][0]
        extra = Problem(
            f.name,
            line,
            "category",
            f"a screening has one row per Scope 3 category, at most {len(SCOPE3_CATEGORIES)}",
        )
        raise_if(f.name, [extra], 1)
    problems = screen_rows(f.name, f.rows, free_text=FREE_TEXT)
    raise_if(f.name, problems, len(problems))
    bad = _Problems(f.name)
    rows: list[ScreeningRow] = []
    seen: dict[int, int] = {}
    for line, r in f.rows:
        bad.line = line
        # A category given twice is named whatever else is wrong with either row.
        category, _ = parse_int(r.get("category", ""), 1, 15, "a Scope 3 category")
        if category is not None and category in seen:
            bad(
                "category",
                f"category {category} ({SCOPE3_CATEGORIES[category]}) is screened twice"
                f" (first on row {seen[category]})",
            )
            continue
        if category is not None:
            seen[category] = line
        row = _row(r, bad)
        if row is not None:
            rows.append(row)
    raise_if(f.name, bad.found, bad.count)
    return sorted(rows, key=lambda x: x.category)


def import_screening(ws: Workspace, path: Path) -> ImportReport:
    """Replace the stored screening with the file's; the same rows again change nothing."""
    rows = read_screening(path)
    name = str(path)
    new = {r.category: r.to_json() for r in rows}
    before = stored_screening(ws)
    old = {} if before is None else {int(r["category"]): r for r in before["categories"]}
    added = sum(1 for c in new if c not in old)
    changed = sum(1 for c in new if c in old and old[c] != new[c])
    removed = sum(1 for c in old if c not in new)
    unchanged = len(new) - added - changed
    if not (added or changed or removed):
        return ImportReport("screening", name, len(rows), 0, 0, unchanged, None)
    import_id = new_import_id()
    with ws.transaction():
        store_screening(
            ws,
            {
                "file": path.name,
                "sha256": sha256_file(path),
                "categories": [new[c] for c in sorted(new)],
            },
        )
        note_import(ws, import_id, "screening", path, added, changed)
    return ImportReport("screening", name, len(rows), added, changed, unchanged, import_id, removed)
