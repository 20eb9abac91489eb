"""Importing the organization: entities (with ownership and control) and sites.

Where it sits: ingest; the reads it checks against and the writes are `store/organization.py`
and `store/imports.py`. These files are small, so they are validated row by row in Python. An
import replaces the organization table it targets as a whole, inside one transaction; an
activity that names an entity or site missing from the new file keeps the import from
happening. Rows equal to the stored ones are left alone and reported as unchanged; exactly one
entity (the reporting company) has no parent.
"""

from __future__ import annotations

from pathlib import Path

from zerotrail.errors import Problem
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import ENTITIES, SITE_KINDS, SITES
from zerotrail.ingest.imports import ImportReport, replace_list
from zerotrail.ingest.rows import parse_bool, parse_number, screen_rows
from zerotrail.model.limits import MAX_PERCENT
from zerotrail.model.regions import country_problem, region_problem
from zerotrail.store.history import snapshot
from zerotrail.store.organization import (
    entities_in_use,
    entity_ids,
    sites_in_use,
    stored_entities,
    stored_sites,
)
from zerotrail.store.workspace import Workspace


def import_entities(ws: Workspace, path: Path) -> ImportReport:
    f = read_small(path, ENTITIES)
    problems = screen_rows(f.name, f.rows, free_text=("name",))
    raise_if(f.name, problems, len(problems))
    rows: list[tuple[object, ...]] = []
    seen: dict[str, int] = {}
    root: tuple[str, int] | None = None  # the first entity without a parent, and its row
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
        share, why = parse_number(r.get("equity_share", ""), low=0, high=MAX_PERCENT)
        if why:
            bad("equity_share", why + " (percent 0-100)")
        fin = r.get("financial_control", "").lower()
        if fin not in {"yes", "no", "joint"}:
            bad("financial_control", f"expected yes, no or joint, not '{fin}'")
        op, why = parse_bool(r.get("operational_control", ""))
        if why:
            bad("operational_control", why)
        country = r.get("country", "")
        if why := country_problem(country):
            bad("country", why)
        if not r.get("parent") and ent:
            if root is None:
                root = (ent, line)
            else:
                bad(
                    "parent",
                    f"entity {ent} has no parent, like {root[0]} on row {root[1]}: exactly one"
                    " entity, the reporting company, has none (give the others their parent)",
                )
        rows.append((ent, r.get("name", ""), r.get("parent") or None, share, fin, op, country))
    for line, r in f.rows:
        parent = r.get("parent")
        if parent and parent not in seen:
            problems.append(Problem(f.name, line, "parent", f"unknown parent entity {parent}"))
    problems += _cycles(
        f.name, {r.get("entity", ""): (line, r.get("parent") or None) for line, r in f.rows}
    )
    # Entities still referenced by activities or sites must stay.
    for ent in entities_in_use(ws):
        if ent not in seen:
            problems.append(
                Problem(
                    f.name,
                    None,
                    "entity",
                    f"entity {ent} is used by activities or sites but missing here",
                )
            )
    if f.rows and root is None and not problems:
        problems.append(
            Problem(
                f.name, None, "parent", "no entity without a parent: one is the reporting company"
            )
        )
    raise_if(f.name, problems, len(problems))
    stored = stored_entities(ws)
    return replace_list(
        ws,
        "entities",
        path,
        f.name,
        "entities",
        ("entity",),
        rows,
        stored,
        after=lambda: snapshot(ws, "entity"),
    )


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
    f = read_small(path, SITES)
    problems = screen_rows(f.name, f.rows, free_text=("name",))
    raise_if(f.name, problems, len(problems))
    entities = entity_ids(ws)
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
    for site in sites_in_use(ws):
        if site not in seen:
            problems.append(
                Problem(f.name, None, "site", f"site {site} is used by activities but missing here")
            )
    raise_if(f.name, problems, len(problems))
    stored = stored_sites(ws)
    return replace_list(
        ws,
        "sites",
        path,
        f.name,
        "sites",
        ("site",),
        rows,
        stored,
        after=lambda: snapshot(ws, "site"),
    )
