"""Reads of the stored metrics (intensity denominators) and supplier list, for their imports.

Where it sits: store, read by `ingest/metrics.py` to partition a file into new, changed and
unchanged rows; the writes go through `store/imports.py`.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace


def stored_metrics(ws: Workspace) -> dict[tuple[str, int], tuple[float, str]]:
    """(metric, year) -> (value, unit) of every stored metric value."""
    return {
        (str(m), int(y)): (float(v), str(u))
        for m, y, v, u in ws.fetchall("SELECT metric, year, value, unit FROM metrics")
    }


def stored_suppliers(ws: Workspace) -> dict[tuple[str], tuple[str, int | None]]:
    """(supplier,) -> (name, year its science-based target was validated) of every supplier."""
    return {
        (str(s),): (str(n), None if y is None else int(y))
        for s, n, y in ws.fetchall("SELECT supplier, name, sbt_year FROM suppliers")
    }
