"""The ledger stage: keys, checkpoints, proofs, the audit, offline verification, the witness.

    new_key_pair(name, witness=)          a signer key and its verifier key (no workspace)
    signer_key(text) / verifier_key(text) keys parsed from their text forms
    sign_checkpoint(ws, signer, state)    a signed checkpoint of the log now (written), and the
                                          ledger state beside the workspace advanced
    remember_checkpoints(ws, log_key)     the ledger state advanced to the checkpoints stored
    latest_checkpoint(ws)                 the latest stored checkpoint, as signed (reads only)
    prove_record(ws, kind, ref, ...)      a .tlog-proof of a record in the latest checkpoint
    sample_records(ws, kind, size, ...)   proofs of a seeded random sample of records
    witness_request(ws, old)              a tlog-witness add-checkpoint request body
    add_cosignatures(ws, lines)           a witness's cosignatures on the latest checkpoint
    audit_ledger(ws, ...)                 every commitment, node and checkpoint recomputed,
                                          every run read through the results view compiled
                                          here (reads the workspace; the state file is written
                                          by `remember_audit` only when the audit is clean)
    verify_proof / verify_note / verify_consistency
                                          offline checks of files against keys (no workspace)
    witness_init / witness_add_checkpoint the external witness's side, on its state file text

Where it sits: pipeline, called by `cli/ledger.py` (and the server later). The log's rules and
formats are `ledger/` (pure; RFC 6962 Merkle trees, C2SP signed notes, checkpoints, proofs and
the witness protocol); the log in the workspace is `store/tlog.py`, `store/checkpoints.py`,
`store/committed.py`, `store/audit.py` and `store/audit_reads.py`. Verification fails closed:
the verifying stages raise VerificationError and nothing else on any failure.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger import note as notes
from zerotrail.ledger import witness as witnessing
from zerotrail.ledger.checkpoint import Checkpoint
from zerotrail.ledger.proof import parse_proof, verify_proof_bundle
from zerotrail.store import activities, checkpoints, committed
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import AuditReport, Trust, audit
from zerotrail.store.checkpoints import LedgerState, Sampled, Signed
from zerotrail.store.database import Workspace
from zerotrail.store.workspace import parse_url

__all__ = [
    "AuditReport",
    "Audited",
    "LedgerState",
    "Sampled",
    "Signed",
    "add_cosignatures",
    "audit_ledger",
    "latest_checkpoint",
    "new_key_pair",
    "prove_record",
    "record_kinds",
    "remember_audit",
    "remember_checkpoints",
    "results_view_sql",
    "sample_records",
    "sign_checkpoint",
    "signer_key",
    "verifier_key",
    "verify_consistency",
    "verify_note",
    "verify_proof",
    "witness_add_checkpoint",
    "witness_init",
    "witness_request",
]

# --- keys ---------------------------------------------------------------------------------------


def new_key_pair(name: str, *, witness: bool = False) -> tuple[str, str]:
    """A new Ed25519 key pair named `name` (a witness's cosignature key with `witness`): the
    signer key text (secret) and the verifier key text."""
    if not notes.is_valid_name(name):
        raise ZerotrailError(
            f"--name {name!r}: a key name is non-empty text without spaces, '+' or control"
            " characters, e.g. carbon.example.com/emmet-group"
        )
    return notes.generate_signer(name, notes.COSIGNATURE_V1 if witness else notes.ED25519)


def signer_key(text: str) -> notes.Signer:
    """A signer key from its text (VerificationError when malformed)."""
    return notes.parse_signer_key(text.strip())


def verifier_key(text: str) -> notes.Verifier:
    """A verifier key from its text (VerificationError when malformed)."""
    return notes.parse_verifier_key(text)


# --- checkpoints and proofs (the workspace's log) ------------------------------------------------


def sign_checkpoint(ws: Workspace, signer: notes.Signer, state: Path | None = None) -> Signed:
    """Sign (and store) a checkpoint of the log as it is now; refused when inconsistent with an
    earlier one, or with the checkpoints the ledger state records. The ledger state (`state`,
    else beside the workspace) is checked first and advanced after."""
    path = state or checkpoints.default_state_path(ws)
    recorded = checkpoints.read_state(path) if path else None
    signed = checkpoints.sign_checkpoint(ws, signer, recorded)
    remember_checkpoints(ws, notes.format_verifier_key(signer.verifier()), path)
    return signed


def remember_checkpoints(
    ws: Workspace, log_key: str, state: Path | None = None, *, fresh: bool = False
) -> LedgerState | None:
    """Record in the ledger state (`state`, else beside the workspace) every stored checkpoint
    signed with `log_key` whose root the stored leaves give; `fresh` starts a new state for a
    new log (the demo's), instead of adding to the one there. The new state, or None when
    there is no place for it (a workspace in memory) or no checkpoint to record."""
    path = state or checkpoints.default_state_path(ws)
    origin = ws.get_setting("ledger_origin")
    seen = checkpoints.verified_checkpoints(ws, log_key)
    if path is None or origin is None or not seen:
        return None
    recorded = None if fresh else checkpoints.read_state(path)
    new = checkpoints.advance_state(recorded, origin, log_key, seen)
    checkpoints.write_state(path, new)
    return new


def record_kinds() -> list[str]:
    """Every kind of record `prove_record` and `sample_records` can prove: the real list."""
    return ["activity", "run", *committed.KINDS]


def canonical_for(ws: Workspace, kind: str) -> Callable[[str, int], bytes]:
    """How to rebuild the canonical bytes of a committed record of `kind` (for openings)."""
    # The engine and ingest modules are imported by the functions that use them: every command
    # line loads this stage (the CLI's `--kind` help lists `record_kinds()`), and most do not
    # prove records or audit.
    from zerotrail.ingest.activities import canonical_of as activity_canonical

    if kind == "activity":
        return lambda ref, ver: activity_canonical(ws, ref, ver)
    if kind == "run":
        return lambda ref, _: checkpoints.run_canonical(ws, ref)
    if kind not in committed.KINDS:
        raise ZerotrailError(
            f"unknown record kind {kind!r}; expected activity, run or {', '.join(committed.KINDS)}"
        )
    return lambda ref, ver: committed.canonical_of(ws, kind, ref, ver)


# What a caller restricted to some entities (a data owner) may prove: the records of its own
# entities, which only activity records are told apart by. Every other kind is the
# organization's (runs, targets, claims...) or names no entity.
OWN_KINDS = ("activity",)


class NotProvable(ZerotrailError):
    """A kind of record the caller may never have a proof of (a data owner: not its own)."""


def prove_record(
    ws: Workspace,
    kind: str,
    ref: str,
    *,
    with_opening: bool = False,
    entities: Collection[str] | None = None,
) -> str:
    """A C2SP .tlog-proof that the latest version of record `ref` of `kind` is in the latest
    checkpoint; with its opening (the record and its salt) when asked. With `entities` (a data
    owner's), only an activity record of one of them: NotProvable for another kind, and
    another entity's record is refused as one not there ("no activity R of your entities"),
    so that the answer tells nothing of other entities' records."""
    if entities is not None:
        if kind not in OWN_KINDS:
            raise NotProvable(
                f"a data owner may prove only its own entities' {', '.join(OWN_KINDS)} records"
            )
        if activities.activity_entity(ws, ref) not in entities:
            raise ZerotrailError(f"no {kind} {ref} of your entities")
    return checkpoints.prove(ws, kind, ref, canonical_for(ws, kind), with_opening)


def sample_records(
    ws: Workspace, kind: str, size: int, seed: int, *, with_opening: bool = False
) -> list[Sampled]:
    """Proofs of `size` committed records of `kind` drawn with `seed` (the same seed draws the
    same records from the same log)."""
    if size < 1:
        raise ZerotrailError("--size must be at least 1")
    return checkpoints.sample(ws, kind, size, seed, canonical_for(ws, kind), with_opening)


def latest_checkpoint(ws: Workspace) -> Signed | None:
    """The latest stored checkpoint (largest size) as its signed note, None before the first."""
    return checkpoints.latest(ws)


def witness_request(ws: Workspace, old_size: int) -> str:
    """A tlog-witness add-checkpoint request for the latest checkpoint, from `old_size`."""
    return checkpoints.witness_request(ws, old_size)


def add_cosignatures(ws: Workspace, lines: str) -> Signed:
    """Attach a witness's cosignature lines to the latest checkpoint."""
    return checkpoints.add_cosignatures(ws, lines)


# --- the audit ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Audited:
    """An audit's report, with the ledger state it was checked against and where it lives."""

    report: AuditReport
    state_path: Path | None
    recorded: LedgerState | None


def audit_ledger(
    ws: Workspace,
    *,
    log_key: str | None = None,
    witness_keys: Sequence[str] = (),
    external: Sequence[tuple[str, str]] = (),
    state: Path | None = None,
) -> Audited:
    """Recompute every commitment, node and checkpoint root and open every signed checkpoint.

    `log_key` and `witness_keys` are verifier key texts; `external` (file name, note) are
    checkpoints kept outside the workspace, which must be in it; the ledger state (`state`, else
    beside the workspace) holds the checkpoints seen signed before. Reads only.
    """
    try:
        log_v = notes.parse_verifier_key(log_key) if log_key else None
        wit_v = tuple(notes.parse_verifier_key(k) for k in witness_keys)
    except VerificationError as exc:
        raise ZerotrailError(f"bad key: {exc}") from None
    path = state or checkpoints.default_state_path(ws)
    recorded = checkpoints.read_state(path) if path else None
    trust = Trust(log_v, wit_v, recorded, f"the ledger state {path}", tuple(external))
    rep = audit(ws, LEDGER_TYPES, trust=trust, results_view=results_view_sql(ws))
    return Audited(rep, path, recorded)


def results_view_sql(ws: Workspace) -> str:
    """The SQL of the `results` view this version of zerotrail creates for `ws`, compiled from
    the engine's expressions (this process's plan, else compiled now; never the copy the
    workspace keeps, which the audit does not trust). Reads only."""
    from zerotrail.engine.plan import (  # see canonical_for
        STORED_TABLES,
        compile_plan,
        current_shape,
        known_plan,
        remember,
    )

    shape = current_shape(parse_url(ws.url).kind, ws.schema_version)
    plan = known_plan(shape.key)
    if plan is None:
        be = ws.ibis()
        plan = compile_plan(shape, {name: be.table(name).schema() for name in STORED_TABLES})
        remember(plan)
    return plan.results_view


def remember_audit(done: Audited) -> LedgerState | None:
    """After a clean audit with a checked key: add the checkpoints it saw signed to the ledger
    state file, and return the new state (None when there is nothing to record)."""
    rep, path = done.report, done.state_path
    if not (rep.ok and path and rep.log_key and rep.origin and rep.seen):
        return None
    new = checkpoints.advance_state(done.recorded, rep.origin, rep.log_key, rep.seen)
    if done.recorded is not None and new.checkpoints == done.recorded.checkpoints:
        return done.recorded  # nothing new was seen: an audit that only read leaves it as it was
    checkpoints.write_state(path, new)
    return new


# --- offline verification (no workspace) ---------------------------------------------------------


def _fail_closed(exc: ValueError) -> VerificationError:
    return VerificationError(str(exc))


def verify_proof(
    text: str, log_key: str, witness_keys: Sequence[str] = (), leaf: str | None = None
) -> tuple[int, Checkpoint]:
    """Check a .tlog-proof: signature, cosignatures and inclusion of the leaf (recomputed from
    the proof's opening, else `leaf` in hex). The entry's index and the checkpoint."""
    try:
        bundle = parse_proof(text)
        if bundle.extra is not None:
            leaf_hash = checkpoints.leaf_from_opening(bundle.extra)
        elif leaf:
            leaf_hash = bytes.fromhex(leaf)
        else:
            raise VerificationError("the proof has no opening: give --leaf")
        cp = verify_proof_bundle(
            bundle,
            leaf_hash,
            notes.parse_verifier_key(log_key),
            [notes.parse_verifier_key(k) for k in witness_keys],
        )
    except ValueError as exc:
        raise _fail_closed(exc) from None
    return bundle.index, cp


def verify_note(text: str, keys: Sequence[str]) -> list[str]:
    """Check any C2SP signed note against trusted verifier keys; the names that signed it."""
    try:
        opened = notes.open_note(text, [notes.parse_verifier_key(k) for k in keys])
    except ValueError as exc:
        raise _fail_closed(exc) from None
    return [v.name for v in opened.verifiers]


def verify_consistency(
    old: str, new: str, proof: str, keys: Sequence[str] = ()
) -> tuple[Checkpoint, Checkpoint]:
    """Check that the newer checkpoint's tree extends the older one, with the consistency proof
    (base64 hashes, one a line); both signatures too when `keys` are given."""
    try:
        hashes = [
            base64.b64decode(line, validate=True) for line in proof.splitlines() if line.strip()
        ]
        return checkpoints.check_consistency(
            old, new, hashes, [notes.parse_verifier_key(k) for k in keys]
        )
    except ValueError as exc:
        raise _fail_closed(exc) from None


# --- the witness (its own state file, no workspace) ----------------------------------------------


def witness_init(state: str | None, origin: str, log_key: str) -> str:
    """The witness state (its JSON text; `state` None for a new one) following `origin` with
    `log_key`, or with its key updated."""
    current = witnessing.state_from_json(state) if state is not None else witnessing.WitnessState()
    updated = witnessing.add_log(current, origin, [notes.parse_verifier_key(log_key)])
    return witnessing.state_to_json(updated)


def witness_add_checkpoint(
    state: str, request: str, key: str, now: int
) -> tuple[str, witnessing.Response]:
    """Check a checkpoint and its consistency proof as tlog-witness says: the new state text
    (unchanged unless cosigned) and the response (status 200 with the cosignature, or the
    refusal). `key` is the witness's signer key text, `now` the time in Unix seconds."""
    current = witnessing.state_from_json(state)
    signer = notes.parse_signer_key(key.strip())
    new_state, resp = witnessing.add_checkpoint(current, request, signer, now)
    return witnessing.state_to_json(new_state), resp
