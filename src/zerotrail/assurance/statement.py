"""The verifier's signed statement: its canonical bytes, its signature and the offline check.

Part of the pure assurance layer (see `zerotrail.assurance`). At the end of an engagement the
verifier states its opinion in a *body*, a JSON object of text, lists and objects only:

    format             "zerotrail-verification-statement/v1"
    engagement, organization, year, verifier, verifier_key_name, standard, criteria,
    level              "limited" | "reasonable"
    scope, materiality (object), inventory (object: run_id, figures as "123.456", t CO2e),
    checkpoint         {"origin", "size", "root_hash"}: the log's tree the engagement examined
    findings (object), opinion ("unmodified" | "qualified" | "adverse" | "disclaimer"),
    opinion_text, date (YYYY-MM-DD), procedures (list of text)

The body's bytes are its RFC 8785 (JCS) serialization (`jcs`). Every number in the body is a
decimal string: JCS formats numbers as ECMAScript does, which would make two implementations
agree on the bytes only if they agree on that algorithm; text has one spelling. So numbers,
booleans and null are refused, and JCS reduces to sorting keys (by UTF-16 code units, as the
RFC requires) and escaping strings as JSON must.

The signature is a C2SP signed note by the verifier's Ed25519 key over five lines:

    zerotrail verification statement v1
    <SHA-256 of the body's bytes, hex>
    <checkpoint origin>
    <checkpoint size>
    <checkpoint root hash, base64>

The checkpoint lines repeat the body's, so that a reader of the note alone sees which tree the
opinion is about. The file (statement.json) is `{"statement": <body>, "signature": <note>}`,
pretty-printed UTF-8, optionally with `"checkpoint": <the log's signed checkpoint note>`, which
a reader holding the log's key checks against the body's checkpoint.

`sign_statement` makes the file (ValueError for a body no verifier could sign);
`verify_statement` checks one and raises only VerificationError, one line, whatever it is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from hashlib import sha256
from typing import Any, Final

from zerotrail.errors import VerificationError
from zerotrail.ledger.checkpoint import Checkpoint, format_checkpoint, parse_checkpoint
from zerotrail.ledger.encoding import decode_decimal, decode_hash, encode_base64
from zerotrail.ledger.note import (
    ED25519,
    Signer,
    is_valid_name,
    open_note,
    parse_note,
    parse_verifier_key,
    sign_note,
)

__all__ = [
    "BODY_KEYS",
    "FORMAT",
    "LEVELS",
    "MAX_STATEMENT_BYTES",
    "OPINIONS",
    "REPORT_KEYS",
    "SIGNED_HEADER",
    "STANDARD",
    "Statement",
    "jcs",
    "report_statement",
    "sign_statement",
    "signed_text",
    "statement_sha256",
    "verify_statement",
]

FORMAT: Final = "zerotrail-verification-statement/v1"
SIGNED_HEADER: Final = "zerotrail verification statement v1"
STANDARD: Final = "ISO 14064-3:2019"
LEVELS: Final = ("limited", "reasonable")
OPINIONS: Final = ("unmodified", "qualified", "adverse", "disclaimer")

# The body's fields in the order the file shows them (its bytes sort them anyway).
BODY_KEYS: Final = (
    "format",
    "engagement",
    "organization",
    "year",
    "verifier",
    "verifier_key_name",
    "standard",
    "criteria",
    "level",
    "scope",
    "materiality",
    "inventory",
    "checkpoint",
    "findings",
    "opinion",
    "opinion_text",
    "date",
    "procedures",
)
_TEXT_KEYS: Final = (
    "format",
    "engagement",
    "organization",
    "year",
    "verifier",
    "verifier_key_name",
    "standard",
    "criteria",
    "level",
    "scope",
    "opinion",
    "opinion_text",
    "date",
)
_OBJECT_KEYS: Final = ("materiality", "inventory", "checkpoint", "findings")
_CHECKPOINT_KEYS: Final = ("origin", "size", "root_hash")
_FILE_KEYS: Final = frozenset({"statement", "signature", "checkpoint"})

# What reports/assurance.py takes (its STATEMENT_KEYS, then the optional fields it shows). The
# report sits above this layer, so the names are repeated here; a test holds them together.
REPORT_KEYS: Final = (
    "provider",
    "standard",
    "level",
    "scope",
    "date",
    "statement",
    "opinion",
    "engagement",
    "verifier_key_name",
    "checkpoint_size",
    "statement_sha256",
)

# A statement is a page of text and a few tables; 1 MiB is far beyond one, and bounds the work
# an untrusted file can ask of the parser.
MAX_STATEMENT_BYTES: Final = 1 << 20
# Bodies nest two or three levels (findings by type and status); deeper is not a statement.
_MAX_DEPTH: Final = 16
# A figure: t CO2e to the kilogram, one spelling per value (no "+", no leading zeros, no -0).
_FIGURE: Final = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]{3}")
_YEAR: Final = re.compile(r"[0-9]{4}")
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INVENTORY_UNIT: Final = "t CO2e"
# JSON's two-character escapes; every other control character is \u00xx (lower-case hex).
_SHORT_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_ESCAPED: Final = re.compile(r'[\x00-\x1f"\\]')


# --- canonical bytes (RFC 8785, text values only) ----------------------------------------------


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _jcs_string(text: str, where: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: I-JSON (RFC 7493), which JCS requires, has no such strings.
        raise ValueError(f"{where} is not valid Unicode text (a lone surrogate)") from None
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _utf16_order(key: str) -> bytes:
    # RFC 8785 §3.2.3 sorts keys by UTF-16 code units; big-endian UTF-16 bytes compare the same
    # way. (Code point order differs for keys mixing U+E000..U+FFFF with astral characters.)
    return key.encode("utf-16-be", "surrogatepass")


def _jcs(value: object, where: str, depth: int) -> str:
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where} nests deeper than {_MAX_DEPTH} levels")
    if isinstance(value, str):
        return _jcs_string(value, where)
    if isinstance(value, list | tuple):
        items = [_jcs(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        return "[" + ",".join(items) + "]"
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise ValueError(f"{where} has a key that is not text: {key!r}")
        members = [
            _jcs_string(k, f"{where}.{k}") + ":" + _jcs(value[k], f"{where}.{k}", depth + 1)
            for k in sorted(value, key=_utf16_order)
        ]
        return "{" + ",".join(members) + "}"
    if value is None or isinstance(value, bool | int | float):
        kind = "null" if value is None else "a boolean" if isinstance(value, bool) else "a number"
        raise ValueError(
            f"{where} is {kind}: a statement holds only text, lists and objects (write a figure"
            ' as a decimal string, e.g. "1234.500")'
        )
    raise ValueError(f"{where} is a {type(value).__name__}, not text, a list or an object")


def jcs(value: object, where: str = "statement") -> bytes:
    """RFC 8785 canonical JSON of text, lists (or tuples) and objects (str keys) only, as UTF-8.

    ValueError, naming the place (`statement.inventory.scope1`), for a number, boolean, null,
    another type, a lone surrogate or nesting deeper than 16 levels."""
    return _jcs(value, where, 0).encode("utf-8")


def statement_sha256(body: Mapping[str, Any]) -> str:
    """The SHA-256 of the body's canonical bytes, in hex: what the signature signs."""
    return sha256(jcs(body)).hexdigest()


