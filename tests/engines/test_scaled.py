"""A 10^5-row scaled dataset gives the same figures on DuckDB and on PostgreSQL.

The scaled generator (zerotrail/demo/scaled.py, the benchmarks' data) draws procurement and
telemetry records across the whole factor library: spend, fuels, electricity with instruments,
refrigerants, every Scope 3 category. The same file is imported into a DuckDB workspace and a
PostgreSQL one and calculated for 2024; every scope, basis and gas total must agree to a
relative 1e-9 (the engines sum in different orders, which moves the last bits of a double).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import postgres
from tests.conftest import Templates, open_copy
from zerotrail.store.workspace import Workspace, open_workspace

ROWS = 100_000
YEAR = 2024


def _one_year(raw: Path, out: Path) -> Path:
    """The scaled rows moved into YEAR, each keeping its month (as bench/engine.py does)."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT * REPLACE (make_date({YEAR}, month(period_start), 1) AS period_start,
                 last_day(make_date({YEAR}, month(period_start), 1)) AS period_end)
             FROM read_parquet(?)) TO '{out}' (FORMAT parquet)""",
        [str(raw)],
    )
    con.close()
    return out


@pytest.fixture(scope="module")
def scaled_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    from zerotrail.demo.generate import write_demo
    from zerotrail.demo.scaled import write_scaled

    folder = tmp_path_factory.mktemp("scaled")
    files = write_demo(folder / "demo")
    raw = write_scaled(folder / "raw.parquet", ROWS)
    return files, _one_year(raw, folder / "rows.parquet")


def _totals(ws: Workspace, files: Any, rows: Path) -> dict[str, float]:
    from zerotrail.engine.settings import InventorySettings
    from zerotrail.ingest.activities import import_activities
    from zerotrail.ingest.factors import import_factors
    from zerotrail.ingest.instruments import import_instruments
    from zerotrail.ingest.organization import import_entities, import_sites
    from zerotrail.pipeline.calculation import calculate
    from zerotrail.pipeline.inventory import inventory_summary

    import_factors(ws, files.factors)
    import_entities(ws, files.entities)
    import_sites(ws, files.sites)
    import_instruments(ws, files.instruments)
    assert import_activities(ws, rows).added == ROWS
    calculate(ws, InventorySettings(YEAR))
    summary = inventory_summary(ws, YEAR)
    out = {k: float(v) for k, v in summary.items() if isinstance(v, int | float)}
    gases = ws.fetchall(
        "SELECT scope, sum(co2_t), sum(ch4_t), sum(n2o_t), sum(co2e_t), sum(co2e_market_t)"
        " FROM results JOIN runs USING (run_id) WHERE runs.current AND runs.year = ?"
        " GROUP BY scope ORDER BY scope",
        [YEAR],
    )
    for scope, *sums in gases:
        for name, value in zip(("co2", "ch4", "n2o", "co2e", "co2e_market"), sums, strict=True):
            out[f"scope{scope}_{name}"] = float(value or 0.0)
    return out


def test_the_scaled_dataset_gives_the_same_figures_on_duckdb_and_postgresql(
    scaled_files: tuple[Any, Path],
    workspace_template: Templates,
    postgres_template: str,
    tmp_path: Path,
) -> None:
    files, rows = scaled_files
    with open_copy(workspace_template(), tmp_path, "duck.duckdb") as duck:
        want = _totals(duck, files, rows)
    with open_workspace(postgres.create_database(template=postgres_template)) as pg:
        got = _totals(pg, files, rows)
    assert got.keys() == want.keys()
    assert want["total_market"] > 1000  # the dataset is calculated, not empty
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
