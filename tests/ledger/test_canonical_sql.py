"""The database builds the same canonical bytes and leaf hashes as the Python definition."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import Templates, open_copy
from zerotrail.ingest.activities import canonical_activity
from zerotrail.ledger.canonical import (
    canonical_bytes,
    canonical_sql,
    commitment,
    decimal_text,
    leaf_sql,
)
from zerotrail.model.limits import (
    MAX_DECIMAL_PLACES,
    MAX_QUANTITY,
    MAX_SIGNIFICANT_DIGITS,
    number_problem,
    parse_amount,
)
from zerotrail.store.activities import LEDGER_TYPES

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


# --- every amount the imports accept -----------------------------------------------------------
#
# The limits (model/limits.py): a decimal of at most 15 significant digits and 9 decimal
# places, |x| <= 10^15. Over that whole range the database's canonical text equals Python's;
# below 2^23 (about 8.4 million) it is the decimal as written, padded to 9 places; above, the
# stored double rounded to 9 places (9016400.2 is 9016400.199999999), within one unit in the
# last place of the double, and two different accepted decimals never share a canonical text.

EXTREMES = [
    "1000000000000000",
    "-1000000000000000",
    "999999999999999",
    "-999999999999999",
    "0.000000001",
    "-0.000000001",
    "0.000000005",
    "100000.000000001",
    "123456.789012345",
    "999999.999999999",
    "0.123456789",
    "1e15",
    "-1.5e-9",  # refused (10 places): filtered out by the parser, never reaches the ledger
    "0",
    "-0",
]


@st.composite
def accepted_decimals(draw: st.DrawFn) -> str:
    """A decimal the import accepts: up to 15 significant digits, up to 9 decimal places."""
    places = draw(st.integers(0, MAX_DECIMAL_PLACES))
    digits = draw(st.integers(1, MAX_SIGNIFICANT_DIGITS))
    mantissa = draw(st.integers(0, 10**digits - 1))
    sign = draw(st.sampled_from(["", "-"]))
    text = f"{sign}{Decimal(mantissa).scaleb(-places):f}"
    if abs(Decimal(text)) > MAX_QUANTITY:
        text = f"{sign}{MAX_QUANTITY}"
    return text


# 30 lists of up to 400 amounts: as many amounts as 300 lists of 40, for a tenth of the
# connections and queries (each example opens its own).
@settings(max_examples=30, deadline=None)
@given(st.lists(accepted_decimals(), min_size=1, max_size=400))
@example(EXTREMES)
def test_every_accepted_amount_has_one_canonical_text(texts: list[str]) -> None:
    accepted = [t for t in texts if number_problem(t) is None]
    if not accepted:
        return
    values = [parse_amount(t)[0] for t in accepted]
    con = duckdb.connect()
    con.register("r", pa.table({"q": pa.array(values, pa.float64())}))
    expr = canonical_sql("x", {"q": "decimal"}, alias="r")
    got = [c for (c,) in con.execute(f"SELECT {expr} FROM r").fetchall()]
    for text, value, canon in zip(accepted, values, got, strict=True):
        assert value is not None
        assert canon.encode() == canonical_bytes("x", {"q": value})
        exact = Decimal(text).quantize(Decimal("1e-9"))
        written = format(exact, "f") if exact else "0.000000000"
        if abs(value) < 2**23:
            assert decimal_text(value) == written, text
        else:
            assert abs(Decimal(decimal_text(value)) - exact) <= Decimal(math.ulp(value)), text
    by_value = {Decimal(t): c for t, c in zip(accepted, got, strict=True)}
    assert len(set(by_value.values())) == len(by_value)


def test_extremes_refused_by_the_import_are_those_where_engines_part(tmp_path: Path) -> None:
    """Far outside the limits (from about 1e28) DuckDB's printf and Python part ways: the
    import never lets such a value reach the ledger."""
    con = duckdb.connect()
    for x in (1e100, 1.7976931348623157e308):
        (sql,) = con.execute("SELECT printf('%.9f', ?::DOUBLE)", [x]).fetchone() or ("",)
        assert sql != decimal_text(x)
        assert number_problem(repr(x)) is not None


def test_imported_extremes_prove_with_the_python_definition(
    workspace_template: Templates, tmp_path: Path
) -> None:
    """End to end: activities at the edges of the accepted range are committed by the database
    and their leaves recomputed by Python from the stored rows, byte for byte."""
    from tests.engines.conftest import ROOT, write_csv
    from zerotrail.ingest.activities import canonical_of, import_activities
    from zerotrail.ingest.organization import import_entities

    ws = open_copy(workspace_template(), tmp_path)  # the shipped factors, loaded once a session
    try:
        import_entities(ws, write_csv(tmp_path / "e.csv", ROOT))
        quantities = ["1000000000000000", "999999999999999", "0.000000001", "123456.789012345",
                      "-1000000000000000", "-0.000000001"]  # fmt: skip
        rows = [
            {
                "record_id": f"x{i}",
                "entity": "E",
                "period_start": "1900-01-01" if i % 2 else "2100-12-31",
                "period_end": "2100-12-31",
                "activity": "spend.naics.334111",
                "quantity": q,
                "unit": "USD",
                "region": "US",
                "scope3_category": 1,
                "note": "n" * 1000,
            }
            for i, q in enumerate(quantities)
        ]
        import_activities(ws, write_csv(tmp_path / "a.csv", rows))
        leaves = ws.fetchall(
            "SELECT ref, version, salt, leaf_hash FROM ledger_leaves WHERE kind = 'activity'"
        )
        assert len(leaves) == len(quantities)
        for ref, version, salt, leaf in leaves:
            canon = canonical_of(ws, str(ref), int(version))
            assert commitment(bytes(salt), canon) == bytes(leaf)
            q = quantities[int(str(ref)[1:])]
            assert f'"quantity":"{Decimal(q).quantize(Decimal("1e-9")):f}"'.encode() in canon or (
                Decimal(q) == 0
            )
    finally:
        ws.close()
