"""Reading a year's inventory from the workspace: its current run and the run's results.

Where it sits: store, under the inventory and report stages (pipeline/inventory.py,
pipeline/publish.py), which hand what is read here to `reports/` as values. Everything is read
from the `results` view (per-record figures of every run) and the tables beside it; nothing here
writes. Gas families are passed in by the caller (the engine's list), since the `results` view
has a mass and a CO2e column for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.model.inventory import CurrentRun, GasSums, ResultGroup
from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident

# How each breakdown of `zerotrail inventory --by` keys the results (gas is apart: it splits
# columns, not rows).
BREAKDOWN_KEYS = {
    "scope": "CAST(scope AS VARCHAR)",
    "entity": "entity",
    "site": "coalesce(site, '')",
    "category": "CASE WHEN scope = 3 THEN CAST(category AS VARCHAR) ELSE 'scope ' ||"
    " CAST(scope AS VARCHAR) END",
    "month": "strftime(period_start, '%Y-%m')",
    "activity": "activity",
}


def _gas_columns(families: Sequence[str]) -> str:
    return ", ".join(
        f"sum({quote_ident(f + '_t')}), sum({quote_ident('co2e_' + f + '_t')})" for f in families
    )


def _f(value: Any) -> float:
    return float(value or 0.0)


def current_run(ws: Workspace, year: int) -> CurrentRun | None:
    """The year's current calculation run, or None when the year was never calculated."""
    rows = ws.fetchall(
        "SELECT run_id, gwp_set, consolidation, problems FROM runs WHERE year = ? AND current",
        [year],
    )
    if not rows:
        return None
    run_id, gwp, approach, problems = rows[0]
    return CurrentRun(str(run_id), year, str(gwp), str(approach), int(problems))


def current_runs(ws: Workspace, upto: int | None = None) -> list[CurrentRun]:
    """Every year's current run (up to `upto` when given), by year."""
    rows = ws.fetchall(
        "SELECT year, run_id, gwp_set, consolidation, problems FROM runs"
        " WHERE current AND (? IS NULL OR year <= ?) ORDER BY year",
        [upto, upto],
    )
    return [CurrentRun(str(r), int(y), str(g), str(c), int(p)) for y, r, g, c, p in rows]


def result_groups(
    ws: Workspace, run_id: str, families: Sequence[str], entities: Sequence[str] | None = None
) -> list[ResultGroup]:
    """The run's per-record results summed by scope, category, site kind and flags; only the
    records of `entities` when given (an owner's part, pipeline/isolation.py).

    One pass over the results: at 10^7 records each separate scan costs about 2 s.
    """
    rows = ws.fetchall(
        f"""SELECT scope, category, coalesce(site_kind, ''), flags, count(*),
                   sum(co2e_t), sum(co2e_market_t), sum(biogenic_co2_t), sum(dq_score * co2e_t),
                   count(*) FILTER (WHERE mwh > 0), sum(mwh) FILTER (WHERE mwh > 0),
                   sum(renewable_mwh) FILTER (WHERE mwh > 0),
                   {_gas_columns(families)}, sum(co2e_unsplit_t)
            FROM results WHERE run_id = ? AND (? OR list_contains(?, entity)) GROUP BY ALL""",
        [run_id, *_among(entities)],
    )
    out = []
    for g in rows:
        gases = tuple(
            GasSums(fam, _f(g[12 + 2 * i]), _f(g[13 + 2 * i])) for i, fam in enumerate(families)
        )
        out.append(
            ResultGroup(
                scope=int(g[0]),
                category=None if g[1] is None else int(g[1]),
                site_kind=str(g[2]),
                flags=str(g[3] or ""),
                records=int(g[4]),
                co2e_t=_f(g[5]),
                co2e_market_t=_f(g[6]),
                biogenic_co2_t=_f(g[7]),
                dq_weighted_t=None if g[8] is None else float(g[8]),
                electricity_records=int(g[9]),
                mwh=_f(g[10]),
                renewable_mwh=_f(g[11]),
                gases=gases,
                unsplit_t=_f(g[12 + 2 * len(families)]),
            )
        )
    return out


def run_problems(
    ws: Workspace, run_id: str, limit: int = 1000, entities: Sequence[str] | None = None
) -> list[tuple[str, str]]:
    """(record id, message) of the run's records that could not be calculated, by id; only
    the records of `entities` when given."""
    return [
        (str(r), str(m))
        for r, m in ws.fetchall(
            f"SELECT record_id, message FROM run_problems WHERE run_id = ? AND {_RECORD_OF}"
            " ORDER BY record_id LIMIT ?",
            [run_id, *_among(entities), limit],
        )
    ]


def entity_problem_count(ws: Workspace, run_id: str, entities: Sequence[str]) -> int:
    """How many of the run's records of `entities` could not be calculated."""
    return int(
        ws.scalar(
            f"SELECT count(*) FROM run_problems WHERE run_id = ? AND {_RECORD_OF}",
            [run_id, *_among(entities)],
        )
    )


# A problem of a record (never a run's note) of the given entities (any version of the record).
_RECORD_OF = (
    "record_id IS NOT NULL AND (? OR record_id IN"
    " (SELECT record_id FROM activities WHERE list_contains(?, entity)))"
)


def _among(entities: Sequence[str] | None) -> list[Any]:
    """The parameters of `(? OR list_contains(?, entity))`: every entity when None."""
    return [entities is None, sorted(entities or ())]


def run_notes(ws: Workspace, run_id: str) -> list[str]:
    """The run's notes: problems that concern no one record."""
    return [
        str(m)
        for (m,) in ws.fetchall(
            "SELECT message FROM run_problems WHERE run_id = ? AND record_id IS NULL ORDER BY 1",
            [run_id],
        )
    ]


