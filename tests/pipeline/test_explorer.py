"""The inventory explorer stage (pipeline/explorer.py): each level of the drill on a small
hand-made world, with the arithmetic stated, and on the demo against `zerotrail inventory`.

The world (2023, AR5; custom factors of the set `explorer-test`, pinned by the records, so no
shipped factor is chosen): entities G > A, B; sites SA (A) and SB (B), both offices in CN-EAST.

    t-diesel  0.1 t CO2 per GJ of stationary diesel            (Scope 1)
    t-elec    0.5 t CO2 per MWh of grid electricity            (Scope 2 location-based)
    cn-mee-grid:2023.national-average-excluding-market-traded-non-fossil.cn, the shipped 2023
              residual mix of China, 0.6096 t CO2 per MWh     (Scope 2 market-based: no
                                                                instruments cover the MWh)
    t-steel   2.0 t CO2e per t of steel bought                 (Scope 3 category 1)

    d-a   A  SA  diesel      100 GJ  x 0.1 =  10 t   Scope 1
    d-b   B  SB  diesel       50 GJ  x 0.1 =   5 t   Scope 1
    e-a   A  SA  electricity 200 MWh x 0.5 = 100 t   Scope 2 location-based
                             200 MWh x 0.6096 = 121.92 t market-based
    s-a   A  --  steel        30 t   x 2.0 =  60 t   Scope 3 cat 1, no site
    s-a2  A  SA  steel        10 t   x 2.0 =  20 t   Scope 3 cat 1
    s-b   B  --  steel        20 t   x 2.0 =  40 t   Scope 3 cat 1, no site

    Scope 1 15 t, Scope 2 100 t (market 121.92 t), Scope 3 120 t: total 235 t location-based,
    256.92 t market-based.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoJob, Templates, open_copy
from tests.engines.conftest import load
from zerotrail.engine.settings import InventorySettings
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.explorer import (
    MOST_RECORDS,
    ExplorerError,
    Filter,
    breakdown,
    calculated_years,
    records,
)
from zerotrail.pipeline.inventory import inventory_breakdown, inventory_summary
from zerotrail.store.workspace import Workspace, open_workspace

YEAR = 2023
SET = "explorer-test"

ENTITIES = [
    {"entity": "G", "name": "Group", "parent": "", "equity_share": 100, "country": "CN"},
    {"entity": "A", "name": "Alpha", "parent": "G", "equity_share": 100, "country": "CN"},
    {"entity": "B", "name": "Beta", "parent": "G", "equity_share": 100, "country": "CN"},
]
for _e in ENTITIES:
    _e.update(financial_control="yes", operational_control="yes")

SITES = [
    {"site": "SA", "entity": "A", "kind": "office", "region": "CN-EAST"},
    {"site": "SB", "entity": "B", "kind": "office", "region": "CN-EAST"},
]


def _factor(fid: str, key: str, unit: str, gas: str, value: float) -> dict[str, Any]:
    return {
        "factor_id": fid,
        "factor_set": SET,
        "activity": key,
        "region": "GLOBAL",
        "valid_from": "2020-01-01",
        "valid_to": "2025-12-31",
        "unit": unit,
        "gas": gas,
        "value": value,
        "value_unit": "t",
        "gwp_basis": "AR5" if gas == "CO2e" else "",
        "source": "explorer test factors",
        "edition": "2023 test edition",
        "source_url": "https://factors.example/explorer",
        "licence": "CC0-1.0",
        "source_ref": f"explorer.xlsx sheet 1 cell B{len(fid)}",
    }


FACTORS = [
    _factor("t-diesel", "stationary_combustion.diesel", "GJ", "CO2", 0.1),
    _factor("t-elec", "electricity.grid", "MWh", "CO2", 0.5),
    _factor("t-steel", "purchased_goods.steel", "t", "CO2e", 2.0),
]


def _record(rid: str, entity: str, site: str, key: str, qty: float, unit: str) -> dict[str, Any]:
    pin = {"stationary_combustion.diesel": "t-diesel", "electricity.grid": "t-elec"}
    return {
        "record_id": rid,
        "entity": entity,
        "site": site,
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": "" if site else "CN-EAST",
        "scope3_category": 1 if key.startswith("purchased_goods") else "",
        "factor_id": pin.get(key, "t-steel"),
        "evidence": f"https://erp.example/{rid} sha256:{'0' * 64}",
    }


ACTIVITIES = [
    _record("d-a", "A", "SA", "stationary_combustion.diesel", 100, "GJ"),
    _record("d-b", "B", "SB", "stationary_combustion.diesel", 50, "GJ"),
    _record("e-a", "A", "SA", "electricity.grid", 200, "MWh"),
    _record("s-a", "A", "", "purchased_goods.steel", 30, "t"),
    _record("s-a2", "A", "SA", "purchased_goods.steel", 10, "t"),
    _record("s-b", "B", "", "purchased_goods.steel", 20, "t"),
]


def fill_explorer_world(ws: Workspace, folder: Path) -> None:
    """The world above, calculated (a module-level function: workspace_template keys on it)."""
    load(ws, folder, entities=ENTITIES, sites=SITES, factors=FACTORS, activities=ACTIVITIES)
    calculate(ws, InventorySettings(YEAR, "AR5"))


@pytest.fixture(scope="module")
def world(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    ws = open_copy(workspace_template(fill_explorer_world), tmp_path_factory.mktemp("explorer"))
    try:
        yield ws
    finally:
        ws.close()


def _lines(b: Any) -> list[tuple[str, str | None, int, float, float]]:
    return [(x.key, x.entity, x.records, x.co2e_t, x.co2e_market_t) for x in b.lines]


def test_total_and_scopes(world: Workspace) -> None:
    b = breakdown(world, YEAR, Filter())
    assert (b.level, b.records) == ("scope", 6)
    assert b.co2e_t == pytest.approx(235) and b.co2e_market_t == pytest.approx(256.92)
    assert _lines(b) == [
        ("1", None, 2, pytest.approx(15), pytest.approx(15)),  # 10 + 5
        ("2", None, 1, pytest.approx(100), pytest.approx(121.92)),  # 200 x 0.5; x 0.6096
        ("3", None, 3, pytest.approx(120), pytest.approx(120)),  # 60 + 20 + 40
    ]
    assert [x.label for x in b.lines] == ["Scope 1", "Scope 2", "Scope 3"]
    assert calculated_years(world) == [YEAR]


def test_the_scopes_are_the_inventory_stage_s_figures(world: Workspace) -> None:
    inv = inventory_summary(world, YEAR)
    b = {x.key: x for x in breakdown(world, YEAR, Filter()).lines}
    assert b["1"].co2e_t == inv["scope1"] and b["1"].co2e_market_t == inv["scope1"]
    assert b["2"].co2e_t == inv["scope2_location"]
    assert b["2"].co2e_market_t == inv["scope2_market"]
    assert b["3"].co2e_t == inv["scope3"] and b["3"].co2e_market_t == inv["scope3_market"]


def test_categories_are_activities_in_scope_1_and_numbers_in_scope_3(world: Workspace) -> None:
    s1 = breakdown(world, YEAR, Filter(scope=1))
    assert s1.level == "category"
    assert _lines(s1) == [("stationary_combustion.diesel", None, 2, 15, 15)]  # 10 + 5
    s3 = breakdown(world, YEAR, Filter(scope=3))
    assert _lines(s3) == [("1", None, 3, pytest.approx(120), pytest.approx(120))]
    assert s3.lines[0].label == "1. Purchased goods and services"
    assert s3.co2e_t == pytest.approx(120)
    # The same keys, from the inventory stage: Scope 3 category 1, and the activity's Scope 1.
    assert inventory_summary(world, YEAR)["scope3_by_category"]["1"] == s3.lines[0].co2e_t
    rows = {r["activity"]: r for r in inventory_breakdown(world, YEAR, "activity")}
    assert rows["stationary_combustion.diesel"]["scope1"] == s1.lines[0].co2e_t


def test_a_category_by_site_with_its_entity_then_by_entity(world: Workspace) -> None:
    b = breakdown(world, YEAR, Filter(scope=3, category="1"))
    assert b.level == "site"
    # "" is no site: s-a (A, 30 t x 2 = 60 t) and s-b (B, 20 t x 2 = 40 t); SA: s-a2 (20 t).
    assert _lines(b) == [
        ("", "A", 1, pytest.approx(60), pytest.approx(60)),
        ("", "B", 1, pytest.approx(40), pytest.approx(40)),
        ("SA", "A", 1, pytest.approx(20), pytest.approx(20)),
    ]
    assert [x.label for x in b.lines] == ["(no site)", "(no site)", "SA"]
    no_site = breakdown(world, YEAR, Filter(scope=3, category="1", site=""))
    assert no_site.level == "entity"
    assert _lines(no_site) == [
        ("A", None, 1, pytest.approx(60), pytest.approx(60)),
        ("B", None, 1, pytest.approx(40), pytest.approx(40)),
    ]


def test_each_level_adds_up_to_the_one_above(world: Workspace) -> None:
    top = breakdown(world, YEAR, Filter())
    for scope_line in top.lines:
        scope = breakdown(world, YEAR, Filter(scope=int(scope_line.key)))
        assert scope.co2e_t == pytest.approx(scope_line.co2e_t, abs=1e-9)
        assert math.fsum(x.co2e_t for x in scope.lines) == pytest.approx(scope.co2e_t, abs=1e-9)
        for cat in scope.lines:
            sites = breakdown(world, YEAR, Filter(int(scope_line.key), cat.key))
            total = math.fsum(x.co2e_market_t for x in sites.lines)
            assert total == pytest.approx(cat.co2e_market_t, abs=1e-9)
            assert sum(x.records for x in sites.lines) == cat.records


def test_records_carry_quantity_factor_and_provenance(world: Workspace) -> None:
    page = records(world, YEAR, Filter(scope=2, category="electricity.grid", site="SA"))
    assert (page.records, page.co2e_t, page.co2e_market_t) == (1, 100, pytest.approx(121.92))
    (r,) = page.lines
    assert (r.record_id, r.entity, r.site, r.quantity, r.unit) == ("e-a", "A", "SA", 200, "MWh")
    assert (r.scope, r.category, r.co2e_t) == (2, None, 100)  # 200 MWh x 0.5 t/MWh
    assert r.gases["CO2"].mass_t == 100 and r.gases["CH4"].mass_t == 0
    assert r.factor is not None
    assert (r.factor.factor_set, r.factor.factor_id) == (SET, "t-elec")
    assert r.factor.editions == ("2023 test edition",)
    assert r.factor.source_urls == ("https://factors.example/explorer",)
    assert r.factor.licences == ("CC0-1.0",)
    assert r.factor.source_refs == ("explorer.xlsx sheet 1 cell B6",)  # len("t-elec") = 6
    assert r.factor.sources == ("explorer test factors",)
    assert r.provenance.file_name == "activities.csv"
    assert r.provenance.evidence == f"https://erp.example/e-a sha256:{'0' * 64}"
    assert (r.period_start, r.period_end) == (f"{YEAR}-01-01", f"{YEAR}-12-31")


def test_records_are_paged_by_record_id(world: Workspace) -> None:
    where = Filter(scope=3, category="1")
    first = records(world, YEAR, where, limit=2)
    rest = records(world, YEAR, where, limit=2, offset=2)
    assert [r.record_id for r in first.lines] == ["s-a", "s-a2"]
    assert [r.record_id for r in rest.lines] == ["s-b"]
    assert first.records == rest.records == 3 and first.co2e_t == pytest.approx(120)
    assert records(world, YEAR, where, limit=2, offset=9).lines == ()
    with pytest.raises(ExplorerError, match="limit: expected 1 to 500"):
        records(world, YEAR, where, limit=MOST_RECORDS + 1)


def test_entities_narrow_every_level(world: Workspace) -> None:
    only_b = frozenset({"B"})
    b = breakdown(world, YEAR, Filter(), only_b)
    # B: d-b 5 t (Scope 1), s-b 40 t (Scope 3); no Scope 2.
    assert _lines(b) == [("1", None, 1, 5, 5), ("3", None, 1, 40, 40)]
    page = records(world, YEAR, Filter(scope=3, category="1"), entities=only_b)
    assert [r.record_id for r in page.lines] == ["s-b"] and page.records == 1
    assert records(world, YEAR, Filter(entity="A"), entities=only_b).records == 0


def test_a_slice_without_records_is_empty_not_refused(world: Workspace) -> None:
    # A category names its scope by itself: "1" is Scope 3's category 1 (60 + 20 + 40 t).
    alone = breakdown(world, YEAR, Filter(category="1"))
    assert _lines(alone) == [("3", None, 3, pytest.approx(120), pytest.approx(120))]
    for where in (Filter(scope=3, category="16"), Filter(scope=1, category="1"), Filter(site="X")):
        empty = breakdown(world, YEAR, where)
        assert (empty.records, empty.co2e_t, empty.lines) == (0, 0, ())


def test_refusals(world: Workspace) -> None:
    with pytest.raises(ExplorerError, match="scope: expected 1, 2 or 3, got 4"):
        records(world, YEAR, Filter(scope=4))
    with pytest.raises(Exception, match="2019"):
        breakdown(world, 2019, Filter())


def test_on_the_demo_the_scopes_equal_zerotrail_inventory(
    demo_job: DemoJob, tmp_path: Path
) -> None:
    """Every calculated year of the demo: the drill's scopes, and Scope 3's categories, against
    the inventory stage's figures (what `zerotrail inventory --format json` prints)."""
    code, _, err = demo_job.result()
    assert code == 0, err
    ws = open_copy(Path(demo_job.db), tmp_path)
    try:
        years = calculated_years(ws)
        assert years, "the demo calculated no year"
        for year in years:
            inv = inventory_summary(ws, year)
            top = breakdown(ws, year, Filter())
            by = {x.key: x for x in top.lines}
            pairs = [
                (by["1"].co2e_t, inv["scope1"]),
                (by["2"].co2e_t, inv["scope2_location"]),
                (by["2"].co2e_market_t, inv["scope2_market"]),
                (by["3"].co2e_t, inv["scope3"]),
                (by["3"].co2e_market_t, inv["scope3_market"]),
                (top.co2e_t, inv["total_location"]),
                (top.co2e_market_t, inv["total_market"]),
            ]
            cats = breakdown(ws, year, Filter(scope=3))
            pairs += [(x.co2e_t, inv["scope3_by_category"][x.key]) for x in cats.lines]
            for drilled, stated in pairs:
                # Sums in another order differ in the last bits (1.6e-9 t of 1,053,435 t seen):
                # equal to 1e-12 relative, or 1e-9 t absolute near zero.
                assert drilled == pytest.approx(stated, rel=1e-12, abs=1e-9), year
    finally:
        ws.close()


