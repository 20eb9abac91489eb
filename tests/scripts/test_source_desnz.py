"""scripts/factor_sources/desnz.py: the UK government conversion factors 2019-2025.

Values are pinned from the flat files in ../shared/reference/sources/desnz (the row's ID for
2023-2025, the cell for 2019-2022, whose flat files have no ID column); those tests skip where
the folder is absent. A factor with a CO2 part ships as CO2 (kg) plus the rest of DESNZ's total
as CO2e, so the pins give both and check that they add up to DESNZ's total.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from zerotrail.factors.custom import parse_custom_factors
from zerotrail.model.keys import family_of
from zerotrail.model.regions import region_problem
from zerotrail.reference.factors import FACTOR_COLUMNS, FactorRow
from zerotrail.units import check_unit, conversion_factor

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
sys.path.insert(0, str(REPO / "scripts"))

from factor_sources import desnz  # noqa: E402
from factor_sources.common import BuildError, Factor  # noqa: E402

needs_reference = pytest.mark.skipif(
    not all((REFERENCE / ed.path).is_file() for ed in desnz.EDITIONS)
    or not (REFERENCE / "data" / "gwp.csv").is_file(),
    reason="reference data (../shared/reference) is not available in this checkout",
)
EDITION = {ed.year: ed for ed in desnz.EDITIONS}


@pytest.fixture(scope="module")
def built() -> dict[int, tuple[list[FactorRow], list[str]]]:
    """Each edition's rows and refrigerant GWP differences, built once for the module."""
    gwp = desnz.gwp_table(REFERENCE)
    return {ed.year: desnz.build_edition(REFERENCE, ed, gwp) for ed in desnz.EDITIONS}


@pytest.fixture(scope="module")
def rows(built: dict[int, tuple[list[FactorRow], list[str]]]) -> list[FactorRow]:
    return [r for year in sorted(built) for r in built[year][0]]


def gases(
    rows: list[FactorRow],
    year: int,
    key: str,
    unit: str,
    region: str = "GB",
    basis: str | None = None,
) -> dict[str, float]:
    """The gas values of the one factor serving (set, key, region, unit, heating basis)."""
    found = [
        r
        for r in rows
        if r.factor_set == f"desnz-{year}"
        and r.activity == key
        and r.region == region
        and r.unit == unit
        and r.heat_basis == basis
    ]
    assert len({r.factor_id for r in found}) == 1, found
    return {r.gas: r.value for r in found}


def total(parts: dict[str, float]) -> Decimal:
    return sum((Decimal(repr(v)) for v in parts.values()), Decimal(0))


# ----------------------------------------------------------------------------------------------
# Values pinned from the publisher's files


@needs_reference
@pytest.mark.parametrize(
    ("year", "in_file", "co2", "shipped"),
    [
        (2019, 0.2556, 0.25358, "0.2556"),  # 'Factors by Category'!K1930 (CO2e), K1932 (CO2)
        (2020, 0.23314, 0.23104, "0.23314"),  # !K1930 and !K1932
        # The .xls stores 0.21233 as the double 0.21233000000000002: !K1974 and !K1976.
        (2021, 0.21233000000000002, 0.21016, "0.21233"),
        (2022, 0.19338, 0.19121, "0.19338"),  # !I2854 and !I2855
        # ID 7_400_4000_5_1 holds 17 significant digits; shipped values keep 15 (the most a
        # factor file holds exactly; what Excel shows): CO2 0.20496 + CO2e 0.002114288590604.
        (2023, 0.20707428859060403, 0.20496, "0.207074288590604"),
        (2024, 0.20705, 0.20493, "0.20705"),  # ID 7_400_4000_5_1 and 7_400_4000_5_2
        (2025, 0.177, 0.17489, "0.177"),  # ID 7_400_4000_5_1 and 7_400_4000_5_2
    ],
)
def test_uk_electricity_is_co2_plus_the_rest_of_the_total(
    rows: list[FactorRow], year: int, in_file: float, co2: float, shipped: str
) -> None:
    parts = gases(rows, year, "electricity.grid", "kWh")
    # 2025: CO2 0.17489 and CO2e 0.177 - 0.17489 = 0.00211 (CH4 and N2O, AR5).
    assert parts["CO2"] == co2
    assert Decimal(repr(parts["CO2e"])) == Decimal(shipped) - Decimal(repr(co2))
    assert total(parts) == Decimal(shipped)
    assert float(shipped) == pytest.approx(in_file, rel=1e-15, abs=0)


