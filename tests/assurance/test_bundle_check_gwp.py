"""The offline check holds the GWP values a bundle's run committed to the package's own.

The bundle is exported once from the world of tests/pipeline/verification_world.py (2024 under
AR5: diesel and natural gas weighed by CO2 1, CH4 28 and N2O 265, grid electricity by CO2,
R-410A by its composition, spend by CO2e). Its run committed those values with it; each drawn
record's leaves carry the ones its factor's gases were weighed with.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import shutil
from pathlib import Path
from types import MappingProxyType

import pytest

from tests.conftest import Templates, open_copy
from tests.pipeline import verification_world as world
from tests.pipeline.verification_world import ENGAGEMENT
from zerotrail.assurance import bundle as fmt
from zerotrail.pipeline.verification_bundle import check_bundle, export_bundle
from zerotrail.reference import gwp_values as package
from zerotrail.reference.gwp import GasWeights

KEYS = (world.LOG.verifier, [world.WITNESS.verifier])


@pytest.fixture(scope="module")
def exported(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundle-gwp")
    with open_copy(workspace_template(world.sampled_fill), folder) as ws:
        export_bundle(ws, ENGAGEMENT, folder / "bundle")
    return folder / "bundle"


@pytest.fixture
def bundle(exported: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(exported, tmp_path / "bundle"))


def opening(proof: Path) -> dict[str, str | None]:
    """The record a proof opens to (read without verifying it)."""
    extra = next(line for line in proof.read_text().splitlines() if line.startswith("extra "))
    return dict(json.loads(json.loads(base64.b64decode(extra.removeprefix("extra ")))["record"]))


def gwp_files(folder: Path, gas: str | None = None) -> set[str]:
    """The bundle's proofs whose opening is a GWP value (of `gas` when given)."""
    out = set()
    for record in json.loads((folder / fmt.RECORDS_FILE).read_text()).values():
        for name in record["leaves"]:
            o = opening(folder / name)
            if o["kind"] == "gwp" and gas in (None, o["gas"]):
                out.add(name)
    return out


def drop_gwp(folder: Path, records: set[str] | None = None) -> list[str]:
    """Take the GWP values out of the leaves listed for `records` (every drawn one when None);
    returns the records changed."""
    path = folder / fmt.RECORDS_FILE
    data = json.loads(path.read_text())
    gwp = gwp_files(folder)
    changed = []
    for rid, record in data.items():
        if records is None or rid in records:
            kept = [n for n in record["leaves"] if n not in gwp]
            if kept != record["leaves"]:
                changed.append(rid)
            record["leaves"] = kept
    path.write_text(json.dumps(data))
    return changed


def test_as_exported_every_drawn_records_values_are_the_packages(exported: Path) -> None:
    rep = check_bundle(exported, *KEYS)
    assert rep.ok, rep.differences
    # Each value proved in the bundle held once (a value serves many records), all version 1
    # at no methane origin; the fuels' three gases among them.
    given = [opening(exported / name) for name in gwp_files(exported)]
    assert rep.gwp_held == {f"AR5/composition/{o['gas']}/- version 1" for o in given}
    assert {"CO2", "CH4", "N2O"} <= {o["gas"] for o in given}
    assert any(line.startswith(f"{len(rep.gwp_held)} committed GWP values") for line in rep.checked)
    assert not any("GWP" in note for note in rep.notes)
    assert rep.without_gwp == []


def test_a_committed_value_the_package_does_not_give_differs(
    exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The package the check runs on weighs CH4 at 29, as a corrected table would; the run
    # committed 28 (its reference calculation keeps its own, so only the GWP lines differ).
    real = package.gas_weights

    def weights(
        gas: str, set_id: str, rule: str = "composition", origin: str | None = None
    ) -> GasWeights | None:
        w = real(gas, set_id, rule, origin)
        if gas != "CH4" or w is None:
            return w
        return dataclasses.replace(w, co2e=MappingProxyType({**w.co2e, "CH4": 29.0}))

    monkeypatch.setattr(package, "gas_weights", weights)
    rep = check_bundle(exported, *KEYS)
    assert not rep.ok
    line = (
        "GWP of CH4 (AR5, composition blends, CH4 origin none, version 1): co2e_ch4 committed 28,"
        " the package's 29"
    )
    assert rep.differences and all(d.endswith(f": {line}") for d in rep.differences)
    records = json.loads((exported / fmt.RECORDS_FILE).read_text())
    # Every drawn record weighed with methane (fuels, spend) is named, and only those.
    ch4 = gwp_files(exported, "CH4")
    with_ch4 = {rid for rid, r in records.items() if ch4 & set(r["leaves"])}
    assert {d.split(": ", 1)[0] for d in rep.differences} == with_ch4 != set()


def test_a_bundle_without_gwp_values_says_the_recomputation_rests_on_the_packages(
    bundle: Path,
) -> None:
    # As a run calculated before runs committed them gives: no difference, a note.
    changed = drop_gwp(bundle)
    rep = check_bundle(bundle, *KEYS)
    assert rep.ok, rep.differences
    (note,) = [n for n in rep.notes if "GWP" in n]
    assert note.startswith(
        f"{len(changed)} drawn records: the GWP values were not committed by their run"
        " (calculated before runs committed them), so their recomputation rests on the"
        " package's published IPCC values: "
    )
    assert not any("GWP values" in line for line in rep.checked)


def test_one_record_without_the_values_its_run_committed_differs(bundle: Path) -> None:
    records = json.loads((bundle / fmt.RECORDS_FILE).read_text())
    one = next(iter(records))
    assert drop_gwp(bundle, {one}) == [one]
    rep = check_bundle(bundle, *KEYS)
    assert rep.differences == [
        f"{one}: no committed GWP values among its leaves, though its run's are among other"
        " drawn records'"
    ]
    assert not any("GWP" in note for note in rep.notes)
