"""Publishing the periodic report: figures, restatements, ledger record, checkpoint and files.

A report is published whole or not at all. Everything happens in one workspace transaction
and in a staging folder beside `--out` (staging.py), and the transaction commits last:

1. build the figures (report.json without its ledger section; the year's neutrality claim is
   recorded if it changed), list restatements against the previous report, and add the
   disclosure sections;
2. draw the charts, in the chart renderer's own process (charts.render_svgs), and write
   disclosures.xlsx: the steps that need no checkpoint come before anything is signed;
3. store the publication (figures and their SHA-256) and commit it to the ledger;
4. sign a checkpoint covering it, let a witness cosign if one is at hand;
5. write the `.tlog-proof` files (with openings) of the headline figures: the year's
   calculation run, its neutrality claim and the publication itself; and, when there is a
   previous report, its checkpoint and the consistency proof from it to this one;
6. write report.json, report.html and report.pdf;
7. move the staging folder to `--out` (setting a previous report folder there aside);
8. commit the transaction, then delete the report folder that was replaced.

The report proves its own publication: the proofs need the publication's leaf and a
checkpoint signed over it, so they are made inside the transaction, before it commits. A
failure at any step (an exception, or the chart renderer crashing its process) rolls the
transaction back, so there is no publication, claim, ledger leaf or checkpoint, and removes
the staging folder, so there are no files; `--out` is left as it was. The checkpoint signed in
step 4 is then discarded unseen, except by the witness if one cosigned it (only the demo has
one at hand); everything that can fail without the checkpoint is therefore done before it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zerotrail.errors import ZerotrailError
from zerotrail.ledger.merkle import consistency_proof
from zerotrail.ledger.note import Signer, parse_note
from zerotrail.store import tlog
from zerotrail.store.checkpoints import latest, prove, run_canonical, sign_checkpoint
from zerotrail.store.committed import canonical_of, commit_new
from zerotrail.store.workspace import Workspace

RESTATEMENT_TOLERANCE_T = 0.005  # half a hundredth of a tonne: below what a report prints
FIGURES = ("scope1", "scope2_location", "scope2_market", "scope3", "scope3_market")


@dataclass(frozen=True, slots=True)
class Published:
    report_id: str
    out: Path
    files: tuple[Path, ...]
    checkpoint_size: int
    data: dict[str, Any]


def figures_text(data: dict[str, Any]) -> str:
    """The canonical JSON of the report's figures (everything but its ledger section)."""
    body = {k: v for k, v in data.items() if k != "ledger"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def previous_report(ws: Workspace) -> tuple[str, dict[str, Any], int | None, str | None] | None:
    rows = ws.fetchall(
        "SELECT r.report_id, r.figures, c.size, c.note FROM reports r"
        " LEFT JOIN report_checkpoints c USING (report_id)"
        " ORDER BY r.created_at DESC, r.report_id DESC LIMIT 1"
    )
    if not rows:
        return None
    rid, figures, size, note = rows[0]
    return str(rid), json.loads(figures), None if size is None else int(size), note


def restatements(
    ws: Workspace, previous: dict[str, Any] | None, years: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Figures of years the previous report published that differ now, with the reason."""
    if previous is None:
        return []
    old_years = {int(y["year"]): y for y in previous.get("years", [])}
    imported = sorted(
        {
            f"{k} ({f})"
            for k, f in ws.fetchall(
                "SELECT kind, file_name FROM imports WHERE imported_at > ?",
                [previous.get("published_at")],
            )
        }
    )
    out = []
    for now in years:
        old = old_years.get(int(now["year"]))
        if old is None:
            continue
        for key in FIGURES:
            delta = float(now[key]) - float(old[key])
            if abs(delta) <= RESTATEMENT_TOLERANCE_T:
                continue
            reasons = []
            if old.get("run_id") != now.get("run_id"):
                reasons.append(f"recalculated (run {old.get('run_id')} → {now.get('run_id')})")
            if imported:
                reasons.append("data imported since the previous report: " + ", ".join(imported))
            out.append(
                {
                    "year": int(now["year"]),
                    "figure": key,
                    "previous_t": float(old[key]),
                    "restated_t": float(now[key]),
                    "change_t": delta,
                    "reason": "; ".join(reasons) or "recalculated",
                }
            )
    return out


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class _Steps:
    """The step under way, to name it when it fails."""

    def __init__(self) -> None:
        self.now = "starting"

    def __call__(self, name: str) -> None:
        self.now = name


def _one_line(exc: BaseException) -> str:
    """The error as one printable line; a data error with its first problem."""
    from zerotrail.errors import DataError
    from zerotrail.reports.cells import printable

    text = str(exc)
    if isinstance(exc, DataError) and exc.problems:
        more = len(exc.problems) - 1
        text += f": {exc.problems[0]}" + (f" (and {more} more)" if more else "")
    text = printable(" ".join(text.split()), keep="")  # line breaks as spaces, then the rest
    if not isinstance(exc, ZerotrailError | ValueError | RuntimeError | OSError) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 400 else text[:399] + "…"


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
    from zerotrail.reports.staging import Staging

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
            done = _publish(ws, year, staging.dir, out, signer, cosign, witness_keys, step)
            step("moving the report into place")
            staging.place()
            step("committing the publication")
    except BaseException as exc:
        staging.undo()
        if not isinstance(exc, Exception):
            raise  # KeyboardInterrupt and the like, after the cleaning up
        raise ZerotrailError(
            f"the report was not published (nothing recorded, no files): {step.now}"
            f" failed: {_one_line(exc)}"
        ) from exc
    staging.finish()
    return done


def _publish(
    ws: Workspace,
    year: int,
    folder: Path,
    out: Path,
    signer: Signer,
    cosign: Callable[[Workspace], None] | None,
    witness_keys: Sequence[str],
    step: Callable[[str], None],
) -> Published:
    """Steps 1-6 of the module docstring, inside the caller's transaction, into `folder`."""
    from zerotrail.reports.disclosures import disclosures
    from zerotrail.reports.html import charts, render_html, render_pdf
    from zerotrail.reports.periodic import build
    from zerotrail.reports.xlsx import write_xlsx

    step("building the figures")
    data = build(ws, year)
    prev = previous_report(ws)
    data["previous_report"] = None if prev is None else prev[0]
    data["restatements"] = restatements(ws, None if prev is None else prev[1], data["years"])
    data["disclosures"] = {k: s.to_json() for k, s in disclosures(data).items()}
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    data["published_at"] = now.isoformat()
    n = int(ws.scalar("SELECT count(*) FROM reports WHERE year = ?", [year])) + 1
    report_id = f"report-{year}-{n}"
    data["report_id"] = report_id
    text = figures_text(data)
    sha = hashlib.sha256(text.encode()).hexdigest()

    step("drawing the charts")
    drawn = charts(data)
    step("writing disclosures.xlsx")
    files = [
        write_xlsx(
            disclosures(data),
            folder / "disclosures.xlsx",
            title=f"{data['organization']} greenhouse gas disclosures {data['year']}",
        )
    ]

    step("recording the publication")
    ws.execute(
        "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
        [report_id, year, text, sha, data["previous_report"], now],
    )
    commit_new(ws, "report")
    step("signing the checkpoint")
    size = tlog.size(ws)
    sign_checkpoint(ws, signer)
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
        path = _write(proofs_dir / name, prove(ws, kind, ref, canon, True))
        files.append(path)
        proofs.append({"figures": what, "kind": kind, "ref": ref, "file": f"proofs/{name}"})

    proof(
        "run",
        data["run_id"],
        f"inventory-{year}.tlog-proof",
        f"the {year} inventory: Scope 1, Scope 2 (both methods), Scope 3 and totals",
        lambda r, _: run_canonical(ws, r),
    )
    claim = data.get("claim")
    if claim is not None:
        proof(
            "claim",
            str(claim["claim_id"]),
            f"claim-{year}.tlog-proof",
            f"the {year} neutrality claim: gross, credits and net",
            lambda r, v: canonical_of(ws, "claim", r, v),
        )
    proof(
        "report",
        report_id,
        f"{report_id}.tlog-proof",
        "this report's figures (SHA-256 of report.json without its ledger section)",
        lambda r, v: canonical_of(ws, "report", r, v),
    )
    files.append(_write(folder / "checkpoint.txt", cur.note))
    consistency = None
    if prev is not None and prev[2] is not None and prev[3] is not None:
        old_size = prev[2]
        nodes = (
            []
            if old_size in (0, cur.checkpoint.size)
            else consistency_proof(old_size, cur.checkpoint.size, tlog.WorkspaceSource(ws))
        )
        files.append(_write(folder / "previous-checkpoint.txt", prev[3]))
        files.append(
            _write(
                folder / "consistency.proof",
                "".join(base64.b64encode(h).decode() + "\n" for h in nodes),
            )
        )
        consistency = {
            "previous_report": prev[0],
            "from_size": old_size,
            "to_size": cur.checkpoint.size,
            "previous_checkpoint": "previous-checkpoint.txt",
            "proof": "consistency.proof",
        }
    vkey = ws.get_setting("ledger_vkey")
    data["ledger"] = {
        "origin": cur.checkpoint.origin,
        "size": cur.checkpoint.size,
        "root_hash": base64.b64encode(cur.checkpoint.root).decode(),
        "checkpoint": cur.note,
        "checkpoint_file": "checkpoint.txt",
        "verifier_key": vkey,
        "witness_keys": list(witness_keys),
        "cosigned": len(parse_note(cur.note).signatures) > 1,  # the log signs first
        "figures_sha256": sha,
        "proofs": proofs,
        "consistency": consistency,
    }
    ws.execute(
        "INSERT INTO report_checkpoints VALUES (?, ?, ?)",
        [report_id, cur.checkpoint.size, cur.note],
    )

    step("writing report.json")
    files.append(_write(folder / "report.json", json.dumps(data, indent=2, default=str) + "\n"))
    step("writing report.html")
    html = render_html(data, drawn)
    files.append(_write(folder / "report.html", html))
    step("writing report.pdf")
    files.append(render_pdf(html, folder / "report.pdf"))
    return Published(
        report_id,
        out,
        tuple(out / p.relative_to(folder) for p in files),
        cur.checkpoint.size,
        data,
    )
