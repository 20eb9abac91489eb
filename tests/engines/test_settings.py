"""Inventory settings that must be refused, and the blend rule choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engines.conftest import Calculate, load, results
from tests.engines.test_known_answers import act
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import GwpError, ZerotrailError
from zerotrail.store.workspace import Workspace


def test_one_gwp_set_per_inventory(
    workspace: Workspace, calculate: Calculate, tmp_path: Path
) -> None:
    load(
        workspace,
        tmp_path,
        activities=[
            act("s1", "fugitive.SF6", 1, "kg", "CN", 2023),
            act("s2", "fugitive.SF6", 1, "kg", "CN", 2024),
        ],
    )
    calculate(workspace, InventorySettings(2023, "AR5"))
    with pytest.raises(GwpError, match="one GWP set"):
        calculate(workspace, InventorySettings(2024, "AR6"))
    calculate(workspace, InventorySettings(2024, "AR5"))  # the same set is fine
    assert results(workspace, 2024)["s2"]["gwp_set"] == "AR5"


def test_blend_rule_publisher_uses_epa_rounded_values(
    workspace: Workspace, calculate: Calculate, tmp_path: Path
) -> None:
    # R-424A: composition under AR5 gives 2,211.85 kg CO2e/kg; EPA publishes 3,104 (its own
    # table does not follow from the composition). 1 kg each way.
    load(workspace, tmp_path, activities=[act("r1", "fugitive.R-424A", 1, "kg", "CN")])
    calculate(workspace, InventorySettings(2024, "AR5", blend_rule="publisher"))
    assert results(workspace, 2024)["r1"]["co2e_t"] == pytest.approx(3.104)
    assert "blend_publisher_value" in results(workspace, 2024)["r1"]["flags"]
    calculate(workspace, InventorySettings(2024, "AR5", blend_rule="composition"))
    assert results(workspace, 2024)["r1"]["co2e_t"] == pytest.approx(2.21185, rel=1e-4)


def test_publisher_rule_only_with_ar5(workspace: Workspace, calculate: Calculate) -> None:
    with pytest.raises(GwpError, match="AR5"):
        calculate(workspace, InventorySettings(2024, "AR6", blend_rule="publisher"))


def test_unknown_approach(workspace: Workspace, calculate: Calculate) -> None:
    with pytest.raises(ZerotrailError, match="consolidation approach"):
        calculate(workspace, InventorySettings(2024, "AR5", approach="vibes"))
