"""Importing contractual instruments for market-based Scope 2 (certificates, PPAs, supplier rates).

Instruments are validated for form here; whether each one counts (retired, same market, same
period) is decided by the calculation, which reports the reason for every instrument that does not.
New instrument ids are added; a known id with changed content is refused unless replace. The
reads it checks against and its writes are store functions (`store/instruments.py`,
`store/organization.py`, `store/imports.py`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import INSTRUMENT_STATUSES, INSTRUMENT_TYPES, INSTRUMENTS
from zerotrail.ingest.imports import ImportReport, new_import_id, note_import
from zerotrail.ingest.rows import parse_date, parse_number, screen_rows
from zerotrail.model.regions import region_problem
from zerotrail.store.history import snapshot
from zerotrail.store.imports import delete_keyed, insert_rows
from zerotrail.store.instruments import stored_instruments
from zerotrail.store.organization import entity_ids, site_entities
from zerotrail.store.workspace import Workspace


def import_instruments(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    f = read_small(path, INSTRUMENTS)
    problems = screen_rows(f.name, f.rows)
    raise_if(f.name, problems, len(problems))
    entities = entity_ids(ws)
    sites = site_entities(ws)
    existing = stored_instruments(ws)
    rows: list[tuple[object, ...]] = []
    seen: dict[str, int] = {}
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        iid = r.get("instrument_id", "")
        if not iid:
            bad("instrument_id", "is empty (required)")
        elif iid in seen:
            bad("instrument_id", f"duplicate instrument {iid} (first on row {seen[iid]})")
        seen.setdefault(iid, line)
        typ = r.get("type", "")
        if typ not in INSTRUMENT_TYPES:
            bad("type", f"expected one of {', '.join(sorted(INSTRUMENT_TYPES))}, not '{typ}'")
        mwh, why = parse_number(r.get("mwh", ""), positive=True)
        if why:
            bad("mwh", why)
        start, why = parse_date(r.get("period_start", ""))
        if why:
            bad("period_start", why)
        end, why = parse_date(r.get("period_end", ""))
        if why:
            bad("period_end", why)
        if start and end and end < start:
            bad("period_end", f"ends before period_start ({start.isoformat()})")
        region = r.get("region", "")
        if why := region_problem(region):
            bad("region", why)
        ent, site = r.get("entity") or None, r.get("site") or None
        if not ent and not site:
            bad("entity", "an instrument needs an entity or a site")
        if ent and ent not in entities:
            bad("entity", f"unknown entity '{ent}'")
        if site and site not in sites:
            bad("site", f"unknown site '{site}'")
        if site and site in sites and ent is None:
            ent = sites[site]
        status = r.get("status", "")
        if status not in INSTRUMENT_STATUSES:
            bad(
                "status",
                f"expected one of {', '.join(sorted(INSTRUMENT_STATUSES))}, not '{status}'",
            )
        retired: date | None = None
        if r.get("retired_on"):
            retired, why = parse_date(r["retired_on"])
            if why:
                bad("retired_on", why)
        elif status in {"retired", "cancelled"}:
            bad("retired_on", f"required when status is {status}")
        rate = 0.0
        if r.get("emission_rate_t_per_mwh"):
            value, why = parse_number(r["emission_rate_t_per_mwh"], low=0)
            if why:
                bad("emission_rate_t_per_mwh", why)
            rate = value or 0.0
        row = (
            typ,
            mwh,
            start,
            end,
            region,
            ent,
            site,
            status,
            retired,
            r.get("registry_id") or None,
            rate,
        )
        if iid in existing and existing[iid] != row and not replace:
            bad(
                "instrument_id",
                f"instrument {iid} already exists with different content;"
                " use --replace to update it",
            )
        rows.append((iid, *row))
    raise_if(f.name, problems, len(problems))
    new = [r for r in rows if r[0] not in existing]
    changed = [r for r in rows if r[0] in existing and existing[str(r[0])] != tuple(r[1:])]
    if not new and not changed:
        return ImportReport("instruments", f.name, len(rows), 0, 0, len(rows), None)
    import_id = new_import_id()
    with ws.transaction():
        delete_keyed(ws, "instruments", ("instrument_id",), [inst[:1] for inst in changed])
        insert_rows(ws, "instruments", [(*inst, import_id) for inst in new + changed])
        note_import(ws, import_id, "instruments", path, len(new), len(changed))
        snapshot(ws, "instrument")
    return ImportReport(
        "instruments",
        f.name,
        len(rows),
        len(new),
        len(changed),
        len(rows) - len(new) - len(changed),
        import_id,
    )
