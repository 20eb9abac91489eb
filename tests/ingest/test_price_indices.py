"""Price indices: every cell checked, one series per currency, versioned on change, in the ledger.

Index values here are test fixtures, not a real series.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engines.conftest import write_csv
from tests.ingest.common import cells, committed
from zerotrail.errors import DataError
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.committed import canonical_of
from zerotrail.store.price_indices import current_indices, latest_price_indices
from zerotrail.store.workspace import Workspace, open_workspace

SERIES = "test fixture: USD index (not real data), edition 1"


def row(year: object, index: object, **extra: object) -> dict[str, object]:
    return {"currency": "USD", "year": year, "index": index, "source": SERIES, **extra}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    yield w
    w.close()


def leaves(ws: Workspace) -> list[tuple[str, int]]:
    return committed(ws, "price_index")


def test_every_bad_cell_is_named_and_nothing_is_imported(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        row(2021, 100.0),  # row 2: fine
        {**row(2022, 104.0), "currency": "usd"},  # 3: not an ISO 4217 code in capitals
        {**row(2022, 104.0), "currency": "US$"},  # 4
        row(2023, "one hundred"),  # 5: not a number
        row(2024, 0),  # 6: not positive
        row(2025, "inf"),  # 7: not finite
        row(2021, 101.0),  # 8: USD 2021 again
        row(2026, 110.0, source=""),  # 9: no source
        row("21", 99.0),  # 10: not a year
    ]
    path = write_csv(tmp_path / "indices.csv", rows)
    with pytest.raises(DataError) as exc:
        import_price_indices(ws, path)
    assert cells(exc) == {
        (3, "currency"),
        (4, "currency"),
        (5, "index"),
        (6, "index"),
        (7, "index"),
        (8, "year"),
        (9, "source"),
        (10, "year"),
    }
    assert {p.source for p in exc.value.problems} == {str(path)}
    assert "first on row 2" in next(p.message for p in exc.value.problems if p.row == 8)
    assert ws.scalar("SELECT count(*) FROM price_indices") == 0
    assert leaves(ws) == []


def test_missing_required_columns_are_named(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "indices.csv", [{"currency": "USD", "year": 2021, "index": 100}])
    with pytest.raises(DataError) as exc:
        import_price_indices(ws, path)
    assert cells(exc) == {(1, "source")}


def test_a_currency_keeps_one_series(ws: Workspace, tmp_path: Path) -> None:
    # Ratios between two series' values mean nothing: a file mixing them is refused...
    mixed = [row(2021, 100.0), row(2024, 110.0, source="another series")]
    with pytest.raises(DataError) as exc:
        import_price_indices(ws, write_csv(tmp_path / "mixed.csv", mixed))
    assert cells(exc) == {(3, "source")}
    # ...and so is a file that adds a year from another series than the stored years'.
    import_price_indices(ws, write_csv(tmp_path / "a.csv", [row(2021, 100.0)]))
    other = [row(2024, 110.0, source="another series")]
    with pytest.raises(DataError) as exc:
        import_price_indices(ws, write_csv(tmp_path / "b.csv", other))
    assert cells(exc) == {(2, "source")}
    assert "USD 2021 is stored from" in exc.value.problems[0].message
    # Restating every stored year switches the series (a changed year needs --replace).
    both = [row(2021, 95.0, source="another series"), row(2024, 110.0, source="another series")]
    import_price_indices(ws, write_csv(tmp_path / "c.csv", both), replace=True)
    assert current_indices(ws) == {("USD", 2021): 95.0, ("USD", 2024): 110.0}


def test_versions_and_ledger_leaves(ws: Workspace, tmp_path: Path) -> None:
    first = [row(2021, 100.0, url="https://example.org/usd-index"), row(2024, 110.0)]
    r = import_price_indices(ws, write_csv(tmp_path / "p1.csv", first))
    assert (r.kind, r.added, r.replaced, r.unchanged) == ("price_indices", 2, 0, 0)
    assert leaves(ws) == [("USD:2021", 1), ("USD:2024", 1)]

    # The same values again change nothing: no import, no version, no leaf.
    assert import_price_indices(ws, write_csv(tmp_path / "p2.csv", first)).import_id is None
    assert len(leaves(ws)) == 2

    # A changed value without --replace is refused and leaves the workspace as it was.
    revised = [first[0], row(2024, 111.5)]
    with pytest.raises(DataError) as exc:
        import_price_indices(ws, write_csv(tmp_path / "p3.csv", revised))
    assert cells(exc) == {(3, "index")}
    assert "--replace" in exc.value.problems[0].message
    assert current_indices(ws)[("USD", 2024)] == 110.0

    # With --replace it is version 2; the unchanged 2021 value is not versioned again.
    r = import_price_indices(ws, write_csv(tmp_path / "p4.csv", revised), replace=True)
    assert (r.added, r.replaced, r.unchanged) == (0, 1, 1)
    assert leaves(ws) == [("USD:2021", 1), ("USD:2024", 1), ("USD:2024", 2)]
    assert latest_price_indices(ws)[("USD", 2024)][0] == 2
    assert current_indices(ws) == {("USD", 2021): 100.0, ("USD", 2024): 111.5}
    # Old versions stay stored and provable; the audit finds every leaf's record intact.
    assert b'"index_value":"110.000000000"' in canonical_of(ws, "price_index", "USD:2024", 1)
    assert b'"url":"https://example.org/usd-index"' in canonical_of(
        ws, "price_index", "USD:2021", 1
    )
    assert audit(ws, LEDGER_TYPES).ok

    # A value changed behind the ledger's back is named by the audit.
    ws.execute("UPDATE price_indices SET index_value = 99 WHERE year = 2021")
    findings = audit(ws, LEDGER_TYPES).findings
    assert any("price_index USD:2021" in f for f in findings), findings


def test_xlsx_imports_like_csv(ws: Workspace, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["Currency", "Year", "Index", "Source", "Note"])
    sheet.append(["USD", 2021, 100, SERIES, "base year"])
    sheet.append(["USD", 2024, 110.25, SERIES, None])
    wb.save(tmp_path / "indices.xlsx")
    assert import_price_indices(ws, tmp_path / "indices.xlsx").added == 2
    assert current_indices(ws) == {("USD", 2021): 100.0, ("USD", 2024): 110.25}
