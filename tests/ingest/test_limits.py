"""Limits at the import door (docs/formats.md, "Limits"): amounts, digits, factor values, dates,
regions and countries, text, whole numbers, one reporting root, truthful counts.

Each refusal names file, row and column with the expected form, and leaves the workspace exactly
as it was (`fingerprint` compares every table's rows before and after).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import Templates, open_copy
from tests.engines.conftest import ROOT, write_csv
from tests.ingest.common import fingerprint
from zerotrail.errors import DataError, Problem, ZerotrailError
from zerotrail.factors.custom import parse_custom_factors
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.credits import import_credits, retire_credit
from zerotrail.ingest.energy import import_cooling, import_meters
from zerotrail.ingest.initiatives import import_initiatives
from zerotrail.ingest.instruments import import_instruments
from zerotrail.ingest.metrics import import_metrics, import_suppliers
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.ingest.rows import parse_date, parse_number, parse_year
from zerotrail.model import limits
from zerotrail.model.regions import COUNTRIES, region_problem
from zerotrail.pipeline.roadmap import import_events
from zerotrail.store import value_checks
from zerotrail.store.workspace import Workspace
from zerotrail.targets.roadmap import parse_roadmap

SITE = {"site": "HZ", "entity": "E", "kind": "data_center_owned", "region": "CN-EAST"}


def data_centre(w: Workspace, folder: Path) -> None:
    """Entity E and its data centre HZ, on top of the shipped factors."""
    import_entities(w, write_csv(folder / "e0.csv", ROOT))
    import_sites(w, write_csv(folder / "s0.csv", [SITE]))


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    w = open_copy(workspace_template(data_centre), tmp_path)
    yield w
    w.close()


def refused(ws: Workspace, load: Callable[[Workspace, Path], object], path: Path) -> list[Problem]:
    """The problems of a refused import, after checking it changed nothing at all."""
    before = fingerprint(ws)
    with pytest.raises(DataError) as exc:
        load(ws, path)
    assert fingerprint(ws) == before
    assert all(p.source in (str(path), path.name) for p in exc.value.problems)
    return list(exc.value.problems)


def at(problems: list[Problem], row: int | None, column: str) -> str:
    """The one message at (row, column)."""
    found = [p.message for p in problems if (p.row, p.column) == (row, column)]
    assert len(found) == 1, problems
    return found[0]


def activity(rid: str = "a1", **kw: Any) -> dict[str, Any]:
    row = {
        "record_id": rid,
        "entity": "E",
        "site": "HZ",
        "period_start": "2023-01-01",
        "period_end": "2023-01-31",
        "activity": "electricity.grid",
        "quantity": "1200.5",
        "unit": "kWh",
        "region": "CN-EAST",
    }
    row.update(kw)
    return row


def activities_csv(tmp_path: Path, *rows: dict[str, Any]) -> Path:
    return write_csv(tmp_path / "a.csv", [activity("ok"), *rows])


# --- amounts: digits and ranges ---------------------------------------------------------------

ACCEPTED_AMOUNTS = [
    "1000000000000000",  # 10^15
    "-1000000000000000",
    "1e15",
    "1E+15",
    "999999999999999",  # 15 significant digits
    "123456.789012345",
    "0.000000001",  # the smallest step: 9 decimal places
    "-0.000000001",
    "0.100000000000000000",  # trailing zeros are not digits of the value
    "12.",
    ".5",
    "+7",
    "-0",
    "2.5e-8",  # 0.000000025: 9 places (2.5e-9 has 10: refused below)
    "0.1234567890",  # the tenth place is a trailing zero
]
REFUSED_AMOUNTS = {
    "1e308": "out of range (expected -10^15..10^15)",
    "5.8e304": "out of range",
    "1000000000000001": "16 significant digits",
    "1e16": "out of range",
    "-1.000000000000001e15": "16 significant digits",
    "0.0000000001": "more than 9 decimal places",
    "1.5e-9": "more than 9 decimal places",
    "0.1234567891": "more than 9 decimal places",
    "2.5e-9": "more than 9 decimal places",
    "1e-400": "more than 9 decimal places",
    "1e99999999999": "out of range",
    "inf": "not a number",
    "NaN": "not a number",
    "1_000": "not a number",
    "0x10": "not a number",
    "1,5": "not a number",
    "１２": "not a number",  # fullwidth digits
    "": "not a number",
    "e5": "not a number",
    "1e": "not a number",
    "--1": "not a number",
}


@pytest.mark.parametrize("text", ACCEPTED_AMOUNTS)
def test_accepted_amounts_parse_exactly(text: str) -> None:
    value, why = parse_number(text)
    assert why is None and value is not None
    assert limits.number_problem(text) is None


@pytest.mark.parametrize(("text", "fragment"), sorted(REFUSED_AMOUNTS.items()))
def test_refused_amounts_say_why(text: str, fragment: str) -> None:
    value, why = parse_number(text)
    assert value is None and why is not None and fragment in why, why


# Strings near the grammar: digits, points, signs, exponents and a little junk.
number_like = st.text(alphabet="0123456789.eE+- _x", max_size=24) | st.from_regex(
    r"[+-]?[0-9]{0,20}(\.[0-9]{0,14})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
)


RANGES = ((None, None), (0, None), (0, 100))
_SQL: list[duckdb.DuckDBPyConnection] = []  # the connection every example shares
_PREPARED: dict[str, str] = {}  # statement text -> its prepared name


def _sql_checks(texts: list[str], *exprs: str) -> list[tuple[Any, ...]]:
    """`exprs` (SQL over a column `raw`) evaluated on each of `texts`, in order.

    The examples share one in-memory connection and one prepared statement per list of
    expressions, refilling table r: planning the checks' SQL (about 5,000 characters with
    regular expressions for the numbers) took 50 ms a query, most of these tests' time when
    done for every example.
    """
    if not _SQL:
        _SQL.append(duckdb.connect())
        _SQL[0].execute("CREATE TABLE r (raw VARCHAR)")
    con, select = _SQL[0], f"SELECT {', '.join(exprs)} FROM r ORDER BY rowid"
    if select not in _PREPARED:
        _PREPARED[select] = f"checks_{len(_PREPARED)}"
        con.execute(f"PREPARE {_PREPARED[select]} AS {select}")
    name = _PREPARED[select]
    con.execute("DELETE FROM r")
    con.execute("INSERT INTO r SELECT unnest(?::VARCHAR[])", [texts])
    return con.execute(f"EXECUTE {name}").fetchall()


@settings(max_examples=300, deadline=None)
@given(st.lists(number_like, min_size=1, max_size=30))
@example(list(REFUSED_AMOUNTS) + ACCEPTED_AMOUNTS)
def test_sql_refuses_exactly_what_python_refuses(texts: list[str]) -> None:
    """The activity importer's SQL and the small files' Python agree on every string, word
    for word (the fast path for plain decimals included)."""
    texts = [t for t in texts if t]  # an empty cell is NULL in the staged table
    if not texts:
        return
    exprs = [value_checks.number_problem_sql("raw", low=a, high=b) for a, b in RANGES]
    rows = _sql_checks(texts, *exprs)
    for k, (low, high) in enumerate(RANGES):
        want = [limits.number_problem(t, low=low, high=high) for t in texts]
        assert [row[k] for row in rows] == want


def test_shares_are_percentages() -> None:
    assert parse_number("100", low=0, high=100) == (100.0, None)
    assert "out of range (expected 0..100)" in (parse_number("100.5", low=0, high=100)[1] or "")


def test_a_quantity_of_1e308_is_refused_and_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = activities_csv(
        tmp_path,
        activity("big", quantity="1e308"),
        activity("long", quantity="1234567.8901234567"),
        activity("fine", quantity="0.0000000001"),
        activity("edge", quantity="1000000000000000"),  # 10^15 itself is accepted
    )
    problems = refused(ws, import_activities, path)
    assert at(problems, 3, "quantity") == "'1e308' is out of range (expected -10^15..10^15)"
    assert "17 significant digits (at most 15" in at(problems, 4, "quantity")
    assert "more than 9 decimal places" in at(problems, 5, "quantity")
    assert {p.row for p in problems} == {3, 4, 5}


def test_parquet_doubles_keep_15_digits(ws: Workspace, tmp_path: Path) -> None:
    """A Parquet double is read as the shortest decimal that gives it back: 0.1 + 0.2 has 17
    digits (refused, as its spreadsheet twin is); 12.5 and 10^15 are fine."""
    rows = [activity(f"p{i}") for i in range(4)]
    table = pa.table(
        {
            **{k: pa.array([r[k] for r in rows]) for k in rows[0] if k != "quantity"},
            "quantity": pa.array([12.5, 0.1 + 0.2, 1e15, 1e300], pa.float64()),
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    problems = refused(ws, import_activities, tmp_path / "a.parquet")
    assert "'0.30000000000000004' has 17 significant digits" in at(problems, 3, "quantity")
    assert at(problems, 5, "quantity") == "'1e+300' is out of range (expected -10^15..10^15)"
    assert {p.row for p in problems} == {3, 5}


def small_cases() -> list[tuple[str, Callable[..., object], list[dict[str, Any]], str, str]]:
    """(file name, importer, rows with a bad amount on row 3, column, message fragment)."""
    instrument = {
        "instrument_id": "i1",
        "type": "GEC",
        "mwh": "100",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "region": "CN",
        "entity": "E",
        "status": "held",
    }
    meter = {
        "site": "HZ",
        "period_start": "2023-01-01",
        "period_end": "2023-01-31",
        "facility_mwh": "10",
    }
    credit = {
        "credit_id": "c1",
        "registry": "Verra VCS",
        "project_id": "728",
        "methodology": "ACM0002",
        "type": "reduction",
        "durability": "none",
        "vintage": "2019",
        "serial_start": "VCS-1",
        "serial_end": "VCS-10",
        "quantity": "10",
        "status": "held",
    }
    initiative = {
        "initiative_id": "n1",
        "name": "LED",
        "owner": "Ops",
        "lever": "efficiency",
        "start_year": "2023",
        "expected_t_per_year": "10",
    }
    return [
        (
            "instruments.csv",
            import_instruments,
            [instrument, {**instrument, "instrument_id": "i2", "mwh": "1e300"}],
            "mwh",
            "'1e300' is out of range (expected more than 0, at most 10^15)",
        ),
        (
            "rates.csv",
            import_instruments,
            [instrument, {**instrument, "instrument_id": "i2", "emission_rate_t_per_mwh": "1e20"}],
            "emission_rate_t_per_mwh",
            "out of range (expected 0..10^15)",
        ),
        (
            "meters.csv",
            import_meters,
            [
                meter,
                {
                    **meter,
                    "period_start": "2023-02-01",
                    "period_end": "2023-02-28",
                    "facility_mwh": "5.8e304",
                },
            ],
            "facility_mwh",
            "'5.8e304' is out of range (expected more than 0, at most 10^15)",
        ),
        (
            "credits.csv",
            import_credits,
            [
                credit,
                {
                    **credit,
                    "credit_id": "c2",
                    "serial_start": "VCS-11",
                    "serial_end": "VCS-20",
                    "quantity": "10.0000000001",
                },
            ],
            "quantity",
            "more than 9 decimal places",
        ),
        (
            "metrics.csv",
            import_metrics,
            [
                {"metric": "revenue", "year": "2023", "value": "10", "unit": "CNY million"},
                {"metric": "revenue", "year": "2024", "value": "1e300", "unit": "CNY million"},
            ],
            "value",
            "'1e300' is out of range (expected more than 0, at most 10^15)",
        ),
        (
            "prices.csv",
            import_price_indices,
            [
                {"currency": "USD", "year": "2023", "index": "100", "source": "BLS CPI-U"},
                {"currency": "USD", "year": "2024", "index": "1e300", "source": "BLS CPI-U"},
            ],
            "index",
            "'1e300' is out of range (expected more than 0, at most 10^15)",
        ),
        (
            "initiatives.csv",
            import_initiatives,
            [initiative, {**initiative, "initiative_id": "n2", "expected_t_per_year": "1e300"}],
            "expected_t_per_year",
            "'1e300' is out of range",
        ),
        (
            "entities.csv",
            import_entities,
            [
                *ROOT,
                {**ROOT[0], "entity": "J", "parent": "E", "equity_share": "100.000000001"},
            ],
            "equity_share",
            "'100.000000001' is out of range (expected 0..100)",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "load", "rows", "column", "fragment"), small_cases(), ids=lambda x: str(x)[:20]
)
def test_every_small_file_keeps_amounts_in_range(
    ws: Workspace,
    tmp_path: Path,
    name: str,
    load: Callable[[Workspace, Path], object],
    rows: list[dict[str, Any]],
    column: str,
    fragment: str,
) -> None:
    problems = refused(ws, load, write_csv(tmp_path / name, rows))
    assert fragment in at(problems, 3, column)
    assert {(p.row, p.column) for p in problems} == {(3, column)}


# Columns that must be above 0 (docs/formats.md says "positive"): 0 and -0 (once stored as -0.0
# MWh, issue 11 review finding 9) are refused as one problem each, and a refusal states the
# range the column really accepts, not the general -10^15..10^15 (finding 8).
POSITIVE = ["0", "-0", "0.000", "-0e5", "-3"]


@pytest.mark.parametrize("value", POSITIVE)
def test_instrument_mwh_is_positive(ws: Workspace, tmp_path: Path, value: str) -> None:
    (name, load, rows, column, _) = small_cases()[0]
    bad = [rows[0], {**rows[1], column: value}]
    problems = refused(ws, load, write_csv(tmp_path / name, bad))
    assert at(problems, 3, column) == (
        f"'{value}' is not positive (expected more than 0, at most 10^15)"
    )
    assert len(problems) == 1


@pytest.mark.parametrize("value", POSITIVE)
def test_meter_facility_and_it_energy_are_positive(
    ws: Workspace, tmp_path: Path, value: str
) -> None:
    meter = {
        "site": "HZ",  # a data centre: IT energy is recorded
        "period_start": "2023-01-01",
        "period_end": "2023-01-31",
        "facility_mwh": "10",
        "it_mwh": "5",
    }
    rows = [
        meter,
        {**meter, "period_start": "2023-02-01", "period_end": "2023-02-28", "facility_mwh": value},
        {**meter, "period_start": "2023-03-01", "period_end": "2023-03-31", "it_mwh": value},
    ]
    problems = refused(ws, import_meters, write_csv(tmp_path / "meters.csv", rows))
    expected = f"'{value}' is not positive (expected more than 0, at most 10^15)"
    assert at(problems, 3, "facility_mwh") == expected
    assert at(problems, 4, "it_mwh") == expected
    assert len(problems) == 2


def test_meter_onsite_renewable_states_its_range(ws: Workspace, tmp_path: Path) -> None:
    meter = {
        "site": "HZ",
        "period_start": "2023-01-01",
        "period_end": "2023-01-31",
        "facility_mwh": "10",
        "onsite_renewable_mwh": "-1",
    }
    problems = refused(ws, import_meters, write_csv(tmp_path / "meters.csv", [meter, meter]))
    assert at(problems, 2, "onsite_renewable_mwh") == "'-1' is out of range (expected 0..10^15)"


def test_baseline_amounts_are_bounded(ws: Workspace, tmp_path: Path) -> None:
    event = {
        "event_id": "ev1",
        "base_year": "2020",
        "year": "2023",
        "kind": "methodology",
        "description": "new factors",
        "scope1_t": "1e300",
        "scope2_location_t": "0",
        "scope2_market_t": "0",
    }
    problems = refused(ws, import_events, write_csv(tmp_path / "events.csv", [event]))
    assert at(problems, 2, "scope1_t") == "'1e300' is out of range (expected -10^15..10^15)"


FACTOR = {
    "factor_id": "acme:power",
    "activity": "electricity.grid",
    "region": "CN",
    "valid_from": "2023-01-01",
    "valid_to": "2023-12-31",
    "unit": "kWh",
    "gas": "CO2",
    "value": "0.5",
    "source": "Acme Power",
}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1e300", "out of range (expected a finite number >= 0: 0, or 10^-15 to 10^9 kg"),
        ("2e9", "out of range"),
        ("1e-400", "out of range"),
        ("0.1234567890123456789", "19 significant digits"),
    ],
)
def test_factor_values_stay_in_their_range(value: str, fragment: str) -> None:
    rows, problems = parse_custom_factors([{**FACTOR, "value": value}], "f.csv")
    assert rows == () and len(problems) == 1
    assert (problems[0].row, problems[0].column) == (2, "value")
    assert fragment in problems[0].message


def test_factor_values_keep_the_librarys_precision() -> None:
    """Tiny values with many decimal places (the shipped library has 21) stay accepted."""
    for value in ("6.43086816720257e-07", "0", "0.000000000000001", "1000000000"):
        rows, problems = parse_custom_factors([{**FACTOR, "value": value}], "f.csv")
        assert problems == () and rows[0].value == float(value)


# --- dates and years --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2020/01/01", "not an ISO date (expected YYYY-MM-DD, without a time of day)"),
        ("2020-01-01 10:00:00", "not an ISO date"),
        ("2020-01-01T00:00:00", "not an ISO date"),
        ("20200101", "not an ISO date"),
        ("2020-1-1", "not an ISO date"),
        ("2020-02-30", "not an ISO date"),
        ("0001-01-01", "0001-01-01 is outside the accepted dates 1900-01-01..2100-12-31"),
        ("9999-12-31", "outside the accepted dates"),
        ("1899-12-31", "outside the accepted dates"),
    ],
)
def test_dates_are_iso_and_within_range(text: str, fragment: str) -> None:
    day, why = parse_date(text)
    assert day is None and why is not None and fragment in why


def test_date_range_ends_are_accepted() -> None:
    assert parse_date("1900-01-01") == (date(1900, 1, 1), None)
    assert parse_date("2100-12-31") == (date(2100, 12, 31), None)


def test_activity_dates_are_never_truncated(ws: Workspace, tmp_path: Path) -> None:
    path = activities_csv(
        tmp_path,
        activity("slash", period_start="2020/01/01"),
        activity("time", period_end="2023-01-31 10:00:00"),
        activity("year1", period_start="0001-01-01"),
        activity("year9999", period_end="9999-12-31"),
    )
    problems = refused(ws, import_activities, path)
    assert at(problems, 3, "period_start") == (
        "not an ISO date (expected YYYY-MM-DD, without a time of day): '2020/01/01'"
    )
    assert "'2023-01-31 10:00:00'" in at(problems, 4, "period_end")
    assert at(problems, 5, "period_start") == (
        "0001-01-01 is outside the accepted dates 1900-01-01..2100-12-31"
    )
    assert "9999-12-31 is outside the accepted dates" in at(problems, 6, "period_end")


def test_xlsx_dates_with_a_time_of_day_are_refused(ws: Workspace, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    row = activity()
    sheet.append(list(row))
    for rid, start in (("mid", datetime(2023, 1, 1)), ("noon", datetime(2023, 1, 1, 12, 30))):
        sheet.append([rid if k == "record_id" else start if k == "period_start" else v
                      for k, v in row.items()])  # fmt: skip
    wb.save(tmp_path / "a.xlsx")
    problems = refused(ws, import_activities, tmp_path / "a.xlsx")
    assert "not an ISO date" in at(problems, 3, "period_start")
    assert {p.row for p in problems} == {3}  # midnight is a date: row 2 is fine


def test_parquet_timestamps_must_be_midnight(ws: Workspace, tmp_path: Path) -> None:
    rows = [activity(f"t{i}") for i in range(3)]
    starts = [datetime(2023, 1, 1), datetime(2023, 1, 1, 8), datetime(1, 1, 1)]
    table = pa.table(
        {
            **{k: pa.array([r[k] for r in rows]) for k in rows[0] if k != "period_start"},
            "period_start": pa.array(starts, pa.timestamp("us")),
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    problems = refused(ws, import_activities, tmp_path / "a.parquet")
    assert "'2023-01-01 08:00:00'" in at(problems, 3, "period_start")
    assert "0001-01-01 is outside the accepted dates" in at(problems, 4, "period_start")
    assert {p.row for p in problems} == {3, 4}


def test_small_file_dates_are_checked(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        {"site": "HZ", "period_start": "2023/01/01", "period_end": "2023-01-31",
         "facility_mwh": "1"},
        {"site": "HZ", "period_start": "1899-12-01", "period_end": "1899-12-31",
         "facility_mwh": "1"},
    ]  # fmt: skip
    problems = refused(ws, import_meters, write_csv(tmp_path / "meters.csv", rows))
    assert "not an ISO date" in at(problems, 2, "period_start")
    assert "1899-12-01 is outside the accepted dates" in at(problems, 3, "period_start")


def test_years_are_whole_numbers_in_range() -> None:
    assert parse_year("2023") == (2023, None)
    assert parse_year("2023.0") == (2023, None)
    for bad in ("2023.5", "1989", "2101", "99999", "²⁰²³", "2e3"):
        assert parse_year(bad)[0] is None, bad


# --- whole numbers are never rounded ----------------------------------------------------------


def test_dq_and_categories_refuse_fractions(ws: Workspace, tmp_path: Path) -> None:
    spend = {"activity": "spend.naics.334111", "unit": "USD", "region": "US"}
    path = activities_csv(
        tmp_path,
        activity("dq", dq_time="2.5"),
        activity("cat", scope3_category="1.5", **spend),
        activity("whole", dq_time="3.0", dq_reliability="2"),
    )
    problems = refused(ws, import_activities, path)
    assert at(problems, 3, "dq_time") == "expected a score 1-5, not 2.5"
    assert at(problems, 4, "scope3_category") == "not a whole number 1-15: 1.5"
    assert {p.row for p in problems} == {3, 4}


def test_whole_numbers_written_with_a_zero_fraction_are_stored_whole(
    ws: Workspace, tmp_path: Path
) -> None:
    import_activities(ws, write_csv(tmp_path / "a.csv", [activity("w", dq_time="3.0")]))
    assert ws.scalar("SELECT dq_time FROM activities") == 3


def test_parquet_dq_doubles_refuse_fractions(ws: Workspace, tmp_path: Path) -> None:
    rows = [activity("d1"), activity("d2")]
    table = pa.table(
        {
            **{k: pa.array([r[k] for r in rows]) for k in rows[0]},
            "dq_time": pa.array([3.0, 2.5], pa.float64()),
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    problems = refused(ws, import_activities, tmp_path / "a.parquet")
    assert at(problems, 3, "dq_time") == "expected a score 1-5, not 2.5"
    assert {p.row for p in problems} == {3}


def test_small_file_years_refuse_fractions(ws: Workspace, tmp_path: Path) -> None:
    rows = [{"metric": "revenue", "year": "2023.5", "value": "10", "unit": "CNY million"}]
    problems = refused(ws, import_metrics, write_csv(tmp_path / "metrics.csv", rows))
    assert "expected a year between 1990 and 2100, not '2023.5'" in at(problems, 2, "year")


# --- regions and countries --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("XX", "XX is not an ISO 3166-1 alpha-2 country code"),
        ("XX-EAST", "XX is not an ISO 3166-1 alpha-2 country code"),
        ("UK", "UK is not an ISO 3166-1 alpha-2 country code"),
        ("CN-EASTT", "is not a known CN region"),
        ("US-CAMZ", "is not a known US region"),
        ("cn", "is not a region code"),
    ],
)
def test_regions_come_from_the_known_lists(code: str, fragment: str) -> None:
    why = region_problem(code)
    assert why is not None and fragment in why and "expected" in why


def test_known_regions_are_accepted() -> None:
    for code in ("CN", "GB", "US", "GLOBAL", "CN-EAST", "CN-SC", "CN-HK", "US-CAMX", "US-CA",
                 "GB-SCT", "AU-NSW"):  # fmt: skip
        assert region_problem(code) is None, code
    assert len(COUNTRIES) == 249


def test_activity_region_xx_is_refused(ws: Workspace, tmp_path: Path) -> None:
    problems = refused(ws, import_activities, activities_csv(tmp_path, activity("x", region="XX")))
    assert "'XX' is not a region code: XX is not an ISO 3166-1 alpha-2" in at(problems, 3, "region")


def test_entity_countries_are_iso_codes(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        *ROOT,
        {**ROOT[0], "entity": "A", "parent": "E", "country": "XX"},
        {**ROOT[0], "entity": "B", "parent": "E", "country": "UK"},
    ]
    problems = refused(ws, import_entities, write_csv(tmp_path / "entities.csv", rows))
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in at(problems, 3, "country")
    assert "(the United Kingdom is GB)" in at(problems, 4, "country")


def test_site_regions_are_known(ws: Workspace, tmp_path: Path) -> None:
    site = [SITE, {**SITE, "site": "X", "region": "XX"}]
    problems = refused(ws, import_sites, write_csv(tmp_path / "sites.csv", site))
    assert "XX is not an ISO 3166-1 alpha-2" in at(problems, 3, "region")


# --- text: control characters and lengths -----------------------------------------------------

CONTROLS = ["\n", "\r", "\t", "\x00", "\x01", "\x1f", "\x7f", "\x85", "\u2028", "\u2029",
            "\u202e", "\u2066", "\u200f"]  # fmt: skip


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_are_refused(char: str) -> None:
    why = limits.text_problem(f"A{char}1")
    assert why is not None and f"U+{ord(char):04X} at position 2" in why


def test_ordinary_unicode_is_text() -> None:
    for ok in ("Émmet Group 艾米特", "نیم\u200cفاصله", "👍🏽", "a b"):  # ZWNJ stays allowed
        assert limits.text_problem(ok, limits.MAX_TEXT_LENGTH) is None


def test_lengths_are_bounded() -> None:
    assert limits.text_problem("x" * 128) is None
    assert limits.text_problem("x" * 129) == "is 129 characters long (at most 128)"
    assert limits.text_problem("x" * 1000, limits.MAX_TEXT_LENGTH) is None
    assert "(at most 1000)" in (limits.text_problem("x" * 1001, limits.MAX_TEXT_LENGTH) or "")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=140), min_size=1, max_size=20))
def test_sql_and_python_refuse_the_same_text(texts: list[str]) -> None:
    got = [m is not None for (m,) in _sql_checks(texts, value_checks.text_bad_sql("raw"))]
    assert got == [limits.text_problem(t) is not None for t in texts]


def test_activity_ids_and_notes_refuse_control_characters(ws: Workspace, tmp_path: Path) -> None:
    path = activities_csv(
        tmp_path,
        activity("line\nbreak"),
        activity("tab", site="H\tZ"),
        activity("bidi\u202e"),
        activity("x" * 129),
        activity("note", note="n" * 1001),
        activity("fine", note="n" * 1000, evidence="https://erp.example/inv/88"),
    )
    problems = refused(ws, import_activities, path)
    assert at(problems, 3, "record_id").startswith("contains a control character")
    assert at(problems, 4, "site").startswith("contains a control character")
    assert at(problems, 5, "record_id").startswith("contains a control character")
    assert at(problems, 6, "record_id") == "is 129 characters long (at most 128)"
    assert at(problems, 7, "note") == "is 1001 characters long (at most 1000)"
    # Only the text problem is named: no message quotes the bad cell (the tab row's unknown
    # site is not reported).
    assert {(p.row, p.column) for p in problems} == {
        (3, "record_id"), (4, "site"), (5, "record_id"), (6, "record_id"), (7, "note")
    }  # fmt: skip


def test_small_files_refuse_control_characters(ws: Workspace, tmp_path: Path) -> None:
    rows = [*ROOT, {**ROOT[0], "entity": "A", "parent": "E", "name": "Acme\x01"}]
    problems = refused(ws, import_entities, write_csv(tmp_path / "entities.csv", rows))
    assert "U+0001 at position 5" in at(problems, 3, "name")
    site = [SITE, {**SITE, "site": "S\u2028X"}]
    problems = refused(ws, import_sites, write_csv(tmp_path / "sites.csv", site))
    assert "U+2028" in at(problems, 3, "site")
    cooling = [{"site": "HZ", "since": "2020-01-01", "technology": "air", "note": "x" * 1001}]
    problems = refused(ws, import_cooling, write_csv(tmp_path / "cooling.csv", cooling))
    assert at(problems, 2, "note") == "is 1001 characters long (at most 1000)"
    suppliers = [{"supplier": "S" * 129, "name": "Steel"}]
    problems = refused(ws, import_suppliers, write_csv(tmp_path / "suppliers.csv", suppliers))
    assert at(problems, 2, "supplier") == "is 129 characters long (at most 128)"


def test_retirement_text_is_checked(ws: Workspace) -> None:
    with pytest.raises(ZerotrailError, match="U\\+000A"):
        retire_credit(ws, "c1", on=date(2024, 1, 1), beneficiary="Emmet\nLtd", reason="x",
                      claim_year=None)  # fmt: skip


def test_factor_cells_refuse_control_characters() -> None:
    rows, problems = parse_custom_factors([{**FACTOR, "factor_id": "a\x00b"}], "f.csv")
    assert rows == () and [(p.row, p.column) for p in problems] == [(2, "factor_id")]
    assert "U+0000" in problems[0].message


def _roadmap(**target: Any) -> list[Problem]:
    base = {"id": "T1", "kind": "absolute", "scopes": [1, 2], "base_year": 2020,
            "target_year": 2030, "reduction_pct": 42}  # fmt: skip
    return list(parse_roadmap({"target": [{**base, **target}]}, "roadmap.toml").problems)


def test_roadmap_text_and_numbers() -> None:
    [p] = _roadmap(name="Scope 1\u0001")
    assert p.column == "name"
    assert p.message.startswith("contains the control character U+0001 at position 8")
    [p] = _roadmap(id="T" * 129)
    assert (p.column, p.message) == ("id", "is 129 characters long (at most 128)")
    [p] = _roadmap(name="n" * 1001)
    assert p.column == "name"
    [p] = _roadmap(scopes=[True, 2])
    assert p.column == "scopes"
    [p] = _roadmap(reduction_pct=100 / 3)
    assert (p.column, p.message) == (
        "reduction_pct",
        "'33.333333333333336' has 17 significant digits (at most 15 are kept exactly)",
    )
    assert _roadmap(name="Scope 1+2 down 42%", reduction_pct=42.5) == []


# --- one reporting root; counts that tell the truth --------------------------------------------


def test_two_entities_without_a_parent_are_refused(ws: Workspace, tmp_path: Path) -> None:
    rows = [*ROOT, {**ROOT[0], "entity": "OTHER", "name": "Another root"}]
    problems = refused(ws, import_entities, write_csv(tmp_path / "entities.csv", rows))
    assert at(problems, 3, "parent") == (
        "entity OTHER has no parent, like E on row 2: exactly one entity, the reporting"
        " company, has none (give the others their parent)"
    )


def test_unchanged_rows_are_counted_as_unchanged(ws: Workspace, tmp_path: Path) -> None:
    two = [*ROOT, {**ROOT[0], "entity": "J", "name": "JV", "parent": "E", "equity_share": 50}]
    first = import_entities(ws, write_csv(tmp_path / "e1.csv", two))
    assert (first.added, first.replaced, first.unchanged) == (1, 0, 1)
    again = import_entities(ws, write_csv(tmp_path / "e2.csv", two))
    assert (again.added, again.replaced, again.unchanged, again.import_id) == (0, 0, 2, None)
    changed = [ROOT[0], {**two[1], "equity_share": 60}]
    r = import_entities(ws, write_csv(tmp_path / "e3.csv", changed))
    assert (r.added, r.replaced, r.unchanged, r.removed) == (0, 1, 1, 0)
    r = import_entities(ws, write_csv(tmp_path / "e4.csv", ROOT))
    assert (r.added, r.replaced, r.unchanged, r.removed) == (0, 0, 1, 1)

    s = import_sites(ws, write_csv(tmp_path / "s1.csv", [SITE]))
    assert (s.added, s.replaced, s.unchanged, s.import_id) == (0, 0, 1, None)
    sup = [{"supplier": "S1", "name": "Steel"}]
    assert import_suppliers(ws, write_csv(tmp_path / "p1.csv", sup)).added == 1
    p = import_suppliers(ws, write_csv(tmp_path / "p2.csv", sup))
    assert (p.added, p.unchanged, p.import_id) == (0, 1, None)


# --- the documented limits --------------------------------------------------------------------


def test_formats_doc_states_every_limit() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    section = text.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for shown in (
        f"-{limits.bound_text(limits.MAX_QUANTITY)} to {limits.bound_text(limits.MAX_QUANTITY)}",
        f"{limits.MAX_SIGNIFICANT_DIGITS} significant digits",
        f"{limits.MAX_DECIMAL_PLACES} decimal places",
        limits.FACTOR_RANGE_TEXT,
        f"heat content above 0 and at most {limits.bound_text(limits.MAX_HEAT_CONTENT)}",
        limits.FIRST_DATE.isoformat(),
        limits.LAST_DATE.isoformat(),
        f"{limits.FIRST_YEAR} to {limits.LAST_YEAR}",
        f"{limits.MAX_ID_LENGTH} characters",
        f"{limits.MAX_TEXT_LENGTH:,} characters",
        "U+2028",
        "0-100",
    ):
        assert shown in section, shown


def test_command_line_events_and_reasons_keep_the_limits(ws: Workspace) -> None:
    """What `baseyear event` and `targets add/withdraw --reason` store is held to the same
    limits as a file's cells, refused before anything is written."""
    from zerotrail.pipeline.roadmap import EventInput, Figures, add_targets, record_event

    def event(**kw: Any) -> EventInput:
        fields: dict[str, Any] = {
            "event_id": "ev1",
            "base_year": 2020,
            "year": 2023,
            "kind": "methodology",
            "description": "new factors",
            "gross": Figures(1.0, 0.0, 0.0, {}),
        }
        return EventInput(**{**fields, **kw})

    before = fingerprint(ws)
    for bad, fragment in (
        (event(description="line\nbreak"), "description contains the control character U\\+000A"),
        (event(event_id="e" * 129), "event id is 129 characters long"),
        (event(gross=Figures(1e300, 0.0, 0.0, {})), r"within -10\^15\.\.10\^15"),
        (event(year=9999), "year 9999 is not between 1990 and 2100"),
    ):
        with pytest.raises(ZerotrailError, match=fragment):
            record_event(ws, bad)
    assert fingerprint(ws) == before
    roadmap = parse_roadmap(
        {"target": [{"id": "T1", "kind": "neutrality", "scopes": [1], "from_year": 2021}]},
        "roadmap.toml",
    )
    add_targets(ws, roadmap, "roadmap.toml")
    before = fingerprint(ws)
    changed = parse_roadmap(
        {"target": [{"id": "T1", "kind": "neutrality", "scopes": [1, 2], "from_year": 2021}]},
        "roadmap.toml",
    )
    with pytest.raises(ZerotrailError, match="reason contains the control character U\\+202E"):
        add_targets(ws, changed, "roadmap.toml", replace=True, reason="scope 2\u202e added")
    assert fingerprint(ws) == before


