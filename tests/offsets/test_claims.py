"""ISO 14068-1 neutrality claims: a footprint, the credits retired for it, the plan behind it."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from zerotrail.model.credits import Credit, format_serial
from zerotrail.offsets.claims import ClaimInput, ClaimResult, evaluate_claim


def credit(
    cid: str,
    first: int,
    last: int,
    *,
    type: str = "reduction",
    durability: str = "none",
    status: str = "retired",
    claim_year: int | None = 2023,
    registry: str = "Verra VCS",
    **over: Any,
) -> Credit:
    prefix = "VCS-728-2019-"
    c = Credit(
        credit_id=cid,
        version=1,
        registry=registry,
        project_id="728",
        project_name=None,
        methodology="ACM0002",
        type=type,
        durability=durability,
        vintage=2022,
        serial_start=format_serial(prefix, first, 6),
        serial_end=format_serial(prefix, last, 6),
        serial_prefix=prefix,
        serial_first=first,
        serial_last=last,
        quantity=float(last - first + 1),
        status=status,
        retired_on=date(2024, 3, 1) if status != "held" else None,
        beneficiary="Emmet Ltd" if status == "retired" else None,
        reason="2023 carbon neutrality claim" if status == "retired" else None,
        claim_year=claim_year,
        ccp_label=True,
        corsia_eligible=False,
        corresponding_adjustment=False,
        split_from=None,
    )
    return dataclasses.replace(c, **over)


def claim(credits: list[Credit], **over: Any) -> ClaimResult:
    inp = ClaimInput(
        target_id="neutral-2023",
        year=2023,
        boundary="Scopes 1 and 2 (market-based), Emmet group",
        gross_t=21_087.93,
        final=True,
        run_id="run-1",
        credits=credits,
        other_claims=(),
        plan=(("abs-2030", "on_track"),),
        progress_recorded=True,
    )
    return evaluate_claim(dataclasses.replace(inp, **over))


# 15,000 t of reductions and 7,000 t of removals: 22,000 t for a 21,087.93 t footprint.
ENOUGH = [
    credit("a", 1, 15_000),
    credit("r", 100_001, 107_000, type="removal", durability="long", registry="Puro.earth"),
]


def test_holds_with_enough_retired_credits() -> None:
    r = claim(ENOUGH)
    assert r.holds, r.failures
    assert r.failures == ()
    assert (r.gross_t, r.credits_t) == (21_087.93, 22_000.0)
    # Net is reported, not subtracted from anything: 21,087.93 - 22,000 = -912.07 (over-retired).
    assert r.net_t == pytest.approx(-912.07)
    assert any(
        w.startswith("over-retired: credits exceed the footprint by 912.07 t") for w in r.warnings
    )
    assert r.by_type == {"reduction": 15_000.0, "removal": 7_000.0}
    assert all(b["counted"] and b["why_not"] is None for b in r.credits)


def test_removal_share() -> None:
    r = claim(ENOUGH)
    # 7,000 t of removals in 22,000 t of credits: 7,000 / 22,000 = 0.31818...
    assert r.removals_t == 7_000.0
    assert r.removal_share == pytest.approx(7 / 22)
    only_reductions = claim([credit("a", 1, 25_000)])
    assert only_reductions.removal_share == 0.0
    assert any(w.startswith("no removal credits") for w in only_reductions.warnings)
    none = claim([])
    assert none.removal_share is None and none.credits_t == 0.0


def test_too_few_credits_names_the_shortfall() -> None:
    r = claim([credit("a", 1, 20_000)])
    assert not r.holds
    # 21,087.93 - 20,000 = 1,087.93 t short.
    assert r.failures == ("retired credits cover 20,000.00 t of 21,087.93 t: 1,087.93 t short",)
    assert r.net_t == pytest.approx(1_087.93)


def test_unretired_credits_do_not_count() -> None:
    held = credit("h", 200_001, 201_000, status="held")
    cancelled = credit("x", 300_001, 301_000, status="cancelled")
    r = claim([*ENOUGH, held, cancelled])
    assert not r.holds
    assert r.credits_t == 22_000.0
    assert "credit h (1,000 t) is assigned to the 2023 claim but held, not retired" in r.failures[0]
    assert (
        "credit x (1,000 t) is assigned to the 2023 claim but cancelled on 2024-03-01"
        in r.failures[1]
    )
    why = {b["credit_id"]: b["why_not"] for b in r.credits}
    assert why["h"] == "held, not retired" and why["a"] is None


def test_serials_reused_within_the_claim() -> None:
    twice = credit("b", 14_001, 16_000)  # shares 14,001..15,000 with "a"
    r = claim([*ENOUGH, twice])
    assert not r.holds
    assert r.failures[0] == (
        "credits a and b share 1,000 serials VCS-728-2019-014001 to VCS-728-2019-015000 in"
        " Verra VCS: a serial counts once, so neither counts"
    )
    # Neither block counts: 7,000 t of removals remain against 21,087.93 t.
    assert r.credits_t == 7_000.0
    assert r.failures[1] == "retired credits cover 7,000.00 t of 21,087.93 t: 14,087.93 t short"


def test_serials_reused_across_claims() -> None:
    earlier = credit("old", 10_001, 10_500, claim_year=2022)
    r = claim(ENOUGH, other_claims=[earlier])
    assert not r.holds
    assert r.failures[0] == (
        "credit a shares 500 serials VCS-728-2019-010001 to VCS-728-2019-010500 in Verra VCS"
        " with credit old, assigned to the claim for 2022: a credit counts for one claim only"
    )
    assert {b["credit_id"]: b["counted"] for b in r.credits} == {"a": False, "r": True}
    # The same serial text in another registry is another credit.
    elsewhere = dataclasses.replace(earlier, registry="Gold Standard")
    assert claim(ENOUGH, other_claims=[elsewhere]).holds


def test_footprint_not_final() -> None:
    r = claim(ENOUGH, final=False)
    assert r.failures == ("the 2023 inventory is not final: run `zerotrail finalize --year 2023`",)


def test_no_plan_and_no_progress() -> None:
    r = claim(ENOUGH, plan=())
    assert not r.holds
    assert r.failures[0].startswith(
        "no reduction plan covers the boundary (Scopes 1 and 2 (market-based), Emmet group)"
    )
    r = claim(ENOUGH, progress_recorded=False)
    assert r.failures == (
        "progress against the reduction targets (abs-2030) is not recorded for 2023: ISO 14068-1"
        " asks that the plan's progress be tracked",
    )
    off = claim(ENOUGH, plan=(("abs-2030", "off-track"),))
    assert off.holds
    assert any(w.startswith("reduction target abs-2030 is off-track:") for w in off.warnings)


def test_warnings_late_retirement_missing_beneficiary_and_flags() -> None:
    late = credit(
        "late",
        200_001,
        201_000,
        retired_on=date(2025, 1, 15),  # after 2024-12-31: more than 12 months after 2023
        beneficiary=None,
        ccp_label=None,
        corresponding_adjustment=None,
    )
    r = claim([*ENOUGH, late])
    assert r.holds
    text = "\n".join(r.warnings)
    assert "credit late was retired on 2025-01-15, more than 12 months after the 2023" in text
    assert "secondary source (not verified" in text
    assert "credit(s) late name no beneficiary" in text
    assert "ICVCM CCP label unknown for credit(s) late" in text
    assert "corresponding adjustment unknown for credit(s) late" in text
    on_time = claim(ENOUGH)
    assert not any("12 months" in w for w in on_time.warnings)
