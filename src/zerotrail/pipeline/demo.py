"""The demo stage: the whole job, run through the other stages on the demo company.

Where it sits: pipeline, on top of every other stage; `zerotrail demo` and `make demo` call it.
It writes Emmet Group's files (`demo/`), then runs the job as a user would, stage by stage:

    set_up                      a fresh workspace with the shipped factor library
    settings                    the report's approval and contact (demo/governance.py)
    imports                     the custom factors, organisation, certificates, activities
    fuel and energy             category 3 records derived from the fuel and electricity
                                records (UK DESNZ factors pinned where a region has none), and
                                the Scope 3 screening the demo's preparer records
    calculation                 each year 2020-2025, then its inventory (`inventory`)
    imports, roadmap            metrics, suppliers, meters, cooling, initiatives, the targets
                                and the base-year event, the carbon credits
    claims                      each year final, a neutrality claim for 2021-2025
    roadmap                     where each target stands in 2025
    ledger                      a signed checkpoint, cosigned by a demo witness; proofs of the
                                first activity record, the latest run and the latest claim,
                                checked offline
    publish                     the 2025 report on a checkpoint the witness cosigned

and returns what happened as values (`DemoRun`); the CLI prints them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerotrail.demo.generate import DemoFiles, write_demo, write_scaled
from zerotrail.demo.governance import GOVERNANCE as DEMO_GOVERNANCE
from zerotrail.demo.screening import write_screening
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import SchemaVersionError, ZerotrailError
from zerotrail.ledger import witness as witnessing
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import finalize_inventory, record_claim
from zerotrail.pipeline.demo_verification import DemoVerification, verify_year
from zerotrail.pipeline.fuel_energy import derive_fuel_energy
from zerotrail.pipeline.imports import (
    import_activities,
    import_cooling,
    import_credits,
    import_entities,
    import_factors,
    import_initiatives,
    import_instruments,
    import_meters,
    import_metrics,
    import_sites,
    import_suppliers,
)
from zerotrail.pipeline.inventory import current_run, inventory_summary
from zerotrail.pipeline.ledger import (
    add_cosignatures,
    new_key_pair,
    prove_record,
    remember_checkpoints,
    signer_key,
    verifier_key,
    verify_proof,
    witness_request,
)
from zerotrail.pipeline.publish import publish
from zerotrail.pipeline.roadmap import add_targets, import_events, read_roadmap_file
from zerotrail.pipeline.roadmap import target_progress as roadmap_progress
from zerotrail.pipeline.screening import import_screening
from zerotrail.pipeline.settings import change_setting
from zerotrail.pipeline.setup import set_up
from zerotrail.store import checkpoints, leaves
from zerotrail.store.database import Workspace
from zerotrail.store.workspace import ENV_VAR, display_url, open_workspace, parse_url
from zerotrail.targets.progress import TargetProgress

__all__ = [
    "DEMO_ORGANIZATION",
    "YEARS",
    "DemoLedger",
    "DemoRun",
    "demo_workspace",
    "run_demo",
    "write_benchmark_rows",
]

YEARS = range(2020, 2026)
DEMO_ORGANIZATION = "Emmet Group"
# The demo's log and the demo witness that cosigns it.
LOG_ORIGIN = "carbon.example.com/emmet-group"
WITNESS_NAME = "verifier.example.org"
# Where the demo's category 3 records take factors their region lacks: the library's only
# published well-to-tank and grid-loss factors are UK DESNZ's (pipeline/fuel_energy.py).
FUEL_ENERGY_REGION = "GB"


@dataclass(frozen=True, slots=True)
class DemoLedger:
    """What the demo committed, signed and proved, and where the proofs and keys are."""

    leaves: dict[str, int]  # leaves in the log by kind of record
    checkpoint_size: int  # of the checkpoint signed after the roadmap
    origin: str
    witness: str
    record_proof: Path  # the first activity record's proof
    run_proof: Path
    claim_proof: Path | None  # None: no claim was recorded
    log_vkey: Path
    witness_vkey: Path


@dataclass(frozen=True, slots=True)
class DemoRun:
    """The demo's results: the inventory of each year, the roadmap, the ledger, the report."""

    workspace: str
    activities_file: Path
    activity_records: int  # added by the activity import
    inventories: tuple[dict[str, Any], ...]  # the inventory summary of each year in YEARS
    progress: tuple[TargetProgress, ...]  # each target in the last year
    claims: tuple[dict[str, Any], ...]  # the neutrality claim of each year from 2021
    ledger: DemoLedger
    report: Path  # the published report's HTML
    verification: DemoVerification  # the 2025 inventory's third-party verification


