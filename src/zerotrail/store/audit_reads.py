"""The audit of what a reader sees: each committed run through the `results` view, the view
itself, and the bookkeeping that decides which record versions a run sees.

Where it sits: store, called by the ledger audit (store/audit.py) after the commitments. Those
prove that every stored row is the row committed; but `inventory`, `report` and every figure
read a run's per-record results through the `results` view, which picks each run's record
versions by `activities.import_id` and `activities.superseded_by` (bookkeeping of the imports,
outside the activity leaves) and computes their figures from the run's stored signatures. A
reader could be shown other figures with every commitment intact: by a redefined view, or by
records moved out of (or into) a run through that bookkeeping. So the audit also

- reads every committed run through the view, as `runs.scope_sums` read it when the run was
  committed: its record count and its figures (Scope 1, Scope 2 both methods, Scope 3 both
  bases, biogenic CO2; the totals are their sums) must be the committed ones;
- compares the stored view's definition with the one this version of zerotrail creates (the
  caller compiles it from the engine's expressions; the workspace's copies are not trusted);
- checks the bookkeeping against the log, which fixes both without trusting it: a version is
  superseded by the import of the version after it and current when there is none; and each
  run's `as_of_import` (committed) must split the activity leaves exactly at the run's own
  leaf, since an import commits its records in its transaction and a run commits after the
  imports it saw and before any later one. Import ids also follow the log's order;
- checks each publication's stored figures (which the next report compares its own with, to
  list restatements) against the SHA-256 it committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from zerotrail.ledger.canonical import leaf_sql
from zerotrail.store.database import Workspace

_EXPECTED_VIEW = "zt_audit_expected_results"
_EXCLUDE = re.compile(r"EXCLUDE \(([^()]*)\)")
# Figures a run commits that are one scope's sum: (committed field, label, scope, column:
# 0 location-based, 1 market-based). Biogenic CO2 is the sum over every scope.
_FIGURES = (
    ("scope1", "Scope 1", 1, 0),
    ("scope2_location", "Scope 2 (location-based)", 2, 0),
    ("scope2_market", "Scope 2 (market-based)", 2, 1),
    ("scope3", "Scope 3", 3, 0),
    ("scope3_market", "Scope 3 (market-based)", 3, 1),
)
_ACTIVITY_LEAVES = """activities a JOIN ledger_leaves l
    ON l.kind = 'activity' AND l.ref = a.record_id AND l.version = a.version"""


@dataclass(frozen=True, slots=True)
class Reads:
    """What the reader's side of the audit covered."""

    runs: int  # committed runs read through the results view
    view: str  # the view's definition: "compared" with this version's, or "not compared"


@dataclass(frozen=True, slots=True)
class _Run:
    run_id: str
    leaf: int
    committed: dict[str, object]


def audit_reads(
    ws: Workspace,
    find: Callable[[str], None],
    leaves: str,
    results_view: str | None = None,
    limit: int = 1000,
) -> Reads:
    """Check what readers see (the module docstring); `leaves` is a table of the log's leaves
    of every kind but activity, `results_view` the SQL of the view this version creates."""
    runs = _committed_runs(ws, leaves)
    stored = _view_sql(ws, "results", temporary=False)
    view = "not compared"
    if results_view is not None and stored is not None:
        view = "compared"
        if _body(stored) != _body(_expected_sql(ws, results_view)):
            find(
                "the results view, through which every report reads the runs' per-record"
                " results, is not the one this version of zerotrail creates: it was redefined"
                " (or made by another version; the next calculation recreates it)"
            )
    if stored is None and any(int(str(r.committed.get("records", 0))) > 0 for r in runs):
        find(
            "the results view, through which every report reads the runs' per-record results,"
            " is missing or not a view (a calculation recreates a missing one)"
        )
    read = stored is not None or _has_table(ws, "results")  # a table in its place is read too
    if read:
        _read_runs(ws, runs, find)
    _check_versions(ws, find, limit)
    _check_imports(ws, runs, find)
    for (report_id,) in ws.fetchall(
        f"SELECT report_id FROM reports WHERE sha256(figures) <> figures_sha256"
        f" ORDER BY report_id LIMIT {limit}"
    ):
        find(
            f"report {report_id}: its stored figures (reports.figures) are not the ones whose"
            " SHA-256 it committed"
        )
    return Reads(len(runs) if read else 0, view)


