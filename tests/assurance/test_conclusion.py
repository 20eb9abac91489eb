"""From findings to the aggregation (assurance/conclusion.py): which misstatements count, and
how a corrected one's projection stays."""

from __future__ import annotations

import pytest

from zerotrail.assurance.conclusion import FindingFacts, misstatements
from zerotrail.assurance.risk import Item, plan
from zerotrail.assurance.sampling import Selected


def _finding(fid: str, amount: float, outcome: str | None) -> FindingFacts:
    status = "closed" if outcome else "raised"
    return FindingFacts(fid, "misstatement", "CAR", status, outcome, 2, amount, ("r1",))


def test_a_corrected_part_keeps_its_projection_beside_an_uncorrected_one() -> None:
    items_in = [Item("r1", 1, "scope2:electricity", 2, 100.0, "fuel-based", 1.0, "", True)]
    strata = plan(items_in, "limited", {1: 1.0, 2: 1000.0, 3: 1.0})
    j = strata[0].interval_t  # 1000 t / RF: above 100 t, so r1 is no key item
    drawn = [Selected("r1", 1, "scope2:electricity", False, 100.0, 0)]
    # r1 states 100 t, below the interval J. 20 t corrected and 50 t uncorrected: the sampled
    # item carries the 50 t (tested: projected 0.5 x J in all); the corrected 20 t leaves its
    # projection beyond the record, 20/100 x J - 20 t, as a projected misstatement.
    items, others = misstatements(
        [_finding("F1", 20.0, "corrected"), _finding("F2", 50.0, None)], drawn, strata
    )
    assert [(i.book_t, i.audited_t) for i in items] == [(100.0, 50.0)]
    assert len(others) == 1 and others[0].projected
    assert others[0].amount_t == pytest.approx(0.2 * j - 20.0)
