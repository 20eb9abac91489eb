"""Reads of the stored contractual instruments, for the instruments import to compare against.

Where it sits: store, read by `ingest/instruments.py`; the import writes through
`store/imports.py`.
"""

from __future__ import annotations

from typing import Any

from zerotrail.store.database import Workspace


def stored_instruments(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    """instrument_id -> (type, mwh, period start and end, region, entity, site, status,
    retired on, registry id, emission rate) of every stored instrument."""
    return {
        str(r[0]): tuple(r[1:])
        for r in ws.fetchall(
            "SELECT instrument_id, type, mwh, period_start, period_end, region, entity, site,"
            " status, retired_on, registry_id, emission_rate_t_per_mwh FROM instruments"
        )
    }