@needs_reference
@pytest.mark.parametrize(
    ("year", "key", "unit", "region", "basis", "co2e", "co2"),
    [
        # 2019: domestic flight, average passenger, with RF: !K3494 total, !K3496 CO2
        (
            2019,
            "business_travel.air_domestic.with_rf",
            "passenger-km",
            "GB",
            None,
            "0.25493",
            0.25355,
        ),
        (2019, "purchased_goods.water_supply", "m3", "GB", None, "0.344", None),  # !K2246
        (2019, "business_travel.hotel", "room-night", "GB", None, "17.4", None),  # !K6928
        # 2020: CNG per kWh gross CV !K6 / !K8, net CV !K10 / !K12; UK hotel !K6928
        (2020, "stationary_combustion.cng", "kWh", "GB", "HHV", "0.18387", 0.18352),
        (2020, "stationary_combustion.cng", "kWh", "GB", "NCV", "0.20374", 0.20336),
        (2020, "business_travel.hotel", "room-night", "GB", None, "15.7", None),
        # 2021: butane per kWh gross CV !K6 / !K8; all HGVs, average laden, per tonne.km
        # !K6127 / !K6129; national rail !K4375 / !K4377
        (2021, "stationary_combustion.butane", "kWh", "GB", "HHV", "0.2224", 0.2221),
        (2021, "freight.truck", "tonne-km", "GB", None, "0.10749", 0.1058),
        (2021, "business_travel.rail", "passenger-km", "GB", None, "0.03549", 0.0351),
        # 2022: T&D !I3412 / !I3413; water treatment !I3731; WTT natural gas net CV !I3264
        (2022, "fuel_energy.td_losses", "kWh", "GB", None, "0.01769", 0.0175),
        (2022, "waste.water.treatment", "m3", "GB", None, "0.272", None),
        (2022, "fuel_energy.wtt.natural_gas", "kWh", "GB", "NCV", "0.03446", None),
        # 2023: average car, unknown fuel, per km: ID 25_301_3074_4_1 (0.1666385879194631,
        # 16 significant digits; 15 shipped) / ID 25_301_3074_4_2
        (2023, "business_travel.car", "vehicle-km", "GB", None, "0.166638587919463", 0.16547),
        # 2024: natural gas per kWh gross CV ID 1_100_1004_6_1 / _2; London hotel
        # ID 29_600_4001_13_1; paper closed-loop recycling ID 20_506_5457_15_1
        (2024, "stationary_combustion.natural_gas", "kWh", "GB", "HHV", "0.1829", 0.18253),
        (2024, "business_travel.hotel", "room-night", "GB-LND", None, "11.5", None),
        (
            2024,
            "waste.paper_and_board_paper.recycled_closed_loop",
            "t",
            "GB",
            None,
            "6.41061",
            None,
        ),
        # 2025: natural gas per m3 ID 1_100_1004_1_1 / _2; China hotel ID 29_600_4009_13_1;
        # WTT of UK electricity generation ID 15_917_4000_5_1; container ship ID 27_320_3235_14_1
        (2025, "stationary_combustion.natural_gas", "m3", "GB", None, "2.06672", 2.0627),
        (2025, "business_travel.hotel", "room-night", "CN", None, "53.5", None),
        (2025, "fuel_energy.wtt.electricity", "kWh", "GB", None, "0.0459", None),
        (2025, "freight.waterborne.container_ship", "tonne-km", "GLOBAL", None, "0.01612", 0.01592),
    ],
)
def test_pinned_values(
    rows: list[FactorRow],
    year: int,
    key: str,
    unit: str,
    region: str,
    basis: str | None,
    co2e: str,
    co2: float | None,
) -> None:
    parts = gases(rows, year, key, unit, region, basis)
    assert total(parts) == Decimal(co2e)
    assert parts.get("CO2") == co2
    assert set(parts) == ({"CO2", "CO2e"} if co2 is not None else {"CO2e"})


