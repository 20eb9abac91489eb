"""The calculation's compiled SQL: built once per shape from the engine's expressions, reused.

A plan is kept in the process and in the workspace under the key of everything its SQL depends
on (engine/plan.py `Shape`). These tests show that the same shape finds the kept plan (no second
compile, in a new process or for another year), that any change to the shape gives a new key,
that a plan kept under an old key is never used, and that the kept plan is exactly what the
engine's expressions compile to.

The tests that calculate run on the workspace engines only (`WORKSPACE_ENGINES`): the cache
they exercise is the workspace's (`calculation_plan`, store/compiled_sql.py), the same code for
every engine's plan, and a Spark run keeps its plan there by that code beside the workspace's
own (tests/engines/test_spark.py, `test_ibis_compiles_every_step_for_spark`). On Spark they
would cost seven Spark runs (7-30 s each on the shared machine) to test that same code again.
Spark's plan is compiled and compared here without a Spark session.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import WORKSPACE_ENGINES, Calculate, load, results
from tests.engines.test_known_answers import act
from zerotrail.engine import plan as plans
from zerotrail.engine.settings import InventorySettings
from zerotrail.pipeline import calculation
from zerotrail.pipeline.calculation import calculation_plan
from zerotrail.store.workspace import Workspace

on_workspace_engines = pytest.mark.parametrize("engine", WORKSPACE_ENGINES, indirect=True)

# IPCC AR5: SF6 23,500. 2 kg released in 2023 and 1 kg in 2024 = 47 t and 23.5 t CO2e.
SF6 = [
    act("s23", "fugitive.SF6", 2, "kg", "CN", 2023),
    act("s24", "fugitive.SF6", 1, "kg", "CN", 2024),
]


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the plans compiled during the test."""
    seen: list[str] = []

    def counted(shape: plans.Shape, stored: Any) -> plans.Plan:
        seen.append(shape.key)
        return plans.compile_plan(shape, stored)

    monkeypatch.setattr(calculation, "compile_plan", counted)
    return seen


def stored_keys(ws: Workspace) -> list[str]:
    return [str(r[0]) for r in ws.fetchall("SELECT key FROM compiled_sql ORDER BY key")]


@on_workspace_engines
def test_one_compile_serves_every_year_and_the_next_process(
    workspace: Workspace, engine: str, calculate: Calculate, tmp_path: Path, compiles: list[str]
) -> None:
    load(workspace, tmp_path, activities=SF6)
    plans.forget_plans()  # none kept from earlier tests in this process
    calculate(workspace, InventorySettings(2023))
    calculate(workspace, InventorySettings(2024))
    key = plans.current_shape(engine, workspace.schema_version).key
    assert compiles == [key]  # one plan for both years: the year is a value, not SQL
    assert stored_keys(workspace) == [key]

    plans.forget_plans()  # as a new process would start: only the workspace's copy is left
    calculate(workspace, InventorySettings(2024))
    assert compiles == [key]
    assert results(workspace, 2023)["s23"]["co2e_t"] == pytest.approx(47.0)
    assert results(workspace, 2024)["s24"]["co2e_t"] == pytest.approx(23.5)


def test_the_kept_plan_is_what_the_expressions_compile_to(
    workspace: Workspace, engine: str, tmp_path: Path
) -> None:
    load(workspace, tmp_path, activities=SF6)
    kept = calculation_plan(workspace, engine)  # Spark's compiled by Ibis, kept, no session
    be = workspace.ibis()
    stored = {name: be.table(name).schema() for name in plans.STORED_TABLES}
    fresh = plans.compile_plan(plans.current_shape(engine, workspace.schema_version), stored)
    assert fresh == kept
    assert plans.Plan.from_json(kept.to_json()) == kept


