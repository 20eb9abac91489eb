"""The year each base-year recalculation event took effect.

Where it sits: store, under the like-for-like series (pipeline/series.py and the report stage),
which needs to know which years came before an acquisition or divestment: those years are
recalculated with the business's base-year emissions. `store/baseyear.py` reads the events as
the recalculation policy sees them (their effect on the base year), without this year. Nothing
here writes.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace


def event_years(ws: Workspace, base_year: int) -> dict[str, int]:
    """Event id -> the year the event took effect, for every event of a base year."""
    return {
        str(e): int(y)
        for e, y in ws.fetchall(
            "SELECT event_id, year FROM baseline_events WHERE base_year = ? ORDER BY event_id",
            [base_year],
        )
    }