@needs_reference
def test_2023_average_petrol_car_per_km(rows: list[FactorRow]) -> None:
    # Business travel- land > Cars (by size) > Average car > Petrol, km:
    # ID 25_301_3070_4_1 = 0.1639085342281879 kg CO2e, ID 25_301_3070_4_2 = 0.16323 kg CO2.
    # Shipped: CO2 0.16323 and CO2e 0.000678534228188 (15 significant digits of the total).
    parts = gases(rows, 2023, "business_travel.car.average.motor_gasoline", "vehicle-km")
    assert parts == {"CO2": 0.16323, "CO2e": 0.000678534228188}
    assert total(parts) == Decimal("0.163908534228188")
    # The same DESNZ factor serves commuting (Scope 3 category 7) under its own key.
    assert gases(rows, 2023, "commuting.car.average.motor_gasoline", "vehicle-km") == parts


@needs_reference
def test_2023_long_haul_business_class_with_and_without_radiative_forcing(
    rows: list[FactorRow],
) -> None:
    # Flights > Long-haul, to/from UK > Business class, passenger.km:
    # without RF ID 21_316_3175_11_1 = 0.3425269302013423, CO2 ID 21_316_3175_11_2 = 0.33965;
    # with RF ID 21_316_3174_11_1 = 0.5802869302013423, CO2 ID 21_316_3174_11_2 = 0.57741
    # (totals shipped to 15 significant digits).
    without = gases(rows, 2023, "business_travel.air_long_haul.business", "passenger-km")
    with_rf = gases(rows, 2023, "business_travel.air_long_haul.business.with_rf", "passenger-km")
    assert without == {"CO2": 0.33965, "CO2e": 0.002876930201342}
    assert with_rf == {"CO2": 0.57741, "CO2e": 0.002876930201342}
    assert total(without) == Decimal("0.342526930201342")
    assert total(with_rf) == Decimal("0.580286930201342")
    # DESNZ applies radiative forcing to CO2 only: CH4 and N2O are the same in both.
    assert without["CO2e"] == with_rf["CO2e"]


# ----------------------------------------------------------------------------------------------
# What every row must be


@needs_reference
def test_sets_match_their_editions(rows: list[FactorRow]) -> None:
    specs = {s.factor_set: s for s in desnz.SETS}
    assert sorted(specs) == [f"desnz-{y}" for y in range(2019, 2026)]
    assert specs["desnz-2025"].published == "2025-06-10"
    assert specs["desnz-2019"].published == "2020-07-01"  # version 1.03, updated
    for row in rows:
        year = int(row.factor_set.removeprefix("desnz-"))
        assert specs[row.factor_set].reporting_year == year
        assert (row.valid_from, row.valid_to) == (date(year, 1, 1), date(year, 12, 31))
        # Every edition read from DESNZ's own file; 2024 after the full-set check.
        assert row.verified
        assert row.gwp_basis == (EDITION[year].gwp if row.gas == "CO2e" else None)
        assert row.gas in ("CO2", "CO2e") and not row.biogenic and row.value > 0


@needs_reference
def test_keys_units_and_regions_are_valid(rows: list[FactorRow]) -> None:
    same_dimension = {
        "kWh": "MJ",
        "litre": "gal",
        "t": "kg",
        "m3": "L",
        "vehicle-km": "vehicle-mile",
        "passenger-km": "passenger-mile",
        "tonne-km": "ton-mile",
        "room-night": "room nights",
    }
    for row in rows:
        assert family_of(row.activity) is not None, row.activity
        assert not row.activity.startswith("fugitive."), row.factor_id  # see the GWP check
        check_unit(row.unit)
        assert conversion_factor(row.unit, same_dimension[row.unit]) > 0
        assert region_problem(row.region) is None, row.region
        # Only DESNZ's "kWh (Gross CV)" and "kWh (Net CV)" factors carry a heating basis.
        basis = {"kwh-gross-cv": "HHV", "kwh-net-cv": "NCV"}.get(row.factor_id.rsplit(".")[-1])
        assert row.heat_basis == basis, row.factor_id


