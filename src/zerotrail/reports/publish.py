"""Publishing the periodic report: figures, restatements, ledger record, checkpoint and files.

Order, so that everything the report states is covered by the checkpoint it prints:
1. build the figures (report.json without its ledger section), list restatements against the
   previous report, and add the disclosure sections;
2. store the publication (figures and their SHA-256) and commit it to the ledger;
3. sign a checkpoint covering it (or use the latest one if it already does), let a witness
   cosign if one is at hand;
4. write, beside the report, `.tlog-proof` files (with openings) for the headline figures: the
   year's calculation run, its neutrality claim and the publication itself; and, when there
   is a previous report, its checkpoint and the consistency proof from it to this one;
5. render report.json, report.html, report.pdf and disclosures.xlsx.
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


def publish(
    ws: Workspace,
    year: int,
    out: Path,
    *,
    signer: Signer | None = None,
    cosign: Callable[[Workspace], None] | None = None,
    witness_keys: Sequence[str] = (),
) -> Published:
    from zerotrail.reports.disclosures import disclosures
    from zerotrail.reports.periodic import build

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
    with ws.transaction():
        ws.execute(
            "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
            [report_id, year, text, sha, data["previous_report"], now],
        )
        commit_new(ws, "report")
    size = tlog.size(ws)
    if signer is not None:
        sign_checkpoint(ws, signer)
    cur = latest(ws)
    if cur is None or cur.checkpoint.size < size:
        raise ZerotrailError(
            f"the log has {size} leaves and the latest checkpoint covers"
            f" {0 if cur is None else cur.checkpoint.size}: pass --key to sign one"
            " (the publication is recorded; run the report again with the key)"
        )
    if cosign is not None:
        cosign(ws)
        cur = latest(ws)
        assert cur is not None
    out.mkdir(parents=True, exist_ok=True)
    proofs_dir = out / "proofs"
    proofs_dir.mkdir(exist_ok=True)
    files: list[Path] = []
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
    checkpoint_file = _write(out / "checkpoint.txt", cur.note)
    files.append(checkpoint_file)
    consistency = None
    if prev is not None and prev[2] is not None and prev[3] is not None:
        old_size = prev[2]
        nodes = (
            []
            if old_size in (0, cur.checkpoint.size)
            else consistency_proof(old_size, cur.checkpoint.size, tlog.WorkspaceSource(ws))
        )
        old_file = _write(out / "previous-checkpoint.txt", prev[3])
        proof_file = _write(
            out / "consistency.proof",
            "".join(base64.b64encode(h).decode() + "\n" for h in nodes),
        )
        files += [old_file, proof_file]
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
    with ws.transaction():
        ws.execute(
            "INSERT INTO report_checkpoints VALUES (?, ?, ?)",
            [report_id, cur.checkpoint.size, cur.note],
        )
    files += render(data, out)
    return Published(report_id, out, tuple(files), cur.checkpoint.size, data)


def render(data: dict[str, Any], out: Path) -> list[Path]:
    """report.json, report.html, report.pdf and disclosures.xlsx from the figures."""
    from zerotrail.reports.disclosures import disclosures
    from zerotrail.reports.html import render_html, render_pdf
    from zerotrail.reports.xlsx import write_xlsx

    files = [_write(out / "report.json", json.dumps(data, indent=2, default=str) + "\n")]
    html = render_html(data)
    files.append(_write(out / "report.html", html))
    files.append(render_pdf(html, out / "report.pdf"))
    files.append(
        write_xlsx(
            disclosures(data),
            out / "disclosures.xlsx",
            title=f"{data['organization']} greenhouse gas disclosures {data['year']}",
        )
    )
    return files
