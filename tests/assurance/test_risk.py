"""Inherent risk per stratum and MUS sample sizes (zerotrail.assurance.risk)."""

from __future__ import annotations

import math

import pytest

from zerotrail.assurance.risk import (
    ASSURANCE_LEVELS,
    DEFAULT_CONFIDENCE,
    PROXY_FLAGS,
    RISK_LEVELS,
    Item,
    assess,
    is_complex,
    plan,
    stratum_of,
)
from zerotrail.model.flags import RESULT_FLAGS

SPEND = "scope3:cat1"
METERED = "scope1:stationary_combustion"


def spend(rid: str, t: float, approved: bool = False) -> Item:
    # A spend-based purchase at the method's default data quality (engine/settings.py: 4.0).
    return Item(rid, 1, SPEND, 3, t, "spend-based", 4.0, "", approved)


def metered(rid: str, t: float, flags: str = "") -> Item:
    # Metered fuel through an approved submission, at fuel-based data quality (1.0).
    return Item(rid, 1, METERED, 1, t, "fuel-based", 1.0, flags, True)


def test_stratum_names_follow_scope_and_family_or_category() -> None:
    assert stratum_of(1, None, "stationary_combustion.natural_gas") == METERED
    assert stratum_of(2, None, "electricity.grid") == "scope2:electricity"
    assert stratum_of(3, 1, "spend.office_supplies") == SPEND
    # A leased site's electricity is reported in Scope 3 category 8: stratified there.
    assert stratum_of(3, 8, "electricity.grid") == "scope3:cat8"
    with pytest.raises(ValueError, match="category 1 to 15"):
        stratum_of(3, None, "spend.office_supplies")
    with pytest.raises(ValueError, match="not a well-formed activity key"):
        stratum_of(1, None, "nonsense.x")
    with pytest.raises(ValueError, match="scope must be 1, 2 or 3"):
        stratum_of(4, None, "stationary_combustion.natural_gas")


def test_hand_worked_sample_size_reasonable_and_limited() -> None:
    # 120 spend-based records of 100 t: 12,000 t, the whole population, unapproved -> every
    # factor scores 3 (size 100 %, mean DQ 4.0, complex 100 %, approved 0 %) -> high risk.
    # Reasonable, high: confidence 95 %, RF = -ln(0.05) = 2.9957; performance materiality
    # 600 t -> J = 600 / 2.9957 = 200.28 t; n = ceil(12,000 / 200.28) = ceil(59.91) = 60.
    items = [spend(f"p{i}", 100.0) for i in range(120)]
    (p,) = plan(items, "reasonable", {3: 600.0})
    assert p.risk.level == "high"
    assert p.confidence == 0.95
    assert p.reliability_factor == pytest.approx(2.995732, abs=1e-6)
    assert p.interval_t == pytest.approx(200.2849, abs=1e-4)
    assert p.size == 60
    assert p.formula == "n = ceil(12000.0 t / (600.0 t / 2.996)) = 60"
    # Limited, high: confidence 80 %, RF = -ln(0.2) = 1.6094 -> J = 372.80 t;
    # n = ceil(12,000 / 372.80) = ceil(32.19) = 33: less evidence for limited assurance.
    (lim,) = plan(items, "limited", {3: 600.0})
    assert (lim.confidence, lim.size) == (0.80, 33)
    assert lim.interval_t == pytest.approx(372.8010, abs=1e-4)


def test_spend_based_category_is_high_risk_and_metered_fuel_low() -> None:
    # Two strata of 12,000 t each: both carry 50 % of the total (size 3).
    # Spend: DQ 4.0 (3), all complex (3), none approved (3): 12 -> high.
    # Metered: DQ 1.0 (1), nothing complex (1), all approved (1): 6 -> low.
    items = [spend(f"p{i}", 100.0) for i in range(120)]
    items += [metered(f"m{i}", 1000.0) for i in range(12)]
    fuel, purchases = assess(items)
    assert fuel.stratum == METERED and purchases.stratum == SPEND
    assert purchases.factors == {"size": 3, "data_quality": 3, "complexity": 3, "control": 3}
    assert purchases.level == "high"
    assert fuel.factors == {"size": 3, "data_quality": 1, "complexity": 1, "control": 1}
    assert fuel.level == "low"
    assert (fuel.share, fuel.mean_dq, fuel.complex_share, fuel.approved_share) == (
        0.5,
        1.0,
        0.0,
        1.0,
    )
    assert purchases.reasons[0].startswith("size high: 50 % of the inventory's t CO2e")
    assert "mean score 4.0" in purchases.reasons[1]
    assert purchases.reasons[2].startswith("complexity high: 100 % of its t CO2e")
    assert purchases.reasons[3].startswith("control high: 0 % of its t CO2e")
    # Same materiality, so the sample follows the risk: 95 % for spend, 80 % for fuel.
    p_fuel, p_spend = plan(items, "reasonable", {1: 600.0, 3: 600.0})
    assert (p_fuel.confidence, p_spend.confidence) == (0.80, 0.95)
    assert p_fuel.size < p_spend.size


