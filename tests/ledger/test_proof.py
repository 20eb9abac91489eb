"""C2SP tlog-proof bundles: an auditor's offline check, end to end, and each way to tamper."""

from __future__ import annotations

import base64
from hashlib import sha256

import pytest

from tests.ledger.vectors import LOG, ORIGIN, OTHER_LOG, SECOND_WITNESS, WITNESS
from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    Checkpoint,
    ListSource,
    ProofBundle,
    cosign,
    format_checkpoint,
    format_proof,
    inclusion_proof,
    leaf_hash,
    parse_proof,
    sign_note,
    verify_proof_bundle,
)

# Leaves are commitments: SHA-256(salt || canonical record). The opening travels as `extra`.
OPENINGS = [bytes([i]) * 32 + b'{"site":"Leeds","tCO2e":"12.500"}' for i in range(11)]
LEAVES = [leaf_hash(sha256(opening).digest()) for opening in OPENINGS]
TREE = ListSource(LEAVES)
T = 1_767_225_600
TEXT = format_checkpoint(Checkpoint(ORIGIN, 11, TREE.root()))
NOTE = sign_note(TEXT, [LOG]) + cosign(TEXT, WITNESS, T)
INDEX = 6
FILE = format_proof(INDEX, inclusion_proof(INDEX, 11, TREE), NOTE, OPENINGS[INDEX])


def audit(text: str, leaf: bytes = LEAVES[INDEX], **kwargs: object) -> Checkpoint:
    return verify_proof_bundle(
        parse_proof(text),
        leaf,
        LOG.verifier(),
        [WITNESS.verifier()],
        **kwargs,  # type: ignore[arg-type]
    )


def test_file_layout() -> None:
    lines = FILE.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "extra " + base64.b64encode(OPENINGS[INDEX]).decode()
    assert lines[2] == "index 6"
    assert FILE.endswith("=\n\n" + NOTE)
    assert FILE.count("\n\n") == 2  # after the proof, and inside the checkpoint note


def test_round_trip_and_audit() -> None:
    bundle = parse_proof(FILE)
    assert bundle == ProofBundle(INDEX, tuple(inclusion_proof(INDEX, 11, TREE)), NOTE, OPENINGS[6])
    # The auditor recomputes the leaf from the opening, then checks everything else.
    assert bundle.extra is not None
    leaf = leaf_hash(sha256(bundle.extra).digest())
    checkpoint = verify_proof_bundle(bundle, leaf, LOG.verifier(), [WITNESS.verifier()])
    assert checkpoint == Checkpoint(ORIGIN, 11, TREE.root())
    assert audit(FILE, origin=ORIGIN) == checkpoint


def test_witnesses_are_optional_and_extra_is_too() -> None:
    text = format_proof(0, inclusion_proof(0, 11, TREE), NOTE)
    assert parse_proof(text).extra is None
    assert verify_proof_bundle(parse_proof(text), LEAVES[0], LOG.verifier())


def test_a_single_entry_log_has_no_proof_lines() -> None:
    text1 = format_checkpoint(Checkpoint(ORIGIN, 1, LEAVES[0]))
    file = format_proof(0, [], sign_note(text1, [LOG]), b"")
    assert file.startswith("c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n")
    assert parse_proof(file).extra == b""
    assert verify_proof_bundle(parse_proof(file), LEAVES[0], LOG.verifier())


def test_extra_data_is_not_authenticated() -> None:
    # Changing the opening does not break the bundle's signatures; it changes the leaf the
    # auditor recomputes, which then fails inclusion. That is why the leaf comes from the caller.
    forged_opening = OPENINGS[INDEX].replace(b"12.500", b"1.250")
    forged = FILE.replace(
        base64.b64encode(OPENINGS[INDEX]).decode(), base64.b64encode(forged_opening).decode()
    )
    assert audit(forged)  # the file itself still checks out against the true leaf
    with pytest.raises(VerificationError, match="root"):
        audit(forged, leaf_hash(sha256(forged_opening).digest()))


def _swap_proof_line(text: str, position: int, replacement: str) -> str:
    lines = text.split("\n")
    lines[3 + position] = replacement
    return "\n".join(lines)


def _flip_last_byte(signature_line: str) -> str:
    head, encoded = signature_line.rstrip("\n").rsplit(" ", 1)
    payload = bytearray(base64.b64decode(encoded))
    payload[-1] ^= 1
    return f"{head} {base64.b64encode(bytes(payload)).decode()}\n"


