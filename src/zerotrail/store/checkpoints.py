"""Signed checkpoints of the workspace log, proofs against them, and the ledger state file.

Where it sits: the store side of the ledger, next to `tlog.py`. The log signs a C2SP checkpoint
of its current tree after each batch of changes, and refuses to sign one inconsistent with a
checkpoint it signed before (same origin, a tree that does not extend the earlier one), or
while the workspace itself shows that checkpoints it signed are gone (`refuse_if_gone`): a new
checkpoint over rewritten leaves would otherwise launder them.

The *ledger state* is a small JSON file kept outside the workspace (by default beside it,
`<workspace>.ledger-state.json`): the log's origin, its verifier key and the size and root of
every checkpoint seen signed. `ledger checkpoint` and a clean `ledger audit` add to it, never
remove from it. Someone who can write the workspace file can delete checkpoints or put back an
older copy of the file; the state, if they cannot write it too, still names what was signed, so
the audit and the next checkpoint notice (docs/ledger.md, "Rollback").
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger.canonical import commitment
from zerotrail.ledger.checkpoint import Checkpoint, format_checkpoint, parse_checkpoint
from zerotrail.ledger.encoding import decode_hash, encode_base64
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
    parse_verifier_key,
    sign_note,
)
from zerotrail.ledger.proof import format_proof
from zerotrail.ledger.witness import format_add_checkpoint
from zerotrail.model.files import MAX_STATE_FILE, read_limited
from zerotrail.store import tlog
from zerotrail.store.database import Workspace
from zerotrail.store.workspace import parse_url


@dataclass(frozen=True, slots=True)
class Signed:
    checkpoint: Checkpoint
    note: str


def latest(ws: Workspace) -> Signed | None:
    return _first_signed(
        ws.fetchall(
            "SELECT note FROM ledger_checkpoints ORDER BY size DESC, signed_at DESC LIMIT 1"
        )
    )


def _first_signed(rows: Sequence[Any]) -> Signed | None:
    if not rows:
        return None
    note = str(rows[0][0])
    return Signed(parse_checkpoint(parse_note(note).text), note)


def sign_checkpoint(
    ws: Workspace,
    signer: Signer,
    state: LedgerState | None = None,
    *,
    publishing: str | None = None,
) -> Signed:
    """Sign (and store) a checkpoint of the current tree; idempotent when nothing changed.

    With the ledger `state`, refuse when the workspace no longer holds the latest checkpoint it
    records (an older copy of the file, or rewritten leaves), or when it is another log's.
    `publishing` names the report being published, whose leaf this checkpoint is to cover.
    """
    if state is not None:
        check_state_for_signing(ws, signer, state)
    refuse_if_gone(ws, signer.verifier(), publishing)
    origin = ws.get_setting("ledger_origin")
    if origin is None:
        ws.set_setting("ledger_origin", signer.name)
        origin = signer.name
    if signer.name != origin:
        raise ZerotrailError(f"this log's origin is {origin}; the key is for {signer.name}")
    vkey = format_verifier_key(signer.verifier())
    stored_key = ws.get_setting("ledger_vkey")
    if stored_key is None:  # reports print it for their readers; the audit checks with it
        ws.set_setting("ledger_vkey", vkey)
    elif stored_key != vkey:
        raise ZerotrailError(f"this log's verifier key is {stored_key}; the key is for {vkey}")
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
                " checkpoint signed for them (the ledger audit names what changed)"
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


def refuse_if_gone(ws: Workspace, verifier: Verifier, publishing: str | None = None) -> None:
    """Refuse to sign while the workspace's own records show that checkpoints signed before
    are gone or altered (docs/ledger.md, "Rollback and deleted checkpoints"):

    - every stored checkpoint must open with the log's key;
    - once the log's origin is fixed (by its first checkpoint), one must be stored;
    - the checkpoint each report was built on (`report_checkpoints`) must be stored;
    - a report is published on a checkpoint signed over its own leaf, in one transaction: every
      report leaf must be covered, but that of the report being published (`publishing`).
    """
    stored: dict[int, bytes] = {}
    for (note,) in ws.fetchall("SELECT note FROM ledger_checkpoints ORDER BY size"):
        try:
            cp = parse_checkpoint(open_note(str(note), [verifier]).text)
        except VerificationError as exc:
            raise VerificationError(
                f"refusing to sign: a stored checkpoint does not verify with this key ({exc})"
            ) from None
        stored[cp.size] = cp.root
    origin = ws.get_setting("ledger_origin")
    if origin is not None and not stored:
        raise VerificationError(
            f"refusing to sign: the log's origin {origin} was fixed by a first checkpoint, but"
            " no checkpoint is stored: they were deleted (restore a copy of the workspace that"
            " has them)"
        )
    for report_id, size, note in ws.fetchall(
        "SELECT report_id, size, note FROM report_checkpoints ORDER BY report_id"
    ):
        try:
            cp = parse_checkpoint(parse_note(str(note)).text)
        except VerificationError:
            cp = Checkpoint("", int(size), b"")
        if stored.get(cp.size) != cp.root:
            raise VerificationError(
                f"refusing to sign: report {report_id} was built on the checkpoint of size"
                f" {size}, which is no longer stored (deleted)"
            )
    covered = max(stored, default=0)
    for ref, idx in ws.fetchall(
        "SELECT ref, idx FROM ledger_leaves WHERE kind = 'report' AND idx >= ? ORDER BY idx",
        [covered],
    ):
        if ref != publishing:
            raise VerificationError(
                f"refusing to sign: report {ref} (leaf {idx}) was published on a checkpoint"
                " covering it, but no stored checkpoint does (deleted)"
            )


def add_cosignatures(ws: Workspace, lines: str) -> Signed:
    """Attach a witness's cosignature lines to the stored checkpoint they sign."""
    cur = latest(ws)
    if cur is None:
        raise ZerotrailError("no checkpoint to cosign: sign one first, with the log's signer key")
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
        raise ZerotrailError("no checkpoint yet: sign one first, with the log's signer key")
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
    # RecursionError: JSON nested deeper than the parser's stack (found by fuzzing).
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
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
        raise ZerotrailError("no checkpoint yet: sign one first, with the log's signer key")
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
        raise ZerotrailError("no checkpoint yet: sign one first, with the log's signer key")
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


