"""The approval stage: imports made through the team server are submitted, then approved (and
only then imported) or rejected with a reason.

    submit(ws, uploader, file_name, content, kind)
                                               check the file at once; store it as submitted
    submissions_for(ws, viewer)                the submissions a user may see, newest first
    submission_for(ws, viewer, submission_id)  one of them
    approve(ws, submission_id, actor)          import the stored file; mark it approved
    reject(ws, submission_id, actor, reason)   mark it rejected, with the reason

Where it sits: pipeline, called by the server (server/submissions.py) and the CLI
(cli/submissions.py). A submission is of one kind (KINDS): activity records or meter readings.
No rule of an import is written twice: a submission is checked by its kind's import itself
(`pipeline.imports.import_activities`: every row check, the comparison with the stored records;
`pipeline.imports.import_meters`: every row check, the overlaps with stored readings) run in a
transaction that is then rolled back, so nothing of it is kept; an approval runs that same import
for real, in the transaction that marks the submission approved. So the activities and the meter
readings (and with them every inventory and energy report) only ever hold approved data.

Rules decided here, for the server and the CLI alike:

- An owner may submit only records of its own entities (`User.sees_entity`) and their sites,
  and meter readings of those sites only; a row of any other entity or site is a row error,
  said alike whether that entity or site exists. Those rows are looked for before the import's
  own checks (whose messages tell an unknown site from another's, and name another site's kind
  and stored readings), and a record id taken by a stored record (any entity's, with other
  content) or a lake table is one message: an owner's upload answers nothing about other
  entities' data.
- Every kind keeps the same bounds: MAX_UPLOAD_BYTES, MAX_SUBMISSION_RECORDS and
  MAX_SUBMISSION_SHEET_BYTES. Meter readings are read whole by their import, so a file of them
  is staged first (by DuckDB, as a large activity file is) to be counted before that read.
- An owner sees only the submissions it made itself; every other role sees them all.
- Only an admin or an approver decides (DECIDERS), and never on a submission it made itself
  (four eyes). The CLI decides as `cli:<os user>` (see cli/submissions.py for why).
- A submission is decided once. Approval is refused when any of its records (or readings)
  falls in a year whose current inventory is final (`pipeline.claims.is_final`): a finalized
  year's data is locked. A rejection needs a reason.
- Every transition (submitted, approved, rejected) is a row of `submission_events` with the
  acting user and the file's SHA-256, committed to the ledger (kind `submission`) in the same
  transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, get_args

from zerotrail.errors import DataError, Problem, ZerotrailError
from zerotrail.ingest.activities import check_staged
from zerotrail.ingest.checks import MAX_LISTED, no_progress, raise_if
from zerotrail.ingest.files import (
    FORMATS,
    MAX_SMALL_FILE_BYTES,
    file_format,
    read_small,
    records_at_most,
    reports_read_errors,
    shown,
    stage_large,
)
from zerotrail.ingest.formats import ACTIVITIES, METERS
from zerotrail.ingest.imports import ImportReport
from zerotrail.ingest.rows import parse_date
from zerotrail.ingest.xlsx_bounds import sheet_at_most
from zerotrail.model.limits import MAX_TEXT_LENGTH, text_problem
from zerotrail.model.users import ROLES, User
from zerotrail.pipeline.claims import is_final
from zerotrail.pipeline.imports import import_activities, import_meters
from zerotrail.store import submissions as store
from zerotrail.store.activities import changed_records, compare_with_stored
from zerotrail.store.activity_checks import STAGE, create_typed_view
from zerotrail.store.committed import commit_new
from zerotrail.store.database import Workspace
from zerotrail.store.external import lake_held_records, stored_activities
from zerotrail.store.file_engine import file_engine, hand_over
from zerotrail.store.submission_screen import foreign_rows, foreign_sites
from zerotrail.store.submissions import StoredSubmission as Submission

__all__ = [
    "DECIDERS",
    "KINDS",
    "KIND_NAMES",
    "MAX_SUBMISSION_RECORDS",
    "MAX_SUBMISSION_SHEET_BYTES",
    "MAX_UPLOAD_BYTES",
    "STATUSES",
    "SUBMITTERS",
    "Decided",
    "DecisionConflict",
    "FourEyesError",
    "Kind",
    "Submission",
    "SubmissionError",
    "SubmissionNotFound",
    "TooLarge",
    "approve",
    "reject",
    "submission_for",
    "submissions_for",
    "submit",
]

# The largest file accepted (its bytes are kept in the workspace until it is decided).
MAX_UPLOAD_BYTES = 50 * 2**20
# The most records one submission may hold, and the largest XLSX worksheet (uncompressed).
# Its check holds a DuckDB workspace's turn (every other request waits). CSV and Parquet are
# read by DuckDB (50,000 records in well under a second); an XLSX worksheet by openpyxl, at
# about a second per 1 MiB of its XML whatever it holds (measured: 22 MB, 50,000 rows of 8
# cells, 21 s), so its size is bounded, not only its rows: 4 MiB is about 9,000 such rows.
# The command line's import has neither cap (ingest/xlsx_bounds.py has the XLSX bounds all
# reads keep).
MAX_SUBMISSION_RECORDS = 50_000
MAX_SUBMISSION_SHEET_BYTES = 4 * 2**20
# What a submission holds, as the upload names it (the server's OpenAPI document lists Kind as
# an enum), and each kind's words in messages.
Kind = Literal["activities", "meters"]
KINDS: tuple[Kind, ...] = get_args(Kind)
KIND_NAMES = {"activities": "activity records", "meters": "meter readings"}
_HELD = {"activities": "records", "meters": "meter readings"}


# The command line's import of each kind has no record cap (its small files, meter readings
# among them, are bounded by size only: ingest.files.MAX_SMALL_FILE_BYTES).
_UNCAPPED = {
    "activities": "takes any number of records",
    "meters": f"takes files of up to {MAX_SMALL_FILE_BYTES // 2**20} MiB",
}


def _split(kind: str) -> str:
    return f"split the file (the command line's `zerotrail import {kind}` {_UNCAPPED[kind]})"


def _too_many(kind: str) -> str:
    return f"a submission holds at most {MAX_SUBMISSION_RECORDS:,}: {_split(kind)}"


def _too_big(kind: str) -> str:
    return f"a submission's XLSX worksheet may be at most that: save it as CSV, or {_split(kind)}"


STATUSES = ("submitted", "approved", "rejected")
# Those who may submit: every role that writes (User.can_write).
SUBMITTERS = tuple(r for r in ROLES if User("-", r, ()).can_write())
DECIDERS = ("admin", "approver")

_CLI_ACTOR = re.compile(r"cli:[^\s]{1,64}")


class SubmissionError(ZerotrailError):
    """A submission cannot be made or decided as asked (one line saying why)."""


class SubmissionNotFound(SubmissionError):
    """No such submission, or one the caller may not see (said alike)."""


class FourEyesError(SubmissionError):
    """The caller may not decide this submission (its own, or a role that does not decide)."""


class DecisionConflict(SubmissionError):
    """The submission's state forbids it: decided already, or a finalized year."""


