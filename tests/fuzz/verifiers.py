"""Fuzz targets for the offline verifiers: proof files, signed notes, checkpoints, consistency
proofs, cosignatures, witness requests and state, key strings.

Where it sits: used by tests/fuzz/test_verifiers.py (bounded, Hypothesis) and bench/fuzz.py
(long runs). Each target holds one valid input (`seed`), a mutator, and `check(data)`, which
feeds the bytes to the verifier the way the CLI does and raises `Crash` when a property fails:

1. fail closed: the verifier returns or raises `VerificationError`, nothing else (the witness's
   `add_checkpoint` answers with a status and raises nothing at all);
2. no forgery: an accepted input means what the seed means. Byte equality is too strict, since
   the formats allow a few harmless variations, each of which still proves the same statement:
   signature lines from keys the verifier was not given are ignored (signed-note), so they may
   be added, dropped or damaged; a trusted key's line may appear twice; the opening in a proof
   (`extra`) is unauthenticated JSON, so only the leaf it yields counts; key IDs are hex in
   either case. Everything that carries meaning (signed text, index, proof hashes, sizes, roots,
   timestamps, the leaf) must be exactly the seed's;
3. canonical parsing: `parse_checkpoint` and `state_from_json` accept text only if it is what
   the formatter writes for the value read (no second spelling of a checkpoint), or, for the
   JSON state, a text whose value round-trips.

Bytes become text as `str.decode("utf-8", "surrogateescape")`: valid UTF-8 reads as the CLI
reads it, and invalid bytes become lone surrogates, which the verifiers must refuse too.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256

from tests.fuzz.mutate import TOKENS, Mutator, mix, mutate_bytes, mutate_lines, pick
from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    ListSource,
    NoteVerified,
    ProofBundle,
    Response,
    Signer,
    WitnessedLog,
    WitnessState,
    add_checkpoint,
    consistency_proof,
    cosign,
    format_add_checkpoint,
    format_checkpoint,
    format_proof,
    format_signer_key,
    format_verifier_key,
    inclusion_proof,
    open_note,
    parse_add_checkpoint,
    parse_checkpoint,
    parse_note,
    parse_proof,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    state_from_json,
    state_to_json,
    verify_cosignatures,
    verify_proof_bundle,
)
from zerotrail.ledger.canonical import commitment

# --- the fixture: a log of 13 records, checkpoints at 6 and 13, one witness -------------------

ORIGIN = "fuzz.example/log"
LOG = Signer(ORIGIN, ED25519, sha256(b"fuzz log key").digest())
OTHER = Signer("other.example/log", ED25519, sha256(b"fuzz other key").digest())
WITNESS = Signer("fuzz.example/witness", COSIGNATURE_V1, sha256(b"fuzz witness key").digest())
T = 1_767_225_600  # cosignature time
NOW = T + 3600  # the witness's clock

SALTS = [sha256(b"salt %d" % i).digest() for i in range(13)]
RECORDS = [
    json.dumps(
        {"kind": "activity", "record_id": f"R-{i}", "quantity": f"{i * 12.5:.9f}"},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    for i in range(13)
]
LEAVES = [commitment(s, r) for s, r in zip(SALTS, RECORDS, strict=True)]
TREE = ListSource(LEAVES)
OLD_SIZE, SIZE, INDEX = 6, 13, 9

OLD = Checkpoint(ORIGIN, OLD_SIZE, TREE.root(OLD_SIZE))
NEW = Checkpoint(ORIGIN, SIZE, TREE.root(SIZE))
OLD_TEXT = format_checkpoint(OLD)
TEXT = format_checkpoint(NEW)
# The log's signature, a signature by a key no verifier is given, and the witness's cosignature.
NOTE = sign_note(TEXT, [LOG, OTHER]) + cosign(TEXT, WITNESS, T)
OLD_NOTE = sign_note(OLD_TEXT, [LOG])

OPENING = json.dumps(
    {"salt": base64.b64encode(SALTS[INDEX]).decode(), "record": RECORDS[INDEX].decode()},
    separators=(",", ":"),
).encode()
PROOF = tuple(inclusion_proof(INDEX, SIZE, TREE))
PROOF_FILE = format_proof(INDEX, PROOF, NOTE, OPENING)
CONSISTENCY = tuple(consistency_proof(OLD_SIZE, SIZE, TREE))
CONSISTENCY_FILE = "".join(base64.b64encode(h).decode() + "\n" for h in CONSISTENCY)
SEPARATOR = "\x1e\n"  # joins the three files of a consistency check into one input

# The witness has cosigned the old checkpoint and follows no other log.
STATE = WitnessState((WitnessedLog(ORIGIN, (LOG.verifier(),), OLD_SIZE, OLD.root),))
REQUEST = format_add_checkpoint(OLD_SIZE, CONSISTENCY, NOTE)
STATE_JSON = state_to_json(STATE)
VERIFIER_KEY = format_verifier_key(LOG.verifier())
SIGNER_KEY = format_signer_key(WITNESS)


class Crash(AssertionError):
    """A verifier property failed: a foreign exception, or a mutated input accepted."""


def text_of(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _refused(call: Callable[[], object], what: str) -> object | None:
    """The call's result, or None when it raised VerificationError; Crash on anything else."""
    try:
        return call()
    except VerificationError:
        return None
    except Exception as exc:
        raise Crash(f"{what} raised {type(exc).__name__}: {exc}") from exc


