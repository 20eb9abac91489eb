"""C2SP signed notes: the specification's example, Go's reference vector, a real log, tampering."""

from __future__ import annotations

import pytest

from tests.ledger.vectors import (
    CT_CHECKPOINT,
    CT_LOG_VKEY,
    GO_SIGNATURE_LINE,
    GO_SKEY,
    GO_TEXT,
    GO_VKEY,
    LOG,
    OTHER_LOG,
    SPEC_NOTE,
    SPEC_VKEY,
    WITNESS,
)
from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    COSIGNATURE_V1,
    ED25519,
    Signer,
    Verifier,
    format_signer_key,
    format_verifier_key,
    generate_signer,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

SPEC_VERIFIER = parse_verifier_key(SPEC_VKEY)


def test_the_specification_example_verifies() -> None:
    opened = open_note(SPEC_NOTE, [SPEC_VERIFIER])
    assert opened.text == "This is an example message.\n"
    assert opened.verifiers == (SPEC_VERIFIER,)
    assert opened.unknown == ()
    assert SPEC_VERIFIER.name == "example.com/foo"
    assert SPEC_VERIFIER.key_id == 0x530D903A


@pytest.mark.parametrize("position", range(len(SPEC_NOTE)))
def test_any_one_character_change_is_rejected(position: int) -> None:
    replacement = "x" if SPEC_NOTE[position] != "x" else "y"
    tampered = SPEC_NOTE[:position] + replacement + SPEC_NOTE[position + 1 :]
    with pytest.raises(VerificationError):
        open_note(tampered, [SPEC_VERIFIER])


def test_go_reference_keys_and_signature_byte_for_byte() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert format_signer_key(signer) == GO_SKEY
    assert format_verifier_key(signer.verifier()) == GO_VKEY
    # Ed25519 is deterministic, so our note must equal Go's exactly.
    assert sign_note(GO_TEXT, [signer]) == GO_TEXT + "\n" + GO_SIGNATURE_LINE
    assert open_note(GO_TEXT + "\n" + GO_SIGNATURE_LINE, [parse_verifier_key(GO_VKEY)])


def test_a_real_transparency_log_checkpoint_opens() -> None:
    log_key = parse_verifier_key(CT_LOG_VKEY)
    opened = open_note(CT_CHECKPOINT, [log_key])
    assert opened.verifiers == (log_key,)
    # Its RFC 6962 signature (same name, other key ID) and four cosignatures are not ours.
    assert len(opened.unknown) == 5
    assert opened.text.startswith("arche2025h1.staging.ct.transparency.dev\n1432088532\n")


@pytest.mark.parametrize("key_type", [ED25519, COSIGNATURE_V1])
def test_generated_key_strings_round_trip(key_type: int) -> None:
    signer_key, verifier_key = generate_signer("carbon.example.com/log", key_type)
    signer = parse_signer_key(signer_key)
    verifier = parse_verifier_key(verifier_key)
    assert (signer.key_type, verifier.key_type) == (key_type, key_type)
    assert signer.verifier() == verifier
    assert format_signer_key(signer) == signer_key
    assert format_verifier_key(verifier) == verifier_key == str(verifier)
    assert signer_key.startswith("PRIVATE+KEY+carbon.example.com/log+")


def test_a_signer_never_shows_its_seed() -> None:
    assert LOG.seed.hex() not in repr(LOG)
    assert "seed" not in repr(LOG)


