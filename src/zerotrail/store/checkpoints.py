"""Signed checkpoints of the workspace log, proofs against them, and the audit.

Where it sits: the store side of the ledger, next to `tlog.py`. The log signs a C2SP checkpoint
of its current tree after each batch of changes, and refuses to sign one inconsistent with a
checkpoint it signed before (same origin, a tree that does not extend the earlier one).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger.canonical import commitment
from zerotrail.ledger.checkpoint import Checkpoint, format_checkpoint, parse_checkpoint
from zerotrail.ledger.merkle import (
    consistency_proof,
    verify_consistency,
)
from zerotrail.ledger.note import (
    Signer,
    Verifier,
    format_verifier_key,
    open_note,
    parse_note,
    sign_note,
)
from zerotrail.ledger.proof import format_proof
from zerotrail.ledger.witness import format_add_checkpoint
from zerotrail.store import tlog
from zerotrail.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Signed:
    checkpoint: Checkpoint
    note: str


def latest(ws: Workspace) -> Signed | None:
    rows = ws.fetchall(
        "SELECT note FROM ledger_checkpoints ORDER BY size DESC, signed_at DESC LIMIT 1"
    )
    if not rows:
        return None
    note = str(rows[0][0])
    return Signed(parse_checkpoint(parse_note(note).text), note)


def sign_checkpoint(ws: Workspace, signer: Signer) -> Signed:
    """Sign (and store) a checkpoint of the current tree; idempotent when nothing changed."""
    origin = ws.get_setting("ledger_origin")
    if origin is None:
        ws.set_setting("ledger_origin", signer.name)
        origin = signer.name
    if signer.name != origin:
        raise ZerotrailError(f"this log's origin is {origin}; the key is for {signer.name}")
    if ws.get_setting("ledger_vkey") is None:  # reports print it for their readers
        ws.set_setting("ledger_vkey", format_verifier_key(signer.verifier()))
    size = tlog.size(ws)
    root = tlog.root(ws, size)
    prev = latest(ws)
    if prev is not None:
        old = prev.checkpoint
        if size < old.size:
            raise VerificationError(
                f"refusing to sign: the log has {size} leaves, fewer than the {old.size} of a"
                " checkpoint already signed"
            )
        if tlog.root(ws, old.size) != old.root:
            raise VerificationError(
                f"refusing to sign: the log's first {old.size} leaves no longer match the"
                " checkpoint signed for them (run `zerotrail ledger audit`)"
            )
        if size == old.size:
            return prev
    cp = Checkpoint(origin, size, root)
    note = sign_note(format_checkpoint(cp), [signer])
    with ws.transaction():
        ws.execute(
            "INSERT INTO ledger_checkpoints VALUES (?, ?, ?, ?)",
            [size, root, note, datetime.now(UTC).replace(tzinfo=None)],
        )
    return Signed(cp, note)


def add_cosignatures(ws: Workspace, lines: str) -> Signed:
    """Attach a witness's cosignature lines to the stored checkpoint they sign."""
    cur = latest(ws)
    if cur is None:
        raise ZerotrailError("no checkpoint to cosign: run `zerotrail ledger checkpoint`")
    extra = "".join(line + "\n" for line in lines.splitlines() if line.strip())
    note = cur.note + extra
    parse_note(note)  # well formed
    with ws.transaction():
        ws.execute(
            "UPDATE ledger_checkpoints SET note = ? WHERE size = ? AND note = ?",
            [note, cur.checkpoint.size, cur.note],
        )
    return Signed(cur.checkpoint, note)


def witness_request(ws: Workspace, old_size: int) -> str:
    """The tlog-witness add-checkpoint body from `old_size` to the latest checkpoint."""
    cur = latest(ws)
    if cur is None:
        raise ZerotrailError("no checkpoint yet: run `zerotrail ledger checkpoint`")
    size = cur.checkpoint.size
    if old_size > size:
        raise ZerotrailError(f"old size {old_size} is larger than the checkpoint ({size})")
    src = tlog.WorkspaceSource(ws)
    proof = [] if old_size in (0, size) else consistency_proof(old_size, size, src)
    return format_add_checkpoint(old_size, proof, cur.note)


def opening(ws: Workspace, kind: str, ref: str, version: int, canonical: bytes) -> bytes:
    """The `extra` of a proof: the record's salt and canonical bytes, as JSON."""
    salt = ws.scalar(
        "SELECT salt FROM ledger_leaves WHERE kind = ? AND ref = ? AND version = ?",
        [kind, ref, version],
    )
    return json.dumps(
        {"salt": base64.b64encode(bytes(salt)).decode(), "record": canonical.decode()},
        separators=(",", ":"),
    ).encode()


def run_canonical(ws: Workspace, run_id: str) -> bytes:
    """The canonical text a calculation run committed (its headline figures)."""
    rows = ws.fetchall("SELECT committed FROM runs WHERE run_id = ?", [run_id])
    if not rows or rows[0][0] is None:
        raise ZerotrailError(f"run {run_id} has no committed figures")
    return str(rows[0][0]).encode()


