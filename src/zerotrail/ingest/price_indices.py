"""Importing price indices: the series that deflate spend to a spend factor's currency year.

Where it sits: ingest; the stored values are read through `store/price_indices.py`, by this
import and by the calculation (`pipeline.prepare` hands the current values to the engine as its
`prices` table; docs/methodology.md, "Spend-based factors"). zerotrail ships
no index series: none in its reference data is sourced, so each workspace imports the series
it chooses, naming it in `source`.

An index value changes results, so values are versioned and committed to the ledger like
initiatives: a changed (currency, year) is a new version (the latest counts), and only with
`replace`; the same content again is left as it is. Only ratios between years of one series
mean anything, so a currency keeps one series: every year of a currency names the same
`source`, and switching series means restating every stored year of it.
"""

from __future__ import annotations

import re
from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import PRICE_INDICES
from zerotrail.ingest.imports import ImportReport, add_versions
from zerotrail.ingest.rows import parse_number, parse_year, screen_rows
from zerotrail.store.price_indices import Content, Key, latest_price_indices
from zerotrail.store.workspace import Workspace

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def import_price_indices(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Add index values, or (with `replace`) new versions of changed ones; whole file or nothing."""
    f = read_small(path, PRICE_INDICES)
    problems = screen_rows(f.name, f.rows, free_text=("source", "url", "note"))
    raise_if(f.name, problems, len(problems))
    latest = latest_price_indices(ws)
    rows: list[tuple[Key, Content]] = []
    seen: dict[Key, int] = {}
    series: dict[str, tuple[str, int]] = {}  # currency -> (source, first row giving it)
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        currency = r.get("currency", "")
        if not _CURRENCY.match(currency):
            bad(
                "currency",
                f"expected an ISO 4217 code in capitals, as factor units write it (e.g. USD),"
                f" not '{currency}'",
            )
        year, why = parse_year(r.get("year", ""))
        if why:
            bad("year", why)
        index, why = parse_number(r.get("index", ""), positive=True)
        if why:
            bad("index", why)
        source = r.get("source", "")
        if not source:
            bad("source", "is empty (required: publisher, series and edition of the index)")
        if not _CURRENCY.match(currency) or year is None:
            continue
        key = (currency, year)
        if key in seen:
            bad("year", f"duplicate {currency} index for {year} (first on row {seen[key]})")
            continue
        seen[key] = line
        if source:
            first = series.setdefault(currency, (source, line))
            if first[0] != source:
                bad(
                    "source",
                    f"{currency} is from '{first[0]}' on row {first[1]}, not '{source}'"
                    " (a currency keeps one index series)",
                )
        if index is None or index <= 0 or not source:
            continue
        content: Content = (index, source, r.get("url") or None, r.get("note") or None)
        if key in latest and latest[key][1] != content and not replace:
            bad(
                "index",
                f"{currency} {year} already exists (version {latest[key][0]}) with different"
                " content; use --replace to record a new version",
            )
        rows.append((key, content))
    # Stored years this file does not restate keep their series: the file must agree with them.
    for (currency, year), (_, (_, source, _, _)) in sorted(latest.items()):
        if currency in series and (currency, year) not in seen and series[currency][0] != source:
            file_source, line = series[currency]
            problems.append(
                Problem(
                    f.name,
                    line,
                    "source",
                    f"{currency} {year} is stored from '{source}', not '{file_source}' (a"
                    " currency keeps one index series: restate every stored year to switch)",
                )
            )
    raise_if(f.name, problems, len(problems))
    return add_versions(
        ws, "price_indices", path, f.name, "price_indices", rows, latest, "price_index"
    )