# --- the body -----------------------------------------------------------------------------------


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"the statement's {key} is not non-empty text")
    return value


def _checkpoint_of(obj: object) -> Checkpoint:
    """The body's checkpoint object as a Checkpoint (ValueError when it is not one)."""
    if not isinstance(obj, Mapping) or set(obj) != set(_CHECKPOINT_KEYS):
        raise ValueError(
            "the statement's checkpoint is not an object of exactly origin, size and root_hash"
        )
    origin, size, root = (obj[k] for k in _CHECKPOINT_KEYS)
    if not all(isinstance(v, str) for v in (origin, size, root)):
        raise ValueError("the statement's checkpoint origin, size and root_hash are not text")
    try:
        checkpoint = Checkpoint(
            origin,
            decode_decimal(size, "the statement's checkpoint size"),
            decode_hash(root, "the statement's checkpoint root_hash"),
        )
        format_checkpoint(checkpoint)  # the origin must be printable in a note
    except VerificationError as exc:
        raise ValueError(str(exc)) from None
    except ValueError as exc:
        raise ValueError(f"the statement's checkpoint: {exc}") from None
    return checkpoint


def _check_inventory(obj: object) -> None:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("run_id"), str):
        raise ValueError("the statement's inventory is not an object with a run_id")
    if not obj["run_id"].strip():
        raise ValueError("the statement's inventory has an empty run_id")
    for key, value in obj.items():
        if key == "run_id":
            continue
        if key == "unit":
            if value != _INVENTORY_UNIT:
                raise ValueError(f"the statement's inventory unit is not {_INVENTORY_UNIT}")
        elif not isinstance(value, str) or not _FIGURE.fullmatch(value) or value == "-0.000":
            raise ValueError(
                f"the statement's inventory.{key} is not a figure in t CO2e with 3 decimals"
                ' (e.g. "1234.500")'
            )


