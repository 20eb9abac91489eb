"""Refrigerant blends: compositions, composition vs EPA-published GWPs, and coefficients.

Source: EPA GHG Emission Factors Hub 2024, Table 12 (packaged refrigerant_blends.csv); component
GWPs from the packaged gwp.csv (AR5: HFC-32 677, HFC-125 3170, HFC-134a 1300, HFC-152a 138).
"""

from __future__ import annotations

import csv
import io
import math
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.errors import GwpError
from zerotrail.reference.blends import Component, blend, blend_composition, blend_ids
from zerotrail.reference.gwp import (
    GWP_SET_IDS,
    blend_gwp,
    composition_gwp,
    gas_coefficients,
    gwp_set,
)

# EPA flags its own published value for this blend as inconsistent with the composition.
FLAGGED = "R-424A"


def _rows() -> list[dict[str, str]]:
    path = files("zerotrail").joinpath("reference/data/refrigerant_blends.csv")
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


ROWS = _rows()
BLENDS = sorted({r["blend"] for r in ROWS})


def _half_up(x: float) -> int:
    # EPA's table (an Excel workbook) rounds halves away from zero; Python's round() does not.
    return int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_every_blend_in_the_file_is_loaded() -> None:
    assert sorted(blend_ids()) == BLENDS
    assert len(BLENDS) == 30


@pytest.mark.parametrize("blend_id", BLENDS)
def test_mass_fractions_sum_to_one(blend_id: str) -> None:
    from_file = [float(r["mass_fraction"]) for r in ROWS if r["blend"] == blend_id]
    loaded = [c.mass_fraction for c in blend_composition(blend_id)]
    assert loaded == from_file
    assert math.fsum(loaded) == pytest.approx(1.0, abs=1e-12)


def test_components_carry_family_and_kyoto_flag() -> None:
    assert blend_composition("R-402A") == (
        Component("HCFC-22", "HCFC", False, 0.38),
        Component("HFC-125", "HFC", True, 0.60),
        Component("propane", "HC", False, 0.02),
    )
    for blend_id in BLENDS:
        for c in blend_composition(blend_id):
            assert c.kyoto == (c.family in {"HFC", "PFC"})


@pytest.mark.parametrize("blend_id", [b for b in BLENDS if b != FLAGGED])
def test_composition_gwp_rounds_to_epa_published_ar5_value(blend_id: str) -> None:
    # e.g. R-410A: 0.5 × 677 (HFC-32) + 0.5 × 3170 (HFC-125) = 1923.5 → EPA 1924.
    result = blend_gwp(blend_id, "AR5")
    assert result.publisher_value is not None
    assert _half_up(result.composition_value) == result.publisher_value
    assert "blend_publisher_differs" not in result.flags


def test_r424a_published_value_does_not_match_its_composition() -> None:
    # 0.505 × 3170 (HFC-125) + 0.47 × 1300 (HFC-134a) = 1600.85 + 611 = 2211.85, but EPA
    # publishes 3104; the CSV flags it. Keep both and say they differ.
    assert blend(FLAGGED).epa_flag == "inconsistent_with_composition"
    composed = blend_gwp(FLAGGED, "AR5", "composition")
    assert composed.value == pytest.approx(2211.85)
    assert composed.publisher_value == 3104
    assert composed.flags == ("blend_publisher_differs",)
    published = blend_gwp(FLAGGED, "AR5", "publisher")
    assert published.value == 3104
    assert published.rule_used == "publisher"
    assert published.flags == (
        "blend_publisher_differs",
        "blend_publisher_flagged",
        "blend_publisher_value",
    )


def test_publisher_rule_gives_epa_value_under_ar5() -> None:
    result = blend_gwp("R-410A", "AR5", "publisher")
    assert (result.value, result.composition_value, result.flags) == (
        1924,
        1923.5,
        ("blend_publisher_value",),
    )


@pytest.mark.parametrize("set_id", [s for s in GWP_SET_IDS if s != "AR5"])
def test_publisher_rule_is_refused_outside_ar5(set_id: str) -> None:
    with pytest.raises(GwpError, match=f"GWP set {set_id}"):
        blend_gwp("R-410A", set_id, "publisher")
    with pytest.raises(GwpError, match=f"GWP set {set_id}"):
        gas_coefficients("R-410A", set_id, blend_rule="publisher")
    assert blend_gwp("R-410A", set_id).publisher_value is None


