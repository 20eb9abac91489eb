"""A carbon neutrality claim (ISO 14068-1) for one year, evaluated from figures and credits.

Pure: no storage. The caller gathers the footprint of the claim's boundary from the year's
inventory, whether that inventory is final, the credits assigned to the claim (and those assigned
to other years' claims, to catch serials used twice), and the reduction plan with its progress.

The checks follow standards.md section 5: the footprint is final; the credits are retired, each
serial used once, and cover the footprint; a reduction plan exists and its progress is tracked.
Gross emissions, credits and the net are reported side by side: credits are never subtracted
from the scope totals. Where a rule comes from a source that was not verified, the sentence says
so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from zerotrail.model.credits import Credit, find_overlaps, shared_text
from zerotrail.targets.status import BEHIND, TargetStatus

# A shortfall smaller than this is floating-point noise, not a missing tonne.
_TOLERANCE_T = 1e-6


@dataclass(frozen=True, slots=True)
class ClaimInput:
    target_id: str
    year: int
    boundary: str  # what the claim covers, in words
    gross_t: float  # footprint of the boundary from the inventory, t CO2e
    final: bool  # the year's inventory is final
    run_id: str | None
    credits: Sequence[Credit]  # current versions of the credits with claim_year == year
    other_claims: Sequence[Credit]  # current credits assigned to other years' claims
    plan: Sequence[tuple[str, str]]  # (target_id, TargetStatus) of the reduction targets
    progress_recorded: bool


@dataclass(frozen=True, slots=True)
class ClaimResult:
    holds: bool
    gross_t: float
    credits_t: float  # retired credits that count
    by_type: dict[str, float]  # credit type -> t that count
    removals_t: float
    removal_share: float | None  # removals / credits that count, 0-1; None without credits
    net_t: float  # gross - credits; negative when over-retired
    failures: tuple[str, ...]
    warnings: tuple[str, ...]
    credits: tuple[dict[str, object], ...]  # one per block, with counted and why_not


def _t(x: float) -> str:
    return f"{x:,.2f}"


def _names(credits: Sequence[Credit]) -> str:
    return ", ".join(c.credit_id for c in credits)


def evaluate_claim(inp: ClaimInput) -> ClaimResult:
    """Whether the neutrality claim for `inp.year` holds, with every reason it does not."""
    year = inp.year
    failures: list[str] = []
    warnings: list[str] = []
    if not inp.final:
        failures.append(
            f"the {year} inventory is not final: run `zerotrail finalize --year {year}`"
        )

    # One entry per credit id; a credit in this claim is not also "another claim's".
    claim: dict[str, Credit] = {}
    for c in inp.credits:
        claim.setdefault(c.credit_id, c)
    others = {c.credit_id: c for c in inp.other_claims if c.credit_id not in claim}
    why_not: dict[str, list[str]] = {}

    for c in claim.values():
        if c.claim_year != year:
            why_not.setdefault(c.credit_id, []).append(
                f"assigned to the claim for {c.claim_year}, not {year}"
            )
        elif c.status != "retired":
            state = (
                "held, not retired"
                if c.status == "held"
                else f"{c.status} on {c.retired_on.isoformat() if c.retired_on else '?'}"
            )
            why_not.setdefault(c.credit_id, []).append(state)
            failures.append(
                f"credit {c.credit_id} ({c.quantity:,.0f} t) is assigned to the {year} claim"
                f" but {state}: it does not count"
            )

    for a, b in find_overlaps([*claim.values(), *others.values()]):
        in_a, in_b = a.credit_id in claim, b.credit_id in claim
        if in_a and in_b:
            failures.append(
                f"credits {a.credit_id} and {b.credit_id} share {shared_text(a, b)} in"
                f" {a.registry}: a serial counts once, so neither counts"
            )
            why_not.setdefault(a.credit_id, []).append(f"serials reused in {b.credit_id}")
            why_not.setdefault(b.credit_id, []).append(f"serials reused in {a.credit_id}")
        elif in_a or in_b:
            mine, theirs = (a, b) if in_a else (b, a)
            failures.append(
                f"credit {mine.credit_id} shares {shared_text(mine, theirs)} in {mine.registry}"
                f" with credit {theirs.credit_id}, assigned to the claim for"
                f" {theirs.claim_year}: a credit counts for one claim only"
            )
            why_not.setdefault(mine.credit_id, []).append(
                f"serials already used for the {theirs.claim_year} claim ({theirs.credit_id})"
            )

    counted = [c for c in claim.values() if c.credit_id not in why_not]
    credits_t = math.fsum(c.quantity for c in counted)
    by_type: dict[str, float] = {}
    for c in counted:
        by_type[c.type] = by_type.get(c.type, 0.0) + c.quantity
    removals_t = by_type.get("removal", 0.0)
    removal_share = removals_t / credits_t if credits_t > 0 else None
    net_t = inp.gross_t - credits_t

    short = inp.gross_t - credits_t
    if short > _TOLERANCE_T:
        failures.append(
            f"retired credits cover {_t(credits_t)} t of {_t(inp.gross_t)} t: {_t(short)} t short"
        )
    elif net_t < -_TOLERANCE_T:
        warnings.append(
            f"over-retired: credits exceed the footprint by {_t(-net_t)} t; the surplus stays"
            f" assigned to the {year} claim and counts for no other"
        )

    if not inp.plan:
        failures.append(
            f"no reduction plan covers the boundary ({inp.boundary}): ISO 14068-1 asks for a"
            " carbon neutrality management plan with reduction targets; credits offset only"
            " the residual"
        )
    else:
        if not inp.progress_recorded:
            failures.append(
                f"progress against the reduction targets ({', '.join(t for t, _ in inp.plan)})"
                f" is not recorded for {year}: ISO 14068-1 asks that the plan's progress be"
                " tracked"
            )
        for target, status in inp.plan:
            if TargetStatus.from_text(status) in BEHIND:
                warnings.append(
                    f"reduction target {target} is {status}: ISO 14068-1 puts reductions first"
                    " and offsets only the residual"
                )

    deadline = date(year + 1, 12, 31)
    late = [c for c in counted if c.retired_on is not None and c.retired_on > deadline]
    for c in late:
        assert c.retired_on is not None
        warnings.append(
            f"credit {c.credit_id} was retired on {c.retired_on.isoformat()}, more than 12"
            f" months after the {year} period ended; a secondary source (not verified against"
            " ISO 14068-1) says credits are retired within 12 months"
        )
    if unnamed := [c for c in counted if not c.beneficiary]:
        warnings.append(
            f"credit(s) {_names(unnamed)} name no beneficiary: ISO 14068-1 wants the retirement"
            " made for the claimant"
        )
    if unreasoned := [c for c in counted if not c.reason]:
        warnings.append(f"credit(s) {_names(unreasoned)} carry no retirement reason")
    if removals_t <= 0:
        warnings.append(
            "no removal credits: ISO 14068-1 expects removals to form a growing share over time"
        )
    # CORSIA eligibility concerns airlines' obligations, not a corporate claim: not warned.
    if no_ccp := [c for c in counted if c.ccp_label is None]:
        warnings.append(f"ICVCM CCP label unknown for credit(s) {_names(no_ccp)}")
    if no_ca := [c for c in counted if c.corresponding_adjustment is None]:
        warnings.append(f"corresponding adjustment unknown for credit(s) {_names(no_ca)}")

    blocks: tuple[dict[str, object], ...] = tuple(
        {
            "credit_id": c.credit_id,
            "registry": c.registry,
            "project_id": c.project_id,
            "type": c.type,
            "durability": c.durability,
            "vintage": c.vintage,
            "serial_start": c.serial_start,
            "serial_end": c.serial_end,
            "quantity": c.quantity,
            "retired_on": c.retired_on.isoformat() if c.retired_on else None,
            "counted": c.credit_id not in why_not,
            "why_not": "; ".join(why_not[c.credit_id]) if c.credit_id in why_not else None,
        }
        for c in claim.values()
    )
    return ClaimResult(
        holds=not failures,
        gross_t=inp.gross_t,
        credits_t=credits_t,
        by_type=by_type,
        removals_t=removals_t,
        removal_share=removal_share,
        net_t=net_t,
        failures=tuple(failures),
        warnings=tuple(warnings),
        credits=blocks,
    )
