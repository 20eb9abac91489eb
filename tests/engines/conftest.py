"""One suite for every engine: the `engine` fixture names the backend each test runs on.

DuckDB (through Ibis) is the only engine so far; PostgreSQL and Spark join this parameter list
when their profiles land, with gaps declared as xfail naming their exception.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from zerotrail.engine import reference
from zerotrail.engine.settings import METHOD_DQ, InventorySettings
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.factors import import_factors
from zerotrail.ingest.instruments import import_instruments
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.pipeline import load_shipped_factors, prepare, year_bounds
from zerotrail.store.workspace import Workspace, open_workspace

ENGINES = ["duckdb"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: "" if r.get(c) is None else r[c] for c in cols})
    return path


ROOT = [
    {
        "entity": "E",
        "name": "Emmet",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    }
]


@pytest.fixture
def workspace(tmp_path: Path, engine: str) -> Iterator[Workspace]:
    ws = open_workspace(str(tmp_path / f"{engine}.duckdb"), create=True)
    load_shipped_factors(ws)
    try:
        yield ws
    finally:
        ws.close()


def load(
    ws: Workspace,
    tmp: Path,
    *,
    activities: Sequence[dict[str, Any]],
    entities: Sequence[dict[str, Any]] = ROOT,
    sites: Sequence[dict[str, Any]] = (),
    instruments: Sequence[dict[str, Any]] = (),
    factors: Sequence[dict[str, Any]] = (),
    price_indices: Sequence[dict[str, Any]] = (),
) -> None:
    if factors:
        import_factors(ws, write_csv(tmp / "factors.csv", factors))
    if price_indices:
        import_price_indices(ws, write_csv(tmp / "price_indices.csv", price_indices))
    import_entities(ws, write_csv(tmp / "entities.csv", entities))
    if sites:
        import_sites(ws, write_csv(tmp / "sites.csv", sites))
    if instruments:
        import_instruments(ws, write_csv(tmp / "instruments.csv", instruments))
    import_activities(ws, write_csv(tmp / "activities.csv", activities))


def results(ws: Workspace, year: int) -> dict[str, dict[str, Any]]:
    cur = ws.execute(
        "SELECT r.* FROM results r JOIN runs USING (run_id) WHERE runs.current AND runs.year = ?",
        [year],
    )
    names = [d[0] for d in cur.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def unresolved(ws: Workspace, year: int) -> set[str]:
    return {
        r[0]
        for r in ws.fetchall(
            "SELECT p.record_id FROM run_problems p JOIN runs USING (run_id) WHERE runs.current"
            " AND runs.year = ? AND p.record_id IS NOT NULL",
            [year],
        )
    }


def _rows(ws: Workspace, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = ws.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def reference_results(
    ws: Workspace, settings: InventorySettings
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The plain-Python oracle on the same stored inputs."""
    prep = prepare(ws, settings)
    y0, y1 = year_bounds(settings.year)
    acts = _rows(
        ws,
        "SELECT * FROM activities WHERE current AND period_start BETWEEN ? AND ?"
        " ORDER BY record_id",
        [y0, y1],
    )
    factors = _rows(ws, "SELECT * FROM factors", [])
    inp = reference.RefInputs(
        activities=acts,
        factors=factors,
        conv={(a, u, f): (m, h) for a, u, f, m, h in prep.conv},
        gases={(str(g["gas"]), str(g["origin"])): g for g in prep.gases},
        shares={e: s for e, (s, _) in prep.shares.items()},
        sites={s["site"]: (s["site_kind"], s["controlled"]) for s in prep.sites},
        method_dq=METHOD_DQ,
        mwh_per_unit={m["unit"]: m["mwh_per_unit"] for m in prep.mwh},
        pools=prep.pools,
        prices={(p["currency"], p["year"]): p["price_index"] for p in prep.prices},
        gwp_set=settings.gwp_set,
    )
    return reference.calculate(inp)
