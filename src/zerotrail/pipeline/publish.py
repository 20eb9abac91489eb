"""The publish stage: build the year's report (reads only), then publish it (recorded, whole).

    build(ws, year)                  every figure of report.json but its ledger section (reads)
    draft(ws, year, folder)          the figures, their charts and disclosures.xlsx in `folder`
                                     (reads the workspace, writes only into `folder`)
    publish(ws, year, out, signer=)  the report published into `out`, whole or not at all

Where it sits: pipeline, last: it reads what every earlier stage stored, through the same
stages and store functions the commands use (inventory, target progress, the claim preview,
energy, initiatives), and hands them to `reports/` as values. Building a report changes nothing;
only `publish` writes, and everything it writes is in one workspace transaction that commits
last, with the files in a staging folder beside `out` (reports/staging.py):

1. build the figures (the year's neutrality claim as it would be recorded, the verifier's
   statement on the year once its signatures are checked), list restatements against the
   previous report, and add the disclosure sections;
2. draw the charts, in the chart renderer's own process (charts.render_svgs), and write
   disclosures.xlsx: the steps that need no checkpoint come before anything is recorded;
3. record the year's claim (a new committed version when it changed) and the publication
   (figures and their SHA-256), committed to the ledger;
4. sign a checkpoint covering it, let a witness cosign if one is at hand;
5. write the `.tlog-proof` files (with openings) of the headline figures: the year's
   calculation run, its neutrality claim and the publication itself; and, when there is a
   previous report, its checkpoint and the consistency proof from it to this one; the key
   files, and the verification statement with its verifier's key when there is one;
6. write report.json, report.html and report.pdf, and preparer-checklist.md (the filing
   reminders, kept out of the public text);
7. move the staging folder to `out` (setting a previous report folder there aside);
8. commit the transaction, then delete the report folder that was replaced.

The report proves its own publication: the proofs need the publication's leaf and a
checkpoint signed over it, so they are made inside the transaction, before it commits. A
failure at any step (an exception, or the chart renderer crashing its process) rolls the
transaction back, so there is no publication, claim, ledger leaf or checkpoint, and removes
the staging folder, so there are no files; `out` is left as it was. The checkpoint signed in
step 4 is then discarded unseen, except by the witness if one cosigned it (only the demo has
one at hand); everything that can fail without the checkpoint is therefore done before it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zerotrail.assurance.statement import Statement, report_statement, verify_statement
from zerotrail.engine.settings import FAMILIES
from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger.merkle import consistency_proof
from zerotrail.ledger.note import Signer, format_verifier_key, parse_note
from zerotrail.pipeline.claims import neutrality_preview, record_claim
from zerotrail.pipeline.credits import list_credits
from zerotrail.pipeline.energy import data_centres, energy_mix, it_load, renewable_share
from zerotrail.pipeline.initiatives import attribution
from zerotrail.pipeline.inventory import current_run, inventory_summary
from zerotrail.pipeline.measures import base_year_versions
from zerotrail.pipeline.roadmap import base_year_events, list_targets, target_progress
from zerotrail.pipeline.screening import screening
from zerotrail.pipeline.settings import governance
from zerotrail.pipeline.verification import year_statement
from zerotrail.reports import periodic, uncertainty, verification
from zerotrail.reports.checklist import checklist
from zerotrail.reports.contents import contents
from zerotrail.reports.disclosures import disclosures
from zerotrail.reports.publish import (
    PreviousReport,
    Published,
    consistency_section,
    figures_text,
    one_line,
    proof_lines,
    report_id,
    restatements,
)
from zerotrail.reports.series import year_over_year
from zerotrail.reports.staging import Staging
from zerotrail.reports.summary import summary
from zerotrail.store import inventory as read
from zerotrail.store import tlog
from zerotrail.store.checkpoints import latest, prove, run_canonical, sign_checkpoint
from zerotrail.store.committed import canonical_of
from zerotrail.store.database import Workspace
from zerotrail.store.entity_spans import entity_years, evented_entities
from zerotrail.store.event_years import event_years
from zerotrail.store.factor_usage import factor_set_info, factor_uses
from zerotrail.store.figures import scope_totals
from zerotrail.store.flag_effects import flag_tallies
from zerotrail.store.publications import (
    imports_since,
    previous_report,
    record_publication,
    record_report_checkpoint,
    reports_of_year,
)
from zerotrail.store.scope3_sources import scope3_sources
from zerotrail.store.uncertainty_inputs import uncertainty_groups
from zerotrail.targets.baseyear import version_dict

__all__ = [
    "Draft",
    "Published",
    "YearStatement",
    "build",
    "checked_statement",
    "draft",
    "publish",
    "report_inputs",
]


# --- 1. the figures (reads only) ----------------------------------------------------------------


def _bridge(
    ws: Workspace, base: dict[str, Any] | None, run_id: str
) -> periodic.BridgeInputs | None:
    if base is None:
        return None
    base_run = read.current_run(ws, int(base["year"]))
    if base_run is None:
        return None
    moved = read.event_entities(ws, periodic.applied_events(base))
    return periodic.BridgeInputs(
        moved=tuple(moved),
        then=read.scope12_by_activity(ws, base_run.run_id, moved),
        now=read.scope12_by_activity(ws, run_id, moved),
        moved_then=read.scope12_by_activity(ws, base_run.run_id, moved, inside=True),
        moved_now=read.scope12_by_activity(ws, run_id, moved, inside=True),
    )


def _claim(ws: Workspace, year: int) -> tuple[dict[str, Any] | None, str | None]:
    """The year's neutrality claim as it would be recorded, or why there is none."""
    try:
        return neutrality_preview(ws, year), None
    except ZerotrailError as exc:
        return None, str(exc)


