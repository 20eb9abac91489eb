"""The leaves a sampled record's recomputation needs, and the figures its run states for it.

The world is tests/store/sample_world.py: two runs of 2024 with a subsidiary's equity share, a
price index and a record changed between them, so each run's leaves must be the versions it
read. Factor rows are named by the factor each record used (every gas row of it), and GWP values
by those rows' gases (the run's set AR5, blend rule composition, the record's methane origin);
the rest is listed leaf by leaf.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import postgres
from tests.conftest import Templates, open_copy
from tests.engines.conftest import write_csv
from tests.store.sample_world import PINNED, SETTINGS, act, fill, run_ids, run_records
from zerotrail.errors import ZerotrailError
from zerotrail.ingest.activities import import_activities
from zerotrail.pipeline.calculation import calculate
from zerotrail.store.sample_inputs import SampleInputs, sample_inputs
from zerotrail.store.workspace import Workspace, open_workspace

GRID_2023 = "cn-mee-grid:2023.regional-average.cn-east"


@pytest.fixture(scope="module")
def template(workspace_template: Templates) -> Path:
    return workspace_template(fill)


@pytest.fixture(scope="module")
def world(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = open_copy(template, tmp_path_factory.mktemp("sample-inputs"))
    try:
        yield ws
    finally:
        ws.close()


def by_record(ws: Workspace, run_id: str) -> dict[str, SampleInputs]:
    return {s.record_id: s for s in sample_inputs(ws, run_id, run_records(ws, run_id))}


def not_factors(s: SampleInputs, run_id: str) -> list[tuple[str, str, int]]:
    """The record's leaves but its factor rows and GWP values, the run's leaf written as
    "run"."""
    return [
        (leaf.kind, "run" if leaf.ref == run_id else leaf.ref, leaf.version)
        for leaf in s.leaves
        if leaf.kind not in ("factor", "gwp")
    ]


def gwp_leaves(s: SampleInputs) -> list[tuple[str, int]]:
    return [(leaf.ref, leaf.version) for leaf in s.leaves if leaf.kind == "gwp"]


def leaf_index(ws: Workspace, kind: str, ref: str, version: int = 1) -> int:
    return int(
        ws.scalar(
            "SELECT idx FROM ledger_leaves WHERE kind = ? AND ref = ? AND version = ?",
            [kind, ref, version],
        )
    )


def factor_gases(ws: Workspace, factor_id: str) -> list[str]:
    rows = ws.fetchall("SELECT gas FROM factors WHERE factor_id = ? ORDER BY gas", [factor_id])
    return [f"{factor_id}/{gas}" for (gas,) in rows]


def owners(*chain: tuple[str, int]) -> list[tuple[str, str, int]]:
    return [("entity", e, v) for e, v in chain]


def test_each_record_needs_its_own_version_the_run_its_owners_site_and_price_indices(
    world: Workspace, template: Path
) -> None:
    first, _ = run_ids(template.parent)
    got = {rid: not_factors(s, first) for rid, s in by_record(world, first).items()}
    run = [("run", "run", 1)]
    e, sub = owners(("E", 1)), owners(("SUB", 1), ("E", 1))
    assert got == {
        "grid": [("activity", "grid", 1), *run, *e, ("site", "HZ", 1)],
        "pinned": [("activity", "pinned", 1), *run, *e],
        # The leased data centre's entity is the record's: its chain once.
        "leased": [("activity", "leased", 1), *run, *sub, ("site", "DC", 1)],
        # Replaced before the run: the run calculated version 2.
        "gas": [("activity", "gas", 2), *run, *sub],
        "diesel": [("activity", "diesel", 1), *run, *e],
        "gas_hhv": [("activity", "gas_hhv", 1), *run, *e],
        # Deflated from 2024 dollars to the factor's 2022 ones: both index values.
        "spend": [
            ("activity", "spend", 1),
            *run,
            *sub,
            ("price_index", "USD:2022", 1),
            ("price_index", "USD:2024", 1),
        ],
        "r410a": [("activity", "r410a", 1), *run, *e, ("site", "HZ", 1)],
    }


def test_the_next_run_reads_the_versions_changed_since(world: Workspace, template: Path) -> None:
    # Between the runs: SUB's equity share 60 -> 80 % (entity version 2), the 2024 index
    # 110 -> 120 (version 2), r410a 5 -> 6 kg (version 2). Unchanged ones keep version 1.
    _, second = run_ids(template.parent)
    got = {rid: not_factors(s, second) for rid, s in by_record(world, second).items()}
    assert got["spend"][2:] == [
        ("entity", "SUB", 2),
        ("entity", "E", 1),
        ("price_index", "USD:2022", 1),
        ("price_index", "USD:2024", 2),
    ]
    assert got["r410a"][0] == ("activity", "r410a", 2)
    assert got["gas"] == [("activity", "gas", 2), ("run", "run", 1), *owners(("SUB", 2), ("E", 1))]
    run = ("run", "run", 1)
    assert got["grid"] == [("activity", "grid", 1), run, *owners(("E", 1)), ("site", "HZ", 1)]


def test_factor_rows_are_every_gas_of_the_factor_the_run_used(
    world: Workspace, template: Path
) -> None:
    first, _ = run_ids(template.parent)
    got = by_record(world, first)
    for rid, s in got.items():
        factors = [leaf.ref for leaf in s.leaves if leaf.kind == "factor"]
        assert factors == factor_gases(world, str(s.stated["factor_id"])), rid
        assert all(leaf.version == 1 for leaf in s.leaves if leaf.kind == "factor")
    # Grid electricity of 2024 in CN-EAST: the 2023 edition (the latest), one gas (CO2); the
    # pinned record its pin; natural gas per therm CO2, CH4 and N2O.
    assert factor_gases(world, GRID_2023) == [f"{GRID_2023}/CO2"]
    assert got["grid"].stated["factor_id"] == GRID_2023
    assert got["pinned"].stated["factor_id"] == PINNED
    assert len(factor_gases(world, str(got["gas"].stated["factor_id"]))) == 3


def test_gwp_values_are_those_each_gas_of_its_factor_was_weighed_with(
    world: Workspace, template: Path
) -> None:
    first, second = run_ids(template.parent)
    got = by_record(world, first)
    for rid, s in got.items():
        gases = [ref.rsplit("/", 1)[1] for ref in factor_gases(world, str(s.stated["factor_id"]))]
        # No record of this world names a methane origin: "-" throughout.
        assert gwp_leaves(s) == [(f"AR5/composition/{gas}/-", 1) for gas in gases], rid
        # Each after the factor rows, and committed before the run's leaf: what it read.
        kinds = [leaf.kind for leaf in s.leaves]
        assert kinds.index("gwp") == kinds.index("factor") + len(gases)
        for ref, _ in gwp_leaves(s):
            assert leaf_index(world, "gwp", ref) < leaf_index(world, "run", first)
    assert gwp_leaves(got["r410a"]) == [("AR5/composition/R-410A/-", 1)]
    assert [r for r, _ in gwp_leaves(got["gas"])] == [
        "AR5/composition/CH4/-",
        "AR5/composition/CO2/-",
        "AR5/composition/N2O/-",
    ]
    # The second run weighed with the same package values: the first run's versions.
    again = by_record(world, second)
    assert {rid: gwp_leaves(s) for rid, s in again.items()} == {
        rid: gwp_leaves(s) for rid, s in got.items()
    }


def test_a_record_with_a_methane_origin_needs_the_values_at_that_origin(
    template: Path, tmp_path: Path
) -> None:
    fossil = act("flare", "stationary_combustion.natural_gas", 50, "GJ", "CN", ch4_origin="fossil")
    with open_copy(template, tmp_path) as ws:
        import_activities(ws, write_csv(tmp_path / "flare.csv", [fossil]))
        run = calculate(ws, SETTINGS).run_id
        got = by_record(ws, run)
        # Under AR5 fossil methane has its own GWP (30, not 28): the value at origin fossil.
        assert gwp_leaves(got["flare"]) == [
            ("AR5/composition/CH4/fossil", 1),
            ("AR5/composition/CO2/fossil", 1),
            ("AR5/composition/N2O/fossil", 1),
        ]
        assert gwp_leaves(got["gas_hhv"]) == [
            ("AR5/composition/CH4/-", 1),
            ("AR5/composition/CO2/-", 1),
            ("AR5/composition/N2O/-", 1),
        ]


def test_a_run_from_before_gwp_values_were_committed_has_none_and_is_not_refused(
    template: Path, tmp_path: Path
) -> None:
    first, _ = run_ids(template.parent)
    with open_copy(template, tmp_path) as ws:
        # As a workspace migrated from before: no GWP value committed before the run.
        ws.execute("DELETE FROM ledger_leaves WHERE kind = 'gwp'")
        got = sample_inputs(ws, first, run_records(ws, first))
    assert got and all(not gwp_leaves(s) for s in got)


def test_a_gwp_value_missing_from_the_log_of_a_run_that_committed_them_is_named(
    template: Path, tmp_path: Path
) -> None:
    first, _ = run_ids(template.parent)
    with open_copy(template, tmp_path) as ws:
        ws.execute("DELETE FROM ledger_leaves WHERE kind = 'gwp' AND ref = 'AR5/composition/N2O/-'")
        with pytest.raises(ZerotrailError) as err:
            sample_inputs(ws, first, run_records(ws, first))
    assert str(err.value) == "not in the ledger: gwp AR5/composition/N2O/-"


def test_stated_figures_are_the_runs_results_rows(world: Workspace, template: Path) -> None:
    first, second = run_ids(template.parent)
    one, two = by_record(world, first), by_record(world, second)
    # 1,000 USD of 2024 in 2022 dollars: x 105/110, then x 105/120 once the index changed.
    assert one["spend"].stated["deflator"] == pytest.approx(105 / 110)
    assert two["spend"].stated["deflator"] == pytest.approx(105 / 120)
    assert one["spend"].stated["share"] == pytest.approx(0.6)
    assert two["spend"].stated["share"] == pytest.approx(0.8)
    # R-410A (AR5: 0.5 x 677 + 0.5 x 3,170 = 1,923.5 kg CO2e/kg): 5 kg, then 6 kg.
    assert one["r410a"].stated["co2e_t"] == pytest.approx(5 * 1.9235)
    assert two["r410a"].stated["co2e_t"] == pytest.approx(6 * 1.9235)
    # 1,000 MWh at the 2023 East China grid factor 0.55 kg/kWh: 550 t; Scope 2.
    grid = one["grid"].stated
    assert (grid["scope"], grid["co2e_t"], grid["co2_t"]) == (2, pytest.approx(550.0), 550.0)
    assert one["leased"].stated["category"] == 8
    assert "co2e_market_t" in grid and "flags" in grid


def test_one_read_of_each_table_however_many_records(
    world: Workspace, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = run_ids(template.parent)
    records = run_records(world, first)
    queries: list[str] = []
    real = world.execute

    def counted(sql: str, params: Any = None) -> Any:
        queries.append(sql)
        return real(sql, params)

    monkeypatch.setattr(world, "execute", counted)
    sample_inputs(world, first, [("grid", 1)])
    one = len(queries)
    queries.clear()
    sample_inputs(world, first, records)
    assert len(records) == 8
    assert len(queries) == one == 6  # run, results, factors, ledger, entities, sites


def test_the_same_record_asked_twice_is_listed_twice_and_none_asked_gives_none(
    world: Workspace, template: Path
) -> None:
    first, _ = run_ids(template.parent)
    twice = sample_inputs(world, first, [("grid", 1), ("grid", 1)])
    assert [s.record_id for s in twice] == ["grid", "grid"] and twice[0] == twice[1]
    assert sample_inputs(world, first, []) == []


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([("nope", 1)], "record nope"),
        # r410a was replaced after the first run: version 2 is not what it calculated.
        ([("r410a", 2)], "record r410a version 2 (it calculated version 1)"),
    ],
)
def test_a_record_the_run_did_not_calculate_is_refused(
    world: Workspace, template: Path, records: list[tuple[str, int]], message: str
) -> None:
    first, _ = run_ids(template.parent)
    with pytest.raises(ZerotrailError) as err:
        sample_inputs(world, first, [("grid", 1), *records])
    assert str(err.value) == f"run {first} did not calculate: {message}"


def test_an_unknown_run_is_refused(world: Workspace) -> None:
    with pytest.raises(ZerotrailError, match="no run run-1999 in the workspace"):
        sample_inputs(world, "run-1999", [("grid", 1)])


def test_a_leaf_missing_from_the_log_is_named(template: Path, tmp_path: Path) -> None:
    first, _ = run_ids(template.parent)
    with open_copy(template, tmp_path) as ws:
        ws.execute(
            "DELETE FROM ledger_leaves WHERE kind = 'factor' AND ref = ?", [f"{GRID_2023}/CO2"]
        )
        ws.execute("DELETE FROM ledger_leaves WHERE kind = 'activity' AND ref = 'diesel'")
        with pytest.raises(ZerotrailError) as err:
            sample_inputs(ws, first, run_records(ws, first))
    assert str(err.value) == (
        f"not in the ledger: activity diesel version 1, factor {GRID_2023}/CO2"
    )


def test_a_deflation_without_its_index_in_the_log_is_refused(
    template: Path, tmp_path: Path
) -> None:
    first, _ = run_ids(template.parent)
    with open_copy(template, tmp_path) as ws:
        ws.execute("DELETE FROM ledger_leaves WHERE kind = 'price_index' AND ref = 'USD:2022'")
        with pytest.raises(ZerotrailError, match="no version of price index USD:2022"):
            sample_inputs(ws, first, [("spend", 1)])


def test_the_same_leaves_on_postgresql(
    world: Workspace, template: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = postgres.create_database(template=request.getfixturevalue("postgres_template"))
    with open_workspace(url) as ws:
        fill(ws, tmp_path)
        pg_runs = run_ids(tmp_path)
        for pg_run, duck_run in zip(pg_runs, run_ids(template.parent), strict=True):
            got = by_record(ws, pg_run)
            want = by_record(world, duck_run)
            assert got.keys() == want.keys()
            for rid, s in got.items():
                assert not_factors(s, pg_run) == not_factors(want[rid], duck_run)
                for kind in ("factor", "gwp"):
                    assert [leaf for leaf in s.leaves if leaf.kind == kind] == [
                        leaf for leaf in want[rid].leaves if leaf.kind == kind
                    ]
                for column, value in want[rid].stated.items():
                    if isinstance(value, float):
                        assert s.stated[column] == pytest.approx(value, rel=1e-12), column
                    else:
                        assert s.stated[column] == value, column