def _check_body(body: object) -> Checkpoint:
    """Check the body's fields (ValueError naming the first wrong one); its checkpoint."""
    if not isinstance(body, Mapping):
        raise ValueError("the statement is not a JSON object")
    missing = [k for k in BODY_KEYS if k not in body]
    if missing:
        raise ValueError(f"the statement has no {', '.join(missing)}")
    extra = sorted(k for k in body if k not in BODY_KEYS)
    if extra:
        raise ValueError(f"the statement has fields a v1 statement has not: {', '.join(extra)}")
    if body["format"] != FORMAT:
        raise ValueError(f"the statement's format is {body['format']!r}, not {FORMAT!r}")
    for key in _TEXT_KEYS:
        _text(body, key)
    for key in _OBJECT_KEYS:
        if not isinstance(body[key], Mapping):
            raise ValueError(f"the statement's {key} is not an object")
    if not _YEAR.fullmatch(body["year"]):
        raise ValueError(f"the statement's year {body['year']!r} is not a four-digit year")
    if not is_valid_name(body["verifier_key_name"]):
        raise ValueError("the statement's verifier_key_name is not a key name")
    if body["level"] not in LEVELS:
        raise ValueError(f"the statement's level {body['level']!r} is not limited or reasonable")
    if body["opinion"] not in OPINIONS:
        raise ValueError(
            f"the statement's opinion {body['opinion']!r} is not one of {', '.join(OPINIONS)}"
        )
    if not _DATE.fullmatch(body["date"]) or not _is_date(body["date"]):
        raise ValueError(f"the statement's date {body['date']!r} is not a date YYYY-MM-DD")
    procedures = body["procedures"]
    if not isinstance(procedures, list | tuple) or not all(
        isinstance(p, str) and p.strip() for p in procedures
    ):
        raise ValueError("the statement's procedures are not a list of non-empty text")
    _check_inventory(body["inventory"])
    return _checkpoint_of(body["checkpoint"])


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def signed_text(body: Mapping[str, Any]) -> str:
    """The text of the statement's signed note: header, body SHA-256, checkpoint lines."""
    checkpoint = _check_body(body)
    return _note_text(statement_sha256(body), checkpoint)


def _note_text(digest: str, checkpoint: Checkpoint) -> str:
    lines = (
        SIGNED_HEADER,
        digest,
        checkpoint.origin,
        str(checkpoint.size),
        encode_base64(checkpoint.root),
    )
    return "".join(line + "\n" for line in lines)


def _same_tree(a: Checkpoint, b: Checkpoint) -> bool:
    return (a.origin, a.size, a.root) == (b.origin, b.size, b.root)