def _committed_runs(ws: Workspace, leaves: str) -> list[_Run]:
    """The runs whose kept text still opens their leaf (the others are findings already)."""
    out = []
    for run_id, text, idx in ws.fetchall(
        f"""SELECT r.run_id, r.committed, l.idx FROM runs r
            JOIN {leaves} l ON l.kind = 'run' AND l.ref = r.run_id
            WHERE r.committed IS NOT NULL
              AND {leaf_sql("l.salt", "r.committed", ws.dialect)} = l.leaf_hash
            ORDER BY l.idx"""
    ):
        try:
            committed = json.loads(text)
        except ValueError:
            continue
        if isinstance(committed, dict):
            out.append(_Run(str(run_id), int(idx), committed))
    return out


# --- the results view -------------------------------------------------------------------------


def _view_sql(ws: Workspace, name: str, *, temporary: bool) -> str | None:
    if ws.dialect == "postgres":
        # PostgreSQL keeps a view as its parsed query; pg_get_viewdef writes it back out in
        # one normal form, as DuckDB keeps its own normalized text.
        body = ws.scalar(
            "SELECT pg_get_viewdef(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ?"
            " AND c.relkind = 'v' AND (CASE WHEN ? THEN n.oid = pg_my_temp_schema()"
            " ELSE n.nspname = current_schema() END)",
            [name, temporary],
        )
        return None if body is None else f"CREATE VIEW {name} AS {body}"
    sql = ws.scalar(
        "SELECT sql FROM duckdb_views() WHERE view_name = ? AND temporary = ?"
        " AND schema_name = 'main'",
        [name, temporary],
    )
    return None if sql is None else str(sql)


def _has_table(ws: Workspace, name: str) -> bool:
    if ws.dialect == "postgres":
        return bool(
            ws.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
                " AND table_schema = current_schema() AND table_type = 'BASE TABLE'",
                [name],
            )
        )
    return bool(
        ws.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary"
            " AND schema_name = 'main'",
            [name],
        )
    )


def _expected_sql(ws: Workspace, query: str) -> str:
    """`query` as the database stores a view of it (it normalizes the text it keeps); empty
    when it cannot be built on this workspace (its tables altered: a finding either way)."""
    try:
        ws.execute(f"CREATE OR REPLACE TEMP VIEW {_EXPECTED_VIEW} AS {query}")
        return _view_sql(ws, _EXPECTED_VIEW, temporary=True) or ""
    except ws.errors():
        return ""
    finally:
        ws.execute(f"DROP VIEW IF EXISTS {_EXPECTED_VIEW}")


def _body(create_view: str) -> str:
    """A stored view's query, without `CREATE [TEMP] VIEW name AS`, each `EXCLUDE (...)` list
    sorted: the database keeps those as sets, and writes them in no fixed order."""
    return _EXCLUDE.sub(
        lambda m: "EXCLUDE (" + ", ".join(sorted(m.group(1).split(", "))) + ")",
        create_view.split(" AS ", 1)[-1],
    )


def _read_runs(ws: Workspace, runs: list[_Run], find: Callable[[str], None]) -> None:
    """Each run's record count and figures through the view, against the committed ones."""
    if not runs:
        return
    sums: dict[str, dict[int, tuple[int, float, float, float]]] = {}
    try:
        for run_id, scope, n, loc, mkt, bio in ws.fetchall(
            "SELECT run_id, scope, count(*), sum(co2e_t), sum(co2e_market_t),"
            " sum(biogenic_co2_t) FROM results WHERE list_contains(?, run_id) GROUP BY ALL",
            [[r.run_id for r in runs]],
        ):
            sums.setdefault(str(run_id), {})[int(scope)] = (
                int(n),
                float(loc or 0.0),
                float(mkt or 0.0),
                float(bio or 0.0),
            )
    except ws.errors() as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        find(f"the results view cannot be read: {first}")
        return
    for run in runs:
        by_scope = sums.get(run.run_id, {})
        diffs = []
        records = run.committed.get("records")
        now_n = sum(v[0] for v in by_scope.values())
        if records is not None and int(str(records)) != now_n:
            diffs.append(f"records: {int(str(records)):,} committed, {now_n:,} now")
        now = {
            name: by_scope.get(scope, (0, 0.0, 0.0, 0.0))[1 + col]
            for name, _, scope, col in _FIGURES
        }
        now["biogenic_co2"] = sum(v[3] for v in by_scope.values())
        labels = {name: label for name, label, _, _ in _FIGURES} | {"biogenic_co2": "biogenic CO2"}
        for name, label in labels.items():
            if name not in run.committed:
                continue  # a run committed before this figure was
            was = float(str(run.committed[name]))
            # The sums run in another order than when committed: a few ulps apart at most.
            if abs(now[name] - was) > 1e-6 + 1e-9 * abs(was):
                diffs.append(f"{label}: {was:,.3f} t committed, {now[name]:,.3f} t now")
        if diffs:
            find(
                f"run {run.run_id}: its results read through the results view are not what it"
                f" committed ({'; '.join(diffs)}): records hidden or added, or the view"
                " redefined"
            )