class TooLarge(SubmissionError):
    """The file is larger than MAX_UPLOAD_BYTES."""


@dataclass(frozen=True, slots=True)
class Decided:
    submission: Submission
    report: ImportReport | None  # the import an approval made; None for a rejection


class _Checked(Exception):
    """Raised to roll back a check once it passed, carrying the count of records checked."""

    def __init__(self, rows: int) -> None:
        self.rows = rows


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def check_file_name(name: str) -> str:
    """The uploaded file's name, without any folder, if it can be kept and shown; else one
    line saying why. Its suffix says the format (.csv, .xlsx, .parquet)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    why = text_problem(base, 200)
    if why is None and (not base or base.startswith(".")):
        why = "is empty or starts with a dot"
    if why is not None:
        raise SubmissionError(f"file name {base[:200]!r} {why}")
    if Path(base).suffix.lower() not in FORMATS:
        raise SubmissionError(f"file {base}: unknown file type (expected .csv, .xlsx or .parquet)")
    return base


@contextmanager
def _as_file(name: str, content: bytes) -> Iterator[Path]:
    """The bytes as a file of that name in a folder of its own, removed at the end: the import
    reads files, and records the file's name."""
    with tempfile.TemporaryDirectory(prefix="zerotrail-submission-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def _named(exc: DataError, path: Path, name: str, done: str = "imported") -> DataError:
    """The import's problems with the file's own name in place of the temporary path (and
    what was not done: imported, or submitted)."""
    where = str(path)
    problems = [replace(p, source=name) if p.source == where else p for p in exc.problems]
    summary = str(exc).replace(where, name)
    # An import says "nothing was imported"; a refusal while the file is read, "... changed".
    for said in ("nothing was imported", "nothing was changed"):
        summary = summary.replace(said, f"nothing was {done}")
    return DataError(problems, summary)


def _foreign(source: str, uploader: User, found: list[tuple[int, str, str]]) -> list[Problem]:
    """The owner's row errors for entities and sites not its own: one message whether such an
    entity or site exists or not (the value is shown escaped: no other check has read it)."""
    yours = ", ".join(uploader.entities)
    return [
        Problem(
            source,
            row,
            col,
            f"entity {shown(value)} is not one of yours: {uploader.name} may submit records of"
            f" {yours} only"
            if col == "entity"
            else f"site {shown(value)} is not a site of your entities ({yours})",
        )
        for row, col, value in found
    ]


TAKEN = "is taken: give this record another id (an upload adds records; it cannot change one)"


@reports_read_errors
def _screen(ws: Workspace, path: Path, uploader: User) -> None:
    """A data owner's upload, screened before the import's checks answer about anything
    stored; call inside the (rolled back) check's transaction.

    First the rows naming an entity or a site that is not the owner's (one message whether it
    exists or not), so that no later message depends on another entity's entities, sites or
    site regions. Then the import's own file checks (`check_staged`: the import's rules, not a
    copy), and then the record ids that are taken: stored with other content, whatever entity
    holds them, or held by a lake table, one message for all (the import's own would say which,
    and name the lake table). Records stored with the same content are the owner's own (the
    entity is part of the content) and pass, as in the import."""
    source = str(path)
    file_format(path)
    with file_engine(ws) as files:
        columns = stage_large(files, path, STAGE, ACTIVITIES)
        create_typed_view(files, columns)
        found, total = foreign_rows(files, uploader.entities, MAX_LISTED)
        raise_if(source, _foreign(source, uploader, found), total)
        problems, total = check_staged(files, source, columns, no_progress())
        raise_if(source, [Problem(source, r, c, m) for r, c, m in problems], total)
        hand_over(files, ws, "zt_typed")
    with stored_activities(ws):
        held, n_held = lake_held_records(ws, MAX_LISTED)
        _, n_changed, _ = compare_with_stored(ws.con)
        taken = sorted({(r, rid) for r, rid, _ in held} | set(changed_records(ws.con, MAX_LISTED)))
    raise_if(
        source,
        [Problem(source, r, "record_id", f"record id {rid} {TAKEN}") for r, rid in taken][
            :MAX_LISTED
        ],
        n_held + n_changed,
    )


_METER_STAGE = "zt_meter_stage"


@reports_read_errors
def _screen_meters(ws: Workspace, path: Path, uploader: User) -> None:
    """A file of meter readings, staged and counted (MAX_SUBMISSION_RECORDS, while it is read)
    before its import reads it whole; and a data owner's rows naming a site that is not a site
    of its entities, refused (one message whether it exists or not) before the import's checks
    can answer about it: "unknown site", another site's kind, another site's stored readings.
    Call inside the (rolled back) check's transaction."""
    source = str(path)
    with file_engine(ws) as files:
        stage_large(files, path, _METER_STAGE, METERS)
        if uploader.role == "owner":
            found, total = foreign_sites(files, _METER_STAGE, uploader.entities, MAX_LISTED)
            raise_if(source, _foreign(source, uploader, found), total)


def _check(ws: Workspace, path: Path, uploader: User, kind: str) -> int:
    """Run the import's check of the file and roll it back: its row errors (DataError), or the
    number of records it holds. A data owner's activity file is checked by `_screen` (the
    import's own checks, behind the owner's); any other by the import itself, meter readings
    behind `_screen_meters`. A file of more than MAX_SUBMISSION_RECORDS records is refused
    while it is read."""
    try:
        with (
            records_at_most(MAX_SUBMISSION_RECORDS, _too_many(kind)),
            sheet_at_most(MAX_SUBMISSION_SHEET_BYTES, _too_big(kind)),
            ws.transaction(),
        ):
            if kind == "meters":
                _screen_meters(ws, path, uploader)
                rows = import_meters(ws, path).rows
                _open_years_only(ws, path.name, kind, _reading_years(path))
                raise _Checked(rows)
            if uploader.role == "owner":
                _screen(ws, path, uploader)
            else:
                import_activities(ws, path)
            _open_years_only(ws, path.name, kind, store.checked_years(ws))
            raise _Checked(store.checked_rows(ws))
    except _Checked as done:
        return done.rows
    except DataError as exc:
        raise _named(exc, path, path.name, "submitted") from None


def submit(
    ws: Workspace, uploader: User, file_name: str, content: bytes, kind: str = "activities"
) -> Submission:
    """Check the file as `zerotrail import <kind>` would (activities or meters), and store it as
    submitted; a file with any problem raises DataError (every row error) and nothing is
    stored."""
    if kind not in KINDS:
        raise SubmissionError(f"unknown kind {kind!r}: expected {', '.join(KINDS)}")
    if uploader.role not in SUBMITTERS:
        raise FourEyesError(f"role {uploader.role} may not submit data")
    name = check_file_name(file_name)
    if len(content) > MAX_UPLOAD_BYTES:
        raise TooLarge(
            f"file {name} is {len(content):,} bytes; at most {MAX_UPLOAD_BYTES:,} bytes"
            f" ({MAX_UPLOAD_BYTES // 2**20} MiB) may be submitted"
        )
    with _as_file(name, content) as path:
        rows = _check(ws, path, uploader, kind)
    now = _now()
    submission = Submission(
        submission_id="sub-" + secrets.token_hex(8),
        kind=kind,
        uploader=uploader.name,
        file_name=name,
        file_format=FORMATS[Path(name).suffix.lower()],
        file_sha256=hashlib.sha256(content).hexdigest(),
        file_size=len(content),
        file_rows=rows,
        status="submitted",
        reason=None,
        decided_by=None,
        decided_at=None,
        import_id=None,
        submitted_at=now,
    )
    with ws.transaction():
        store.insert_submission(ws, submission, content)
        _transition(ws, submission, 1, "submitted", uploader.name, None, now)
    return submission


def _transition(
    ws: Workspace,
    s: Submission,
    version: int,
    status: str,
    actor: str,
    reason: str | None,
    at: datetime,
) -> None:
    store.insert_event(ws, s.submission_id, version, status, actor, s.file_sha256, reason, at)
    commit_new(ws, "submission")


def submissions_for(ws: Workspace, viewer: User | None) -> list[Submission]:
    """The submissions `viewer` may see (None: the CLI, which sees all), newest first."""
    own = viewer.name if viewer is not None and viewer.role == "owner" else None
    return store.read_submissions(ws, own)


def submission_for(ws: Workspace, viewer: User | None, submission_id: str) -> Submission:
    """One submission `viewer` may see; SubmissionNotFound alike when there is none and when
    it is another owner's (so an owner cannot learn which ids exist)."""
    found = store.read_submission(ws, submission_id)
    if found is None or (
        viewer is not None and viewer.role == "owner" and found.uploader != viewer.name
    ):
        raise SubmissionNotFound(f"no submission {submission_id!r}")
    return found


def _actor(actor: User | str) -> str:
    """The name a decision is recorded under: a user who decides, or the CLI's `cli:<user>`."""
    if isinstance(actor, User):
        if actor.role not in DECIDERS:
            raise FourEyesError(
                f"role {actor.role} may not approve or reject submissions"
                f" (allowed: {', '.join(DECIDERS)})"
            )
        return actor.name
    if not _CLI_ACTOR.fullmatch(actor):
        raise SubmissionError(f"not a command-line actor: {actor!r}")
    return actor


def _pending(ws: Workspace, submission_id: str, actor: User | str) -> tuple[Submission, str]:
    name = _actor(actor)
    viewer = actor if isinstance(actor, User) else None
    s = submission_for(ws, viewer, submission_id)
    if s.status != "submitted":
        raise DecisionConflict(
            f"submission {submission_id} was already {s.status} by {s.decided_by}"
            f" at {s.decided_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    if s.uploader == name:
        raise FourEyesError(
            f"{name} submitted {submission_id} and may not decide it too (four eyes):"
            " another approver or admin must"
        )
    return s, name


def _reading_years(path: Path) -> list[int]:
    """The calendar years of the meter readings of a file its import has just accepted (so
    every date parses, and a reading stays within one year), read as that import reads them."""
    f = read_small(path, METERS)
    days = [parse_date(r.get(c, ""))[0] for _, r in f.rows for c in ("period_start", "period_end")]
    return sorted({d.year for d in days if d is not None})


def _final(ws: Workspace, years: list[int]) -> str | None:
    """The years among `years` whose inventory is final, as a list to show; None if none is."""
    final = [y for y in years if is_final(ws, y)]
    return ", ".join(str(y) for y in final) if final else None


def _open_years_only(ws: Workspace, name: str, kind: str, years: list[int]) -> None:
    """Refuse a file at submission when it holds records of a finalized year: its approval
    would be refused (`_locked_years`), so the uploader is told now, not after an approver
    has looked at it."""
    shown_years = _final(ws, years)
    if shown_years is not None:
        raise DecisionConflict(
            f"file {name} has {_HELD[kind]} in {shown_years}, whose inventory is final: a"
            " finalized year's data is locked; nothing was submitted"
        )


def _locked_years(ws: Workspace, s: Submission, years: list[int]) -> None:
    # Checked again at approval: a year may have been finalized since the file was submitted.
    shown_years = _final(ws, years)
    if shown_years is not None:
        raise DecisionConflict(
            f"submission {s.submission_id} has {_HELD[s.kind]} in {shown_years}, whose inventory"
            " is final: a finalized year's data is locked"
        )


def _import(ws: Workspace, s: Submission, path: Path) -> ImportReport:
    """The submission's import, for real, refused (before anything is committed) when it holds
    records of a finalized year; call inside the approval's transaction."""
    if s.kind == "meters":
        report = import_meters(ws, path)
        _locked_years(ws, s, _reading_years(path))
    else:
        report = import_activities(ws, path)
        _locked_years(ws, s, store.checked_years(ws))
    return report


def approve(ws: Workspace, submission_id: str, actor: User | str) -> Decided:
    """Import the submission's file (the stage `zerotrail import <kind>` runs) and mark it
    approved, in one transaction: either both happen or neither."""
    s, name = _pending(ws, submission_id, actor)
    content = store.read_content(ws, submission_id)
    assert content is not None  # read with the row just found
    with _as_file(s.file_name, content) as path:
        try:
            with ws.transaction():
                report = _import(ws, s, path)
                now = _now()
                if not store.decide(
                    ws, submission_id, "approved", name, None, now, report.import_id
                ):
                    raise DecisionConflict(f"submission {submission_id} was decided meanwhile")
                _transition(ws, s, 2, "approved", name, None, now)
        except DataError as exc:
            raise _named(exc, path, s.file_name) from None
    return Decided(submission_for(ws, None, submission_id), replace(report, file=s.file_name))


def reject(ws: Workspace, submission_id: str, actor: User | str, reason: str) -> Decided:
    """Mark the submission rejected with `reason` (required); nothing is imported."""
    text = " ".join(reason.split())
    if not text:
        raise SubmissionError("a rejection needs a reason (say what to correct)")
    why = text_problem(text, MAX_TEXT_LENGTH)
    if why is not None:
        raise SubmissionError(f"the reason {why}")
    s, name = _pending(ws, submission_id, actor)
    now = _now()
    with ws.transaction():
        if not store.decide(ws, submission_id, "rejected", name, text, now, None):
            raise DecisionConflict(f"submission {submission_id} was decided meanwhile")
        _transition(ws, s, 2, "rejected", name, text, now)
    return Decided(submission_for(ws, None, submission_id), None)
