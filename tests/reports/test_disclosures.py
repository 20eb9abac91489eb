"""Disclosure tables from the report's figures: every figure is the input figure it comes from.

The report is Emmet Group's 2025 inventory (AR5, operational control), shaped like the demo:
Scope 1 3,492.5; Scope 2 location 33,040.0 / market 21,773.5; Scope 3 778,092 location-based,
747,502 with market-based factors for the electricity of leased data centres (category 8) and
its upstream part (category 3); revenue 179,850 CNY million. Totals:
  location 3,492.5 + 33,040.0 + 778,092 = 814,624.5
  market   3,492.5 + 21,773.5 + 747,502 = 772,768.0 (the inventory's own, Scope 3 market-based)
  ESRS AR 47 market 3,492.5 + 21,773.5 + 778,092 = 803,358.0 (same Scope 3 in both totals)
Scope 3 by category: 1 398,310 + 2 118,640 + 3 21,865 + 4 9,820 + 5 1,236 + 6 14,575
  + 7 11,930 + 8 197,716 + 15 4,000 = 778,092; market-based 3 18,240 and 8 170,751
  (21,865 - 18,240 + 197,716 - 170,751 = 30,590 = 778,092 - 747,502).
Base year 2020, version 2: Scope 1 6,120, Scope 2 58,400 / 52,310, Scope 3 712,300, which is
market-based: a base-year version keeps Scope 3 as the targets measure it, market-based only.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from zerotrail.reports.disclosures import (
    ISO_OF_SCOPE3,
    SECTION_KEYS,
    Section,
    about,
    cdp,
    disclosures,
    esrs_e1_6,
    ghg_protocol,
    ifrs_s2_29a,
    iso_14064_1,
)

CATS = {1: 398_310.0, 2: 118_640.0, 3: 21_865.0, 4: 9_820.0, 5: 1_236.0, 6: 14_575.0}
CATS |= {7: 11_930.0, 8: 197_716.0, 15: 4_000.0}
MARKET = CATS | {3: 18_240.0, 8: 170_751.0}
METHODS: dict[int, dict[str, float]] = {
    1: {"spend-based": 298_310.0, "supplier-specific": 100_000.0},
    2: {"spend-based": 118_640.0},
    3: {"average-data": 21_865.0},
    4: {"distance-based": 9_820.0},
    5: {"waste-type-specific": 1_236.0},
    6: {"distance-based": 14_575.0},
    7: {"distance-based": 11_930.0},
    8: {"location-based": 197_716.0},
    15: {"spend-based": 4_000.0},
}
QUALITY = {1: 3.5, 2: 4.0, 3: 3.0, 4: 2.0, 5: 2.5, 6: 2.0, 7: 2.0, 8: 1.0, 15: 4.0}


def gas(mass: float, co2e: float) -> dict[str, float]:
    return {"mass_t": mass, "co2e_t": co2e}


# AR5: CH4 28, N2O 265 (2.5 t CH4 = 70 t CO2e; 0.5 t N2O = 132.5 t CO2e); the HFC line is a
# mix of refrigerants (0.15 t, 190 t CO2e). Scope 1: 3,100 + 70 + 132.5 + 190 = 3,492.5.
BY_SCOPE_GAS = {
    "1": {"CO2": gas(3_100.0, 3_100.0), "CH4": gas(2.5, 70.0), "N2O": gas(0.5, 132.5)}
    | {"HFC": gas(0.15, 190.0)},
    "2": {"CO2": gas(32_900.04, 32_900.04), "CH4": gas(2.5, 70.0), "N2O": gas(0.264, 69.96)},
    "3": {"CO2": gas(240_000.0, 240_000.0), "CH4": gas(100.0, 2_800.0)}
    | {"N2O": gas(10.0, 2_650.0), "CO2e_only": gas(0.0, 532_642.0)},
}
BY_GAS = {
    "CO2": gas(276_000.04, 276_000.04),
    "CH4": gas(105.0, 2_940.0),
    "N2O": gas(10.764, 2_852.46),
    "HFC": gas(0.15, 190.0),
    "PFC": gas(0.0, 0.0),
    "SF6": gas(0.0, 0.0),
    "NF3": gas(0.0, 0.0),
    "CO2e_only": gas(0.0, 532_642.0),
}


def emmet(**changes: Any) -> dict[str, Any]:
    """Emmet Group's 2025 report data; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "year": 2025,
        "organization": "Emmet Group",
        "consolidation": "operational_control",
        "gwp_set": "AR5",
        "inventory": {
            "scope1": 3_492.5,
            "scope2_location": 33_040.0,
            "scope2_market": 21_773.5,
            "scope3": 778_092.0,
            "scope3_market": 747_502.0,
            "total_location": 814_624.5,
            "total_market": 772_768.0,
            "biogenic_co2": 412.75,
            "scope3_by_category": {str(c): CATS.get(c, 0.0) for c in range(1, 16)},
            "by_gas": BY_GAS,
        },
        "by_scope_gas": BY_SCOPE_GAS,
        "scope3_categories": [
            {
                "category": c,
                "co2e_t": CATS[c],
                "co2e_market_t": MARKET[c],
                "methods": METHODS[c],
                "data_quality": QUALITY[c],
            }
            for c in sorted(CATS)
        ],
        "years": [
            {"year": 2020, "scope1": 6_120.0, "scope2_location": 58_400.0}
            | {"scope2_market": 52_310.0, "scope3": 712_300.0, "scope3_market": 690_100.0}
            | {"total_location": 776_820.0, "total_market": 748_530.0},
            {"year": 2024, "scope1": 3_815.0, "scope2_location": 35_210.0}
            | {"scope2_market": 24_980.0, "scope3": 760_450.0, "scope3_market": 731_200.0}
            | {"total_location": 799_475.0, "total_market": 759_995.0},
            {"year": 2025, "scope1": 3_492.5, "scope2_location": 33_040.0}
            | {"scope2_market": 21_773.5, "scope3": 778_092.0, "scope3_market": 747_502.0}
            | {"total_location": 814_624.5, "total_market": 772_768.0},
        ],
        "base_year": {
            "year": 2020,
            "current": {
                "scope1": 6_120.0,
                "scope2_location": 58_400.0,
                "scope2_market": 52_310.0,
                "scope3": 712_300.0,
                "version": 2,
            },
        },
        "metrics": {
            "revenue": {
                "unit": "CNY million",
                "values": {"2020": 128_870.0, "2024": 168_420.0, "2025": 179_850.0},
            }
        },
        "renewables": {},
        "claim": {
            "gross_t": 25_266.0,
            "credits_t": 25_266.0,
            "removals_t": 0.0,
            "net_t": 0.0,
            "by_type": {"avoidance": 25_266.0},
        },
    }
    data.update(copy.deepcopy(changes))
    return copy.deepcopy(data)


