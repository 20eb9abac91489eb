"""`zerotrail verification ...`: a third-party verifier's engagement (ISO 14064-3), from opening
to the signed statement (docs/verification.md).

Thin: parses the arguments, calls the verification stage (pipeline/verification.py and
pipeline/verification_bundle.py) and prints what it returns. Changes are recorded as
`cli:<os user>`, for the reason cli/submissions.py gives; the verifier's own name is the
engagement's, and the statement is signed with the verifier's key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.cli.ledger import fail_verification
from zerotrail.cli.submissions import cli_actor
from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.model.files import read_limited

app = typer.Typer(
    help="Third-party verification: engagement, risk and sample, evidence, findings, opinion.",
    no_args_is_help=True,
)
finding_app = typer.Typer(
    help="Findings: raise, respond, close, reopen, list.", no_args_is_help=True
)
app.add_typer(finding_app, name="finding")


def _one_of(value: str | None, allowed: tuple[str, ...], option: str) -> None:
    """Refuse a value outside `allowed` before the workspace is opened."""
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"expected one of {', '.join(allowed)}", param_hint=option)


EngagementArg = Annotated[str, typer.Argument(help="Engagement id (`verification list`).")]
FindingArg = Annotated[str, typer.Argument(help="Finding id (`verification finding list`).")]


@app.command("open")
def open_(
    year: Annotated[int, typer.Option(help="The year whose final inventory is verified.")],
    verifier: Annotated[str, typer.Option(help="The verification body's name.")],
    level: Annotated[str, typer.Option(help="Level of assurance: limited or reasonable.")],
    materiality: Annotated[
        str, typer.Option(help="Overall materiality: a percent (5%) or tonnes CO2e (1200t).")
    ] = "5%",
    scope_materiality: Annotated[
        list[str] | None,
        typer.Option(help="A scope's own materiality, SCOPE=RULE, e.g. 3=10% (repeatable)."),
    ] = None,
    scope: Annotated[str, typer.Option(help="The scopes verified, e.g. 1,2,3.")] = "1,2,3",
    performance_share: Annotated[
        float, typer.Option(help="Performance materiality as a share of materiality.")
    ] = 0.75,
    trivial_share: Annotated[
        float, typer.Option(help="The clearly-trivial amount as a share of materiality.")
    ] = 0.05,
    qualify_multiple: Annotated[
        float, typer.Option(help="Uncorrected misstatements of this times materiality qualify.")
    ] = 1.0,
    adverse_multiple: Annotated[
        float, typer.Option(help="... and of this times materiality make the opinion adverse.")
    ] = 5.0,
) -> None:
    """Open an engagement on the year's final inventory and the latest cosigned checkpoint."""
    from zerotrail.pipeline.verification import LEVELS, engagement_rules, open_engagement

    common.check_year(year)
    _one_of(level, LEVELS, "--level")
    rules = engagement_rules(performance_share, trivial_share, qualify_multiple, adverse_multiple)
    try:
        scopes = [int(s) for s in scope.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter("expected scopes such as 1,2,3", param_hint="--scope") from None
    with common.workspace() as ws:
        e = open_engagement(
            ws,
            year,
            verifier,
            level,
            cli_actor(),
            materiality,
            scope_materiality or (),
            scopes,
            rules,
        )
    r = e.row
    common.say(
        f"opened engagement {r.engagement_id}: {r.level} assurance by {r.verifier} on the final"
        f" inventory {r.run_id} of {r.year}, checkpoint of size {r.checkpoint_size},"
        f" materiality {r.materiality}"
    )
    common.say(
        f"next: the verifier draws the sample with a seed of their own choosing"
        f" (verification sample {r.engagement_id} --seed ...)"
    )


@app.command("list")
def list_(
    year: Annotated[int | None, typer.Option(help="Only this year's engagements.")] = None,
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Every engagement: its year, verifier, level, the inventory it covers and its state."""
    from zerotrail.pipeline.verification import engagements

    common.check_format(format)
    with common.workspace() as ws:
        rows = [
            {
                "id": e.engagement_id,
                "year": e.year,
                "verifier": e.verifier,
                "level": e.level,
                "materiality": e.materiality,
                "run_id": e.run_id,
                "checkpoint_size": e.checkpoint_size,
                "status": e.status,
            }
            for e in engagements(ws, year)
        ]
    fields = ["id", "year", "verifier", "level", "materiality", "run_id", "checkpoint_size",
              "status"]  # fmt: skip
    if common.print_records(rows, fields, format):
        return
    if not rows:
        common.tell("no engagements")
        return
    table = Table()
    for header in ("Id", "Year", "Verifier", "Level", "Materiality", "Run", "Checkpoint", "Status"):
        common.text_column(table, header)
    for r in rows:
        table.add_row(*(str(r[f]) for f in fields))
    common.print_table(table)


@app.command("plan")
def plan_(
    engagement_id: EngagementArg,
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Each stratum's inherent risk and sample size, with the formula, and the records drawn."""
    from zerotrail.pipeline.verification import sample_plan

    common.check_format(format)
    with common.workspace() as ws:
        sp = sample_plan(ws, engagement_id)
    drawn: dict[str, int] = {}
    for s in sp.selected:
        drawn[s.stratum] = drawn.get(s.stratum, 0) + 1
    rows: list[dict[str, Any]] = [
        {
            "stratum": p.stratum,
            "records": p.risk.records,
            "t_co2e": round(p.risk.t_co2e, 3),
            "risk": p.risk.level,
            "confidence": p.confidence,
            "interval_t": round(p.interval_t, 3),
            "size": p.size,
            "drawn": drawn.get(p.stratum, 0),
            "formula": p.formula,
            "reasons": "; ".join(p.risk.reasons),
        }
        for p in sp.strata
    ]
    fields = ["stratum", "records", "t_co2e", "risk", "confidence", "interval_t", "size",
              "drawn", "formula", "reasons"]  # fmt: skip
    if common.print_records(rows, fields, format):
        return
    e = sp.engagement
    th = sp.thresholds
    common.say(
        f"engagement {e.engagement_id}: {e.level} assurance, materiality {e.materiality}"
        f" (overall {th.overall_t:,.3f} t; performance {th.performance_share:.0%} of it)"
    )
    table = Table()
    for header in ("Stratum", "Risk"):
        common.text_column(table, header)
    for header in ("Records", "t CO2e", "Interval t", "Size", "Drawn"):
        common.figure_column(table, header)
    common.text_column(table, "Formula")
    for r in rows:
        table.add_row(
            str(r["stratum"]), str(r["risk"]), str(r["records"]), common.tonnes(float(r["t_co2e"])),
            common.tonnes(float(r["interval_t"])), str(r["size"]),
            str(r["drawn"]) if e.seed is not None else "-", str(r["formula"]),
        )  # fmt: skip
    common.print_table(table)
    if e.seed is None:
        common.say(
            f"not drawn yet: the verifier draws it with a seed of their own choosing"
            f" (verification sample {e.engagement_id} --seed ...)"
        )


@app.command("sample")
def sample(
    engagement_id: EngagementArg,
    seed: Annotated[
        str, typer.Option(help="The verifier's own seed (any text; the company cannot choose it).")
    ],
) -> None:
    """Draw the sample: monetary-unit sampling per stratum plus every key item, driven by the
    verifier's seed. Once: the seed and the drawn records' digest are committed."""
    from zerotrail.pipeline.verification import draw_sample

    with common.workspace() as ws:
        sp = draw_sample(ws, engagement_id, seed, cli_actor())
    keys = sum(s.key_item for s in sp.selected)
    strata = f"{len(sp.strata)} {'stratum' if len(sp.strata) == 1 else 'strata'}"
    common.say(
        f"drew {len(sp.selected)} records ({keys} key items) in {strata} for"
        f" {engagement_id}; next: export the bundle"
        f" (verification export {engagement_id} -o FOLDER)"
    )
    # The verifier keeps this line: a bundle's sample must carry the same digest.
    common.say(f"drawn records' SHA-256: {sp.engagement.sample_sha256}")
    common.say(f"population's SHA-256: {sp.engagement.population_sha256}")


@app.command("export")
def export(
    engagement_id: EngagementArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="A new folder for the bundle.")],
) -> None:
    """Write the verifier's bundle: proofs with openings of every drawn record and the leaves it
    needs, the population, the sample, evidence files and findings (docs/verification.md)."""
    from zerotrail.pipeline.verification_bundle import export_bundle

    with common.workspace() as ws:
        folder = export_bundle(ws, engagement_id, out)
    common.say(f"wrote the bundle of {engagement_id} to {folder}")