def test_empty_required_values_are_named(ws: Workspace, tmp_path: Path) -> None:
    path = activities_csv(tmp_path, activity("q", quantity=""), activity("d", period_start=""))
    problems = refused(ws, import_activities, path)
    assert at(problems, 3, "quantity") == "is empty (required)"
    assert at(problems, 4, "period_start") == "is empty (required)"


def test_parquet_column_types_fit_their_columns(ws: Workspace, tmp_path: Path) -> None:
    rows = [activity("b1"), activity("b2")]
    table = pa.table(
        {
            **{k: pa.array([r[k] for r in rows]) for k in rows[0] if k != "quantity"},
            "quantity": pa.array([True, False]),
            "note": pa.array([None, None], pa.null()),  # an empty optional column is fine
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    problems = refused(ws, import_activities, tmp_path / "a.parquet")
    assert at(problems, 1, "quantity") == (
        "the file gives this column the type BOOLEAN; expected a number"
    )
    assert len(problems) == 1


def test_undecodable_bytes_are_not_text() -> None:
    # b"caf\xff" read with Python's surrogateescape (as a command-line argument is) becomes
    # "caf\udcff": refused by the text rule, before any database sees it.
    value = b"caf\xff".decode("utf-8", "surrogateescape")
    assert limits.text_problem(value) == (
        "is not valid UTF-8 text (an undecodable byte at position 4)"
    )
    assert limits.text_problem("café") is None
