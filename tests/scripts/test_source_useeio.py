"""scripts/factor_sources/useeio.py: EPA's supply-chain factors v1.2 and v1.3 by gas.

Values are pinned from EPA's files in ../shared/reference/sources/epa-supply-chain-ghg-factors/
(file and line in each comment); the tests skip where that folder is absent.
"""

from __future__ import annotations

import re
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from zerotrail.reference.factors import FactorRow

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
sys.path.insert(0, str(REPO / "scripts"))

from factor_sources import useeio  # noqa: E402
from factor_sources.common import BuildError  # noqa: E402

needs_reference = pytest.mark.skipif(
    not (REFERENCE / useeio.FOLDER).is_dir(),
    reason="reference data (../shared/reference) is not available in this checkout",
)
pytestmark = needs_reference

V12_GAS = "SupplyChainGHGEmissionFactors_v1.2_NAICS_byGHG_USD2021.csv"
V13_GAS = "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_byGHG_USD2022.csv"


@pytest.fixture(scope="module")
def rows() -> list[FactorRow]:
    return list(useeio.build(REFERENCE))


@pytest.fixture(scope="module")
def by_gas(rows: list[FactorRow]) -> dict[tuple[str, str], FactorRow]:
    return {(r.factor_id, r.gas): r for r in rows}


def copy_reference(tmp_path: Path) -> Path:
    """The files the module reads, copied so that a test can change one."""
    ref = tmp_path / "reference"
    shutil.copytree(REFERENCE / useeio.FOLDER, ref / useeio.FOLDER)
    (ref / "data").mkdir()
    for name in (useeio.GWP_FILE, useeio.QUOTES_FILE):
        shutil.copyfile(REFERENCE / name, ref / name)
    return ref


def replace_line(path: Path, line: int, old: str, new: str) -> None:
    """Change `old` to `new` on one line (1-based) of a file, keeping everything else."""
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    assert old.encode() in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old.encode(), new.encode())
    path.write_bytes(b"\n".join(lines))


# ----------------------------------------------------------------------------------------------
# Values pinned from EPA's files


def test_v12_soybean_farming_by_gas(by_gas: dict[tuple[str, str], FactorRow]) -> None:
    with_id = "useeio-v1.2:naics.111110.usd2021"
    without_id = "useeio-v1.2:naics.111110.excl-margins.usd2021"
    # v1.2 byGHG line 2: 111110 Carbon dioxide, without 4.04e-01, with 4.95e-01.
    assert by_gas[with_id, "CO2"].value == 0.495
    assert by_gas[without_id, "CO2"].value == 0.404
    # v1.2 byGHG line 7: 111110 Methane, without 1.21e-03, with 1.57e-03.
    assert by_gas[with_id, "CH4"].value == 0.00157
    assert by_gas[without_id, "CH4"].value == 0.00121
    # v1.2 byGHG lines 3-17, with margins: the fluorinated gases as one CO2e row, weighted with
    # AR4 (EPA's basis; gwp.csv): PFC-14 2.23e-08 x 7390 + PFC-116 4.80e-09 x 12200
    # + unspecified 2.95e-07 (already CO2e) + HFC-125 2.93e-07 x 3500 + HFC-134a 7.54e-07 x 1430
    # + NF3 9.88e-10 x 17200 + HFC-143a 1.09e-07 x 4470 + HFC-23 1.67e-08 x 14800
    # + PFC-318 2.75e-10 x 10300 + HFC-236fa 1.97e-09 x 9810 + PFC-218 3.21e-10 x 8830
    # + HFC-32 1.77e-07 x 675 + SF6 1.30e-08 x 22800 = 0.00351962323 kg CO2e per USD.
    fluorinated = by_gas[with_id, "CO2e"]
    assert fluorinated.value == pytest.approx(0.00351962323, rel=1e-12)
    assert fluorinated.gwp_basis == "AR4"
    assert "lines 3-17" in fluorinated.source_ref
    assert (with_id, "SF6") not in by_gas  # no row of its own
    # v1.2 CO2e line 2: 111110 without 1.223, with 1.326 (AR4), stated in the notes.
    assert "EPA CO2e (AR4): 1.326 kg per 2021 USD." in by_gas[with_id, "CO2"].note
    assert "EPA CO2e (AR4): 1.223 kg per 2021 USD." in by_gas[without_id, "CO2"].note
    row = by_gas[with_id, "CO2"]
    assert (row.activity, row.region, row.unit, row.currency_year) == (
        "spend.naics.111110",
        "US",
        "USD",
        2021,
    )
    assert by_gas[without_id, "CO2"].activity == "spend.naics.111110.excl_margins"
    assert row.source_ref == f"{V12_GAS} line 2, with margins"
    assert row.gwp_basis is None  # a gas row: the inventory's GWP set weighs it


