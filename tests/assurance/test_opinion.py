"""Opinion: each rule, its order, and the wording at each level of assurance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from zerotrail.assurance.materiality import Thresholds
from zerotrail.assurance.opinion import (
    Blocked,
    FindingState,
    FindingStatus,
    Level,
    Opinion,
    OpinionRules,
    ScopeLimitation,
    form_opinion,
)
from zerotrail.assurance.projection import Aggregation, OtherMisstatement, aggregate, project

SUBJECT = "the greenhouse gas statement of Example Ltd for 2025"
CRITERIA = "the GHG Protocol Corporate Standard and ISO 14064-1:2018"


def bad(text: str) -> Any:
    """A value outside a Literal, for the checks that refuse it."""
    return text


# Materiality: 1,000 t overall, 500 t for each scope (performance 750 t and 375 t; clearly
# trivial 50 t and 25 t).
LIMITS = Thresholds(overall_t=1_000, scope1_t=500, scope2_t=500, scope3_t=500)


def misstated(*amounts: tuple[int, float], limits: Thresholds = LIMITS) -> Aggregation:
    """The roll-up of misstatements found outside any sample: (scope, t overstated) pairs."""
    others = [OtherMisstatement(f"F-{n}", scope, t) for n, (scope, t) in enumerate(amounts)]
    return aggregate(project([], others), limits)


def car(
    ref: str = "CAR-1",
    status: FindingStatus = "raised",
    *,
    misstatement: bool = False,
    pervasive: bool = False,
) -> FindingState:
    return FindingState(ref, "CAR", status, misstatement, pervasive)


def opinion(
    agg: Aggregation,
    findings: tuple[FindingState, ...] = (),
    limitation: ScopeLimitation | None = None,
    level: Level = "limited",
    rules: OpinionRules | None = None,
) -> Opinion:
    got = form_opinion(
        agg,
        findings,
        limitation,
        level=level,
        subject=SUBJECT,
        criteria=CRITERIA,
        rules=rules,
    )
    assert isinstance(got, Opinion)
    return got


def test_unmodified_limited_is_negative_form() -> None:
    got = opinion(misstated((1, 100.0)))
    assert got.kind == "unmodified"
    assert got.wording == (
        "Having performed our procedures and considered the evidence obtained, nothing has come "
        f"to our attention that causes us to believe that {SUBJECT} is not prepared, in all "
        f"material respects, in accordance with {CRITERIA}."
    )
    assert got.reasons == (
        "uncorrected misstatements of 100.0 t CO2e overall are below materiality of 1,000.0 t CO2e",
    )


def test_unmodified_reasonable_is_positive_form() -> None:
    got = opinion(misstated(), level="reasonable")
    assert got.kind == "unmodified"
    assert got.wording == (
        f"In our opinion, {SUBJECT} is prepared, in all material respects, in accordance with "
        f"{CRITERIA}."
    )
    assert "nothing has come to our attention" not in got.wording


def test_approaching_performance_materiality_is_noted() -> None:
    # 400 t in scope 2: >= performance 375 t, < materiality 500 t.
    got = opinion(misstated((2, -400.0)))
    assert got.kind == "unmodified"
    assert any("in scope 2" in r and "ISA 450 para 6" in r for r in got.reasons)


@pytest.mark.parametrize(
    ("amount", "kind"),
    [
        (499.0, "unmodified"),  # below scope 1's 500 t
        (500.0, "qualified"),  # reaches 500 t
        (2_499.0, "qualified"),  # scope 1: < 5 x 500 = 2,500; overall: < 5 x 1,000
        (2_500.0, "adverse"),  # scope 1: 5 x 500 = 2,500
    ],
)
def test_misstatement_boundaries(amount: float, kind: str) -> None:
    assert opinion(misstated((1, amount))).kind == kind


def test_gross_not_net_decides() -> None:
    # +300 t in scope 1 and -300 t in scope 3: net 0, gross 600 t >= overall 1,000? No: 600 t
    # overall is below 1,000 t, and each scope's 300 t is below 500 t -> unmodified.
    assert opinion(misstated((1, 300.0), (3, -300.0))).kind == "unmodified"
    # +300 and -300 within scope 1: net 0 but gross 600 t >= 500 t -> qualified.
    got = opinion(misstated((1, 300.0), (1, -300.0)))
    assert got.kind == "qualified"
    assert got.reasons[0].startswith("uncorrected misstatements of 600.0 t CO2e in scope 1")


def test_qualified_wording_by_level() -> None:
    limited = opinion(misstated((1, 600.0)))
    assert limited.kind == "qualified"
    assert ", except for the effects of uncorrected misstatements of 600.0 t CO2e in scope 1" in (
        limited.wording
    )
    assert "nothing has come to our attention" in limited.wording
    reasonable = opinion(misstated((1, 600.0)), level="reasonable")
    assert reasonable.wording.startswith(
        "In our opinion, except for the effects of uncorrected misstatements of 600.0 t CO2e"
    )
    assert f"{SUBJECT} is prepared, in all material respects" in reasonable.wording


def test_open_car_qualifies_and_closed_does_not() -> None:
    got = opinion(misstated(), (car(),))
    assert got.kind == "qualified"
    assert got.reasons == ("the open corrective action request CAR-1 on a non-conformity",)
    assert "except for the effects of the open corrective action request CAR-1" in got.wording
    for status in ("responded", "reopened"):
        assert opinion(misstated(), (car(status=status),)).kind == "qualified"
    assert opinion(misstated(), (car(status="closed"),)).kind == "unmodified"
    on_misstatement = opinion(misstated(), (car(misstatement=True),))
    assert on_misstatement.reasons == (
        "the open corrective action request CAR-1 on a misstatement",
    )


def test_pervasive_open_car_is_adverse() -> None:
    got = opinion(misstated(), (car(pervasive=True),), level="reasonable")
    assert got.kind == "adverse"
    assert got.wording == (
        "In our opinion, because of the significance of the open corrective action request "
        f"CAR-1 on a non-conformity, which is pervasive, {SUBJECT} is not prepared, in all "
        f"material respects, in accordance with {CRITERIA}."
    )
    limited = opinion(misstated(), (car(pervasive=True),))
    assert limited.wording.startswith(
        "Having performed our procedures and considered the evidence obtained, we conclude "
        "that, because of the significance of the open corrective action request CAR-1"
    )
    assert f"{SUBJECT} is not prepared" in limited.wording


def test_adverse_lists_qualifying_matters_after_the_adverse_ones() -> None:
    # Scope 1 6,000 t (adverse, also >= 5 x 1,000 overall), an open CAR (qualifying).
    got = opinion(misstated((1, 6_000.0)), (car(),))
    assert got.kind == "adverse"
    assert "in scope 1" in got.reasons[0]
    assert "overall" in got.reasons[1]
    assert got.reasons[2].startswith("the open corrective action request")
    assert "CAR-1" not in got.wording


def test_far_and_observation_never_modify() -> None:
    findings = (
        FindingState("FAR-1", "FAR", "raised", False, pervasive=True),
        FindingState("OBS-1", "observation", "raised", True, pervasive=True),
    )
    assert opinion(misstated(), findings).kind == "unmodified"


def test_open_clarification_blocks_every_opinion() -> None:
    cl = FindingState("CL-2", "CL", "responded", False)
    limitation = ScopeLimitation(("site records lost",), 5_000, pervasive=True)
    got = form_opinion(
        misstated((1, 9_000.0)),
        (cl, car(pervasive=True)),
        limitation,
        level="reasonable",
        subject=SUBJECT,
        criteria=CRITERIA,
    )
    assert got == Blocked(("clarification request CL-2 is still open",))
    closed = FindingState("CL-2", "CL", "closed", False)
    assert opinion(misstated(), (closed,)).kind == "unmodified"


def test_pervasive_material_limitation_disclaims() -> None:
    limitation = ScopeLimitation(
        ("the fleet operator's fuel records were withheld",), 1_000, pervasive=True
    )
    got = opinion(misstated((1, 9_000.0)), (), limitation)
    # The disclaimer comes before the adverse finding it would otherwise be.
    assert got.kind == "disclaimer"
    assert got.reasons[0] == (
        "the pervasive limitation on the evidence we could obtain (the fleet operator's fuel "
        "records were withheld), covering 1,000.0 t CO2e overall"
    )
    assert len(got.reasons) == 3
    assert got.wording == (
        f"Because of the significance of {got.reasons[0]}, we were unable to obtain "
        "sufficient appropriate evidence on which to base a conclusion. We therefore express "
        f"no conclusion on {SUBJECT}."
    )
    reasonable = opinion(misstated(), (), limitation, level="reasonable")
    assert reasonable.wording.endswith(f"We therefore express no opinion on {SUBJECT}.")


def test_limitation_not_pervasive_or_not_material() -> None:
    reasons = ("no meter readings for site B",)
    # Material, not pervasive: qualified for its possible effects.
    got = opinion(misstated(), (), ScopeLimitation(reasons, 1_000))
    assert got.kind == "qualified"
    assert "except for the possible effects of the limitation" in got.wording
    # Pervasive but below materiality (999 t < 1,000 t): no modification, noted.
    below = opinion(misstated(), (), ScopeLimitation(reasons, 999, pervasive=True))
    assert below.kind == "unmodified"
    assert any("is below materiality" in r for r in below.reasons)
    # A limitation in one scope is judged by that scope's materiality: 500 t >= 500 t.
    scoped = opinion(misstated(), (), ScopeLimitation(reasons, 500, pervasive=True, scope=2))
    assert scoped.kind == "disclaimer"
    assert "covering 500.0 t CO2e in scope 2" in scoped.reasons[0]


def test_qualified_by_both_effects_and_possible_effects() -> None:
    got = opinion(misstated((1, 600.0)), (), ScopeLimitation(("site B",), 1_500), "reasonable")
    assert got.kind == "qualified"
    assert "except for the effects of uncorrected misstatements" in got.wording
    assert " and the possible effects of the limitation" in got.wording
    assert len(got.reasons) == 2


def test_rules_are_configurable() -> None:
    # With adverse at 2 x materiality, 1,000 t in scope 1 (2 x 500 t) is adverse.
    assert opinion(misstated((1, 1_000.0)), rules=OpinionRules(adverse_multiple=2)).kind == (
        "adverse"
    )
    # Qualifying at 1.5 x: 600 t in scope 1 is below 750 t.
    assert opinion(misstated((1, 600.0)), rules=OpinionRules(qualify_multiple=1.5)).kind == (
        "unmodified"
    )
    # A limitation is material from 0.5 x materiality: 500 t of 1,000 t.
    rules = OpinionRules(limitation_multiple=0.5)
    limitation = ScopeLimitation(("site B",), 500, pervasive=True)
    assert opinion(misstated(), (), limitation, rules=rules).kind == "disclaimer"


def test_zero_materiality_scope_qualifies_but_is_not_adverse_alone() -> None:
    # Scope 3 reported 0 t, so its materiality is 0 t: any misstatement there is material,
    # but "5 x 0 t" means nothing, so adverse is left to the overall figure (10 t < 5,000 t).
    limits = Thresholds(overall_t=1_000, scope1_t=500, scope2_t=500, scope3_t=0)
    got = opinion(misstated((3, -10.0), limits=limits))
    assert got.kind == "qualified"
    assert "in scope 3" in got.reasons[0]
    # Nor does a limitation covering 0 t there become material against 0 t.
    empty = ScopeLimitation(("no access to the scope 3 survey",), 0, pervasive=True, scope=3)
    assert opinion(misstated(limits=limits), (), empty).kind == "unmodified"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: OpinionRules(adverse_multiple=0.5), "expected 0 < qualify <= adverse"),
        (lambda: OpinionRules(limitation_multiple=0), "limitation multiple"),
        (lambda: FindingState("X", bad("NCR"), "raised", False), "type 'NCR'"),
        (lambda: FindingState("X", "CAR", bad("open"), False), "status 'open'"),
        (lambda: FindingState("", "CAR", "raised", False), "reference"),
        (lambda: ScopeLimitation((), 10), "at least one reason"),
        (lambda: ScopeLimitation(("r",), -1), "finite figure"),
        (lambda: ScopeLimitation(("r",), 1, scope=5), "scope 5"),
    ],
)
def test_inputs_are_checked(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_level_subject_and_criteria_are_checked() -> None:
    with pytest.raises(ValueError, match="level of assurance"):
        form_opinion(misstated(), level=bad("moderate"), subject=SUBJECT, criteria=CRITERIA)
    with pytest.raises(ValueError, match="must not be empty"):
        form_opinion(misstated(), level="limited", subject=" ", criteria=CRITERIA)