@needs_reference
def test_rows_pass_the_checks_of_a_users_factor_file(rows: list[FactorRow]) -> None:
    # The build checks the shipped file as zerotrail checks a user's custom factors: among
    # others, every value must keep at most 15 significant digits and read back unchanged.
    records = [r.to_record() for r in rows]
    parsed, problems = parse_custom_factors(
        records, "factors.csv", columns=FACTOR_COLUMNS, gases={"CO2", "CH4", "N2O"}
    )
    assert not problems
    assert list(parsed) == rows


@needs_reference
def test_one_factor_per_key_region_unit_and_heating_basis(rows: list[FactorRow]) -> None:
    seen: dict[tuple[object, ...], str] = {}
    for row in rows:
        where = (row.factor_set, row.activity, row.region, row.unit, row.heat_basis)
        assert seen.setdefault(where, row.factor_id) == row.factor_id, where
    # Gross and net CV are two factors on one key and unit, told apart by heat_basis.
    gross = gases(rows, 2025, "stationary_combustion.natural_gas", "kWh", basis="HHV")
    net = gases(rows, 2025, "stationary_combustion.natural_gas", "kWh", basis="NCV")
    assert (total(gross), total(net)) == (Decimal("0.18296"), Decimal("0.2027"))


@needs_reference
def test_flights_to_or_from_the_uk_are_gb_and_others_global(rows: list[FactorRow]) -> None:
    regions = {r.activity: r.region for r in rows if r.factor_set == "desnz-2025"}
    assert regions["business_travel.air_short_haul"] == "GB"
    assert regions["business_travel.air_international.first.with_rf"] == "GLOBAL"
    assert regions["freight.air"] == "GLOBAL" and regions["freight.air.long_haul"] == "GB"
    assert regions["freight.waterborne.bulk_carrier.200000_plus_dwt"] == "GLOBAL"


def test_every_hotel_country_is_a_region_code() -> None:
    for name, code in desnz.COUNTRIES.items():
        assert code is None or region_problem(code) is None, name
    assert desnz.COUNTRIES["UK"] == "GB"


@needs_reference
def test_row_counts_stay_small(rows: list[FactorRow]) -> None:
    for ed in desnz.EDITIONS:
        count = sum(r.factor_set == ed.factor_set for r in rows)
        assert 1000 < count < 1300, (ed.year, count)


# ----------------------------------------------------------------------------------------------
# Checks against a second source, and the guards of the reader


@needs_reference
def test_refrigerant_gwps_agree_with_gwp_csv(
    built: dict[int, tuple[list[FactorRow], list[str]]],
) -> None:
    assert {year: diffs for year, (_, diffs) in built.items() if diffs} == {}


@needs_reference
def test_a_refrigerant_gwp_difference_is_reported() -> None:
    ed = EDITION[2025]
    lines = desnz.read_lines(ed, desnz.read_workbook(REFERENCE / ed.path))
    gwp = desnz.gwp_table(REFERENCE)
    changed = {
        k: ({**rec, "gwp100_ar5": "1430"} if rec["gas_id"] == "HFC-134a" else rec)
        for k, rec in gwp.items()
    }
    (diff,) = desnz.refrigerant_differences(ed, lines, changed)
    # DESNZ 2025 lists HFC-134a at 1,300 kg CO2e/kg (ID 3_200_2024_3_1), AR5's value.
    assert "HFC-134a: DESNZ 1300" in diff and "gwp100_ar5 1430" in diff


def test_a_modified_2024_value_missing_from_the_full_set_stops_the_build() -> None:
    line = desnz.Line(("UK electricity", "", "", "", ""), "kWh", "CO2e", 0.2071, "f ID 7_1")
    desnz.check_against([line], {0.2071}, "full set")
    with pytest.raises(BuildError, match=r"f ID 7_1 = 0\.2071"):
        desnz.check_against([line], {0.20705}, "full set")


