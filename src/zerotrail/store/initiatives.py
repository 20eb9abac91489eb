"""Reads of the stored reduction initiatives: the latest version of each.

Where it sits: store, read by `ingest/initiatives.py` (to tell new, changed and unchanged
initiatives apart) and by the reports on initiatives; versions are added through
`store/imports.py`.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace

# The stored content of a version (everything but id, version and import): name, owner, lever,
# sites, start year, expected t per year, cost, currency, description.
Content = tuple[str, str, str, str, int, float, float | None, str | None, str | None]


def latest_initiatives(ws: Workspace) -> dict[str, tuple[int, Content]]:
    """initiative_id -> (latest version, its content)."""
    out: dict[str, tuple[int, Content]] = {}
    for iid, version, *c in ws.fetchall(
        """SELECT initiative_id, version, name, owner, lever, sites, start_year,
                  expected_t_per_year, cost, currency, description
           FROM initiatives i
           WHERE version = (SELECT max(version) FROM initiatives j
                            WHERE j.initiative_id = i.initiative_id)"""
    ):
        name, owner, lever, sites, start, expected, cost, currency, description = c
        out[str(iid)] = (
            int(version),
            (
                str(name),
                str(owner),
                str(lever),
                str(sites),
                int(start),
                float(expected),
                None if cost is None else float(cost),
                None if currency is None else str(currency),
                None if description is None else str(description),
            ),
        )
    return out
