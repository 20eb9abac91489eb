"""A target's status in a year: the one vocabulary progress, claims and reports speak.

Part of the pure target layer (see `zerotrail.targets`). `pathway.classify` decides the first
five; the progress stage adds `no-data` (the year or the base year has no inventory) and
`not-started` (a neutrality target before its first year). docs/roadmap.md documents each; the
values are what JSON, CSV and the report print, so they are spelled with hyphens, once, here.
"""

from __future__ import annotations

from enum import StrEnum


class TargetStatus(StrEnum):
    ACHIEVED = "achieved"
    MISSED = "missed"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OFF_TRACK = "off-track"
    NO_DATA = "no-data"
    NOT_STARTED = "not-started"

    @classmethod
    def from_text(cls, text: str) -> TargetStatus | None:
        """The status a person or an older file wrote ("At risk", "off_track"), or None."""
        word = text.strip().lower().replace("_", "-").replace(" ", "-")
        try:
            return cls(word)
        except ValueError:
            return None


# The statuses that say the reductions are not where the plan wants them (a claim warns).
BEHIND = frozenset({TargetStatus.AT_RISK, TargetStatus.OFF_TRACK, TargetStatus.MISSED})
