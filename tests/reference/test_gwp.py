"""GWP sets against the published IPCC tables, the methane-origin rule and the one-set guard, and
the per-gas weights the calculation engine and its oracle both use (`gas_weights`).

The expected values are typed from the IPCC tables themselves (cited per column below) and, for
refrigerant blends, from EPA GHG Emission Factors Hub 2024 Table 12 (compositions and published
AR5 blend GWPs), not read from the packaged gwp.csv or refrigerant_blends.csv, so a loader that
reads a wrong column or a wrong row of those files fails here.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from importlib.resources import files

import globalwarmingpotentials
import pytest

from zerotrail.errors import GwpError
from zerotrail.reference.gwp import (
    GWP_SET_IDS,
    gas_coefficients,
    gas_weights,
    gwp_set,
    require_single_set,
)

# GWP100 per gas, typed from the published tables, one column per set:
#   AR4       IPCC AR4 WG1 (2007) Table 2.14, "GWP for given time horizon, 100-yr"
#   AR5       IPCC AR5 WG1 (2013) Table 8.A.1, GWP100 without climate-carbon feedback
#   AR5_CCFB  IPCC AR5 WG1 (2013) Table 8.A.1, GWP100 with climate-carbon feedback
#   AR6       IPCC AR6 WG1 (2021) Table 7.SM.7, GWP-100 (methane by origin: Table 7.15)
# None: the set ships no value (docs/gwp.md: AR4 as tabulated by the GHG Protocol lacks these
# gases; AR4 gives no separate fossil methane value). The gases cover every family, every
# gwp.csv row block (generic and origin methane, HFCs, PFCs, SF6, NF3) and values that tell the
# four columns apart (N2O is 298 under both AR4 and AR5 with feedback; HFC-134a is not).
# Fossil methane under AR5 (30, with feedback 36) is the GHG Protocol's AR5 transcription, not a
# row of Table 8.A.1; gwp.csv marks the 36 unverified (see the test below).
# fmt: off
PUBLISHED: dict[str, tuple[float | None, float, float, float]] = {
    #                   AR4      AR5  AR5_CCFB     AR6
    "CO2":            (    1,     1,     1,      1),
    "CH4":            (   25,    28,    34,   27.9),
    "CH4_fossil":     ( None,    30,    36,   29.8),  # AR5 pair: see below
    "CH4_non_fossil": (   25,    28,    34,   27.0),
    "N2O":            (  298,   265,   298,    273),
    "HFC-23":         (14800, 12400, 13856,  14600),
    "HFC-32":         (  675,   677,   817,    771),
    "HFC-41":         ( None,   116,   141,    135),
    "HFC-125":        ( 3500,  3170,  3691,   3740),
    "HFC-134":        ( None,  1120,  1337,   1260),
    "HFC-134a":       ( 1430,  1300,  1549,   1530),
    "HFC-143":        ( None,   328,   397,    364),
    "HFC-143a":       ( 4470,  4800,  5508,   5810),
    "HFC-152a":       (  124,   138,   167,    164),
    "HFC-227ea":      ( 3220,  3350,  3860,   3600),
    "HFC-236fa":      ( 9810,  8060,  8998,   8690),
    "HFC-245ca":      ( None,   716,   863,    787),
    "HFC-245fa":      ( 1030,   858,  1032,    962),
    "HFC-365mfc":     (  794,   804,   966,    914),
    "HFC-43-10mee":   ( 1640,  1650,  1952,   1600),
    "PFC-14":         ( 7390,  6630,  7349,   7380),  # CF4
    "PFC-116":        (12200, 11100, 12340,  12400),  # C2F6
    "PFC-218":        ( 8830,  8900,  9878,   9290),  # C3F8
    "PFC-318":        (10300,  9540, 10592,  10200),  # c-C4F8
    "PFC-31-10":      ( 8860,  9200, 10213,  10000),  # C4F10
    "PFC-41-12":      ( 9160,  8550,  9484,   9220),  # C5F12
    "PFC-51-14":      ( 9300,  7910,  8780,   8620),  # C6F14
    "SF6":            (22800, 23500, 26087,  25200),
    "NF3":            (17200, 16100, 17885,  17400),
}
# fmt: on
IPCC_SETS = ("AR4", "AR5", "AR5_CCFB", "AR6")

# GHG Protocol "Global Warming Potential Values" (August 2024): its own values where it departs
# from or splits the IPCC AR6 table; every other gas falls back to AR6 Table 7.SM.7.
GHGP_OWN = {"CH4_fossil": 29.8, "CH4_non_fossil": 27.0, "SF6": 24300}

# Gases in gwp.csv outside the typed table above (values not cross-checked here).
UNTYPED = {"HFC-152", "HFC-161", "HFC-236cb", "HFC-236ea", "PFC-91-18"}
FAMILIES = {"CO2": "CO2", "CH4": "CH4", "N2O": "N2O", "SF6": "SF6", "NF3": "NF3"}


def test_the_five_sets_are_named() -> None:
    assert GWP_SET_IDS == ("AR4", "AR5", "AR5_CCFB", "AR6", "GHGP_AR6")


@pytest.mark.parametrize("set_id", IPCC_SETS)
def test_values_are_the_published_ipcc_values(set_id: str) -> None:
    gwp = gwp_set(set_id)
    column = IPCC_SETS.index(set_id)
    expected = {gas: row[column] for gas, row in PUBLISHED.items() if row[column] is not None}
    assert {gas: gwp.gwp(gas) for gas in expected} == expected
    assert not gwp.fallbacks


@pytest.mark.parametrize("gas", [g for g, row in PUBLISHED.items() if row[0] is None])
def test_ar4_refuses_the_gases_it_has_no_value_for(gas: str) -> None:
    with pytest.raises(GwpError, match=f"AR4 has no value for gas {gas}"):
        gwp_set("AR4").gwp(gas)


def test_ghgp_set_is_its_own_values_and_ar6_for_the_rest() -> None:
    ghgp = gwp_set("GHGP_AR6")
    for gas, row in PUBLISHED.items():
        if gas in GHGP_OWN:
            assert (gas, ghgp.gwp(gas)) == (gas, GHGP_OWN[gas])
            assert gas not in ghgp.fallbacks
        else:
            # No separate GHG Protocol value: the IPCC AR6 value stands in, and says so.
            assert (gas, ghgp.gwp(gas)) == (gas, row[3])
            assert gas in ghgp.fallbacks
            assert ghgp.provenance[gas].startswith("fallback to AR6")


@pytest.mark.parametrize("set_id", GWP_SET_IDS)
def test_every_set_knows_the_same_gases_each_in_its_family(set_id: str) -> None:
    family = dict(gwp_set(set_id).family)
    assert set(family) == set(PUBLISHED) | UNTYPED
    for gas, fam in family.items():
        # The family is the gas's name up to its number or origin: HFC-134a is an HFC.
        assert fam == FAMILIES.get(gas.split("_")[0], gas.split("-")[0]), gas


def test_unverified_values_are_the_two_secondary_transcriptions() -> None:
    assert {s: gwp_set(s).unverified for s in GWP_SET_IDS} == {
        "AR4": frozenset(),
        "AR5": frozenset(),
        "AR5_CCFB": frozenset({"CH4_fossil"}),
        "AR6": frozenset(),
        "GHGP_AR6": frozenset({"SF6"}),
    }


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


def _rows() -> list[dict[str, str]]:
    text = files("zerotrail").joinpath("reference/data/gwp.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_ar5_equals_the_epa_hub_2024_column() -> None:
    # EPA Hub 2024 Table 11 uses AR5 (a second source transcribed into gwp.csv); where it lists
    # a gas, the loaded AR5 value is the same.
    rows = [row for row in _rows() if row["gwp100_epa_hub_2024_ar5"]]
    assert len(rows) == 32
    for row in rows:
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


# --- gas_weights: what the engine's gas table and the oracle both join in ---------------------

KYOTO_FAMILIES = ("CO2", "CH4", "N2O", "HFC", "PFC", "SF6", "NF3")


def by_family(**values: float) -> dict[str, float]:
    """Every Kyoto family, 0.0 except those named: by_family(HFC=1.0)."""
    return {f: values.get(f, 0.0) for f in KYOTO_FAMILIES}


def family_of(gas: str) -> str:
    # As in the test above: the family is the name up to its number or origin.
    return FAMILIES.get(gas.split("_")[0], gas.split("-")[0])


@pytest.mark.parametrize("set_id", IPCC_SETS)
def test_weights_of_every_typed_gas_are_its_published_gwp_in_its_family(set_id: str) -> None:
    column = IPCC_SETS.index(set_id)
    for gas, row in PUBLISHED.items():
        value = row[column]
        w = gas_weights(gas, set_id)
        if value is None:
            assert w is None, gas  # left out: a factor with this gas stays unresolved
            continue
        assert w is not None, gas
        # 1 kg of a single gas is 1 kg of its family and GWP kg CO2e, all in that family.
        assert (gas, dict(w.mass)) == (gas, by_family(**{family_of(gas): 1.0}))
        assert (gas, dict(w.co2e)) == (gas, by_family(**{family_of(gas): value}))
        assert w.unsplit == 0.0
        # Fossil methane with climate-carbon feedback (36) is the one unverified typed value.
        unverified = (set_id, gas) == ("AR5_CCFB", "CH4_fossil")
        assert (gas, w.flags) == (gas, ("gwp_unverified",) if unverified else ())


@pytest.mark.parametrize(
    ("origin", "co2e"),
    # IPCC AR6 WG1 Table 7.15: fossil 29.8, non-fossil 27.0; Table 7.SM.7 generic 27.9.
    [("fossil", 29.8), ("non_fossil", 27.0), (None, 27.9), ("unspecified", 27.9)],
)
def test_weights_of_methane_by_origin_under_ar6(origin: str | None, co2e: float) -> None:
    w = gas_weights("CH4", "AR6", ch4_origin=origin)
    assert w is not None
    assert (dict(w.mass), dict(w.co2e), w.flags) == (by_family(CH4=1.0), by_family(CH4=co2e), ())


def test_weights_flag_a_methane_origin_the_set_has_no_value_for() -> None:
    # AR4 (Table 2.14) gives no fossil value: the generic 25 is used, and results say so.
    fossil = gas_weights("CH4", "AR4", ch4_origin="fossil")
    assert fossil is not None
    assert (fossil.co2e["CH4"], fossil.flags) == (25, ("ch4_origin_not_in_set",))
    # Non-fossil methane has its own AR4 value (25, the same number), so no flag.
    non_fossil = gas_weights("CH4", "AR4", ch4_origin="non_fossil")
    assert non_fossil is not None
    assert (non_fossil.co2e["CH4"], non_fossil.flags) == (25, ())


def test_weights_flag_ghg_protocol_fallbacks_and_unverified_values() -> None:
    # GHG Protocol AR6 (Aug 2024) has no CO2 or HFC-134a value of its own: AR6 Table 7.SM.7's
    # 1 and 1530 stand in. Its SF6 (24,300, not IPCC's 25,200) rests on a secondary
    # transcription that gwp.csv marks unverified.
    for gas, family, co2e, flags in [
        ("CO2", "CO2", 1, ("gwp_fallback",)),
        ("HFC-134a", "HFC", 1530, ("gwp_fallback",)),
        ("SF6", "SF6", 24300, ("gwp_unverified",)),
    ]:
        w = gas_weights(gas, "GHGP_AR6")
        assert w is not None
        assert (gas, dict(w.co2e), w.flags) == (gas, by_family(**{family: co2e}), flags)
    # Its own fossil methane value (29.8) is neither.
    fossil = gas_weights("CH4", "GHGP_AR6", ch4_origin="fossil")
    assert fossil is not None
    assert (fossil.co2e["CH4"], fossil.flags) == (29.8, ())


def test_weights_of_r410a_by_composition() -> None:
    # EPA Table 12: R-410A is 50% HFC-32 + 50% HFC-125, so 1 kg is 1 kg of HFC.
    # AR5 (Table 8.A.1): 0.5 × 677 + 0.5 × 3170 = 338.5 + 1585 = 1923.5 kg CO2e, all HFC.
    # AR6 (Table 7.SM.7): 0.5 × 771 + 0.5 × 3740 = 385.5 + 1870 = 2255.5.
    for set_id, co2e in [("AR5", 1923.5), ("AR6", 2255.5)]:
        w = gas_weights("R-410A", set_id)
        assert w is not None
        assert (dict(w.mass), dict(w.co2e)) == (by_family(HFC=1.0), by_family(HFC=co2e))
        assert (w.unsplit, w.flags) == (0.0, ())


def test_weights_of_r410a_by_publisher_keep_the_split_at_epas_total() -> None:
    # EPA Hub 2024 Table 12 publishes R-410A at 1924 (AR5; the composition 1923.5, rounded).
    # (2088 in older Hub editions is the AR4 figure: 0.5 × 675 + 0.5 × 3500 = 2087.5.)
    w = gas_weights("R-410A", "AR5", blend_rule="publisher")
    assert w is not None
    assert dict(w.mass) == by_family(HFC=1.0)
    assert dict(w.co2e) == pytest.approx(by_family(HFC=1924), rel=1e-12)
    assert w.flags == ("blend_publisher_value",)


def test_weights_split_an_hfc_pfc_blend_by_family() -> None:
    # EPA Table 12: R-508B is 46% HFC-23 + 54% PFC-116. AR5: HFC 0.46 × 12400 = 5704,
    # PFC 0.54 × 11100 = 5994; EPA publishes 5704 + 5994 = 11698, so the publisher rule
    # leaves each family's share where the composition puts it.
    split = by_family(HFC=5704, PFC=5994)
    for rule, flags in [("composition", ()), ("publisher", ("blend_publisher_value",))]:
        w = gas_weights("R-508B", "AR5", blend_rule=rule)
        assert w is not None
        assert dict(w.mass) == pytest.approx(by_family(HFC=0.46, PFC=0.54), rel=1e-12)
        assert dict(w.co2e) == pytest.approx(split, rel=1e-12)
        assert (rule, w.flags) == (rule, flags)


def test_weights_leave_hcfc_mass_out_of_every_family() -> None:
    # EPA Table 12: R-401A is 53% HCFC-22 + 34% HCFC-124 + 13% HFC-152a; only the HFC is a
    # Kyoto gas. AR5: 0.13 × 138 = 17.94 kg CO2e, 0.13 kg HFC, the other 0.87 kg in no family.
    w = gas_weights("R-401A", "AR5")
    assert w is not None
    assert dict(w.mass) == pytest.approx(by_family(HFC=0.13), rel=1e-12)
    assert dict(w.co2e) == pytest.approx(by_family(HFC=17.94), rel=1e-12)


def test_weights_under_publisher_carry_only_the_publisher_flag() -> None:
    # R-424A: EPA publishes 3104 though its composition gives 0.505 × 3170 + 0.47 × 1300 =
    # 2211.85 (both HFC; the 2.5% hydrocarbons count 0). The publisher rule takes 3104, all HFC;
    # results carry "blend_publisher_value" only (gas_coefficients also says the value differs
    # and is flagged in EPA's table).
    w = gas_weights("R-424A", "AR5", blend_rule="publisher")
    assert w is not None
    assert dict(w.co2e) == pytest.approx(by_family(HFC=3104), rel=1e-12)
    assert w.flags == ("blend_publisher_value",)


def test_weights_of_a_blend_by_composition_carry_no_component_flags() -> None:
    # Under GHGP_AR6 R-410A's components are AR6 fallbacks (0.5 × 771 + 0.5 × 3740 = 2255.5):
    # gas_coefficients says so, results do not (as stored since the first calculation).
    w = gas_weights("R-410A", "GHGP_AR6")
    assert w is not None
    assert (w.co2e["HFC"], w.flags) == (2255.5, ())
    assert gas_coefficients("R-410A", "GHGP_AR6").flags == ("gwp_fallback_ar6",)


@pytest.mark.parametrize("set_id", [s for s in GWP_SET_IDS if s != "AR5"])
def test_weights_refuse_the_publisher_rule_for_a_blend_outside_ar5(set_id: str) -> None:
    # EPA's blend values are AR5 values: under another set they would mix two sets.
    with pytest.raises(GwpError, match=f"GWP set {set_id} has no published value for R-410A"):
        gas_weights("R-410A", set_id, blend_rule="publisher")
    # A single gas has no published blend value to take: the rule does not touch it.
    w = gas_weights("HFC-32", "AR6", blend_rule="publisher")
    assert w is not None
    assert (w.co2e["HFC"], w.flags) == (771, ())


@pytest.mark.parametrize("set_id", GWP_SET_IDS)
@pytest.mark.parametrize("origin", [None, "fossil", "non_fossil"])
def test_weights_of_co2e_are_all_unsplit(set_id: str, origin: str | None) -> None:
    # A factor published only as a CO2e total: 1 kg CO2e per kg, in no family, under any set.
    w = gas_weights("CO2e", set_id, ch4_origin=origin)
    assert w is not None
    assert (w.unsplit, dict(w.mass), dict(w.co2e), w.flags) == (
        1.0,
        by_family(),
        by_family(),
        (),
    )


def test_weights_ignore_the_origin_except_for_methane() -> None:
    # N2O AR6 273 whatever the origin; R-410A AR5 1923.5 likewise.
    for gas, set_id, family, co2e in [("N2O", "AR6", "N2O", 273), ("R-410A", "AR5", "HFC", 1923.5)]:
        for origin in (None, "fossil", "non_fossil"):
            w = gas_weights(gas, set_id, ch4_origin=origin)
            assert w is not None
            assert (gas, origin, w.co2e[family], w.flags) == (gas, origin, co2e, ())


def test_weights_are_none_where_the_set_cannot_weigh_the_gas() -> None:
    assert gas_weights("HFC-999", "AR6") is None  # not a gas of gwp.csv, not a blend
    assert gas_weights("CH4_fossil", "AR4") is None  # AR4 has no fossil value
    assert gas_weights("CH4_fossil", "AR6", ch4_origin="non_fossil") is None  # contradiction
    # Mistakes of the caller, not of the data, are refused.
    with pytest.raises(GwpError, match="methane origin"):
        gas_weights("CH4", "AR6", ch4_origin="biogenic")
    with pytest.raises(GwpError, match="blend rule"):
        gas_weights("CO2", "AR6", blend_rule="rounded")
    with pytest.raises(GwpError, match="AR7"):
        gas_weights("CO2", "AR7")


def test_weights_are_read_only() -> None:
    w = gas_weights("CO2", "AR5")
    assert w is not None
    with pytest.raises(TypeError):
        w.co2e["CO2"] = 2.0  # type: ignore[index]
