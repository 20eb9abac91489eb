"""Calculation runs: writing a run and its results, and the reads the calculation stage needs.

Where it sits: store, written by the calculation stage (pipeline/calculation.py) inside its one
transaction. A run is a row of `runs` (its settings, counts and the last import it saw), the
per-signature results it calculated (`run_signatures`, copied from the session table the
compiled plan filled), the keys whose supplier split its signatures (`run_supplier_keys`) and
its problems (`run_problems`: a record it could not calculate, with the reason, or a note of no
record). The `results` view over every run is (re)created here from the compiled plan's SQL.
Reading a year's inventory is store/inventory.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident


@dataclass(frozen=True, slots=True)
class NewRun:
    run_id: str
    year: int
    gwp_set: str
    consolidation: str
    blend_rule: str
    records: int
    problems: int
    as_of_import: str
    factor_policy: str = "nearest"


def gwp_sets_in_use(ws: Workspace, other_than: str) -> list[str]:
    """GWP sets of current runs other than `other_than` (an inventory uses one set)."""
    rows = ws.fetchall(
        "SELECT DISTINCT gwp_set FROM runs WHERE current AND gwp_set <> ? ORDER BY 1", [other_than]
    )
    return [str(r[0]) for r in rows]


def current_factor_policy(ws: Workspace, year: int) -> str | None:
    """The factor policy of the year's current run (None: no run, or one made before runs
    recorded it)."""
    value = ws.scalar("SELECT factor_policy FROM runs WHERE year = ? AND current", [year])
    return None if value is None else str(value)


def last_import_id(ws: Workspace) -> str:
    """The newest import's id ('' before any): the last import a run sees."""
    return str(ws.scalar("SELECT max(import_id) FROM imports") or "")


def insert_signatures(ws: Workspace, run_id: str, source: str, columns: Sequence[str]) -> None:
    """Store the session table `source` (one row per signature) as the run's signatures."""
    names = ", ".join(quote_ident(c) for c in columns)
    table = quote_ident(source)
    ws.execute(
        f"INSERT INTO run_signatures (run_id, {names}) SELECT ?, {names} FROM {table}", [run_id]
    )


def insert_supplier_keys(ws: Workspace, run_id: str, activities: Sequence[str]) -> None:
    for activity in activities:
        ws.execute("INSERT INTO run_supplier_keys VALUES (?, ?)", [run_id, activity])


def insert_record_problems(ws: Workspace, run_id: str, query: str) -> int:
    """Store each (record_id, message) row of the compiled `query` as a problem of the run;
    returns how many were stored."""
    ws.execute(
        f"INSERT INTO run_problems SELECT ?, p.record_id, p.message FROM ({query}) AS p", [run_id]
    )
    return record_problem_count(ws, run_id)


def insert_notes(ws: Workspace, run_id: str, notes: Sequence[str]) -> None:
    """Problems of no record (an excluded entity, an instrument that does not count)."""
    for note in notes:
        ws.execute("INSERT INTO run_problems VALUES (?, NULL, ?)", [run_id, note])


def insert_current_run(ws: Workspace, run: NewRun) -> None:
    """Add `run` as its year's current run (the year's earlier runs stay, not current)."""
    ws.execute("UPDATE runs SET current = false WHERE year = ? AND current", [run.year])
    ws.execute(
        "INSERT INTO runs (run_id, year, gwp_set, consolidation, blend_rule, records, problems,"
        " created_at, current, as_of_import, committed, factor_policy)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, true, ?, NULL, ?)",
        [
            run.run_id,
            run.year,
            run.gwp_set,
            run.consolidation,
            run.blend_rule,
            run.records,
            run.problems,
            datetime.now(UTC).replace(tzinfo=None),
            run.as_of_import,
            run.factor_policy,
        ],
    )


def set_committed(ws: Workspace, run_id: str, text: str) -> None:
    """Keep the exact canonical text the run's ledger leaf commits to."""
    ws.execute("UPDATE runs SET committed = ? WHERE run_id = ?", [text, run_id])


def record_problem_count(ws: Workspace, run_id: str) -> int:
    """How many of the run's records could not be calculated."""
    return int(
        ws.scalar(
            "SELECT count(*) FROM run_problems WHERE run_id = ? AND record_id IS NOT NULL",
            [run_id],
        )
    )


def ensure_results_view(ws: Workspace, query: str, revision: str) -> None:
    """(Re)create the `results` view as `query`, noting its `revision`. Always: a view
    redefined behind the setting's back must not outlive the next run (`ledger audit` names
    one), and creating a view costs next to nothing."""
    with ws.transaction():
        ws.execute(f"CREATE OR REPLACE VIEW results AS {query}")
        ws.set_setting("results_view", revision)


def scope_sums(ws: Workspace, run_id: str) -> dict[int, tuple[float, float, float]]:
    """The run's per-record results summed by scope: (t CO2e location-based, t CO2e
    market-based, t biogenic CO2). One pass over the results, with only the sums a run commits."""
    rows = ws.fetchall(
        "SELECT scope, sum(co2e_t), sum(co2e_market_t), sum(biogenic_co2_t) FROM results"
        " WHERE run_id = ? GROUP BY scope",
        [run_id],
    )
    return {int(s): (float(a or 0.0), float(b or 0.0), float(c or 0.0)) for s, a, b, c in rows}
