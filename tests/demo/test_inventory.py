"""The demo's files calculated: the figures the roadmap files are sized on are the inventory's.

One workspace is built the way `zerotrail demo` builds it (shipped factors, the proxy set, the
organisation, instruments and activity records) and every year 2020-2025 is calculated. The
tests then check the yearly Scope 1 + 2 table credits.py sizes the retirements on, the
headline shape (Scope 1 + 2 down about 30%, Scope 3 about 750-800 kt, no problems), the share
of emissions on unverified factors the report states, the acquired business's share, and the
leased data centres' renewable share. Skipped until the shipped factor library has been built.
"""

from __future__ import annotations

import csv
import math
from typing import Any

import pytest

from zerotrail.demo import write_demo
from zerotrail.demo.acquisition import SELLER_2020
from zerotrail.demo.company import PC
from zerotrail.demo.credits import MARGIN, SCOPE12_MARKET_T
from zerotrail.demo.library import shipped_library

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not shipped_library().is_file(), reason="the shipped factor library has not been built yet"
    ),
]

YEARS = range(2020, 2026)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Any]]:
    from zerotrail.engine.settings import InventorySettings
    from zerotrail.pipeline.calculation import calculate
    from zerotrail.pipeline.imports import (
        import_activities,
        import_entities,
        import_factors,
        import_instruments,
        import_sites,
    )
    from zerotrail.pipeline.inventory import current_run
    from zerotrail.pipeline.inventory import inventory_summary as summary
    from zerotrail.pipeline.setup import open_workspace, set_up
    from zerotrail.reports.factor_table import factor_rows
    from zerotrail.reports.periodic import factor_verification
    from zerotrail.store.factor_usage import factor_set_info, factor_uses

    out = tmp_path_factory.mktemp("demo-inventory")
    files = write_demo(out)
    ws = open_workspace(str(out / "z.duckdb"), create=True)
    try:
        set_up(ws)
        import_factors(ws, files.factors)
        import_entities(ws, files.entities)
        import_sites(ws, files.sites)
        import_instruments(ws, files.instruments)
        import_activities(ws, files.activities)
        years = {}
        for year in YEARS:
            calculate(ws, InventorySettings(year))
            d = summary(ws, year)
            d["pengcheng_scope12_market"] = float(
                ws.scalar(
                    "SELECT coalesce(sum(r.co2e_market_t), 0) FROM results r"
                    " JOIN runs u ON r.run_id = u.run_id"
                    " WHERE u.current AND u.year = ? AND r.entity = ? AND r.scope IN (1, 2)",
                    [year, PC],
                )
            )
            # What the year's report states (report.json `factor_verification`).
            uses = factor_uses(ws, current_run(ws, year).run_id)
            infos = factor_set_info(ws, sorted({u.factor_set for u in uses}))
            sets = factor_rows(infos, uses)
            d["factor_verification"] = factor_verification(sets)
            d["unverified_by_set"] = {f["factor_set"]: f["unverified_co2e_t"] for f in sets}
            years[year] = d
        with files.credits.open(encoding="utf-8", newline="") as f:
            credits = list(csv.DictReader(f))
        for year in YEARS:
            years[year]["retired"] = sum(
                int(r["quantity"]) for r in credits if r["claim_year"] == str(year)
            )
        return years
    finally:
        ws.close()


def scope12(d: dict[str, Any]) -> float:
    return float(d["scope1"] + d["scope2_market"])


def test_every_year_calculates_without_problems(inventory: dict[int, dict[str, Any]]) -> None:
    assert [inventory[y]["problem_count"] for y in YEARS] == [0] * 6


def test_the_credits_table_is_the_inventorys(inventory: dict[int, dict[str, Any]]) -> None:
    assert sorted(SCOPE12_MARKET_T) == list(YEARS)
    for year in YEARS:
        assert scope12(inventory[year]) == pytest.approx(SCOPE12_MARKET_T[year], abs=0.051), year


def test_retired_credits_cover_each_claim_year(inventory: dict[int, dict[str, Any]]) -> None:
    for year in range(2021, 2026):
        gross = scope12(inventory[year])
        retired = inventory[year]["retired"]
        assert retired == math.ceil(SCOPE12_MARKET_T[year] * (1 + MARGIN))
        assert 1.005 * gross <= retired <= 1.02 * gross, year


def test_the_headline_shape(inventory: dict[int, dict[str, Any]]) -> None:
    first, last = scope12(inventory[2020]), scope12(inventory[2025])
    assert 0.25 < 1 - last / first < 0.35
    # The absolute target holds against the base year recalculated for the acquisition.
    assert last <= 0.70 * (first + SELLER_2020.scope12_market_t)
    for year in (2023, 2024, 2025):
        assert 750_000 <= inventory[year]["scope3"] <= 800_000, year
    for year in YEARS:
        assert inventory[year]["scope3"] > 15 * scope12(inventory[year])


def test_under_10_percent_of_emissions_rest_on_unverified_factors(
    inventory: dict[int, dict[str, Any]],
) -> None:
    # What stays unverified, about 1% a year: the e-bike commuting proxy (emmet-proxies: no
    # publisher has a factor for electric two-wheelers), and the IPCC 2006 defaults for Chinese
    # natural gas and generator diesel (a published factor at GLOBAL, but the library's copy is
    # a transcription nobody has checked against the IPCC tables). Everything else is on
    # verified DESNZ, EPA Hub, USEEIO, MEE and fugitive-identity factors.
    for year in YEARS:
        fv = inventory[year]["factor_verification"]
        assert fv["co2e_t"] > 700_000, year
        assert fv["unverified_pct"] < 10, (year, fv)
        unverified = {s for s, t in inventory[year]["unverified_by_set"].items() if t > 0}
        assert unverified == {"emmet-proxies", "ipcc-2006-tier1"}, year


def test_the_acquired_business_is_about_7_percent(inventory: dict[int, dict[str, Any]]) -> None:
    assert inventory[2022]["pengcheng_scope12_market"] == 0
    for year in (2024, 2025):
        share = inventory[year]["pengcheng_scope12_market"] / scope12(inventory[year])
        assert 0.06 <= share <= 0.08, (year, share)


def test_leased_data_centres_reach_30_percent_renewable(
    inventory: dict[int, dict[str, Any]],
) -> None:
    def share(year: int) -> float:
        (kind,) = [
            k
            for k in inventory[year]["electricity_by_site_kind"]
            if k["site_kind"] == "data_center_leased"
        ]
        return float(kind["renewable_mwh"] / kind["mwh"])

    shares = [share(y) for y in YEARS]
    assert shares == sorted(shares)
    assert shares[0] < 0.05 and 0.30 <= shares[-1] <= 0.35
