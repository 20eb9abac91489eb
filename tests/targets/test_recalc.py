"""Base-year recalculation: thresholds, accumulation, ignored events and the Figures arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.errors import TargetError
from zerotrail.targets.recalc import (
    EVENT_KINDS,
    STRUCTURAL,
    Event,
    Figures,
    boundary_categories,
    decide,
)
from zerotrail.targets.roadmap import ALL_CATEGORIES, Boundary, Policy

# Base year: Scope 1+2 = 10,000 + 10,000 = 20,000 t under both Scope 2 methods, so 1% of it is
# 200 t; Scope 3 = 30,000 + 10,000 = 40,000 t, so 1% of it is 400 t.
BASE = Figures(10_000, 10_000, 10_000, {1: 30_000, 6: 10_000})
POLICY = Policy(threshold_pct=5.0, cumulative=True)
NOT_CUMULATIVE = Policy(threshold_pct=5.0, cumulative=False)


def s1(tonnes: float) -> Figures:
    return Figures(scope1=tonnes)


def test_exactly_the_threshold_triggers() -> None:
    # 1,000 / 20,000 * 100 = 5.0% >= 5%
    d = decide(BASE, [Event("acq", "acquisition", s1(1_000))], POLICY)
    assert d.recalculate
    assert d.single == {"acq": pytest.approx(5.0)}
    assert d.applied == ("acq",)
    assert "5%" in d.reason and "threshold" in d.reason


def test_just_below_the_threshold_does_not() -> None:
    # 998 / 20,000 * 100 = 4.99% < 5%
    d = decide(BASE, [Event("acq", "acquisition", s1(998))], POLICY)
    assert not d.recalculate
    assert d.significance["scope1+2"] == pytest.approx(4.99)
    assert d.applied == ()
    assert d.new_figures is None
    assert "4.99%" in d.reason and "stay pending" in d.reason


def test_reason_never_rounds_below_threshold_up_to_it() -> None:
    # 999.9 / 20,000 * 100 = 4.9995% (4.99949999... in floats), which two decimals would show
    # as "5%"; three decimals already differ from the threshold: "4.999%"
    d = decide(BASE, [Event("acq", "acquisition", s1(999.9))], POLICY)
    assert not d.recalculate
    assert "by 4.999%" in d.reason


def test_scope3_threshold() -> None:
    # Category 1 grows 2,000 t: 2,000 / 40,000 * 100 = 5% of Scope 3
    effect = Figures(scope3={1: 2_000})
    d = decide(BASE, [Event("m", "methodology", effect)], POLICY)
    assert d.recalculate
    assert d.significance == {"scope1+2": 0.0, "scope3": pytest.approx(5.0)}


def test_scope12_takes_the_larger_method() -> None:
    base = Figures(10_000, 10_000, 5_000)
    # Location: 600 / (10,000 + 10,000) = 3%; market: 600 / (10,000 + 5,000) = 4%
    # -> 4%, below 5%. With 800 t market-based: 800 / 15,000 = 5.33% -> triggers.
    d = decide(base, [Event("f", "factor_change", Figures(0, 600, 600))], POLICY)
    assert d.significance["scope1+2"] == pytest.approx(4.0)
    assert not d.recalculate
    d = decide(base, [Event("f", "factor_change", Figures(0, 0, 800))], POLICY)
    assert d.significance["scope1+2"] == pytest.approx(800 / 15_000 * 100)
    assert d.recalculate


def test_cumulative_two_three_percent_events() -> None:
    # Each 600 / 20,000 = 3%; together 1,200 / 20,000 = 6% >= 5%
    events = [
        Event("a", "acquisition", s1(600)),
        Event("b", "error", s1(600)),
    ]
    d = decide(BASE, events, POLICY)
    assert d.recalculate
    assert d.single == {"a": pytest.approx(3.0), "b": pytest.approx(3.0)}
    assert d.significance["scope1+2"] == pytest.approx(6.0)
    assert d.applied == ("a", "b")
    assert "no single event" in d.reason
    # Without accumulation neither 3% event counts alone: they stay pending.
    d = decide(BASE, events, NOT_CUMULATIVE)
    assert not d.recalculate
    assert d.significance["scope1+2"] == pytest.approx(6.0)
    assert "does not accumulate" in d.reason


def test_opposite_events_cancel() -> None:
    # +600 and -600: each 3%, together 0 / 20,000 = 0%
    events = [
        Event("buy", "acquisition", s1(600)),
        Event("sell", "divestment", s1(-600)),
    ]
    d = decide(BASE, events, POLICY)
    assert not d.recalculate
    assert d.significance["scope1+2"] == 0.0


def test_significant_event_triggers_even_when_cancelled() -> None:
    # +1,200 (6%) alone reaches 5%; the -1,200 divestment is applied with it, so the
    # restated figures equal the base: 10,000 + 1,200 - 1,200 = 10,000.
    events = [
        Event("buy", "acquisition", s1(1_200)),
        Event("sell", "divestment", s1(-1_200)),
    ]
    d = decide(BASE, events, NOT_CUMULATIVE)
    assert d.recalculate
    assert d.new_figures == BASE
    assert "event buy alone" in d.reason


def test_organic_never_triggers() -> None:
    # 10,000 / 20,000 = 50%, but organic growth is never a reason to recalculate
    d = decide(BASE, [Event("grow", "organic", s1(10_000))], POLICY)
    assert not d.recalculate
    assert d.ignored == (("grow", "organic growth or decline never triggers a recalculation"),)
    assert d.single == {}
    assert d.significance == {"scope1+2": 0.0, "scope3": 0.0}


def test_acquisition_not_in_base_year_ignored() -> None:
    # 4,000 / 20,000 = 20%, but the facility was built after the base year
    events = [Event("new", "acquisition", s1(4_000), in_base_year=False)]
    d = decide(BASE, events, POLICY)
    assert not d.recalculate
    assert d.ignored == (("new", "the facility did not exist in the base year"),)
    assert "none of the 1 pending" in d.reason


def test_in_base_year_flag_only_concerns_structural_events() -> None:
    # An error in the base-year data counts whatever the flag says: 1,000 / 20,000 = 5%
    d = decide(BASE, [Event("e", "error", s1(1_000), in_base_year=False)], POLICY)
    assert d.recalculate


def test_ignored_events_are_not_applied() -> None:
    # 1,000 t acquisition (5%) triggers; the organic 5,000 t is not applied:
    # scope1 = 10,000 + 1,000 = 11,000
    events = [Event("acq", "acquisition", s1(1_000)), Event("grow", "organic", s1(5_000))]
    d = decide(BASE, events, POLICY)
    assert d.applied == ("acq",)
    assert d.new_figures is not None
    assert d.new_figures.scope1 == 11_000


def test_acquisition_consolidated_by_equity_share() -> None:
    # Acquiree: 2,000 t Scope 1 held 60% under equity share -> 2,000 * 0.6 = 1,200 t;
    # 1,200 / 20,000 * 100 = 6% >= 5%
    acquiree = Figures(scope1=2_000)
    effect = acquiree.scaled(0.6)
    assert effect.scope1 == pytest.approx(1_200)
    d = decide(BASE, [Event("acq", "acquisition", effect)], POLICY)
    assert d.recalculate
    assert d.single["acq"] == pytest.approx(6.0)
    assert d.new_figures is not None
    # 10,000 + 1,200 = 11,200
    assert d.new_figures.scope1 == pytest.approx(11_200)


def test_new_figures_arithmetic() -> None:
    events = [
        # Acquisition: +1,000 t S1, +500 t S2 location, +300 t S2 market, +2,000 t cat 1
        Event("acq", "acquisition", Figures(1_000, 500, 300, {1: 2_000})),
        # Divestment: -400 t S1, -100 t S2 both methods, -1,000 t cat 6, -50 t cat 7
        Event("div", "divestment", Figures(-400, -100, -100, {6: -1_000, 7: -50})),
    ]
    d = decide(BASE, events, POLICY)
    assert d.recalculate
    # S1: 10,000 + 1,000 - 400 = 10,600; S2 loc: 10,000 + 500 - 100 = 10,400;
    # S2 market: 10,000 + 300 - 100 = 10,200; cat 1: 30,000 + 2,000 = 32,000;
    # cat 6: 10,000 - 1,000 = 9,000; cat 7: 0 - 50 = -50
    assert d.new_figures == Figures(10_600, 10_400, 10_200, {1: 32_000, 6: 9_000, 7: -50})
    # Significance of the sum: S1+2 location (600 + 400) / 20,000 = 5%;
    # market (600 + 200) / 20,000 = 4% -> 5%. Scope 3: (2,000 - 1,050) / 40,000 = 2.375%
    assert d.significance["scope1+2"] == pytest.approx(5.0)
    assert d.significance["scope3"] == pytest.approx(2.375)


def test_zero_base_group_any_change_is_significant() -> None:
    base = Figures(10_000, 10_000, 10_000)  # no Scope 3 in the base year
    d = decide(base, [Event("m", "methodology", Figures(scope3={4: 1.0}))], POLICY)
    assert d.recalculate
    assert d.single["m"] == math.inf
    assert d.significance["scope3"] == math.inf


def test_no_events() -> None:
    d = decide(BASE, [], POLICY)
    assert not d.recalculate
    assert d.reason == "No recalculation: there are no pending events."


def test_duplicate_event_ids_rejected() -> None:
    with pytest.raises(TargetError, match="distinct"):
        decide(BASE, [Event("a", "error", s1(1)), Event("a", "error", s1(2))], POLICY)


def test_event_kinds() -> None:
    assert STRUCTURAL == ("acquisition", "divestment", "insourcing", "outsourcing")
    assert set(STRUCTURAL) < set(EVENT_KINDS)
    with pytest.raises(TargetError, match="event kind"):
        Event("x", "merger", s1(1))


def test_figures_methods() -> None:
    f = Figures(100, 80, 60, {1: 10, 3: 5})
    # location: 100 + 80 = 180; market: 100 + 60 = 160; Scope 3: 10 + 5 = 15
    assert f.scope12("location") == 180
    assert f.scope12("market") == 160
    assert f.scope3_total == 15
    with pytest.raises(TargetError, match="Scope 2 method"):
        f.scope12("average")
    # scaled by 0.5: 50, 40, 30, {1: 5, 3: 2.5}
    assert f.scaled(0.5) == Figures(50, 40, 30, {1: 5, 3: 2.5})
    # plus: 100 + 1 = 101, 80 + 2 = 82, 60 + 3 = 63, cat 1: 10 + 4 = 14, cat 3: 5, cat 9: 6
    assert f.plus(Figures(1, 2, 3, {1: 4, 9: 6})) == Figures(101, 82, 63, {1: 14, 3: 5, 9: 6})


def test_figures_reject_bad_values() -> None:
    with pytest.raises(TargetError, match="categories"):
        Figures(scope3={16: 1.0})
    with pytest.raises(TargetError, match="finite"):
        Figures(scope1=math.nan)
    with pytest.raises(TargetError, match="finite"):
        Figures(scope3={1: math.inf})


def test_figures_are_a_copy() -> None:
    cats = {1: 10.0}
    f = Figures(scope3=cats)
    cats[1] = 99.0
    assert f.scope3[1] == 10.0


def test_boundary_total() -> None:
    f = Figures(100, 80, 60, {1: 10, 6: 5, 7: 2})
    # Scope 1 + Scope 2 market: 100 + 60 = 160
    assert f.boundary_total(Boundary((1, 2))) == 160
    # Scope 1 + Scope 2 location: 100 + 80 = 180
    assert f.boundary_total(Boundary((1, 2), "location")) == 180
    # All Scope 3 (default categories): 10 + 5 + 2 = 17
    assert f.boundary_total(Boundary((3,), "market", ALL_CATEGORIES)) == 17
    assert f.boundary_total(Boundary((3,))) == 17
    # Scope 3 categories 1 and 7 only: 10 + 2 = 12
    assert f.boundary_total(Boundary((3,), "market", (1, 7))) == 12
    # Scope 1+2 with business travel (category 6) joining: 100 + 60 + 5 = 165
    assert f.boundary_total(Boundary((1, 2), "market", (6,))) == 165
    assert boundary_categories(Boundary((1, 2))) == ()


def test_to_json_is_stable_and_numeric_order() -> None:
    f = Figures(1, 2, 3, {10: 1.5, 2: 2.5, 1: 0})
    assert f.to_json() == (
        '{"scope1":1.0,"scope2_location":2.0,"scope2_market":3.0,'
        '"scope3":{"1":0.0,"2":2.5,"10":1.5}}'
    )


def test_from_json_rejects_bad_text() -> None:
    with pytest.raises(TargetError, match="keys"):
        Figures.from_json('{"scope1": 1}')
    with pytest.raises(TargetError, match="category"):
        Figures.from_json('{"scope1":0,"scope2_location":0,"scope2_market":0,"scope3":{"x":1}}')


finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@given(finite, finite, finite, st.dictionaries(st.integers(1, 15), finite, max_size=15))
def test_figures_json_round_trip(a: float, b: float, c: float, cats: dict[int, float]) -> None:
    f = Figures(a, b, c, cats)
    text = f.to_json()
    back = Figures.from_json(text)
    assert back == f
    assert back.to_json() == text
