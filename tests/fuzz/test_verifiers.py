"""Bounded fuzzing of the offline verifiers (tests/fuzz/verifiers.py has the targets).

Each target's valid seed is mutated (bit flips, edits, base64- and number-aware changes); the
verifier must raise only VerificationError and accept nothing that means something else.
Derandomized, so CI runs the same inputs every time; bench/fuzz.py runs the same targets long.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.fuzz.mutate import show
from tests.fuzz.verifiers import (
    LEAVES,
    NOTE,
    PROOF_FILE,
    VERIFIER_TARGETS,
    Crash,
    check_cosignature,
    check_note,
    check_proof,
    check_witness_state,
)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", sorted(VERIFIER_TARGETS))
def test_seed_is_accepted(name: str) -> None:
    """Mutations start from an input that verifies: otherwise the fuzzing proves nothing."""
    target = VERIFIER_TARGETS[name]
    assert target.check(target.seed()) is True


@pytest.mark.parametrize("name", sorted(VERIFIER_TARGETS))
@FUZZ
@given(n=st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_inputs_fail_closed(name: str, n: int) -> None:
    """Input n is the one `bench/fuzz.py --target NAME --replay n` rebuilds."""
    target = VERIFIER_TARGETS[name]
    data = target.mutator(target.seed(), random.Random(n))
    note(f"input: {show(data)}")
    target.check(data)


# --- the checks themselves catch what they are meant to catch ---------------------------------


def test_a_foreign_exception_is_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.fuzz.verifiers as v

    def broken(text: str) -> object:
        raise KeyError("boom")

    monkeypatch.setattr(v, "parse_proof", broken)
    with pytest.raises(Crash, match="KeyError"):
        check_proof(PROOF_FILE.encode())


def test_an_accepted_forgery_is_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A verifier that ignored the signature would accept a changed tree size: caught."""
    import tests.fuzz.verifiers as v
    from zerotrail.ledger import NoteVerified, parse_note

    def lax(note: str, keys: object) -> NoteVerified:
        return NoteVerified(parse_note(note).text, (), ())

    monkeypatch.setattr(v, "open_note", lax)
    forged = NOTE.replace("\n13\n", "\n14\n", 1).encode()
    with pytest.raises(Crash, match="accepted"):
        check_note(forged)


def test_harmless_variations_are_accepted() -> None:
    """Lines from keys the verifier was not given are ignored, as signed-note says."""
    stranger = "— stranger.example/key AAAAAAFvbmUgYnl0ZQ==\n"
    assert check_note((NOTE + stranger).encode()) is True
    assert check_cosignature((NOTE + stranger).encode()) is True
    assert LEAVES  # the fixture's log is not empty


def test_deeply_nested_witness_state_is_refused() -> None:
    """Found by fuzzing: json.loads raised RecursionError from state_from_json."""
    deep = b'{"format": "zerotrail-witness-state/v1", "logs": ' + b"[" * 100_000 + b"]" * 100_000
    assert check_witness_state(deep + b"}") is False
