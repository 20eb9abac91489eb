"""Monetary-unit selection (zerotrail.assurance.sampling): reproducible, size-proportional."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.assurance.risk import Item, StratumPlan, plan
from zerotrail.assurance.sampling import Selected, draw, selection_probability

CAT1 = "scope3:cat1"


def purchase(rid: str, t: float, version: int = 1, stratum: str = CAT1) -> Item:
    scope = int(stratum[5])
    return Item(rid, version, stratum, scope, t, "spend-based", 4.0, "", False)


def at_interval(items: list[Item], interval: float) -> tuple[StratumPlan, ...]:
    """The plans for `items` with the sampling interval set to `interval` t."""
    plans = plan(items, "reasonable", {1: 1.0, 2: 1.0, 3: 1.0})
    return tuple(replace(p, interval_t=interval) for p in plans)


def ids(selection: tuple[Selected, ...]) -> list[str]:
    return [s.record_id for s in selection]


# 200 purchases of 1 to 200 t (20,100 t) at J = 1,000 t: about 20 selected.
POPULATION = [purchase(f"po-{i:03d}", float(i + 1)) for i in range(200)]
PLANS = at_interval(POPULATION, 1000.0)


def test_the_draw_is_the_documented_recipe() -> None:
    # Re-performed from the module's description with plain floats (the tonnes here are whole
    # numbers, so no rounding can move a boundary): HMAC order, 64-bit start, cumulate, hit.
    seed, eng = "9f86d081884c7d65", "eng-2025"
    key = seed.encode()

    def mac(msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    ranked = sorted(POPULATION, key=lambda i: mac(f"{eng}\x00{CAT1}\x00{i.record_id}\x001"))
    u = int.from_bytes(mac(f"{eng}\x00{CAT1}\x00start")[:8], "big") / 2**64 * 1000.0
    expected, cum, k = [], 0.0, 0
    for it in ranked:
        cum += it.t_co2e
        while u + k * 1000.0 < cum:
            expected.append(it.record_id)
            k += 1
    assert len(expected) in (20, 21)  # 20,100 / 1,000 = 20.1
    assert ids(draw(POPULATION, PLANS, seed, eng)) == expected


def test_shuffled_input_gives_the_same_draw_and_another_seed_another() -> None:
    first = draw(POPULATION, PLANS, "seed-a", "eng-1")
    shuffled = POPULATION.copy()
    random.Random(7).shuffle(shuffled)
    assert draw(shuffled, PLANS, "seed-a", "eng-1") == first
    assert draw(reversed(POPULATION), PLANS, "seed-a", "eng-1") == first
    assert ids(draw(POPULATION, PLANS, "seed-b", "eng-1")) != ids(first)
    # The engagement is part of every message: the same seed on another engagement differs.
    assert ids(draw(POPULATION, PLANS, "seed-a", "eng-2")) != ids(first)
    # Sorted by order; every order is a place in the stratum's 200 records.
    orders = [s.order for s in first]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert all(0 <= o < 200 for o in orders)


def test_key_items_are_always_selected_and_zero_records_never() -> None:
    # Two records at or above J = 1,000 t, one of 0 t among the rest.
    items = [*POPULATION, purchase("big", 5000.0), purchase("edge", 1000.0), purchase("nil", 0.0)]
    plans = at_interval(items, 1000.0)
    for n in range(50):
        selection = draw(items, plans, f"seed-{n}", "eng-1")
        keys = {s.record_id for s in selection if s.key_item}
        assert keys == {"big", "edge"}
        assert "nil" not in ids(selection)
        assert all(not s.key_item for s in selection if s.record_id not in keys)


def test_strata_in_order_with_categories_by_number() -> None:
    items = [
        purchase("t1", 900.0, stratum="scope3:cat10"),
        purchase("t2", 900.0, stratum="scope3:cat2"),
        purchase("t3", 900.0, stratum="scope1:stationary_combustion"),
    ]
    selection = draw(items, at_interval(items, 100.0), "s", "e")
    assert [s.stratum for s in selection] == [
        "scope1:stationary_combustion",
        "scope3:cat2",
        "scope3:cat10",
    ]


def test_selection_is_proportional_to_size() -> None:
    # 30 records of 3 to 95.8 t at J = 100 t: each is selected with probability t / J.
    # Over the 2,000 fixed seeds "seed-0".."seed-1999" each record's count is
    # Binomial(2000, t / J) (the seeds give independent draws through HMAC). The bound |z| < 4.5
    # fails a correct draw with probability about 30 x 6.8e-6 = 2e-4 (Bonferroni) and, the seeds
    # being fixed, the outcome is fixed too. A draw that ignored size (about 15 of 30 for
    # every record) would put the smallest record at z > 100.
    items = [purchase(f"r{i:02d}", 3.0 + 3.2 * i) for i in range(30)]
    plans = at_interval(items, 100.0)
    draws = 2000
    counts = {it.record_id: 0 for it in items}
    for n in range(draws):
        for s in draw(items, plans, f"seed-{n}", "eng-pps"):
            counts[s.record_id] += 1
    for it in items:
        p = selection_probability(it.t_co2e, 100.0)
        z = (counts[it.record_id] - draws * p) / math.sqrt(draws * p * (1 - p))
        assert abs(z) < 4.5, (it.record_id, it.t_co2e, counts[it.record_id], draws * p)


def test_selection_probability() -> None:
    assert selection_probability(25.0, 100.0) == 0.25
    assert selection_probability(100.0, 100.0) == 1.0
    assert selection_probability(250.0, 100.0) == 1.0
    assert selection_probability(0.0, 100.0) == 0.0
    with pytest.raises(ValueError, match="interval must be > 0"):
        selection_probability(1.0, 0.0)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="record 'po-000' version 1 appears twice"):
        draw([*POPULATION, POPULATION[0]], PLANS, "s", "e")
    # Another version of the same record is another item.
    assert draw([*POPULATION, replace(POPULATION[0], version=2)], PLANS, "s", "e")
    with pytest.raises(ValueError, match="seed is empty"):
        draw(POPULATION, PLANS, "", "e")
    with pytest.raises(ValueError, match="no sampling plan for stratum 'scope3:cat2'"):
        draw([purchase("x", 1.0, stratum="scope3:cat2")], PLANS, "s", "e")
    with pytest.raises(ValueError, match="two plans"):
        draw(POPULATION, PLANS + PLANS, "s", "e")
    with pytest.raises(ValueError, match="interval must be > 0 t"):
        draw(POPULATION, at_interval(POPULATION, 0.0), "s", "e")


STRATA = ("scope1:stationary_combustion", "scope3:cat1", "scope3:cat10")
_item = st.tuples(
    st.sampled_from(STRATA),
    st.one_of(st.just(0.0), st.floats(0.0, 3000.0), st.integers(1, 500).map(float)),
    st.integers(1, 2),
)


@given(
    rows=st.lists(_item, min_size=1, max_size=40),
    materiality=st.floats(50.0, 2000.0),
    level=st.sampled_from(("limited", "reasonable")),
    seed=st.text(min_size=1, max_size=20),
)
def test_any_draw_is_from_the_input_and_of_the_interval_s_size(
    rows: list[tuple[str, float, int]], materiality: float, level: str, seed: str
) -> None:
    items = [purchase(f"r{n}", t, version, stratum) for n, (stratum, t, version) in enumerate(rows)]
    plans = plan(items, level, {1: materiality, 3: materiality})
    selection = draw(items, plans, seed, "eng")
    assert draw(reversed(items), plans, seed, "eng") == selection
    by_id = {(i.record_id, i.version): i for i in items}
    assert len({(s.record_id, s.version) for s in selection}) == len(selection)
    for s in selection:
        it = by_id[(s.record_id, s.version)]
        assert (s.stratum, s.t_co2e) == (it.stratum, it.t_co2e)
        assert s.t_co2e > 0
    for p in plans:
        J = Fraction(p.interval_t)
        mine = [i for i in items if i.stratum == p.stratum]
        chosen = [s for s in selection if s.stratum == p.stratum]
        keys = {i.record_id for i in mine if Fraction(i.t_co2e) >= J}
        assert {s.record_id for s in chosen if s.key_item} == keys
        # The rest: floor or ceiling of their total over J (worked exactly, as the draw is).
        rest = sum((Fraction(i.t_co2e) for i in mine if i.record_id not in keys), Fraction(0))
        n_rest = sum(1 for s in chosen if not s.key_item)
        assert n_rest in (math.floor(rest / J), math.ceil(rest / J))
        # Never more than the plan sized the stratum for.
        assert len(chosen) <= p.size
