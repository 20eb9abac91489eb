"""The witness service: one state file, requests serialised, a 200 only once the state is saved.

The world: a log (tests/ledger/vectors.py's LOG key, origin carbon.example.com/emmet-group) of 20
leaves, and a witness (WITNESS, cosignature key) following it from size 0. `request(old, new)`
is the add-checkpoint body a log sends: a consistency proof from `old` and its checkpoint at
`new`, signed with the log key. tests/server/test_witness_http.py builds its requests here too.
"""

from __future__ import annotations

import fcntl
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from tests.ledger.vectors import LOG, ORIGIN, WITNESS
from zerotrail.errors import ZerotrailError
from zerotrail.ledger import (
    Checkpoint,
    ListSource,
    Signer,
    consistency_proof,
    format_add_checkpoint,
    format_checkpoint,
    leaf_hash,
    sign_note,
    state_from_json,
    verify_cosignatures,
)
from zerotrail.ledger.note import format_signer_key, format_verifier_key
from zerotrail.pipeline import ledger as pipeline_ledger
from zerotrail.pipeline import witness_service
from zerotrail.pipeline.ledger import witness_init
from zerotrail.pipeline.witness_service import WitnessService, WitnessStateError, lock_path

LEAVES = [leaf_hash(b"emissions record %d" % i) for i in range(20)]
TREE = ListSource(LEAVES)
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
LOG_KEY = format_verifier_key(LOG.verifier())
WITNESS_KEY = format_signer_key(WITNESS)


def signed(size: int, signer: Signer = LOG, origin: str = ORIGIN, root: bytes | None = None) -> str:
    """The log's checkpoint at `size`, signed by `signer`."""
    cp = Checkpoint(origin, size, TREE.root(size) if root is None else root)
    return sign_note(format_checkpoint(cp), [signer])


def request(old: int, new: int, signer: Signer = LOG, origin: str = ORIGIN) -> str:
    """An add-checkpoint body from `old` to `new`, with its consistency proof."""
    return format_add_checkpoint(
        old, consistency_proof(old, new, TREE), signed(new, signer, origin)
    )


def new_state(folder: Path) -> Path:
    """A witness state file following the log from size 0 (as `zerotrail witness init`)."""
    path = folder / "witness.json"
    path.write_text(witness_init(None, ORIGIN, LOG_KEY), encoding="utf-8")
    return path


def cosigned(path: Path) -> tuple[int, bytes]:
    """The size and root the state file says the witness last cosigned."""
    log = state_from_json(path.read_text(encoding="utf-8")).log(ORIGIN)
    assert log is not None
    return log.size, log.root


def test_first_checkpoint_is_cosigned_and_saved(tmp_path: Path) -> None:
    path = new_state(tmp_path)
    path.chmod(0o644)
    answer = WitnessService(path, WITNESS_KEY).add_checkpoint(request(0, 5), now=NOW)
    assert answer.status == 200
    # The log appends the line to its note; it verifies with the witness's verifier key.
    assert verify_cosignatures(signed(5) + answer.body, [WITNESS.verifier()]) == {
        WITNESS.verifier(): NOW
    }
    assert cosigned(path) == (5, TREE.root(5))
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # the replaced file keeps its mode
    # Only the state and its lock file: no temporary file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["witness.json", "witness.json.lock"]


def test_growth_then_a_stale_old_is_409_with_the_size_and_the_state_untouched(
    tmp_path: Path,
) -> None:
    path = new_state(tmp_path)
    service = WitnessService(path, WITNESS_KEY)
    assert service.add_checkpoint(request(0, 5), now=NOW).status == 200
    assert service.add_checkpoint(request(5, 13), now=NOW + 60).status == 200
    before = path.read_bytes()
    stale = service.add_checkpoint(request(5, 17), now=NOW + 120)
    assert (stale.status, stale.body, stale.content_type) == (409, "13\n", "text/x.tlog.size")
    assert path.read_bytes() == before


def test_two_requests_from_the_same_old_size_at_once_one_200_and_one_409(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = new_state(tmp_path)
    service = WitnessService(path, WITNESS_KEY)
    real = pipeline_ledger.witness_add_checkpoint

    def slow(*args: object) -> object:
        # Widen the window between reading the state and saving it: without the lock both
        # threads would read size 0 inside it and both be cosigned.
        result = real(*args)  # type: ignore[arg-type]
        time.sleep(0.2)
        return result

    monkeypatch.setattr(witness_service, "witness_add_checkpoint", slow)
    body = request(0, 5)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        start.wait(timeout=5)
        statuses.append(service.add_checkpoint(body, now=NOW).status)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(statuses) == [200, 409]
    assert cosigned(path) == (5, TREE.root(5))


def test_another_process_holding_the_lock_file_makes_a_request_wait(tmp_path: Path) -> None:
    path = new_state(tmp_path)
    service = WitnessService(path, WITNESS_KEY)
    done = threading.Event()
    statuses: list[int] = []

    def submit() -> None:
        statuses.append(service.add_checkpoint(request(0, 5), now=NOW).status)
        done.set()

    # A second open of the lock file stands for another server process: flock locks per open.
    with open(lock_path(path), "a") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        thread = threading.Thread(target=submit)
        thread.start()
        assert not done.wait(0.3)  # blocked while the other holder has the lock
        assert cosigned(path) == (0, TREE.root(0))
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    thread.join(timeout=10)
    assert statuses == [200]
    assert cosigned(path)[0] == 5


def test_a_failed_save_is_an_error_not_a_cosignature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = new_state(tmp_path)
    service = WitnessService(path, WITNESS_KEY)
    before = path.read_bytes()

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(WitnessStateError, match="No space left on device"):
        service.add_checkpoint(request(0, 5), now=NOW)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["witness.json", "witness.json.lock"]


def test_refusals_leave_the_state_file_as_it_was(tmp_path: Path) -> None:
    path = new_state(tmp_path)
    service = WitnessService(path, WITNESS_KEY)
    before = path.read_bytes()
    bad_proof = format_add_checkpoint(0, [LEAVES[0]], signed(5))  # a proof from size 0: 422
    for body, status in [
        (request(0, 5, origin="other.example/log"), 404),
        (request(0, 5, signer=Signer(ORIGIN, LOG.key_type, bytes(range(1, 33)))), 403),
        (bad_proof, 422),
        ("hello", 400),
    ]:
        assert service.add_checkpoint(body, now=NOW).status == status
    assert path.read_bytes() == before


def test_a_key_that_is_not_a_witness_key_stops_the_start(tmp_path: Path) -> None:
    path = new_state(tmp_path)
    with pytest.raises(ZerotrailError, match=r"not a witness cosignature key \(type 0x04\)"):
        WitnessService(path, format_signer_key(LOG))
    with pytest.raises(ZerotrailError, match=r"^witness key: signer key does not start with"):
        WitnessService(path, "")


def test_a_missing_or_broken_state_file_stops_the_start(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(WitnessStateError, match=f"cannot read witness state {missing}"):
        WitnessService(missing, WITNESS_KEY)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(WitnessStateError, match=r"^witness state is not JSON$"):
        WitnessService(broken, WITNESS_KEY)


def test_the_key_is_not_in_the_repr(tmp_path: Path) -> None:
    service = WitnessService(new_state(tmp_path), WITNESS_KEY)
    assert WITNESS_KEY.split("+")[-1] not in repr(service)
    assert os.fspath(tmp_path) in repr(service)
