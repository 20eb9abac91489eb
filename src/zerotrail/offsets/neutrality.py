"""A year's neutrality claim put together from values: its target, its inputs, its record.

The claim's rules are in `claims.evaluate_claim`. Here: which neutrality target a claim is for,
which reduction targets form its plan (those whose boundary covers the claim's), the claim's
input from the year's figures, finality, credits and the plan's progress, the claim as JSON
and as a stored version, and whether a year's inventory may be made final.

Where it sits: the rules over values. The claim stage (`pipeline/claims.py`) reads the targets,
figures, credits and stored claims through `store/`, calls these functions, and (only when
asked to record) stores a new version of the claim when its outcome or figures changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from zerotrail.errors import TargetError
from zerotrail.model.credits import Credit
from zerotrail.offsets.claims import ClaimInput, ClaimResult
from zerotrail.targets.progress import REDUCTION_KINDS, TargetProgress
from zerotrail.targets.recalc import Figures
from zerotrail.targets.register import StoredTarget
from zerotrail.targets.roadmap import Boundary

STANDARD = "ISO 14068-1:2023"
# What a stored claim version keeps of the claim beside its figures (the `detail` column).
DETAIL_KEYS = ("by_type", "removal_share", "failures", "warnings", "credits", "plan")


def covers(outer: Boundary, inner: Boundary) -> bool:
    """Whether a target's boundary includes every part of the claim's boundary."""
    if not set(inner.scopes) <= set(outer.scopes):
        return False
    return set(inner.scope3_categories) <= set(outer.scope3_categories)


def named_target(st: StoredTarget) -> StoredTarget:
    """The target a user named for a claim, if it is a neutrality target."""
    if st.target.kind != "neutrality":
        raise TargetError(f"target {st.target.id} is a {st.target.kind} target")
    return st


def only_target(latest: Sequence[StoredTarget]) -> StoredTarget:
    """The one neutrality target in force when the user named none."""
    found = [st for st in latest if st.target.kind == "neutrality"]
    if not found:
        raise TargetError(
            'no neutrality target: add one (kind = "neutrality") with `zerotrail targets add`'
        )
    if len(found) > 1:
        names = ", ".join(st.target.id for st in found)
        raise TargetError(f"several neutrality targets ({names}): name one with --target")
    return found[0]


def reduction_plan(st: StoredTarget, latest: Sequence[StoredTarget]) -> list[StoredTarget]:
    """The reduction targets in force whose boundary covers the claim's: the claim's plan."""
    boundary = st.target.boundary
    assert boundary is not None
    return [
        other
        for other in latest
        if other.target.kind in REDUCTION_KINDS
        and other.target.boundary is not None
        and covers(other.target.boundary, boundary)
    ]


def claim_input(
    st: StoredTarget,
    year: int,
    figures: Figures | None,
    *,
    final: bool,
    run_id: str | None,
    credits: Sequence[Credit],
    plan: Sequence[TargetProgress],
) -> ClaimInput:
    """The year's claim input: the boundary's gross from `figures` (the year's inventory),
    the credits assigned to this year and to others, and the plan's progress in the year."""
    boundary = st.target.boundary
    assert boundary is not None
    if figures is None:
        raise TargetError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    recorded = all(p.actual is not None and p.base_value is not None for p in plan)
    return ClaimInput(
        target_id=st.target.id,
        year=year,
        boundary=boundary.describe(),
        gross_t=figures.boundary_total(boundary),
        final=final,
        run_id=run_id,
        credits=[c for c in credits if c.claim_year == year],
        other_claims=[c for c in credits if c.claim_year is not None and c.claim_year != year],
        plan=[(p.id, str(p.status)) for p in plan],
        progress_recorded=bool(plan) and recorded,
    )


def result_dict(inp: ClaimInput, result: ClaimResult) -> dict[str, Any]:
    """The claim as shown and stored: the result, what it is about, and the standard."""
    d = asdict(result)
    d.update(
        {
            "claim_id": claim_id(inp),
            "target_id": inp.target_id,
            "year": inp.year,
            "boundary": inp.boundary,
            "run_id": inp.run_id,
            "final": inp.final,
            "plan": [{"target_id": t, "status": s} for t, s in inp.plan],
            "standard": STANDARD,
        }
    )
    return d


def claim_id(inp: ClaimInput) -> str:
    return f"{inp.target_id}:{inp.year}"


def stored_content(inp: ClaimInput, result: ClaimResult) -> tuple[Any, ...]:
    """(holds, run id, gross, credits, net, detail JSON): what a stored version keeps, so a
    claim whose content is unchanged is not stored again."""
    d = result_dict(inp, result)
    detail = json.dumps(
        {k: d[k] for k in DETAIL_KEYS}, sort_keys=True, separators=(",", ":"), default=str
    )
    return (result.holds, inp.run_id, result.gross_t, result.credits_t, result.net_t, detail)


def finalizable(year: int, run_id: str | None, problems: int) -> str:
    """The run a year's inventory is finalized with; TargetError when there is none, or when
    some of its records could not be calculated."""
    if run_id is None:
        raise TargetError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    if problems:
        raise TargetError(
            f"the {year} inventory has {problems} unresolved record(s): fix them before"
            f" finalizing (`zerotrail inventory --year {year} --format json` lists them)"
        )
    return run_id
