"""The witness: one response per rule of C2SP tlog-witness, and its state file format."""

from __future__ import annotations

import json

import pytest

from tests.ledger.vectors import LOG, ORIGIN, OTHER_LOG, SECOND_WITNESS, WITNESS
from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    EMPTY_ROOT,
    Checkpoint,
    ListSource,
    Signer,
    WitnessedLog,
    WitnessState,
    add_checkpoint,
    add_log,
    consistency_proof,
    format_add_checkpoint,
    format_checkpoint,
    leaf_hash,
    parse_add_checkpoint,
    sign_note,
    state_from_json,
    state_to_json,
    verify_cosignatures,
)

LEAVES = [leaf_hash(b"emissions record %d" % i) for i in range(20)]
TREE = ListSource(LEAVES)
NOW = 1_767_225_600
FRESH = add_log(WitnessState(), ORIGIN, [LOG.verifier()])


def signed(size: int, signer: Signer = LOG, origin: str = ORIGIN, root: bytes | None = None) -> str:
    cp = Checkpoint(origin, size, TREE.root(size) if root is None else root)
    return sign_note(format_checkpoint(cp), [signer])


def request(old: int, new: int, signer: Signer = LOG, origin: str = ORIGIN) -> str:
    proof = consistency_proof(old, new, TREE) if old <= new else []
    return format_add_checkpoint(old, proof, signed(new, signer, origin))


def witnessed(size: int) -> WitnessState:
    """A witness that has cosigned the log at `size`."""
    state, response = add_checkpoint(FRESH, request(0, size), WITNESS, NOW)
    assert response.status == 200
    return state


def test_first_checkpoint_is_cosigned_from_old_size_zero() -> None:
    body = request(0, 5)
    state, response = add_checkpoint(FRESH, body, WITNESS, NOW)
    assert response.status == 200
    assert response.body.startswith(f"— {WITNESS.name} ")
    note = signed(5) + response.body  # the log appends the line to its note
    assert verify_cosignatures(note, [WITNESS.verifier()]) == {WITNESS.verifier(): NOW}
    log = state.log(ORIGIN)
    assert log is not None and (log.size, log.root) == (5, TREE.root(5))


def test_growth_with_a_consistency_proof_is_cosigned() -> None:
    state, response = add_checkpoint(witnessed(5), request(5, 13), WITNESS, NOW + 60)
    assert response.status == 200
    assert state.log(ORIGIN) == WitnessedLog(ORIGIN, (LOG.verifier(),), 13, TREE.root(13))


def test_the_same_checkpoint_again_is_cosigned_again() -> None:
    state = witnessed(8)
    again, response = add_checkpoint(state, request(8, 8), WITNESS, NOW + 60)
    assert response.status == 200
    assert again == state


def test_409_when_old_is_not_the_size_last_cosigned() -> None:
    state = witnessed(8)
    after, response = add_checkpoint(state, request(5, 13), WITNESS, NOW)
    assert (response.status, response.body, response.content_type) == (
        409,
        "8\n",
        "text/x.tlog.size",
    )
    assert after is state


def test_409_for_a_fork_two_roots_for_one_size() -> None:
    state = witnessed(8)
    fork = format_add_checkpoint(8, [], signed(8, root=TREE.root(7)))
    after, response = add_checkpoint(state, fork, WITNESS, NOW)
    assert (response.status, response.body) == (409, "8\n")
    assert after is state


def test_422_for_a_bad_consistency_proof() -> None:
    state = witnessed(5)
    proof = consistency_proof(5, 13, TREE)
    proof[0] = bytes(32)
    after, response = add_checkpoint(
        state, format_add_checkpoint(5, proof, signed(13)), WITNESS, NOW
    )
    assert response.status == 422
    assert after is state


def test_422_for_a_history_rewrite() -> None:
    # The log signs 13 leaves whose first 5 differ from what the witness cosigned.
    rewritten = ListSource([leaf_hash(b"rewritten"), *LEAVES[1:13]])
    body = format_add_checkpoint(
        5, consistency_proof(5, 13, rewritten), signed(13, root=rewritten.root(13))
    )
    _, response = add_checkpoint(witnessed(5), body, WITNESS, NOW)
    assert response.status == 422


def test_422_for_a_proof_from_old_size_zero() -> None:
    body = format_add_checkpoint(0, [LEAVES[0]], signed(5))
    _, response = add_checkpoint(FRESH, body, WITNESS, NOW)
    assert response.status == 422


def test_403_for_a_checkpoint_signed_by_an_unknown_key() -> None:
    after, response = add_checkpoint(FRESH, request(0, 5, signer=OTHER_LOG), WITNESS, NOW)
    assert response.status == 403
    assert after is FRESH


def test_403_for_a_bad_signature_from_the_known_key() -> None:
    note = signed(5)
    # The known key's signature over size 5, attached to the text of size 6.
    text5 = format_checkpoint(Checkpoint(ORIGIN, 5, TREE.root(5)))
    forged = note.replace(text5, format_checkpoint(Checkpoint(ORIGIN, 6, TREE.root(6))))
    _, response = add_checkpoint(FRESH, format_add_checkpoint(0, [], forged), WITNESS, NOW)
    assert response.status == 403


