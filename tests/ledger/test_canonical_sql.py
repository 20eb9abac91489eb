"""The database builds the same canonical bytes and leaf hashes as the Python definition."""

from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from zerotrail.ingest.activities import LEDGER_TYPES, canonical_activity
from zerotrail.ledger.canonical import (
    canonical_bytes,
    canonical_sql,
    commitment,
    decimal_text,
    leaf_sql,
)

text = st.one_of(
    st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
)
quantity = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: abs(x) < 1e15)
ints = st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1))
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))


@st.composite
def records(draw: st.DrawFn) -> dict[str, object]:
    r: dict[str, object] = {}
    for name, kind in LEDGER_TYPES.items():
        if kind == "text":
            r[name] = draw(text)
        elif kind == "int":
            r[name] = draw(ints)
        elif kind == "date":
            r[name] = draw(dates)
        else:
            r[name] = draw(quantity)
    r["record_id"] = draw(st.text(min_size=1, max_size=8))
    r["version"] = draw(st.integers(1, 1000))
    return r


TYPES = {"text": pa.string(), "int": pa.int64(), "date": pa.date32(), "decimal": pa.float64()}


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), min_size=1, max_size=20), st.binary(min_size=32, max_size=32))
def test_sql_canonical_bytes_equal_python(rows: list[dict[str, object]], salt: bytes) -> None:
    con = duckdb.connect()
    con.register(
        "r",
        pa.table(
            {n: pa.array([row[n] for row in rows], TYPES[t]) for n, t in LEDGER_TYPES.items()}
        ),
    )
    con.register("s", pa.table({"salt": pa.array([salt], pa.binary())}))
    expr = canonical_sql("activity", LEDGER_TYPES, alias="r")
    got = con.execute(f"SELECT {expr}, {leaf_sql('s.salt', expr)} FROM r, s").fetchall()
    for row, (canon, leaf) in zip(rows, got, strict=True):
        assert canon.encode() == canonical_activity(row)
        assert bytes(leaf) == commitment(salt, canonical_activity(row))


def test_decimal_text_is_exact_and_never_negative_zero() -> None:
    assert decimal_text(-0.0) == "0.000000000"
    assert decimal_text(-4e-10) == "0.000000000"
    assert decimal_text(0.1) == "0.100000000"
    assert decimal_text(2.5e-9) == "0.000000003"  # 2.5e-9 is just above 2.5e-9 in binary
    assert decimal_text(1e14 + 0.5) == "100000000000000.500000000"
    assert not math.isnan(float(decimal_text(123.456)))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.datetimes(min_value=datetime(1900, 1, 1))),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_sql_bool_and_timestamp_equal_python(
    rows: list[tuple[bool | None, datetime | None]],
) -> None:
    con = duckdb.connect()
    con.register(
        "r",
        pa.table(
            {
                "flag": pa.array([r[0] for r in rows], pa.bool_()),
                "at": pa.array([r[1] for r in rows], pa.timestamp("us")),
            }
        ),
    )
    types = {"flag": "bool", "at": "timestamp"}
    got = con.execute(f"SELECT {canonical_sql('x', types, alias='r')} FROM r").fetchall()
    for (flag, at), (canon,) in zip(rows, got, strict=True):
        assert canon.encode() == canonical_bytes("x", {"flag": flag, "at": at})