def test_r410a_coefficients() -> None:
    # Both components are HFCs: 1 kg of R-410A is 1 kg of HFC.
    # AR5: 0.5 × 677 + 0.5 × 3170 = 1923.5; AR6: 0.5 × 771 + 0.5 × 3740 = 2255.5.
    ar5 = gas_coefficients("R-410A", "AR5")
    assert (ar5.co2e_per_kg, ar5.hfc, ar5.pfc, ar5.non_kyoto_per_kg) == (1923.5, 1.0, 0.0, 0.0)
    assert ar5.flags == ()
    assert gas_coefficients("R-410A", "AR6").co2e_per_kg == 2255.5


def test_hcfc_and_hydrocarbon_mass_is_non_kyoto() -> None:
    # R-401A: 53% HCFC-22 + 34% HCFC-124 (non-Kyoto) + 13% HFC-152a; AR5: 0.13 × 138 = 17.94.
    c = gas_coefficients("R-401A", "AR5")
    assert c.co2e_per_kg == pytest.approx(17.94)
    assert c.hfc == 0.13
    assert c.non_kyoto_per_kg == pytest.approx(0.87)
    # R-406A has no Kyoto component at all.
    none = gas_coefficients("R-406A", "AR6")
    assert (none.co2e_per_kg, none.hfc, none.pfc) == (0.0, 0.0, 0.0)
    assert none.non_kyoto_per_kg == pytest.approx(1.0)


def test_hfc_and_pfc_shares_are_split() -> None:
    # R-508A: 39% HFC-23 + 61% PFC-116; AR5: 0.39 × 12400 + 0.61 × 11100 = 4836 + 6771 = 11607.
    c = gas_coefficients("R-508A", "AR5")
    assert (c.hfc, c.pfc) == (0.39, 0.61)
    assert c.co2e_per_kg == pytest.approx(11607)


def test_ghgp_blend_carries_the_fallback_flag() -> None:
    # The GHG Protocol AR6 table has no separate HFC values: IPCC AR6 values stand in.
    c = gas_coefficients("R-410A", "GHGP_AR6")
    assert c.co2e_per_kg == 2255.5
    assert c.flags == ("gwp_fallback_ar6",)


def test_unknown_blend_and_rule_are_refused() -> None:
    with pytest.raises(GwpError, match="R-999X"):
        blend_composition("R-999X")
    with pytest.raises(GwpError, match="blend rule"):
        blend_gwp("R-410A", "AR5", "average")


@given(blend_id=st.sampled_from(BLENDS), set_id=st.sampled_from(GWP_SET_IDS))
def test_blend_co2e_lies_within_its_kyoto_components(blend_id: str, set_id: str) -> None:
    gwp = gwp_set(set_id)
    kyoto = [c for c in blend_composition(blend_id) if c.kyoto]
    share = math.fsum(c.mass_fraction for c in kyoto)
    co2e = gas_coefficients(blend_id, set_id).co2e_per_kg
    if not kyoto:
        assert co2e == 0.0
        return
    values = [gwp.gwp(c.gas) for c in kyoto]
    assert min(values) * share - 1e-9 <= co2e <= max(values) * share + 1e-9


KYOTO_GASES = sorted(g for g, f in gwp_set("AR5").family.items() if f in {"HFC", "PFC"})


@st.composite
def compositions(draw: st.DrawFn) -> tuple[Component, ...]:
    """Made-up blends: 1-5 HFC/PFC components plus an optional HCFC, fractions summing to 1."""
    gases = draw(st.lists(st.sampled_from(KYOTO_GASES), min_size=1, max_size=5, unique=True))
    with_hcfc = draw(st.booleans())
    weights = draw(
        st.lists(
            st.integers(1, 1000),
            min_size=len(gases) + with_hcfc,
            max_size=len(gases) + with_hcfc,
        )
    )
    total = sum(weights)
    family = gwp_set("AR5").family
    kyoto = zip(gases, weights[: len(gases)], strict=True)
    parts = [Component(g, family[g], True, w / total) for g, w in kyoto]
    if with_hcfc:
        parts.append(Component("HCFC-22", "HCFC", False, weights[-1] / total))
    return tuple(parts)


@given(components=compositions(), set_id=st.sampled_from(["AR5", "AR5_CCFB", "AR6"]))
def test_any_composition_lies_within_its_kyoto_components(
    components: tuple[Component, ...], set_id: str
) -> None:
    gwp = gwp_set(set_id)
    kyoto = [c for c in components if c.kyoto]
    share = math.fsum(c.mass_fraction for c in kyoto)
    values = [gwp.gwp(c.gas) for c in kyoto]
    co2e = composition_gwp(components, gwp)
    assert min(values) * share * (1 - 1e-12) <= co2e <= max(values) * share * (1 + 1e-12)