def _same(what: str, got: object, want: object) -> None:
    if got != want:
        raise Crash(
            f"{what}: a mutated input was accepted and means {repr(got)[:400]}, not"
            f" {repr(want)[:400]}"
        )


# --- checks ---------------------------------------------------------------------------------


def leaf_from_opening(extra: bytes) -> bytes:
    """What `verify proof` does with a proof's opening (zerotrail.store.checkpoints)."""
    from zerotrail.store.checkpoints import leaf_from_opening as recompute

    return recompute(extra)


def check_proof(data: bytes) -> bool:
    """`zerotrail verify proof FILE --log-key K [--witness-key W]`, without the CLI."""
    text = text_of(data)
    bundle = _refused(lambda: parse_proof(text), "parse_proof")
    if not isinstance(bundle, ProofBundle) or bundle.extra is None:
        return False  # without an opening the CLI needs --leaf: nothing to check against
    extra = bundle.extra
    leaf = _refused(lambda: leaf_from_opening(extra), "leaf_from_opening")
    if not isinstance(leaf, bytes):
        return False
    accepted = False
    for witnesses in ([WITNESS.verifier()], []):
        checkpoint = _refused(
            lambda w=witnesses: verify_proof_bundle(bundle, leaf, LOG.verifier(), w),
            "verify_proof_bundle",
        )
        if checkpoint is None:
            continue
        signed = parse_note(bundle.checkpoint_note).text
        got = (bundle.index, bundle.proof, leaf, signed, checkpoint)
        _same("proof", got, (INDEX, PROOF, LEAVES[INDEX], TEXT, NEW))
        accepted = True
    return accepted


def check_note(data: bytes) -> bool:
    """`zerotrail verify note FILE --key K`: with the log key, and with two trusted keys."""
    note = text_of(data)
    accepted = False
    for keys in ([LOG.verifier()], [LOG.verifier(), OTHER.verifier()]):
        opened = _refused(lambda k=keys: open_note(note, k), "open_note")
        if not isinstance(opened, NoteVerified):
            continue
        _same("note text", opened.text, TEXT)
        if not opened.verifiers or not set(opened.verifiers) <= set(keys):
            raise Crash(f"open_note names keys it was not given: {opened.verifiers}")
        accepted = True
    return accepted


def check_checkpoint(data: bytes) -> bool:
    """`parse_checkpoint` of note text: only the formatter's own spelling is accepted."""
    text = text_of(data)
    checkpoint = _refused(lambda: parse_checkpoint(text), "parse_checkpoint")
    if not isinstance(checkpoint, Checkpoint):
        return False
    _same("checkpoint round trip", format_checkpoint(checkpoint), text)
    return True


def _split(data: bytes, parts: int) -> list[str]:
    pieces = text_of(data).split(SEPARATOR)
    return (pieces + [""] * parts)[:parts]


def check_consistency(data: bytes) -> bool:
    """`zerotrail verify consistency OLD NEW --proof P [--key K]`, without the CLI."""
    from zerotrail.store.checkpoints import check_consistency as check

    old_note, new_note, proof_text = _split(data, 3)
    try:  # the CLI's reading of the proof file (its ValueError is a refusal there)
        hashes = [
            base64.b64decode(line, validate=True)
            for line in proof_text.splitlines()
            if line.strip()
        ]
    except ValueError:
        return False
    accepted = False
    for keys in ([LOG.verifier()], []):
        pair = _refused(lambda k=keys: check(old_note, new_note, hashes, k), "check_consistency")
        if not isinstance(pair, tuple):
            continue
        old, new = pair
        if keys:  # signed: the checkpoints are the seed's, extension lines and all
            _same("consistency", (old, new, tuple(hashes)), (OLD, NEW, CONSISTENCY))
        else:
            # Unsigned: only what verify_consistency proves, origins and roots. Not the sizes: a
            # proof does not bind them (docs/ledger-formats.md, "What a proof does not bind"),
            # so 6 -> 13 with these roots also verifies as 6 -> 11, 12, 14 or 15; only the
            # log's signature fixes them.
            got = [(c.origin, c.root) for c in (old, new)]
            want = [(c.origin, c.root) for c in (OLD, NEW)]
            _same("consistency (no key)", (got, tuple(hashes)), (want, CONSISTENCY))
        accepted = True
    return accepted


