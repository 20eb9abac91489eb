"""The neutrality claims recorded for a target, year by year (their latest versions).

Where it sits: store, under the roadmap stage (`pipeline/roadmap.py`), which checks a target
that asks for neutrality every year against each year's claim as recorded. Reads only.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace


def latest_claims(ws: Workspace, target_id: str) -> list[tuple[int, bool, float, str | None]]:
    """(year, holds, net t CO2e, run id) of the latest version of each year's claim of the
    target, oldest year first."""
    rows = ws.fetchall(
        """SELECT c.year, c.holds, c.net, c.run_id
           FROM claims c
           JOIN (SELECT claim_id, max(version) AS version FROM claims
                 WHERE target_id = ? GROUP BY claim_id) m
             ON c.claim_id = m.claim_id AND c.version = m.version
           ORDER BY c.year""",
        [target_id],
    )
    return [(int(y), bool(h), float(n), None if r is None else str(r)) for y, h, n, r in rows]
