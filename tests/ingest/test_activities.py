"""Activity import: every problem named by file, row and column; whole file or nothing;
re-import changes nothing; changed records only with --replace, old versions kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import ROOT, write_csv
from zerotrail.errors import DataError
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.store.workspace import Workspace


def campus(w: Workspace, folder: Path) -> None:
    """Entity E and its campus HZ, on top of the shipped factors."""
    import_entities(w, write_csv(folder / "e.csv", ROOT))
    sites = [{"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"}]
    import_sites(w, write_csv(folder / "s.csv", sites))


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Any:
    w = open_copy(workspace_template(campus), tmp_path)
    yield w
    w.close()


def good(rid: str = "a1", **kw: Any) -> dict[str, Any]:
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


def count(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM activities"))


def problems_of(ws: Workspace, path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(DataError) as exc:
        import_activities(ws, path)
    assert str(path) in str(exc.value)
    return [(p.row, p.column, p.message) for p in exc.value.problems]


def test_good_file_imports_and_reimport_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [good("a1"), good("a2", quantity="5")])
    r = import_activities(ws, path)
    assert (r.added, r.replaced, r.unchanged) == (2, 0, 0)
    again = import_activities(ws, path)
    assert (again.added, again.replaced, again.unchanged, again.import_id) == (0, 0, 2, None)
    assert count(ws) == 2
    assert ws.scalar("SELECT count(*) FROM imports WHERE kind = 'activities'") == 1


def test_every_bad_row_is_reported_and_nothing_is_written(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        good("a1"),
        good("a2", period_start="2023-13-01"),
        good("a3", period_end="2022-12-01"),
        good("a4", quantity="ten"),
        good("a5", quantity="-3"),
        good("a6", activity="electricity.nonsense"),
        good("a7", unit="litre"),
        good("a8", region="China"),
        good("a9", entity="NOPE"),
        good("a10", site="NOPE"),
        good("a1"),
        good("a12", ch4_origin="coal"),
        good("a13", evidence="my invoice"),
        good(
            "a14",
            activity="spend.naics.334111",
            unit="USD",
            region="US",
            scope3_category="8",
            site="",
        ),
        good("a15", scope3_category="2"),
        good("a16", dq_time="7"),
        good("a17", quantity="inf"),
    ]
    found = problems_of(ws, write_csv(tmp_path / "bad.csv", rows))
    by_row = {(r, c) for r, c, _ in found}
    # Header is row 1, so record a1 is row 2, a2 row 3, ...
    assert (3, "period_start") in by_row
    assert (4, "period_end") in by_row
    assert (5, "quantity") in by_row
    assert (6, "quantity") in by_row
    assert (7, "activity") in by_row
    assert (8, "unit") in by_row
    assert (9, "region") in by_row
    assert (10, "entity") in by_row
    assert (11, "site") in by_row
    assert (2, "record_id") in by_row and (12, "record_id") in by_row  # duplicate a1
    assert (13, "ch4_origin") in by_row
    assert (14, "evidence") in by_row
    assert (15, "scope3_category") in by_row
    assert (16, "scope3_category") in by_row
    assert (17, "dq_time") in by_row
    assert (18, "quantity") in by_row
    assert count(ws) == 0
    messages = " ".join(m for _, _, m in found)
    assert "litre" in messages and "kWh" in messages  # says what was expected


def test_missing_required_column(ws: Workspace, tmp_path: Path) -> None:
    row = good()
    del row["unit"]
    assert problems_of(ws, write_csv(tmp_path / "a.csv", [row])) == [
        (1, "unit", "required column is missing from the header")
    ]


def test_negative_spend_correction_is_allowed(ws: Workspace, tmp_path: Path) -> None:
    row = good(activity="spend.naics.334111", unit="USD", region="US", quantity="-500", site="")
    assert import_activities(ws, write_csv(tmp_path / "a.csv", [row])).added == 1


def test_changed_record_needs_replace_and_keeps_old_version(ws: Workspace, tmp_path: Path) -> None:
    import_activities(ws, write_csv(tmp_path / "a.csv", [good("a1")]))
    changed = write_csv(tmp_path / "b.csv", [good("a1", quantity="999")])
    found = problems_of(ws, changed)
    assert found[0][1] == "record_id" and "--replace" in found[0][2]
    r = import_activities(ws, changed, replace=True)
    assert (r.added, r.replaced) == (0, 1)
    rows = ws.fetchall("SELECT version, current, quantity FROM activities ORDER BY version")
    assert rows == [(1, False, 1200.5), (2, True, 999.0)]


def test_parquet_and_xlsx_import_the_same_records(ws: Workspace, tmp_path: Path) -> None:
    import openpyxl

    rows = [good("p1"), good("p2", quantity="7.25")]
    table = pa.table({k: [r[k] for r in rows] for k in rows[0]})
    table = table.set_column(
        table.schema.get_field_index("quantity"), "quantity", pa.array([1200.5, 7.25])
    )
    pq.write_table(table, tmp_path / "a.parquet")
    assert import_activities(ws, tmp_path / "a.parquet").added == 2

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(list(rows[0]))
    for r in rows:
        sheet.append([f"x{v}" if k == "record_id" else v for k, v in r.items()])
    wb.save(tmp_path / "a.xlsx")
    assert import_activities(ws, tmp_path / "a.xlsx").added == 2
    assert ws.fetchall("SELECT record_id, quantity FROM activities ORDER BY record_id") == [
        ("p1", 1200.5),
        ("p2", 7.25),
        ("xp1", 1200.5),
        ("xp2", 7.25),
    ]


def test_bad_xlsx_rows_are_numbered_as_in_the_spreadsheet(ws: Workspace, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    row = good()
    sheet.append(list(row))
    sheet.append(list(row.values()))
    sheet.append([*list(row.values())[:6], "many", *list(row.values())[7:]])
    wb.save(tmp_path / "a.xlsx")
    many = "not a number: 'many' (expected a decimal number such as 12.5 or 1.25e3)"
    assert (3, "quantity", many) in problems_of(ws, tmp_path / "a.xlsx")


def test_unknown_file_type(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}")
    assert problems_of(ws, path)[0][2].startswith("unknown file type")