@app.command("check")
def check(
    folder: Annotated[Path, typer.Argument(help="A bundle folder (`verification export`).")],
    log_key: Annotated[str, typer.Option(help="The log's verifier key (or a file with it).")],
    witness_key: Annotated[
        list[str] | None,
        typer.Option(help="A witness verifier key that must have cosigned (repeatable)."),
    ] = None,
) -> None:
    """Check a bundle with no workspace: proofs and signatures, the population against the
    run's figures, the draw, each drawn record recomputed, evidence hashes, the opinion's
    arithmetic. Exits 1 when anything differs."""
    from zerotrail.pipeline.verification_bundle import check_bundle, opinion_lines

    keys = [common.key_text(k) for k in witness_key or []]
    try:
        rep = check_bundle(folder, common.key_text(log_key), keys)
    except VerificationError as exc:
        fail_verification(exc)
    for line in rep.checked:
        typer.echo(f"ok: {line}")
    for line in rep.notes:
        typer.echo(f"note: {line}")
    for line in opinion_lines(rep):
        typer.echo(line)
    for line in rep.differences:
        typer.echo(f"differs: {line}")
    if not rep.ok:
        typer.echo(f"{len(rep.differences)} difference(s): the records above need a look")
        raise typer.Exit(1)
    typer.echo("ok: no differences")