def leaf_from_opening(extra: bytes) -> bytes:
    """Recompute a leaf hash from a proof's opening; VerificationError if malformed."""
    try:
        data = json.loads(extra)
        salt = base64.b64decode(data["salt"], validate=True)
        record = str(data["record"]).encode()
        return commitment(salt, record)
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError(f"malformed opening in the proof: {exc}") from None


def prove(
    ws: Workspace,
    kind: str,
    ref: str,
    canonical_of: Callable[[str, int], bytes] | None = None,
    with_opening: bool = False,
) -> str:
    """A `.tlog-proof` for the latest version of record `ref` in the latest checkpoint.

    `canonical_of(ref, version)` gives the record's canonical bytes, needed for the opening.
    """
    cur = latest(ws)
    if cur is None:
        raise ZerotrailError("no checkpoint yet: run `zerotrail ledger checkpoint`")
    rows = ws.fetchall(
        "SELECT idx, version FROM ledger_leaves WHERE kind = ? AND ref = ? AND idx < ?"
        " ORDER BY version DESC LIMIT 1",
        [kind, ref, cur.checkpoint.size],
    )
    if not rows:
        raise ZerotrailError(f"no {kind} {ref} in the log up to the latest checkpoint")
    idx, version = int(rows[0][0]), int(rows[0][1])
    proof = tlog.inclusion(ws, idx, cur.checkpoint.size)
    extra = None
    if with_opening:
        if canonical_of is None:
            raise ValueError("an opening needs the record's canonical bytes")
        extra = opening(ws, kind, ref, version, canonical_of(ref, version))
    return format_proof(idx, proof, cur.note, extra)


@dataclass(frozen=True, slots=True)
class Sampled:
    kind: str
    ref: str
    version: int
    index: int
    proof: str


def sample(
    ws: Workspace,
    kind: str,
    count: int,
    seed: int,
    canonical_of: Callable[[str, int], bytes] | None = None,
    with_opening: bool = False,
) -> list[Sampled]:
    """Proofs for `count` committed versions of `kind`, drawn uniformly by a seeded generator
    from the leaves of the latest checkpoint: an auditor's sample, proved in one pass (the
    stored upper nodes read once, every sampled block in one query)."""
    import random

    cur = latest(ws)
    if cur is None:
        raise ZerotrailError("no checkpoint yet: run `zerotrail ledger checkpoint`")
    size = cur.checkpoint.size
    where = "kind = $kind AND idx < $size"
    params = {"kind": kind, "size": size}
    total = int(
        ws.con.sql(f"SELECT count(*) FROM ledger_leaves WHERE {where}", params=params).fetchall()[
            0
        ][0]
    )
    if not total:
        raise ZerotrailError(f"no {kind} records in the log up to the latest checkpoint")
    # Draw ranks among the kind's leaves (O(count) memory at any log size), then look their
    # positions up: the same seed draws the same records from the same log.
    ranks = random.Random(seed).sample(range(total), min(count, total))
    chosen = sorted(
        int(i)
        for (i,) in ws.con.sql(
            f"""SELECT idx FROM (SELECT idx, row_number() OVER (ORDER BY idx) - 1 AS rank
                                 FROM ledger_leaves WHERE {where})
                WHERE rank IN (SELECT unnest($ranks))""",
            params={**params, "ranks": ranks},
        ).fetchall()
    )
    refs = {
        int(i): (str(r), int(v))
        for i, r, v in ws.fetchall(
            "SELECT idx, ref, version FROM ledger_leaves WHERE idx IN (SELECT unnest(?))",
            [chosen],
        )
    }
    proofs = tlog.Prover(ws, size).prove_many(chosen)
    out = []
    for index, (_, hashes) in zip(chosen, proofs, strict=True):
        ref, version = refs[index]
        extra = None
        if with_opening:
            if canonical_of is None:
                raise ValueError("an opening needs the record's canonical bytes")
            extra = opening(ws, kind, ref, version, canonical_of(ref, version))
        out.append(Sampled(kind, ref, version, index, format_proof(index, hashes, cur.note, extra)))
    return out


def check_consistency(
    old_note: str, new_note: str, proof: list[bytes], keys: Sequence[Verifier]
) -> tuple[Checkpoint, Checkpoint]:
    """Two checkpoints (signatures checked when keys are given) and a consistency proof."""
    texts = []
    for note in (old_note, new_note):
        texts.append(open_note(note, keys).text if keys else parse_note(note).text)
    old, new = (parse_checkpoint(t) for t in texts)
    if old.origin != new.origin:
        raise VerificationError(f"different logs: {old.origin} and {new.origin}")
    verify_consistency(old.size, new.size, proof, old.root, new.root)
    return old, new
