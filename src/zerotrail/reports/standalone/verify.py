#!/usr/bin/env python3
"""Check a zerotrail report's proofs without zerotrail: Python 3.9+ and `cryptography` only.

Run it from the report's folder (every path below is relative to it):

    python3 verify.py --all --log-key log.vkey [--witness-key witness.vkey]
    python3 verify.py proofs/inventory-2025.tlog-proof --log-key log.vkey [--witness-key ...]
    python3 verify.py --figures report.json --log-key log.vkey [--witness-key witness.vkey]
    python3 verify.py --consistency previous-checkpoint.txt checkpoint.txt consistency.proof \
        --log-key log.vkey

A key is given as a file holding it or as the key text itself. Exit status 0 when every check
passed, 1 when any failed (each failure is one line on standard error).

This is a second implementation, written from the published formats alone, so that a reader
need not trust zerotrail's code to check zerotrail's output:

- C2SP signed-note: text, a blank line, signature lines `— <name> <base64(key ID || sig)>`;
  key ID = SHA-256(name || 0x0A || type || public key)[:4]; verifier key
  `<name>+<hex key ID>+<base64(type || public key)>`; type 0x01 signs the text with Ed25519.
- C2SP tlog-cosignature: type 0x04, payload key ID || 8-byte big-endian time T || Ed25519
  signature over "cosignature/v1\\ntime <T>\\n" followed by the checkpoint text.
- C2SP tlog-checkpoint: origin, tree size, base64 root hash, optional extension lines.
- C2SP tlog-proof: `c2sp.org/tlog-proof@v1`, optional `extra <base64>`, `index <n>`, the
  inclusion proof (base64 hashes), a blank line, the checkpoint note.
- RFC 6962 / RFC 9162 §2.1: leaf hash SHA-256(0x00 || data), node SHA-256(0x01 || l || r),
  inclusion and consistency verification by the `fn`/`sn` algorithms.
- zerotrail's leaf data: "zerotrail:leaf:v1" || 0x00 || 32-byte salt || canonical record
  (the proof's `extra` is the opening: JSON {"salt": <base64>, "record": <canonical text>}).
- RFC 8785 (JCS) canonical JSON, for the SHA-256 of report.json without its ledger section.

The key files beside a report come from the same place as the report: a check is only as good
as the key it uses. Compare them with keys obtained another way (the organization's and the
witness's own publications) before relying on the result.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

MAX_FILE = 1 << 20  # a proof, note or key file
MAX_REPORT = 64 << 20  # report.json
MAX_SIGNATURE_LINES = 100  # the signed-note spec asks for a cap; Go's note package uses 100
MAX_PROOF_HASHES = 64  # an inclusion proof in a tree of fewer than 2**64 leaves
MAX_SIZE = 2**64 - 1
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
LEAF_TAG = b"zerotrail:leaf:v1\x00"
ED25519 = 0x01
COSIGNATURE = 0x04
EMPTY_ROOT = hashlib.sha256(b"").digest()
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
# Shown as \xNN in what is printed, so that a record's text cannot drive the terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Failure(Exception):
    """A check failed; the message is one line saying why."""


# --- text encodings ------------------------------------------------------------------------


def b64(text: str, what: str) -> bytes:
    """Standard padded base64, in its one canonical spelling."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise Failure(f"{what} is not canonical base64")
    return raw


def decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) > MAX_SIZE:
        raise Failure(f"{what} is not a decimal number from 0 to 2**64 - 1")
    return int(text)


