"""Importing a custom or supplier-specific factor set from CSV into the workspace library.

Where it sits: ingest. The file is read here (the file rules of `ingest/files.py`), its rows are
parsed and checked by the factor library's own rules (`factors/custom.py`), and a new set is
written through `store/factor_sets.py` and `store/factor_rows.py` in one transaction.

Factor sets are immutable: re-importing the same content changes nothing, and different content
under an existing set id is refused (publish corrections as a new set id, e.g. `acme-2025-v2`),
so that earlier results keep pointing at the factors they used.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from zerotrail.errors import DataError, Problem
from zerotrail.factors.custom import parse_custom_factors
from zerotrail.ingest.files import file_format, read_csv_rows, sha256_file
from zerotrail.ingest.imports import ImportReport, new_import_id
from zerotrail.reference.factors import FactorRow, factors_arrow
from zerotrail.store.factor_rows import insert_factor_rows
from zerotrail.store.factor_sets import (
    FactorSetRecord,
    factor_ids_in_use,
    insert_factor_set,
    stored_set,
)
from zerotrail.store.history import snapshot
from zerotrail.store.imports import record_import
from zerotrail.store.workspace import Workspace

# `currency_year` is FactorRow's last field and came after sets were first imported: a row
# without one is digested as before it existed, so re-importing an older set's file stays
# "unchanged" instead of being refused as different content.
_NO_CURRENCY_YEAR = ", currency_year=None)"


def read_custom_csv(path: str | Path) -> tuple[FactorRow, ...]:
    """Read a custom-factor CSV file; DataError (carrying every Problem) if anything is wrong."""
    file = Path(path)
    # The file rules (UTF-8, a byte-order mark dropped, well-formed CSV, every row as wide as
    # the header, field and file sizes) are checked in reading; the header's names here.
    header, records = read_csv_rows(file)
    rows, problems = parse_custom_factors(
        [dict(zip(header, fields, strict=True)) for _, fields in records],
        file.name,
        columns=header,
    )
    if problems:
        raise DataError(problems, f"{file.name}: {len(problems)} problem(s); no factor loaded")
    return rows


def _set_digest(rows: list[FactorRow]) -> str:
    h = hashlib.sha256()
    for r in sorted(rows, key=lambda r: (r.factor_id, r.gas)):
        text = repr(r)
        if text.endswith(_NO_CURRENCY_YEAR):
            text = text[: -len(_NO_CURRENCY_YEAR)] + ")"
        h.update(text.encode())
    return h.hexdigest()


def import_factors(ws: Workspace, path: Path) -> ImportReport:
    """Add the file's new factor sets; a set already stored with the same content is unchanged."""
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
        existing = stored_set(ws, set_id)
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
    problems += [
        Problem(path.name, None, "factor_id", f"factor id {fid} is already used by set {fs}")
        for fid, fs in factor_ids_in_use(ws, ids)
    ]
    if problems:
        raise DataError(problems, f"{path.name}: {len(problems)} problem(s); no factor loaded")
    if not new_sets:
        return ImportReport("factors", str(path), len(rows), 0, 0, len(rows), None)
    import_id = new_import_id()
    table = factors_arrow([r for r in rows if r.factor_set in new_sets])
    now = datetime.now(UTC).replace(tzinfo=None)
    file_sha256 = sha256_file(path)
    with ws.transaction():
        for set_id, digest in new_sets.items():
            first = by_set[set_id][0]
            insert_factor_set(
                ws,
                FactorSetRecord(
                    factor_set=set_id,
                    name=set_id,
                    publisher=first.source,
                    edition=first.edition,
                    source_url=first.source_url,
                    licence=first.licence,
                    description=f"imported from {path.name} (sha256 {file_sha256[:16]}…)",
                    kind="custom",
                    content_sha256=digest,
                    loaded_at=now,
                ),
            )
        insert_factor_rows(ws, table)
        record_import(ws, import_id, "factors", path.name, file_sha256, len(table), 0)
        snapshot(ws, "factor_set")
    return ImportReport("factors", str(path), len(rows), table.num_rows, 0, 0, import_id)
