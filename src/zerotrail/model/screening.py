"""The Scope 3 screening vocabulary: relevance criteria, the status each category gets, and the
factor sets a category rests on.

A screening says, for each of the 15 Scope 3 categories, whether the preparer judged it relevant
and why, by the criteria of the GHG Protocol Scope 3 Standard, chapter 6 (table 6.1). The
screening file names criteria by these ids (ingest/screening.py); the report prints the labels
(reports/screening.py), never the ids.
"""

from __future__ import annotations

from dataclasses import dataclass

# Criterion id -> label: the Scope 3 Standard's relevance criteria (table 6.1), with "other"
# for a reason the justification gives in words.
CRITERIA: dict[str, str] = {
    "size": "size",
    "influence": "influence",
    "risk": "risk",
    "stakeholders": "stakeholders",
    "outsourcing": "outsourcing",
    "sector_guidance": "sector guidance",
    "other": "other",
}

# Status id -> label, in the order of precedence `reports.screening.status` applies: emissions
# calculated in the inventory come first, whatever the screening says; then what the screening
# recorded.
STATUSES: dict[str, str] = {
    "calculated": "calculated",
    "not_relevant": "not relevant",
    "estimated": "estimated (not in the totals)",
    "gap": "gap: relevant, not yet calculated",
    "not_screened": "no screening recorded",
}


@dataclass(frozen=True, slots=True)
class CategorySource:
    """One factor set's part of one Scope 3 category in a run."""

    category: int
    factor_set: str
    name: str  # the set's name, or its id when the workspace has no name for it
    regions: tuple[str, ...]  # regions of the factors used, sorted
    records: int
    co2e_t: float  # location-based
    # On factors pinned from outside the record's region (flagged `pinned_other_region`).
    other_region_t: float


__all__ = ["CRITERIA", "STATUSES", "CategorySource"]
