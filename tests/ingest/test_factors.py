"""Importing a custom factor set: the currency year is stored, and older sets still match."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from tests.engines.conftest import write_csv
from zerotrail.errors import DataError
from zerotrail.ingest.factors import _set_digest, import_factors, read_custom_csv
from zerotrail.store.workspace import Workspace, open_workspace

SERVICES = {
    "factor_id": "svc-2021",
    "factor_set": "services",
    "activity": "spend.naics.541511",
    "region": "US",
    "valid_from": "2021-01-01",
    "valid_to": "",
    "unit": "USD",
    "currency_year": 2021,
    "gas": "CO2e",
    "value": 0.2,
    "gwp_basis": "AR5",
    "source": "test fixture",
}
GRID = {
    "factor_id": "grid-2024",
    "factor_set": "utility",
    "activity": "electricity.grid",
    "region": "CN-EAST",
    "valid_from": "2024-01-01",
    "valid_to": "2024-12-31",
    "unit": "kWh",
    "gas": "CO2",
    "value": 0.5,
    "source": "test fixture",
}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    yield w
    w.close()


def test_the_currency_year_is_stored(ws: Workspace, tmp_path: Path) -> None:
    import_factors(ws, write_csv(tmp_path / "services.csv", [SERVICES]))
    assert ws.fetchall("SELECT factor_id, currency_year FROM factors") == [("svc-2021", 2021)]
    # Immutable sets: the same id with another price year is different content.
    with pytest.raises(DataError) as exc:
        import_factors(ws, write_csv(tmp_path / "again.csv", [{**SERVICES, "currency_year": 2022}]))
    assert "immutable" in exc.value.problems[0].message


def test_sets_without_a_currency_year_keep_the_digest_they_were_imported_with(
    tmp_path: Path,
) -> None:
    # Sets imported before factors had a currency year were digested over the other fields:
    # their stored digests must still match the same file, or re-importing it would be refused.
    (row,) = read_custom_csv(write_csv(tmp_path / "grid.csv", [GRID]))
    before = "FactorRow(" + ", ".join(
        f"{f.name}={getattr(row, f.name)!r}" for f in fields(row) if f.name != "currency_year"
    )
    assert _set_digest([row]) == hashlib.sha256((before + ")").encode()).hexdigest()
    (priced,) = read_custom_csv(write_csv(tmp_path / "services.csv", [SERVICES]))
    assert "currency_year=2021" in repr(priced)
    assert _set_digest([priced]) == hashlib.sha256(repr(priced).encode()).hexdigest()