def row(section: Section, *key: str) -> dict[str, Any]:
    """The one row whose leading cells are `key`, as {column: value}."""
    found = [r for r in section.rows if r[: len(key)] == key]
    assert len(found) == 1, (key, found)
    return dict(zip(section.columns, found[0], strict=True))


def table(section: Section) -> list[dict[str, Any]]:
    return [dict(zip(section.columns, r, strict=True)) for r in section.rows]


def rows_where(section: Section, column: str, value: Any) -> list[dict[str, Any]]:
    return [r for r in table(section) if r[column] == value]


def test_all_sections_are_rectangular_and_serialize_to_json() -> None:
    secs = disclosures(emmet())
    assert tuple(secs) == SECTION_KEYS
    for s in secs.values():
        j = s.to_json()
        assert set(j) == {"title", "reference", "basis", "columns", "rows", "notes"}
        # Each standard says which Scope 2 / Scope 3 basis it asks for and the table gives.
        assert "Scope 2" in j["basis"] and "Scope 3" in j["basis"], j["basis"]
        assert all(len(r) == len(s.columns) for r in j["rows"])
        assert j["reference"] and j["notes"]
        json.dumps(j, allow_nan=False)  # plain JSON, no NaN
        assert any("t CO2e" in c for c in s.columns) or s.columns[1] == "Unit"


