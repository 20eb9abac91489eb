"""C2SP tlog-cosignature, Ed25519 type 0x04: layout, round trip, a real witness, tampering."""

from __future__ import annotations

import base64
import re

import pytest

from tests.ledger.vectors import (
    CT_CHECKPOINT,
    CT_LOG_VKEY,
    CT_WITNESS_TIMESTAMP,
    CT_WITNESS_VKEY,
    LOG,
    SECOND_WITNESS,
    WITNESS,
)
from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    COSIGNATURE_V1,
    Checkpoint,
    Signer,
    cosign,
    cosigned_message,
    format_checkpoint,
    open_note,
    parse_verifier_key,
    sign_note,
    verify_cosignatures,
)

TEXT = format_checkpoint(Checkpoint("carbon.example.com/emmet-group", 8, bytes(32)))
SIGNED = sign_note(TEXT, [LOG])
T = 1_767_225_600  # 2026-01-01T00:00:00Z


def test_signed_message_layout() -> None:
    assert cosigned_message(TEXT, T) == (
        b"cosignature/v1\ntime 1767225600\ncarbon.example.com/emmet-group\n8\n"
        + base64.b64encode(bytes(32))
        + b"\n"
    )


def test_line_payload_is_key_id_timestamp_signature() -> None:
    line = cosign(TEXT, WITNESS, T)
    assert line.startswith(f"— {WITNESS.name} ") and line.endswith("\n")
    payload = base64.b64decode(line.split(" ")[2])
    assert len(payload) == 4 + 8 + 64
    assert int.from_bytes(payload[:4], "big") == WITNESS.key_id
    assert int.from_bytes(payload[4:12], "big") == T
    assert WITNESS.verifier().verify(cosigned_message(TEXT, T), payload[12:])


def test_round_trip_with_two_witnesses() -> None:
    note = SIGNED + cosign(TEXT, WITNESS, T) + cosign(TEXT, SECOND_WITNESS, T + 5)
    stamps = verify_cosignatures(note, [WITNESS.verifier(), SECOND_WITNESS.verifier()])
    assert stamps == {WITNESS.verifier(): T, SECOND_WITNESS.verifier(): T + 5}
    # The log's key ignores the cosignatures, and the witnesses ignore the log's signature.
    assert len(open_note(note, [LOG.verifier()]).unknown) == 2


def test_a_real_witness_cosignature_verifies() -> None:
    witness = parse_verifier_key(CT_WITNESS_VKEY)
    assert witness.key_type == COSIGNATURE_V1
    assert verify_cosignatures(CT_CHECKPOINT, [witness]) == {witness: CT_WITNESS_TIMESTAMP}


def test_the_same_key_as_a_note_key_does_not_count_as_a_witness() -> None:
    same_seed_note_key = Signer(WITNESS.name, 0x01, WITNESS.seed)
    note = sign_note(TEXT, [same_seed_note_key])
    with pytest.raises(VerificationError, match="no cosignature"):
        verify_cosignatures(note, [WITNESS.verifier()])


def test_the_latest_of_repeated_cosignatures_is_returned() -> None:
    note = SIGNED + cosign(TEXT, WITNESS, T) + cosign(TEXT, WITNESS, T + 60)
    assert verify_cosignatures(note, [WITNESS.verifier()]) == {WITNESS.verifier(): T + 60}


def _retimed(line: str, timestamp: int) -> str:
    head, encoded = line.rstrip("\n").rsplit(" ", 1)
    payload = bytearray(base64.b64decode(encoded))
    payload[4:12] = timestamp.to_bytes(8, "big")
    return f"{head} {base64.b64encode(bytes(payload)).decode()}\n"


def _cut(line: str, count: int) -> str:
    head, encoded = line.rstrip("\n").rsplit(" ", 1)
    payload = base64.b64decode(encoded)[:-count]
    return f"{head} {base64.b64encode(payload).decode()}\n"


LINE = cosign(TEXT, WITNESS, T)


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(SIGNED, id="no cosignature"),
        pytest.param(SIGNED + cosign(TEXT, SECOND_WITNESS, T), id="another witness only"),
        pytest.param(SIGNED + _retimed(LINE, T + 1), id="timestamp changed"),
        pytest.param(SIGNED + _retimed(LINE, 2**63), id="timestamp above 2**63 - 1"),
        pytest.param(
            SIGNED.replace("\n8\n", "\n9\n") + LINE, id="checkpoint changed after cosigning"
        ),
        pytest.param(
            SIGNED + cosign(TEXT.replace("\n8\n", "\n9\n"), WITNESS, T), id="cosigned other text"
        ),
        pytest.param(
            SIGNED + LINE + cosign(TEXT.replace("8", "7"), WITNESS, T),
            id="one good and one bad cosignature",
        ),
        pytest.param(SIGNED + _cut(LINE, 1), id="payload one byte short"),
        pytest.param(SIGNED + _cut(LINE, 64), id="timestamp without signature"),
    ],
)
def test_tampered_cosignatures_are_rejected(note: str) -> None:
    with pytest.raises(VerificationError):
        verify_cosignatures(note, [WITNESS.verifier()])


def test_every_required_witness_must_have_cosigned() -> None:
    note = SIGNED + LINE
    missing = re.escape("no cosignature from auditor.example.net/w")
    with pytest.raises(VerificationError, match=missing):
        verify_cosignatures(note, [WITNESS.verifier(), SECOND_WITNESS.verifier()])


@pytest.mark.parametrize(
    "witnesses",
    [[], [LOG.verifier()], [parse_verifier_key(CT_LOG_VKEY)]],
    ids=["none", "a log key", "a real log key"],
)
def test_witness_key_sets_must_be_cosignature_keys(witnesses: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(VerificationError):
        verify_cosignatures(SIGNED + LINE, witnesses)


@pytest.mark.parametrize(
    ("text", "signer", "timestamp"),
    [
        (TEXT, LOG, T),  # a note key cannot cosign
        (TEXT, WITNESS, -1),
        (TEXT, WITNESS, 2**63),
        (TEXT, WITNESS, True),
        (TEXT.rstrip("\n"), WITNESS, T),
    ],
)
def test_cosign_refuses_bad_arguments(text: str, signer: Signer, timestamp: int) -> None:
    with pytest.raises(ValueError):
        cosign(text, signer, timestamp)
