"""Meters, cooling, metrics and suppliers: every field checked, imported whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engines.conftest import ROOT, write_csv
from tests.ingest.common import cells
from zerotrail.errors import DataError
from zerotrail.ingest.energy import import_cooling, import_meters
from zerotrail.ingest.metrics import import_metrics, import_suppliers
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.store.workspace import Workspace, open_workspace

SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {"site": "DC1", "entity": "E", "kind": "data_center_owned", "region": "CN-EAST"},
    {"site": "DC2", "entity": "E", "kind": "data_center_leased", "region": "CN-NORTH"},
]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    import_entities(w, write_csv(tmp_path / "entities.csv", ROOT))
    import_sites(w, write_csv(tmp_path / "sites.csv", SITES))
    yield w
    w.close()


def reading(
    site: str, start: str, end: str, facility: object, it: object = "", onsite: object = ""
) -> dict[str, object]:
    return {
        "site": site,
        "period_start": start,
        "period_end": end,
        "facility_mwh": facility,
        "it_mwh": it,
        "onsite_renewable_mwh": onsite,
    }


# --- meters ------------------------------------------------------------------------------------


def test_meter_rules_name_row_and_column(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        reading("DC1", "2023-01-01", "2023-06-30", 650, 500, 50),  # row 2: fine
        reading("XX", "2023-01-01", "2023-01-31", 10),  # 3: unknown site
        reading("DC1", "2023-13-01", "2023-12-31", 10),  # 4: no such month
        reading("DC1", "2023-12-01", "2024-01-31", 10),  # 5: crosses the year end
        reading("DC1", "2023-08-31", "2023-08-01", 10),  # 6: ends before it starts
        reading("DC1", "2021-01-01", "2021-01-31", 0),  # 7: facility not positive
        reading("DC1", "2021-02-01", "2021-02-28", "lots"),  # 8: not a number
        reading("DC1", "2022-01-01", "2022-01-31", 100, 120),  # 9: IT > facility (PUE < 1)
        reading("HZ", "2022-01-01", "2022-01-31", 100, 50),  # 10: IT energy at a campus
        reading("DC1", "2022-02-01", "2022-02-28", 100, 0),  # 11: IT energy zero
        reading("DC1", "2022-03-01", "2022-03-31", 100, "", -1),  # 12: negative on-site
        reading("DC1", "2022-04-01", "2022-04-30", 100, "", 200),  # 13: on-site > facility
        reading("DC1", "2023-06-01", "2023-07-31", 100),  # 14: overlaps row 2 (June)
    ]
    with pytest.raises(DataError) as exc:
        import_meters(ws, write_csv(tmp_path / "meters.csv", rows))
    assert cells(exc) == {
        (3, "site"),
        (4, "period_start"),
        (5, "period_end"),
        (6, "period_end"),
        (7, "facility_mwh"),
        (8, "facility_mwh"),
        (9, "it_mwh"),
        (10, "it_mwh"),
        (11, "it_mwh"),
        (12, "onsite_renewable_mwh"),
        (13, "onsite_renewable_mwh"),
        (14, "period_start"),
    }
    assert {p.source for p in exc.value.problems} == {str(tmp_path / "meters.csv")}
    overlap = next(p for p in exc.value.problems if p.row == 14)
    assert "2023-01-01..2023-06-30 on row 2" in overlap.message
    # Whole or nothing: the good row 2 was not imported either.
    assert ws.scalar("SELECT count(*) FROM meter_readings") == 0
    assert ws.scalar("SELECT count(*) FROM imports WHERE kind = 'meters'") == 0


def test_missing_required_column_is_row_1(ws: Workspace, tmp_path: Path) -> None:
    rows = [{"site": "DC1", "period_start": "2023-01-01", "period_end": "2023-01-31"}]
    with pytest.raises(DataError) as exc:
        import_meters(ws, write_csv(tmp_path / "m.csv", rows))
    assert cells(exc) == {(1, "facility_mwh")}


def test_meters_are_added_and_the_same_file_again_changes_nothing(
    ws: Workspace, tmp_path: Path
) -> None:
    first = [
        reading("DC1", "2023-01-01", "2023-06-30", 650, 500, 50),
        reading("DC1", "2023-07-01", "2023-12-31", 650, 500, 50),
        reading("HZ", "2023-01-01", "2023-12-31", 1050, "", 50),
    ]
    r = import_meters(ws, write_csv(tmp_path / "m1.csv", first))
    assert (r.rows, r.added, r.unchanged) == (3, 3, 0) and r.import_id is not None
    again = import_meters(ws, write_csv(tmp_path / "m1b.csv", first))
    assert (again.added, again.unchanged, again.import_id) == (0, 3, None)
    # Blank optional fields are stored as NULL, not 0.
    assert ws.fetchall(
        "SELECT it_mwh, onsite_renewable_mwh FROM meter_readings WHERE site = 'HZ'"
    ) == [(None, 50.0)]

    # A reading over a stored period with other figures is refused (no silent correction),
    # and the new 2024 reading in the same file is not imported either.
    clash = [
        first[0],
        reading("DC1", "2024-01-01", "2024-03-31", 300, 240),
        reading("DC1", "2023-03-01", "2023-03-31", 110, 90),
    ]
    with pytest.raises(DataError) as exc:
        import_meters(ws, write_csv(tmp_path / "m2.csv", clash))
    # Row 4 overlaps both row 2 of the file and the stored reading row 2 repeats.
    assert cells(exc) == {(4, "period_start")}
    assert any("stored reading 2023-01-01..2023-06-30" in p.message for p in exc.value.problems)
    assert ws.scalar("SELECT count(*) FROM meter_readings") == 3

    more = [first[1], reading("DC1", "2024-01-01", "2024-03-31", 300, 240)]
    r = import_meters(ws, write_csv(tmp_path / "m3.csv", more))
    assert (r.added, r.unchanged) == (1, 1)
    assert ws.scalar("SELECT count(*) FROM meter_readings") == 4


def test_same_reading_twice_in_one_file_is_an_overlap(ws: Workspace, tmp_path: Path) -> None:
    row = reading("DC2", "2023-01-01", "2023-01-31", 10)
    with pytest.raises(DataError) as exc:
        import_meters(ws, write_csv(tmp_path / "m.csv", [row, row]))
    assert cells(exc) == {(3, "period_start")}


# --- cooling -----------------------------------------------------------------------------------


def test_cooling_rules(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        {"site": "DC1", "since": "2019-05-01", "technology": "air"},  # row 2: fine
        {"site": "NOPE", "since": "2020-01-01", "technology": "air"},  # 3
        {"site": "DC1", "since": "May 2021", "technology": "air"},  # 4
        {"site": "DC1", "since": "2022-01-01", "technology": "ice"},  # 5
        {"site": "DC1", "since": "2019-05-01", "technology": "free_cooling"},  # 6: same date
        {"site": "", "since": "2020-01-01", "technology": "air"},  # 7
    ]
    with pytest.raises(DataError) as exc:
        import_cooling(ws, write_csv(tmp_path / "cooling.csv", rows))
    assert cells(exc) == {(3, "site"), (4, "since"), (5, "technology"), (6, "since"), (7, "site")}
    assert ws.scalar("SELECT count(*) FROM site_cooling") == 0


def test_cooling_history_reimport_and_correction(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        {"site": "DC1", "since": "2019-05-01", "technology": "air", "note": ""},
        {"site": "DC1", "since": "2023-07-01", "technology": "free_cooling", "note": "retrofit"},
    ]
    r = import_cooling(ws, write_csv(tmp_path / "c1.csv", rows))
    assert (r.added, r.replaced) == (2, 0)
    assert import_cooling(ws, write_csv(tmp_path / "c2.csv", rows)).import_id is None
    fixed = [rows[0], {**rows[1], "technology": "evaporative"}]
    r = import_cooling(ws, write_csv(tmp_path / "c3.csv", fixed))
    assert (r.added, r.replaced, r.unchanged) == (0, 1, 1)
    assert ws.fetchall("SELECT technology, note FROM site_cooling ORDER BY since") == [
        ("air", None),
        ("evaporative", "retrofit"),
    ]


# --- metrics -----------------------------------------------------------------------------------


def metric(name: str, year: object, value: object, unit: str) -> dict[str, object]:
    return {"metric": name, "year": year, "value": value, "unit": unit}


def test_metric_rules(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        metric("revenue", 2023, 1200, "CNY million"),  # row 2: fine
        metric("", 2023, 1, "FTE"),  # 3: no metric
        metric("employees", 1850, 900, "FTE"),  # 4: not a plausible year
        metric("employees", "FY23", 900, "FTE"),  # 5: not a year
        metric("floor_area", 2023, 0, "m2"),  # 6: zero denominator
        metric("floor_area", 2022, -5, "m2"),  # 7: negative
        metric("floor_area", 2021, "n/a", "m2"),  # 8: not a number
        metric("servers", 2023, 10, ""),  # 9: no unit
        metric("revenue", 2023, 1300, "CNY million"),  # 10: (revenue, 2023) again
        metric("revenue", 2022, 150, "USD million"),  # 11: another unit than row 2
    ]
    with pytest.raises(DataError) as exc:
        import_metrics(ws, write_csv(tmp_path / "metrics.csv", rows))
    assert cells(exc) == {
        (3, "metric"),
        (4, "year"),
        (5, "year"),
        (6, "value"),
        (7, "value"),
        (8, "value"),
        (9, "unit"),
        (10, "year"),
        (11, "unit"),
    }
    assert ws.scalar("SELECT count(*) FROM metrics") == 0


def test_metric_values_are_replaced_and_units_kept(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        metric("revenue", 2022, 1100, "CNY million"),
        metric("revenue", 2023, 1200, "CNY million"),
        metric("employees", 2023, 950, "FTE"),
    ]
    assert import_metrics(ws, write_csv(tmp_path / "m1.csv", rows)).added == 3
    assert import_metrics(ws, write_csv(tmp_path / "m2.csv", rows)).import_id is None
    # Finance restates 2023 revenue: the value is replaced, 2022 is untouched.
    restated = [metric("revenue", 2023, 1250.5, "CNY million")]
    r = import_metrics(ws, write_csv(tmp_path / "m3.csv", restated))
    assert (r.added, r.replaced, r.unchanged) == (0, 1, 0)
    assert ws.fetchall("SELECT year, value FROM metrics WHERE metric = 'revenue' ORDER BY 1") == [
        (2022, 1100.0),
        (2023, 1250.5),
    ]
    # 2024 in USD while 2022-2023 are stored in CNY million: refused, naming the stored year.
    with pytest.raises(DataError) as exc:
        import_metrics(ws, write_csv(tmp_path / "m4.csv", [metric("revenue", 2024, 180, "USD m")]))
    assert cells(exc) == {(2, "unit")}
    assert "stored in 'CNY million' for 2022" in exc.value.problems[0].message
    # Restating every stored year in the new unit is a consistent series: accepted.
    usd = [
        metric("revenue", 2022, 160, "USD m"),
        metric("revenue", 2023, 175, "USD m"),
        metric("revenue", 2024, 180, "USD m"),
    ]
    r = import_metrics(ws, write_csv(tmp_path / "m5.csv", usd))
    assert (r.added, r.replaced) == (1, 2)
    assert ws.scalar("SELECT count(DISTINCT unit) FROM metrics WHERE metric = 'revenue'") == 1


# --- suppliers ---------------------------------------------------------------------------------


def test_supplier_rules(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        {"supplier": "S1", "name": "Steel Co", "sbt_year": 2022},  # row 2: fine
        {"supplier": "S1", "name": "Steel Co again", "sbt_year": ""},  # 3: duplicate
        {"supplier": "S2", "name": "", "sbt_year": ""},  # 4: no name
        {"supplier": "S3", "name": "Cloud Co", "sbt_year": "soon"},  # 5: not a year
        {"supplier": "", "name": "Nobody", "sbt_year": ""},  # 6: no id
    ]
    with pytest.raises(DataError) as exc:
        import_suppliers(ws, write_csv(tmp_path / "suppliers.csv", rows))
    assert cells(exc) == {(3, "supplier"), (4, "name"), (5, "sbt_year"), (6, "supplier")}
    assert ws.scalar("SELECT count(*) FROM suppliers") == 0


def test_suppliers_replace_the_list_as_a_whole(ws: Workspace, tmp_path: Path) -> None:
    first = [
        {"supplier": "S1", "name": "Steel Co", "sbt_year": 2022},
        {"supplier": "S2", "name": "Cloud Co", "sbt_year": ""},
    ]
    assert import_suppliers(ws, write_csv(tmp_path / "s1.csv", first)).added == 2
    assert import_suppliers(ws, write_csv(tmp_path / "s1b.csv", first)).import_id is None
    second = [
        {"supplier": "S2", "name": "Cloud Co", "sbt_year": 2024},
        {"supplier": "S3", "name": "Logistics Co", "sbt_year": ""},
    ]
    r = import_suppliers(ws, write_csv(tmp_path / "s2.csv", second))
    # S3 is new, S2 changed, S1 dropped: counted as such, not as two rows "added".
    assert (r.added, r.replaced, r.unchanged, r.removed) == (1, 1, 0, 1)
    assert r.import_id is not None
    assert ws.fetchall("SELECT supplier, sbt_year FROM suppliers ORDER BY 1") == [
        ("S2", 2024),
        ("S3", None),
    ]