@app.command("evidence")
def evidence(
    record_id: Annotated[str, typer.Argument(help="The activity record the file documents.")],
    file: Annotated[Path, typer.Argument(help="The evidence file (invoice, photo, PDF ...).")],
) -> None:
    """Attach an evidence file to a record; its SHA-256 must be the one the record committed,
    else a non-conformity is raised on the engagement that sampled it."""
    from zerotrail.pipeline.verification import attach_evidence

    with common.workspace() as ws:
        got = attach_evidence(ws, record_id, file, cli_actor())
    r = got.row
    if r.matches:
        common.say(f"attached {r.file_name} to {record_id}: SHA-256 {r.file_sha256} as committed")
        return
    common.say(
        f"attached {r.file_name} to {record_id}, but its SHA-256 {r.file_sha256} is not the"
        f" committed {r.committed_sha256 or '(none)'}"
        + (f": finding {got.finding} raised" if got.finding else "")
    )
    raise typer.Exit(1)


@finding_app.command("add")
def finding_add(
    engagement_id: EngagementArg,
    kind: Annotated[str, typer.Option(help="misstatement or nonconformity.")],
    type: Annotated[str, typer.Option("--type", help="CAR, CL, FAR or observation.")],
    text: Annotated[str, typer.Option(help="What was found.")],
    amount: Annotated[
        float | None, typer.Option(help="A misstatement's t CO2e; positive = overstated.")
    ] = None,
    record: Annotated[
        list[str] | None, typer.Option(help="A record behind it (repeatable).")
    ] = None,
    scope: Annotated[int | None, typer.Option(help="The scope it affects.")] = None,
    nature: Annotated[
        str | None, typer.Option(help="factual (default), judgmental or projected.")
    ] = None,
    clause: Annotated[str | None, typer.Option(help="A non-conformity's clause or rule.")] = None,
) -> None:
    """Raise a finding on the engagement."""
    from zerotrail.pipeline.verification import FINDING_KINDS, FINDING_TYPES, NATURES, add_finding

    _one_of(kind, FINDING_KINDS, "--kind")
    _one_of(type, FINDING_TYPES, "--type")
    _one_of(nature, NATURES, "--nature")
    with common.workspace() as ws:
        f = add_finding(
            ws, engagement_id, kind=kind, finding_type=type, text=text, actor=cli_actor(),
            amount_t=amount, records=record or (), scope=scope, nature=nature, clause=clause,
        )  # fmt: skip
    what = f"{f.amount_t:+,.3f} t CO2e" if f.amount_t is not None else f"clause: {f.clause}"
    common.say(f"raised {f.finding_id} ({f.finding_type} {f.finding_kind}, {what})")


def _move(finding_id: str, move: str, note: str, outcome: str | None = None) -> None:
    from zerotrail.pipeline.verification import move_finding

    with common.workspace() as ws:
        f = move_finding(ws, finding_id, move, cli_actor(), note, outcome)
    common.say(f"{f.finding_id} is {f.status}" + (f" ({f.outcome})" if f.outcome else ""))


@finding_app.command("respond")
def finding_respond(
    finding_id: FindingArg,
    note: Annotated[str, typer.Option(help="The company's response.")],
) -> None:
    """The company's response to a finding."""
    _move(finding_id, "respond", note)


