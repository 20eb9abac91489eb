"""scripts/factor_sources/epa_hub.py: EPA GHG Emission Factors Hub 2021-2025 read from EPA's
workbooks, and its Table 6 cross-check against eGRID (scripts/factor_sources/egrid.py).

Values are pinned from the workbooks in ../shared/reference/sources/epa-ghg-hub (cell named in
each comment); the tests skip where that folder is absent.
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
import sys
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
sys.path.insert(0, str(REPO / "scripts"))

from factor_sources import egrid, epa_hub  # noqa: E402
from factor_sources.common import BuildError, Rec, read_csv  # noqa: E402

from zerotrail.reference.factors import FactorRow  # noqa: E402

needs_reference = pytest.mark.skipif(
    not (REFERENCE / "data").is_dir() or not (REFERENCE / "sources").is_dir(),
    reason="reference data (../shared/reference) is not available in this checkout",
)
LB = Decimal("0.45359237")  # kg per lb, exact
G = Decimal("0.001")  # kg per g
HUB = {ed.year: ed for ed in epa_hub.EDITIONS}


@pytest.fixture(scope="module")
def records() -> dict[int, list[Rec]]:
    return {year: epa_hub.read_hub(REFERENCE / ed.input, ed) for year, ed in HUB.items()}


@pytest.fixture(scope="module")
def rows(records: dict[int, list[Rec]]) -> dict[int, list[FactorRow]]:
    return {year: list(epa_hub.build_edition(HUB[year], records[year])) for year in HUB}


def one(rows: list[FactorRow], factor_id: str, gas: str) -> FactorRow:
    [row] = [r for r in rows if r.factor_id == factor_id and r.gas == gas]
    return row


def cell(row: FactorRow) -> str:
    return row.source_ref.rsplit("!", 1)[1]


def kg(value: str, per: Decimal = Decimal(1)) -> float:
    return float(Decimal(value) * per)


# ----------------------------------------------------------------------------------------------
# Values pinned from each workbook


@needs_reference
def test_hub_2021_values(rows: dict[int, list[FactorRow]]) -> None:
    r = rows[2021]
    # Table 1, E38: natural gas 53.06 kg CO2 per mmBtu (HHV); D38 heat content 0.001026 mmBtu/scf.
    gas = one(r, "epa-hub-2021:t1.natural-gas.mmbtu", "CO2")
    assert (gas.value, gas.unit, cell(gas)) == (53.06, "mmBtu", "E38")
    assert (gas.heat_content, gas.heat_content_unit, gas.heat_basis) == (
        0.001026,
        "mmBtu/scf",
        "HHV",
    )
    # Table 6, D330 'RFCW (RFC West)': 1,067.7 lb CO2/MWh (eGRID2019), region from the acronym.
    rfcw = one(r, "epa-hub-2021:t6.egrid2019.rfcw.total-output", "CO2")
    assert (rfcw.value, rfcw.region, cell(rfcw)) == (kg("1067.7", LB), "US-RFCW", "D330")
    # Table 10, D466 'Passenger Car A': 0.341 kg CO2 per vehicle-mile.
    car = one(r, "epa-hub-2021:t10.business-travel.car.vehicle-mile", "CO2")
    assert (car.value, car.unit, cell(car)) == (0.341, "vehicle-mile", "D466")
    # Table 5, 2021's own row 'Agricultural Offroad Trucks' / 'Gasoline' (E275: 7.24 g CH4 per
    # gallon) takes the key later editions give it.
    trucks = one(r, "epa-hub-2021:t5.agricultural-equipment.gasoline-off-road-trucks.gallon", "CH4")
    assert (
        trucks.activity == "mobile_combustion.motor_gasoline.agricultural_equipment_off_road_trucks"
    )
    assert (trucks.value, cell(trucks)) == (kg("7.24", G), "E275")


@needs_reference
def test_hub_2023_values(rows: dict[int, list[FactorRow]]) -> None:
    r = rows[2023]
    # Table 1, E38: natural gas 53.06 kg CO2 per mmBtu (HHV); the coal row 'Anthracite Coal'
    # (H17: 2,602 kg CO2 per short ton) keeps the 2024 key.
    gas = one(r, "epa-hub-2023:t1.natural-gas.mmbtu", "CO2")
    assert (gas.value, gas.activity, cell(gas)) == (
        53.06,
        "stationary_combustion.natural_gas",
        "E38",
    )
    coal = one(r, "epa-hub-2023:t1.anthracite.short-ton", "CO2")
    assert (coal.value, coal.activity, cell(coal)) == (
        2602.0,
        "stationary_combustion.anthracite",
        "H17",
    )
    # Table 9, E460 'Mixed MSW' landfilled: 0.52 t CO2e per short ton, AR4 (EPA's statement).
    msw = one(r, "epa-hub-2023:t9.mixed-msw.landfilled.short-ton", "CO2e")
    assert (msw.value, msw.unit, msw.gwp_basis, cell(msw)) == (520.0, "short_ton", "AR4", "E460")


@needs_reference
def test_hub_2024_values(rows: dict[int, list[FactorRow]]) -> None:
    r = rows[2024]
    # Table 1, E39: natural gas 53.06 kg CO2 per mmBtu.
    gas = one(r, "epa-hub-2024:t1.natural-gas.mmbtu", "CO2")
    assert (gas.value, cell(gas)) == (53.06, "E39")
    # Table 5, E287 locomotives diesel: 0.7978230076557283 g CH4 per gallon, kept to 15 digits.
    loco = one(r, "epa-hub-2024:t5.locomotives.diesel.gallon", "CH4")
    assert (loco.value, cell(loco)) == (kg("0.797823007655728", G), "E287")
    # Table 7, E401: steam and heat 1.25 g CH4 per mmBtu.
    steam = one(r, "epa-hub-2024:t7.steam-and-heat.mmbtu", "CH4")
    assert (steam.value, steam.activity, cell(steam)) == (kg("1.25", G), "steam.purchased", "E401")


@needs_reference
def test_hub_2025_values(rows: dict[int, list[FactorRow]]) -> None:
    r = rows[2025]
    # Table 6, E339 AKGD: 899.003 lb CO2/MWh (eGRID2023, January 2025 release).
    akgd = one(r, "epa-hub-2025:t6.egrid2023.akgd.total-output", "CO2")
    assert (akgd.value, akgd.region, cell(akgd)) == (kg("899.003", LB), "US-AKGD", "E339")
    # Table 8, D427 waterborne craft: 0.077 kg CO2 per 'short ton-mile' (2025's spelling of the
    # unit earlier editions call ton-mile; zerotrail's ton-mile is the short ton-mile).
    ship = one(r, "epa-hub-2025:t8.waterborne.ton-mile", "CO2")
    assert (ship.value, ship.unit, cell(ship)) == (0.077, "ton-mile", "D427")
    # Table 10, D504 'Passenger Car A': 0.297 kg CO2 per vehicle-mile.
    car = one(r, "epa-hub-2025:t10.commuting.car.vehicle-mile", "CO2")
    assert (car.value, cell(car)) == (0.297, "D504")
    # Table 3: the newest model year is 2022 (D164: passenger cars 0.005 g CH4/vehicle-mile).
    cars = one(r, "epa-hub-2025:t3.gasoline-passenger-cars.gasoline.my2022.vehicle-mile", "CH4")
    assert (cars.value, cell(cars)) == (kg("0.005", G), "E164")


@needs_reference
def test_the_2023_to_2024_changes_the_issue_names(rows: dict[int, list[FactorRow]]) -> None:
    def pair(factor_id: str, gas: str) -> tuple[FactorRow, FactorRow]:
        return one(rows[2023], f"epa-hub-2023:{factor_id}", gas), one(
            rows[2024], f"epa-hub-2024:{factor_id}", gas
        )

    # Business-travel car, kg CO2 (not CO2e) per vehicle-mile in both editions: 2023 Table 10
    # D485 0.313, 2024 D494 0.17515256410803692 (shown 0.175).
    old, new = pair("t10.business-travel.car.vehicle-mile", "CO2")
    assert (old.value, old.unit, cell(old)) == (0.313, "vehicle-mile", "D485")
    assert (new.value, new.unit, cell(new)) == (0.175152564108037, "vehicle-mile", "D494")
    # Waterborne freight, kg CO2 per ton-mile: 2023 Table 8 D410 0.044, 2024 D417 0.0821.
    old, new = pair("t8.waterborne.ton-mile", "CO2")
    assert (old.value, cell(old)) == (0.044, "D410")
    assert (new.value, cell(new)) == (0.0821016445284028, "D417")
    # eGRID RFCW total output, lb CO2/MWh: 2023 E343 1,046.1 (eGRID2021), 2024 E350 1,000.053
    # (eGRID2022, shown 1,000.1).
    old = one(rows[2023], "epa-hub-2023:t6.egrid2021.rfcw.total-output", "CO2")
    new = one(rows[2024], "epa-hub-2024:t6.egrid2022.rfcw.total-output", "CO2")
    assert (old.value, cell(old)) == (kg("1046.1", LB), "E343")
    assert (new.value, cell(new)) == (kg("1000.053", LB), "E350")


# ----------------------------------------------------------------------------------------------
# 2024: the workbook gives what the cell-by-cell extraction gave


def comparable(row: FactorRow) -> dict[str, str]:
    record = row.to_record()
    del record["source_ref"]  # was the extraction's row id, is now the workbook cell
    return record


@needs_reference
def test_2024_reproduces_the_shipped_set(rows: dict[int, list[FactorRow]]) -> None:
    shipped = [
        r
        for r in read_csv(REPO / "src" / "zerotrail" / "reference" / "data" / "factors.csv")
        if r["factor_set"] == "epa-hub-2024"
    ]
    built = {(r.factor_id, r.gas): comparable(r) for r in rows[2024]}
    assert len(built) == len(rows[2024]) == len(shipped) == 1006
    for record in shipped:
        del record["source_ref"]
        assert built[(record["factor_id"], record["gas"])] == record


@needs_reference
def test_2024_workbook_and_independent_extraction_map_to_the_same_rows(
    rows: dict[int, list[FactorRow]],
) -> None:
    # data/epa_hub_2024.csv was extracted from the same workbook by other means (and checked
    # against a third extraction); fed through the same mapping it must give the same rows.
    extracted = read_csv(REFERENCE / "data" / "epa_hub_2024.csv")
    for record in extracted:
        record["cell"] = record["factor_id"]
    from_csv = {
        (r.factor_id, r.gas): comparable(r) for r in epa_hub.build_edition(HUB[2024], extracted)
    }
    from_workbook = {(r.factor_id, r.gas): comparable(r) for r in rows[2024]}
    assert from_csv == from_workbook


# ----------------------------------------------------------------------------------------------
# Sets, validity, provenance


@needs_reference
def test_sets_and_rows_carry_edition_metadata(rows: dict[int, list[FactorRow]]) -> None:
    specs = {spec.factor_set: spec for spec in epa_hub.SETS}
    expected = {
        2021: ("2021-09-15", "eGRID2019", "AR4"),
        2023: ("2023-09-12", "eGRID2021", "AR4"),
        2024: ("2024-02-13", "eGRID2022", "AR5"),
        2025: ("2025-01-15", "eGRID2023", "AR5"),
    }
    for year, (published, egrid_edition, gwp) in expected.items():
        spec = specs[f"epa-hub-{year}"]
        assert (spec.reporting_year, spec.published) == (year, published)
        assert spec.data_year.startswith(f"Table 6: {egrid_edition}")
        assert f"GWPs of this edition: {gwp}" in spec.description
        assert spec.inputs[0] == f"sources/epa-ghg-hub/ghg-emission-factors-hub-{year}.xlsx"
        for row in rows[year]:
            assert (row.valid_from, row.valid_to) == (date(year, 1, 1), date(year, 12, 31))
            assert row.source_ref.startswith(
                f"ghg-emission-factors-hub-{year}.xlsx 'Emission Factors Hub'!"
            )
            assert row.edition == f"{year} (workbook last modified {published})"
            # Only Table 9 (waste, WARM) is CO2e, always AR4 whatever the edition's GWP set.
            assert (row.gwp_basis == "AR4") == (row.gas == "CO2e")
    assert "original release" in specs["epa-hub-2025"].data_year
    assert specs["epa-hub-2021"].inputs[1:] == (
        "sources/egrid/egrid2019_summary_tables.xlsx",
        "sources/egrid/usepa-egrid-explorer/subregion.csv",
    )


@needs_reference
def test_every_edition_is_verified_and_2025_says_why(rows: dict[int, list[FactorRow]]) -> None:
    # 2021, 2023 and 2024 are EPA's content; 2025 is a re-saved copy, verified on the recorded
    # agreement with a second, independently re-saved copy, which its description must state.
    assert all(row.verified for year in HUB for row in rows[year])
    description = next(s for s in epa_hub.SETS if s.factor_set == "epa-hub-2025").description
    assert "re-saved" in description and "second, independently re-saved copy" in description


@needs_reference
def test_peat_and_non_baseload_choices_hold_in_every_edition(
    rows: dict[int, list[FactorRow]],
) -> None:
    for year in HUB:
        peat = [r for r in rows[year] if r.activity == "stationary_combustion.peat"]
        assert peat and not any(r.biogenic for r in peat)
        wood = one(rows[year], f"epa-hub-{year}:t1.wood-and-wood-residuals.mmbtu", "CO2")
        assert wood.biogenic
        non_baseload = [r for r in rows[year] if r.activity == "electricity.non_baseload"]
        assert len(non_baseload) == 28 * 3  # 27 subregions and the US average, three gases
        assert {r.scope_use for r in non_baseload} == {"not for inventories"}


@needs_reference
def test_a_wrong_edition_claim_is_refused() -> None:
    ed = HUB[2023]
    with pytest.raises(BuildError, match="GWP statement names"):
        epa_hub.read_hub(REFERENCE / ed.input, dataclasses.replace(ed, gwp="AR5"))
    with pytest.raises(BuildError, match="banner says 2023-09-12"):
        epa_hub.read_hub(REFERENCE / ed.input, dataclasses.replace(ed, published="2023-03-01"))
    with pytest.raises(BuildError, match="does not name eGRID2022"):
        epa_hub.read_hub(REFERENCE / ed.input, dataclasses.replace(ed, egrid="eGRID2022"))


def test_numbers_and_model_years_as_epa_writes_them() -> None:
    assert epa_hub.number(0.022000000000000002, "x") == "0.022"
    assert epa_hub.number("0 ", "x") == "0"
    assert epa_hub.number("NA", "x") is None
    with pytest.raises(BuildError):
        epa_hub.number("n/a", "x")
    assert epa_hub.model_years("1973-74") == ("1973", "1974")
    assert epa_hub.model_years(" 1976-1977 ") == ("1976", "1977")
    assert epa_hub.model_years(1975) == ("1975", "1975")
    assert epa_hub.model_years(" ≤1980") == ("", "1980")
    assert epa_hub.model_years("<1981") == ("", "1980")
    assert epa_hub.plain("Passenger Car A") == "Passenger Car"
    assert epa_hub.plain("Medium- and Heavy-Duty TruckC") == "Medium- and Heavy-Duty Truck"
    assert epa_hub.plain("Transit Rail (i.e. Subway, Tram) E") == "Transit Rail (i.e. Subway, Tram)"
    assert epa_hub.plain("LPG") == "LPG"
    assert epa_hub.decimals_shown('_(* #,##0.000_);_(* \\(#,##0.000\\);_(* "-"??_);_(@_)') == 3
    assert epa_hub.decimals_shown("General") is None


# ----------------------------------------------------------------------------------------------
# Table 6 against eGRID


@needs_reference
def test_table_6_agrees_with_egrid_of_its_data_year(records: dict[int, list[Rec]]) -> None:
    counts = {
        (year, check.input): egrid.cross_check(REFERENCE, check, records[year], HUB[year].egrid)
        for year in (2021, 2023)
        for check in HUB[year].egrid_checks
    }
    # 27 subregions and the US row, total output and non-baseload, three gases; the explorer
    # file has no US row.
    assert counts == {
        (2021, "sources/egrid/egrid2019_summary_tables.xlsx"): 168,
        (2021, "sources/egrid/usepa-egrid-explorer/subregion.csv"): 162,
        (2023, "sources/egrid/eGRID2021_summary_tables.xlsx"): 168,
    }


def reference_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REFERENCE / name, target)
    return target


@needs_reference
def test_cross_check_refuses_a_changed_egrid_workbook(
    records: dict[int, list[Rec]], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    [check] = HUB[2023].egrid_checks
    path = reference_copy(tmp_path, check.input)
    _, where = egrid.summary_table1(path)[("RFCW", "total_output", "CO2")]
    coordinate = where.rsplit("!", 1)[1]
    with warnings.catch_warnings():
        # openpyxl drops the workbook's drawings (and says so); the cells are what matter here.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        book = load_workbook(path)
        assert book["Table 1"][coordinate].value == pytest.approx(1046.1, abs=0.05)
        book["Table 1"][coordinate].value = 1046.2  # shows 1,046.2 where the Hub shows 1,046.1
        book.save(path)
    with pytest.raises(BuildError, match=r"E343 shows 1046\.1 lb CO2/MWh for RFCW"):
        egrid.cross_check(tmp_path, check, records[2023], "eGRID2021")


@needs_reference
def test_cross_check_refuses_a_changed_or_short_explorer_file(
    records: dict[int, list[Rec]], tmp_path: Path
) -> None:
    check = HUB[2021].egrid_checks[1]
    path = reference_copy(tmp_path, check.input)
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    fields = list(lines[0])

    def write(rows: list[dict[str, str]]) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)

    changed = [dict(r) for r in lines]
    [akgd] = [r for r in changed if (r["Year"], r["SUBRGN"]) == ("2019", "AKGD")]
    akgd["SRCH4RTA"] = "0.099"  # Hub 2021 E312 shows 0.098 lb CH4/MWh
    write(changed)
    with pytest.raises(BuildError, match=r"E312 shows 0\.098 lb CH4/MWh for AKGD"):
        egrid.cross_check(tmp_path, check, records[2021], "eGRID2019")
    write([r for r in lines if r["SUBRGN"] != "PRMS"])
    with pytest.raises(BuildError, match=r"'PRMS', 'total_output', 'CO2'\) is not in"):
        egrid.cross_check(tmp_path, check, records[2021], "eGRID2019")