def test_shares_are_by_tonnes_and_the_sum_sets_the_level() -> None:
    # Capital goods at average data: 600 t approved, 390 t not, and 10 t on an unverified
    # factor, not approved, with DQ 1.0. Shares and the mean DQ weigh tonnes, not records:
    # complex 10 / 1000 = 1 % (low), approved 600 / 1000 = 60 % (medium),
    # mean DQ (990 x 3.0 + 10 x 1.0) / 1000 = 2.98 (medium; by records it would be 2.33).
    cat2 = [
        Item("c1", 1, "scope3:cat2", 3, 600.0, "average-data", 3.0, "", True),
        Item("c2", 1, "scope3:cat2", 3, 390.0, "average-data", 3.0, "", False),
        Item("c3", 1, "scope3:cat2", 3, 10.0, "average-data", 1.0, "unverified_factor", False),
    ]
    fuel = [metered(f"m{i}", 1000.0) for i in range(20)]
    # With 20,000 t of fuel: 1,000 of 21,000 t is 4.8 % (size low): 1 + 2 + 1 + 2 = 6 -> low.
    (risk,) = [r for r in assess(cat2 + fuel) if r.stratum == "scope3:cat2"]
    assert risk.share == pytest.approx(1000 / 21000)
    assert risk.mean_dq == pytest.approx(2.98)
    assert risk.complex_share == pytest.approx(0.01)
    assert risk.approved_share == pytest.approx(0.6)
    assert risk.factors == {"size": 1, "data_quality": 2, "complexity": 1, "control": 2}
    assert risk.level == "low"
    # With 10,000 t of fuel: 1,000 of 11,000 t is 9.1 % (size medium): 7 -> medium.
    (risk,) = [r for r in assess(cat2 + fuel[:10]) if r.stratum == "scope3:cat2"]
    assert risk.factors["size"] == 2 and risk.level == "medium"
    # Ten spend records of 1,000 t, six approved, beside 20,000 t of fuel: 33 % (3), DQ 4.0
    # (3), all complex (3), 60 % approved (2): 11 -> high.
    spent = [
        Item(f"s{i}", 1, "scope3:cat2", 3, 1000.0, "spend-based", 4.0, "", i < 6) for i in range(10)
    ]
    (risk,) = [r for r in assess(spent + fuel) if r.stratum == "scope3:cat2"]
    assert risk.factors == {"size": 3, "data_quality": 3, "complexity": 3, "control": 2}
    assert risk.level == "high"


def test_complex_means_spend_fugitive_or_a_stand_in_factor() -> None:
    assert is_complex(spend("p", 1.0))
    fugitive = Item("f", 1, "scope1:fugitive", 1, 1.0, "mass-balance", 2.0, "", True)
    assert is_complex(fugitive)
    assert is_complex(metered("m", 1.0, "spans_years;global_factor"))
    # A flag that makes the figure more specific, not an estimate, is not complexity.
    assert not is_complex(metered("m", 1.0, "site_region_used;spans_years"))
    assert not is_complex(metered("m", 1.0))
    # Every stand-in flag is one the engine can raise, under the name the results use.
    assert PROXY_FLAGS.issubset(RESULT_FLAGS)


def test_size_at_least_one_and_at_most_the_records() -> None:
    # 3 records of 5,000 t at J = 600 / 2.9957 = 200.28 t want ceil(74.9) = 75: capped at 3.
    (p,) = plan([spend(f"p{i}", 5000.0) for i in range(3)], "reasonable", {3: 600.0})
    assert p.size == 3
    assert p.formula.endswith("= 75; capped at the stratum's 3 records")
    # A stratum far below J still gets one record; an all-zero stratum too.
    items = [
        metered("m", 1000.0),
        Item("z", 1, "scope2:electricity", 2, 0.0, "location-based", 1.0, "", True),
    ]
    small, zero = plan(items, "limited", {1: 1e6, 2: 1e6})
    assert (small.size, zero.size) == (1, 1)
    assert zero.formula == "n = ceil(0.0 t / (1000000.0 t / 0.693)) = 0; at least 1 -> 1"


def test_a_different_confidence_table_is_used() -> None:
    items = [spend(f"p{i}", 100.0) for i in range(120)]
    strict = {"reasonable": {"high": 0.99, "medium": 0.95, "low": 0.90}}
    (p,) = plan(items, "reasonable", {3: 600.0}, confidence=strict)
    # RF = -ln(0.01) = 4.6052; J = 130.29 t; n = ceil(12,000 / 130.29) = ceil(92.1) = 93.
    assert p.size == 93
    assert p.size == math.ceil(12000 / (600 / -math.log(0.01)))
    with pytest.raises(ValueError, match="level of assurance"):
        plan(items, "limited", {3: 600.0}, confidence=strict)


def test_defaults_ask_less_of_limited_assurance_at_every_risk() -> None:
    assert set(DEFAULT_CONFIDENCE) == set(ASSURANCE_LEVELS)
    for risk in RISK_LEVELS:
        assert DEFAULT_CONFIDENCE["limited"][risk] < DEFAULT_CONFIDENCE["reasonable"][risk]


def test_bad_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="performance materiality for scope 3"):
        plan([spend("p", 1.0)], "reasonable", {1: 600.0})
    with pytest.raises(ValueError, match="performance materiality for scope 3"):
        plan([spend("p", 1.0)], "reasonable", {3: 0.0})
    with pytest.raises(ValueError, match="record 'p' version 1: t_co2e must be"):
        spend("p", -1.0)
    with pytest.raises(ValueError, match="t_co2e must be"):
        spend("p", math.nan)
    with pytest.raises(ValueError, match="is not of scope 1"):
        Item("x", 1, SPEND, 1, 1.0, "spend-based", 4.0, "", False)