def test_the_same_drill_on_postgresql(postgres_template: str, tmp_path: Path) -> None:
    """The explorer's SQL on a PostgreSQL workspace (the store's SQL is DuckDB's dialect,
    transpiled there): the same world, the same figures and record."""
    from tests import postgres

    ws = open_workspace(postgres.create_database(template=postgres_template))
    try:
        fill_explorer_world(ws, tmp_path)
        assert _lines(breakdown(ws, YEAR, Filter())) == [
            ("1", None, 2, pytest.approx(15), pytest.approx(15)),
            ("2", None, 1, pytest.approx(100), pytest.approx(121.92)),
            ("3", None, 3, pytest.approx(120), pytest.approx(120)),
        ]
        sites = breakdown(ws, YEAR, Filter(scope=3, category="1"), frozenset({"A"}))
        assert _lines(sites) == [
            ("", "A", 1, pytest.approx(60), pytest.approx(60)),
            ("SA", "A", 1, pytest.approx(20), pytest.approx(20)),
        ]
        (r,) = records(ws, YEAR, Filter(scope=2, site="SA")).lines
        assert (r.record_id, r.quantity, r.co2e_t) == ("e-a", 200, pytest.approx(100))
        assert r.factor is not None and r.factor.source_refs == ("explorer.xlsx sheet 1 cell B6",)
        assert r.provenance.file_name == "activities.csv"
    finally:
        ws.close()
