"""The demo's third-party verification: Emmet Group's 2025 inventory through a limited-assurance
engagement, as the company and its verifier would run it (docs/verification.md).

    open          the engagement on the final 2025 inventory and the cosigned checkpoint
    sample        the verifier's draw with its own seed
    evidence      the company hands over the documents of the drawn records
    check         the verifier exports the bundle and checks it offline
    documents     the verifier reads each document against its record: the office annex's
                  meter report reads kWh, the record MWh (demo/evidence.py): a misstatement
    restatement   the company imports the correction, recalculates and finalizes 2025, signs a
                  checkpoint the witness cosigns; the engagement covers the new inventory
    close         the verifier closes the finding as corrected, checks a new bundle offline
    conclude      the opinion, and the statement signed with the verifier's key

Where it sits: pipeline, called by the demo stage (pipeline/demo.py) with the ledger's cosigning
step; it calls the other stages only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zerotrail.assurance.sampling import Selected
from zerotrail.assurance.statement import verify_statement
from zerotrail.demo.activities import activities, document
from zerotrail.demo.evidence import MISKEYED, corrected, stated_quantity
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.note import generate_signer
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.fuel_energy import derive_fuel_energy
from zerotrail.pipeline.imports import import_activities
from zerotrail.pipeline.verification import (
    add_finding,
    attach_evidence,
    conclude,
    cover,
    draw_sample,
    evaluate,
    move_finding,
    open_engagement,
)
from zerotrail.pipeline.verification_bundle import check_bundle, export_bundle
from zerotrail.store.database import Workspace
from zerotrail.units import conversion_factor

YEAR = 2025
VERIFIER = "Emmet demo verification body"
VERIFIER_KEY_NAME = "assurance.example.org"
COMPANY = "demo:emmet-sustainability"
AUDITOR = "demo:verifier"


@dataclass(frozen=True, slots=True)
class DemoVerification:
    """What the demo's engagement did and where its files are."""

    engagement_id: str
    drawn: int
    key_items: int
    finding: str  # the misstatement found in the documents
    misstatement_t: float
    opinion_before: str  # on the inventory as first finalized
    opinion: str  # the statement's, after the correction
    bundle: Path  # the bundle checked after the correction
    statement: Path
    verifier_vkey: Path


def _seed(seed: int) -> str:
    # The demo's verifier picks its seed after the engagement's checkpoint is fixed; a fixed
    # text keeps the demo the same from run to run (a real verifier draws a random one).
    return f"emmet-demo-verifier-{seed}"


def verify_year(
    ws: Workspace,
    out: Path,
    seed: int,
    correction: Path,
    factor_region: str,
    cosign: Callable[[Workspace], None],
    log_vkey: str,
    witness_vkey: str,
) -> DemoVerification:
    """Run the 2025 engagement end to end (the module docstring). `correction` is the corrected
    record's file, `factor_region` the region the category 3 records are derived with (as the
    demo first derived them), `cosign` signs a checkpoint and has the demo's witness cosign it."""
    folder = out / "verification"
    folder.mkdir(exist_ok=True)
    eng = open_engagement(ws, YEAR, VERIFIER, "limited", COMPANY).row
    eid = eng.engagement_id
    plan = draw_sample(ws, eid, _seed(seed), AUDITOR)
    docs = _documents(seed)
    handed: dict[str, Path] = {}
    for s in plan.selected:
        if s.record_id in docs:  # derived records (category 3) have no document of their own
            path = folder / "evidence" / f"{s.record_id}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(docs[s.record_id])
            if not attach_evidence(ws, s.record_id, path, COMPANY).row.matches:
                raise ZerotrailError(f"the demo's document of {s.record_id} is not the committed")
            handed[s.record_id] = path
    first = folder / "bundle-as-finalized"
    export_bundle(ws, eid, first)
    if not check_bundle(first, log_vkey, [witness_vkey]).ok:
        raise ZerotrailError("the demo's first bundle did not check")  # the demo's own bug
    found = _read_documents(ws, plan.selected, handed)
    if found is None:
        raise ZerotrailError("the demo's verifier found no misstatement in the documents")
    rid, amount = found
    finding = add_finding(
        ws,
        eid,
        kind="misstatement",
        finding_type="CAR",
        text=f"record {rid}: the meter report reads kWh; the record was keyed in as MWh",
        actor=AUDITOR,
        amount_t=amount,
        records=[rid],
        nature="factual",
    )
    before = evaluate(ws, eid).conclusion.opinion
    move_finding(ws, finding.finding_id, "respond", COMPANY, "unit corrected; 2025 restated", None)
    import_activities(ws, correction, replace=True)
    # The category 3 records derived from the miskeyed one are derived again from the
    # corrected version (new versions of them), before the year is calculated again.
    derive_fuel_energy(ws, [YEAR], factor_region)
    calculate(ws, InventorySettings(YEAR))
    finalize_inventory(ws, YEAR)
    cosign(ws)
    cover(ws, eid, COMPANY)
    move_finding(
        ws,
        finding.finding_id,
        "close",
        AUDITOR,
        f"the restated inventory carries {rid} in kWh, as its meter report reads",
        "corrected",
    )
    bundle = folder / "bundle"
    export_bundle(ws, eid, bundle)
    if not check_bundle(bundle, log_vkey, [witness_vkey]).ok:
        raise ZerotrailError("the demo's bundle after the correction did not check")
    key, vkey = generate_signer(VERIFIER_KEY_NAME)
    vkey_path = _write(folder / "verifier.vkey", vkey + "\n", 0o644)
    _write(folder / "verifier.key", key + "\n", 0o600)
    issued = conclude(ws, eid, key, AUDITOR)
    statement = _write(folder / "statement.json", issued.file_text, 0o644)
    verify_statement(issued.file_text, vkey, log_vkey)  # offline, as any reader would
    return DemoVerification(
        eid,
        len(plan.selected),
        sum(s.key_item for s in plan.selected),
        finding.finding_id,
        amount,
        getattr(before, "kind", "none"),
        issued.opinion,
        bundle,
        statement,
        vkey_path,
    )


def _documents(seed: int) -> dict[str, bytes]:
    """The documents the company holds, by record id: each record's as entered, and the annex's
    meter report as it reads (in kWh, not as it was keyed in)."""
    docs = {a.record_id: document(a) for a in activities(seed) if a.evidence}
    docs[MISKEYED.record_id] = document(corrected())
    return docs


def _read_documents(
    ws: Workspace, drawn: Sequence[Selected], handed: Mapping[str, Path]
) -> tuple[str, float] | None:
    """The verifier reads each document handed over against its drawn record: the first record
    whose document states another quantity, and the t CO2e by which the record overstates."""
    for s in drawn:
        path = handed.get(s.record_id)
        read = None if path is None else stated_quantity(path.read_bytes())
        if read is None:
            continue
        qty, unit = read
        keyed = ws.fetchall(
            "SELECT quantity, unit FROM activities WHERE record_id = ? AND version = ?",
            [s.record_id, s.version],
        )
        k_qty, k_unit = float(keyed[0][0]), str(keyed[0][1])
        ratio = qty * conversion_factor(unit, k_unit) / k_qty if k_qty else 1.0
        if abs(ratio - 1.0) > 1e-9:
            # The record's figure scales with its quantity: audited = stated x ratio.
            return s.record_id, s.t_co2e * (1.0 - ratio)
    return None


def _write(path: Path, text: str, mode: int) -> Path:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


__all__ = ["DemoVerification", "verify_year"]