def test_a_ragged_row_is_refused() -> None:
    with pytest.raises(ValueError, match="2 cells"):
        Section("t", "r", ("a", "b", "c"), (("x", 1.0),))


def test_about_names_the_report() -> None:
    a = about(emmet())
    assert (a.organization, a.year, a.gwp_set, a.consolidation) == (
        "Emmet Group",
        2025,
        "AR5",
        "operational_control",
    )


# -- GHG Protocol -----------------------------------------------------------------------------


def test_ghg_protocol_scopes_equal_the_inventory() -> None:
    s = ghg_protocol(emmet())
    loc, mkt = "t CO2e (location-based)", "t CO2e (market-based)"
    r1 = row(s, "Scopes", "Scope 1")
    assert (r1[loc], r1[mkt]) == (3_492.5, 3_492.5)  # Scope 1 is the same under both methods
    r2 = row(s, "Scopes", "Scope 2")
    assert (r2[loc], r2[mkt]) == (33_040.0, 21_773.5)
    r3 = row(s, "Scopes", "Scope 3")
    assert (r3[loc], r3[mkt]) == (778_092.0, 747_502.0)
    tot = row(s, "Scopes", "Total Scopes 1-3")
    assert (tot[loc], tot[mkt]) == (814_624.5, 772_768.0)
    # Each column adds up to its total: 3,492.5 + 33,040 + 778,092 = 814,624.5 and
    # 3,492.5 + 21,773.5 + 747,502 = 772,768.
    assert r1[loc] + r2[loc] + r3[loc] == tot[loc]
    assert r1[mkt] + r2[mkt] + r3[mkt] == tot[mkt]


def test_ghg_protocol_scope3_by_category_equals_the_input() -> None:
    s = ghg_protocol(emmet())
    cats = rows_where(s, "Table", "Scope 3 by category")
    assert [r["Line"] for r in cats][:2] == [
        "Category 1: Purchased goods and services",
        "Category 2: Capital goods",
    ]
    assert len(cats) == 15
    for c, r in enumerate(cats, start=1):
        assert r["t CO2e (location-based)"] == CATS.get(c, 0.0)
        assert r["t CO2e (market-based)"] == MARKET.get(c)
    assert any("9, 10, 11, 12, 13, 14" in n and "justified" in n for n in s.notes)


def test_ghg_protocol_gases_in_tonnes_and_co2e() -> None:
    s = ghg_protocol(emmet())
    ch4 = row(s, "Gases, all scopes", "CH4")
    assert (ch4["t of gas"], ch4["t CO2e (location-based)"]) == (105.0, 2_940.0)
    only = row(s, "Gases, all scopes", "CO2e only (factors without a gas split)")
    assert (only["t of gas"], only["t CO2e (location-based)"]) == (None, 532_642.0)
    assert [r["Line"] for r in rows_where(s, "Table", "Gases, all scopes")][:7] == [
        "CO2",
        "CH4",
        "N2O",
        "HFC",
        "PFC",
        "SF6",
        "NF3",
    ]
    hfc = row(s, "Scope 1 by gas", "HFC")
    assert (hfc["t of gas"], hfc["t CO2e (location-based)"]) == (0.15, 190.0)
    n2o = row(s, "Scope 2 by gas", "N2O")
    assert (n2o["t of gas"], n2o["t CO2e (location-based)"]) == (0.264, 69.96)
    scope1 = rows_where(s, "Table", "Scope 1 by gas")
    assert sum(r["t CO2e (location-based)"] for r in scope1) == pytest.approx(3_492.5)


