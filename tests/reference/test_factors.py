"""The shipped factor library: provenance, well-formed keys/regions/units, and known answers.

Known answers restate a source number and the arithmetic that turns it into kg per unit; the
source row is named in each comment (reference data: ../shared/reference/data).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from pathlib import Path

import pytest

from zerotrail.errors import FactorError
from zerotrail.factors.custom import parse_custom_factors
from zerotrail.model.keys import key_problem
from zerotrail.model.regions import region_problem
from zerotrail.reference import factors
from zerotrail.reference.factors import FACTOR_COLUMNS, FactorRow
from zerotrail.units import bridge_factor, check_unit

DOCS = Path(__file__).resolve().parents[2] / "docs"
LB = 0.45359237
ROWS = factors.factor_rows()


def only(factor_id: str, gas: str) -> FactorRow:
    (row,) = [r for r in factors.get(factor_id) if r.gas == gas]
    return row


def test_every_set_has_rows_and_complete_metadata() -> None:
    sets = factors.factor_sets()
    assert [s.factor_set for s in sets] == [
        "epa-hub-2021",
        "epa-hub-2023",
        "epa-hub-2024",
        "epa-hub-2025",
        "ipcc-2006-tier1",
        "cn-mee-grid",
        *(f"desnz-{year}" for year in range(2019, 2026)),
        "useeio-v1.2",
        "useeio-v1.3",
        "zerotrail-fugitive",
    ]
    assert {r.factor_set for r in ROWS} == {s.factor_set for s in sets}
    for s in sets:
        # Only year-named editions have a reporting year; the IPCC defaults, the MEE notices
        # (three in one set) and zerotrail's own set have no single publication date.
        optional = {"reporting_year", "published", "data_year"}
        assert all(getattr(s, name) for name in s.__slots__ if name not in optional), s
        assert len(s.input_file.split(";")) == len(s.input_sha256.split(";"))
    named = {s.factor_set: s.reporting_year for s in sets if s.reporting_year}
    assert named == {
        **{f"epa-hub-{y}": str(y) for y in (2021, 2023, 2024, 2025)},
        **{f"desnz-{y}": str(y) for y in range(2019, 2026)},
    }
    # A year-named edition is valid for its reporting year, 1 January to 31 December.
    for r in ROWS:
        if r.factor_set in named:
            year = int(named[r.factor_set])
            assert (r.valid_from, r.valid_to) == (dt.date(year, 1, 1), dt.date(year, 12, 31))


def test_provenance_is_present_on_every_row() -> None:
    for row in ROWS:
        for name in ("source", "edition", "source_url", "licence", "source_ref", "scope_use"):
            assert getattr(row, name).strip(), (row.factor_id, row.gas, name)
        assert isinstance(row.verified, bool)
        assert row.supplier == ""


def test_units_regions_and_keys_are_well_formed() -> None:
    for row in ROWS:
        check_unit(row.unit)
        assert region_problem(row.region) is None, row.region
        assert key_problem(row.activity) is None, row.activity
        assert math.isfinite(row.value) and row.value >= 0, row
        assert row.valid_to is None or row.valid_from <= row.valid_to
        if row.heat_content is not None:
            assert row.heat_content_unit and row.heat_basis in ("HHV", "NCV")
            numerator, _, denominator = row.heat_content_unit.partition("/")
            check_unit(numerator)
            check_unit(denominator)


def test_gwp_basis_on_co2e_rows_only_and_biogenic_on_co2_only() -> None:
    for row in ROWS:
        assert (row.gas == "CO2e") == (row.gwp_basis is not None), row
        assert not row.biogenic or row.gas == "CO2", row


def test_gases_of_a_factor_share_its_identity() -> None:
    seen: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    gases: dict[str, list[str]] = defaultdict(list)
    for row in ROWS:
        seen[row.factor_id].add(
            (row.factor_set, row.activity, row.region, row.unit, row.valid_from, row.valid_to)
        )
        gases[row.factor_id].append(row.gas)
    assert all(len(identity) == 1 for identity in seen.values())
    assert all(len(g) == len(set(g)) for g in gases.values())


def test_shipped_file_passes_the_custom_factor_checks() -> None:
    records = [row.to_record() for row in ROWS]
    parsed, problems = parse_custom_factors(records, "factors.csv", columns=FACTOR_COLUMNS)
    assert problems == ()
    assert parsed == ROWS


def test_non_baseload_rates_never_serve_the_grid_key() -> None:
    non_baseload = [r for r in ROWS if "non-baseload" in r.factor_id]
    # 27 eGRID subregions + US average, three gases each, in each of the four Hub editions.
    assert len(non_baseload) == 4 * 28 * 3
    assert {r.activity for r in non_baseload} == {"electricity.non_baseload"}
    assert {r.scope_use for r in non_baseload} == {"not for inventories"}
    grid = [r for r in ROWS if r.activity == "electricity.grid"]
    assert all(r.scope_use != "not for inventories" for r in grid)


def test_egrid_camx_total_output_in_kg_per_mwh() -> None:
    # EPA Hub 2024 Table 6, eGRID2022 CAMX total output: 497.443 lb CO2/MWh
    # 497.443 × 0.45359237 = 225.63634930991 kg CO2/MWh
    row = only("epa-hub-2024:t6.egrid2022.camx.total-output", "CO2")
    assert (row.activity, row.region, row.unit) == ("electricity.grid", "US-CAMX", "MWh")
    assert row.value == pytest.approx(225.63634930991, rel=1e-13)
    assert row.value == pytest.approx(497.443 * LB, rel=1e-13)
    # CH4 0.03 lb/MWh × 0.45359237 = 0.0136077711 kg/MWh
    assert only(row.factor_id, "CH4").value == pytest.approx(0.0136077711, rel=1e-13)


def test_epa_natural_gas_per_scf_and_per_mmbtu() -> None:
    # EPA Hub 2024 Table 1, Natural Gas: 0.05444 kg CO2/scf, 0.00103 g CH4/scf (= 1.03e-6 kg),
    # heat content 0.001026 mmBtu/scf (HHV); per energy 53.06 kg CO2/mmBtu.
    per_scf = only("epa-hub-2024:t1.natural-gas.scf", "CO2")
    assert (per_scf.activity, per_scf.unit, per_scf.value) == (
        "stationary_combustion.natural_gas",
        "scf",
        0.05444,
    )
    assert only(per_scf.factor_id, "CH4").value == pytest.approx(1.03e-6, rel=1e-12)
    assert (per_scf.heat_content, per_scf.heat_content_unit, per_scf.heat_basis) == (
        0.001026,
        "mmBtu/scf",
        "HHV",
    )
    assert only("epa-hub-2024:t1.natural-gas.mmbtu", "CO2").value == 53.06


def test_epa_diesel_heat_content_bridges_gallons_to_mmbtu() -> None:
    # EPA Hub 2024 Table 1, Distillate Fuel Oil No. 2: 10.21 kg CO2/gallon, 73.96 kg CO2/mmBtu,
    # 0.138 mmBtu/gallon; 1000 gallon × 0.138 = 138 mmBtu.
    row = only("epa-hub-2024:t1.distillate-fuel-oil-no-2.gallon", "CO2")
    assert (row.activity, row.value) == ("stationary_combustion.diesel", 10.21)
    assert row.heat_content_unit is not None and row.heat_content is not None
    mmbtu = 1000 * bridge_factor("gallon", "mmBtu", row.heat_content, row.heat_content_unit)
    assert mmbtu == pytest.approx(138)
    per_mmbtu = only("epa-hub-2024:t1.distillate-fuel-oil-no-2.mmbtu", "CO2")
    assert per_mmbtu.activity == row.activity and per_mmbtu.value == 73.96


def test_epa_waste_is_co2e_ar4_per_short_ton() -> None:
    # EPA Hub 2024 Table 9 (WARM v16), Mixed MSW landfilled: 0.58 metric ton CO2e/short ton
    # 0.58 t × 1000 = 580 kg CO2e per short ton, AR4.
    (row,) = factors.get("epa-hub-2024:t9.mixed-msw.landfilled.short-ton")
    assert (row.activity, row.unit, row.gas, row.gwp_basis) == (
        "waste.mixed_msw.landfilled",
        "short_ton",
        "CO2e",
        "AR4",
    )
    assert row.value == 580.0


def test_useeio_soybean_farming_with_margins() -> None:
    # USEEIO v1.2 by gas, NAICS 111110 Soybean Farming, with margins (kg per 2021 USD,
    # purchaser price): CO2 0.495, CH4 0.00157, N2O 0.00264 (byGHG lines 2, 7, 11); EPA's own
    # AR4 total, 1.326 kg CO2e, is in the note.
    rows = {r.gas: r for r in factors.get("useeio-v1.2:naics.111110.usd2021")}
    assert set(rows) == {"CO2", "CH4", "N2O", "CO2e"}
    co2 = rows["CO2"]
    assert (co2.activity, co2.region, co2.unit, co2.value, co2.gwp_basis) == (
        "spend.naics.111110",
        "US",
        "USD",
        0.495,
        None,
    )
    assert (rows["CH4"].value, rows["N2O"].value) == (0.00157, 0.00264)
    assert rows["CO2e"].gwp_basis == "AR4"  # the fluorinated gases, in EPA's basis
    assert "EPA CO2e (AR4): 1.326 kg per 2021 USD." in co2.note
    # Valid from the GHG data year (v1.2: 2019; v1.3: 2022), open-ended.
    assert (co2.valid_from, co2.valid_to) == (dt.date(2019, 1, 1), None)
    # The price year of every USEEIO factor is its dollar year (v1.2 2021, v1.3 2022); no
    # other factor has one.
    years = {(r.factor_set, r.currency_year) for r in ROWS if r.currency_year is not None}
    assert years == {("useeio-v1.2", 2021), ("useeio-v1.3", 2022)}
    assert all(r.currency_year is not None for r in ROWS if r.unit == "USD")
    v13 = {r.gas: r for r in factors.get("useeio-v1.3:naics.334111.usd2022")}
    assert v13["CO2e"].gwp_basis == "AR5"
    assert v13["CO2"].verified and v13["CO2"].valid_from == dt.date(2022, 1, 1)


def test_ipcc_diesel_per_tj_with_ncv() -> None:
    # IPCC 2006 Vol. 2 Table 1.4: Gas/Diesel Oil 74 100 kg CO2/TJ; Table 1.2: NCV 43 TJ/Gg.
    # 1 t of diesel = 0.001 Gg × 43 TJ/Gg = 0.043 TJ → 0.043 × 74 100 = 3186.3 kg CO2.
    row = only("ipcc-2006-tier1:stationary.gas-diesel-oil.tj", "CO2")
    assert (row.activity, row.region, row.unit, row.value) == (
        "stationary_combustion.diesel",
        "GLOBAL",
        "TJ",
        74100.0,
    )
    assert (row.heat_content, row.heat_content_unit, row.heat_basis) == (43.0, "TJ/Gg", "NCV")
    assert row.heat_content is not None and row.heat_content_unit is not None
    tj = bridge_factor("t", "TJ", row.heat_content, row.heat_content_unit)
    assert tj * row.value == pytest.approx(3186.3)
    assert (row.valid_from, row.valid_to, row.verified) == (dt.date(2006, 1, 1), None, False)
    # Energy-industries CH4 (3 kg/TJ) and N2O (0.6 kg/TJ) complete the factor.
    assert only(row.factor_id, "CH4").value == 3.0
    assert only(row.factor_id, "N2O").value == 0.6


def test_ipcc_mobile_factors_are_co2_only() -> None:
    mobile = [
        r
        for r in ROWS
        if r.factor_set == "ipcc-2006-tier1" and r.factor_id.split(":")[1].startswith("mobile.")
    ]
    assert mobile and {r.gas for r in mobile} == {"CO2"}
    assert {r.activity for r in mobile} >= {"mobile_combustion.diesel", "mobile_combustion.cng"}


def test_peat_is_fossil_and_wood_co2_is_biogenic() -> None:
    # EPA lists peat under biomass; zerotrail follows IPCC and counts its CO2 in Scope 1.
    assert not only("epa-hub-2024:t1.peat.short-ton", "CO2").biogenic
    assert "fossil" in only("epa-hub-2024:t1.peat.short-ton", "CO2").note
    wood = factors.get("epa-hub-2024:t1.wood-and-wood-residuals.short-ton")
    assert {r.gas: r.biogenic for r in wood} == {"CO2": True, "CH4": False, "N2O": False}


def test_onroad_factors_use_the_latest_model_year_and_carry_no_co2() -> None:
    # EPA Hub 2024 Table 3, gasoline passenger cars, model year 2021: 0.00505 g CH4/vehicle-mile
    # = 5.05e-6 kg.
    (ch4,) = [
        r
        for r in factors.get("epa-hub-2024:t3.gasoline-passenger-cars.gasoline.my2021.vehicle-mile")
        if r.gas == "CH4"
    ]
    assert ch4.activity == "mobile_combustion.motor_gasoline.passenger_car"
    assert ch4.value == pytest.approx(5.05e-6, rel=1e-12)
    vehicle_rows = [
        r
        for r in ROWS
        if r.unit == "vehicle-mile"
        and r.factor_id.startswith(("epa-hub-2024:t3.", "epa-hub-2024:t4."))
    ]
    assert {r.gas for r in vehicle_rows} == {"CH4", "N2O"}


def test_nonroad_factor_combines_table2_co2_with_table5_ch4_n2o() -> None:
    # Table 2 diesel 10.21 kg CO2/gallon; Table 5 construction/mining diesel equipment
    # 1.01163957370746 g CH4/gallon = 0.00101163957370746 kg.
    rows = {
        r.gas: r
        for r in factors.get(
            "epa-hub-2024:t5.construction-mining-equipment.diesel-equipment.gallon"
        )
    }
    assert rows["CO2"].activity == "mobile_combustion.diesel.construction_mining_equipment"
    assert rows["CO2"].value == 10.21
    assert rows["CH4"].value == pytest.approx(0.00101163957370746, rel=1e-13)
    assert set(rows) == {"CO2", "CH4", "N2O"}


def test_china_grid_validity_and_keys() -> None:
    # MEE/NBS 2023 national average 0.5306 kg CO2/kWh, valid for data year 2023.
    (national,) = factors.get("cn-mee-grid:2023.national-average.cn")
    assert (national.activity, national.region, national.unit, national.value) == (
        "electricity.grid",
        "CN",
        "kWh",
        0.5306,
    )
    assert (national.valid_from, national.valid_to) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    # ETS factor "2019-2020 (reported)": 0.5810 t/MWh = 581 kg/MWh, the CN grid for 2019-2020.
    (ets_grid,) = factors.get("cn-mee-grid:2019-2020.ets-power-sector-national-grid-average.cn")
    assert (ets_grid.activity, ets_grid.value, ets_grid.verified) == (
        "electricity.grid",
        581.0,
        False,
    )
    assert (ets_grid.valid_from, ets_grid.valid_to) == (dt.date(2019, 1, 1), dt.date(2020, 12, 31))
    (ets_2022,) = factors.get("cn-mee-grid:2022.ets-power-sector-national-grid-average.cn")
    assert ets_2022.activity == "electricity.grid_ets"
    residual = [r for r in ROWS if r.activity == "electricity.residual_mix"]
    assert {r.region for r in residual} == {"CN"} and len(residual) == 3
    # Provincial averages for 2021-2023: the 31 mainland provinces but Tibet (no notice lists
    # it; the 2023 transcription repeats the South-West grid's value there).
    for year in (2021, 2022, 2023):
        provinces = {
            r.region for r in ROWS if r.factor_id.startswith(f"cn-mee-grid:{year}.provincial")
        }
        assert len(provinces) == 30 and "CN-XZ" not in provinces, year
    # The ten 2022 provinces of the news reports (china_grid.csv) agree with an independent
    # transcription and are verified; Chongqing 2022 rests on one transcription.
    (sichuan,) = factors.get("cn-mee-grid:2022.provincial-average.cn-sc")
    assert (sichuan.value, sichuan.verified) == (0.1404, True)
    (chongqing,) = factors.get("cn-mee-grid:2022.provincial-average.cn-cq")
    assert chongqing.verified is False


def test_desnz_diesel_split_sums_to_the_published_total() -> None:
    # DESNZ 2024 flat file, Fuels > Liquid fuels > Diesel (100% mineral diesel), litres:
    # 2.66155 kg CO2e in total, of which 2.62818 kg CO2; the rest (CH4 + N2O) is one AR5 row.
    rows = {
        r.gas: r
        for r in factors.get("desnz-2024:fuels.liquid-fuels.diesel-100-mineral-diesel.litres")
    }
    assert rows["CO2"].value == 2.62818
    assert rows["CO2e"].gwp_basis == "AR5"
    assert rows["CO2"].value + rows["CO2e"].value == pytest.approx(2.66155, rel=1e-12)
    assert all(r.verified for r in rows.values())  # checked against DESNZ's full set


def test_fugitive_identity_factors() -> None:
    (row,) = factors.get("zerotrail-fugitive:blend.r-410a.kg")
    assert (row.activity, row.gas, row.unit, row.value, row.region) == (
        "fugitive.R-410A",
        "R-410A",
        "kg",
        1.0,
        "GLOBAL",
    )
    fugitive = {r.activity for r in ROWS if r.factor_set == "zerotrail-fugitive"}
    assert {"fugitive.HFC-134a", "fugitive.SF6", "fugitive.CH4"} <= fugitive
    assert "fugitive.CO2" not in fugitive


def test_get_and_find() -> None:
    with pytest.raises(FactorError, match="unknown factor"):
        factors.get("no-such-set:nothing")
    hits = factors.find("DIESEL us-camx")
    assert hits == []  # no diesel factor is specific to CAMX
    camx = factors.find("us-camx")
    assert camx and all(r.region == "US-CAMX" for r in camx)
    assert factors.find("   ") == []


def test_arrow_table_is_typed_for_the_engine() -> None:
    import pyarrow as pa

    table = factors.factors_arrow()
    assert table.num_rows == len(ROWS)
    schema = table.schema
    assert schema.field("valid_from").type == pa.date32()
    assert schema.field("value").type == pa.float64()
    assert schema.field("biogenic").type == pa.bool_()
    assert schema.field("verified").type == pa.bool_()
    assert table.column("valid_to").null_count == sum(r.valid_to is None for r in ROWS)
    assert schema.field("currency_year").type == pa.int32()
    assert table.column("currency_year").null_count == sum(r.currency_year is None for r in ROWS)


def test_arrow_read_of_the_file_equals_the_rows_it_holds() -> None:
    # Two readers of one file: Arrow's CSV parser (what a new workspace loads) and
    # FactorRow.from_record (what Python callers get). Every cell must come out the same,
    # floats to the bit, blanks as nulls only in nullable columns.
    shipped = factors.factors_arrow()
    via_rows = factors.factors_arrow(ROWS)
    assert shipped.schema.equals(via_rows.schema)
    for name in shipped.schema.names:
        assert shipped.column(name).equals(via_rows.column(name)), name


def test_every_shipped_key_is_documented() -> None:
    text = (DOCS / "activity-keys.md").read_text(encoding="utf-8")
    # USEEIO's 2,032 keys are listed as two patterns, the others one by one.
    patterns = {
        re.compile(r"spend\.naics\.\d{6}"): "`spend.naics.<NAICS-6>`",
        re.compile(r"spend\.naics\.\d{6}\.excl_margins"): "`spend.naics.<NAICS-6>.excl_margins`",
    }
    missing = sorted(
        {
            r.activity
            for r in ROWS
            if f"`{r.activity}`" not in text
            and not any(k.fullmatch(r.activity) and shown in text for k, shown in patterns.items())
        }
    )
    assert missing == []
