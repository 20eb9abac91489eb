"""Scope 3 category 3 derived from the fuel and energy records (pipeline/fuel_energy.py), on a
small world with the shipped factors, calculated by the engine.

The world's 2024 (entity E, Chinese, 100% and operated; sites LDN in GB, SH in CN-EAST, and
DC, a leased data centre in CN-NORTH that E does not operate):
  R1  electricity.grid                 100,000 kWh  at LDN (GB)
  R2  electricity.grid                     200 MWh  at SH  (CN-EAST)
  R3  stationary_combustion.natural_gas  1,000 GJ   at SH  (CN, net calorific value)
  R4  electricity.grid                      50 MWh  at DC  (CN-NORTH; its Scope 2 is category 8)
  R5  steam.purchased                       10 mmBtu, US (the library has no upstream factor)
  R6  fugitive.HFC-134a                      2 kg   at SH  (not fuel or energy)

UK DESNZ 2024 (the shipped desnz-2024 set, AR5; the only category-3 factors, all GB):
  well-to-tank of generation 0.0459, T&D losses 0.01811 CO2 + 0.00019 CO2e, well-to-tank of
  T&D losses 0.00397 kg CO2e per kWh: 0.06817 kg per kWh of grid electricity in all;
  well-to-tank of natural gas 0.03347 kg CO2e per kWh on a net calorific value basis.
Category 3 (location-based = market-based):
  R1  100,000 kWh x 0.06817 kg                    =  6.817 t  (GB: the engine's own choice)
  R2  200,000 kWh x 0.06817 kg                    = 13.634 t  (pinned UK factors)
  R3  1,000 GJ = 277,777.78 kWh x 0.03347 kg      =  9.29722 t (pinned, net CV factor)
  R4   50,000 kWh x 0.06817 kg                    =  3.4085 t (pinned; category 3, not 8)
  total                                            = 33.15672 t
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import load, results, write_csv
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import ZerotrailError
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.fuel_energy import derive_fuel_energy, parts_of
from zerotrail.pipeline.imports import import_activities
from zerotrail.store.workspace import Workspace

KWH = 0.0459 + 0.01811 + 0.00019 + 0.00397  # kg CO2e per kWh: DESNZ 2024, all three parts
GAS_NCV = 0.03347  # kg CO2e per kWh (net CV): DESNZ 2024 well-to-tank, natural gas
R1 = 100_000 * KWH / 1000  # 6.817 t
R2 = 200_000 * KWH / 1000  # 13.634 t
R3 = 1000 / 0.0036 * GAS_NCV / 1000  # 1,000 GJ = 277,777.78 kWh: 9.29722 t
R4 = 50_000 * KWH / 1000  # 3.4085 t

SITES = [
    {"site": "LDN", "entity": "E", "kind": "office", "region": "GB"},
    {"site": "SH", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {
        "site": "DC",
        "entity": "E",
        "kind": "data_center_leased",
        "region": "CN-NORTH",
        "operational_control": "no",
    },
]


def record(rid: str, activity: str, quantity: float, unit: str, **kw: Any) -> dict[str, Any]:
    return {
        "record_id": rid,
        "entity": "E",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "activity": activity,
        "quantity": quantity,
        "unit": unit,
        "site": "",
        "region": "",
        **kw,
    }


RECORDS = [
    record("R1", "electricity.grid", 100_000, "kWh", site="LDN", region="GB"),
    record("R2", "electricity.grid", 200, "MWh", site="SH", region="CN-EAST"),
    record("R3", "stationary_combustion.natural_gas", 1000, "GJ", site="SH", region="CN"),
    record("R4", "electricity.grid", 50, "MWh", site="DC", region="CN-NORTH"),
    record("R5", "steam.purchased", 10, "mmBtu", region="US"),
    record("R6", "fugitive.HFC-134a", 2, "kg", site="SH", region="CN"),
]


def _world(ws: Workspace, tmp: Path) -> None:
    load(ws, tmp, activities=RECORDS, sites=SITES)


def _derived_world(ws: Workspace, tmp: Path) -> None:
    """The world with its category 3 records derived (UK factors where needed), calculated."""
    _world(ws, tmp)
    FOUND.update(
        done=derive_fuel_energy(ws, [2024], "GB"), summary=calculate(ws, InventorySettings(2024))
    )


FOUND: dict[str, Any] = {}  # what _derived_world's stages returned, built once per worker


@pytest.fixture
def world(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(workspace_template(_world), tmp_path)
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def calculated(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(workspace_template(_derived_world), tmp_path)
    try:
        yield ws
    finally:
        ws.close()


def derived(ws: Workspace) -> dict[str, dict[str, Any]]:
    cur = ws.execute(
        "SELECT record_id, activity, quantity, unit, site, region, factor_id, version"
        " FROM activities WHERE current AND activity LIKE 'fuel_energy.%'"
    )
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_each_source_gives_its_parts() -> None:
    assert [p.key for p in parts_of("electricity.grid")] == [
        "fuel_energy.wtt.electricity",
        "fuel_energy.td_losses",
        "fuel_energy.wtt.td_losses",
    ]
    assert [p.key for p in parts_of("mobile_combustion.diesel.passenger_car")] == [
        "fuel_energy.wtt.diesel"
    ]
    assert [p.key for p in parts_of("steam.purchased")] == ["fuel_energy.wtt.steam"]
    assert parts_of("electricity.residual_mix") == ()
    assert parts_of("fugitive.HFC-134a") == ()


def test_derived_records_keep_their_sources_quantities_and_places(calculated: Workspace) -> None:
    done = FOUND["done"]
    got = derived(calculated)
    assert sorted(got) == [
        "R1~td",
        "R1~wtt",
        "R1~wtt-td",
        "R2~td",
        "R2~wtt",
        "R2~wtt-td",
        "R3~wtt",
        "R4~td",
        "R4~wtt",
        "R4~wtt-td",
    ]
    assert (got["R2~wtt"]["quantity"], got["R2~wtt"]["unit"]) == (200, "MWh")
    assert (got["R2~wtt"]["site"], got["R2~wtt"]["region"]) == ("SH", "CN-EAST")
    assert got["R3~wtt"]["activity"] == "fuel_energy.wtt.natural_gas"
    # London's records find UK factors in their own region: no pin. Chinese ones pin the
    # factor the engine would choose for a UK record of 2024: the desnz-2024 edition, on the
    # record's own (net) calorific value basis for the gas.
    assert all(not got[f"R1{s}"]["factor_id"] for s in ("~wtt", "~td", "~wtt-td"))
    assert got["R2~wtt"]["factor_id"] == (
        "desnz-2024:wtt-uk-electricity.wtt-uk-electricity-generation.electricity-uk.kwh.kwh"
    )
    assert got["R3~wtt"]["factor_id"] == "desnz-2024:wtt-fuels.gaseous-fuels.natural-gas.kwh-net-cv"
    assert done.records == 10 and done.pinned == 7 and done.sources == 5
    assert [(s.activity, s.records) for s in done.skipped] == [("steam.purchased", 1)]
    assert "no factor for fuel_energy.wtt.steam in the workspace" in done.skipped[0].reason


def test_the_engine_calculates_category_3_with_its_flags(calculated: Workspace) -> None:
    res = results(calculated, 2024)
    cat3 = {rid: r for rid, r in res.items() if r["category"] == 3}
    assert sum(r["co2e_t"] for r in cat3.values()) == pytest.approx(R1 + R2 + R3 + R4)
    assert sum(r["co2e_market_t"] for r in cat3.values()) == pytest.approx(R1 + R2 + R3 + R4)
    assert sum(res[f"R2{s}"]["co2e_t"] for s in ("~wtt", "~td", "~wtt-td")) == pytest.approx(R2)
    assert res["R3~wtt"]["co2e_t"] == pytest.approx(R3)
    # A Chinese record on a UK factor says so; a UK one does not.
    assert "pinned_other_region" in res["R2~wtt"]["flags"]
    assert "pinned_other_region" not in res["R1~wtt"]["flags"]
    # The leased data centre: its electricity in category 8, its upstream in category 3.
    assert res["R4"]["category"] == 8
    assert {res[f"R4{s}"]["category"] for s in ("~wtt", "~td", "~wtt-td")} == {3}


def test_without_a_factor_region_only_records_with_their_own_factors_are_derived(
    world: Workspace,
) -> None:
    done = derive_fuel_energy(world, [2024])
    assert sorted(derived(world)) == ["R1~td", "R1~wtt", "R1~wtt-td"]
    reasons = " | ".join(s.reason for s in done.skipped)
    assert "no factor for fuel_energy.wtt.electricity (MWh) in CN-EAST, CN-NORTH" in reasons
    assert "--factor-region" in reasons
    # Given the region afterwards, the rest are added and the first three left alone.
    again = derive_fuel_energy(world, [2024], "GB")
    assert again.imported is not None
    assert (again.imported.added, again.imported.unchanged) == (7, 3)


def test_deriving_again_follows_the_sources(world: Workspace, tmp_path: Path) -> None:
    derive_fuel_energy(world, [2024], "GB")
    repeat = derive_fuel_energy(world, [2024], "GB")
    assert repeat.imported is not None and repeat.imported.import_id is None  # nothing new
    # R4 doubles; R2 turns out to be steam: its electricity parts are withdrawn (quantity 0,
    # the old versions kept), and steam has no upstream factor to derive.
    changed = [
        record("R2", "steam.purchased", 200, "MWh", site="SH", region="CN-EAST"),
        record("R4", "electricity.grid", 100, "MWh", site="DC", region="CN-NORTH"),
    ]
    import_activities(world, write_csv(tmp_path / "changed.csv", changed), replace=True)
    done = derive_fuel_energy(world, [2024], "GB")
    got = derived(world)
    assert done.withdrawn == 3
    assert [got[f"R2{s}"]["quantity"] for s in ("~wtt", "~td", "~wtt-td")] == [0, 0, 0]
    assert (got["R4~wtt"]["quantity"], got["R4~wtt"]["version"]) == (100, 2)
    calculate(world, InventorySettings(2024))
    cat3 = sum(r["co2e_t"] for r in results(world, 2024).values() if r["category"] == 3)
    assert cat3 == pytest.approx(R1 + R3 + 2 * R4)


def test_refusals(world: Workspace) -> None:
    with pytest.raises(ZerotrailError, match="not a region code"):
        derive_fuel_energy(world, [2024], "XX")
    with pytest.raises(ZerotrailError, match="no year"):
        derive_fuel_energy(world, [])
    with pytest.raises(ZerotrailError, match="no fuel or energy record in 2023"):
        derive_fuel_energy(world, [2023])
    assert derived(world) == {}