def test_ghg_protocol_biogenic_co2_is_a_memo_outside_the_scopes() -> None:
    s = ghg_protocol(emmet())
    bio = row(s, "Memo (outside the scopes)", "Biogenic CO2")
    assert bio["t of gas"] == 412.75
    assert bio["t CO2e (location-based)"] is None  # never added to a scope column
    assert any("413 t" in n and "outside the" in n for n in s.notes)  # 412.75, whole tonnes


def test_ghg_protocol_base_year_with_its_version_and_the_time_series() -> None:
    s = ghg_protocol(emmet())
    b2 = row(s, "Base year 2020 (version 2)", "Scope 2")
    assert (b2["t CO2e (location-based)"], b2["t CO2e (market-based)"]) == (58_400.0, 52_310.0)
    b3 = row(s, "Base year 2020 (version 2)", "Scope 3")
    # A base-year version keeps Scope 3 market-based only (its `scope3`, as the targets use it).
    assert (b3["t CO2e (location-based)"], b3["t CO2e (market-based)"]) == (None, 712_300.0)
    t24 = row(s, "Emissions over time: 2024", "Total Scopes 1-3")
    assert (t24["t CO2e (location-based)"], t24["t CO2e (market-based)"]) == (799_475.0, 759_995.0)
    assert any("version 2" in n for n in s.notes)
    assert "AR5" in " ".join(s.notes)


def test_ghg_protocol_without_a_base_year_says_so() -> None:
    s = ghg_protocol(emmet(base_year=None))
    assert not [r for r in s.rows if str(r[0]).startswith("Base year")]
    assert any("No base year" in n for n in s.notes)


# -- ESRS E1-6 --------------------------------------------------------------------------------


def test_esrs_gross_emissions_base_year_prior_year_and_change() -> None:
    s = esrs_e1_6(emmet())
    assert s.columns[2:5] == ("Base year (2020)", "N-1 (2024)", "N (2025)")
    r1 = row(s, "Gross Scope 1 GHG emissions (§48(a))")
    assert (r1["Unit"], r1["Base year (2020)"], r1["N-1 (2024)"], r1["N (2025)"]) == (
        "t CO2e",
        6_120.0,
        3_815.0,
        3_492.5,
    )
    # (3,492.5 - 3,815) / 3,815 x 100 = -8.4535 %; (3,492.5 - 6,120) / 6,120 x 100 = -42.933 %
    assert r1["% N / N-1"] == pytest.approx(-8.453473132)
    assert r1["% N / base year"] == pytest.approx(-42.933006536)
    assert row(s, "Gross location-based Scope 2 GHG emissions (§49(a))")["N (2025)"] == 33_040.0
    assert row(s, "Gross market-based Scope 2 GHG emissions (§49(b))")["N (2025)"] == 21_773.5
    r3 = row(s, "Gross Scope 3 GHG emissions (§51), location-based")
    # The base year keeps no location-based Scope 3 (its 712,300 is market-based: memo line).
    assert (r3["Base year (2020)"], r3["N-1 (2024)"], r3["N (2025)"]) == (
        None,
        760_450.0,
        778_092.0,
    )
    assert r3["% N / base year"] is None


def test_esrs_shows_the_significant_scope3_categories() -> None:
    s = esrs_e1_6(emmet())
    cats = [r for r in s.rows if str(r[0]).startswith("  Scope 3 Category")]
    assert [r[0] for r in cats][-1] == "  Scope 3 Category 15: Investments, location-based"
    assert {int(str(r[0]).split()[3].rstrip(":")): r[4] for r in cats} == CATS
    assert all(r[2] is None and r[3] is None for r in cats)  # no category history in the input
    assert any("not shown: 9, 10, 11, 12, 13, 14" in n for n in s.notes)


