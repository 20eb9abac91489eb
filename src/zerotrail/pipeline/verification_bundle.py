"""The verifier's bundle: everything a verifier needs to check an engagement's sample offline,
written from the workspace, and the offline check of such a folder.

    export_bundle(ws, engagement_id, out)        write the folder (reads only)
    check_bundle(folder, log_key, witness_keys)  check it with no workspace

The folder's format is docs/verification.md's "The verifier's bundle"; the check itself is
pure (assurance/bundle_check.py), so it trusts nothing of the workspace that wrote the folder.

Where it sits: pipeline; `zerotrail verification export` and `verification check` call it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zerotrail.assurance import bundle as fmt
from zerotrail.assurance.bundle_check import CheckReport, check_folder
from zerotrail.assurance.conclusion import Conclusion, subject
from zerotrail.assurance.opinion import Blocked
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.note import parse_verifier_key
from zerotrail.pipeline.ledger import canonical_for
from zerotrail.pipeline.verification import (
    SamplePlan,
    csv_text,
    engagement,
    organization,
    population_csv,
    run_totals,
    sample_plan,
)
from zerotrail.store import checkpoints
from zerotrail.store import engagements as store
from zerotrail.store.database import Workspace
from zerotrail.store.sample_inputs import sample_inputs

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def _safe(name: str) -> str:
    """A file name made of the record's id or the evidence's name: nothing but letters,
    digits and ._- (anything else becomes _), never empty nor a dot name."""
    out = _SAFE.sub("_", name)[:120].lstrip(".")
    return out or "_"


def export_bundle(ws: Workspace, engagement_id: str, out: Path) -> Path:
    """Write the engagement's bundle into the new folder `out` (refused if it exists), whole or
    not at all: it is built beside `out` and renamed into place."""
    if out.exists():
        raise ZerotrailError(f"{out} exists: give a new folder")
    eng = engagement(ws, engagement_id)
    sp = sample_plan(ws, engagement_id)
    if sp.engagement.seed is None:
        raise ZerotrailError(
            f"engagement {engagement_id} has no sample yet: draw it first"
            f" (zerotrail verification sample {engagement_id} --seed ...)"
        )
    signed = checkpoints.checkpoint_at(ws, sp.engagement.checkpoint_size)
    assert signed is not None  # engagement() found it
    run_id = sp.engagement.run_id
    # The drawn records, at their version in the inventory the engagement covers now (a
    # corrected record has a newer one after a restatement).
    current = {
        str(r): int(v)
        for r, v in ws.fetchall(
            "SELECT record_id, max(version) FROM results WHERE run_id = ? GROUP BY record_id",
            [run_id],
        )
    }
    drawn = store.samples(ws, engagement_id)
    wanted = [(s.record_id, current.get(s.record_id, s.record_version)) for s in drawn]
    inputs = sample_inputs(ws, run_id, wanted)
    # Each leaf once, in first-needed order (a factor row serves many records); a dict keeps it.
    # The run the sample was drawn from, when a restatement moved the engagement on: the
    # population's sums are held to its figures.
    needed = [("run", sp.run_id, 1)]
    needed += [(lf.kind, lf.ref, lf.version) for rec in inputs for lf in rec.leaves]
    leaves = list(dict.fromkeys(needed))
    canon = {k: canonical_for(ws, k) for k in {k for k, _, _ in leaves}}
    proofs = checkpoints.prove_at(ws, signed, leaves, lambda k, r, v: canon[k](r, v))
    names = {leaf: fmt.leaf_file(i) for i, leaf in enumerate(leaves)}
    draw = _draw_proof(ws, sp, signed)
    evidence = store.evidence_for(ws, [r for r, _ in wanted])

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent))
    try:
        (tmp / fmt.LEAVES_DIR).mkdir()
        for key, text in zip(leaves, proofs, strict=True):
            (tmp / fmt.LEAVES_DIR / names[key]).write_text(text, encoding="utf-8")
        (tmp / fmt.CHECKPOINT_FILE).write_text(eng.checkpoint_note, encoding="utf-8")
        if draw is not None:
            (tmp / fmt.LEAVES_DIR / fmt.DRAW_PROOF).write_text(draw[0], encoding="utf-8")
            (tmp / fmt.DRAW_CONSISTENCY).write_text(draw[1], encoding="utf-8")
        (tmp / fmt.ENGAGEMENT_FILE).write_text(
            _json(
                {
                    **_engagement_doc(sp, run_totals(ws, sp.run_id), organization(ws)),
                    "sample_run_leaf": f"{fmt.LEAVES_DIR}/{names[('run', sp.run_id, 1)]}",
                    "draw_leaf": None if draw is None else f"{fmt.LEAVES_DIR}/{fmt.DRAW_PROOF}",
                }
            ),
            encoding="utf-8",
        )
        (tmp / fmt.POPULATION_FILE).write_text(
            population_csv(ws, sp.engagement, sp.run_id), encoding="utf-8"
        )
        (tmp / fmt.SAMPLE_FILE).write_text(_sample_csv(sp), encoding="utf-8")
        records = {}
        for rec in inputs:
            rid, ver = rec.record_id, rec.version
            files = []
            # The latest file attached to the record: one attached by mistake and replaced (its
            # mismatch raised a finding when attached) does not stand for the record any more.
            attached = [e for e in evidence if e.record_id == rid][-1:]
            for ev in attached:
                content = store.evidence_content(ws, ev.evidence_id)
                if content is None:
                    continue
                folder = tmp / fmt.EVIDENCE_DIR / _safe(rid)
                folder.mkdir(parents=True, exist_ok=True)
                name = _safe(f"{ev.file_sha256[:12]}-{ev.file_name}")
                (folder / name).write_bytes(content)
                files.append(f"{fmt.EVIDENCE_DIR}/{_safe(rid)}/{name}")
            records[rid] = {
                "version": str(ver),
                "leaves": [
                    f"{fmt.LEAVES_DIR}/{names[(lf.kind, lf.ref, lf.version)]}" for lf in rec.leaves
                ],
                "stated": {k: _value(v) for k, v in rec.stated.items()},
                "evidence": files,
            }
        (tmp / fmt.RECORDS_FILE).write_text(_json(records), encoding="utf-8")
        (tmp / fmt.FINDINGS_FILE).write_text(
            _json(fmt.findings_doc(store.findings(ws, engagement_id))), encoding="utf-8"
        )
        (tmp / fmt.README_FILE).write_text(fmt.readme(engagement_id), encoding="utf-8")
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _draw_proof(
    ws: Workspace, sp: SamplePlan, signed: checkpoints.Signed
) -> tuple[str, str] | None:
    """The proof, with opening, of the engagement version that committed the draw (the seed,
    the drawn records' and the population's SHA-256), against the latest checkpoint that holds
    it, and the consistency proof from the engagement's checkpoint to that one (base64, a hash a
    line; empty when it is the same). None while no signed checkpoint holds the draw yet."""
    e = sp.engagement
    drawn = ws.fetchall(
        "SELECT l.version, l.idx FROM ledger_leaves l JOIN engagement_versions v"
        " ON v.engagement_id = l.ref AND v.version = l.version"
        " WHERE l.kind = 'engagement' AND l.ref = ? AND v.seed IS NOT NULL"
        " ORDER BY l.version LIMIT 1",
        [e.engagement_id],
    )
    latest = checkpoints.latest(ws)
    if not drawn or latest is None or latest.checkpoint.size <= int(drawn[0][1]):
        return None
    version, idx = int(drawn[0][0]), int(drawn[0][1])
    # The engagement's own checkpoint when it holds the draw (after a restatement moved the
    # engagement on), else the latest.
    at = signed if signed.checkpoint.size > idx else latest
    (proof,) = checkpoints.prove_at(
        ws,
        at,
        [("engagement", e.engagement_id, version)],
        lambda k, r, v: canonical_for(ws, k)(r, v),
    )
    hashes = checkpoints.consistency(ws, signed.checkpoint.size, at.checkpoint.size)
    return proof, "".join(base64.b64encode(h).decode() + "\n" for h in hashes)


def _value(value: Any) -> Any:
    """A stated result's value as JSON: numbers stay numbers (Python writes a float in its
    shortest form that reads back as the same double), dates become YYYY-MM-DD."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _engagement_doc(sp: SamplePlan, totals: dict[int, float], org: str) -> dict[str, Any]:
    e = sp.engagement
    return {
        "format": fmt.FORMAT,
        "organization": org,
        "subject": subject(org, e.year, e.scopes),
        "engagement_id": e.engagement_id,
        "version": str(e.version),
        "year": str(e.year),
        "verifier": e.verifier,
        "level": e.level,
        "criteria": e.criteria,
        "materiality": e.materiality,
        "scope_materiality": e.scope_materiality,
        "scopes": e.scopes,
        "run_id": e.run_id,
        "sample_run_id": sp.run_id,
        "checkpoint_size": str(e.checkpoint_size),
        "rules": e.rules,
        "seed": e.seed,
        "sample_sha256": e.sample_sha256,
        "population_sha256": e.population_sha256,
        "scope_totals_t": {str(s): repr(t) for s, t in sorted(totals.items())},
        "strata": [
            {
                "stratum": p.stratum,
                "records": str(p.risk.records),
                "t_co2e": repr(p.risk.t_co2e),
                "risk": p.risk.level,
                "reasons": list(p.risk.reasons),
                "confidence": repr(p.confidence),
                "reliability_factor": repr(p.reliability_factor),
                "tolerable_t": repr(p.tolerable_t),
                "interval_t": repr(p.interval_t),
                "size": str(p.size),
                "formula": p.formula,
            }
            for p in sp.strata
        ],
    }