@needs_reference
def test_the_2024_cross_check_reads_the_real_files(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ref = tmp_path / "reference"
    folder = ref / desnz.FOLDER
    folder.mkdir(parents=True)
    (ref / "data").mkdir()
    shutil.copyfile(REFERENCE / "data" / "gwp.csv", ref / "data" / "gwp.csv")
    (folder / desnz.FULL_SET_2024).symlink_to(REFERENCE / desnz.FOLDER / desnz.FULL_SET_2024)
    ed = EDITION[2024]
    book = load_workbook(REFERENCE / ed.path)
    sheet = book[desnz.SHEET]
    cells = [row for row in sheet.iter_rows() if row[0].value == "7_400_4000_5_1"]
    assert cells[0][9].value == 0.20705  # UK electricity, kg CO2e per kWh
    cells[0][9].value = 0.2071
    book.save(folder / ed.file)
    with pytest.raises(BuildError, match=r"ID 7_400_4000_5_1 = 0\.2071\b"):
        desnz.build_edition(ref, ed)


@needs_reference
def test_xls_shared_strings_are_read_only_with_the_narrow_patch() -> None:
    import xlrd
    import xlrd.book

    original = xlrd.book.unpack_SST_table
    path = REFERENCE / EDITION[2021].path
    with pytest.raises(AssertionError):
        xlrd.open_workbook(str(path), on_demand=True)
    book = desnz.read_workbook(path)
    assert xlrd.book.unpack_SST_table is original  # restored
    assert book.table[4][:3] == ["Scope", "Level 1", "Level 2"]


def test_front_page_must_name_the_mapped_edition() -> None:
    ed = EDITION[2025]

    def book(version: float) -> desnz.Workbook:
        front: list[list[object]] = [
            ["Version: ", version],
            ["Updated:", datetime(2025, 6, 10)],
            ["Year:", 2025],
        ]
        return desnz.Workbook(front, [], lambda v: v.date() if isinstance(v, datetime) else None)

    desnz.check_front_page(ed, book(1))
    with pytest.raises(BuildError, match=r"version 1\.1"):
        desnz.check_front_page(ed, book(1.1))


def test_a_new_name_in_a_mapped_section_stops_the_build() -> None:
    hydrogen = desnz.Line(
        ("Fuels", "Gaseous fuels", "Hydrogen", "", ""), "tonnes", "CO2e", 1.0, "r"
    )
    with pytest.raises(BuildError, match="Hydrogen"):
        desnz.edition_rows(EDITION[2025], [hydrogen])
    # Sections not shipped (here the market-segment cars) are skipped without a mapping.
    segment = ("Business travel- land", "Cars (by market segment)", "Mini", "", "Diesel")
    assert desnz.targets(segment) == []


def test_parts_that_do_not_add_up_to_the_total_stop_the_build() -> None:
    factor = Factor(
        "desnz-2025", "desnz-2025:x", "electricity.grid", "GB", date(2025, 1, 1), None, "", ""
    )
    src = {"source": "s", "edition": "e", "source_url": "u", "licence": "l", "verified": "yes"}

    def line(gas: str, value: float) -> desnz.Line:
        ref = f"f.xlsx 'Factors by Category' ID 7_400_4000_5_{gas}"
        return desnz.Line(("UK electricity", "", "", "", ""), "kWh", gas, value, ref)

    # DESNZ 2024 full set, 'UK electricity': 0.20705 = 0.20493 + CH4 0.0009 + N2O 0.00122.
    good = {"CO2e": line("CO2e", 0.20705), "CO2": line("CO2", 0.20493)}
    good |= {"CH4": line("CH4", 0.0009), "N2O": line("N2O", 0.00122)}
    assert [r.gas for r in desnz.factor_rows(factor, "kWh", src, good, "AR5")] == ["CO2", "CO2e"]
    bad = good | {"N2O": line("N2O", 0.00222)}
    with pytest.raises(BuildError, match="is not CO2"):
        desnz.factor_rows(factor, "kWh", src, bad, "AR5")