def demo_workspace(db: str | None, out: Path) -> str:
    """The demo's workspace: `db`, else $ZEROTRAIL_DB, else OUT/zerotrail.duckdb.

    The demo starts from a fresh workspace, so it removes the one it made last time; any other
    existing workspace (or file) is refused, never removed.
    """
    default = out / "zerotrail.duckdb"
    chosen = db or os.environ.get(ENV_VAR) or str(default)
    target = parse_url(chosen)
    if target.kind == "postgres":
        _refuse_postgres_workspace(chosen)
        return chosen
    path = target.path
    if path == ":memory:" or not Path(path).exists():
        return chosen
    ours = Path(path).resolve() == default.resolve()  # the demo's own folder
    if not ours:
        try:
            with open_workspace(chosen) as ws:
                ours = ws.get_setting("organization") == DEMO_ORGANIZATION
        except ZerotrailError:
            ours = False
    if not ours:
        raise ZerotrailError(
            f"{chosen} exists and is not a demo workspace; the demo makes a fresh workspace and"
            " removes the one it made before, never another: give --db (or ZEROTRAIL_DB) a new"
            " file"
        )
    for suffix in ("", ".wal", checkpoints.STATE_SUFFIX):
        Path(path + suffix).unlink(missing_ok=True)  # a fresh workspace every run
    return chosen


def _refuse_postgres_workspace(url: str) -> None:
    """A PostgreSQL database is never removed by the demo (it is a server's, perhaps a team's):
    one that already holds a workspace, the demo's of an earlier run included, is refused."""
    try:
        with open_workspace(url, read_only=True):
            held = True
    except SchemaVersionError:
        held = True  # a workspace all the same, of another zerotrail version
    except ZerotrailError:
        # No workspace: an empty database (the demo makes its workspace there), or one that
        # creating the workspace refuses in one line (another program's tables, no server).
        held = False
    if held:
        raise ZerotrailError(
            f"{display_url(url)} already holds a zerotrail workspace; the demo makes a fresh"
            " workspace and never removes a database's: give --db (or ZEROTRAIL_DB) a new,"
            " empty database"
        )


def write_benchmark_rows(out: Path, rows: int, seed: int) -> Path:
    """The demo company's procurement and telemetry at benchmark scale: `rows` activity rows
    as one Parquet file in `out`."""
    if rows < 1:
        raise ZerotrailError(f"--scale {rows}: expected at least 1 row")
    out.mkdir(parents=True, exist_ok=True)
    return write_scaled(out / f"activities_{rows}.parquet", rows, seed=seed)


def run_demo(out: Path, seed: int, db: str | None = None) -> DemoRun:
    """Write the demo's files into `out` and run the whole job on them in a fresh workspace
    (`demo_workspace`)."""
    chosen = demo_workspace(db, out)
    files = write_demo(out, seed=seed)
    with open_workspace(chosen, create=True) as ws:
        set_up(ws, DEMO_ORGANIZATION)
        for key, value in DEMO_GOVERNANCE.items():  # the report's approval, as a user sets it
            change_setting(ws, key, value)
        import_factors(ws, files.factors)
        import_entities(ws, files.entities)
        import_sites(ws, files.sites)
        import_instruments(ws, files.instruments)
        added = import_activities(ws, files.activities).added
        added += import_activities(ws, files.late_activities).added
        derive_fuel_energy(ws, YEARS, FUEL_ENERGY_REGION)
        import_screening(ws, write_screening(out))
        inventories = []
        for year in YEARS:
            calculate(ws, InventorySettings(year))
            inventories.append(inventory_summary(ws, year))
        progress, claims = _roadmap(ws, files)
        ledger, report, verified = _ledger(ws, out, claims, files, seed)
        # 2025 as restated after its verification (demo_verification.py), and where its
        # targets stand then.
        inventories[-1] = inventory_summary(ws, max(YEARS))
        progress = roadmap_progress(ws, max(YEARS))
    return DemoRun(
        chosen,
        files.activities,
        added,
        tuple(inventories),
        tuple(progress),
        tuple(claims),
        ledger,
        report,
        verified,
    )