@dataclass(frozen=True, slots=True)
class YearStatement:
    """The year's verification statement, its signatures checked: the file's text, the
    verifier's public key it was recorded with, and what it states."""

    text: str
    verifier_key: str
    checked: Statement

    @property
    def run_id(self) -> str:
        """The calculation run whose inventory the statement is about."""
        return str(self.checked.body["inventory"]["run_id"])


def checked_statement(ws: Workspace, year: int, log_key: str | None) -> YearStatement | None:
    """The year's verification statement (pipeline/verification.py `year_statement`), checked
    against the verifier's key it was recorded with and, given `log_key` (the log's verifier
    key text), the log's signature on the checkpoint it carries; None when the year has none.

    ZerotrailError, one line, when it does not verify: a report never shows as assurance a
    statement whose signatures do not hold, and the reader's check of statement.json beside it
    would fail the same way."""
    found = year_statement(ws, year)
    if found is None:
        return None
    text, verifier_key = found[0], found[1].strip()
    try:
        checked = verify_statement(text, verifier_key, log_key)
    except VerificationError as exc:
        raise ZerotrailError(f"the {year} verification statement does not verify: {exc}") from None
    return YearStatement(text, verifier_key, checked)


def _assurance(statement: YearStatement | None, run_id: str) -> dict[str, str] | None:
    """What the report's assurance section takes (reports/assurance.py): the statement, the
    run it covers and the run the report shows, which differ when the year was recalculated
    after the statement."""
    if statement is None:
        return None
    return {
        **report_statement(statement.checked),
        "run_id": statement.run_id,
        "report_run_id": run_id,
    }


def report_inputs(ws: Workspace, year: int, *, log_key: str | None = None) -> periodic.ReportInputs:
    """Everything the year's report shows, read from the workspace (nothing is written).

    The year's verification statement is checked with `log_key` (the log's verifier key
    text), else with the key the workspace's checkpoints were signed with, else without one
    (`checked_statement`)."""
    return _inputs(ws, year, checked_statement(ws, year, log_key or _log_key(ws)))


def _log_key(ws: Workspace) -> str | None:
    return ws.get_setting("ledger_vkey")