def check_cosignature(data: bytes) -> bool:
    """`verify_cosignatures` with the witness's key: the text and the time are the seed's."""
    note = text_of(data)
    stamps = _refused(
        lambda: verify_cosignatures(note, [WITNESS.verifier()]), "verify_cosignatures"
    )
    if stamps is None:
        return False
    _same("cosigned text", parse_note(note).text, TEXT)
    _same("cosignature time", stamps, {WITNESS.verifier(): T})
    return True


def check_witness(data: bytes) -> bool:
    """The witness's add-checkpoint: an answer for every body, a cosignature only for the seed's."""
    body = text_of(data)
    try:
        state, response = add_checkpoint(STATE, body, WITNESS, NOW)
    except Exception as exc:
        raise Crash(f"add_checkpoint raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(response, Response) or not isinstance(state, WitnessState):
        raise Crash(f"add_checkpoint answered {response!r}")
    if response.status != 200:
        if state != STATE:
            raise Crash(f"add_checkpoint answered {response.status} but changed the state")
        return False
    request = parse_add_checkpoint(body)
    text = parse_note(request.checkpoint_note).text
    got = (request.old_size, request.proof, text)
    _same("witnessed request", got, (OLD_SIZE, CONSISTENCY, TEXT))
    log = state.log(ORIGIN)
    _same("witness state", None if log is None else (log.size, log.root), (SIZE, NEW.root))
    _same("cosignature", response.body, cosign(TEXT, WITNESS, NOW))
    return True


def check_witness_state(data: bytes) -> bool:
    """`state_from_json`: strict, and what it accepts round-trips."""
    text = text_of(data)
    state = _refused(lambda: state_from_json(text), "state_from_json")
    if not isinstance(state, WitnessState):
        return False
    again = _refused(lambda: state_from_json(state_to_json(state)), "state_from_json (again)")
    _same("witness state round trip", again, state)
    return True


def check_keys(data: bytes) -> bool:
    """Key strings: the seed holds a verifier key and a signer key, one a line."""
    first, _, second = text_of(data).partition("\n")
    verifier = _refused(lambda: parse_verifier_key(first), "parse_verifier_key")
    if verifier is not None:
        _same("verifier key", verifier, LOG.verifier())
    signer = _refused(lambda: parse_signer_key(second), "parse_signer_key")
    if signer is not None:
        _same("signer key", signer, WITNESS)
    return verifier is not None and signer is not None


# --- format-aware mutators ------------------------------------------------------------------

_BASE64 = re.compile(rb"[A-Za-z0-9+/]{8,}={0,2}")
_NUMBER = re.compile(rb"(?<![A-Za-z0-9+/])[0-9]+(?![A-Za-z0-9+/=])")
_BIG = (0, 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**20)
_STAMPS = (0, 1, T - 1, T + 1, 2**63 - 1, 2**63, 2**64 - 1)  # 8-byte cosignature timestamps


def mutate_base64(seed: bytes, rng: random.Random) -> bytes:
    """Decode one base64 token, damage the bytes, re-encode canonically: reaches the checks
    behind the encoding (key IDs, lengths, timestamps, signatures, hashes)."""
    spans = list(_BASE64.finditer(seed))
    if not spans:
        return mutate_bytes(seed, rng)
    m = spans[rng.randrange(len(spans))]
    try:
        raw = bytearray(base64.b64decode(m.group(), validate=True))
    except ValueError:
        return mutate_bytes(seed, rng)
    op = rng.randrange(5)
    if op == 0 and raw:  # flip a bit
        i = rng.randrange(len(raw))
        raw[i] ^= 1 << rng.randrange(8)
    elif op == 1 and raw:  # drop bytes
        del raw[rng.randrange(len(raw)) :]
    elif op == 2:  # add bytes
        raw += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif op == 3 and len(raw) >= 12:  # a cosignature timestamp (after the 4-byte key ID)
        raw[4:12] = rng.choice(_STAMPS).to_bytes(8, "big")
    else:  # another token's bytes
        other = spans[rng.randrange(len(spans))].group()
        with contextlib.suppress(ValueError):
            raw = bytearray(base64.b64decode(other, validate=True))
    encoded = base64.b64encode(bytes(raw))
    return seed[: m.start()] + encoded + seed[m.end() :]


def mutate_numbers(seed: bytes, rng: random.Random) -> bytes:
    """Change one decimal number: off by one, a limit, leading zeros, signs."""
    spans = list(_NUMBER.finditer(seed))
    if not spans:
        return mutate_bytes(seed, rng)
    m = spans[rng.randrange(len(spans))]
    value = int(m.group())
    op = rng.randrange(4)
    if op == 0:
        new = str(max(0, value + rng.choice((-1, 1, 2, -2)))).encode()
    elif op == 1:
        new = str(rng.choice(_BIG)).encode()
    elif op == 2:
        new = b"0" + m.group()
    else:
        new = pick(rng, (b"-", b"+", b" ", b"")) + m.group() + pick(rng, TOKENS[:12])
    return seed[: m.start()] + new + seed[m.end() :]


def mutate_json(seed: bytes, rng: random.Random) -> bytes:
    """Replace one JSON value of the seed by another JSON value (types, depth, size)."""
    spans = list(re.finditer(rb'"[^"]*"|-?[0-9]+|\[|\]|true|false|null', seed))
    if not spans:
        return mutate_bytes(seed, rng)
    m = spans[rng.randrange(len(spans))]
    new = rng.choice(
        [
            b"null",
            b"true",
            b"0",
            b"-1",
            b"1.0",
            b"1e400",
            b'""',
            b"[]",
            b"{}",
            b'"\\ud800"',
            b'"\\u0000"',
            b"9" * 5000,
            b"[" * 5000 + b"]" * 5000,
            b"18446744073709551616",
            m.group() + b"," + m.group(),
        ]
    )
    return seed[: m.start()] + new + seed[m.end() :]


TEXT_MUTATOR = mix((3, mutate_bytes), (2, mutate_lines), (3, mutate_base64), (2, mutate_numbers))


@dataclass(frozen=True, slots=True)
class VerifierTarget:
    name: str
    seed: Callable[[], bytes]
    mutator: Mutator
    check: Callable[[bytes], bool]  # True when accepted; Crash on a property violation


def _const(text: str) -> Callable[[], bytes]:
    data = text.encode("utf-8")
    return lambda: data


def _opening_mutator() -> Mutator:
    """Mutations of the proof file's opening: the JSON inside `extra`, re-encoded."""

    def mutator(seed: bytes, rng: random.Random) -> bytes:
        head, sep, rest = seed.partition(b"\nindex ")
        prefix = b"c2sp.org/tlog-proof@v1\nextra "
        if not sep or not head.startswith(prefix):
            return mutate_bytes(seed, rng)
        try:
            opening = base64.b64decode(head[len(prefix) :], validate=True)
        except ValueError:
            return mutate_bytes(seed, rng)
        changed = mix((2, mutate_json), (1, mutate_bytes))(opening, rng)
        return prefix + base64.b64encode(changed) + sep + rest

    return mutator


VERIFIER_TARGETS: dict[str, VerifierTarget] = {
    t.name: t
    for t in (
        VerifierTarget("verify-proof", _const(PROOF_FILE), TEXT_MUTATOR, check_proof),
        VerifierTarget("proof-opening", _const(PROOF_FILE), _opening_mutator(), check_proof),
        VerifierTarget("verify-note", _const(NOTE), TEXT_MUTATOR, check_note),
        VerifierTarget("checkpoint", _const(TEXT), TEXT_MUTATOR, check_checkpoint),
        VerifierTarget(
            "verify-consistency",
            _const(OLD_NOTE + SEPARATOR + NOTE + SEPARATOR + CONSISTENCY_FILE),
            TEXT_MUTATOR,
            check_consistency,
        ),
        VerifierTarget("cosignature", _const(NOTE), TEXT_MUTATOR, check_cosignature),
        VerifierTarget("witness-request", _const(REQUEST), TEXT_MUTATOR, check_witness),
        VerifierTarget(
            "witness-state",
            _const(STATE_JSON),
            mix((2, mutate_json), (2, TEXT_MUTATOR)),
            check_witness_state,
        ),
        VerifierTarget("keys", _const(VERIFIER_KEY + "\n" + SIGNER_KEY), TEXT_MUTATOR, check_keys),
    )
}
