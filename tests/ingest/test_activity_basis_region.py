"""Activity import: the heating-value basis of an energy quantity, a record's region against its
site's, and the suggestions a mistyped key, unit or region gets (issue 13, points 3, 4 and 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import ROOT, write_csv
from zerotrail.errors import DataError
from zerotrail.ingest.activities import canonical_of, import_activities
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ledger.canonical import commitment
from zerotrail.store.workspace import Workspace


def two_sites(w: Workspace, folder: Path) -> None:
    """Entity E with a campus in East China and a plant on the RFC West grid."""
    import_entities(w, write_csv(folder / "e.csv", ROOT))
    sites = [
        {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
        {"site": "PIT", "entity": "E", "kind": "factory", "region": "US-RFCW"},
    ]
    import_sites(w, write_csv(folder / "s.csv", sites))


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Any:
    w = open_copy(workspace_template(two_sites), tmp_path)
    yield w
    w.close()


def gas(rid: str = "g1", **kw: Any) -> dict[str, Any]:
    """A month of natural gas at the US plant, in mmBtu (an energy)."""
    row = {
        "record_id": rid,
        "entity": "E",
        "site": "PIT",
        "period_start": "2024-01-01",
        "period_end": "2024-01-31",
        "activity": "stationary_combustion.natural_gas",
        "quantity": "1000",
        "unit": "mmBtu",
        "region": "US-RFCW",
        "heat_basis": "",
    }
    row.update(kw)
    return row


def problems_of(ws: Workspace, path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(DataError) as exc:
        import_activities(ws, path)
    assert str(path) in str(exc.value)
    assert ws.scalar("SELECT count(*) FROM activities") == 0  # nothing half-imported
    return [(p.row, p.column, p.message) for p in exc.value.problems]


# --- heat_basis --------------------------------------------------------------------------------


def test_heat_basis_spellings_are_stored_as_hhv_or_ncv(ws: Workspace, tmp_path: Path) -> None:
    spellings = ["HHV", "gcv", "Gross", "NCV", "lhv", " net "]
    rows = [gas(f"g{i}", heat_basis=s) for i, s in enumerate(spellings)] + [gas("none")]
    assert import_activities(ws, write_csv(tmp_path / "a.csv", rows)).added == 7
    stored = dict(ws.fetchall("SELECT record_id, heat_basis FROM activities"))
    assert stored == {
        "g0": "HHV",
        "g1": "HHV",
        "g2": "HHV",
        "g3": "NCV",
        "g4": "NCV",
        "g5": "NCV",
        "none": None,
    }


def test_a_bad_heat_basis_spelling_is_a_row_problem(ws: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [gas("g1"), gas("g2", heat_basis="higher")])
    assert problems_of(ws, path) == [
        (
            3,
            "heat_basis",
            "expected HHV (also written GCV or gross) or NCV (LHV, net), not higher",
        )
    ]


def test_heat_basis_on_a_quantity_that_is_not_energy_is_refused(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [gas("g1", unit="scf", heat_basis="HHV"), gas("g2", unit="scf")]
    assert problems_of(ws, write_csv(tmp_path / "a.csv", rows)) == [
        (
            2,
            "heat_basis",
            "only an energy quantity has a heating-value basis; scf is a volume unit (leave"
            " heat_basis blank, or give the quantity in kWh, GJ, mmBtu ...)",
        )
    ]


def test_heat_basis_is_committed_only_when_given(ws: Workspace, tmp_path: Path) -> None:
    rows = [gas("g1", heat_basis="gross"), gas("g2")]
    import_activities(ws, write_csv(tmp_path / "a.csv", rows))
    with_basis, without = canonical_of(ws, "g1", 1), canonical_of(ws, "g2", 1)
    assert b'"heat_basis":"HHV"' in with_basis
    assert b"heat_basis" not in without
    # The leaves the database built are the commitments of exactly these bytes.
    for ref, salt, leaf in ws.fetchall(
        "SELECT ref, salt, leaf_hash FROM ledger_leaves WHERE kind = 'activity' ORDER BY ref"
    ):
        assert commitment(bytes(salt), canonical_of(ws, str(ref), 1)) == bytes(leaf)


def test_a_changed_heat_basis_is_a_changed_record(ws: Workspace, tmp_path: Path) -> None:
    import_activities(ws, write_csv(tmp_path / "a.csv", [gas("g1")]))
    changed = write_csv(tmp_path / "b.csv", [gas("g1", heat_basis="NCV")])
    (problem,) = problems_of_after(ws, changed)
    assert problem[1] == "record_id" and "--replace" in problem[2]
    assert import_activities(ws, changed, replace=True).replaced == 1
    assert ws.fetchall("SELECT version, heat_basis FROM activities ORDER BY version") == [
        (1, None),
        (2, "NCV"),
    ]


def problems_of_after(ws: Workspace, path: Path) -> list[tuple[int | None, str | None, str]]:
    """The problems of a refused file, in a workspace that already holds records."""
    with pytest.raises(DataError) as exc:
        import_activities(ws, path)
    return [(p.row, p.column, p.message) for p in exc.value.problems]


# --- regions -----------------------------------------------------------------------------------


def test_a_region_contradicting_the_site_is_refused_naming_both(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [gas("g1"), gas("g2", region="CN-EAST")]
    assert problems_of(ws, write_csv(tmp_path / "a.csv", rows)) == [
        (
            3,
            "region",
            "region CN-EAST contradicts the region of site PIT, US-RFCW (expected one of"
            " US-RFCW, US, GLOBAL, or blank for the site's)",
        )
    ]


def test_a_finer_region_than_the_sites_is_a_contradiction_too(
    ws: Workspace, tmp_path: Path
) -> None:
    # CN-SC (Sichuan) lies on the Southwest grid, not in East China: not in HZ's lineage.
    row = gas("g1", site="HZ", region="CN-SC", activity="electricity.grid", unit="kWh")
    ((r, col, msg),) = problems_of(ws, write_csv(tmp_path / "a.csv", [row]))
    assert (r, col) == (2, "region") and "CN-SC" in msg and "CN-EAST" in msg


def test_a_coarser_region_than_the_sites_is_accepted(ws: Workspace, tmp_path: Path) -> None:
    rows = [gas("g1", region="US"), gas("g2", region="GLOBAL"), gas("g3")]
    assert import_activities(ws, write_csv(tmp_path / "a.csv", rows)).added == 3
    # Stored as written: the calculation, not the import, decides which region counts.
    assert ws.fetchall("SELECT record_id, region FROM activities ORDER BY 1") == [
        ("g1", "US"),
        ("g2", "GLOBAL"),
        ("g3", "US-RFCW"),
    ]


def test_a_blank_region_at_a_site_is_accepted_and_stored_blank(
    ws: Workspace, tmp_path: Path
) -> None:
    assert import_activities(ws, write_csv(tmp_path / "a.csv", [gas(region="")])).added == 1
    assert ws.scalar("SELECT region FROM activities") is None
    assert b'"region":null' in canonical_of(ws, "g1", 1)


def test_a_blank_region_without_a_site_is_refused(ws: Workspace, tmp_path: Path) -> None:
    rows = [gas("g1", site="", region="US-RFCW"), gas("g2", site="", region="")]
    assert problems_of(ws, write_csv(tmp_path / "a.csv", rows)) == [
        (
            3,
            "region",
            "is empty (required unless the record names a site, whose region it then takes)",
        )
    ]


def test_the_region_column_may_be_left_out_when_every_record_names_a_site(
    ws: Workspace, tmp_path: Path
) -> None:
    row = gas()
    del row["region"]
    assert import_activities(ws, write_csv(tmp_path / "a.csv", [row])).added == 1


# --- suggestions -------------------------------------------------------------------------------


def test_a_misspelt_key_unit_and_region_get_suggestions(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        gas("g1", activity="fugitive.R410A", unit="kg", heat_basis=""),
        gas("g2", unit="mmbtuu"),
        gas("g3", site="", region="US-RFWC"),
    ]
    found = problems_of(ws, write_csv(tmp_path / "a.csv", rows))
    assert found == [
        (
            2,
            "activity",
            "no factor in the workspace for activity 'fugitive.R410A'; did you mean"
            " fugitive.R-410A? (see `zerotrail factors search`)",
        ),
        (
            3,
            "unit",
            "unknown unit 'mmbtuu'; did you mean mmBtu? (expected a unit such as L, kg, kWh,"
            " MWh, GJ, km, passenger-km, USD)",
        ),
        (
            4,
            "region",
            "'US-RFWC' is not a known US region (expected one of the 84 codes docs/formats.md"
            " lists, such as US-CAMX, US-CA); did you mean US-RFCE, US-RFCM or US-RFCW?",
        ),
    ]


def test_nothing_close_suggests_nothing(ws: Workspace, tmp_path: Path) -> None:
    row = gas(activity="fugitive.zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", unit="kg")
    ((_, col, msg),) = problems_of(ws, write_csv(tmp_path / "a.csv", [row]))
    assert col == "activity" and "did you mean" not in msg
