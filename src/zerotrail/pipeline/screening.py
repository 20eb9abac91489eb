"""The screening stage: the preparer's Scope 3 screening, imported and read back.

    import_screening(ws, path)    replace the stored screening with a file's (CSV, XLSX)
    screening(ws)                 the stored screening's rows, [] when none was recorded

Where it sits: pipeline, called by `zerotrail import screening` (cli/scope3.py), by the
demo, and by the report stage (pipeline/publish.py), which hands the rows to
`reports/screening.py`. The file's rules are in ingest/screening.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zerotrail.ingest import screening as ingest
from zerotrail.ingest.imports import ImportReport
from zerotrail.store.database import Workspace
from zerotrail.store.screening import stored_screening

__all__ = ["import_screening", "screening"]


def import_screening(ws: Workspace, path: Path) -> ImportReport:
    """Replace the stored screening with the file's, whole; a file with a problem changes
    nothing (DataError listing every problem)."""
    return ingest.import_screening(ws, path)


def screening(ws: Workspace) -> list[dict[str, Any]]:
    """The stored screening's rows by category (ingest.ScreeningRow.to_json), [] when none."""
    stored = stored_screening(ws)
    return [] if stored is None else [dict(r) for r in stored["categories"]]
