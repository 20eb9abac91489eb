"""The GWP values a run weighed its records' gases with, stored and committed with the run.

The world is tests/store/sample_world.py: two runs of 2024 under AR5 (blend rule composition),
whose records use factors of five gases, none with a methane origin: CO2, CH4 and N2O (grid
electricity, fuels), CO2e (the spend factor, published as a total) and the blend R-410A.
Under AR5 one kg of CH4 is 28 kg CO2e, N2O 265, and R-410A 0.5 x 677 (HFC-32) + 0.5 x 3,170
(HFC-125) = 1,923.5 (IPCC AR5 WG1 Table 8.A.1; EPA's blend composition).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest

from tests import postgres
from tests.conftest import Templates, open_copy
from tests.store.sample_world import SETTINGS, fill, run_ids
from zerotrail.pipeline.calculation import calculate
from zerotrail.reference import gwp_values as package
from zerotrail.reference.gwp import GasWeights
from zerotrail.reference.gwp_values import NUMBERS, exact_text, gwp_value
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.committed import canonical_of
from zerotrail.store.sample_inputs import sample_inputs
from zerotrail.store.workspace import Workspace, open_workspace

GASES = ["CH4", "CO2", "CO2e", "N2O", "R-410A"]


@pytest.fixture(scope="module")
def template(workspace_template: Templates) -> Path:
    return workspace_template(fill)


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Iterator[Workspace]:
    w = open_copy(template, tmp_path)
    try:
        yield w
    finally:
        w.close()


def stored(ws: Workspace) -> list[tuple[str, int, str]]:
    """(gas, version, run) of every stored value, the origin none throughout this world."""
    rows = ws.fetchall(
        "SELECT gas, ch4_origin, version, run_id FROM gwp_values ORDER BY gas, version"
    )
    assert all(origin is None for _, origin, _, _ in rows)
    return [(str(g), int(v), str(r)) for g, _, v, r in rows]


def leaves(ws: Workspace, *kinds: str) -> list[tuple[str, str, int]]:
    marks = ", ".join("?" for _ in kinds)
    return [
        (str(k), str(r), int(v))
        for k, r, v in ws.fetchall(
            f"SELECT kind, ref, version FROM ledger_leaves WHERE kind IN ({marks}) ORDER BY idx",
            list(kinds),
        )
    ]


def opened(ws: Workspace, gas: str, version: int = 1) -> dict[str, str | None]:
    return dict(json.loads(canonical_of(ws, "gwp", f"AR5/composition/{gas}/-", version)))


def test_a_run_commits_the_values_its_records_were_weighed_with_just_before_its_leaf(
    ws: Workspace, template: Path
) -> None:
    first, second = run_ids(template.parent)
    # Each gas once, by the first run; the second weighed with the same values.
    assert stored(ws) == [(gas, 1, first) for gas in GASES]
    assert leaves(ws, "gwp", "run") == [
        *[("gwp", f"AR5/composition/{gas}/-", 1) for gas in GASES],
        ("run", first, 1),
        ("run", second, 1),
    ]


def test_the_committed_text_is_the_package_value_exactly(ws: Workspace, template: Path) -> None:
    first, _ = run_ids(template.parent)
    for gas in GASES:
        value = gwp_value(gas, "AR5", "composition", None)
        assert value is not None
        assert opened(ws, gas) == {
            "kind": "gwp",
            "gwp_set": "AR5",
            "blend_rule": "composition",
            "gas": gas,
            "ch4_origin": None,
            "version": "1",
            **{n: exact_text(value.numbers[n]) for n in NUMBERS},
            "flags": value.flags,
            "source": value.source,
            "run_id": first,
        }
    ch4, blend, total = opened(ws, "CH4"), opened(ws, "R-410A"), opened(ws, "CO2e")
    assert (ch4["mass_ch4"], ch4["co2e_ch4"], ch4["co2e_co2"]) == ("1", "28", "0")
    # The blend's CO2e by component family (both HFCs), its mass all Kyoto gas.
    assert (blend["mass_hfc"], blend["co2e_hfc"]) == ("1", "1923.5")
    assert (total["co2e_unsplit"], total["mass_co2"]) == ("1", "0")
    assert "IPCC AR5 WG1 (2013) Table 8.A.1" in str(ch4["source"])
    assert "EPA GHG Emission Factors Hub 2024, Table 12" in str(blend["source"])


def test_an_unchanged_value_is_not_committed_again(ws: Workspace) -> None:
    before = leaves(ws, "gwp")
    calculate(ws, SETTINGS)
    assert leaves(ws, "gwp") == before
    assert len(stored(ws)) == len(GASES)


def corrected_ch4(monkeypatch: pytest.MonkeyPatch, gwp: float) -> None:
    """The package's CH4 value as a corrected table would give it, for the values a run
    commits (the calculation's own weighing is left as it is)."""
    real = package.gas_weights

    def weights(
        gas: str, set_id: str, rule: str = "composition", origin: str | None = None
    ) -> GasWeights | None:
        w = real(gas, set_id, rule, origin)
        if gas != "CH4" or w is None:
            return w
        return dataclasses.replace(w, co2e=MappingProxyType({**w.co2e, "CH4": gwp}))

    monkeypatch.setattr(package, "gas_weights", weights)


def test_a_changed_value_is_a_new_version_and_the_old_one_is_kept(
    ws: Workspace, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = run_ids(template.parent)
    corrected_ch4(monkeypatch, 29.0)
    third = calculate(ws, SETTINGS).run_id
    assert stored(ws) == [
        ("CH4", 1, first),
        ("CH4", 2, third),
        *[(gas, 1, first) for gas in GASES[1:]],
    ]
    assert (opened(ws, "CH4", 1)["co2e_ch4"], opened(ws, "CH4", 2)["co2e_ch4"]) == ("28", "29")
    assert leaves(ws, "gwp", "run")[-3:] == [
        ("run", second, 1),
        ("gwp", "AR5/composition/CH4/-", 2),
        ("run", third, 1),
    ]
    # Each run's sample reads the version it weighed with: the latest before its leaf.
    for run, version in ((first, 1), (second, 1), (third, 2)):
        (gas,) = sample_inputs(ws, run, [("gas", 2)])
        assert ("gwp", "AR5/composition/CH4/-", version) in gas.leaves, run
    # The same correction again adds nothing; the table put back is a third version.
    calculate(ws, SETTINGS)
    assert len(stored(ws)) == len(GASES) + 1
    monkeypatch.undo()
    calculate(ws, SETTINGS)
    assert [v for g, v, _ in stored(ws) if g == "CH4"] == [1, 2, 3]
    assert opened(ws, "CH4", 3)["co2e_ch4"] == "28"
    assert audit(ws, LEDGER_TYPES).findings == []


def test_the_audit_recomputes_them_and_names_a_change(ws: Workspace) -> None:
    rep = audit(ws, LEDGER_TYPES)
    assert rep.findings == [] and rep.kinds["gwp"] == len(GASES)
    ws.execute("UPDATE gwp_values SET co2e_ch4 = 25 WHERE gas = 'CH4'")
    ws.execute("DELETE FROM gwp_values WHERE gas = 'N2O'")
    ws.execute(
        "INSERT INTO gwp_values SELECT * REPLACE ('CO2' AS gas, 2 AS version)"
        " FROM gwp_values WHERE gas = 'CO2'"
    )
    leaf = {
        ref: int(idx)
        for ref, idx in ws.fetchall("SELECT ref, idx FROM ledger_leaves WHERE kind = 'gwp'")
    }
    ch4, n2o = leaf["AR5/composition/CH4/-"], leaf["AR5/composition/N2O/-"]
    assert audit(ws, LEDGER_TYPES).findings == [
        f"gwp AR5/composition/CH4/- version 1 (leaf {ch4}): changed since it was committed",
        f"gwp AR5/composition/N2O/- version 1 (leaf {n2o}): deleted from the workspace",
        "gwp AR5/composition/CO2/- version 2: stored without a ledger leaf (inserted)",
    ]


def test_postgresql_commits_the_same_text(
    ws: Workspace, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = postgres.create_database(template=request.getfixturevalue("postgres_template"))
    with open_workspace(url) as pg:
        fill(pg, tmp_path)
        for gas in GASES:
            theirs, ours = opened(pg, gas), opened(ws, gas)
            assert theirs.pop("run_id") != ours.pop("run_id")
            assert theirs == ours, gas
        assert audit(pg, LEDGER_TYPES).findings == []