def test_esrs_totals_follow_ar47() -> None:
    s = esrs_e1_6(emmet())
    loc = row(s, "Total GHG emissions, location-based (§52(a))")
    # The input totals; none for the base year, which has no location-based Scope 3.
    assert (loc["Base year (2020)"], loc["N-1 (2024)"], loc["N (2025)"]) == (
        None,
        799_475.0,
        814_624.5,
    )
    mkt = row(s, "Total GHG emissions, market-based (§52(b)): Scope 3 location-based (AR 47)")
    # AR 47: Scope 1 + market-based Scope 2 + the same gross Scope 3:
    #   2025 3,492.5 + 21,773.5 + 778,092 = 803,358; 2024 3,815 + 24,980 + 760,450 = 789,245;
    #   none for the base year (no location-based Scope 3).
    assert (mkt["Base year (2020)"], mkt["N-1 (2024)"], mkt["N (2025)"]) == (
        None,
        789_245.0,
        803_358.0,
    )
    # The note rebuilds the total from its parts, to the hundredth so that it adds up.
    assert any("3,492.50 + 21,773.50 + 778,092.00 = 803,358.00 t CO2e" in n for n in s.notes)


def test_esrs_ghg_intensity_per_net_revenue() -> None:
    s = esrs_e1_6(emmet())
    rev = row(s, "Net revenue used for the intensity (§54-55)")
    assert (rev["Unit"], rev["Base year (2020)"], rev["N-1 (2024)"], rev["N (2025)"]) == (
        "CNY million",
        128_870.0,
        168_420.0,
        179_850.0,
    )
    loc = row(s, "GHG intensity per net revenue, location-based (§53)")
    assert loc["Unit"] == "t CO2e per CNY million"
    # (3,492.5 + 33,040.0 + 778,092) / 179,850 = 814,624.5 / 179,850 = 4.52947 t CO2e per
    # CNY million; 2024: 799,475 / 168,420 = 4.74691; no base-year total, so no intensity.
    assert loc["N (2025)"] == 814_624.5 / 179_850.0
    assert loc["N (2025)"] == pytest.approx(4.529466222)
    assert loc["N-1 (2024)"] == pytest.approx(4.746912481)
    assert loc["Base year (2020)"] is None
    # (4.529466 - 4.746912) / 4.746912 x 100 = -4.5808 %
    assert loc["% N / N-1"] == pytest.approx((4.529466222 / 4.746912481 - 1) * 100)
    mkt = row(s, "GHG intensity per net revenue, market-based (§53)")
    # (3,492.5 + 21,773.5 + 778,092) / 179,850 = 803,358 / 179,850 = 4.46682
    assert mkt["N (2025)"] == pytest.approx(4.466822352)
    assert mkt["N-1 (2024)"] == pytest.approx(789_245.0 / 168_420.0)
    assert any("§53" in n and "CNY million" in n for n in s.notes)


def test_esrs_without_a_revenue_metric_says_why_the_intensity_is_missing() -> None:
    s = esrs_e1_6(emmet(metrics={}))
    assert not [r for r in s.rows if "intensity" in str(r[0]) or "revenue" in str(r[0])]
    assert any("no net revenue is recorded" in n and "§53-55" in n for n in s.notes)
    # The emissions are still there.
    assert row(s, "Gross Scope 1 GHG emissions (§48(a))")["N (2025)"] == 3_492.5


def test_esrs_revenue_without_the_years_value() -> None:
    data = emmet()
    data["metrics"]["revenue"]["values"] = {"2024": 168_420.0}
    s = esrs_e1_6(data)
    loc = row(s, "GHG intensity per net revenue, location-based (§53)")
    assert loc["N (2025)"] is None and loc["Base year (2020)"] is None
    assert loc["N-1 (2024)"] == pytest.approx(4.746912481)
    assert any("No net revenue is recorded for 2025" in n for n in s.notes)


