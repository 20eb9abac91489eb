"""The report's table of emission-factor sources: built from the factors the run used.

Logic on hand-made values first, then the flag world of test_flags.py (its factors and records
are worked out in that module's docstring), then the demo's published report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reports.test_flags import RESIDUAL_CN_2023, flag_world, run_id
from zerotrail.model.factor_usage import FactorSetInfo, FactorUse
from zerotrail.reports.factor_table import description, factor_rows
from zerotrail.reports.periodic import factor_verification
from zerotrail.store.factor_usage import factor_set_info, factor_uses
from zerotrail.store.flag_effects import flag_tallies
from zerotrail.store.workspace import Workspace

__all__ = ["flag_world"]


def use(
    fs: str,
    fid: str,
    activity: str,
    t: float,
    *,
    market: float | None = None,
    region: str = "GLOBAL",
    year: int = 2024,
    verified: bool = True,
    records: int = 1,
    source: str = "src",
) -> FactorUse:
    return FactorUse(
        fs,
        fid,
        activity,
        region,
        year,
        verified,
        (source,),
        ("ed 1",),
        ("lic",),
        records,
        t,
        t if market is None else market,
    )


SHIPPED = FactorSetInfo("pub", "Publisher's set", "shipped", "The Publisher", "2024", "OGL", "u")
# A custom set's stored publisher is its file's first row's source, whatever the run used.
CUSTOM = FactorSetInfo("mine", "mine", "custom", "first row's source", None, None, None)


def test_rows_sum_the_factors_used_per_set() -> None:
    uses = [
        use("pub", "p1", "electricity.grid", 60.0, market=30.0, region="GB", records=3),
        use("pub", "p2", "electricity.grid", 20.0, region="US", records=2),
        use("pub", "p3", "business_travel.air", 10.0, year=2023),
        use("mine", "m1", "commuting.e_bike", 5.0, verified=False, records=4, source="proxy A"),
        use("mine", "m2", "commuting.scooter", 5.0, source="proxy B", year=2020),
    ]
    pub, mine = factor_rows([SHIPPED, CUSTOM], uses)
    # Location total 60 + 20 + 10 + 5 + 5 = 100 t; market 30 + 20 + 10 + 5 + 5 = 70 t.
    assert (pub["factor_set"], pub["name"]) == ("pub", "Publisher's set")
    assert (pub["factors"], pub["activities"], pub["records"]) == (3, 2, 6)
    assert pub["co2e_t"] == pytest.approx(90.0) and pub["co2e_market_t"] == pytest.approx(60.0)
    assert pub["share_pct"] == pytest.approx(90.0)  # 90 / 100
    assert pub["market_share_pct"] == pytest.approx(100 * 60 / 70)
    assert (pub["sources"], pub["editions"], pub["licences"]) == (
        ["The Publisher"],
        ["2024"],
        ["OGL"],
    )
    assert pub["verified"] == "all" and pub["unverified_records"] == 0
    assert pub["description"] == (
        "3 factors for 2 activities (business travel, electricity); regions GB, US and global;"
        " first valid 2023 to 2024."
    )
    # The custom set: its provenance is its factors', not the stored first row's.
    assert (mine["name"], mine["sources"], mine["editions"]) == (
        "mine",
        ["proxy A", "proxy B"],
        ["ed 1"],
    )
    assert mine["source_url"] is None
    assert (mine["factors"], mine["unverified_factors"], mine["verified"]) == (2, 1, "some")
    assert (mine["unverified_records"], mine["unverified_co2e_t"]) == (4, pytest.approx(5.0))
    assert mine["description"] == (
        "2 factors for 2 activities (commuting); region global; first valid 2020 to 2024."
    )
    assert sum(r["share_pct"] for r in (pub, mine)) == pytest.approx(100.0)
    assert sum(r["market_share_pct"] for r in (pub, mine)) == pytest.approx(100.0)
    assert factor_verification([pub, mine]) == {
        "co2e_t": pytest.approx(100.0),
        "unverified_co2e_t": pytest.approx(5.0),
        "unverified_pct": pytest.approx(5.0),
    }


def test_a_set_of_unverified_factors_only_says_none() -> None:
    (row,) = factor_rows([CUSTOM], [use("mine", "m1", "spend.x", 1.0, verified=False)])
    assert (row["verified"], row["share_pct"]) == ("none", pytest.approx(100.0))


def test_no_emissions_give_no_shares() -> None:
    (row,) = factor_rows([SHIPPED], [use("pub", "p1", "fugitive.SF6", 0.0)])
    assert row["share_pct"] is None and row["market_share_pct"] is None


def test_a_set_without_a_stored_row_is_still_listed() -> None:
    (row,) = factor_rows([], [use("gone", "g1", "steam.district", 2.0, source="s")])
    assert (row["name"], row["kind"], row["sources"]) == ("gone", None, ["s"])


def test_every_activity_family_has_words() -> None:
    from zerotrail.model.keys import FAMILIES
    from zerotrail.reports.factor_table import FAMILY_LABELS

    assert set(FAMILY_LABELS) == set(FAMILIES)


def test_many_regions_are_counted_not_listed() -> None:
    regions = [f"CN-{c}" for c in "ABCDEFG"]
    text = description(7, 1, ["electricity"], regions, [2023])
    assert text == "7 factors for 1 activity (electricity); 7 regions; first valid in 2023."


def test_the_flag_world_table(flag_world: Workspace) -> None:
    run = run_id(flag_world)
    uses = factor_uses(flag_world, run)
    sets = factor_set_info(flag_world, sorted({u.factor_set for u in uses}))
    flagtest, flagsteel = factor_rows(sets, uses)
    # flagtest: ft-elec (e1 100 t + e2 10 t; market 60.96 + 10), ft-diesel (d1 20 t, x1 0 t),
    # ft-spend (s1 5 t): 135 t of 235, market 95.96 of 195.96. flagsteel: p1 100 t.
    assert flagtest["factor_set"] == "flagtest" and flagsteel["factor_set"] == "flagsteel"
    assert (flagtest["factors"], flagtest["activities"], flagtest["records"]) == (3, 3, 5)
    assert flagtest["co2e_t"] == pytest.approx(135.0)
    assert flagtest["co2e_market_t"] == pytest.approx(100 * RESIDUAL_CN_2023 + 10 + 20 + 5)
    assert flagtest["share_pct"] == pytest.approx(100 * 135 / 235)
    assert flagsteel["market_share_pct"] == pytest.approx(100 * 100 / 195.96)
    assert (flagtest["unverified_factors"], flagtest["unverified_records"]) == (1, 2)
    assert flagtest["unverified_co2e_t"] == pytest.approx(110.0)
    assert flagtest["sources"] == ["test factors: round numbers"]
    assert flagtest["description"] == (
        "3 factors for 3 activities (electricity, fuel burnt on site, spend); region global;"
        " first valid 2020 to 2021."
    )
    assert flagsteel["description"] == (
        "1 factor for 1 activity (purchased goods); region CN; first valid in 2020."
    )
    assert flagsteel["verified"] == "all"
    # The same definition of unverified as the flags table's.
    (unverified,) = [t for t in flag_tallies(flag_world, run) if t.name == "unverified_factor"]
    rows = [flagtest, flagsteel]
    assert sum(r["unverified_records"] for r in rows) == unverified.records == 2
    assert sum(r["unverified_co2e_t"] for r in rows) == pytest.approx(unverified.co2e_t)
    assert factor_uses(flag_world, "no-such-run") == []


def test_the_demo_reports_factor_sets_add_up(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    sets, inv = d["factor_sets"], d["inventory"]
    assert sets, "the demo uses factors"
    # Every record and tonne is calculated with exactly one set's factor.
    assert sum(s["co2e_t"] for s in sets) == pytest.approx(inv["total_location"])
    assert sum(s["co2e_market_t"] for s in sets) == pytest.approx(inv["total_market"])
    assert sum(s["share_pct"] for s in sets) == pytest.approx(100.0)
    assert sum(s["market_share_pct"] for s in sets) == pytest.approx(100.0)
    assert [s["co2e_t"] for s in sets] == sorted((s["co2e_t"] for s in sets), reverse=True)
    # The flags table's unverified records and tonnes are the factor table's.
    (flag,) = [f for f in d["flags"] if f["flag"] == "unverified_factor"]
    assert sum(s["unverified_records"] for s in sets) == flag["records"]
    assert sum(s["unverified_co2e_t"] for s in sets) == pytest.approx(flag["co2e_t"])
    assert d["factor_verification"]["unverified_co2e_t"] == pytest.approx(flag["co2e_t"])
    for s in sets:
        assert s["factors"] >= s["unverified_factors"] and s["factors"] >= 1, s["factor_set"]
        assert s["description"].startswith(f"{s['factors']:,} factor"), s["factor_set"]
        assert s["sources"], s["factor_set"]
    # The demo's custom proxy set is described by what the run took from it.
    (proxies,) = [s for s in sets if s["factor_set"] == "emmet-proxies"]
    assert proxies["kind"] == "custom" and proxies["verified"] == "none"
    assert all(src.startswith("Proxy: ") for src in proxies["sources"])
    html = (demo_report / "report.html").read_text()
    section = html.split('<h3 id="factor-sources">', 1)[1].split('<h3 id="flags">', 1)[0]
    for s in sets:
        assert s["description"] in section.replace("&#39;", "'"), s["factor_set"]