@finding_app.command("close")
def finding_close(
    finding_id: FindingArg,
    outcome: Annotated[str, typer.Option(help="corrected or accepted-uncorrected.")],
    note: Annotated[str, typer.Option(help="Why the verifier closes it.")],
) -> None:
    """Close a finding (the verifier): corrected (in a restated inventory) or accepted
    uncorrected."""
    from zerotrail.pipeline.verification import OUTCOMES

    _one_of(outcome, OUTCOMES, "--outcome")
    _move(finding_id, "close", note, outcome)


@finding_app.command("reopen")
def finding_reopen(
    finding_id: FindingArg,
    note: Annotated[str, typer.Option(help="Why it is reopened.")],
) -> None:
    """Reopen a closed finding."""
    _move(finding_id, "reopen", note)


@finding_app.command("list")
def finding_list(
    engagement_id: EngagementArg,
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """The engagement's findings at their latest state."""
    from zerotrail.pipeline.verification import findings

    common.check_format(format)
    with common.workspace() as ws:
        found = findings(ws, engagement_id)
    fields = ["id", "type", "kind", "scope", "amount_t", "records", "status", "outcome", "text"]
    rows = [
        {
            "id": f.finding_id,
            "type": f.finding_type,
            "kind": f.finding_kind,
            "scope": f.scope,
            "amount_t": f.amount_t,
            "records": f.records,
            "status": f.status,
            "outcome": f.outcome,
            "text": f.text,
        }
        for f in found
    ]
    if common.print_records(rows, fields, format):
        return
    if not rows:
        common.tell(f"no findings on {engagement_id}")
        return
    table = Table()
    for header in ("Id", "Type", "Kind", "Scope"):
        common.text_column(table, header)
    common.figure_column(table, "t CO2e")
    for header in ("Records", "Status", "Text"):
        common.text_column(table, header)
    for r in rows:
        amount = r["amount_t"]
        table.add_row(
            str(r["id"]), str(r["type"]), str(r["kind"]), str(r["scope"] or ""),
            "" if amount is None else f"{float(amount):+,.3f}", str(r["records"]),
            str(r["status"]) + (f" ({r['outcome']})" if r["outcome"] else ""), str(r["text"]),
        )  # fmt: skip
    common.print_table(table)


@app.command("cover")
def cover(engagement_id: EngagementArg) -> None:
    """After a restatement: move the engagement onto the year's new final inventory and the
    latest cosigned checkpoint (the sample stays)."""
    from zerotrail.pipeline.verification import cover as cover_engagement

    with common.workspace() as ws:
        e = cover_engagement(ws, engagement_id, cli_actor())
    common.say(
        f"{engagement_id} now covers the final inventory {e.row.run_id}, checkpoint of size"
        f" {e.row.checkpoint_size}"
    )


@app.command("evaluate")
def evaluate(engagement_id: EngagementArg) -> None:
    """The findings projected and aggregated against materiality, and the opinion they lead
    to, as things stand (changes nothing)."""
    from zerotrail.pipeline.verification import evaluate as evaluate_engagement
    from zerotrail.pipeline.verification_bundle import conclusion_lines

    with common.workspace() as ws:
        ev = evaluate_engagement(ws, engagement_id)
    for line in conclusion_lines(ev.conclusion):
        common.say(line)


@app.command("conclude")
def conclude(
    engagement_id: EngagementArg,
    key: Annotated[Path, typer.Option(help="The verifier's signer key file.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write statement.json.")],
) -> None:
    """Form the opinion and issue the verification statement, signed with the verifier's key
    as a C2SP signed note over its SHA-256 and the checkpoint; recorded and committed."""
    from zerotrail.pipeline.verification import conclude as conclude_engagement

    signer = read_limited(key, "the verifier's key file")  # before the workspace is opened
    # The file is written after the statement is recorded: refuse a path it cannot take first.
    if out.exists() or out.is_symlink():
        raise ZerotrailError(f"{out} exists: give a new file")
    if not out.parent.is_dir():
        raise ZerotrailError(f"cannot write {out}: no folder {out.parent}")
    with common.workspace() as ws:
        issued = conclude_engagement(ws, engagement_id, signer, cli_actor())
    _write_new(out, issued.file_text)
    common.say(
        f"{engagement_id}: {issued.opinion} opinion; statement written to {out}"
        f" (SHA-256 {issued.sha256}); anyone holding the verifier's public key checks it with"
        f" `verify statement {out} --verifier-key KEY`"
    )


def _write_new(path: Path, text: str) -> None:
    """Write a new file (an existing one is never overwritten: it may be a signed statement)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ZerotrailError(f"{path} exists: give a new file") from None
    except OSError as exc:
        raise ZerotrailError(f"cannot write {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
