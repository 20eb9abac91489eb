"""Unit conversions the calculation worked out, kept in the workspace so the next run need not.

Where it sits: store, read and written by the calculation stage (pipeline/calculation.py). Each
row is what `engine.inputs.pint_conversion` answered for a (source unit, target unit) pair under
one version of the unit definitions (`units_key`, their digest); it is derived data, never
edited, and rows of other definitions are dropped when new ones are kept.
"""

from __future__ import annotations

from collections.abc import Mapping

from zerotrail.store.database import Workspace

Conversion = tuple[bool, float | None]  # (same dimension, multiplier or None)


def known_conversions(ws: Workspace, units_key: str) -> dict[tuple[str, str], Conversion]:
    rows = ws.fetchall(
        "SELECT source_unit, target_unit, same_dimension, multiplier FROM unit_conversions"
        " WHERE units_key = ?",
        [units_key],
    )
    return {(str(s), str(t)): (bool(d), None if m is None else float(m)) for s, t, d, m in rows}


def keep_conversions(
    ws: Workspace, units_key: str, new: Mapping[tuple[str, str], Conversion]
) -> None:
    """Add `new` under `units_key`, dropping conversions kept under other unit definitions."""
    if not new:
        return
    pairs = list(new.items())
    with ws.transaction():
        ws.execute("DELETE FROM unit_conversions WHERE units_key <> ?", [units_key])
        ws.execute(
            "INSERT INTO unit_conversions SELECT ?, unnest(CAST(? AS VARCHAR[])),"
            " unnest(CAST(? AS VARCHAR[])), unnest(CAST(? AS BOOLEAN[])),"
            " unnest(CAST(? AS DOUBLE[])) ON CONFLICT DO NOTHING",
            [
                units_key,
                [s for (s, _), _ in pairs],
                [t for (_, t), _ in pairs],
                [d for _, (d, _) in pairs],
                [m for _, (_, m) in pairs],
            ],
        )
