"""Region lineage: a mainland province falls back to its regional grid, then China, then GLOBAL.

Grid membership follows the seven regional grids of the MEE/NBS electricity factor notices
(unverified here: see src/zerotrail/model/grids.py); codes are ISO 3166-2:CN.
"""

from __future__ import annotations

import csv
from importlib.resources import files

import pytest

from zerotrail.model.grids import PROVINCE_GRID, REGIONAL_GRIDS, grid_of
from zerotrail.model.regions import GLOBAL, lineage, market_of, region_problem

# The 31 mainland provinces, autonomous regions and municipalities of ISO 3166-2:CN.
MAINLAND = {
    "CN-AH", "CN-BJ", "CN-CQ", "CN-FJ", "CN-GD", "CN-GS", "CN-GX", "CN-GZ",
    "CN-HA", "CN-HB", "CN-HE", "CN-HI", "CN-HL", "CN-HN", "CN-JL", "CN-JS",
    "CN-JX", "CN-LN", "CN-NM", "CN-NX", "CN-QH", "CN-SC", "CN-SD", "CN-SH",
    "CN-SN", "CN-SX", "CN-TJ", "CN-XJ", "CN-XZ", "CN-YN", "CN-ZJ",
}  # fmt: skip


def test_every_mainland_province_has_one_grid() -> None:
    assert set(PROVINCE_GRID) == MAINLAND
    assert set(PROVINCE_GRID.values()) == set(REGIONAL_GRIDS)
    assert len(REGIONAL_GRIDS) == 7


@pytest.mark.parametrize("province", sorted(MAINLAND))
def test_a_province_falls_back_to_its_grid_then_china(province: str) -> None:
    chain = lineage(province)
    assert chain == (province, PROVINCE_GRID[province], "CN", GLOBAL)
    assert chain[-2:] == ("CN", GLOBAL)
    assert region_problem(province) is None
    assert market_of(province) == "CN"


@pytest.mark.parametrize(
    ("province", "grid"),
    [
        ("CN-SC", "CN-SOUTHWEST"),  # Sichuan
        ("CN-CQ", "CN-SOUTHWEST"),  # Chongqing
        ("CN-GD", "CN-SOUTH"),  # Guangdong
        ("CN-GZ", "CN-SOUTH"),  # Guizhou
        ("CN-NM", "CN-NORTH"),  # western Inner Mongolia; the east uses CN-NORTHEAST directly
        ("CN-HL", "CN-NORTHEAST"),  # Heilongjiang
        ("CN-FJ", "CN-EAST"),  # Fujian
        ("CN-JX", "CN-CENTRAL"),  # Jiangxi
        ("CN-XJ", "CN-NORTHWEST"),  # Xinjiang
    ],
)
def test_named_memberships(province: str, grid: str) -> None:
    assert grid_of(province) == grid


def test_grids_and_other_codes_keep_their_chains() -> None:
    assert lineage("CN-SOUTHWEST") == ("CN-SOUTHWEST", "CN", GLOBAL)
    assert lineage("CN-NORTHEAST") == ("CN-NORTHEAST", "CN", GLOBAL)
    assert lineage("CN-HK") == ("CN-HK", "CN", GLOBAL)  # on none of the mainland grids
    assert lineage("US-CAMX") == ("US-CAMX", "US", GLOBAL)
    assert lineage("CN") == ("CN", GLOBAL)
    assert lineage(GLOBAL) == (GLOBAL,)
    assert grid_of("CN-EAST") is None and grid_of("US-SC") is None


def test_every_grid_is_a_region_of_the_shipped_china_set() -> None:
    text = files("zerotrail").joinpath("reference/data/factors.csv").read_text(encoding="utf-8")
    regions = {
        r["region"] for r in csv.DictReader(text.splitlines()) if r["factor_set"] == "cn-mee-grid"
    }
    assert set(REGIONAL_GRIDS) <= regions
    # Provinces with a shipped factor are all mainland provinces with a grid to fall back to.
    assert {r for r in regions if r.startswith("CN-")} - set(REGIONAL_GRIDS) <= MAINLAND