def _inputs(ws: Workspace, year: int, statement: YearStatement | None) -> periodic.ReportInputs:
    run = current_run(ws, year)
    inventory = inventory_summary(ws, year)
    targets = [p.to_dict() for p in target_progress(ws, year)]
    base = None
    by = periodic.report_base_year(targets)
    if by is not None:
        versions = [version_dict(v) for v in base_year_versions(ws, by)]
        base = periodic.base_year_section(by, versions, base_year_events(ws, by))
    claim, no_claim = _claim(ws, year)
    attributed = attribution(ws, year)
    uses = factor_uses(ws, run.run_id)
    return periodic.ReportInputs(
        year=year,
        organization=ws.get_setting("organization"),
        run=run,
        inventory=inventory,
        years=[
            periodic.YearTotals(r.year, r.run_id, scope_totals(ws, r.run_id))
            for r in read.current_runs(ws, year)
        ],
        gases_by_scope=read.gases_by_scope(ws, run.run_id, FAMILIES),
        scope3_methods=read.scope3_by_method(ws, run.run_id),
        scope3_quality=read.scope3_quality(ws, run.run_id),
        factor_sets=factor_set_info(ws, sorted({u.factor_set for u in uses})),
        entities=read.entities(ws),
        targets=targets,
        base_year=base,
        bridge=_bridge(ws, base, run.run_id),
        claim=claim,
        claim_none_reason=no_claim,
        renewables=renewable_share(ws, year),
        data_centres=data_centres(ws, year),
        initiatives=attributed["rows"],
        metrics=read.metric_values(ws),
        event_years={} if by is None else event_years(ws, by),
        initiative_attribution=attributed,
        assurance=_assurance(statement, run.run_id),
        uncertainty_groups=[uncertainty.Group(*g) for g in uncertainty_groups(ws, run.run_id)],
        factor_uses=uses,
        flag_tallies=flag_tallies(ws, run.run_id),
        energy_mix=energy_mix(ws, year),
        it_load=it_load(ws, [(r.year, r.run_id) for r in read.current_runs(ws, year)]),
        target_definitions=[
            {**st.target.definition(), "set_year": st.set_year} for st in list_targets(ws)
        ],
        credit_blocks=[asdict(c) for c in list_credits(ws, year=year).credits],
        governance=governance(ws),
        scope3_sources=scope3_sources(ws, run.run_id),
        scope3_screening=screening(ws),
        entity_years=entity_years(ws, year),
        evented_entities=evented_entities(ws),
    )


def _previous(ws: Workspace) -> PreviousReport | None:
    found = previous_report(ws)
    return None if found is None else PreviousReport(*found)


def build(ws: Workspace, year: int) -> dict[str, Any]:
    """Every figure of the year's next report, as report.json holds it but for its ledger
    section: restatements against the previous report, the disclosure sections, the id it
    would be published under. Reads only. ZerotrailError when the year's verification
    statement does not verify (`checked_statement`)."""
    return _build(ws, year, checked_statement(ws, year, _log_key(ws)))[0]