# --- the ledger state file ------------------------------------------------------------------

STATE_FORMAT = "zerotrail-ledger-state/v1"
STATE_SUFFIX = ".ledger-state.json"


@dataclass(frozen=True, slots=True)
class LedgerState:
    """What was seen signed: origin, verifier key, and (size, root) of every checkpoint."""

    origin: str
    log_key: str
    checkpoints: tuple[tuple[int, bytes], ...]  # ascending size, one entry per size
    updated_at: str = ""

    @property
    def latest(self) -> tuple[int, bytes] | None:
        return self.checkpoints[-1] if self.checkpoints else None


def default_state_path(ws: Workspace) -> Path | None:
    """`<workspace file>.ledger-state.json`, or None for a workspace in memory.

    A PostgreSQL workspace has no file beside it, and the state must stay with the one who
    checks (it is what lets them notice a log rewritten behind their back), so it lives in
    their own state folder: `$XDG_STATE_HOME/zerotrail/` (default `~/.local/state/zerotrail/`),
    named by a digest of the server and database (the password left out)."""
    target = parse_url(ws.url)
    if target.kind == "postgres":
        import hashlib

        from zerotrail.store.workspace import display_url

        home = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        digest = hashlib.sha256(display_url(ws.url).encode()).hexdigest()[:24]
        return Path(home) / "zerotrail" / f"postgres-{digest}{STATE_SUFFIX}"
    return None if target.path == ":memory:" else Path(target.path + STATE_SUFFIX)


def state_to_json(state: LedgerState) -> str:
    return (
        json.dumps(
            {
                "format": STATE_FORMAT,
                "origin": state.origin,
                "log_key": state.log_key,
                "checkpoints": [[n, encode_base64(r)] for n, r in state.checkpoints],
                "updated_at": state.updated_at,
            },
            indent=2,
        )
        + "\n"
    )


def state_from_json(text: str, source: str = "the ledger state file") -> LedgerState:
    """Parse a state file strictly: a misread state could hide a rollback."""
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise ValueError("expected a JSON object")
        if doc["format"] != STATE_FORMAT:
            raise ValueError(f"format is not {STATE_FORMAT}")
        origin, key = str(doc["origin"]), str(doc["log_key"])
        parse_verifier_key(key)
        cps = tuple((int(n), decode_hash(str(r), "checkpoint root")) for n, r in doc["checkpoints"])
        if any(a[0] >= b[0] for a, b in pairwise(cps)):
            raise ValueError("checkpoints are not in ascending size")
        return LedgerState(origin, key, cps, str(doc.get("updated_at", "")))
    except KeyError as exc:
        raise ZerotrailError(f"{source} is not valid: missing field {exc.args[0]!r}") from None
    except (ValueError, TypeError, RecursionError, VerificationError) as exc:
        raise ZerotrailError(f"{source} is not valid: {exc}") from None


def read_state(path: Path) -> LedgerState | None:
    """The state recorded at `path`, or None when there is no such file."""
    if not path.exists() and not path.is_symlink():
        return None
    # Bounded, and a pipe or a device is refused unopened (it would be waited on forever).
    text = read_limited(path, "the ledger state", MAX_STATE_FILE)
    return state_from_json(text, f"the ledger state {path}")


