"""One suite for every engine: the `engine` fixture names the backend each test runs on.

Each test runs on a DuckDB workspace and on a PostgreSQL one (a database of the tests' own
server, tests/postgres.py), with the same expected figures; gaps are declared in `ENGINES` as
strict xfails naming their exception. Spark calculates over a workspace's records rather than
being one: tests/engines/test_spark.py holds the same known answers to it.

Also the helpers other test folders load worlds with (`load`, `write_csv`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests import postgres
from tests.conftest import Templates, open_copy
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.factors import import_factors
from zerotrail.ingest.instruments import import_instruments
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.store.workspace import Workspace

# The engines the suite runs on, by workspace kind (the name the pipeline compiles its plan
# for), each with its known gaps: test name -> the exception it raises there, declared as a
# strict xfail. PostgreSQL and Spark are added here when their profiles land.
ENGINES: dict[str, dict[str, type[BaseException]]] = {"duckdb": {}, "postgres": {}}


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    gap = ENGINES[name].get(request.node.originalname)
    if gap is not None:
        request.applymarker(pytest.mark.xfail(raises=gap, strict=True, reason=f"{name} gap"))
    return name


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
def workspace(
    request: pytest.FixtureRequest, tmp_path: Path, engine: str, workspace_template: Templates
) -> Iterator[Workspace]:
    """A fresh workspace with the shipped factors (a copy of one built once per session)."""
    if engine == "postgres":
        from zerotrail.store.workspace import open_workspace

        template = request.getfixturevalue("postgres_template")
        ws = open_workspace(postgres.create_database(template=template))
    else:
        ws = open_copy(workspace_template(), tmp_path, f"{engine}.duckdb")
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