def test_esrs_without_base_year_or_prior_year() -> None:
    data = emmet(base_year=None)
    data["years"] = [y for y in data["years"] if y["year"] != 2024]
    s = esrs_e1_6(data)
    r1 = row(s, "Gross Scope 1 GHG emissions (§48(a))")
    assert (r1["Base year"], r1["N-1 (2024)"], r1["% N / N-1"], r1["% N / base year"]) == (
        None,
        None,
        None,
        None,
    )
    assert any("No inventory for 2024" in n for n in s.notes)
    assert any("No base year" in n for n in s.notes)


def test_esrs_credits_go_to_e1_7_and_are_not_deducted() -> None:
    s = esrs_e1_6(emmet())
    assert any("E1-7" in n and "25,266 t" in n and "never deducted" in n for n in s.notes)
    assert not any("E1-7" in n for n in esrs_e1_6(emmet(claim=None)).notes)


# -- IFRS S2 ----------------------------------------------------------------------------------


def test_ifrs_s2_scopes_contractual_instruments_and_approach() -> None:
    s = ifrs_s2_29a(emmet())
    assert row(s, "Scope 1")["t CO2e"] == 3_492.5
    loc = row(s, "Scope 2, location-based")
    assert (loc["t CO2e"], loc["IFRS S2 paragraph"]) == (33_040.0, "29(a)(i)(2), 29(a)(v)")
    mkt = row(s, "Scope 2, market-based: information on contractual instruments")
    assert mkt["t CO2e"] == 21_773.5
    assert row(s, "Scope 3, location-based")["t CO2e"] == 778_092.0
    c8 = row(s, "Scope 3 Category 8: Upstream leased assets, location-based")
    assert (c8["t CO2e"], c8["Detail"]) == (197_716.0, "included")
    c11 = row(s, "Scope 3 Category 11: Use of sold products, location-based")
    assert (c11["t CO2e"], c11["Detail"]) == (0.0, "not included: no emissions calculated")
    assert "GHG Protocol Corporate Standard (2004)" in row(s, "Measurement standard")["Detail"]
    assert row(s, "Consolidation approach")["Detail"] == "operational control"
    assert "AR5" in row(s, "Global warming potentials")["Detail"]
    # 33,040.0 - 21,773.5 = 11,266.5 t CO2e: the effect of contractual instruments, in whole
    # tonnes as the report's text gives them (Python rounds the half to even: 11,266).
    assert any("11,266 t CO2e" in n for n in s.notes)
    assert any("latest IPCC assessment" in n for n in s.notes)  # AR5 is not the latest
    assert not any("latest IPCC" in n for n in ifrs_s2_29a(emmet(gwp_set="AR6")).notes)


# -- CDP --------------------------------------------------------------------------------------


def test_cdp_scope1_by_gas_and_scope2_both_methods() -> None:
    s = cdp(emmet())
    assert row(s, "7.6 / C6.1", "Gross global Scope 1")["t CO2e"] == 3_492.5
    by_gas = rows_where(s, "CDP question", "7.15.1 / C7.1a")
    assert [(r["Line"], r["t of gas"], r["t CO2e"]) for r in by_gas] == [
        ("Scope 1: CO2", 3_100.0, 3_100.0),
        ("Scope 1: CH4", 2.5, 70.0),
        ("Scope 1: N2O", 0.5, 132.5),
        ("Scope 1: HFC", 0.15, 190.0),
    ]
    assert all("AR5" in r["GWP reference"] for r in by_gas)
    scope2 = {r["Line"]: r["t CO2e"] for r in rows_where(s, "CDP question", "7.7 / C6.3")}
    assert scope2 == {
        "Gross global Scope 2, location-based": 33_040.0,
        "Gross global Scope 2, market-based": 21_773.5,
    }


