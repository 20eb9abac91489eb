"""Who may use the roadmap, credits, claims and reports routes and pages (auth.py's Rule).

Reading targets, their progress and initiatives is READ_FIGURES (auth.py): they cover the whole
organization, so a data owner, who sees only its own entities, is refused; a viewer reads them
(the roadmap is a dashboard). Credits, claims and reports are READ_TEAM_FIGURES: neither an
owner nor a viewer (who sees the dashboards only). Changing them is the sustainability team's work
(docs/server.md's role table: the analyst "calculates, drafts reports and claims"), and the
admin's: retiring and assigning credits, recording a claim, finalizing a year (which locks the
year's data against approvals, so the approver does not), publishing a report.
"""

from __future__ import annotations

from zerotrail.server.auth import READ_FIGURES, READ_TEAM_FIGURES, Rule

READ_ROADMAP = READ_FIGURES
READ_CREDITS = READ_TEAM_FIGURES
MANAGE_CLAIMS = Rule(
    frozenset({"admin", "analyst"}),
    "credits, claims and finalized years are changed by the sustainability team",
)
FINALIZE = Rule(
    frozenset({"admin", "analyst"}),
    "finalizing a year locks its data; the team that calculates it decides",
)
PUBLISH = Rule(
    frozenset({"admin", "analyst"}),
    "publishing a report records it in the ledger and signs a checkpoint",
)
