"""Importing site energy meters (facility, IT and on-site renewable MWh) and cooling history.

Where it sits: ingest, read by reports/energy.py (renewable share, PUE, data centres). Meter
readings are measurements, not emission records: they never enter the calculation, whose
electricity comes from activity records.

Readings are added. A reading may not overlap another reading of the same site, in the file or
in the workspace, because the reports sum readings over a year and an overlap would count the
same energy twice; the exact same reading imported again is left as it is, so a file can be
imported again safely. A correction is therefore never silent: it has to be a new, non-
overlapping period.

Cooling history is one row per (site, since): the technology in service from that date until
the next row of the site. A row for a stored (site, since) with another technology or note
replaces the stored one; every version of a row is committed to the ledger (store/history.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import COOLING, COOLING_TECHNOLOGIES, METERS
from zerotrail.ingest.imports import ImportReport, new_import_id, note_import, upsert
from zerotrail.ingest.rows import parse_date, parse_number, screen_rows
from zerotrail.store.committed import commit_new
from zerotrail.store.history import snapshot
from zerotrail.store.imports import insert_rows
from zerotrail.store.meters import Reading, stored_cooling, stored_readings
from zerotrail.store.organization import site_ids, site_kinds
from zerotrail.store.workspace import Workspace

# Site kinds whose readings may carry IT energy (and so a PUE).
DATA_CENTRE_KINDS = frozenset({"data_center_owned", "data_center_leased"})


def import_meters(ws: Workspace, path: Path) -> ImportReport:
    """Add meter readings; the whole file is checked first and imported whole or not at all."""
    f = read_small(path, METERS)
    problems = screen_rows(f.name, f.rows)
    raise_if(f.name, problems, len(problems))
    kinds = site_kinds(ws)
    rows: list[tuple[int, Reading]] = []
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        site = r.get("site", "")
        if not site:
            bad("site", "is empty (required)")
        elif site not in kinds:
            bad("site", f"unknown site '{site}' (import sites first)")
        start, why = parse_date(r.get("period_start", ""))
        if why:
            bad("period_start", why)
        end, why = parse_date(r.get("period_end", ""))
        if why:
            bad("period_end", why)
        if start and end:
            if end < start:
                bad("period_end", f"ends before period_start ({start.isoformat()})")
            elif end.year != start.year:
                bad(
                    "period_end",
                    f"a reading stays within one calendar year (starts in {start.year});"
                    " split it at the year end",
                )
        facility, why = parse_number(r.get("facility_mwh", ""), positive=True)
        if why:
            bad("facility_mwh", why)
        it = _optional(r.get("it_mwh", ""), "it_mwh", bad, positive=True)
        if it is not None:
            if facility is not None and it > facility:
                bad(
                    "it_mwh",
                    f"IT energy {it:g} MWh exceeds facility energy {facility:g} MWh"
                    " (PUE would be below 1)",
                )
            if site in kinds and kinds[site] not in DATA_CENTRE_KINDS:
                bad(
                    "it_mwh",
                    f"site {site} is a {kinds[site]}: IT energy is recorded for data centres"
                    f" only ({', '.join(sorted(DATA_CENTRE_KINDS))})",
                )
        onsite = _optional(r.get("onsite_renewable_mwh", ""), "onsite_renewable_mwh", bad, low=0)
        if onsite is not None and facility is not None and onsite > facility:
            bad(
                "onsite_renewable_mwh",
                f"on-site renewable {onsite:g} MWh exceeds facility energy"
                f" {facility:g} MWh (only generation used at the site counts)",
            )
        if site and start and end and end >= start and facility is not None:
            rows.append((line, (site, start, end, facility, it, onsite)))
    stored = stored_readings(ws)
    problems += _overlaps(f.name, rows, stored)
    raise_if(f.name, problems, len(problems))
    new = [row for _, row in rows if row not in stored.get(row[0], [])]
    if not new:
        return ImportReport("meters", f.name, len(rows), 0, 0, len(rows), None)
    import_id = new_import_id()
    with ws.transaction():
        insert_rows(ws, "meter_readings", [(*row, import_id) for row in new])
        commit_new(ws, "meter_reading")  # each new reading is a ledger leaf
        note_import(ws, import_id, "meters", path, len(new), 0)
    return ImportReport("meters", f.name, len(rows), len(new), 0, len(rows) - len(new), import_id)


def _optional(
    text: str,
    col: str,
    bad: Callable[[str, str], None],
    *,
    positive: bool = False,
    low: float | None = None,
) -> float | None:
    """An optional number: None when blank; a problem (and None) when not a number, below
    `low` or (if `positive`) not above 0."""
    if not text:
        return None
    value, why = parse_number(text, low=low, positive=positive)
    if why:
        bad(col, why)
    return value


def _overlaps(
    name: str, rows: list[tuple[int, Reading]], stored: dict[str, list[Reading]]
) -> list[Problem]:
    """Readings of one site whose periods share a day, in the file or with stored readings.

    A row identical to a stored reading is the same reading imported again, not an overlap.
    """
    problems = []
    by_site: dict[str, list[tuple[int, Reading]]] = {}
    for line, row in rows:
        by_site.setdefault(row[0], []).append((line, row))
    for site, items in by_site.items():
        # Sorted by start, a reading overlaps an earlier one exactly when it starts on or
        # before the latest end so far; name that reading.
        latest: tuple[int, Reading] | None = None
        for line, row in sorted(items, key=lambda i: (i[1][1], i[0])):
            if latest is not None and row[1] <= latest[1][2]:
                other = latest[1]
                problems.append(
                    Problem(
                        name,
                        line,
                        "period_start",
                        f"{site} {_span(row)} overlaps {_span(other)} on row {latest[0]}",
                    )
                )
            if latest is None or row[2] > latest[1][2]:
                latest = (line, row)
        for line, row in items:
            for old in stored.get(site, []):
                if old != row and row[1] <= old[2] and old[1] <= row[2]:
                    problems.append(
                        Problem(
                            name,
                            line,
                            "period_start",
                            f"{site} {_span(row)} overlaps the stored reading {_span(old)}"
                            " (readings are added, never replaced)",
                        )
                    )
    problems.sort(key=lambda p: p.row or 0)
    return problems


def _span(row: Reading) -> str:
    return f"{row[1].isoformat()}..{row[2].isoformat()}"


def import_cooling(ws: Workspace, path: Path) -> ImportReport:
    """Add or correct cooling history rows, one per (site, since); whole file or nothing."""
    f = read_small(path, COOLING)
    problems = screen_rows(f.name, f.rows, free_text=("note",))
    raise_if(f.name, problems, len(problems))
    sites = site_ids(ws)
    rows: list[tuple[str, date, str, str | None]] = []
    seen: dict[tuple[str, date], int] = {}
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        site = r.get("site", "")
        if not site:
            bad("site", "is empty (required)")
        elif site not in sites:
            bad("site", f"unknown site '{site}' (import sites first)")
        since, why = parse_date(r.get("since", ""))
        if why:
            bad("since", why)
        tech = r.get("technology", "")
        if tech not in COOLING_TECHNOLOGIES:
            bad(
                "technology",
                f"expected one of {', '.join(sorted(COOLING_TECHNOLOGIES))}, not '{tech}'",
            )
        if site and since:
            if (site, since) in seen:
                bad(
                    "since",
                    f"{site} already has a row since {since.isoformat()}"
                    f" (row {seen[site, since]}); one technology per site and date",
                )
            else:
                seen[site, since] = line
                rows.append((site, since, tech, r.get("note") or None))
    raise_if(f.name, problems, len(problems))
    stored = stored_cooling(ws)
    with ws.transaction():  # each new or changed row is a version, and a ledger leaf
        key = ("site", "since")
        report = upsert(ws, "cooling", path, f.name, "site_cooling", key, rows, stored)
        snapshot(ws, "cooling")
    return report