def test_the_key_type_is_part_of_the_key_id() -> None:
    as_note_key = Verifier("k", ED25519, WITNESS.public_key)
    as_witness_key = Verifier("k", COSIGNATURE_V1, WITNESS.public_key)
    assert as_note_key.key_id != as_witness_key.key_id


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(SPEC_VKEY.replace("+530d903a+", "+530d903b+"), id="key ID does not match"),
        pytest.param(SPEC_VKEY.replace("+530d903a+", "+530d903+"), id="key ID 7 digits"),
        pytest.param(SPEC_VKEY.replace("+530d903a+", "+0x530d903a+"), id="key ID with 0x"),
        pytest.param(SPEC_VKEY.replace("example.com/foo", "other.com/foo"), id="other name"),
        pytest.param(SPEC_VKEY.replace("example.com/foo", "example.com foo"), id="space in name"),
        pytest.param(SPEC_VKEY.replace("example.com/foo", ""), id="empty name"),
        pytest.param(SPEC_VKEY.replace("+Aeky", "+Beky"), id="type byte changed"),
        pytest.param(SPEC_VKEY[:-1], id="key truncated"),
        pytest.param(SPEC_VKEY + "AA==", id="key too long"),
        pytest.param(SPEC_VKEY.replace("U2k", "U2l"), id="non-canonical base64"),
        pytest.param(SPEC_VKEY.split("+", 1)[1], id="no name"),
        pytest.param("example.com/foo+530d903a", id="no key"),
        pytest.param(GO_SKEY, id="a signer key is not a verifier key"),
    ],
)
def test_malformed_verifier_keys_are_rejected(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_verifier_key(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(GO_SKEY.replace("+c74f20a3+", "+c74f20a4+"), id="key ID does not match"),
        pytest.param(GO_SKEY.replace("PRIVATE+KEY+", "PRIVATE+"), id="prefix"),
        pytest.param(GO_SKEY.replace("PRIVATE+KEY+", ""), id="no prefix"),
        pytest.param(GO_SKEY[:-4], id="seed truncated"),
        pytest.param(GO_VKEY, id="a verifier key is not a signer key"),
    ],
)
def test_malformed_signer_keys_are_rejected(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_signer_key(text)


# --- verification rules ------------------------------------------------------------------------

TEXT = "carbon.example.com/emmet-group\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"


def test_signatures_from_unknown_keys_are_ignored() -> None:
    stranger = Signer("someone.example/else", ED25519, bytes(32))
    note = sign_note(TEXT, [stranger, LOG])
    opened = open_note(note, [LOG.verifier()])
    assert opened.verifiers == (LOG.verifier(),)
    assert [sig.name for sig in opened.unknown] == ["someone.example/else"]


def test_a_key_with_the_same_name_but_another_id_is_unknown() -> None:
    note = sign_note(TEXT, [OTHER_LOG])
    with pytest.raises(VerificationError, match="no signature from a trusted key"):
        open_note(note, [LOG.verifier()])


def test_a_failing_known_signature_rejects_the_note_even_if_another_verifies() -> None:
    good = sign_note(TEXT, [LOG])
    forged_line = sign_note("something else\n", [OTHER_LOG]).split("\n\n")[1]
    # OTHER_LOG signed other text: its line fails for this note.
    note = good + forged_line
    assert open_note(note, [LOG.verifier()])  # OTHER_LOG unknown: fine
    with pytest.raises(VerificationError, match="does not verify"):
        open_note(note, [LOG.verifier(), OTHER_LOG.verifier()])


def test_text_may_contain_blank_lines_the_last_one_separates() -> None:
    text = "first paragraph\n\nsecond paragraph\n"
    assert open_note(sign_note(text, [LOG]), [LOG.verifier()]).text == text


def test_at_most_100_signature_lines() -> None:
    line = sign_note(TEXT, [LOG]).split("\n\n")[1]
    assert open_note(TEXT + "\n" + line * 100, [LOG.verifier()])
    with pytest.raises(VerificationError, match="more than 100"):
        open_note(TEXT + "\n" + line * 101, [LOG.verifier()])


GOOD = sign_note(TEXT, [LOG])
SIGNATURE = GOOD.split("\n\n")[1]


@pytest.mark.parametrize(
    "note",
    [
        pytest.param("", id="empty"),
        pytest.param(TEXT, id="no signatures"),
        pytest.param(TEXT + "\n", id="blank line but no signatures"),
        pytest.param(GOOD[:-1], id="no final newline"),
        pytest.param(GOOD + "\n", id="trailing blank line"),
        pytest.param(GOOD.replace("\n\n", "\n"), id="no blank line"),
        pytest.param(GOOD.replace("— ", "-- "), id="ASCII dashes"),
        pytest.param(GOOD.replace("— ", "—"), id="no space after the dash"),
        pytest.param(GOOD.replace("— ", "— \t"), id="tab"),
        pytest.param(GOOD.replace("emmet-group\n", "emmet-group\r\n"), id="carriage return"),
        pytest.param(GOOD.replace("42", "4\x002"), id="NUL in text"),
        pytest.param(GOOD.replace("42", "4\ud8002"), id="lone surrogate"),
        pytest.param(TEXT + "\n" + SIGNATURE + "not a signature\n", id="junk line"),
        pytest.param(TEXT + "\n— " + LOG.name + " AAAAAA==\n", id="signature too short"),
        pytest.param(GOOD.replace("=\n", "\n"), id="unpadded base64"),
        pytest.param(GOOD.replace(LOG.name, LOG.name + "+x"), id="plus in name"),
        pytest.param(GOOD.replace("— " + LOG.name, "— "), id="empty name"),
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(VerificationError):
        open_note(note, [LOG.verifier()])


@pytest.mark.parametrize(
    "verifiers",
    [
        pytest.param([], id="no keys"),
        pytest.param(LOG.verifier(), id="a key, not a list"),
        pytest.param([WITNESS.verifier()], id="a cosignature key"),
        pytest.param([GO_VKEY], id="a key string, not a Verifier"),
    ],
)
def test_open_note_refuses_unusable_key_sets(verifiers: object) -> None:
    with pytest.raises(VerificationError):
        open_note(GOOD, verifiers)  # type: ignore[arg-type]


def test_parse_note_reads_structure_without_verifying() -> None:
    parsed = parse_note(GOOD)
    assert parsed.text == TEXT
    assert [(s.name, s.key_id, len(s.signature)) for s in parsed.signatures] == [
        (LOG.name, LOG.key_id, 64)
    ]


@pytest.mark.parametrize(
    ("text", "signers"),
    [
        pytest.param("no newline", [LOG], id="text without final newline"),
        pytest.param("tab\there\n", [LOG], id="control character"),
        pytest.param(TEXT, [], id="no signers"),
        pytest.param(TEXT, [WITNESS], id="a cosignature key"),
    ],
)
def test_sign_note_refuses_bad_arguments(text: str, signers: list[Signer]) -> None:
    with pytest.raises(ValueError):
        sign_note(text, signers)


@pytest.mark.parametrize(
    ("name", "key_type", "seed"),
    [("", ED25519, bytes(32)), ("a b", ED25519, bytes(32)), ("a", 2, bytes(32)), ("a", 1, b"")],
)
def test_key_values_check_their_fields(name: str, key_type: int, seed: bytes) -> None:
    with pytest.raises(ValueError):
        Signer(name, key_type, seed)
    with pytest.raises(ValueError):
        Verifier(name, key_type, seed)
