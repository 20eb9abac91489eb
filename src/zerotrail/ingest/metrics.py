"""Importing the denominators and the supplier list: metrics per year, and suppliers.

Where it sits: ingest, beside the organization files. Metrics (revenue, employees, floor area
...) are the denominators of intensity targets; they are corrected as finance restates them, so
a (metric, year) imported again with another value replaces the stored one (they are not
committed to the ledger). A metric keeps one unit across all its years, so an intensity series
never mixes CNY million with USD million.

Suppliers (with the year their science-based target was validated, if any) feed supplier-
engagement targets; the list is replaced as a whole, like the entity list.
"""

from __future__ import annotations

from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import METRICS, SUPPLIERS
from zerotrail.ingest.imports import ImportReport, replace_list, upsert
from zerotrail.ingest.rows import parse_number, parse_year, screen_rows
from zerotrail.store.history import snapshot
from zerotrail.store.metrics import stored_metrics, stored_suppliers
from zerotrail.store.workspace import Workspace


def import_metrics(ws: Workspace, path: Path) -> ImportReport:
    """Add or replace (metric, year) values; a file with any problem changes nothing."""
    f = read_small(path, METRICS)
    problems = screen_rows(f.name, f.rows)
    raise_if(f.name, problems, len(problems))
    stored = stored_metrics(ws)
    rows: list[tuple[str, int, float, str]] = []
    seen: dict[tuple[str, int], int] = {}
    units: dict[str, tuple[str, int]] = {}  # metric -> (unit, first row giving it)
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        metric = r.get("metric", "")
        if not metric:
            bad("metric", "is empty (required)")
        year, why = parse_year(r.get("year", ""))
        if why:
            bad("year", why)
        value, why = parse_number(r.get("value", ""), positive=True)  # a denominator
        if why:
            bad("value", why)
        unit = r.get("unit", "")
        if not unit:
            bad("unit", "is empty (required)")
        if metric and year is not None:
            key = (metric, year)
            if key in seen:
                bad("year", f"duplicate {metric} for {year} (first on row {seen[key]})")
            else:
                seen[key] = line
        if metric and unit:
            first = units.setdefault(metric, (unit, line))
            if first[0] != unit:
                bad("unit", f"{metric} is in '{first[0]}' on row {first[1]}, not '{unit}'")
        if metric and year is not None and value is not None and value > 0 and unit:
            rows.append((metric, year, value, unit))
    # Stored years this file does not restate keep their unit: the file must agree with them.
    for (metric, year), (_, unit) in sorted(stored.items()):
        if metric in units and (metric, year) not in seen and units[metric][0] != unit:
            file_unit, line = units[metric]
            problems.append(
                Problem(
                    f.name,
                    line,
                    "unit",
                    f"{metric} is stored in '{unit}' for {year}, not '{file_unit}'"
                    " (a metric keeps one unit across years)",
                )
            )
    raise_if(f.name, problems, len(problems))
    with ws.transaction():  # each new or changed value is a version, and a ledger leaf
        report = upsert(ws, "metrics", path, f.name, "metrics", ("metric", "year"), rows, stored)
        snapshot(ws, "metric")
    return report


def import_suppliers(ws: Workspace, path: Path) -> ImportReport:
    """Replace the supplier list as a whole; the same list again changes nothing."""
    f = read_small(path, SUPPLIERS)
    problems = screen_rows(f.name, f.rows, free_text=("name",))
    raise_if(f.name, problems, len(problems))
    rows: list[tuple[str, str, int | None]] = []
    seen: dict[str, int] = {}
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        supplier = r.get("supplier", "")
        if not supplier:
            bad("supplier", "is empty (required)")
        elif supplier in seen:
            bad("supplier", f"duplicate supplier {supplier} (first on row {seen[supplier]})")
        else:
            seen[supplier] = line
        name = r.get("name", "")
        if not name:
            bad("name", "is empty (required)")
        sbt: int | None = None
        if r.get("sbt_year"):
            sbt, why = parse_year(r["sbt_year"])
            if why:
                bad("sbt_year", why)
        rows.append((supplier, name, sbt))
    raise_if(f.name, problems, len(problems))
    stored = stored_suppliers(ws)
    return replace_list(
        ws,
        "suppliers",
        path,
        f.name,
        "suppliers",
        ("supplier",),
        rows,
        stored,
        after=lambda: snapshot(ws, "supplier"),  # each new, changed or removed row a leaf
    )