def _roadmap(ws: Workspace, files: DemoFiles) -> tuple[list[TargetProgress], list[dict[str, Any]]]:
    """Import the roadmap's files, finalize the years, record the claims, measure progress."""
    import_metrics(ws, files.metrics)
    import_suppliers(ws, files.suppliers)
    import_meters(ws, files.meters)
    import_cooling(ws, files.cooling)
    import_initiatives(ws, files.initiatives)
    add_targets(ws, read_roadmap_file(files.roadmap), files.roadmap.name)
    import_events(ws, files.baseline_events)
    import_credits(ws, files.credits)
    claims = []
    for year in YEARS:
        finalize_inventory(ws, year)
        # The last year's claim waits for its verification and restatement (`_ledger`).
        if 2021 <= year < max(YEARS):
            claims.append(record_claim(ws, year))
    return roadmap_progress(ws, max(YEARS)), claims


def _write_key(path: Path, text: str, mode: int) -> Path:
    """A key file of the demo's, made new (the demo workspace is new: so are its keys)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return path


def _ledger(
    ws: Workspace, out: Path, claims: list[dict[str, Any]], files: DemoFiles, seed: int
) -> tuple[DemoLedger, Path, DemoVerification]:
    """Sign the demo's log, have a demo witness cosign it, have the last year verified by a
    third party (restated after its one finding), record its claim, prove records offline,
    and publish the last year's report on a checkpoint the witness cosigned."""
    log_key, log_vkey = new_key_pair(LOG_ORIGIN)
    w_key, w_vkey = new_key_pair(WITNESS_NAME, witness=True)
    _write_key(out / "log.key", log_key, 0o600)
    log_vkey_path = _write_key(out / "log.vkey", log_vkey, 0o644)
    _write_key(out / "witness.key", w_key, 0o600)
    w_vkey_path = _write_key(out / "witness.vkey", w_vkey, 0o644)
    signer = signer_key(log_key)
    # The demo's log is new each run: its ledger state starts fresh (the old workspace's state
    # file is removed with it), then records the checkpoints signed here for later audits.
    signed = checkpoints.sign_checkpoint(ws, signer)
    witness_state = [
        witnessing.add_log(witnessing.WitnessState(), LOG_ORIGIN, [verifier_key(log_vkey)])
    ]

    def cosign(ws: Workspace) -> None:
        """The demo's witness checks the newest checkpoint against the last it cosigned."""
        followed = witness_state[0].log(LOG_ORIGIN)
        old = 0 if followed is None else followed.size
        state, resp = witnessing.add_checkpoint(
            witness_state[0], witness_request(ws, old), signer_key(w_key), int(time.time())
        )
        if resp.status != 200:
            raise ZerotrailError(f"the demo witness refused the checkpoint ({resp.status})")
        witness_state[0] = state
        add_cosignatures(ws, resp.body)

    cosign(ws)

    def sign_and_cosign(ws: Workspace) -> None:
        checkpoints.sign_checkpoint(ws, signer)
        cosign(ws)

    verified = verify_year(
        ws, out, seed, files.correction, FUEL_ENERGY_REGION, sign_and_cosign, log_vkey, w_vkey
    )
    claims.append(record_claim(ws, max(YEARS)))
    sign_and_cosign(ws)
    record = leaves.first_ref(ws, "activity")
    if record is None:
        raise ZerotrailError("the demo committed no activity record")  # the generator's bug
    proof_text = prove_record(ws, "activity", record, with_opening=True)
    record_proof = out / f"{record}.tlog-proof"
    record_proof.write_text(proof_text, encoding="utf-8")
    verify_proof(proof_text, log_vkey, [w_vkey])  # offline, as a verifier would

    last = current_run(ws, max(YEARS))
    run_proof = out / "latest-run.tlog-proof"
    run_proof.write_text(prove_record(ws, "run", last.run_id, with_opening=True), encoding="utf-8")
    claim_proof = None
    if claims:
        claim_proof = out / "latest-claim.tlog-proof"
        claim_proof.write_text(
            prove_record(ws, "claim", str(claims[-1]["claim_id"]), with_opening=True),
            encoding="utf-8",
        )
    report = publish(
        ws, max(YEARS), out / "report", signer=signer, cosign=cosign, witness_keys=[w_vkey]
    )
    remember_checkpoints(ws, log_vkey, fresh=True)
    ledger = DemoLedger(
        leaves.leaf_counts(ws),
        signed.checkpoint.size,
        LOG_ORIGIN,
        WITNESS_NAME,
        record_proof,
        run_proof,
        claim_proof,
        log_vkey_path,
        w_vkey_path,
    )
    return ledger, report.out / "report.html", verified