def _sample_csv(sp: SamplePlan) -> str:
    rows = [
        [s.order, s.stratum, s.record_id, s.version, "true" if s.key_item else "false",
         repr(s.t_co2e)]
        for s in sp.selected
    ]  # fmt: skip
    return csv_text(rows, fmt.SAMPLE_COLUMNS)


def check_bundle(folder: Path, log_key: str, witness_keys: Sequence[str] = ()) -> CheckReport:
    """Check an exported bundle with no workspace (assurance/bundle_check.py)."""
    if not folder.is_dir():
        raise ZerotrailError(f"{folder} is not a folder")
    try:
        log = parse_verifier_key(log_key)
        witnesses = [parse_verifier_key(k) for k in witness_keys]
    except (ValueError, ZerotrailError) as exc:  # VerificationError for a malformed key
        raise ZerotrailError(f"bad key: {exc}") from None
    return check_folder(folder, log, witnesses)


def conclusion_lines(c: Conclusion) -> list[str]:
    """The aggregation per scope and overall, and the opinion, one fact a line."""
    out = []
    for r in c.aggregation.rollups:
        where = "overall" if r.scope is None else f"Scope {r.scope}"
        out.append(
            f"{where}: uncorrected misstatements {r.gross_t:,.3f} t gross ({r.known_t:,.3f} known,"
            f" {r.projected_t:,.3f} projected, net {r.net_t:+,.3f}) against materiality"
            f" {r.materiality_t:,.3f} t: {r.flag}"
        )
    op = c.opinion
    if isinstance(op, Blocked):
        out.append("opinion: none yet: " + "; ".join(op.reasons))
    else:
        out.append(f"opinion: {op.kind}" + (f" ({'; '.join(op.reasons)})" if op.reasons else ""))
    return out


def opinion_lines(rep: CheckReport) -> list[str]:
    """What the check recomputed of the findings, when the bundle carries them."""
    return [] if rep.conclusion is None else conclusion_lines(rep.conclusion)
