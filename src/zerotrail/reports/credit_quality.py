"""The carbon credits counted in the year's claim, with what a reader needs to judge them.

Where it sits: reports, pure: the report stage hands the year's claim (as it would be
recorded: its credit blocks, counted or not) and the current version of every credit block
assigned to the year (pipeline/credits.py `list_credits`); this returns report.json's
`credits_retired`: for each block the claim counts, its registry, project, methodology, type
(removal, or avoidance/reduction), durability, vintage, the labels the credit file records
(ICVCM CCP label, CORSIA eligibility, corresponding adjustment: None when not recorded) and its
retirement; and the tonnes and shares of removals against avoidance and reductions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

REMOVAL = "removal"
DURABILITY = {
    "none": "none (not a removal)",
    "short": "short (under 100 years)",
    "long": "long (100 to 1,000 years)",  # docs/formats.md, credits
    "permanent": "permanent",
}


def credits_retired(
    claim: Mapping[str, Any] | None, blocks: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The counted blocks of `claim` with their details from `blocks` (by credit id); None
    without a claim."""
    if claim is None:
        return None
    details = {str(b["credit_id"]): b for b in blocks}
    rows = []
    for c in claim.get("credits", []):
        if not c.get("counted"):
            continue
        b = details.get(str(c["credit_id"]), {})
        rows.append(
            {
                "credit_id": c["credit_id"],
                "registry": c["registry"],
                "project_id": c["project_id"],
                "project_name": b.get("project_name"),
                "methodology": b.get("methodology"),
                "type": c["type"],
                "removal": c["type"] == REMOVAL,
                "durability": c["durability"],
                "durability_label": DURABILITY.get(str(c["durability"]), c["durability"]),
                "vintage": c["vintage"],
                "quantity": float(c["quantity"]),
                "retired_on": c.get("retired_on"),
                "beneficiary": b.get("beneficiary"),
                "ccp_label": b.get("ccp_label"),
                "corsia_eligible": b.get("corsia_eligible"),
                "corresponding_adjustment": b.get("corresponding_adjustment"),
            }
        )
    total = sum(r["quantity"] for r in rows)
    removals = sum(r["quantity"] for r in rows if r["removal"])
    return {
        "blocks": rows,
        "total_t": total,
        "removals_t": removals,
        "avoidance_t": total - removals,  # avoidance and reduction credits
        "removals_pct": 100.0 * removals / total if total else None,
        "avoidance_pct": 100.0 * (total - removals) / total if total else None,
    }
