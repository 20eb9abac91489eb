"""The target register: versions, refusals, withdrawal, and a ledger leaf for every version."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.common import committed
from tests.targets.conftest import ABSOLUTE, roadmap_file
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.pipeline.roadmap import (
    add_targets,
    list_targets,
    recalculation_policy,
    target_history,
    withdraw_target,
)
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.workspace import Workspace
from zerotrail.targets.roadmap import Policy, read_roadmap

leaves = committed


def test_add_is_idempotent_and_changes_need_replace_and_reason(
    world: Workspace, tmp_path: Path
) -> None:
    rm = read_roadmap(roadmap_file(tmp_path, ABSOLUTE + "\n[recalculation]\nthreshold_pct = 4\n"))
    rep = add_targets(world, rm, "roadmap.toml")
    assert rep.added == ("S12",) and recalculation_policy(world) == Policy(4.0, True)
    assert add_targets(world, rm, "roadmap.toml").unchanged == ("S12",)
    changed = read_roadmap(roadmap_file(tmp_path, ABSOLUTE.replace("= 30", "= 35"), "b.toml"))
    with pytest.raises(DataError) as exc:
        add_targets(world, changed, "b.toml")
    assert "target S12 already exists (version 1)" in str(exc.value.problems[0])
    with pytest.raises(ZerotrailError, match="needs a reason"):
        add_targets(world, changed, "b.toml", replace=True)
    assert add_targets(world, changed, "b.toml", replace=True, reason="board raised it").changed
    versions = target_history(world, "S12")
    assert [(v.version, v.target.reduction_pct, v.reason) for v in versions] == [
        (1, 30.0, "added"),
        (2, 35.0, "board raised it"),
    ]
    assert leaves(world, "target") == [("S12", 1), ("S12", 2)]
    assert audit(world, LEDGER_TYPES).ok


def test_withdrawn_targets_leave_the_active_list_but_keep_their_history(
    world: Workspace, tmp_path: Path
) -> None:
    add_targets(world, read_roadmap(roadmap_file(tmp_path, ABSOLUTE)), "roadmap.toml")
    assert withdraw_target(world, "S12", "replaced by a 1.5C target") == 2
    assert list_targets(world) == []
    assert [v.status for v in target_history(world, "S12")] == ["active", "withdrawn"]
    with pytest.raises(ZerotrailError, match="withdrawn"):
        withdraw_target(world, "S12", "again")
    assert leaves(world, "target") == [("S12", 1), ("S12", 2)]


def test_a_target_changed_in_the_database_is_found_by_the_audit(
    world: Workspace, tmp_path: Path
) -> None:
    add_targets(world, read_roadmap(roadmap_file(tmp_path, ABSOLUTE)), "roadmap.toml")
    world.execute("UPDATE targets SET definition = replace(definition, '30', '10')")
    (finding,) = audit(world, LEDGER_TYPES).findings
    assert finding.startswith("target S12 version 1 (leaf ")
    assert finding.endswith("): changed since it was committed")


def test_set_year_defaults_to_the_year_added(world: Workspace, tmp_path: Path) -> None:
    text = ABSOLUTE.replace("set_year = 2021\n", "")
    add_targets(world, read_roadmap(roadmap_file(tmp_path, text)), "roadmap.toml")
    (st,) = list_targets(world)
    assert st.target.set_year is None and st.set_year == st.added_at.year
