"""A 10^5-row scaled dataset gives DuckDB's figures on PostgreSQL and on Spark.

The scaled generator (zerotrail/demo/scaled.py, the benchmarks' data) draws procurement and
telemetry records across the whole factor library: spend, fuels, electricity with instruments,
refrigerants, every Scope 3 category. The same file is imported into a DuckDB workspace and
calculated for 2024 there (the reference); then imported into a PostgreSQL workspace and
calculated there, and calculated on Spark from the DuckDB workspace's records. Every scope,
basis and gas total must agree with DuckDB's to a relative 1e-9 (the engines sum in different
orders, which moves the last bits of a double).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import Calculate, calculator, figures
from zerotrail.engine.settings import InventorySettings
from zerotrail.store.workspace import Workspace

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


def _import(ws: Workspace, files: Any, rows: Path) -> None:
    from zerotrail.ingest.activities import import_activities
    from zerotrail.ingest.factors import import_factors
    from zerotrail.ingest.instruments import import_instruments
    from zerotrail.ingest.organization import import_entities, import_sites

    import_factors(ws, files.factors)
    import_entities(ws, files.entities)
    import_sites(ws, files.sites)
    import_instruments(ws, files.instruments)
    assert import_activities(ws, rows).added == ROWS


@pytest.fixture(scope="module")
def on_duckdb(
    request: pytest.FixtureRequest,
    scaled_files: tuple[Any, Path],
    workspace_template: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, dict[str, float]]]:
    """The dataset in a DuckDB workspace and the figures DuckDB calculates from it: what the
    other engines are held to."""
    folder = tmp_path_factory.mktemp("scaled-duckdb")
    ws = open_copy(workspace_template(), folder)
    try:
        _import(ws, *scaled_files)
        calculator(request, "duckdb", folder)(ws, InventorySettings(YEAR))
        want = figures(ws, YEAR)
        assert want["total_market"] > 1000  # the dataset is calculated, not empty
        yield ws, want
    finally:
        ws.close()


@pytest.mark.parametrize("engine", ["postgres", "spark"], indirect=True)
def test_the_scaled_dataset_gives_duckdbs_figures(
    request: pytest.FixtureRequest,
    engine: str,
    calculate: Calculate,
    scaled_files: tuple[Any, Path],
    on_duckdb: tuple[Workspace, dict[str, float]],
) -> None:
    duck, want = on_duckdb
    if engine == "spark":
        ws = duck  # Spark calculates a DuckDB workspace's records: these, where DuckDB did
    else:
        ws = request.getfixturevalue("workspace")
        _import(ws, *scaled_files)
    calculate(ws, InventorySettings(YEAR))
    got = figures(ws, YEAR)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