def shown(value: str) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def strict_json(text: str | bytes, what: str) -> Any:
    """JSON with no key given twice (which would make its meaning depend on the parser)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise Failure(f"{what} gives the key {k!r} twice")
            out[k] = v
        return out

    def constant(name: str) -> NoReturn:
        raise Failure(f"{what} holds {name}, which JSON does not allow")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError):
        raise Failure(f"{what} is not valid JSON") from None


# --- keys and signed notes (C2SP signed-note, tlog-cosignature) ----------------------------


@dataclass(frozen=True)
class Key:
    name: str
    key_id: bytes
    key_type: int
    public: bytes

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


def valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)


def parse_key(text: str, key_type: int, what: str) -> Key:
    parts = text.split("+", 2)  # base64 has its own '+': the name and key ID have none
    if len(parts) != 3 or not valid_name(parts[0]) or not _HEX8.fullmatch(parts[1]):
        raise Failure(f"{what} is not <name>+<key ID>+<key>")
    name, hex_id, material = parts
    raw = b64(material, what)
    if len(raw) != 33 or raw[0] != key_type:
        raise Failure(f"{what} is not an Ed25519 key of type 0x{key_type:02x}")
    key_id = hashlib.sha256(name.encode("utf-8") + b"\n" + raw).digest()[:4]
    if key_id.hex() != hex_id.lower():
        raise Failure(f"{what}: its key ID does not match its name and key")
    return Key(name, key_id, key_type, raw[1:])


def read_key(value: str, key_type: int, what: str) -> Key:
    """A key given as a file holding it, or as the key text itself."""
    path = Path(value)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if is_file:
        return parse_key(read_text(path, what).strip(), key_type, f"{what} in {value}")
    if "+" not in value:
        raise Failure(f"{what}: no file {value} here, and it is not a key either")
    return parse_key(value.strip(), key_type, what)


def has_cryptography() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


def ed25519_valid(public: bytes, signature: bytes, message: bytes) -> bool:
    # Imported here: recomputing the figures' SHA-256 (--figures without a key) needs no
    # package at all.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[tuple[str, bytes], ...]  # (key name, key ID || signature)


def parse_note(note: str, what: str) -> Note:
    if any((ord(c) < 0x20 and c != "\n") or c == "\x7f" for c in note):
        raise Failure(f"{what} holds control characters")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise Failure(f"{what} is not a signed note (text, blank line, signature lines)")
    lines = note[cut + 2 :].split("\n")[:-1]
    if not lines:
        raise Failure(f"{what} has no signature line")
    if len(lines) > MAX_SIGNATURE_LINES:
        raise Failure(f"{what} has more than {MAX_SIGNATURE_LINES} signature lines")
    signatures = []
    for line in lines:
        words = line.split(" ")
        if len(words) != 3 or words[0] != "—" or not valid_name(words[1]):
            raise Failure(f"{what}: a signature line is not '— <name> <signature>'")
        raw = b64(words[2], f"{what}: the signature by {words[1]}")
        if len(raw) < 5:
            raise Failure(f"{what}: the signature by {words[1]} is too short")
        signatures.append((words[1], raw))
    return Note(note[: cut + 1], tuple(signatures))


def check_signature(note: Note, key: Key, what: str) -> None:
    """The log's key signed the note: every line of that key verifies, and there is one."""
    mine = [raw for name, raw in note.signatures if name == key.name and raw[:4] == key.key_id]
    if not mine:
        raise Failure(f"{what} is not signed by the log key {key}")
    for raw in mine:
        if not ed25519_valid(key.public, raw[4:], note.text.encode("utf-8")):
            raise Failure(f"{what}: the signature by {key.name} does NOT verify")


def check_cosignature(note: Note, key: Key, what: str) -> int:
    """The witness cosigned the note's checkpoint; the time it did (Unix seconds)."""
    mine = [raw for name, raw in note.signatures if name == key.name and raw[:4] == key.key_id]
    if not mine:
        raise Failure(f"{what} is not cosigned by the witness {key}")
    times = []
    for raw in mine:
        if len(raw) != 4 + 8 + 64:
            raise Failure(f"{what}: the cosignature by {key.name} is malformed")
        when = int.from_bytes(raw[4:12], "big")
        if when >= 2**63:
            raise Failure(f"{what}: the cosignature by {key.name} has an impossible time")
        message = b"cosignature/v1\ntime %d\n" % when + note.text.encode("utf-8")
        if not ed25519_valid(key.public, raw[12:], message):
            raise Failure(f"{what}: the cosignature by {key.name} does NOT verify")
        times.append(when)
    return max(times)


