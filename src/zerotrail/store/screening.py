"""Storing and reading the workspace's Scope 3 screening: one record per category screened.

Where it sits: store, under the screening import (ingest/screening.py) and the report stage
(pipeline/publish.py through pipeline/screening.py). The screening is small (at most 15 rows) and
is replaced as a whole by each import, so it is kept as one workspace setting holding its rows
as JSON, beside the name and SHA-256 of the file they came from. It is committed to the ledger
with each report that prints it (the report's figures hold it).
"""

from __future__ import annotations

import json
from typing import Any

from zerotrail.store.database import Workspace

KEY = "scope3_screening"


def stored_screening(ws: Workspace) -> dict[str, Any] | None:
    """{"file": name, "sha256": hex, "categories": [row, ...]} as last imported, or None."""
    text = ws.get_setting(KEY)
    return None if text is None else dict(json.loads(text))


def store_screening(ws: Workspace, screening: dict[str, Any]) -> None:
    """Replace the stored screening (inside the caller's transaction, if any)."""
    ws.set_setting(KEY, json.dumps(screening, sort_keys=True, ensure_ascii=False))