def sign_statement(
    body: Mapping[str, Any], signer: Signer, *, checkpoint_note: str | None = None
) -> str:
    """The statement file's text: the body and the verifier's signed note over it, with the
    log's signed checkpoint note when given (it must be the body's checkpoint).

    ValueError for a body that is not a v1 statement (see the module docstring), a signer that
    is not the Ed25519 note key the body names, or a checkpoint note of another tree."""
    canonical = json.loads(jcs(body))  # first: its message names the place of a number or null
    text = signed_text(body)
    if signer.key_type != ED25519 or signer.name != body["verifier_key_name"]:
        raise ValueError(
            f"the statement names the key {body['verifier_key_name']!r}; sign it with that"
            " Ed25519 note key"
        )
    document: dict[str, Any] = {
        "statement": {k: canonical[k] for k in BODY_KEYS},
        "signature": sign_note(text, [signer]),
    }
    if checkpoint_note is not None:
        try:
            stated = parse_checkpoint(parse_note(checkpoint_note).text)
        except VerificationError as exc:
            raise ValueError(f"the checkpoint note: {exc}") from None
        if not _same_tree(stated, _checkpoint_of(body["checkpoint"])):
            raise ValueError("the checkpoint note is not the statement's checkpoint")
        document["checkpoint"] = checkpoint_note
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- verifying a statement file -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement whose signature verified: its body (read it, do not change it), the SHA-256
    of the body's bytes, the checkpoint it is about, the name of the key that signed it, and
    whether the checkpoint was checked against the log's own signature (else it is as the
    verifier states it)."""

    body: Mapping[str, Any]
    sha256: str
    checkpoint: Checkpoint
    signed_by: str
    checkpoint_checked: bool

    @property
    def organization(self) -> str:
        return str(self.body["organization"])

    @property
    def year(self) -> str:
        return str(self.body["year"])

    @property
    def verifier(self) -> str:
        return str(self.body["verifier"])

    @property
    def engagement(self) -> str:
        return str(self.body["engagement"])

    @property
    def level(self) -> str:
        return str(self.body["level"])

    @property
    def opinion(self) -> str:
        return str(self.body["opinion"])

    @property
    def opinion_text(self) -> str:
        return str(self.body["opinion_text"])

    @property
    def date(self) -> str:
        return str(self.body["date"])


def no_duplicate_keys(what: str) -> Callable[[Sequence[tuple[str, Any]]], dict[str, Any]]:
    """A `json.loads` object hook refusing a key given twice in one object (VerificationError
    naming `what`): parsers keep either value, so the file would say two things."""

    def hook(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in pairs:
            if key in obj:
                raise VerificationError(f"{what} has the key {key!r} twice in one object")
            obj[key] = value
        return obj

    return hook


def _no_constant(name: str) -> Any:
    raise VerificationError(f"the statement file holds {name}, which is not JSON")


def _load(text: object) -> dict[str, Any]:
    if not isinstance(text, str):
        raise VerificationError(f"the statement file is {type(text).__name__}, not text")
    if len(text) > MAX_STATEMENT_BYTES:  # characters: never fewer than its UTF-8 bytes
        raise VerificationError(f"the statement file is larger than {MAX_STATEMENT_BYTES} bytes")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise VerificationError("the statement file is not valid Unicode text") from None
    if size > MAX_STATEMENT_BYTES:
        raise VerificationError(f"the statement file is larger than {MAX_STATEMENT_BYTES} bytes")
    try:
        doc = json.loads(
            text,
            object_pairs_hook=no_duplicate_keys("the statement file"),
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise VerificationError("the statement file nests too deeply to be a statement") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise VerificationError(f"the statement file is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise VerificationError("the statement file is not a JSON object")
    missing = [k for k in ("statement", "signature") if k not in doc]
    if missing:
        raise VerificationError(f"the statement file has no {' or '.join(missing)}")
    extra = sorted(set(doc) - _FILE_KEYS)
    if extra:
        raise VerificationError(f"the statement file has unknown keys: {', '.join(extra)}")
    for key in ("signature", "checkpoint"):
        if key in doc and not isinstance(doc[key], str):
            raise VerificationError(f"the statement file's {key} is not a signed note (text)")
    return doc


def _check_signed_lines(signed: str, digest: str, checkpoint: Checkpoint) -> None:
    """The signed note's text must be exactly the body's: say which part differs."""
    lines = signed.split("\n")
    if lines[0] != SIGNED_HEADER:
        raise VerificationError("the signature is not over a zerotrail verification statement")
    if len(lines) < 2 or lines[1] != digest:
        raise VerificationError(
            "the statement's SHA-256 is not the one signed: the statement was changed after"
            " it was signed"
        )
    if signed != _note_text(digest, checkpoint):
        raise VerificationError(
            "the checkpoint the signature names is not the statement's checkpoint"
        )


def _log_checkpoint(note: str, log_key: str | None) -> Checkpoint:
    """The checkpoint of the log's note: its signature checked with `log_key`, else unchecked
    (there is no key to check it with; it must still be the statement's checkpoint)."""
    if log_key is not None:
        try:
            log = parse_verifier_key(log_key)
        except VerificationError as exc:
            raise VerificationError(f"the log key: {exc}") from None
    try:
        text = parse_note(note).text if log_key is None else open_note(note, [log]).text
        return parse_checkpoint(text)
    except VerificationError as exc:
        raise VerificationError(f"the log's checkpoint: {exc}") from None


def verify_statement(text: str, verifier_key: str, log_key: str | None = None) -> Statement:
    """Check a statement file against the verifier's key (its verifier key text).

    With `log_key` (the log's verifier key text) the file must carry the log's signed checkpoint,
    whose signature is checked and whose origin, size and root must be the statement's; the
    result says `checkpoint_checked`. Without it, a checkpoint in the file must still match, but
    the checkpoint is only what the verifier states. Raises VerificationError, one line."""
    doc = _load(text)
    body = doc["statement"]
    try:
        jcs(body)
        checkpoint = _check_body(body)
    except ValueError as exc:
        raise VerificationError(str(exc)) from None
    digest = statement_sha256(body)
    key = parse_verifier_key(verifier_key)
    if key.key_type != ED25519:
        raise VerificationError("the verifier key is not an Ed25519 note key (type 0x01)")
    try:
        signed = open_note(doc["signature"], [key]).text
    except VerificationError as exc:
        raise VerificationError(f"the statement's signature: {exc}") from None
    _check_signed_lines(signed, digest, checkpoint)
    if key.name != body["verifier_key_name"]:
        raise VerificationError(
            f"the statement names the key {body['verifier_key_name']!r} but was signed by"
            f" {key.name!r}"
        )
    if "checkpoint" in doc:
        logged = _log_checkpoint(doc["checkpoint"], log_key)
        if not _same_tree(logged, checkpoint):
            raise VerificationError(
                f"the log's checkpoint ({logged.origin} size {logged.size}) is not the"
                f" statement's ({checkpoint.origin} size {checkpoint.size})"
            )
    elif log_key is not None:
        raise VerificationError(
            "a log key was given, but the statement file carries no signed checkpoint to check"
        )
    return Statement(body, digest, checkpoint, key.name, log_key is not None)


def report_statement(st: Statement) -> dict[str, str]:
    """The statement as the report's assurance section takes it (`REPORT_KEYS`)."""
    return {
        "provider": st.verifier,
        "standard": str(st.body["standard"]),
        "level": st.level,
        "scope": str(st.body["scope"]),
        "date": st.date,
        "statement": st.opinion_text,
        "opinion": st.opinion,
        "engagement": st.engagement,
        "verifier_key_name": st.signed_by,
        "checkpoint_size": str(st.checkpoint.size),
        "statement_sha256": st.sha256,
    }
