"""Importing reduction initiatives: who does what, where, from when, for how many tonnes.

Where it sits: ingest, read by reports/initiatives.py; the stored versions are read through
`store/initiatives.py`. Initiatives are commitments a company
reports on, so they are versioned and committed to the ledger: a changed initiative is a new
version (the latest counts, the earlier ones stay provable), and only with `replace`; the same
content again is left as it is. Every new version gets its ledger leaf in the transaction that
stores it (store/committed.py, kind 'initiative').
"""

from __future__ import annotations

import re
from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import INITIATIVES
from zerotrail.ingest.imports import ImportReport, add_versions
from zerotrail.ingest.rows import parse_number, parse_year, screen_rows
from zerotrail.store.initiatives import Content, latest_initiatives
from zerotrail.store.organization import site_ids
from zerotrail.store.workspace import Workspace

# The abatement levers an initiative may name (docs/formats.md lists the same set).
LEVERS = frozenset(
    {
        "efficiency",
        "renewable_energy",
        "electrification",
        "fuel_switch",
        "refrigerants",
        "travel",
        "commuting",
        "procurement",
        "other",
    }
)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def import_initiatives(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Add initiatives, or (with `replace`) new versions of changed ones; whole file or nothing."""
    f = read_small(path, INITIATIVES)
    # `sites` lists site ids (each checked below), so it may be longer than one id.
    problems = screen_rows(f.name, f.rows, free_text=("name", "owner", "description", "sites"))
    raise_if(f.name, problems, len(problems))
    sites = site_ids(ws)
    latest = latest_initiatives(ws)
    rows: list[tuple[str, Content]] = []
    seen: dict[str, int] = {}
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        iid = r.get("initiative_id", "")
        if not iid:
            bad("initiative_id", "is empty (required)")
        elif iid in seen:
            bad("initiative_id", f"duplicate initiative {iid} (first on row {seen[iid]})")
        else:
            seen[iid] = line
        for col in ("name", "owner"):
            if not r.get(col):
                bad(col, "is empty (required)")
        lever = r.get("lever", "")
        if lever not in LEVERS:
            bad("lever", f"expected one of {', '.join(sorted(LEVERS))}, not '{lever}'")
        named = [s.strip() for s in r.get("sites", "").split(";") if s.strip()]
        for s in named:
            if s not in sites:
                bad("sites", f"unknown site '{s}' (import sites first)")
        start, why = parse_year(r.get("start_year", ""))
        if why:
            bad("start_year", why)
        expected, why = parse_number(r.get("expected_t_per_year", ""), low=0)
        if why:
            bad("expected_t_per_year", why + " (t CO2e per year)")
        cost: float | None = None
        if r.get("cost"):
            cost, why = parse_number(r["cost"], low=0)
            if why:
                bad("cost", why)
        currency = r.get("currency") or None
        if currency is not None and not _CURRENCY.match(currency):
            bad("currency", f"expected an ISO 4217 code such as CNY or USD, not '{currency}'")
        elif currency is None and r.get("cost"):
            bad("currency", "required when a cost is given (ISO 4217, e.g. CNY)")
        if start is None or expected is None:
            continue
        content: Content = (
            r.get("name", ""),
            r.get("owner", ""),
            lever,
            # Sorted and de-duplicated, so listing the same sites in another order is no change.
            ";".join(sorted(set(named))),
            start,
            expected,
            cost,
            currency,
            r.get("description") or None,
        )
        if iid in latest and latest[iid][1] != content and not replace:
            bad(
                "initiative_id",
                f"initiative {iid} already exists (version {latest[iid][0]}) with different"
                " content; use --replace to record a new version",
            )
        rows.append((iid, content))
    raise_if(f.name, problems, len(problems))
    return add_versions(
        ws,
        "initiatives",
        path,
        f.name,
        "initiatives",
        [((i,), c) for i, c in rows],
        {(i,): v for i, v in latest.items()},
        "initiative",
    )
