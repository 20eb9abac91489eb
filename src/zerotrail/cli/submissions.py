"""`zerotrail imports list|approve|reject`: the approval queue of files submitted through the
team server (`POST /api/imports`), from the command line.

Thin: parses the arguments, calls the approval stage (pipeline/submissions.py) and prints what
it returns. Why the CLI decides as `cli:<os user>` rather than as a named server user: the CLI
authenticates no one. Whoever can run it on the workspace holds the database itself and could
import the file directly (`zerotrail import activities` or `import meters`), so a `--user NAME`
option would only let anyone record any name, forging the trail. `cli:<os user>` records
truthfully what is known: the decision was made on the command line, by that operating-system
account. Such an actor is never a server user (names have no `:`), so four eyes never stops it;
the stage's other rules (decided once, a finalized year locked, a reason to reject) apply as on
the server.
"""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common

app = typer.Typer(
    help="Files submitted through the team server: list, approve (import) or reject them.",
    no_args_is_help=True,
)

# What an approval says it added, by the submission's kind.
_COUNTED = {"activities": "record(s)", "meters": "meter reading(s)"}

IdArg = Annotated[str, typer.Argument(help="Submission id (`zerotrail imports list`).")]


def cli_actor() -> str:
    """The name a decision made here is recorded under: `cli:` and the OS account."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        name = f"uid{os.getuid()}"
    name = "".join(c for c in name if c.isprintable() and not c.isspace())[:64]
    return f"cli:{name or 'unknown'}"


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option(help="Only those submitted, approved or rejected.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Every submission, newest first: who sent which file of which kind, and its state."""
    from zerotrail.pipeline.submissions import STATUSES, submissions_for

    common.check_format(format)
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"expected one of {', '.join(STATUSES)}", param_hint="--status")
    with common.workspace() as ws:
        found = [s for s in submissions_for(ws, None) if status in (None, s.status)]
    fields = ["id", "status", "kind", "uploader", "file_name", "rows", "sha256", "submitted_at",
              "decided_by", "decided_at", "reason", "import_id"]  # fmt: skip
    rows = [
        {
            "id": s.submission_id,
            "status": s.status,
            "kind": s.kind,
            "uploader": s.uploader,
            "file_name": s.file_name,
            "rows": s.file_rows,
            "sha256": s.file_sha256,
            "submitted_at": s.submitted_at.isoformat(timespec="seconds"),
            "decided_by": s.decided_by,
            "decided_at": None if s.decided_at is None else s.decided_at.isoformat(),
            "reason": s.reason,
            "import_id": s.import_id,
        }
        for s in found
    ]
    if common.print_records(rows, fields, format):
        return
    if not rows:
        common.tell("no submissions" + (f" {status}" if status else ""))
        return
    table = Table()
    for header in ("Id", "Status", "Kind", "Uploader", "File"):
        common.text_column(table, header)
    common.figure_column(table, "Rows")
    for header in ("Submitted (UTC)", "Decided by", "Reason"):
        common.text_column(table, header)
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["status"]),
            str(r["kind"]),
            str(r["uploader"]),
            str(r["file_name"]),
            str(r["rows"]),
            str(r["submitted_at"]),
            str(r["decided_by"] or ""),
            str(r["reason"] or ""),
        )
    common.print_table(table)


@app.command("approve")
def approve(submission_id: IdArg) -> None:
    """Import a submitted file (as `zerotrail import activities` or `import meters`, by its
    kind) and mark it approved."""
    from zerotrail.pipeline.submissions import approve as approve_submission

    actor = cli_actor()
    with common.workspace() as ws:
        decided = approve_submission(ws, submission_id, actor)
    r = decided.report
    assert r is not None  # an approval always imports
    common.say(
        f"approved {submission_id} ({decided.submission.file_name}, from"
        f" {decided.submission.uploader}) as {actor}: {r.added} {_COUNTED[decided.submission.kind]}"
        " added,"
        f" {r.unchanged} unchanged" + (f" (import {r.import_id})" if r.import_id else "")
    )


@app.command("reject")
def reject(
    submission_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="What the uploader must correct.")],
) -> None:
    """Reject a submitted file, with the reason; nothing is imported."""
    from zerotrail.pipeline.submissions import reject as reject_submission

    actor = cli_actor()
    with common.workspace() as ws:
        decided = reject_submission(ws, submission_id, actor, reason)
    common.say(
        f"rejected {submission_id} ({decided.submission.file_name}, from"
        f" {decided.submission.uploader}) as {actor}: {decided.submission.reason}"
    )
