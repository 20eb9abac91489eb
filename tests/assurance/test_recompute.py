"""A sampled record's figures recomputed from the openings of its leaves alone agree with what
its run states, and a changed input shows as a difference.

The world is tests/store/sample_world.py (two runs of 2024, equity share, AR5). The openings are
the canonical texts the ledger commits, read from the workspace as a proof's opening carries
them (`pipeline.ledger.canonical_for`); the recomputation sees nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Templates, open_copy
from tests.store.sample_world import PINNED, fill, run_ids, run_records
from zerotrail.assurance.recompute import Recomputed, compare, recompute, run_settings
from zerotrail.errors import VerificationError
from zerotrail.pipeline.ledger import canonical_for
from zerotrail.store.sample_inputs import SampleInputs, sample_inputs
from zerotrail.store.workspace import Workspace

GRID_2023 = "cn-mee-grid:2023.regional-average.cn-east"
GRID_2022 = PINNED


@pytest.fixture(scope="module")
def template(workspace_template: Templates) -> Path:
    return workspace_template(fill)


@pytest.fixture(scope="module")
def world(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = open_copy(template, tmp_path_factory.mktemp("recompute"))
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture(scope="module")
def first(world: Workspace, template: Path) -> dict[str, SampleInputs]:
    run_id = run_ids(template.parent)[0]
    return {s.record_id: s for s in sample_inputs(world, run_id, run_records(world, run_id))}


def openings(ws: Workspace, s: SampleInputs) -> list[bytes]:
    return [canonical_for(ws, leaf.kind)(leaf.ref, leaf.version) for leaf in s.leaves]


def settings_of(ws: Workspace, s: SampleInputs) -> dict[str, str]:
    (run,) = [leaf for leaf in s.leaves if leaf.kind == "run"]
    return run_settings(canonical_for(ws, "run")(run.ref, 1))


def again(ws: Workspace, s: SampleInputs, texts: list[bytes] | None = None) -> Recomputed:
    return recompute(openings(ws, s) if texts is None else texts, settings_of(ws, s), s.record_id)


def edited(text: bytes, **fields: str | None) -> bytes:
    """The canonical text with `fields` changed, still canonical."""
    obj = json.loads(text) | fields
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def kind_of(text: bytes) -> str:
    return str(json.loads(text)["kind"])


def test_every_record_of_both_runs_recomputes_to_its_stated_figures(
    world: Workspace, template: Path
) -> None:
    seen = set()
    for run_id in run_ids(template.parent):
        for s in sample_inputs(world, run_id, run_records(world, run_id)):
            got = again(world, s)
            assert got.reason is None, (run_id, s.record_id, got.reason)
            assert compare(got, s.stated) == [], (run_id, s.record_id)
            assert got.co2e_t == pytest.approx(s.stated["co2e_t"], rel=1e-9, abs=0)
            assert got.co2e_market_t is None  # not recomputed from a sample
            seen.add((got.scope, got.category, got.method, got.deflator is not None))
    # Fuel (Scope 1), refrigerant (Scope 1, mass balance), grid electricity (Scope 2), leased
    # electricity (Scope 3 cat. 8) and deflated spend (Scope 3 cat. 1) were all among them.
    assert {
        (1, None, "fuel-based", False),
        (1, None, "mass-balance", False),
        (2, None, "location-based", False),
        (3, 8, "location-based", False),
        (3, 1, "spend-based", True),
    } <= seen


def test_known_answers_from_the_openings(world: Workspace, first: dict[str, SampleInputs]) -> None:
    # R-410A = 50 % HFC-32 + 50 % HFC-125, AR5 0.5 x 677 + 0.5 x 3,170 = 1,923.5 kg CO2e/kg:
    # 5 kg released at HZ = 9.6175 t, all HFC.
    r = again(world, first["r410a"])
    assert (r.scope, r.method) == (1, "mass-balance")
    assert r.co2e_t == pytest.approx(9.6175)
    assert r.gases["hfc_t"] == pytest.approx(0.005) and r.gases["co2_t"] == 0.0
    assert r.flags == {"site_region_used"}  # the record says CN, its site CN-EAST
    # 1,000 MWh at HZ (CN-EAST) in 2024, no 2024 edition: the 2023 regional factor 0.55 kg
    # CO2/kWh (MEE/NBS) = 550 t, flagged as another year's edition.
    r = again(world, first["grid"])
    assert (r.scope, r.factor_id, r.co2e_t) == (2, GRID_2023, pytest.approx(550.0))
    assert r.flags == {"edition_year_mismatch"}
    # 1,000 USD of computers in 2024 at SUB (60 %), USEEIO v1.3 per 2022 USD, AR5: CO2 0.049
    # + CH4 0.000203 x 28 + N2O 7.77e-06 x 265 + fluorinated 0.00161869744 = 0.05836174744 kg
    # CO2e; deflated by 105 / 110: 1,000 x 105 / 110 x 0.05836174744 x 0.6 / 1,000 t.
    r = again(world, first["spend"])
    assert r.deflator == pytest.approx(105 / 110)
    assert r.co2e_t == pytest.approx(1000 * 105 / 110 * 0.05836174744 * 0.6 / 1000)
    assert (r.scope, r.category, r.share) == (3, 1, 0.6)
    # 100 GJ of natural gas on a gross basis against IPCC's net factor (56,100 kg CO2 + 1 kg
    # CH4 x 28 + 0.1 kg N2O x 265 per TJ): 100 GJ x 0.90 = 0.09 TJ x 56,154.5 kg = 5.053905 t.
    r = again(world, first["gas_hhv"])
    assert r.co2e_t == pytest.approx(5.053905)
    assert {"heat_basis_converted", "global_factor", "unverified_factor"} == r.flags


def test_the_market_based_flag_is_not_compared(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    # The leased data centre's grid record has no US residual mix: its stated flags carry
    # residual_mix_missing, which a sample cannot recompute (it concerns the market figure).
    s = first["leased"]
    assert "residual_mix_missing" in str(s.stated["flags"])
    r = again(world, s)
    assert r.flags == {"leased_asset_scope3"}
    assert compare(r, s.stated) == []


def test_a_changed_factor_value_is_reported(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    # The grid factor 0.55 -> 0.60 kg CO2/kWh: 1,000 MWh gives 600 t, not the stated 550 t.
    s = first["grid"]
    texts = [
        edited(t, value="0.600000000", value_exact="0.59999999999999998")
        if kind_of(t) == "factor"
        else t
        for t in openings(world, s)
    ]
    assert compare(again(world, s, texts), s.stated) == [
        "co2e_t: stated 550.0, recomputed 600.0",
        "co2_t: stated 550.0, recomputed 600.0",
        "co2e_co2_t: stated 550.0, recomputed 600.0",
    ]


def test_a_stated_figure_off_by_more_than_the_tolerance_is_reported(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    s = first["gas"]
    r = again(world, s)
    stated = dict(s.stated, co2e_t=s.stated["co2e_t"] * (1 + 1e-8), scope=2, flags="spans_years")
    assert compare(r, stated) == [
        "scope: stated 2, recomputed 1",
        f"co2e_t: stated {stated['co2e_t']!r}, recomputed {r.co2e_t!r}",
        "flags: stated only spans_years; recomputed only none",
    ]
    within = dict(s.stated, co2e_t=s.stated["co2e_t"] * (1 + 1e-10))
    assert compare(r, within) == []


def test_a_factor_the_run_did_not_choose_among_the_openings_changes_nothing(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    # The 2022 edition ranks after the 2023 one for a 2024 record (the nearest earlier edition
    # wins): given both, the recomputation still takes the run's.
    s = first["grid"]
    older = canonical_for(world, "factor")(f"{GRID_2022}/CO2", 1)
    r = again(world, s, [*openings(world, s), older])
    assert r.factor_id == GRID_2023 and compare(r, s.stated) == []


def without(texts: list[bytes], kind: str, ref_field: str, ref: str) -> list[bytes]:
    return [t for t in texts if not (kind_of(t) == kind and json.loads(t)[ref_field] == ref)]


@pytest.mark.parametrize(
    ("record", "kind", "field", "ref", "reason"),
    [
        ("spend", "entity", "entity", "E", "no opening of entity E (the parent of SUB)"),
        ("spend", "entity", "entity", "SUB", "no opening of entity SUB (the record's)"),
        ("grid", "site", "site", "HZ", "no opening of site HZ, the record's site"),
        ("grid", "factor", "factor_id", GRID_2023, "no factor row among the openings"),
        ("grid", "activity", "record_id", "grid", "no opening of activity grid"),
    ],
)
def test_an_input_the_openings_lack_is_the_reason(
    world: Workspace,
    first: dict[str, SampleInputs],
    record: str,
    kind: str,
    field: str,
    ref: str,
    reason: str,
) -> None:
    s = first[record]
    r = again(world, s, without(openings(world, s), kind, field, ref))
    assert (r.reason, r.co2e_t, r.scope) == (reason, None, None)
    assert compare(r, s.stated) == [f"record {record}: not recomputed: {reason}"]


def test_a_factor_that_does_not_fit_the_record_is_the_reason(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    grid = canonical_for(world, "factor")(f"{GRID_2023}/CO2", 1)
    s = first["r410a"]  # a refrigerant record given only a grid factor
    texts = [*without(openings(world, s), "factor", "gas", "R-410A"), grid]
    assert again(world, s, texts).reason == (
        f"none of the factors given ({GRID_2023}) fits its key fugitive.R-410A, unit kg and"
        " region CN (another key or region, a unit that does not convert, a heating-value basis"
        " without a conversion, or a gas the GWP set cannot weigh)"
    )
    s = first["pinned"]
    texts = [*without(openings(world, s), "factor", "factor_id", PINNED), grid]
    assert again(world, s, texts).reason == (
        f"its pinned factor {PINNED} is not among the openings (given: {GRID_2023})"
    )


def test_a_missing_price_index_shows_as_an_undeflated_spend(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    s = first["spend"]
    texts = without(openings(world, s), "price_index", "currency", "USD")
    r = again(world, s, texts)
    assert r.deflator is None and r.flags == {"spend_not_deflated"}
    diffs = compare(r, s.stated)
    assert diffs[0].startswith("co2e_t: stated 0.0334") and "deflator: stated 0.954" in " ".join(
        diffs
    )
    assert diffs[-1] == "flags: stated only none; recomputed only spend_not_deflated"


def test_a_record_of_another_year_is_not_recomputed(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    s = first["grid"]
    texts = [
        edited(t, period_start="2023-06-01") if kind_of(t) == "activity" else t
        for t in openings(world, s)
    ]
    assert (
        again(world, s, texts).reason == "activity grid starts in 2023, not in the run's year 2024"
    )


def test_settings_must_be_the_runs(world: Workspace, first: dict[str, SampleInputs]) -> None:
    s = first["grid"]
    texts = openings(world, s)
    run_id = next(leaf.ref for leaf in s.leaves if leaf.kind == "run")
    with pytest.raises(VerificationError) as err:
        recompute(texts, dict(settings_of(world, s), gwp_set="AR6"), "grid")
    assert str(err.value) == f"settings are not run {run_id}'s: gwp_set AR6 given, AR5 committed"
    no_run = [t for t in texts if kind_of(t) != "run"]
    with pytest.raises(VerificationError, match="settings lack blend_rule"):
        recompute(
            no_run, {"year": "2024", "gwp_set": "AR5", "consolidation": "equity_share"}, "grid"
        )
    with pytest.raises(VerificationError, match="consolidation 'control' is not one of"):
        recompute(no_run, dict(settings_of(world, s), consolidation="control"), "grid")
    with pytest.raises(VerificationError, match="refused the settings"):
        recompute(no_run, dict(settings_of(world, s), gwp_set="AR99"), "grid")
    # Without the run's opening, the settings given are the run's as far as it can tell.
    assert compare(recompute(no_run, settings_of(world, s), "grid"), s.stated) == []


def test_run_settings_reads_a_runs_opening_only(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    s = first["grid"]
    run_id = next(leaf.ref for leaf in s.leaves if leaf.kind == "run")
    assert run_settings(canonical_for(world, "run")(run_id, 1)) == {
        "year": "2024",
        "gwp_set": "AR5",
        "consolidation": "equity_share",
        "blend_rule": "composition",
    }
    with pytest.raises(VerificationError, match="expected the opening of a run, not of a site"):
        run_settings(canonical_for(world, "site")("HZ", 1))


def malformed(activity: bytes) -> dict[str, bytes]:
    text = activity.decode()
    return {
        "not JSON": b"{",
        "spaced": text.replace(",", ", ", 1).encode(),
        "a key twice": text.replace("{", '{"activity":"x",', 1).encode(),
        "a number": text.replace('"version":"1"', '"version":1').encode(),
        "another kind": edited(activity, kind="run_results"),
        "a field missing": json.dumps(
            {k: v for k, v in json.loads(activity).items() if k != "quantity"},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode(),
        "a bad date": edited(activity, period_start="2024-1-1"),
        "a quantity of other precision": edited(activity, quantity="1000.5"),
        "a null record id": edited(activity, record_id=None),
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not JSON", "an opening is not canonical JSON"),
        ("spaced", "an opening is not in canonical form"),
        ("a key twice", "an opening is not in canonical form"),
        ("a number", "an opening is not a JSON object of strings and nulls"),
        ("another kind", "an opening of kind 'run_results' is not an input"),
        ("a field missing", "an opening of kind activity lacks quantity"),
        ("a bad date", "an opening of kind activity: period_start is '2024-1-1', not a date"),
        (
            "a quantity of other precision",
            "an opening of kind activity: quantity is '1000.5', not a decimal with 9 places",
        ),
        ("a null record id", "an opening of kind activity: record_id null"),
    ],
)
def test_a_malformed_opening_is_refused(
    world: Workspace, first: dict[str, SampleInputs], case: str, message: str
) -> None:
    s = first["grid"]
    texts = openings(world, s)
    bad = [malformed(t)[case] if kind_of(t) == "activity" else t for t in texts]
    with pytest.raises(VerificationError, match=message):
        again(world, s, bad)


def test_a_factor_whose_exact_value_is_not_its_value_is_refused(
    world: Workspace, first: dict[str, SampleInputs]
) -> None:
    s = first["grid"]
    texts = [
        edited(t, value_exact="0.6") if kind_of(t) == "factor" else t for t in openings(world, s)
    ]
    with pytest.raises(VerificationError, match=r"value_exact 0\.6 does not give value 0\.55"):
        again(world, s, texts)


def test_two_versions_of_one_record_are_refused_the_same_one_twice_is_not(
    world: Workspace, template: Path, first: dict[str, SampleInputs]
) -> None:
    s = first["spend"]
    texts = openings(world, s)
    assert compare(again(world, s, texts + texts), s.stated) == []
    later_sub = canonical_for(world, "entity")("SUB", 2)  # 80 % from the second run on
    with pytest.raises(VerificationError, match="two different openings of entity SUB"):
        again(world, s, [*texts, later_sub])