# --- checkpoints and Merkle proofs (C2SP tlog-checkpoint, RFC 6962 / 9162) ------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def parse_checkpoint(text: str, what: str) -> Checkpoint:
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not lines[0] or any(not line for line in lines[3:]):
        raise Failure(f"{what} is not a checkpoint (origin, size, root hash)")
    root = b64(lines[2], f"{what}: the root hash")
    if len(root) != 32:
        raise Failure(f"{what}: the root hash is not 32 bytes")
    return Checkpoint(lines[0], decimal(lines[1], f"{what}: the tree size"), root)


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def check_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise Failure(f"entry {index} is not in a tree of {size} entries")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Failure("the inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise Failure("the record's leaf is NOT in the tree the checkpoint signs")


def check_consistency(m: int, n: int, proof: list[bytes], old: bytes, new: bytes) -> None:
    """RFC 9162 §2.1.4.2; the empty tree (size 0, root SHA-256 of nothing) precedes any tree."""
    if m > n:
        raise Failure(f"the older checkpoint's size {m} is larger than the newer's {n}")
    if m == n or m == 0:
        if proof or old != (new if m == n else EMPTY_ROOT):
            raise Failure("the checkpoints are NOT consistent")
        return
    if not proof:
        raise Failure("the consistency proof is empty")
    path = [old, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Failure("the consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old or sr != new:
        raise Failure("the newer tree does NOT extend the older one")


# --- proof files and what they prove --------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    index: int
    path: list[bytes]
    note: str
    extra: bytes | None


def parse_proof(text: str, what: str) -> Proof:
    head, blank, note = text.partition("\n\n")
    lines = head.split("\n")
    if not blank or lines[0] != PROOF_HEADER:
        raise Failure(f"{what} is not a {PROOF_HEADER} file")
    at, extra = 1, None
    if at < len(lines) and lines[at].startswith("extra "):
        extra = b64(lines[at][len("extra ") :], f"{what}: extra")
        at += 1
    if at >= len(lines) or not lines[at].startswith("index "):
        raise Failure(f"{what} has no 'index <n>' line")
    index = decimal(lines[at][len("index ") :], f"{what}: index")
    hashes = lines[at + 1 :]
    if len(hashes) > MAX_PROOF_HASHES:
        raise Failure(f"{what} has more than {MAX_PROOF_HASHES} proof hashes")
    path = []
    for line in hashes:
        raw = b64(line, f"{what}: a proof hash")
        if len(raw) != 32:
            raise Failure(f"{what}: a proof hash is not 32 bytes")
        path.append(raw)
    return Proof(index, path, note, extra)


def open_record(extra: bytes, what: str) -> tuple[bytes, dict[str, Any]]:
    """The leaf hash the opening gives, and the record it holds."""
    opening = strict_json(extra, f"{what}: the opening")
    if not isinstance(opening, dict) or set(opening) != {"salt", "record"}:
        raise Failure(f"{what}: the opening is not {{salt, record}}")
    salt, text = opening["salt"], opening["record"]
    if not isinstance(salt, str) or not isinstance(text, str):
        raise Failure(f"{what}: the opening's salt and record are not text")
    salt_bytes = b64(salt, f"{what}: the salt")
    if len(salt_bytes) != 32:
        raise Failure(f"{what}: the salt is not 32 bytes")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise Failure(f"{what}: the record is not UTF-8") from None
    leaf = hashlib.sha256(b"\x00" + LEAF_TAG + salt_bytes + data).digest()
    record = strict_json(text, f"{what}: the record")
    if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
        raise Failure(f"{what}: the record is not an object with a kind")
    return leaf, record


T = "t CO2e"
# What each kind of record states, in order: (field, label, unit). Any other field follows.
FACTS: dict[str, list[tuple[str, str, str]]] = {
    "run": [
        ("run_id", "calculation run", ""),
        ("year", "year", ""),
        ("scope1", "Scope 1", "unit"),
        ("scope2_location", "Scope 2, location-based", "unit"),
        ("scope2_market", "Scope 2, market-based", "unit"),
        ("scope3", "Scope 3, location-based", "unit"),
        ("scope3_market", "Scope 3, market-based", "unit"),
        ("total_location", "total, location-based", "unit"),
        ("total_market", "total, market-based", "unit"),
        ("biogenic_co2", "biogenic CO2, outside the scopes", "unit"),
        ("gwp_set", "GWP values", ""),
        ("consolidation", "consolidation", ""),
        ("records", "activity records", ""),
        ("problems", "problems", ""),
    ],
    "claim": [
        ("claim_id", "neutrality claim", ""),
        ("version", "version", ""),
        ("target_id", "target", ""),
        ("year", "year", ""),
        ("run_id", "calculation run", ""),
        ("gross", "gross emissions", T),
        ("credits_t", "credits retired", T),
        ("removals_t", "of which removals", T),
        ("net", "net", T),
        ("holds", "claim holds", ""),
    ],
    "report": [
        ("report_id", "report", ""),
        ("year", "year", ""),
        ("figures_sha256", "figures SHA-256", ""),
        ("previous_report", "previous report", ""),
        ("created_at", "published at", ""),
    ],
    "activity": [("record_id", "activity record", ""), ("version", "version", "")],
}


def statement(record: dict[str, Any]) -> list[str]:
    """What the record states, one fact a line, each value exactly as the record holds it:
    the kind's main facts in order, then every other field."""
    kind = record["kind"]
    facts = FACTS.get(kind, [])
    unit = record.get("unit")
    lines = [] if facts else [f"{shown(kind)} record"]
    done = {"kind"}
    if kind == "run" and isinstance(unit, str):
        done.add("unit")  # it follows each figure instead
    for key, label, suffix in facts:
        if key in record:
            done.add(key)
            after = (unit if isinstance(unit, str) else "") if suffix == "unit" else suffix
            lines.append(f"{label}: {value_text(record[key])}" + (f" {shown(after)}" * bool(after)))
    if kind == "claim":
        boundary = claim_boundary(record.get("detail"))
        target = value_text(record.get("target_id"))
        lines.append(
            f"boundary: {boundary}"
            if boundary is not None
            else f"boundary: target {target}'s (stated in that target's record, not in this one)"
        )
    lines += [f"{shown(k)}: {value_text(v)}" for k, v in record.items() if k not in done]
    return lines


def value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return shown(value)
    return shown(json.dumps(value, ensure_ascii=False))


def claim_boundary(detail: Any) -> str | None:
    if not isinstance(detail, str):
        return None
    try:
        parsed = strict_json(detail, "the claim's detail")
    except Failure:
        return None
    found = parsed.get("boundary") if isinstance(parsed, dict) else None
    return shown(found) if isinstance(found, str) else None


@dataclass(frozen=True)
class Proved:
    checkpoint: Checkpoint
    index: int
    record: dict[str, Any]
    note: str
    witnesses: tuple[str, ...]


def verify_proof(path: Path, log: Key, witnesses: list[Key]) -> Proved:
    what = str(path)
    proof = parse_proof(read_text(path, what), what)
    note = parse_note(proof.note, f"{what}: the checkpoint")
    check_signature(note, log, f"{what}: the checkpoint")
    for w in witnesses:
        check_cosignature(note, w, f"{what}: the checkpoint")
    cp = parse_checkpoint(note.text, f"{what}: the checkpoint")
    if proof.extra is None:
        raise Failure(f"{what} carries no opening (record and salt): nothing to recompute")
    leaf, record = open_record(proof.extra, what)
    check_inclusion(leaf, proof.index, cp.size, proof.path, cp.root)
    return Proved(cp, proof.index, record, proof.note, tuple(w.name for w in witnesses))


def headline(proved: Proved, log: Key) -> str:
    cp = proved.checkpoint
    cosigned = f", cosigned by {', '.join(proved.witnesses)}" if proved.witnesses else ""
    return (
        f"entry {proved.index} of the log {shown(cp.origin)} at size {cp.size}, signed by"
        f" {shown(log.name)}{cosigned}; the record's leaf recomputed and its inclusion checked"
    )


# --- RFC 8785 canonical JSON (JCS) ---------------------------------------------------------


def jcs(value: Any) -> str:
    """The RFC 8785 canonical form of a JSON value (as `json.loads` gives it)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:  # not exactly a double: I-JSON forbids it
            raise Failure(f"the integer {value} is outside what JSON numbers hold exactly")
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(jcs_string(k) + ":" + jcs(value[k]) for k in keys) + "}"
    raise Failure(f"{type(value).__name__} is not a JSON value")


_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def jcs_string(s: str) -> str:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise Failure("a string holds a lone surrogate, which UTF-8 cannot encode")
    out = []
    for c in s:
        if c in _SHORT:
            out.append(_SHORT[c])
        elif ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def number(x: float) -> str:
    """ECMAScript's Number::toString(x), which RFC 8785 §3.2.2.3 prescribes."""
    if x != x or x in (float("inf"), float("-inf")):
        raise Failure(f"{x} is not a JSON number")
    if x == 0:
        return "0"  # -0 too
    if x < 0:
        return "-" + number(-x)
    # repr gives the shortest digits that read back as x, the nearest if several: the digits
    # ECMAScript asks for. Write x = 0.d1d2...dk × 10^n.
    mantissa, _, exp = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    all_digits = whole + frac
    digits = all_digits.lstrip("0")
    n = len(whole) + int(exp or 0) - (len(all_digits) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    return digits[0] + ("." + digits[1:] if k > 1 else "") + f"e{sign}{abs(e)}"


def figures_sha256(report: dict[str, Any]) -> str:
    """SHA-256 of the RFC 8785 canonical JSON of report.json without its ledger section."""
    body = {k: v for k, v in report.items() if k != "ledger"}
    return hashlib.sha256(jcs(body).encode("utf-8")).hexdigest()


# --- the checks a reader runs ---------------------------------------------------------------


def read_text(path: Path, what: str, limit: int = MAX_FILE) -> str:
    try:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise Failure(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise Failure(f"{what} is larger than {limit:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{what} is not UTF-8 text") from None


class Run:
    """Counts the checks and prints each result: `ok: ...` on stdout, failures on stderr."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, text: str, facts: list[str] | None = None) -> None:
        self.passed += 1
        print(f"ok: {text}")
        for fact in facts or []:
            print(f"  {fact}")

    def fail(self, what: str, exc: Failure) -> None:
        self.failed += 1
        print(f"FAILED: {shown(what)}: {shown(str(exc))}", file=sys.stderr)


def check_proofs(run: Run, paths: list[str], log: Key, witnesses: list[Key]) -> list[Proved]:
    proved = []
    for name in paths:
        try:
            p = verify_proof(Path(name), log, witnesses)
        except Failure as exc:
            run.fail(name, exc)
            continue
        run.ok(f"{shown(name)}: {headline(p, log)}", statement(p.record))
        proved.append(p)
    return proved


def check_figures(
    run: Run, report_path: Path, report: dict[str, Any], publication: Proved | None, log: bool
) -> None:
    """The figures' SHA-256, recomputed, against the one the log commits (in `publication`,
    the verified proof of the report's publication) and the one report.json states. `log`:
    whether a log key was given (without one, the log is not consulted, and this says so)."""
    what = f"{report_path} figures"
    try:
        digest = figures_sha256(report)
    except Failure as exc:
        run.fail(what, exc)
        return
    print(
        f"SHA-256 of the RFC 8785 canonical JSON of {shown(str(report_path))} without its"
        f" ledger section: {digest}"
    )
    stated = report["ledger"].get("figures_sha256")
    if stated != digest:
        run.fail(what, Failure(f"report.json states {shown(str(stated))}, not this SHA-256"))
        return
    if not log:
        run.ok(
            "it equals the SHA-256 report.json states (NOT compared with the log: give"
            " --log-key to check the proof of the report's publication)"
        )
        return
    if publication is None:
        run.fail(what, Failure("not compared with the log: no verified proof of the publication"))
        return
    record = publication.record
    if record.get("kind") != "report" or record.get("report_id") != report.get("report_id"):
        run.fail(what, Failure("the publication proof is not this report's"))
    elif record.get("figures_sha256") != digest:
        committed = shown(str(record.get("figures_sha256")))
        run.fail(
            what, Failure(f"the log commits {committed}: these figures are NOT the ones published")
        )
    else:
        run.ok(
            f"it equals the SHA-256 the log commits for report {shown(str(record['report_id']))}"
            f" (entry {publication.index} at size {publication.checkpoint.size}): these are the"
            " figures published"
        )


def check_consistency_files(
    run: Run, old_path: str, new_path: str, proof_path: str, log: Key
) -> None:
    what = f"{new_path} extends {old_path}"
    try:
        cps = []
        for name in (old_path, new_path):
            note = parse_note(read_text(Path(name), name), name)
            check_signature(note, log, name)
            cps.append(parse_checkpoint(note.text, name))
        old, new = cps
        if old.origin != new.origin:
            raise Failure(f"the checkpoints are of two logs: {old.origin} and {new.origin}")
        lines = [line for line in read_text(Path(proof_path), proof_path).split("\n") if line]
        hashes = []
        for line in lines:
            raw = b64(line, f"{proof_path}: a hash")
            if len(raw) != 32:
                raise Failure(f"{proof_path}: a hash is not 32 bytes")
            hashes.append(raw)
        check_consistency(old.size, new.size, hashes, old.root, new.root)
    except Failure as exc:
        run.fail(what, exc)
        return
    run.ok(
        f"the log {shown(new.origin)} at size {new.size} extends it at size {old.size}: both"
        f" checkpoints signed by {shown(log.name)}, and nothing in the first {old.size} entries"
        " was changed or removed"
    )


def load_report(path: Path) -> dict[str, Any]:
    report = strict_json(read_text(path, str(path), MAX_REPORT), str(path))
    if not isinstance(report, dict) or not isinstance(report.get("ledger"), dict):
        raise Failure(f"{path} is not a report.json with a ledger section")
    return report


def listed_proofs(report_path: Path, report: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, path) of each proof report.json lists, paths relative to its folder."""
    entries = report["ledger"].get("proofs")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Failure(f"{report_path} does not list its proofs")
    return [(str(e.get("kind")), str(report_path.parent / str(e.get("file")))) for e in entries]


def publication_proof(
    run: Run, report_path: Path, report: dict[str, Any], log: Key, witnesses: list[Key]
) -> Proved | None:
    """The proof of the report's publication that report.json lists, checked."""
    for kind, name in listed_proofs(report_path, report):
        if kind == "report":
            done = check_proofs(run, [name], log, witnesses)
            return done[0] if done else None
    return None


def check_all(run: Run, report_path: Path, log: Key, witnesses: list[Key]) -> None:
    report = load_report(report_path)
    ledger = report["ledger"]
    folder = report_path.parent
    proved, publication = [], None
    for kind, name in listed_proofs(report_path, report):
        done = check_proofs(run, [name], log, witnesses)
        proved += done
        if kind == "report" and done:
            publication = done[0]
    check_figures(run, report_path, report, publication, log=True)
    checkpoint_file = folder / str(ledger.get("checkpoint_file") or "checkpoint.txt")
    try:
        text = read_text(checkpoint_file, str(checkpoint_file))
        if any(p.note != text for p in proved):
            raise Failure("a proof is built on another checkpoint than this file's")
        note = parse_note(text, str(checkpoint_file))
        check_signature(note, log, str(checkpoint_file))
        cp = parse_checkpoint(note.text, str(checkpoint_file))
    except Failure as exc:
        run.fail(str(checkpoint_file), exc)
    else:
        run.ok(
            f"{shown(str(checkpoint_file))}: the checkpoint of size {cp.size} every proof is"
            f" built on, signed by {shown(log.name)}"
        )
    consistency = ledger.get("consistency")
    if isinstance(consistency, dict):
        check_consistency_files(
            run,
            str(folder / str(consistency.get("previous_checkpoint"))),
            str(checkpoint_file),
            str(folder / str(consistency.get("proof"))),
            log,
        )


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(1, f"verify.py: {message} (python3 verify.py --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="verify.py",
        description="Check a zerotrail report's proofs, from the report's folder.",
        epilog="Exit 0 when every check passed, 1 otherwise.",
    )
    parser.add_argument("proofs", nargs="*", help="Proof files (.tlog-proof) to check.")
    parser.add_argument(
        "--all", action="store_true", help="Check everything report.json lists (see --report)."
    )
    parser.add_argument("--report", default="report.json", help="The report.json for --all.")
    parser.add_argument(
        "--figures", metavar="REPORT_JSON", help="Recompute the SHA-256 of a report's figures."
    )
    parser.add_argument(
        "--consistency",
        nargs=3,
        metavar=("OLD", "NEW", "PROOF"),
        help="Check that checkpoint NEW extends checkpoint OLD with the consistency PROOF.",
    )
    parser.add_argument("--log-key", help="The log's verifier key (a file, or the key text).")
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="A witness verifier key that must have cosigned (repeatable).",
    )
    args = parser.parse_args(argv)
    if not (args.proofs or args.all or args.figures or args.consistency):
        parser.error("give proof files, --all, --figures or --consistency")
    if args.log_key is None and (args.proofs or args.all or args.consistency):
        parser.error("--log-key is needed to check a proof or a checkpoint")
    if args.witness_key and args.log_key is None:
        parser.error("--witness-key needs --log-key")
    if args.log_key is not None and not has_cryptography():
        print(
            "verify.py: checking signatures needs cryptography: pip install cryptography",
            file=sys.stderr,
        )
        return 1
    run = Run()
    try:
        log = None if args.log_key is None else read_key(args.log_key, ED25519, "--log-key")
        witnesses = [read_key(k, COSIGNATURE, "--witness-key") for k in args.witness_key]
        if log is not None:
            check_proofs(run, args.proofs, log, witnesses)
        if args.all and log is not None:
            check_all(run, Path(args.report), log, witnesses)
        if args.figures:
            path = Path(args.figures)
            report = load_report(path)
            publication = (
                None if log is None else publication_proof(run, path, report, log, witnesses)
            )
            check_figures(run, path, report, publication, log=log is not None)
        if args.consistency and log is not None:
            old, new, proof = args.consistency
            check_consistency_files(run, old, new, proof, log)
    except Failure as exc:
        run.fail("verify.py", exc)
    if run.failed:
        print(f"{run.failed} check(s) FAILED, {run.passed} passed", file=sys.stderr)
        return 1
    print(f"all {run.passed} check(s) passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