def test_v12_unspecified_hfc_pfc_is_counted_as_co2e(
    by_gas: dict[tuple[str, str], FactorRow],
) -> None:
    # v1.2 byGHG line 6235: 334111 'HFCs and PFCs, unspecified', with margins 2.21e-07, which
    # EPA's file labels kg (EPA's code release v1.2.2 corrected it to kg CO2e): it enters the
    # fluorinated CO2e row with weight 1. Lines 6227-6241, with margins, AR4:
    # PFC-14 2.10e-07 x 7390 + PFC-116 7.68e-08 x 12200 + HFC-125 2.20e-07 x 3500
    # + HFC-134a 5.69e-07 x 1430 + HFC-143a 8.19e-08 x 4470 + HFC-23 3.38e-08 x 14800
    # + HFC-236fa 1.48e-09 x 9810 + HFC-32 1.33e-07 x 675 + unspecified 2.21e-07
    # + NF3 3.19e-08 x 17200 + PFC-318 8.89e-09 x 10300 + PFC-218 1.04e-08 x 8830
    # + SF6 4.21e-08 x 22800 = 0.0067353368 kg CO2e per 2021 USD.
    row = by_gas["useeio-v1.2:naics.334111.usd2021", "CO2e"]
    assert row.value == pytest.approx(0.0067353368, rel=1e-12)
    assert row.gwp_basis == "AR4"
    # v1.2 byGHG line 6226: 334111 Carbon dioxide, with margins 9.33e-02.
    assert by_gas["useeio-v1.2:naics.334111.usd2021", "CO2"].value == 0.0933


def test_v13_values(by_gas: dict[tuple[str, str], FactorRow]) -> None:
    soy = "useeio-v1.3:naics.111110.usd2022"
    # v1.3 byGHG line 3: 111110 Carbon dioxide, with 1.72e-01.
    assert by_gas[soy, "CO2"].value == 0.172
    # v1.3 byGHG line 14: 111110 Nitrous oxide, without 1.30e-03.
    assert by_gas["useeio-v1.3:naics.111110.excl-margins.usd2022", "N2O"].value == 0.0013
    # v1.3 byGHG line 8: 111110 'HFCs and PFCs, unspecified', kg CO2e, with 8.44e-04: the
    # larger part of the fluorinated CO2e row (AR5), which also holds line 15's Perfluorobutane
    # (PFC-31-10, new in v1.3) and the other fluorinated gases.
    assert by_gas[soy, "CO2e"].gwp_basis == "AR5"
    assert 0.000844 < by_gas[soy, "CO2e"].value < 0.0025
    assert (soy, "PFC-31-10") not in by_gas
    # v1.3 byGHG line 15506: 562111 Solid Waste Collection Methane, with 2.55e-02.
    assert by_gas["useeio-v1.3:naics.562111.usd2022", "CH4"].value == 0.0255
    # v1.3 CO2e line 2: 111110 with margins 0.532 (AR5).
    assert "EPA CO2e (AR5): 0.532 kg per 2022 USD." in by_gas[soy, "CO2"].note
    assert by_gas[soy, "CO2"].currency_year == 2022


def test_every_commodity_both_variants_four_rows(rows: list[FactorRow]) -> None:
    # 1,016 commodities x 2 variants, each CO2, CH4, N2O and one fluorinated CO2e row (EPA's
    # files hold no zero value, so no row is dropped).
    factors: dict[str, set[str]] = {}
    for r in rows:
        factors.setdefault(r.factor_id, set()).add(r.gas)
    v12 = [f for f in factors if f.startswith("useeio-v1.2:")]
    v13 = [f for f in factors if f.startswith("useeio-v1.3:")]
    assert (len(v12), len(v13)) == (2032, 2032)
    assert {frozenset(factors[f]) for f in v12 + v13} == {frozenset({"CO2", "CH4", "N2O", "CO2e"})}
    assert len(rows) == 4064 * 4 == 16_256
    assert sum(f.endswith(".excl-margins.usd2021") for f in v12) == 1016


