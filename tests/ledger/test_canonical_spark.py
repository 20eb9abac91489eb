"""Spark SQL builds the same canonical bytes and leaf hashes as the Python definition.

Lake tables registered with `--engine spark` have their records' leaves computed by Spark
(`canonical_sql(..., dialect="spark")`, `leaf_sql(..., "spark")`); a proof or an audit then
recomputes them in Python or DuckDB, so the bytes must be equal to the last one. The numbers are
the hard part: Spark's casts round from the shortest decimal text of a double, half up, where
the definition takes the exact binary value, half to even; the cases below are built to part
the two (exact ties, values one unit in the last place from a tie, subnormals, carries).

Each test is one Spark query over many rows: the session's Spark engine (tests/conftest.py)
starts once per test process.
"""

from __future__ import annotations

import random
import struct
from datetime import date, datetime
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger.test_canonical_sql import TYPES, records
from zerotrail.engine.spark_session import SparkEngine
from zerotrail.ingest.activities import canonical_activity
from zerotrail.ledger.canonical import (
    canonical_bytes,
    canonical_sql,
    commitment,
    decimal_text,
    leaf_sql,
)
from zerotrail.store.activities import LEDGER_TYPES

SALT = bytes(range(32))


def _spark_texts(spark: SparkEngine, values: list[float]) -> list[tuple[str, str]]:
    """(our Spark SQL's text, Spark's own `format_string('%.9f')`) of each value."""
    spark.register_arrow(
        "zt_numbers",
        pa.table({"i": pa.array(range(len(values)), pa.int64()), "x": pa.array(values)}),
    )
    expr = canonical_sql("n", {"x": "decimal"}, alias="t", dialect="spark")
    table = spark.to_arrow(
        f"SELECT {expr} AS c, format_string('%.9f', t.x) AS f FROM zt_numbers t ORDER BY t.i"
    )
    return list(zip(table.column("c").to_pylist(), table.column("f").to_pylist(), strict=True))


def _near(x: float) -> list[float]:
    """x and its neighbours one unit in the last place away, both signs."""
    import math

    out = [x, math.nextafter(x, 0.0), math.nextafter(x, math.inf)]
    return out + [-v for v in out]


def _hard_numbers() -> list[float]:
    rng = random.Random(20261203)
    values: list[float] = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e15, -1e15]
    # Exact ties at the 10th decimal: j / 1024 for odd j (its 10th decimal is a final 5),
    # both ways of rounding (an even and an odd 9th digit), and their neighbours.
    for j in (1, 3, 5, 7, 1023, 2049, 999_999, 1_234_567_891):
        values += _near(j / 1024)
        values += _near(j / 2048 + 1e6)
    # Carries: .9999999995 and friends round up into the whole part.
    for w in (0, 1, 9, 99, 123456789):
        values += _near(w + 0.9999999995)
        values += _near(w + 0.9999999994999)
    # Half a nano-unit and below: -4e-10 prints "0.000000000", never "-0.000000000".
    values += _near(5e-10) + _near(4.9999999e-10) + _near(2.3283064365386963e-10)
    # Random bit patterns of every exponent an accepted amount has (|x| <= 1e15).
    while len(values) < 6000:
        (x,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if x == x and abs(x) <= 1e15:
            values.append(x)
    # Random decimals as users type them (a few places), the common case.
    values += [round(rng.uniform(-1e6, 1e6), rng.randint(0, 12)) for _ in range(3000)]
    return values


def test_spark_decimal_text_is_the_exact_half_even_text(spark: SparkEngine) -> None:
    values = _hard_numbers()
    got = _spark_texts(spark, values)
    want = [canonical_bytes("n", {"x": v}).decode() for v in values]
    wrong = [(v, g, w) for v, (g, _), w in zip(values, got, want, strict=True) if g != w]
    assert not wrong, f"{len(wrong)} of {len(values)} differ, e.g. {wrong[:5]}"
    # The cases reach what Spark's own formatting gets wrong (half up from the shortest text):
    # 1/1024 = 0.0009765625 exactly, a tie that half to even rounds down.
    own = {v: f for v, (_, f) in zip(values, got, strict=True)}
    assert own[1 / 1024] == "0.000976563" and decimal_text(1 / 1024) == "0.000976562"
    parted = [v for v, (_, f) in zip(values, got, strict=True) if f != decimal_text(v)]
    assert len(parted) > 10, parted


def _spark_rows(spark: SparkEngine, rows: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    columns = {n: pa.array([row[n] for row in rows], TYPES[t]) for n, t in LEDGER_TYPES.items()}
    columns["i"] = pa.array(range(len(rows)), pa.int64())
    columns["salt"] = pa.array([SALT] * len(rows), pa.binary())
    spark.register_arrow("zt_records", pa.table(columns))
    expr = canonical_sql("activity", LEDGER_TYPES, alias="r", dialect="spark")
    table = spark.to_arrow(
        f"SELECT {expr} AS c, {leaf_sql('r.salt', expr, 'spark')} AS leaf"
        " FROM zt_records r ORDER BY r.i"
    )
    return list(zip(table.column("c").to_pylist(), table.column("leaf").to_pylist(), strict=True))


@settings(max_examples=12, deadline=None)
@given(st.lists(records(), min_size=1, max_size=60))
def test_spark_canonical_bytes_and_leaves_equal_python(
    spark: SparkEngine, rows: list[dict[str, object]]
) -> None:
    for row, (canon, leaf) in zip(rows, _spark_rows(spark, rows), strict=True):
        assert canon.encode() == canonical_activity(row)
        assert bytes(leaf) == commitment(SALT, canonical_activity(row))


def test_spark_escapes_every_control_character_as_jcs_does(spark: SparkEngine) -> None:
    texts = [chr(c) for c in range(128)] + [
        'a "quoted" \\ back\\slash',
        "tab\tnew\nline\r\x7f\u2028\u2029é漢字🙂",
        "\x00\x1f\x1b[0m",
        "",
    ]
    rows = [
        {**{n: None for n in LEDGER_TYPES}, "record_id": t, "version": i, "note": t}
        for i, t in enumerate(texts)
    ]
    for row, (canon, _) in zip(rows, _spark_rows(spark, rows), strict=True):
        assert canon.encode() == canonical_activity(row)


def test_spark_bool_date_and_timestamp_equal_python(spark: SparkEngine) -> None:
    fields = {"b": "bool", "d": "date", "t": "timestamp"}
    rows: list[dict[str, Any]] = [
        {"b": True, "d": date(2024, 2, 29), "t": datetime(2024, 12, 31, 23, 59, 59)},
        {"b": False, "d": date(1900, 1, 1), "t": datetime(1970, 1, 1)},
        {"b": None, "d": None, "t": None},
    ]
    spark.register_arrow(
        "zt_kinds",
        pa.table(
            {
                "i": pa.array(range(len(rows)), pa.int64()),
                "b": pa.array([r["b"] for r in rows], pa.bool_()),
                "d": pa.array([r["d"] for r in rows], pa.date32()),
                "t": pa.array([r["t"] for r in rows], pa.timestamp("us")),
            }
        ),
    )
    expr = canonical_sql("k", fields, alias="k", dialect="spark")
    got = spark.to_arrow(f"SELECT {expr} AS c FROM zt_kinds k ORDER BY k.i").column("c")
    for row, canon in zip(rows, got.to_pylist(), strict=True):
        assert canon.encode() == canonical_bytes("k", row)