def test_404_for_an_unknown_origin() -> None:
    body = request(0, 5, origin="someone.example/else")
    _, response = add_checkpoint(FRESH, body, WITNESS, NOW)
    assert response.status == 404


def test_400_when_old_is_larger_than_the_checkpoint() -> None:
    state = witnessed(8)
    _, response = add_checkpoint(state, format_add_checkpoint(8, [], signed(5)), WITNESS, NOW)
    assert response.status == 400


GOOD = request(0, 5)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param(GOOD.replace("old 0\n", ""), id="no old line"),
        pytest.param(GOOD.replace("old 0\n", "old 00\n"), id="old with leading zero"),
        pytest.param(GOOD.replace("old 0\n", "old -0\n"), id="negative old"),
        pytest.param(GOOD.replace("old 0\n", "OLD 0\n"), id="wrong keyword"),
        pytest.param(GOOD.replace("old 0\n\n", "old 0\n"), id="no blank line"),
        pytest.param(GOOD.replace("old 0\n\n", "old 0\nnot base64!\n\n"), id="bad proof line"),
        pytest.param(GOOD.replace("old 0\n\n", "old 0\nAAAA\n\n"), id="short proof hash"),
        pytest.param(format_add_checkpoint(0, [bytes(32)] * 64, signed(5)), id="64 proof lines"),
        pytest.param("old 0\n\nnot a note\n", id="not a note"),
        pytest.param("old 0\n\n" + sign_note("not\na\ncheckpoint\n", [LOG]), id="not a checkpoint"),
    ],
)
def test_400_for_malformed_requests(body: str) -> None:
    after, response = add_checkpoint(FRESH, body, WITNESS, NOW)
    assert response.status == 400
    assert after is FRESH


def test_request_body_round_trip() -> None:
    proof = consistency_proof(5, 13, TREE)
    parsed = parse_add_checkpoint(format_add_checkpoint(5, proof, signed(13)))
    assert (parsed.old_size, list(parsed.proof), parsed.checkpoint_note) == (5, proof, signed(13))


def test_witness_refuses_a_note_key_or_a_bad_clock() -> None:
    with pytest.raises(ValueError):
        add_checkpoint(FRESH, GOOD, LOG, NOW)
    with pytest.raises(ValueError):
        add_checkpoint(FRESH, GOOD, WITNESS, -1)


def test_replacing_a_logs_keys_keeps_its_history() -> None:
    state = add_log(witnessed(8), ORIGIN, [LOG.verifier(), OTHER_LOG.verifier()])
    log = state.log(ORIGIN)
    assert log is not None and (log.size, len(log.verifiers)) == (8, 2)


# --- state file --------------------------------------------------------------------------------


def test_state_json_round_trip() -> None:
    state = add_log(witnessed(8), "another.example/log", [OTHER_LOG.verifier()])
    text = state_to_json(state)
    assert state_from_json(text) == state
    assert [log["origin"] for log in json.loads(text)["logs"]] == [
        "another.example/log",
        ORIGIN,
    ]
    assert state_from_json(state_to_json(WitnessState())) == WitnessState()


def _edit(change: str) -> str:
    document = json.loads(state_to_json(witnessed(8)))
    log = document["logs"][0]
    if change == "format":
        document["format"] = "zerotrail-witness-state/v2"
    elif change == "extra key":
        document["note"] = "hello"
    elif change == "size as string":
        log["size"] = "8"
    elif change == "size as bool":
        log["size"] = True
    elif change == "negative size":
        log["size"] = -1
    elif change == "root not canonical":
        log["root"] = log["root"].rstrip("=")
    elif change == "size 0 with a root":
        log["size"] = 0
    elif change == "no keys":
        log["verifier_keys"] = []
    elif change == "witness key as log key":
        log["verifier_keys"] = [str(SECOND_WITNESS.verifier())]
    elif change == "bad key":
        log["verifier_keys"] = [log["verifier_keys"][0][:-2]]
    elif change == "duplicate origin":
        document["logs"].append(dict(log))
    elif change == "missing root":
        del log["root"]
    return json.dumps(document)


@pytest.mark.parametrize(
    "change",
    [
        "format",
        "extra key",
        "size as string",
        "size as bool",
        "negative size",
        "root not canonical",
        "size 0 with a root",
        "no keys",
        "witness key as log key",
        "bad key",
        "duplicate origin",
        "missing root",
    ],
)
def test_damaged_state_files_are_refused(change: str) -> None:
    with pytest.raises(VerificationError):
        state_from_json(_edit(change))


@pytest.mark.parametrize("text", ["", "[]", "null", '{"format": 1}', "{"])
def test_non_state_json_is_refused(text: str) -> None:
    with pytest.raises(VerificationError):
        state_from_json(text)


def test_fresh_logs_start_at_the_empty_tree() -> None:
    log = FRESH.log(ORIGIN)
    assert log is not None and (log.size, log.root) == (0, EMPTY_ROOT)
