"""Importing a custom or supplier-specific factor set from CSV into the workspace library.

Factor sets are immutable: re-importing the same content changes nothing, and different content
under an existing set id is refused (publish corrections as a new set id, e.g. `acme-2025-v2`),
so that earlier results keep pointing at the factors they used.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from zerotrail.errors import DataError, Problem
from zerotrail.factors.custom import read_custom_csv
from zerotrail.ingest.files import file_format, sha256_file
from zerotrail.ingest.imports import ImportReport, new_import_id, record_import
from zerotrail.reference.factors import FactorRow, factors_arrow
from zerotrail.store.factor_rows import insert_factor_rows
from zerotrail.store.history import snapshot
from zerotrail.store.workspace import Workspace

# `currency_year` is FactorRow's last field and came after sets were first imported: a row
# without one is digested as before it existed, so re-importing an older set's file stays
# "unchanged" instead of being refused as different content.
_NO_CURRENCY_YEAR = ", currency_year=None)"


def _set_digest(rows: list[FactorRow]) -> str:
    h = hashlib.sha256()
    for r in sorted(rows, key=lambda r: (r.factor_id, r.gas)):
        text = repr(r)
        if text.endswith(_NO_CURRENCY_YEAR):
            text = text[: -len(_NO_CURRENCY_YEAR)] + ")"
        h.update(text.encode())
    return h.hexdigest()


def import_factors(ws: Workspace, path: Path) -> ImportReport:
    if file_format(path) != "csv":
        raise DataError([Problem(str(path), None, None, "factor sets are imported from CSV")])
    rows = list(read_custom_csv(path))
    by_set: dict[str, list[FactorRow]] = {}
    for r in rows:
        by_set.setdefault(r.factor_set, []).append(r)
    problems: list[Problem] = []
    new_sets: dict[str, str] = {}
    for set_id, set_rows in sorted(by_set.items()):
        digest = _set_digest(set_rows)
        found = ws.fetchall(
            "SELECT kind, content_sha256 FROM factor_sets WHERE factor_set = ?", [set_id]
        )
        existing = found[0] if found else None
        if existing is None:
            new_sets[set_id] = digest
        elif existing[0] == "shipped":
            problems.append(
                Problem(
                    path.name,
                    None,
                    "factor_set",
                    f"{set_id} is a shipped set; custom sets need their own id",
                )
            )
        elif existing[1] != digest:
            problems.append(
                Problem(
                    path.name,
                    None,
                    "factor_set",
                    f"factor set {set_id} already exists with different content;"
                    " factor sets are immutable: import it under a new id",
                )
            )
    ids = sorted({r.factor_id for r in rows if r.factor_set in new_sets})
    if ids:
        taken = ws.fetchall(
            "SELECT DISTINCT factor_id, factor_set FROM factors WHERE factor_id IN"
            " (SELECT unnest(?))",
            [ids],
        )
        problems += [
            Problem(path.name, None, "factor_id", f"factor id {fid} is already used by set {fs}")
            for fid, fs in taken
        ]
    if problems:
        raise DataError(problems, f"{path.name}: {len(problems)} problem(s); no factor loaded")
    if not new_sets:
        return ImportReport("factors", str(path), len(rows), 0, 0, len(rows), None)
    import_id = new_import_id()
    table = factors_arrow([r for r in rows if r.factor_set in new_sets])
    now = datetime.now(UTC).replace(tzinfo=None)
    with ws.transaction():
        for set_id, digest in new_sets.items():
            first = by_set[set_id][0]
            ws.execute(
                "INSERT INTO factor_sets VALUES (?, ?, ?, ?, ?, ?, ?, 'custom', ?, ?)",
                [
                    set_id,
                    set_id,
                    first.source,
                    first.edition,
                    first.source_url,
                    first.licence,
                    f"imported from {path.name} (sha256 {sha256_file(path)[:16]}…)",
                    digest,
                    now,
                ],
            )
        insert_factor_rows(ws, table)
        record_import(ws, import_id, "factors", path, len(table), 0)
        snapshot(ws, "factor_set")
    return ImportReport("factors", str(path), len(rows), table.num_rows, 0, 0, import_id)