def _build(
    ws: Workspace, year: int, statement: YearStatement | None
) -> tuple[dict[str, Any], PreviousReport | None]:
    data = periodic.build(_inputs(ws, year, statement))
    prev = _previous(ws)
    data["previous_report"] = None if prev is None else prev.report_id
    data["restatements"] = restatements(
        None if prev is None else prev.figures,
        data["years"],
        [] if prev is None else imports_since(ws, prev.figures.get("published_at")),
    )
    data["year_over_year"] = year_over_year(
        data["series"], data["restatements"], data["previous_report"]
    )
    data["disclosures"] = {k: s.to_json() for k, s in disclosures(data).items()}
    # Last: the summary words figures of every section; the contents list every section.
    data["summary"] = summary(data)
    data["contents"] = contents(data)
    data["published_at"] = _now().isoformat()
    data["report_id"] = report_id(year, reports_of_year(ws, year))
    return data, prev


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# --- 2. the draft: figures, charts and workbook (reads the workspace only) ----------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A report built and drawn, not yet published: its figures, charts and written files,
    and the verification statement its assurance section shows, if any."""

    data: dict[str, Any]
    previous: PreviousReport | None
    charts: dict[str, Any]
    files: tuple[Path, ...]
    statement: YearStatement | None = None


def draft(
    ws: Workspace,
    year: int,
    folder: Path,
    step: Callable[[str], None] = lambda _: None,
    *,
    log_key: str | None = None,
) -> Draft:
    """Build the year's report, draw its charts and write disclosures.xlsx into `folder`.
    The workspace is only read; `step` is told each step as it starts. The year's verification
    statement is checked with `log_key`, else as `build` checks it."""
    # Imported when drawing, not with the pipeline: the renderers load Altair, Jinja2 and
    # openpyxl, which a command that draws nothing should not pay for.
    from zerotrail.reports.figure_rows import figure_rows
    from zerotrail.reports.html import charts
    from zerotrail.reports.xlsx import write_xlsx

    step("checking the verification statement")
    statement = checked_statement(ws, year, log_key or _log_key(ws))
    step("building the figures")
    data, prev = _build(ws, year, statement)
    step("drawing the charts")
    drawn = charts(data)
    step("writing disclosures.xlsx")
    book = write_xlsx(
        disclosures(data),
        folder / "disclosures.xlsx",
        title=f"{data['organization']} greenhouse gas disclosures {data['year']}",
        figures=figure_rows(data),
    )
    return Draft(data, prev, drawn, (book,), statement)


# --- 3. publishing (writes) ---------------------------------------------------------------------


class _Steps:
    """The step under way, to name it when it fails."""

    def __init__(self) -> None:
        self.now = "starting"

    def __call__(self, name: str) -> None:
        self.now = name


def publish(
    ws: Workspace,
    year: int,
    out: Path,
    *,
    signer: Signer | None = None,
    cosign: Callable[[Workspace], None] | None = None,
    witness_keys: Sequence[str] = (),
) -> Published:
    """Publish the year's report into the folder `out`, whole or not at all (see above).

    Raises ZerotrailError, one line naming the step that failed, when it cannot; the workspace
    and `out` are then as they were. `out` may be absent, empty or a previous report folder
    (staging.check_target); anything else is refused before any work.
    """
    if signer is None:
        # The publication is a new leaf: no checkpoint signed before it can cover it.
        cur = latest(ws)
        raise ZerotrailError(
            f"the report must be built on a checkpoint covering its own publication, and the"
            f" latest covers {0 if cur is None else cur.checkpoint.size} leaves: pass --key to"
            " sign one (nothing was published)"
        )
    step = _Steps()
    staging = Staging(out)
    try:
        with ws.transaction():
            # The statement's checkpoint is checked with the log's key, which log.vkey beside
            # the report holds, so that the printed check of statement.json passes with that
            # file: the signer's, unless the log's checkpoints were signed with another (then
            # signing refuses the signer below, naming both keys).
            log_key = _log_key(ws) or format_verifier_key(signer.verifier())
            drafted = draft(ws, year, staging.dir, step, log_key=log_key)
            done = _record(ws, drafted, staging.dir, out, signer, cosign, witness_keys, step)
            step("moving the report into place")
            staging.place()
            step("committing the publication")
    except BaseException as exc:
        staging.undo()
        if not isinstance(exc, Exception):
            raise  # KeyboardInterrupt and the like, after the cleaning up
        raise ZerotrailError(
            f"the report was not published (nothing recorded, no files): {step.now}"
            f" failed: {one_line(exc)}"
        ) from exc
    staging.finish()
    return done


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _record(
    ws: Workspace,
    drafted: Draft,
    folder: Path,
    out: Path,
    signer: Signer,
    cosign: Callable[[Workspace], None] | None,
    witness_keys: Sequence[str],
    step: Callable[[str], None],
) -> Published:
    """Steps 3-6 of the module docstring, inside the caller's transaction, into `folder`."""
    from zerotrail.reports.html import render_html, render_pdf

    data, prev = drafted.data, drafted.previous
    year, rid = int(data["year"]), str(data["report_id"])
    files = list(drafted.files)

    step("recording the publication")
    if data["claim"] is not None:
        claim = record_claim(ws, year)
        if {k: v for k, v in claim.items() if k != "version"} != data["claim"]:
            raise ZerotrailError(f"the {year} claim changed while the report was built")
        data["claim"] = claim
    text = figures_text(data)
    sha = hashlib.sha256(text.encode()).hexdigest()
    published_at = datetime.fromisoformat(str(data["published_at"]))
    record_publication(ws, rid, year, text, sha, data["previous_report"], published_at)
    step("signing the checkpoint")
    size = tlog.size(ws)
    sign_checkpoint(ws, signer, publishing=rid)
    cur = latest(ws)
    if cur is None or cur.checkpoint.size < size:
        raise ZerotrailError(
            f"the log has {size} leaves and the latest checkpoint covers"
            f" {0 if cur is None else cur.checkpoint.size}: pass --key to sign one"
        )
    if cosign is not None:
        step("asking the witness to cosign")
        cosign(ws)
        cur = latest(ws)
        assert cur is not None

    step("writing the proofs")
    proofs_dir = folder / "proofs"
    proofs_dir.mkdir()
    proofs = []

    def proof(
        kind: str, ref: str, name: str, what: str, canon: Callable[[str, int], bytes]
    ) -> None:
        files.append(_write(proofs_dir / name, prove(ws, kind, ref, canon, True)))
        proofs.append({"figures": what, "kind": kind, "ref": ref, "file": f"proofs/{name}"})

    proof(
        "run",
        data["run_id"],
        f"inventory-{year}.tlog-proof",
        f"the {year} inventory: Scope 1, and Scope 2, Scope 3 and the totals both"
        " location-based and market-based",
        lambda r, _: run_canonical(ws, r),
    )
    if data["claim"] is not None:
        proof(
            "claim",
            str(data["claim"]["claim_id"]),
            f"claim-{year}.tlog-proof",
            f"the {year} neutrality claim: gross, credits and net",
            lambda r, v: canonical_of(ws, "claim", r, v),
        )
    proof(
        "report",
        rid,
        f"{rid}.tlog-proof",
        "this report's figures (SHA-256 of the RFC 8785 canonical JSON of report.json without"
        " its ledger section)",
        lambda r, v: canonical_of(ws, "report", r, v),
    )
    files.append(_write(folder / "checkpoint.txt", cur.note))
    consistency = None
    if prev is not None and prev.checkpoint_size is not None and prev.checkpoint_note is not None:
        old_size = prev.checkpoint_size
        nodes = (
            []
            if old_size in (0, cur.checkpoint.size)
            else consistency_proof(old_size, cur.checkpoint.size, tlog.WorkspaceSource(ws))
        )
        files.append(_write(folder / "previous-checkpoint.txt", prev.checkpoint_note))
        files.append(_write(folder / "consistency.proof", proof_lines(nodes)))
        consistency = consistency_section(prev, cur.checkpoint.size)
    # The keys and the standalone checker go beside the report, so that the commands it
    # prints run as printed from its folder; only witnesses that did cosign get a key file.
    cosigners = verification.cosigners(cur.note, witness_keys)
    statement = drafted.statement
    for name, text in verification.key_files(
        format_verifier_key(signer.verifier()),
        cosigners,
        None if statement is None else (statement.text, statement.verifier_key),
    ).items():
        files.append(_write(folder / name, text))
    files.append(_write(folder / verification.SCRIPT_FILE, verification.verify_script()))
    data["ledger"] = {
        "origin": cur.checkpoint.origin,
        "size": cur.checkpoint.size,
        "root_hash": base64.b64encode(cur.checkpoint.root).decode(),
        "checkpoint": cur.note,
        "checkpoint_file": "checkpoint.txt",
        "verifier_key": ws.get_setting("ledger_vkey"),
        "witness_keys": list(witness_keys),
        "cosigned": len(parse_note(cur.note).signatures) > 1,  # the log signs first
        "figures_sha256": sha,
        "proofs": proofs,
        "consistency": consistency,
        "verify": verification.section(
            proofs,
            consistency,
            "checkpoint.txt",
            cosigners,
            None if statement is None else statement.verifier_key,
        ),
    }
    record_report_checkpoint(ws, rid, cur.checkpoint.size, cur.note)

    step("writing report.json")
    files.append(_write(folder / "report.json", json.dumps(data, indent=2, default=str) + "\n"))
    step("writing report.html")
    html = render_html(data, drafted.charts)
    files.append(_write(folder / "report.html", html))
    step("writing report.pdf")
    files.append(render_pdf(html, folder / "report.pdf"))
    # The filing reminders, kept out of the public text (reports/checklist.py).
    step("writing preparer-checklist.md")
    files.append(_write(folder / "preparer-checklist.md", checklist(data)))
    return Published(
        rid,
        out,
        tuple(out / p.relative_to(folder) for p in files),
        cur.checkpoint.size,
        data,
    )
