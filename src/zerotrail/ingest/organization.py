"""Importing the organization: entities (with ownership and control) and sites.

These files are small, so they are validated row by row in Python. An import replaces the
organization table it targets as a whole, inside one transaction; an activity that names an
entity or site missing from the new file keeps the import from happening.
"""

from __future__ import annotations

from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import missing_columns, read_small
from zerotrail.ingest.formats import ENTITIES, SITE_KINDS, SITES
from zerotrail.ingest.imports import ImportReport, new_import_id, record_import
from zerotrail.ingest.rows import parse_bool, parse_number
from zerotrail.model.regions import region_problem
from zerotrail.store.history import snapshot
from zerotrail.store.workspace import Workspace


def import_entities(ws: Workspace, path: Path) -> ImportReport:
    f = read_small(path)
    problems = missing_columns(f.name, f.columns, ENTITIES.required)
    raise_if(f.name, problems, len(problems))
    rows: list[tuple[object, ...]] = []
    seen: dict[str, int] = {}
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        ent = r.get("entity", "")
        if not ent:
            bad("entity", "is empty (required)")
        elif ent in seen:
            bad("entity", f"duplicate entity {ent} (first on row {seen[ent]})")
        else:
            seen[ent] = line
        if not r.get("name"):
            bad("name", "is empty (required)")
        share, why = parse_number(r.get("equity_share", ""), low=0, high=100)
        if why:
            bad("equity_share", why + " (percent 0-100)")
        fin = r.get("financial_control", "").lower()
        if fin not in {"yes", "no", "joint"}:
            bad("financial_control", f"expected yes, no or joint, not '{fin}'")
        op, why = parse_bool(r.get("operational_control", ""))
        if why:
            bad("operational_control", why)
        country = r.get("country", "")
        if region_problem(country) or len(country) != 2:
            bad("country", f"expected an ISO 3166-1 alpha-2 code such as CN, not '{country}'")
        rows.append((ent, r.get("name", ""), r.get("parent") or None, share, fin, op, country))
    for line, r in f.rows:
        parent = r.get("parent")
        if parent and parent not in seen:
            problems.append(Problem(f.name, line, "parent", f"unknown parent entity {parent}"))
    problems += _cycles(
        f.name, {r.get("entity", ""): (line, r.get("parent") or None) for line, r in f.rows}
    )
    # Entities still referenced by activities or sites must stay.
    still = ws.fetchall(
        "SELECT DISTINCT entity FROM activities WHERE current UNION SELECT entity FROM sites"
    )
    for (ent,) in still:
        if ent not in seen:
            problems.append(
                Problem(
                    f.name,
                    None,
                    "entity",
                    f"entity {ent} is used by activities or sites but missing here",
                )
            )
    raise_if(f.name, problems, len(problems))
    import_id = new_import_id()
    with ws.transaction():
        ws.execute("DELETE FROM entities")
        ws.con.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, import_id) for row in rows],
        )
        record_import(ws, import_id, "entities", path, len(rows), 0)
        snapshot(ws, "entity")
    return ImportReport("entities", f.name, len(rows), len(rows), 0, 0, import_id)


def _cycles(name: str, tree: dict[str, tuple[int, str | None]]) -> list[Problem]:
    problems = []
    for ent, (line, _) in tree.items():
        seen = {ent}
        cur = tree[ent][1]
        while cur is not None and cur in tree:
            if cur in seen:
                problems.append(Problem(name, line, "parent", f"ownership cycle through {ent}"))
                break
            seen.add(cur)
            cur = tree[cur][1]
    return problems


def import_sites(ws: Workspace, path: Path) -> ImportReport:
    f = read_small(path)
    problems = missing_columns(f.name, f.columns, SITES.required)
    raise_if(f.name, problems, len(problems))
    entities = {r[0] for r in ws.fetchall("SELECT entity FROM entities")}
    rows: list[tuple[object, ...]] = []
    seen: dict[str, int] = {}
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        site = r.get("site", "")
        if not site:
            bad("site", "is empty (required)")
        elif site in seen:
            bad("site", f"duplicate site {site} (first on row {seen[site]})")
        else:
            seen[site] = line
        ent = r.get("entity", "")
        if ent not in entities:
            bad("entity", f"unknown entity '{ent}' (import entities first)")
        kind = r.get("kind", "")
        if kind not in SITE_KINDS:
            bad("kind", f"expected one of {', '.join(sorted(SITE_KINDS))}, not '{kind}'")
        region = r.get("region", "")
        if why := region_problem(region):
            bad("region", why)
        op: bool | None = None
        if r.get("operational_control"):
            op, why = parse_bool(r["operational_control"])
            if why:
                bad("operational_control", why)
        rows.append((site, ent, kind, region, r.get("name") or None, op))
    for (site,) in ws.fetchall(
        "SELECT DISTINCT site FROM activities WHERE current AND site IS NOT NULL"
    ):
        if site not in seen:
            problems.append(
                Problem(f.name, None, "site", f"site {site} is used by activities but missing here")
            )
    raise_if(f.name, problems, len(problems))
    import_id = new_import_id()
    with ws.transaction():
        ws.execute("DELETE FROM sites")
        ws.con.executemany(
            "INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?, ?)", [(*row, import_id) for row in rows]
        )
        record_import(ws, import_id, "sites", path, len(rows), 0)
        snapshot(ws, "site")
    return ImportReport("sites", f.name, len(rows), len(rows), 0, 0, import_id)