# --- which record versions a run sees -----------------------------------------------------------


def _check_versions(ws: Workspace, find: Callable[[str], None], limit: int) -> None:
    """Each stored version once; superseded by its successor's import, current when last."""
    for rid, ver, n in ws.fetchall(
        f"""SELECT record_id, version, count(*) FROM activities GROUP BY ALL
            HAVING count(*) > 1 ORDER BY 1, 2 LIMIT {limit}"""
    ):
        find(f"activity {rid} version {ver}: stored {n} times (copies inserted)")
    for rid, ver, by, has_next, next_import in ws.fetchall(
        f"""SELECT a.record_id, a.version, a.superseded_by,
                   n.record_id IS NOT NULL, n.import_id
            FROM activities a LEFT JOIN activities n
              ON n.record_id = a.record_id AND n.version = a.version + 1
            WHERE CASE WHEN n.record_id IS NULL THEN a.superseded_by IS NOT NULL OR NOT a.current
                       ELSE a.superseded_by IS DISTINCT FROM n.import_id OR a.current END
            ORDER BY 1, 2 LIMIT {limit}"""
    ):
        where = f"activity {rid} version {ver}"
        if not has_next and by is not None:
            find(
                f"{where}: marked superseded by import {by}, but no later version is stored"
                " (hidden from the runs that see that import)"
            )
        elif not has_next:
            find(f"{where}: not marked current, yet no later version is stored")
        elif by != next_import:
            shown = "nothing" if by is None else f"import {by}"
            find(
                f"{where}: marked superseded by {shown}, but version {ver + 1} came with"
                f" import {next_import}"
            )
        else:
            find(f"{where}: marked current, yet version {ver + 1} is stored")


def _check_imports(ws: Workspace, runs: list[_Run], find: Callable[[str], None]) -> None:
    """Import ids in the log's order, and each run's `as_of_import` at the run's leaf (for
    the records of the run's year: the only ones the view can give it)."""
    spans = [
        (str(imp), int(lo), int(hi))
        for imp, lo, hi in ws.fetchall(
            f"SELECT a.import_id, min(l.idx), max(l.idx) FROM {_ACTIVITY_LEAVES}"
            " GROUP BY 1 ORDER BY 1"
        )
    ]
    for (a, _, a_hi), (b, b_lo, b_hi) in pairwise(spans):
        if a_hi > b_lo:
            find(
                f"activity records with import_id {b} (leaves {b_lo}..{b_hi}) were committed"
                f" before the last record of import {a} (leaf {a_hi}), whose id is earlier:"
                " import ids were changed"
            )
    for run in runs:
        as_of, year = run.committed.get("as_of_import"), run.committed.get("year")
        if as_of is None or year is None:
            continue
        cut = str(as_of)
        if all(
            (imp <= cut) == (hi < run.leaf) and (imp <= cut) == (lo < run.leaf)
            for imp, lo, hi in spans
        ):
            continue
        for seen, n, idx, rid, ver, imp in ws.fetchall(
            f"""SELECT a.import_id <= ?, count(*), min(l.idx), arg_min(a.record_id, l.idx),
                       arg_min(a.version, l.idx), arg_min(a.import_id, l.idx)
                FROM {_ACTIVITY_LEAVES}
                WHERE (a.import_id <= ?) <> (l.idx < ?) AND year(a.period_start) = ?
                GROUP BY 1 ORDER BY 1""",
            [cut, cut, run.leaf, int(str(year))],
        ):
            example = f"e.g. {rid} version {ver}, leaf {idx}, import_id {imp}"
            find(
                f"run {run.run_id} (leaf {run.leaf}, as of import {cut}): {n:,} activity record"
                " version(s) committed after it carry an import_id it saw, so its results now"
                f" include them ({example}): import ids were changed"
                if seen
                else f"run {run.run_id} (leaf {run.leaf}, as of import {cut}): {n:,} activity"
                " record version(s) committed before it carry an import_id after the ones it"
                f" saw, so its results now leave them out ({example}): import ids were changed"
            )