def test_cdp_scope3_relevance_supplier_share_and_method() -> None:
    s = cdp(emmet())
    cats = rows_where(s, "CDP question", "7.8 / C6.5")
    assert [r["t CO2e"] for r in cats] == [CATS.get(c, 0.0) for c in range(1, 16)]
    assert [r["Evaluation status"] for r in cats] == [
        "Relevant, calculated" if c in CATS else "Not evaluated" for c in range(1, 16)
    ]
    c1 = cats[0]
    # 100,000 t of 398,310 t with supplier-specific factors = 25.106 %; spend-based 74.894 %.
    assert c1["% calculated with supplier-specific data"] == pytest.approx(25.106073159)
    assert c1["Calculation method"] == (
        "Spend-based method (74.9%); Supplier-specific method (25.1%)"
    )
    assert c1["Data quality (1 best - 5 worst)"] == 3.5
    c8 = cats[7]
    assert c8["% calculated with supplier-specific data"] == 0.0
    assert c8["Calculation method"].startswith("Other: location-based")
    c9 = cats[8]
    assert (c9["Calculation method"], c9["% calculated with supplier-specific data"]) == (
        None,
        None,
    )
    bio = row(s, "C6.7a")
    assert (bio["t of gas"], bio["t CO2e"]) == (412.75, None)
    base = {r["Line"]: r["t CO2e"] for r in rows_where(s, "CDP question", "7.5 / C5.2")}
    assert base["Base year 2020: Scope 2, market-based"] == 52_310.0


# -- ISO 14064-1 ------------------------------------------------------------------------------


def test_iso_mapping_table() -> None:
    s = iso_14064_1(emmet())
    mapping = {
        r["GHG Protocol source"]: r["ISO 14064-1 category"]
        for r in table(s)
        if r["GHG Protocol source"].startswith("Scope")
    }
    assert mapping["Scope 1"] == 1
    assert mapping["Scope 2"] == 2
    by_iso: dict[int, list[int]] = {}
    for c in range(1, 16):
        key = next(k for k in mapping if k.startswith(f"Scope 3 Category {c}:"))
        by_iso.setdefault(int(mapping[key]), []).append(c)
    assert by_iso == {
        3: [4, 6, 7, 9],  # transportation
        4: [1, 2, 3, 5, 8],  # products used by the organization
        5: [10, 11, 12, 13, 15],  # use of products from the organization; investments: 5.4
        6: [14],  # other: franchises
    }
    assert {c: ISO_OF_SCOPE3[c] for c in range(1, 16)} == {
        c: k for k, cs in by_iso.items() for c in cs
    }
    assert any("Judgement" in n and "investments" in n for n in s.notes)


def test_iso_categories_sum_to_the_total() -> None:
    s = iso_14064_1(emmet())
    totals = {
        r["ISO 14064-1 category"]: (r["t CO2e (location-based)"], r["t CO2e (market-based)"])
        for r in rows_where(s, "GHG Protocol source", "Total of the ISO category")
    }
    assert list(totals) == [1, 2, 3, 4, 5, 6]
    assert totals[1] == (3_492.5, 3_492.5)
    assert totals[2] == (33_040.0, 21_773.5)
    # 3: 9,820 + 14,575 + 11,930 = 36,325; 4: 398,310 + 118,640 + 21,865 + 1,236 + 197,716
    # = 737,767 (market 398,310 + 118,640 + 18,240 + 1,236 + 170,751 = 707,177); 5: 4,000.
    assert totals[3] == (36_325.0, 36_325.0)
    assert totals[4] == (737_767.0, 707_177.0)
    assert totals[5] == (4_000.0, 4_000.0)
    assert totals[6] == (0.0, 0.0)
    grand = row(s, "Total, all categories")
    assert (grand["t CO2e (location-based)"], grand["t CO2e (market-based)"]) == (
        814_624.5,
        772_768.0,
    )
    assert sum(t[0] for t in totals.values()) == pytest.approx(814_624.5)
    assert sum(t[1] for t in totals.values()) == pytest.approx(772_768.0)
    assert not any(n.startswith("Difference:") for n in s.notes)