def gas_totals(ws: Workspace, run_id: str, families: Sequence[str]) -> tuple[list[GasSums], float]:
    """Each gas family over the whole run, and the t CO2e reported as CO2e only."""
    sums = []
    for fam in families:
        mass, co2e = ws.fetchall(
            f"SELECT coalesce(sum({quote_ident(fam + '_t')}), 0),"
            f" coalesce(sum({quote_ident('co2e_' + fam + '_t')}), 0) FROM results"
            " WHERE run_id = ?",
            [run_id],
        )[0]
        sums.append(GasSums(fam, float(mass), float(co2e)))
    unsplit = ws.scalar(
        "SELECT coalesce(sum(co2e_unsplit_t),0) FROM results WHERE run_id = ?", [run_id]
    )
    return sums, float(unsplit)


def scope_rows(
    ws: Workspace, run_id: str, by: str
) -> list[tuple[Any, float, float, float, float, int]]:
    """Per value of the breakdown `by` (a key of BREAKDOWN_KEYS): Scope 1, Scope 2 location-
    and market-based, Scope 3 and the number of records, ordered by that value."""
    key = BREAKDOWN_KEYS[by]  # a KeyError is a bug: the caller checks `by` first
    return [
        (k, float(a), float(b), float(c), float(d), int(n))
        for k, a, b, c, d, n in ws.fetchall(
            f"""SELECT {key} AS k,
                sum(CASE WHEN scope = 1 THEN co2e_t ELSE 0 END),
                sum(CASE WHEN scope = 2 THEN co2e_t ELSE 0 END),
                sum(CASE WHEN scope = 2 THEN co2e_market_t ELSE 0 END),
                sum(CASE WHEN scope = 3 THEN co2e_t ELSE 0 END),
                count(*)
                FROM results WHERE run_id = ? GROUP BY k ORDER BY k""",
            [run_id],
        )
    ]


def gases_by_scope(
    ws: Workspace, run_id: str, families: Sequence[str]
) -> dict[int, tuple[list[GasSums], float]]:
    """Per scope: each gas family and the t CO2e reported as CO2e only."""
    out: dict[int, tuple[list[GasSums], float]] = {}
    for row in ws.fetchall(
        f"SELECT scope, {_gas_columns(families)}, sum(co2e_unsplit_t) FROM results"
        " WHERE run_id = ? GROUP BY scope ORDER BY scope",
        [run_id],
    ):
        gases = [
            GasSums(fam, _f(row[1 + 2 * i]), _f(row[2 + 2 * i])) for i, fam in enumerate(families)
        ]
        out[int(row[0])] = (gases, _f(row[-1]))
    return out


def scope3_by_method(ws: Workspace, run_id: str) -> list[tuple[int, str, float, float]]:
    """(category, method, t CO2e, market-based t CO2e) of the run's Scope 3 results."""
    return [
        (int(c), str(m), float(t), float(tm))
        for c, m, t, tm in ws.fetchall(
            "SELECT category, method, sum(co2e_t), sum(co2e_market_t) FROM results"
            " WHERE run_id = ? AND scope = 3 GROUP BY 1, 2 ORDER BY 1, 2",
            [run_id],
        )
    ]


def scope3_quality(ws: Workspace, run_id: str) -> dict[int, float | None]:
    """Per Scope 3 category: the data-quality score weighted by t CO2e (None when unscored)."""
    return {
        int(c): None if dq is None else float(dq)
        for c, dq in ws.fetchall(
            "SELECT category, sum(dq_score * co2e_t) / nullif(sum(co2e_t), 0) FROM results"
            " WHERE run_id = ? AND scope = 3 GROUP BY 1",
            [run_id],
        )
    }


def entities(
    ws: Workspace,
) -> list[tuple[str, str | None, str | None, float, str | None, bool, str | None]]:
    """(entity, name, parent, equity share, financial control, operational control, country)
    of every entity of the organization, by id."""
    return [
        (str(e), n, p, float(s), fc, bool(oc), c)
        for e, n, p, s, fc, oc, c in ws.fetchall(
            "SELECT entity, name, parent, equity_share, financial_control, operational_control,"
            " country FROM entities ORDER BY entity"
        )
    ]


def scope12_by_activity(
    ws: Workspace, run_id: str, entities: Sequence[str], *, inside: bool = False
) -> list[tuple[str, float]]:
    """Scope 1 + 2 (market-based) t CO2e per activity key, of the run's results outside (or,
    with `inside`, of) `entities`."""
    return [
        (str(a), float(t))
        for a, t in ws.fetchall(
            "SELECT activity, sum(CASE WHEN scope = 2 THEN co2e_market_t ELSE co2e_t END)"
            " FROM results WHERE run_id = ? AND scope IN (1, 2) AND list_contains(?, entity) = ?"
            " GROUP BY 1",
            [run_id, list(entities), inside],
        )
    ]


def event_entities(ws: Workspace, event_ids: Sequence[str]) -> list[str]:
    """The entities named by these base-year events (acquisitions, divestments ...), by id."""
    return [
        str(e)
        for (e,) in ws.fetchall(
            "SELECT DISTINCT entity FROM baseline_events WHERE entity IS NOT NULL"
            " AND list_contains(?, event_id) ORDER BY 1",
            [list(event_ids)],
        )
    ]


def metric_values(ws: Workspace) -> list[tuple[str, int, float, str]]:
    """(metric, year, value, unit) of every stored intensity denominator."""
    return [
        (str(m), int(y), float(v), str(u))
        for m, y, v, u in ws.fetchall(
            "SELECT metric, year, value, unit FROM metrics ORDER BY metric, year"
        )
    ]
