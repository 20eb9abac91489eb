"""Reads of the stored price indices: the latest version of each (currency, year).

Where it sits: store, read by `ingest/price_indices.py` (to tell new, changed and unchanged
values apart) and, through it, by the calculation stage (the `prices` table the engine
deflates spend with); versions are added through `store/imports.py`.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace

Key = tuple[str, int]  # (currency, year)
# The stored content of a version: index value, source, url, note.
Content = tuple[float, str, str | None, str | None]


def latest_price_indices(ws: Workspace) -> dict[Key, tuple[int, Content]]:
    """(currency, year) -> (latest version, its content)."""
    out: dict[Key, tuple[int, Content]] = {}
    for currency, year, version, index, source, url, note in ws.fetchall(
        """SELECT currency, year, version, index_value, source, url, note
           FROM price_indices p
           WHERE version = (SELECT max(version) FROM price_indices q
                            WHERE q.currency = p.currency AND q.year = p.year)"""
    ):
        out[(str(currency), int(year))] = (
            int(version),
            (
                float(index),
                str(source),
                None if url is None else str(url),
                None if note is None else str(note),
            ),
        )
    return out


def current_indices(ws: Workspace) -> dict[Key, float]:
    """The index value that counts for each (currency, year): its latest version's."""
    return {key: content[0] for key, (_, content) in latest_price_indices(ws).items()}