def test_validity_and_verification(rows: list[FactorRow]) -> None:
    starts = {(r.factor_set, r.valid_from, r.valid_to, r.verified) for r in rows}
    assert starts == {
        # Valid from the GHG data year (2019, 2022), open-ended.
        ("useeio-v1.2", date(2019, 1, 1), None, True),
        ("useeio-v1.3", date(2022, 1, 1), None, True),
    }
    specs = {s.factor_set: s for s in useeio.SETS}
    assert specs["useeio-v1.2"].reporting_year is None
    assert specs["useeio-v1.2"].published == "2023-04-12"
    assert specs["useeio-v1.3"].published == "2024-07-10"
    assert all(s.data_year for s in useeio.SETS)
    # v1.3 is verified on the strength of the quotes check: its set says so and reads them.
    assert useeio.QUOTES_FILE in specs["useeio-v1.3"].inputs
    assert "five with-margins values quoted" in specs["useeio-v1.3"].description


# ----------------------------------------------------------------------------------------------
# The cross-checks


def test_by_gas_values_reproduce_epa_co2e_within_rounding() -> None:
    # Counts computed separately from EPA's files: of 2,032 CO2e values per edition, 1,463
    # (v1.2) and 1,629 (v1.3) come out exactly at EPA's 3 decimals; the rest differ by less
    # than the rounding of the 3-significant-digit gas values allows. The largest relative
    # difference is small values' rounding: v1.2 711510 with margins, EPA 0.013 (CO2e line
    # 940) against 0.01341 from the gases.
    results = {}
    for ed in useeio.EDITIONS:
        items = useeio.commodities(REFERENCE, ed)
        results[ed.version] = useeio.check_co2e(ed, items, useeio.gwp_weights(REFERENCE, ed.gwp))
    assert (results["v1.2"].compared, results["v1.2"].exact) == (2032, 1463)
    assert (results["v1.3"].compared, results["v1.3"].exact) == (2032, 1629)
    assert results["v1.2"].largest_at == "NAICS 711510 with margins"
    assert round(results["v1.2"].largest_relative, 4) == Decimal("0.0313")


def test_the_wrong_gwp_set_fails_the_check() -> None:
    # v1.2 is AR4: with AR5 weights (CH4 28 instead of 25) methane-heavy commodities move by
    # far more than rounding allows.
    items = useeio.commodities(REFERENCE, useeio.V12)
    with pytest.raises(BuildError, match="weighted with AR4"):
        useeio.check_co2e(useeio.V12, items, useeio.gwp_weights(REFERENCE, "AR5"))


def test_a_changed_gas_value_stops_the_build(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    # v1.2 byGHG line 2: 111110 CO2 with margins 4.95e-01 changed to 4.85e-01.
    replace_line(ref / useeio.V12.bygas_file, 2, '"4.95e-01"', '"4.85e-01"')
    with pytest.raises(BuildError, match=r"v1\.2 NAICS 111110 with margins: .* EPA prints 1\.326"):
        list(useeio.build(ref))


def test_a_changed_co2e_value_stops_the_build(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    # v1.3 CO2e line 391: 334111 without margins 0.03 changed to 0.031.
    replace_line(ref / useeio.V13.co2e_file, 391, ",0.03,", ",0.031,")
    with pytest.raises(BuildError, match=r"v1\.3 NAICS 334111 without margins"):
        list(useeio.build(ref))


def test_an_unknown_gas_stops_the_build(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    # v1.3 byGHG line 7012: 334111 Sulfur hexafluoride, renamed.
    replace_line(ref / useeio.V13.bygas_file, 7012, "Sulfur hexafluoride", "Sulphur hexafluoride")
    with pytest.raises(BuildError, match=re.escape(f"{V13_GAS} line 7012: unknown gas 'Sulphur")):
        list(useeio.build(ref))


def test_a_third_party_quote_disagreeing_stops_the_build(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    quotes = ref / useeio.QUOTES_FILE
    text = quotes.read_text(encoding="utf-8")
    # The quoted v1.3 334111 value 0.058 (= v1.3 CO2e line 391) changed to 0.059.
    assert text.count(",,,0.058,") == 1
    quotes.write_text(text.replace(",,,0.058,", ",,,0.059,"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"v1\.3 NAICS 334111: quoted 0\.059"):
        list(useeio.build(ref))


def test_the_quotes_agree_with_epa_co2e_file() -> None:
    items = useeio.commodities(REFERENCE, useeio.V13)
    assert useeio.check_quotes(REFERENCE, useeio.V13, items) == 5
    co2e = {c.code: c.co2e[useeio.WITH] for c in items}
    # v1.3 CO2e lines 391 (334111 0.058) and 2 (111110 0.532), as EPA prints them.
    assert (co2e["334111"], co2e["111110"]) == ("0.058", "0.532")
