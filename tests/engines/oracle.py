"""The plain-Python oracle (engine/reference.py) on a workspace's stored rows.

The rows are read as stored, table by table, and handed over whole: the oracle filters the
year's current records, weighs gases and pools instruments itself, so nothing of the
calculation stage's own preparation (`pipeline.calculation.prepare`) reaches it.
"""

from __future__ import annotations

from typing import Any

from zerotrail.engine.reference import RefInputs, RefResults, reference_results
from zerotrail.engine.settings import InventorySettings
from zerotrail.store.workspace import Workspace


def stored_rows(ws: Workspace, table: str) -> list[dict[str, Any]]:
    cur = ws.execute(f"SELECT * FROM {table}")  # table: one of the fixed names below
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def oracle_results(ws: Workspace, settings: InventorySettings) -> RefResults:
    """What the oracle calculates from the workspace's stored rows under `settings`."""
    tables = ("activities", "factors", "entities", "sites", "instruments", "price_indices")
    rows = {t: stored_rows(ws, t) for t in tables}
    return reference_results(
        RefInputs(
            **rows,
            year=settings.year,
            gwp_set=settings.gwp_set,
            approach=settings.approach,
            blend_rule=settings.blend_rule,
            factor_policy=settings.factor_policy,
        )
    )
