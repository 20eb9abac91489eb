"""GWP sets against the packaged gwp.csv, the methane-origin rule and the one-set guard.

The expected values are read from the packaged gwp.csv with the csv module, independently of the
loader (which builds most values from the globalwarmingpotentials package and must agree).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from importlib.resources import files

import globalwarmingpotentials
import pytest

from zerotrail.errors import GwpError
from zerotrail.reference.gwp import (
    GWP_SET_IDS,
    gas_coefficients,
    gwp_set,
    require_single_set,
)

COLUMNS = {
    "AR4": "gwp100_ar4",
    "AR5": "gwp100_ar5",
    "AR5_CCFB": "gwp100_ar5_ccfb",
    "AR6": "gwp100_ar6_ipcc",
    "GHGP_AR6": "gwp100_ghgp_ar6_aug2024",
}
GHGP_FALLBACK_COLUMN = "gwp100_ar6_ipcc"


def _rows() -> list[dict[str, str]]:
    text = files("zerotrail").joinpath("reference/data/gwp.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


ROWS = _rows()
CASES = [(set_id, row) for set_id in GWP_SET_IDS for row in ROWS]
CASE_IDS = [f"{set_id}-{row['gas_id']}" for set_id, row in CASES]


def test_the_five_sets_are_named() -> None:
    assert GWP_SET_IDS == ("AR4", "AR5", "AR5_CCFB", "AR6", "GHGP_AR6")
    assert set(COLUMNS) == set(GWP_SET_IDS)


@pytest.mark.parametrize(("set_id", "row"), CASES, ids=CASE_IDS)
def test_every_value_equals_its_gwp_csv_column(set_id: str, row: dict[str, str]) -> None:
    gwp = gwp_set(set_id)
    gas = row["gas_id"]
    cell = row[COLUMNS[set_id]]
    if cell:
        assert gwp.gwp(gas) == float(cell)
        assert gas not in gwp.fallbacks
    elif set_id == "GHGP_AR6":
        # No separate GHG Protocol value: the IPCC AR6 value stands in, and says so.
        assert gwp.gwp(gas) == float(row[GHGP_FALLBACK_COLUMN])
        assert gas in gwp.fallbacks
        assert gwp.provenance[gas].startswith("fallback to AR6")
    else:
        with pytest.raises(GwpError, match=rf"{set_id}.*{re.escape(gas)}"):
            gwp.gwp(gas)


@pytest.mark.parametrize("set_id", GWP_SET_IDS)
def test_family_of_every_gas_is_the_gwp_csv_family(set_id: str) -> None:
    assert dict(gwp_set(set_id).family) == {r["gas_id"]: r["gas_family"] for r in ROWS}


@pytest.mark.parametrize("set_id", GWP_SET_IDS)
def test_unverified_gases_are_those_named_in_unverified_columns(set_id: str) -> None:
    expected = {r["gas_id"] for r in ROWS if COLUMNS[set_id] in r["unverified_columns"].split()}
    assert gwp_set(set_id).unverified == expected


def test_the_two_known_unverified_values() -> None:
    # gwp.csv: SF6 in the GHG Protocol column (24,300 vs IPCC 25,200) and fossil CH4 with
    # climate-carbon feedback (36) rest on secondary transcriptions.
    assert gwp_set("GHGP_AR6").unverified == {"SF6"}
    assert gwp_set("GHGP_AR6").gwp("SF6") == 24300
    assert gwp_set("AR5_CCFB").unverified == {"CH4_fossil"}
    assert gwp_set("AR5_CCFB").gwp("CH4", "fossil") == 36


def test_ghgp_set_has_its_own_values_only_for_methane_by_origin_and_sf6() -> None:
    ghgp = gwp_set("GHGP_AR6")
    own = set(ghgp.values) - ghgp.fallbacks
    assert own == {"CH4_fossil", "CH4_non_fossil", "SF6"}


def test_values_come_from_the_package_where_it_has_them() -> None:
    ar5 = gwp_set("AR5")
    assert ar5.provenance["HFC-134a"].startswith("globalwarmingpotentials ")
    assert ar5.provenance["HFC-134a"].endswith("AR5GWP100 HFC134a")
    assert ar5.provenance["PFC-14"].endswith("AR5GWP100 CF4")
    # The package has no CO2 row and no methane split by origin.
    assert ar5.provenance["CO2"] == "gwp.csv gwp100_ar5"
    assert gwp_set("AR6").provenance["CH4_fossil"] == "gwp.csv gwp100_ar6_ipcc"
    assert gwp_set("GHGP_AR6").provenance["SF6"] == "gwp.csv gwp100_ghgp_ar6_aug2024"


def test_ar5_equals_the_epa_hub_2024_column() -> None:
    # EPA Hub 2024 Table 11 uses AR5; where it lists a gas, the value is the same.
    for row in ROWS:
        if row["gwp100_epa_hub_2024_ar5"]:
            assert gwp_set("AR5").gwp(row["gas_id"]) == float(row["gwp100_epa_hub_2024_ar5"])


def test_package_and_gwp_csv_disagreeing_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(globalwarmingpotentials.data["AR5GWP100"], "HFC32", 999.0)
    gwp_set.cache_clear()
    try:
        with pytest.raises(GwpError, match="HFC-32"):
            gwp_set("AR5")
    finally:
        gwp_set.cache_clear()


def test_ch4_origin_selects_the_value_under_ar6() -> None:
    # IPCC AR6: Table 7.15 fossil 29.8, non-fossil 27.0; Table 7.SM.7 generic 27.9.
    ar6 = gwp_set("AR6")
    assert ar6.gwp("CH4", "fossil") == 29.8
    assert ar6.gwp("CH4", "non_fossil") == 27.0
    assert ar6.gwp("CH4") == 27.9
    assert ar6.gwp("CH4", "unspecified") == 27.9


def test_ch4_origin_without_a_specific_value_uses_the_generic_value_and_flags_it() -> None:
    # AR4 has no fossil methane value: the generic 25 is used.
    ar4 = gwp_set("AR4")
    assert ar4.resolve("CH4", "fossil") == "CH4"
    assert ar4.gwp("CH4", "fossil") == 25
    assert gas_coefficients("CH4", "AR4", ch4_origin="fossil").flags == ("ch4_origin_generic",)
    assert gas_coefficients("CH4", "AR4", ch4_origin="non_fossil").flags == ()


def test_ch4_origin_is_ignored_for_other_gases_but_must_be_known() -> None:
    ar6 = gwp_set("AR6")
    assert ar6.gwp("N2O", "fossil") == 273
    with pytest.raises(GwpError, match="methane origin"):
        ar6.gwp("CH4", "biogenic")
    with pytest.raises(GwpError, match="contradicts"):
        ar6.gwp("CH4_fossil", "non_fossil")


def test_unknown_gas_and_unknown_set_are_refused() -> None:
    with pytest.raises(GwpError, match=r"'HFC-999'.*AR6"):
        gwp_set("AR6").gwp("HFC-999")
    with pytest.raises(GwpError, match="blend"):
        gwp_set("AR6").gwp("R-410A")
    with pytest.raises(GwpError, match="AR7"):
        gwp_set("AR7")


def test_sets_are_cached_and_read_only() -> None:
    assert gwp_set("AR5") is gwp_set("AR5")
    with pytest.raises(TypeError):
        gwp_set("AR5").values["CO2"] = 2.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("gas", "set_id", "field", "co2e"),
    [
        ("CO2", "AR6", "co2", 1.0),
        ("CH4", "AR5", "ch4", 28.0),
        ("N2O", "AR6", "n2o", 273.0),
        ("HFC-134a", "AR5", "hfc", 1300.0),
        ("PFC-14", "AR4", "pfc", 7390.0),
        ("SF6", "AR6", "sf6", 25200.0),
        ("NF3", "AR5", "nf3", 16100.0),
    ],
)
def test_single_species_coefficients(gas: str, set_id: str, field: str, co2e: float) -> None:
    c = gas_coefficients(gas, set_id)
    assert c.co2e_per_kg == co2e
    masses = {f: getattr(c, f) for f in ("co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3")}
    assert masses == {f: (1.0 if f == field else 0.0) for f in masses}
    assert c.non_kyoto_per_kg == 0.0
    assert c.flags == ()


def test_coefficients_carry_fallback_and_unverified_flags() -> None:
    assert gas_coefficients("CO2", "GHGP_AR6").flags == ("gwp_fallback_ar6",)
    assert gas_coefficients("CH4", "GHGP_AR6").co2e_per_kg == 27.9
    sf6 = gas_coefficients("SF6", "GHGP_AR6")
    assert (sf6.co2e_per_kg, sf6.flags) == (24300, ("gwp_unverified",))
    fossil = gas_coefficients("CH4", "GHGP_AR6", ch4_origin="fossil")
    assert (fossil.co2e_per_kg, fossil.ch4, fossil.flags) == (29.8, 1.0, ())


def test_coefficients_refuse_an_unknown_blend_rule() -> None:
    with pytest.raises(GwpError, match="blend rule"):
        gas_coefficients("CO2", "AR5", blend_rule="rounded")


def test_one_set_per_inventory() -> None:
    assert require_single_set(["AR6", "AR6"]) == "AR6"
    with pytest.raises(GwpError, match="one GWP set; found AR5 and AR6"):
        require_single_set(["AR6", "AR5", "AR6"])
    with pytest.raises(GwpError, match="found AR4, AR5 and GHGP_AR6"):
        require_single_set(iter(["GHGP_AR6", "AR5", "AR4"]))
    with pytest.raises(GwpError, match="none"):
        require_single_set([])
    with pytest.raises(GwpError, match="unknown GWP set"):
        require_single_set(["SAR"])


def test_importing_does_no_work() -> None:
    code = (
        "import sys, zerotrail.reference.gwp, zerotrail.reference.blends;"
        "print('globalwarmingpotentials' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
