"""Where the server keeps the reports it publishes, and publishing one there.

The publish stage (`zerotrail report`) writes a folder, whole or not at all, after recording
the publication and signing a checkpoint over it. The server keeps that folder on its own disk,
so a report outlives the request that made it and is downloaded as published (regenerating it
could not give the same file: a report proves its own publication):

- the folder: `zerotrail serve --reports DIR` (or $ZEROTRAIL_REPORTS), else, for a DuckDB
  workspace, `<file>.reports` beside the workspace file; a PostgreSQL server needs one named;
- one subfolder per year (`<folder>/2025`), holding that year's latest report: publishing the
  year again replaces it, as `zerotrail report --out` does with a previous report folder (every
  publication stays recorded in the ledger);
- the checkpoint is signed with the log's signer key, read from the file `zerotrail serve
  --log-key FILE` (or $ZEROTRAIL_LOG_KEY) names, as `zerotrail report --key FILE` reads it:
  without it the server publishes nothing.

Publications are made one at a time (a lock in this process): two at once for one year would
write into one folder.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from zerotrail.errors import ZerotrailError
from zerotrail.model.files import read_limited
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.pipeline.ledger import signer_key
from zerotrail.pipeline.publish import Published, publish
from zerotrail.pipeline.setup import Workspace, workspace_path
from zerotrail.server.access import WorkspaceAccess

REPORTS_ENV = "ZEROTRAIL_REPORTS"
LOG_KEY_ENV = "ZEROTRAIL_LOG_KEY"

# The files of a report a reader downloads, with their media types (the proofs and keys stay
# on the server: `zerotrail report` prints where they are).
MEDIA = {
    "report.html": "text/html; charset=utf-8",
    "report.pdf": "application/pdf",
    "report.json": "application/json",
    "disclosures.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_publishing = threading.Lock()


class ReportSetupError(ZerotrailError):
    """The server was not started with what publishing needs (answered 400, one line)."""


def folder_of(access: WorkspaceAccess) -> Path | None:
    """The folder the server's reports live in, or None when it has none (PostgreSQL
    without $ZEROTRAIL_REPORTS)."""
    if access.reports is not None:
        return access.reports
    named = os.environ.get(REPORTS_ENV)
    if named:
        return Path(named)
    if access.dialect != "duckdb":
        return None
    path = Path(workspace_path(access.url))
    return path.with_name(path.name + ".reports")


def _signer_key_text(access: WorkspaceAccess) -> str:
    named = access.log_key or os.environ.get(LOG_KEY_ENV)
    if not named:
        raise ReportSetupError(
            "this server holds no log signer key, so it cannot sign the checkpoint a report is"
            " built on: start it with --log-key FILE, or publish with `zerotrail report"
            " --key FILE` (nothing was published)"
        )
    return read_limited(Path(named), "log signer key")


def publish_here(access: WorkspaceAccess, ws: Workspace, year: int) -> Published:
    """Publish the year's report into the server's folder (publish stage), replacing the
    year's earlier one there; ZerotrailError, one line, when it cannot."""
    folder = folder_of(access)
    if folder is None:
        raise ReportSetupError(
            "this server keeps no reports: start it with --reports FOLDER (nothing was published)"
        )
    signer = signer_key(_signer_key_text(access))
    with _publishing:
        folder.mkdir(parents=True, exist_ok=True)
        return publish(ws, year, folder / str(year), signer=signer)


@dataclass(frozen=True, slots=True)
class KeptReport:
    year: int
    report_id: str
    published_at: str
    files: list[str]


def kept_reports(access: WorkspaceAccess) -> list[KeptReport]:
    """The reports in the server's folder, one per year, newest year first. A year folder
    whose report.json cannot be read as a report is left out (not one this server wrote)."""
    folder = folder_of(access)
    if folder is None or not folder.is_dir():
        return []
    out = []
    for sub in folder.iterdir():
        if not (sub.name.isdigit() and FIRST_YEAR <= int(sub.name) <= LAST_YEAR):
            continue
        try:
            data = json.loads((sub / "report.json").read_text(encoding="utf-8"))
            rid, at = str(data["report_id"]), str(data["published_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        files = [name for name in MEDIA if (sub / name).is_file()]
        out.append(KeptReport(int(sub.name), rid, at, files))
    return sorted(out, key=lambda r: -r.year)


def kept_file(access: WorkspaceAccess, year: int, name: str) -> Path | None:
    """A report file of the year kept by the server, or None. `name` must be one of MEDIA's
    (never a path a caller made up)."""
    folder = folder_of(access)
    if name not in MEDIA or folder is None:
        return None
    path = folder / str(year) / name
    return path if path.is_file() else None