def test_iso_flags_categories_that_do_not_add_up() -> None:
    data = emmet()
    data["inventory"]["total_location"] = 814_000.0
    s = iso_14064_1(data)
    assert any(
        n.startswith("Difference: the location-based") and "814,624.50" in n for n in s.notes
    )


def test_the_sections_carry_the_cover_facts() -> None:
    assert disclosures(emmet()).about == about(emmet())


def test_cdp_with_a_record_for_every_category() -> None:
    # The report lists all 15 categories; those without emissions have no methods.
    data = emmet()
    data["scope3_categories"] += [
        {"category": c, "co2e_t": 0.0, "co2e_market_t": 0.0, "methods": {}, "data_quality": None}
        for c in range(9, 15)
    ]
    c12 = row(
        cdp(data),
        "7.8 / C6.5",
        "Category 12: End-of-life treatment of sold products, location-based",
    )
    assert (c12["t CO2e"], c12["Evaluation status"], c12["Calculation method"]) == (
        0.0,
        "Not evaluated",
        None,
    )
    assert c12["% calculated with supplier-specific data"] is None
    iso = iso_14064_1(data)
    assert (
        row(iso, "Scope 3 Category 12: End-of-life treatment of sold products")[
            "t CO2e (market-based)"
        ]
        == 0.0
    )


def test_esrs_memo_lines_lead_to_the_covers_market_based_figures() -> None:
    s = esrs_e1_6(emmet())
    s3m = row(s, "Memo: gross Scope 3 GHG emissions, market-based")
    # The inventory's market-based Scope 3: 2025 747,502; 2024 731,200; the base year's
    # (version 2) 712,300.
    assert (s3m["Base year (2020)"], s3m["N-1 (2024)"], s3m["N (2025)"]) == (
        712_300.0,
        731_200.0,
        747_502.0,
    )
    # (747,502 - 712,300) / 712,300 x 100 = 4.9420 %
    assert s3m["% N / base year"] == pytest.approx(4.942019)
    tot = row(s, "Memo: total GHG emissions with Scope 3 market-based")
    # 3,492.5 + 21,773.5 + 747,502 = 772,768 (2024: 759,995), the cover's total footprint;
    # base year 6,120 + 52,310 + 712,300 = 770,730.
    assert (tot["Base year (2020)"], tot["N-1 (2024)"], tot["N (2025)"]) == (
        770_730.0,
        759_995.0,
        772_768.0,
    )
    assert tot["N (2025)"] == 3_492.5 + 21_773.5 + 747_502.0
    assert "§49(a)" in s.basis and "§49(b)" in s.basis and "AR 47" in s.basis


def test_every_scope3_row_of_a_single_figure_names_its_basis() -> None:
    # Tables with one t CO2e column (ESRS, IFRS S2, CDP) label each Scope 3 row; the tables
    # with a column per basis (GHG Protocol, ISO) say it in the header.
    secs = disclosures(emmet())
    for key in ("esrs_e1_6", "ifrs_s2_29a", "cdp"):
        s = secs[key]
        lines = [
            str(c) for r in s.rows for c in r[:2] if "Scope 3" in str(c) or "Category" in str(c)
        ]
        assert lines, key
        unlabelled = [ln for ln in lines if "location-based" not in ln and "market-based" not in ln]
        assert unlabelled == [], (key, unlabelled)
    for key in ("ghg_protocol", "iso_14064_1"):
        cols = secs[key].columns
        assert any("location-based" in c for c in cols) and any("market-based" in c for c in cols)


PREPARER_PHRASES = ("before filing", "the preparer", "preparer's", "zerotrail import", "change to")


def test_the_notes_are_public_text_without_filing_instructions() -> None:
    for data in (emmet(), emmet(metrics={}, gwp_set="AR4")):
        for key, s in disclosures(data).items():
            for n in s.notes:
                found = [p for p in PREPARER_PHRASES if p in n.lower()]
                assert found == [], (key, n)
