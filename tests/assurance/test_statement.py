"""The verifier's signed statement: canonical bytes, signing, and a check that fails closed.

A statement signed with a generated key verifies and says what it states; any one byte of the
file changed (body, signature, or the log's checkpoint when its key is given) makes it fail;
another key fails; each refusal is one line naming what is wrong. JCS is checked against hand
written bytes and RFC 8785's own examples.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from zerotrail.assurance.statement import (
    FORMAT,
    MAX_STATEMENT_BYTES,
    REPORT_KEYS,
    SIGNED_HEADER,
    STANDARD,
    jcs,
    report_statement,
    sign_statement,
    signed_text,
    statement_sha256,
    verify_statement,
)
from zerotrail.errors import ReportError, VerificationError
from zerotrail.ledger.checkpoint import Checkpoint, format_checkpoint
from zerotrail.ledger.note import (
    COSIGNATURE_V1,
    Signer,
    generate_signer,
    parse_signer_key,
    sign_note,
)
from zerotrail.reports.assurance import OPTIONAL_KEYS, STATEMENT_KEYS, assurance

VERIFIER = "assurance.example/emmet-2025"
ORIGIN = "carbon.example.com/emmet-group"
TREE = Checkpoint(ORIGIN, 1240, bytes(range(32)))


def keys(name: str, key_type: int = 0x01) -> tuple[Signer, str]:
    signer, verifier = generate_signer(name, key_type)
    return parse_signer_key(signer), verifier


VERIFIER_SIGNER, VERIFIER_KEY = keys(VERIFIER)
LOG_SIGNER, LOG_KEY = keys(ORIGIN)
CHECKPOINT_NOTE = sign_note(format_checkpoint(TREE), [LOG_SIGNER])


def body(**changes: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "format": FORMAT,
        "engagement": "ENG-2025-01",
        "organization": "Emmet Group",
        "year": "2025",
        "verifier": "Müller Assurance GmbH",
        "verifier_key_name": VERIFIER,
        "standard": STANDARD,
        "criteria": "GHG Protocol Corporate Standard; ISO 14064-1:2018",
        "level": "limited",
        "scope": "Scope 1, Scope 2 (location- and market-based) and Scope 3 of Emmet Group, 2025",
        "materiality": {"overall": "5%", "overall_t": "1652.000", "performance_pct": "75"},
        "inventory": {
            "run_id": "run-2025-03-31T09:00:00",
            "unit": "t CO2e",
            "scope1": "3492.500",
            "scope2_location": "33039.970",
            "total_location": "-0.125",
        },
        "checkpoint": {
            "origin": ORIGIN,
            "size": "1240",
            "root_hash": base64.b64encode(TREE.root).decode(),
        },
        "findings": {
            "counts": {"CAR": {"closed": "2", "raised": "0"}, "observation": {"closed": "1"}},
            "misstatements": {"factual": "-12.250", "projected": "40.100"},
        },
        "opinion": "unmodified",
        "opinion_text": "Nothing has come to our attention…\nSecond paragraph: CO₂e.",
        "date": "2026-03-31",
        "procedures": ["Sampled 60 records by monetary unit", "Recalculated Scope 2"],
    }
    b.update(changes)
    return b


def signed(b: dict[str, Any] | None = None, *, with_checkpoint: bool = False) -> str:
    return sign_statement(
        body() if b is None else b,
        VERIFIER_SIGNER,
        checkpoint_note=CHECKPOINT_NOTE if with_checkpoint else None,
    )


def refused(text: str, message: str, log_key: str | None = None) -> None:
    with pytest.raises(VerificationError, match=re.escape(message)) as caught:
        verify_statement(text, VERIFIER_KEY, log_key)
    assert "\n" not in str(caught.value)


# --- the round trip ------------------------------------------------------------------------------


def test_a_signed_statement_verifies_and_says_what_it_states() -> None:
    text = signed()
    assert text.endswith("}\n") and text.startswith('{\n  "statement": {\n')
    st = verify_statement(text, VERIFIER_KEY)
    assert st.body == body()
    assert (st.organization, st.year, st.verifier) == ("Emmet Group", "2025", body()["verifier"])
    assert (st.level, st.opinion, st.date, st.engagement) == (
        "limited",
        "unmodified",
        "2026-03-31",
        "ENG-2025-01",
    )
    assert st.signed_by == VERIFIER
    assert st.checkpoint == TREE
    assert st.sha256 == statement_sha256(body()) == hashlib.sha256(jcs(body())).hexdigest()
    assert not st.checkpoint_checked  # no log key: the checkpoint is as the verifier states it


def test_the_signature_signs_the_five_lines() -> None:
    doc = json.loads(signed())
    note_text, _, signatures = doc["signature"].rpartition("\n\n")
    assert note_text + "\n" == signed_text(body())
    assert note_text.split("\n") == [
        SIGNED_HEADER,
        statement_sha256(body()),
        ORIGIN,
        "1240",
        base64.b64encode(TREE.root).decode(),
    ]
    assert signatures.startswith(f"— {VERIFIER} ")


def test_with_the_log_key_the_checkpoint_is_checked() -> None:
    text = signed(with_checkpoint=True)
    assert verify_statement(text, VERIFIER_KEY, LOG_KEY).checkpoint_checked
    assert not verify_statement(text, VERIFIER_KEY).checkpoint_checked


def test_the_body_is_the_same_whatever_order_its_keys_come_in() -> None:
    shuffled = dict(reversed(list(body().items())))
    assert statement_sha256(shuffled) == statement_sha256(body())
    assert verify_statement(signed(shuffled), VERIFIER_KEY).sha256 == statement_sha256(body())


# --- any one byte changed ------------------------------------------------------------------------


def _verifies(data: bytes, log_key: str | None) -> bool:
    try:
        text = data.decode("utf-8")  # a file that is not UTF-8 is refused when read
    except UnicodeDecodeError:
        return False
    try:
        verify_statement(text, VERIFIER_KEY, log_key)
    except VerificationError:
        return False
    return True


@pytest.mark.parametrize("with_log", [False, True], ids=["statement", "with-log-checkpoint"])
def test_changing_any_one_byte_fails(with_log: bool) -> None:
    log_key = LOG_KEY if with_log else None
    data = signed(with_checkpoint=with_log).encode("utf-8")
    assert _verifies(data, log_key)
    accepted = []
    # Every byte with its lowest bit flipped, and every third byte with each other bit.
    for i in range(len(data)):
        masks = (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80) if i % 3 == 0 else (0x01,)
        for mask in masks:
            changed = bytearray(data)
            changed[i] ^= mask
            if _verifies(bytes(changed), log_key):
                accepted.append((i, mask, data[max(0, i - 20) : i + 20]))
    assert len(data) > 1500  # the body, the signature and (with_log) the checkpoint
    assert accepted == []


def test_the_log_checkpoint_is_not_checked_without_its_key() -> None:
    # Without the log key the log's signature is not checked (the output says so): a forged
    # log signature on the right tree passes, which is why --log-key is offered.
    forger, _ = keys(ORIGIN)
    forged = json.loads(signed(with_checkpoint=True))
    forged["checkpoint"] = sign_note(format_checkpoint(TREE), [forger])
    text = json.dumps(forged)
    assert not verify_statement(text, VERIFIER_KEY).checkpoint_checked
    refused(text, "the log's checkpoint: note has no signature from a trusted key", LOG_KEY)


# --- wrong keys ----------------------------------------------------------------------------------


def test_another_key_fails() -> None:
    text = signed()
    _, same_name = keys(VERIFIER)  # another key under the same name: another key ID
    _, other_name = keys("assurance.example/someone-else")
    for key in (same_name, other_name, LOG_KEY):
        with pytest.raises(VerificationError, match="no signature from a trusted key"):
            verify_statement(text, key)
    _, witness = keys(VERIFIER, COSIGNATURE_V1)
    with pytest.raises(VerificationError, match="not an Ed25519 note key"):
        verify_statement(text, witness)
    with pytest.raises(VerificationError, match="verifier key is not"):
        verify_statement(text, "not a key")


def test_another_log_key_fails() -> None:
    text = signed(with_checkpoint=True)
    _, other = keys(ORIGIN)
    refused(text, "the log's checkpoint: note has no signature from a trusted key", other)
    refused(text, "the log key: verifier key is not", "nonsense")


def test_a_statement_signed_by_a_key_it_does_not_name_is_refused() -> None:
    other_signer, other_key = keys("assurance.example/other")
    doc = {"statement": body(), "signature": sign_note(signed_text(body()), [other_signer])}
    with pytest.raises(VerificationError, match=r"names the key .* but was signed by"):
        verify_statement(json.dumps(doc), other_key)


# --- each refusal in one line --------------------------------------------------------------------


def _edited(edit: Callable[[dict[str, Any]], None], with_checkpoint: bool = False) -> str:
    doc = json.loads(signed(with_checkpoint=with_checkpoint))
    edit(doc)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_file_that_is_not_json_is_refused() -> None:
    refused("", "the statement file is not JSON: Expecting value")
    refused(signed()[:-5], "the statement file is not JSON")
    refused("[]", "the statement file is not a JSON object")
    refused('{"statement": NaN}', "holds NaN, which is not JSON")
    refused("[" * 100_000 + "]" * 100_000, "nests too deeply")
    refused(
        '{"statement": {}, "statement": {}, "signature": ""}',
        "has the key 'statement' twice in one object",
    )


def test_a_file_over_1_mib_is_refused() -> None:
    big = _edited(lambda d: d["statement"]["procedures"].append("x" * MAX_STATEMENT_BYTES))
    refused(big, f"larger than {MAX_STATEMENT_BYTES} bytes")
    # Bytes, not characters: 400,000 three-byte characters are 1.2 MB.
    wide = _edited(lambda d: d["statement"]["procedures"].append("…" * 400_000))
    assert len(wide) < MAX_STATEMENT_BYTES < len(wide.encode())
    refused(wide, f"larger than {MAX_STATEMENT_BYTES} bytes")


def test_missing_and_unknown_keys_are_refused() -> None:
    refused(_edited(lambda d: d.pop("signature")), "the statement file has no signature")
    refused(_edited(lambda d: d.update(note="x")), "the statement file has unknown keys: note")
    refused(_edited(lambda d: d.update(signature=["x"])), "signature is not a signed note")
    refused(_edited(lambda d: d["statement"].pop("opinion")), "the statement has no opinion")
    refused(
        _edited(lambda d: d["statement"].update(rating="AAA")),
        "the statement has fields a v1 statement has not: rating",
    )


def test_another_format_is_refused() -> None:
    refused(
        _edited(lambda d: d["statement"].update(format="zerotrail-verification-statement/v2")),
        "format is 'zerotrail-verification-statement/v2', not",
    )


@pytest.mark.parametrize(
    ("place", "value", "what"),
    [
        ("scope1", 3492.5, "a number"),
        ("scope1", 3492, "a number"),
        ("scope1", None, "null"),
        ("scope1", True, "a boolean"),
    ],
)
def test_numbers_booleans_and_nulls_in_the_body_are_refused(
    place: str, value: object, what: str
) -> None:
    text = _edited(lambda d: d["statement"]["inventory"].update({place: value}))
    refused(text, f"statement.inventory.{place} is {what}: a statement holds only text")
    with pytest.raises(ValueError, match=f"statement.inventory.{place} is {what}"):
        sign_statement(body(inventory={"run_id": "r", place: value}), VERIFIER_SIGNER)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "high"}, "level 'high' is not limited or reasonable"),
        ({"opinion": "clean"}, "opinion 'clean' is not one of unmodified"),
        ({"date": "2026-02-30"}, "date '2026-02-30' is not a date"),
        ({"date": "20260331"}, "date '20260331' is not a date"),
        ({"year": "25"}, "year '25' is not a four-digit year"),
        ({"organization": " "}, "organization is not non-empty text"),
        ({"procedures": "all of them"}, "procedures are not a list of non-empty text"),
        ({"materiality": ["5%"]}, "materiality is not an object"),
        ({"inventory": {"scope1": "1.000"}}, "inventory is not an object with a run_id"),
        ({"inventory": {"run_id": "r", "scope1": "1.5"}}, "inventory.scope1 is not a figure"),
        ({"inventory": {"run_id": "r", "scope1": "-0.000"}}, "inventory.scope1 is not a figure"),
        ({"inventory": {"run_id": "r", "unit": "kg"}}, "inventory unit is not t CO2e"),
        ({"checkpoint": {"origin": ORIGIN}}, "checkpoint is not an object of exactly"),
        (
            {"checkpoint": {"origin": ORIGIN, "size": "01240", "root_hash": "AA=="}},
            "checkpoint size is not a decimal number",
        ),
        (
            {"checkpoint": {"origin": ORIGIN, "size": "1240", "root_hash": "AA=="}},
            "checkpoint root_hash is 1 bytes",
        ),
    ],
)
def test_fields_of_the_wrong_form_are_refused(change: dict[str, Any], message: str) -> None:
    refused(_edited(lambda d: d["statement"].update(change)), message)
    with pytest.raises(ValueError, match=re.escape(message)):
        sign_statement(body(**change), VERIFIER_SIGNER)


def test_a_statement_changed_after_signing_is_refused() -> None:
    text = _edited(lambda d: d["statement"].update(opinion="qualified"))
    refused(text, "the statement's SHA-256 is not the one signed")
    text = _edited(lambda d: d["statement"]["inventory"].update(scope1="3492.501"))
    refused(text, "the statement was changed after it was signed")


def test_a_signature_naming_another_checkpoint_is_refused() -> None:
    # The right hash, signed by the right key, but over another tree's lines.
    lines = signed_text(body()).split("\n")
    lines[3] = "1241"
    doc = {"statement": body(), "signature": sign_note("\n".join(lines), [VERIFIER_SIGNER])}
    refused(json.dumps(doc), "the checkpoint the signature names is not the statement's")
    lines = signed_text(body()).split("\n")
    lines[0] = "some other signed thing v1"
    doc = {"statement": body(), "signature": sign_note("\n".join(lines), [VERIFIER_SIGNER])}
    refused(json.dumps(doc), "not over a zerotrail verification statement")


def test_a_log_checkpoint_of_another_tree_is_refused() -> None:
    other = sign_note(format_checkpoint(Checkpoint(ORIGIN, 1241, TREE.root)), [LOG_SIGNER])
    text = _edited(lambda d: d.update(checkpoint=other), with_checkpoint=True)
    refused(text, f"the log's checkpoint ({ORIGIN} size 1241) is not the statement's", LOG_KEY)
    refused(text, "is not the statement's")  # without the key, still not this statement's
    refused(signed(), "a log key was given, but the statement file carries no", LOG_KEY)


def test_signing_refuses_what_no_verifier_could_sign() -> None:
    other_signer, _ = keys("assurance.example/other")
    with pytest.raises(ValueError, match="sign it with that Ed25519 note key"):
        sign_statement(body(), other_signer)
    witness, _ = keys(VERIFIER, COSIGNATURE_V1)
    with pytest.raises(ValueError, match="sign it with that Ed25519 note key"):
        sign_statement(body(), witness)
    other = sign_note(format_checkpoint(Checkpoint(ORIGIN, 7, TREE.root)), [LOG_SIGNER])
    with pytest.raises(ValueError, match="the checkpoint note is not the statement's"):
        sign_statement(body(), VERIFIER_SIGNER, checkpoint_note=other)


# --- RFC 8785 bytes ------------------------------------------------------------------------------


def test_jcs_of_a_nested_body() -> None:
    value = {
        "z": ["b", "a", {"y": "1.500", "x": []}],
        "a": {"é": 'q"\\', "e": "line\nbreak\ttab\x01\x7f"},
        "": {},
    }
    expected = (
        b'{"":{},'
        b'"a":{"e":"line\\nbreak\\ttab\\u0001\x7f","\xc3\xa9":"q\\"\\\\"},'
        b'"z":["b","a",{"x":[],"y":"1.500"}]}'
    )
    assert jcs(value) == expected


def test_jcs_sorts_keys_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3's example: U+1F600 (UTF-16 D83D DE00) sorts before U+FB33, although its
    # code point is larger.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    out = jcs(value)
    assert [v for v in json.loads(out).values()] == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]
    assert out.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control",')


def test_jcs_escapes_strings_as_rfc_8785_does() -> None:
    # RFC 8785 §3.2.2.2: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
    text = json.loads('"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"')
    assert jcs([text]) == b'["\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"]'


def test_jcs_refuses_what_has_no_one_spelling() -> None:
    for value, message in [
        ({"a": [1]}, r"statement\.a\[0\] is a number"),
        ({"a": {"b": None}}, r"statement\.a\.b is null"),
        ({"a": False}, r"statement\.a is a boolean"),
        ({"a": 1.5e300}, r"statement\.a is a number"),
        ({1: "a"}, "has a key that is not text"),
        ({"a": b"x"}, r"statement\.a is a bytes"),
        ({"a": "\ud800"}, "lone surrogate"),
        ({"a": [[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]}, "nests deeper than 16 levels"),
    ]:
        with pytest.raises(ValueError, match=message):
            jcs(value)


# --- into the report -----------------------------------------------------------------------------


def test_the_report_shows_the_statement() -> None:
    st = verify_statement(signed(with_checkpoint=True), VERIFIER_KEY, LOG_KEY)
    given = report_statement(st)
    assert tuple(given) == REPORT_KEYS == STATEMENT_KEYS + OPTIONAL_KEYS
    section = assurance(given)
    assert section["status"] == "verified"
    assert section["provider"] == "Müller Assurance GmbH"
    assert (section["opinion"], section["checkpoint_size"]) == ("unmodified", "1240")
    assert section["statement_sha256"] == st.sha256
    assert section["verifier_key_name"] == VERIFIER
    assert section["statement"] == body()["opinion_text"]
    with pytest.raises(ReportError, match="opinion is 'clean', not one of"):
        assurance(given | {"opinion": "clean"})