def write_state(path: Path, state: LedgerState) -> None:
    """Replace the state file atomically."""
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(state_to_json(state))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def advance_state(
    old: LedgerState | None, origin: str, log_key: str, seen: Iterable[tuple[int, bytes]]
) -> LedgerState:
    """The old state plus newly seen checkpoints. Refuses a different origin or key, and a
    checkpoint whose root differs from the one recorded for its size (never forgets one)."""
    merged = dict(old.checkpoints) if old else {}
    if old is not None and (old.origin, old.log_key) != (origin, log_key):
        raise ZerotrailError(
            f"the ledger state records log {old.origin} with key {old.log_key}, not {log_key}"
        )
    for size, root in seen:
        if merged.setdefault(size, root) != root:
            raise ZerotrailError(f"the ledger state records another root for size {size}")
    return LedgerState(
        origin,
        log_key,
        tuple(sorted(merged.items())),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )


def check_state_for_signing(ws: Workspace, signer: Signer, state: LedgerState) -> None:
    """Refuse to sign on a workspace older than (or rewritten since) the recorded state."""
    vkey = format_verifier_key(signer.verifier())
    if (state.origin, state.log_key) != (signer.name, vkey):
        raise ZerotrailError(
            f"the ledger state records log {state.origin} with key {state.log_key}; this key is"
            f" {vkey}"
        )
    if state.latest is None:
        return
    size, root = state.latest
    have = tlog.size(ws)
    if have < size:
        raise VerificationError(
            f"refusing to sign: the workspace holds {have} leaves, fewer than the checkpoint of"
            f" size {size} already signed (ledger state): an older copy of the workspace?"
        )
    if tlog.root(ws, size) != root:
        raise VerificationError(
            f"refusing to sign: the first {size} leaves no longer give the root of the checkpoint"
            " of that size in the ledger state (the ledger audit names what changed)"
        )
    stored = set()
    for (note,) in ws.fetchall("SELECT note FROM ledger_checkpoints"):
        try:
            cp = parse_checkpoint(parse_note(str(note)).text)
        except VerificationError:
            continue  # refused by `refuse_if_gone`, with the reason
        stored.add((cp.size, cp.root))
    for size, root in state.checkpoints:
        if (size, root) not in stored:
            raise VerificationError(
                f"refusing to sign: the checkpoint of size {size} recorded in the ledger state is"
                " no longer stored (deleted)"
            )


def verified_checkpoints(ws: Workspace, key: str) -> list[tuple[int, bytes]]:
    """(size, root) of each stored checkpoint signed with `key` whose root the stored leaves
    give: what `ledger checkpoint` may add to the state."""
    verifier = parse_verifier_key(key)
    have = tlog.size(ws)
    out = []
    for (note,) in ws.fetchall("SELECT note FROM ledger_checkpoints ORDER BY size"):
        try:
            cp = parse_checkpoint(open_note(str(note), [verifier]).text)
        except VerificationError:
            continue
        if cp.size <= have and tlog.root(ws, cp.size) == cp.root:
            out.append((cp.size, cp.root))
    return out


def checkpoint_at(ws: Workspace, size: int) -> Signed | None:
    """The stored checkpoint of `size` (its latest signed note, cosignatures included)."""
    return _first_signed(
        ws.fetchall(
            "SELECT note FROM ledger_checkpoints WHERE size = ? ORDER BY signed_at DESC LIMIT 1",
            [size],
        )
    )


def prove_at(
    ws: Workspace,
    signed: Signed,
    wanted: Sequence[tuple[str, str, int]],
    canonical_of: Callable[[str, str, int], bytes],
) -> list[str]:
    """Proofs, with openings, of the leaves `wanted` ((kind, ref, version) each) against the
    checkpoint `signed`, in the order asked: the stored upper nodes read once, every block in
    one query. ZerotrailError names the first leaf the checkpoint does not hold."""
    size = signed.checkpoint.size
    found: dict[tuple[str, str, int], int] = {}
    for kind in sorted({k for k, _, _ in wanted}):
        refs = sorted({r for k, r, _ in wanted if k == kind})
        for start in range(0, len(refs), 1000):
            part = refs[start : start + 1000]
            marks = ", ".join("?" for _ in part)
            for ref, version, idx in ws.fetchall(
                f"SELECT ref, version, idx FROM ledger_leaves WHERE kind = ? AND idx < ?"
                f" AND ref IN ({marks})",
                [kind, size, *part],
            ):
                found[(kind, str(ref), int(version))] = int(idx)
    missing = [w for w in wanted if w not in found]
    if missing:
        kind, ref, version = missing[0]
        raise ZerotrailError(
            f"{kind} {ref} version {version} is not in the log at the checkpoint of size {size}"
        )
    order = sorted({found[w] for w in wanted})
    proofs = dict(zip(order, tlog.Prover(ws, size).prove_many(order), strict=True))
    out = []
    for kind, ref, version in wanted:
        idx = found[(kind, ref, version)]
        extra = opening(ws, kind, ref, version, canonical_of(kind, ref, version))
        out.append(format_proof(idx, proofs[idx][1], signed.note, extra))
    return out


def consistency(ws: Workspace, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof from the tree of `old_size` to that of `new_size` (RFC 6962)."""
    if not 0 < old_size <= new_size <= tlog.size(ws):
        raise ZerotrailError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size == new_size:
        return []
    return consistency_proof(old_size, new_size, tlog.WorkspaceSource(ws))