PROOF_LINE = FILE.split("\n")[3]
OTHER_TEXT = format_checkpoint(Checkpoint(ORIGIN, 10, TREE.root(10)))


@pytest.mark.parametrize(
    ("text", "leaf"),
    [
        pytest.param(FILE.replace("index 6", "index 7"), LEAVES[6], id="wrong index"),
        pytest.param(FILE, LEAVES[7], id="another record's leaf"),
        pytest.param(
            _swap_proof_line(FILE, 0, base64.b64encode(bytes(32)).decode()),
            LEAVES[6],
            id="proof hash replaced",
        ),
        pytest.param(FILE.replace(PROOF_LINE + "\n", ""), LEAVES[6], id="proof line dropped"),
        pytest.param(
            FILE.replace(PROOF_LINE, PROOF_LINE + "\n" + PROOF_LINE), LEAVES[6], id="line added"
        ),
        pytest.param(FILE.replace("\n11\n", "\n12\n"), LEAVES[6], id="size changed"),
        pytest.param(
            FILE.replace(TEXT, OTHER_TEXT), LEAVES[6], id="checkpoint swapped under signatures"
        ),
        pytest.param(
            FILE.replace(NOTE, sign_note(TEXT, [OTHER_LOG]) + cosign(TEXT, WITNESS, T)),
            LEAVES[6],
            id="signed by another log key",
        ),
        pytest.param(
            FILE.replace(NOTE, sign_note(TEXT, [LOG])), LEAVES[6], id="cosignature stripped"
        ),
        pytest.param(
            FILE.replace(NOTE, sign_note(TEXT, [LOG]) + cosign(TEXT, SECOND_WITNESS, T)),
            LEAVES[6],
            id="cosigned by another witness",
        ),
        pytest.param(
            FILE.replace(NOTE, sign_note(TEXT, [LOG]) + _flip_last_byte(cosign(TEXT, WITNESS, T))),
            LEAVES[6],
            id="cosignature altered",
        ),
    ],
)
def test_tampered_bundles_are_rejected(text: str, leaf: bytes) -> None:
    with pytest.raises(VerificationError):
        audit(text, leaf)


def test_the_checkpoint_must_be_for_the_expected_log() -> None:
    with pytest.raises(VerificationError, match=r"not carbon\.example\.com/other"):
        audit(FILE, origin="carbon.example.com/other")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(FILE.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), id="v2"),
        pytest.param(FILE.replace("c2sp.org/tlog-proof@v1\n", ""), id="no header"),
        pytest.param(FILE.replace("index 6", "index 06"), id="index with leading zero"),
        pytest.param(FILE.replace("index 6", "index -6"), id="negative index"),
        pytest.param(FILE.replace("index 6\n", ""), id="no index"),
        pytest.param(FILE.replace("index 6", "index  6"), id="two spaces"),
        pytest.param(FILE.replace("extra ", "extra  "), id="extra with two spaces"),
        pytest.param(FILE.replace("extra ", "Extra "), id="capitalised extra"),
        pytest.param(_swap_proof_line(FILE, 0, PROOF_LINE.rstrip("=")), id="unpadded hash"),
        pytest.param(_swap_proof_line(FILE, 0, "AAAA"), id="short hash"),
        pytest.param(FILE.replace("\n\n", "\n", 1), id="no blank line before the checkpoint"),
        pytest.param(
            FILE.replace("index 6\n", "index 6\n" + (PROOF_LINE + "\n") * 61),
            id="65 proof lines",
        ),
        pytest.param(FILE.replace(NOTE, TEXT), id="checkpoint without signatures"),
    ],
)
def test_malformed_files_are_rejected(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_proof(text)


def test_verify_refuses_a_non_bundle() -> None:
    with pytest.raises(VerificationError):
        verify_proof_bundle(FILE, LEAVES[6], LOG.verifier())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args",
    [
        (-1, [], NOTE, None),
        (True, [], NOTE, None),
        (0, [b"short"], NOTE, None),
        (0, [], TEXT, None),  # not a signed note
        (0, [], NOTE, "opening as str"),
    ],
)
def test_format_proof_refuses_bad_arguments(args: tuple) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError):
        format_proof(*args)
