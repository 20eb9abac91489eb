"""A sampled record's committed GWP values held to the package's own (`gwp_held`).

The world is tests/store/sample_world.py (two runs of 2024, AR5, blend rule composition; no
record names a methane origin). Its first run committed the values of CO2 (1), CH4 (28), N2O
(265), CO2e (unsplit) and R-410A (1,923.5, IPCC AR5 WG1 Table 8.A.1 by EPA's composition); the
openings are the canonical texts the ledger commits, as a proof's opening carries them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Templates, open_copy
from tests.store.sample_world import fill, run_ids, run_records
from zerotrail.assurance.recompute import GwpHeld, gwp_held, recompute, run_settings
from zerotrail.errors import VerificationError
from zerotrail.pipeline.ledger import canonical_for
from zerotrail.store.sample_inputs import SampleInputs, sample_inputs
from zerotrail.store.workspace import Workspace

CH4 = "AR5/composition/CH4/-"
NAMED = "GWP of CH4 (AR5, composition blends, CH4 origin none, version 1)"


@pytest.fixture(scope="module")
def world(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Workspace, Path]]:
    template = workspace_template(fill)
    ws = open_copy(template, tmp_path_factory.mktemp("recompute-gwp"))
    try:
        yield ws, template
    finally:
        ws.close()


@pytest.fixture(scope="module")
def gas(world: tuple[Workspace, Path]) -> tuple[list[bytes], dict[str, str]]:
    """The openings of record `gas` (natural gas in therms: CO2, CH4 and N2O) and its run's
    settings."""
    ws, template = world
    (s,) = sample_inputs(ws, run_ids(template.parent)[0], [("gas", 2)])
    return openings(ws, s), settings(ws, s)


def openings(ws: Workspace, s: SampleInputs) -> list[bytes]:
    return [canonical_for(ws, leaf.kind)(leaf.ref, leaf.version) for leaf in s.leaves]


def settings(ws: Workspace, s: SampleInputs) -> dict[str, str]:
    (run,) = [leaf for leaf in s.leaves if leaf.kind == "run"]
    return run_settings(canonical_for(ws, "run")(run.ref, 1))


def edited(texts: list[bytes], ref: str, **fields: str | None) -> list[bytes]:
    """The openings with the GWP value `ref`'s fields changed, each still canonical."""
    out = []
    for text in texts:
        obj = json.loads(text)
        if obj["kind"] == "gwp" and ref.endswith(f"/{obj['gas']}/-"):
            obj |= fields
            text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            text = text.encode()
        out.append(text)
    return out


def without_gwp(texts: list[bytes], *gases: str) -> list[bytes]:
    """The openings without the GWP values of `gases` (all of them when none is named)."""
    return [
        t
        for t in texts
        if json.loads(t)["kind"] != "gwp" or (gases and json.loads(t)["gas"] not in gases)
    ]


def test_every_record_of_both_runs_holds_its_values_to_the_package(
    world: tuple[Workspace, Path],
) -> None:
    ws, template = world
    for run_id in run_ids(template.parent):
        for s in sample_inputs(ws, run_id, run_records(ws, run_id)):
            got = gwp_held(openings(ws, s), settings(ws, s), s.record_id)
            refs = [f"{leaf.ref} version {leaf.version}" for leaf in s.leaves if leaf.kind == "gwp"]
            assert got == GwpHeld(tuple(sorted(refs)), (), True), (run_id, s.record_id)


def test_a_committed_value_that_is_not_the_packages_is_named_with_both_values(
    gas: tuple[list[bytes], dict[str, str]],
) -> None:
    texts, run = gas
    got = gwp_held(edited(texts, CH4, co2e_ch4="25"), run, "gas")
    assert got.differences == (f"{NAMED}: co2e_ch4 committed 25, the package's 28",)
    # Exactly: one unit in the last place of CO2's 1 kg CO2e per kg is a difference.
    got = gwp_held(
        edited(texts, "AR5/composition/CO2/-", co2e_co2="1.0000000000000002"), run, "gas"
    )
    assert got.differences == (
        "GWP of CO2 (AR5, composition blends, CH4 origin none, version 1): co2e_co2 committed"
        " 1.0000000000000002, the package's 1",
    )
    got = gwp_held(edited(texts, CH4, flags="gwp_unverified", mass_n2o="0.5"), run, "gas")
    assert got.differences == (
        f"{NAMED}: mass_n2o committed 0.5, the package's 0",
        f"{NAMED}: flags committed gwp_unverified, the package's none",
    )


def test_a_value_the_record_needs_missing_or_of_another_key_is_a_difference(
    gas: tuple[list[bytes], dict[str, str]],
) -> None:
    texts, run = gas
    got = gwp_held(without_gwp(texts, "N2O"), run, "gas")
    assert got.committed and len(got.held) == 2
    assert got.differences == (
        "GWP of N2O: no committed value among the openings (AR5/composition/N2O/-)",
    )
    # CH4 under AR6 (27.9 there): not the run's set, so not the value it was weighed with.
    got = gwp_held(edited(texts, CH4, gwp_set="AR6", co2e_ch4="27.9"), run, "gas")
    assert got.differences == (
        "GWP value AR6/composition/CH4/-: not one the record weighs a gas of its factor with"
        " (those are under AR5, composition blends, CH4 origin none)",
        f"GWP of CH4: no committed value among the openings ({CH4})",
    )


def test_a_record_whose_run_committed_none_is_no_difference_and_still_recomputes(
    gas: tuple[list[bytes], dict[str, str]],
) -> None:
    texts, run = gas
    assert gwp_held(without_gwp(texts), run, "gas") == GwpHeld((), (), False)
    assert recompute(without_gwp(texts), run, "gas") == recompute(texts, run, "gas")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"co2e_ch4": "twenty-eight"}, "co2e_ch4 is 'twenty-eight', not a finite number"),
        ({"co2e_ch4": "inf"}, "co2e_ch4 is 'inf', not a finite number"),
        ({"flags": None}, "an opening of kind gwp: flags null"),
        ({"version": "one"}, "version is 'one', not an integer"),
    ],
)
def test_a_malformed_gwp_opening_is_refused(
    gas: tuple[list[bytes], dict[str, str]], fields: dict[str, str | None], message: str
) -> None:
    texts, run = gas
    with pytest.raises(VerificationError, match=message):
        gwp_held(edited(texts, CH4, **fields), run, "gas")
