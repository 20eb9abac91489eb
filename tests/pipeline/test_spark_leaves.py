"""A lake table's ledger leaves built by Spark (`import activities PATH --external --engine spark`).

The leaves Spark commits must be the ones the definition gives (ledger/canonical.py): each opens
with the record as DuckDB reads it from the files, the audit (which recomputes every lake leaf
from the files in DuckDB) finds nothing, and the records sit in file then row order as a DuckDB
registration puts them. The files hold amounts of nine decimals (none exact in binary),
text with quotes, backslashes and non-ASCII characters (the checks refuse control characters;
tests/ledger/test_canonical_spark.py covers their escaping), whole numbers, a blank row, and a
second file in a sub-folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli.invoke import zerotrail
from tests.conftest import Templates, open_copy
from tests.ingest.test_activities import campus
from zerotrail.engine.spark_session import SparkEngine
from zerotrail.ingest.activities import canonical_activity
from zerotrail.ledger.canonical import SALT_BYTES, commitment
from zerotrail.pipeline.imports import import_activities_external
from zerotrail.pipeline.spark_calculation import SparkOptions
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.external import lake_records
from zerotrail.store.workspace import Workspace

NOTES = ['say "hi"', "back\\slash", "漢字 é 🙂 ∑", None]


def rows(prefix: str, n: int) -> list[dict[str, Any]]:
    """n electricity records at campus HZ, January 2023, with amounts of nine decimals (the
    most an import takes), none of them exact in binary."""
    return [
        {
            "record_id": f"{prefix}{i}",
            "entity": "E",
            "site": "HZ",
            "period_start": "2023-01-01",
            "period_end": "2023-01-31",
            "activity": "electricity.grid",
            "quantity": round(1000 * i + 0.123456789 * (i + 1), 9),
            "unit": "kWh",
            "region": "CN-EAST",
            "note": NOTES[i % len(NOTES)],
            "dq_time": 1 + i % 5,
        }
        for i in range(n)
    ]


def write(path: Path, records: list[dict[str, Any] | None]) -> None:
    """The records as Parquet; None is a row of nulls (no record)."""
    names = list(next(r for r in records if r is not None))
    columns = {c: [None if r is None else r[c] for r in records] for c in names}
    types = {"quantity": pa.float64(), "dq_time": pa.int64()}
    table = pa.table({c: pa.array(v, types.get(c, pa.string())) for c, v in columns.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=4)


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    folder = tmp_path / "lake"
    first: list[dict[str, Any] | None] = [*rows("a", 6), None, *rows("b", 5)]
    write(folder / "a.parquet", first)
    write(folder / "sub" / "b.parquet", [*rows("c", 7)])
    return folder


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Any:
    w = open_copy(workspace_template(campus), tmp_path, "lake.duckdb")
    yield w
    w.close()


def lake_records_read(ws: Workspace) -> dict[str, dict[str, object]]:
    """Every lake record as DuckDB reads it from the files, by id."""
    names = list(dict.fromkeys(("record_id", "version", *LEDGER_TYPES, "heat_basis")))
    with lake_records(ws):
        got = ws.fetchall(f"SELECT {', '.join(names)} FROM activities")
    return {str(r[0]): dict(zip(names, r, strict=True)) for r in got}


def test_spark_builds_the_leaves_duckdb_would(
    ws: Workspace, lake: Path, tmp_path: Path, spark: SparkEngine
) -> None:
    done = import_activities_external(
        ws, str(lake), spark=SparkOptions(output=tmp_path / "out"), engine=spark
    )
    assert (done.leaves_by, done.why_not_spark) == ("spark", ())
    assert done.report.added == 18
    leaves = ws.fetchall(
        "SELECT ref, version, salt, leaf_hash FROM ledger_leaves WHERE kind = 'activity'"
        " ORDER BY idx"
    )
    # File order, then row order; the blank row is no record.
    assert [r for r, _, _, _ in leaves] == (
        [f"a{i}" for i in range(6)] + [f"b{i}" for i in range(5)] + [f"c{i}" for i in range(7)]
    )
    records = lake_records_read(ws)
    for ref, version, salt, leaf in leaves:
        assert version == 1
        assert len(bytes(salt)) == SALT_BYTES
        assert bytes(leaf) == commitment(bytes(salt), canonical_activity(records[ref]))
    assert len({bytes(s) for _, _, s, _ in leaves}) == len(leaves)  # no salt twice
    assert not list((tmp_path / "out").glob("leaves-*"))  # Spark's files removed

    # The audit recomputes every lake leaf from the files, in DuckDB: it finds nothing.
    rep = audit(ws, LEDGER_TYPES)
    assert rep.ok, rep.findings


def test_a_file_spark_cannot_read_by_name_leaves_the_leaves_to_duckdb(
    ws: Workspace, tmp_path: Path, spark: SparkEngine
) -> None:
    # A colon in a file name is a URI scheme to Spark's file reader (engine/spark_session.py).
    path = tmp_path / "lake" / "meter:1.parquet"
    write(path, [*rows("m", 3)])
    done = import_activities_external(
        ws, str(path), spark=SparkOptions(output=tmp_path / "out"), engine=spark
    )
    assert done.leaves_by == "duckdb"
    assert done.why_not_spark == (f"{path}: Spark cannot read a file of that name as itself",)
    rep = audit(ws, LEDGER_TYPES)
    assert rep.ok, rep.findings


def test_engine_spark_is_for_lake_tables_only(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    write(path, [*rows("a", 1)])
    db = str(tmp_path / "w.duckdb")
    out = zerotrail("--db", db, "import", "activities", str(path), "--engine", "spark")
    assert out.code != 0
    assert "--engine spark applies to a lake table (--external)" in out.stderr
    out = zerotrail("--db", db, "import", "activities", str(path), "--external", "--engine", "x")
    assert out.code != 0
    assert "--engine is duckdb or spark, not 'x'" in out.stderr
