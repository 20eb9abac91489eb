"""Projection: a sample worked by hand, the roll-up against materiality, and its properties."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.assurance.materiality import Thresholds, parse_materiality, thresholds
from zerotrail.assurance.projection import (
    KEY_METHOD,
    OTHER_METHOD,
    SAMPLED_METHOD,
    OtherMisstatement,
    SampleItem,
    aggregate,
    project,
)

S1 = "scope1:stationary"
S3 = "scope3:cat1"

# The worked sample. Stratum scope1:stationary has sampling interval 500 t:
#   K1  key item  900 t stated, 850 t audited: 50 t overstated, taken in full (not projected)
#   A1  sampled   100 t stated,  80 t audited: tainting (100 - 80) / 100 = 0.2,
#                 projected 0.2 x 500 = 100 t (known 20 t + projected part 80 t)
#   A2  sampled   250 t stated, 250 t audited: no misstatement
#   A3  sampled    40 t stated,  50 t audited: tainting (40 - 50) / 40 = -0.25,
#                 projected -0.25 x 500 = -125 t (known -10 t + projected part -115 t)
# Stratum scope3:cat1 has interval 2,000 t:
#   B1  sampled   400 t stated, 240 t audited: tainting 160 / 400 = 0.4, 0.4 x 2,000 = 800 t
#                 (known 160 t + projected part 640 t)
#   B2  sampled     1 t stated, 0.99 t audited: tainting 0.01, 0.01 x 2,000 = 20 t
#                 (known 0.01 t + projected part 19.99 t)
# Found outside the sample, scope 2: F-1 30 t overstated, F-2 2 t overstated.
ITEMS = (
    SampleItem("K1", S1, 1, True, 900, 850, 500),
    SampleItem("A1", S1, 1, False, 100, 80, 500),
    SampleItem("A2", S1, 1, False, 250, 250, 500),
    SampleItem("A3", S1, 1, False, 40, 50, 500),
    SampleItem("B1", S3, 3, False, 400, 240, 2_000),
    SampleItem("B2", S3, 3, False, 1, 0.99, 2_000),
)
OTHERS = (OtherMisstatement("F-1", 2, 30, ("R-77",)), OtherMisstatement("F-2", 2, 2))

# Materiality: totals 10,000 / 4,000 / 20,000 t, overall 5 % of 34,000 = 1,700 t (performance
# 1,275 t, clearly trivial 85 t); scope 1 2 % of 10,000 = 200 t (150 t, 10 t); scope 2 5 % of
# 4,000 = 200 t (150 t, 10 t); scope 3 5 % of 20,000 = 1,000 t (750 t, 50 t).
THRESHOLDS = thresholds(
    parse_materiality("5%"),
    {1: parse_materiality("2%")},
    {1: 10_000, 2: 4_000, 3: 20_000},
)


def test_items_worked_by_hand() -> None:
    parts = {part.ref: part for part in project(ITEMS, OTHERS).contributions}
    assert parts["K1"].kind == "key"
    assert (parts["K1"].known_t, parts["K1"].projected_t, parts["K1"].total_t) == (50, 0, 50)
    assert parts["K1"].tainting is None
    assert parts["K1"].method == KEY_METHOD
    assert parts["A1"].tainting == pytest.approx(0.2)
    assert parts["A1"].known_t == pytest.approx(20)
    assert parts["A1"].projected_t == pytest.approx(80)
    assert parts["A1"].total_t == pytest.approx(100)
    assert parts["A1"].method == SAMPLED_METHOD
    assert parts["A2"].total_t == 0
    assert parts["A3"].tainting == pytest.approx(-0.25)
    assert parts["A3"].total_t == pytest.approx(-125)
    assert parts["A3"].projected_t == pytest.approx(-115)
    assert parts["B1"].total_t == pytest.approx(800)
    assert parts["B2"].total_t == pytest.approx(20)
    assert parts["B2"].known_t == pytest.approx(0.01)
    assert parts["F-1"].kind == "other"
    assert (parts["F-1"].known_t, parts["F-1"].projected_t, parts["F-1"].total_t) == (30, 0, 30)
    assert parts["F-1"].method == OTHER_METHOD


def test_strata_worked_by_hand() -> None:
    projection = project(ITEMS, OTHERS)
    one, three = projection.strata
    assert (one.stratum, one.scope, one.interval_t) == (S1, 1, 500)
    assert (one.tested, one.key_items, one.misstated) == (4, 1, 3)
    # known 50 + 20 + 0 - 10 = 60; projected part 0 + 80 + 0 - 115 = -35
    # net = key items' actual + projections = 50 + 100 + 0 - 125 = 25 = 60 - 35
    # gross = 50 + 100 + 0 + 125 = 275
    assert one.known_t == pytest.approx(60)
    assert one.projected_t == pytest.approx(-35)
    assert one.net_t == pytest.approx(25)
    assert one.gross_t == pytest.approx(275)
    # known 160 + 0.01 = 160.01; projected part 640 + 19.99 = 659.99; net = gross = 820
    assert (three.stratum, three.tested, three.key_items, three.misstated) == (S3, 2, 0, 2)
    assert three.known_t == pytest.approx(160.01)
    assert three.projected_t == pytest.approx(659.99)
    assert three.net_t == pytest.approx(820)
    assert three.gross_t == pytest.approx(820)
    assert "tainting × interval" in one.method
    assert "ISA 530" in projection.method


def test_aggregation_against_materiality() -> None:
    agg = aggregate(project(ITEMS, OTHERS), THRESHOLDS)
    # Scope 1 (clearly trivial below min(10, 85) = 10 t): 50, 100 and -125 are all kept.
    # gross 275 >= materiality 200: material.
    one = agg.scope(1)
    assert one.known_t == pytest.approx(60)
    assert one.projected_t == pytest.approx(-35)
    assert one.net_t == pytest.approx(25)
    assert one.gross_t == pytest.approx(275)
    assert (one.misstatements, one.trivial_count) == (3, 0)
    assert one.materiality_t == pytest.approx(200)
    assert one.performance_t == pytest.approx(150)
    assert one.flag == "material"
    # Scope 2: F-1 30 t kept; F-2 2 t < 10 t is clearly trivial: counted, not accumulated.
    two = agg.scope(2)
    assert (two.known_t, two.projected_t, two.net_t, two.gross_t) == (30, 0, 30, 30)
    assert (two.misstatements, two.trivial_count, two.trivial_gross_t) == (1, 1, 2)
    assert two.flag == "below"
    # Scope 3 (clearly trivial below min(50, 85) = 50 t): B1 800 t kept; B2 projects to
    # 20 t < 50 t, trivial. gross 800 >= performance 750 but < 1,000: approaching.
    three = agg.scope(3)
    assert three.gross_t == pytest.approx(800)
    assert three.known_t == pytest.approx(160)
    assert three.projected_t == pytest.approx(640)
    assert (three.misstatements, three.trivial_count) == (1, 1)
    assert three.trivial_gross_t == pytest.approx(20)
    assert three.flag == "approaching"
    # Overall: known 60 + 30 + 160 = 250; projected -35 + 640 = 605; net 855;
    # gross 275 + 30 + 800 = 1,105 < performance 1,275: below. Trivial: F-2 and B2.
    overall = agg.overall
    assert overall.scope is None
    assert overall.known_t == pytest.approx(250)
    assert overall.projected_t == pytest.approx(605)
    assert overall.net_t == pytest.approx(855)
    assert overall.gross_t == pytest.approx(1_105)
    assert (overall.misstatements, overall.trivial_count) == (5, 2)
    assert overall.trivial_gross_t == pytest.approx(22)
    assert overall.flag == "below"
    assert agg.rollups == (*agg.scopes, agg.overall)
    assert "clearly-trivial" in overall.method


def test_small_difference_that_projects_large_is_not_trivial() -> None:
    # 5 t found on a 50 t item (below scope 1's clearly-trivial 10 t), but tainting
    # 5 / 50 = 0.1 projects to 0.1 x 500 = 50 t, which is what is compared: kept.
    item = SampleItem("C1", S1, 1, False, 50, 45, 500)
    rollup = aggregate(project([item]), THRESHOLDS).scope(1)
    assert (rollup.trivial_count, rollup.misstatements) == (0, 1)
    assert rollup.gross_t == pytest.approx(50)


def test_trivial_limit_is_the_lower_of_scope_and_overall() -> None:
    # Scope 3 clearly trivial is 0.05 x 1,000 = 50 t, overall 0.05 x 100 = 5 t: a 20 t
    # misstatement is not trivial for the whole, so it is accumulated.
    small_overall = Thresholds(100, 1_000, 1_000, 1_000)
    rollup = aggregate(project([], [OtherMisstatement("F", 3, -20)]), small_overall).scope(3)
    assert (rollup.trivial_count, rollup.net_t, rollup.gross_t) == (0, -20, 20)


def test_flag_boundaries() -> None:
    limits = Thresholds(1_000, 200, 200, 200)
    for amount, flag in [(149.0, "below"), (150.0, "approaching"), (200.0, "material")]:
        rollup = aggregate(project([], [OtherMisstatement("F", 1, -amount)]), limits).scope(1)
        assert rollup.flag == flag, amount
    # A scope whose materiality is 0 t is material only once something is misstated.
    empty = Thresholds(1_000, 0, 200, 200)
    assert aggregate(project([]), empty).scope(1).flag == "below"
    assert aggregate(project([], [OtherMisstatement("F", 1, 1)]), empty).scope(1).flag == (
        "material"
    )


def test_key_item_below_interval_is_taken_in_full() -> None:
    # Picked individually (say, for risk) although 300 t < 500 t: 300 - 270 = 30 t, no projection.
    item = SampleItem("K2", S1, 1, True, 300, 270, 500)
    (part,) = project([item]).contributions
    assert (part.known_t, part.projected_t, part.total_t) == (30, 0, 30)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SampleItem("X", S1, 1, False, 500, 400, 500), "must be a key item"),
        (lambda: SampleItem("X", S1, 1, False, 0, 0, 500), "0 t stated"),
        (lambda: SampleItem("X", S1, 1, False, 10, 8, math.inf), "finite sampling interval"),
        (lambda: SampleItem("X", S1, 1, True, 10, 8, 0), "sampling interval"),
        (lambda: SampleItem("X", S1, 1, True, math.nan, 8, 500), "stated"),
        (lambda: SampleItem("X", S1, 1, True, 10, -1, 500), "audited"),
        (lambda: SampleItem("X", S1, 4, True, 10, 8, 500), "scope 4"),
        (lambda: SampleItem("", S1, 1, True, 10, 8, 500), "must not be empty"),
        (lambda: OtherMisstatement("F", 2, math.inf), "finite"),
        (lambda: OtherMisstatement("", 2, 1), "must not be empty"),
    ],
)
def test_inputs_are_checked(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_project_refuses_double_counting() -> None:
    item = SampleItem("A1", S1, 1, False, 100, 80, 500)
    with pytest.raises(ValueError, match="tested twice"):
        project([item, item])
    with pytest.raises(ValueError, match="count it twice"):
        project([item], [OtherMisstatement("F-9", 1, 5, ("A1",))])


def test_project_refuses_a_stratum_with_two_intervals() -> None:
    items = [
        SampleItem("A1", S1, 1, False, 100, 80, 500),
        SampleItem("A2", S1, 1, False, 100, 80, 400),
    ]
    with pytest.raises(ValueError, match="disagree"):
        project(items)


def test_nothing_found_projects_nothing() -> None:
    agg = aggregate(project([]), THRESHOLDS)
    assert all(r.gross_t == 0 and r.misstatements == 0 for r in agg.rollups)
    assert all(r.flag == "below" for r in agg.rollups)


# Property tests: a sample as (stratum, key?, share of the interval, audited / stated) rows.
_rows = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.booleans(),
        st.floats(0.001, 0.999),
        st.floats(0.0, 3.0),
    ),
    max_size=25,
)
_intervals = st.tuples(*(st.floats(1.0, 1e6) for _ in range(3)))


def _sample(
    rows: list[tuple[int, bool, float, float]],
    intervals: tuple[float, ...],
    scale: float = 1.0,
    *,
    exact: bool = False,
) -> list[SampleItem]:
    items = []
    for n, (stratum, key, share, ratio) in enumerate(rows):
        interval = intervals[stratum]
        book = interval * (1 + share) if key else interval * share
        audited = book if exact else book * ratio
        items.append(
            SampleItem(
                f"R{n}",
                f"scope{stratum + 1}:s",
                stratum + 1,
                key,
                book * scale,
                audited * scale,
                interval * scale,
            )
        )
    return items


@given(_rows, _intervals)
def test_property_no_misstatement_projects_zero(
    rows: list[tuple[int, bool, float, float]], intervals: tuple[float, ...]
) -> None:
    projection = project(_sample(rows, intervals, exact=True))
    assert all(part.total_t == 0 and part.known_t == 0 for part in projection.contributions)
    assert all(s.net_t == 0 and s.gross_t == 0 for s in projection.strata)
    agg = aggregate(projection, THRESHOLDS)
    assert all(r.gross_t == 0 and r.flag == "below" for r in agg.rollups)


@given(_rows, _intervals, st.floats(0.001, 1_000.0))
def test_property_scaling_amounts_scales_the_projection(
    rows: list[tuple[int, bool, float, float]], intervals: tuple[float, ...], k: float
) -> None:
    base = project(_sample(rows, intervals))
    scaled = project(_sample(rows, intervals, scale=k))
    for a, b in zip(base.contributions, scaled.contributions, strict=True):
        assert b.total_t == pytest.approx(a.total_t * k, rel=1e-9, abs=1e-9)
        assert b.known_t == pytest.approx(a.known_t * k, rel=1e-9, abs=1e-9)
        # Tainting is a ratio: scaling leaves it alone.
        if a.tainting is not None:
            assert b.tainting == pytest.approx(a.tainting, rel=1e-9, abs=1e-12)
    for a_s, b_s in zip(base.strata, scaled.strata, strict=True):
        # Net can cancel to near zero, so its rounding is measured against the gross.
        slack = 1e-9 * (b_s.gross_t + 1)
        assert b_s.gross_t == pytest.approx(a_s.gross_t * k, rel=1e-9)
        assert abs(b_s.net_t - a_s.net_t * k) <= slack
        # known + projected = net, whatever the scale.
        assert abs(b_s.known_t + b_s.projected_t - b_s.net_t) <= slack