def _changed(shape: plans.Shape) -> dict[str, plans.Shape]:
    inputs = dict(shape.inputs)
    inputs["zt_params"] = (*inputs["zt_params"], ("blend_rule", "VARCHAR"))
    return {
        "engine": dataclasses.replace(
            shape, engine="postgres" if shape.engine != "postgres" else "duckdb"
        ),
        "schema version": dataclasses.replace(shape, schema_version=shape.schema_version + 1),
        "expression source": dataclasses.replace(shape, code="0" * 64),
        "compiler version": dataclasses.replace(shape, libraries=(("sqlglot", "0.0.1"),)),
        "run inputs": dataclasses.replace(shape, inputs=tuple(inputs.items())),
    }


def test_every_change_of_shape_changes_the_key(engine: str) -> None:
    shape = plans.current_shape(engine, 11)
    assert plans.current_shape(engine, 11).key == shape.key  # stable for the same shape
    keys = {what: other.key for what, other in _changed(shape).items()}
    assert shape.key not in keys.values()
    assert len(set(keys.values())) == len(keys)


def test_an_edit_to_the_expressions_changes_the_code_digest(tmp_path: Path) -> None:
    source = Path(plans.__file__).with_name("emissions.py")
    copy = tmp_path / "emissions.py"
    text = source.read_text()
    copy.write_text(text)
    assert plans.code_digest((copy,)) == plans.code_digest((source,))
    # The same file with one coefficient's expression changed (tonnes from kg by 1,000).
    copy.write_text(text.replace("/ 1000.0", "/ 1000.5", 1))
    assert plans.code_digest((copy,)) != plans.code_digest((source,))


@on_workspace_engines
def test_a_plan_kept_under_an_old_key_is_never_used(
    workspace: Workspace,
    engine: str,
    calculate: Calculate,
    tmp_path: Path,
    compiles: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load(workspace, tmp_path, activities=SF6)
    calculate(workspace, InventorySettings(2023))
    old_key = stored_keys(workspace)[0]
    # Make the kept plan fail loudly if it were ever run again.
    broken = dataclasses.replace(
        plans.Plan.from_json(
            str(workspace.scalar("SELECT plan FROM compiled_sql WHERE key = ?", [old_key]))
        ),
        steps=(plans.Step(plans.CALCULATED, "SELECT * FROM no_such_table"),),
    )
    _overwrite(workspace, old_key, broken.to_json(), fix_digest=True)

    # The engine's expressions are edited: this code's shape, and so its key, is another one.
    edited = dataclasses.replace(
        plans.current_shape(engine, workspace.schema_version), code="1" * 64
    )
    monkeypatch.setattr(calculation, "current_shape", lambda e, v: edited)
    plans.forget_plans()
    calculate(workspace, InventorySettings(2024))
    assert compiles[-1:] == [edited.key]
    assert stored_keys(workspace) == [edited.key]  # the old shape's plan is dropped
    assert results(workspace, 2024)["s24"]["co2e_t"] == pytest.approx(23.5)


@on_workspace_engines
def test_an_altered_plan_text_is_ignored_and_replaced(
    workspace: Workspace, calculate: Calculate, tmp_path: Path, compiles: list[str]
) -> None:
    load(workspace, tmp_path, activities=SF6)
    calculate(workspace, InventorySettings(2023))
    key = stored_keys(workspace)[0]
    text = str(workspace.scalar("SELECT plan FROM compiled_sql WHERE key = ?", [key]))
    altered = text.replace("zt_calc", "zt_calk")
    assert altered != text
    _overwrite(workspace, key, altered, fix_digest=False)

    plans.forget_plans()
    before = len(compiles)
    calculate(workspace, InventorySettings(2024))
    assert compiles[before:] == [key]  # compiled again rather than trusting the altered text
    assert workspace.scalar("SELECT plan FROM compiled_sql WHERE key = ?", [key]) == text
    assert results(workspace, 2024)["s24"]["co2e_t"] == pytest.approx(23.5)


def _overwrite(ws: Workspace, key: str, text: str, *, fix_digest: bool) -> None:
    import hashlib

    if fix_digest:
        ws.execute(
            "UPDATE compiled_sql SET plan = ?, plan_sha256 = ? WHERE key = ?",
            [text, hashlib.sha256(text.encode()).hexdigest(), key],
        )
    else:
        ws.execute("UPDATE compiled_sql SET plan = ? WHERE key = ?", [text, key])
