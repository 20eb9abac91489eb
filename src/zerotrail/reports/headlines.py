"""The report's headlines, each with its boundary and basis beside the whole footprint.

A headline such as "carbon neutral" is true only of its boundary: the claim's Scope 1 + 2 may be
a few percent of the footprint. So every headline figure here carries the boundary it is about
and its share of the total footprint (Scope 1 + 2 + 3, market-based: the inventory's own
market-based total, the one the cover shows), and a target that asks for something every year
carries what the check of each of those years found.

Where it sits: reports, pure: values in (the inventory summary, the year's claim, each
target's progress as `TargetProgress.to_dict` gives it), the `headlines` section of report.json
out. The words around the figures are the templates' (cover.html, highlights.html, claim.html).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zerotrail.targets.progress import checked_years_text

# The claim warnings the claim section states from the claim's own figures (the over-retired
# surplus from its net, the plan's targets from `plan` with their names and status labels),
# so they are not printed a second time in the rules' wording (offsets/claims.py).
RESTATED_WARNINGS = ("over-retired:", "reduction target ")


def share_pct(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`; None when there is no whole to compare with."""
    return 100.0 * part / whole if whole > 0 else None


def footprint(inventory: Mapping[str, Any]) -> dict[str, Any]:
    """The total footprint (market-based) and the two parts the cover shows, with shares."""
    total = float(inventory["total_market"])
    s12 = float(inventory["scope1"]) + float(inventory["scope2_market"])
    s3 = float(inventory["scope3_market"])
    return {
        "basis": "market-based",
        "total_t": total,
        "scope12_t": s12,
        "scope12_share_pct": share_pct(s12, total),
        "scope3_t": s3,
        "scope3_share_pct": share_pct(s3, total),
    }


def claim_headline(claim: Mapping[str, Any] | None, total_t: float) -> dict[str, Any] | None:
    """The year's neutrality claim as a headline: its boundary, verdict and the share of the
    total footprint its gross emissions are; None without a claim."""
    if claim is None:
        return None
    gross = float(claim["gross_t"])
    return {
        "boundary": str(claim["boundary"]),
        "holds": bool(claim["holds"]),
        "standard": str(claim["standard"]),
        "gross_t": gross,
        "share_pct": share_pct(gross, total_t),
    }


def claim_years(target: Mapping[str, Any]) -> dict[int, bool | None]:
    """A neutrality target's checked years (JSON keys are text) as {year: held}."""
    return {int(y): v for y, v in (target.get("claim_years") or {}).items()}


def target_headlines(targets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per target: its boundary (what it is measured on) and, for a target that asks for
    neutrality every year, what the check of each year found."""
    out = []
    for t in targets:
        years = claim_years(t)
        out.append(
            {
                "id": t["id"],
                "boundary": t.get("subject"),
                "checked": checked_years_text(years) if years else None,
                "years_checked": sorted(years),
            }
        )
    return out


def plan_rows(
    claim: Mapping[str, Any] | None, targets: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The claim's reduction plan with each target's name and status in the year (the status
    the claim was evaluated with)."""
    if claim is None:
        return []
    names = {str(t["id"]): str(t["name"]) for t in targets}
    return [
        {"id": p["target_id"], "name": names.get(str(p["target_id"])), "status": p["status"]}
        for p in claim.get("plan") or ()
    ]


def other_warnings(claim: Mapping[str, Any] | None) -> list[str]:
    """The claim's warnings but those the claim section states from its figures."""
    if claim is None:
        return []
    return [str(w) for w in claim.get("warnings") or () if not str(w).startswith(RESTATED_WARNINGS)]


def headlines(
    inventory: Mapping[str, Any],
    claim: Mapping[str, Any] | None,
    targets: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The `headlines` section of report.json (see the module docstring)."""
    fp = footprint(inventory)
    return {
        "footprint": fp,
        "claim": claim_headline(claim, fp["total_t"]),
        "targets": target_headlines(targets),
        "claim_plan": plan_rows(claim, targets),
        "claim_warnings": other_warnings(claim),
    }
