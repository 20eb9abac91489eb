"""The witness as a service: add-checkpoint requests against one state file, one at a time.

    WitnessService(state_path, key_text)   the key (a cosignature key, type 0x04) and the state
                                           file checked once, when the service starts
    service.add_checkpoint(body, now=)     tlog-witness's answer (`ledger.witness.Response`);
                                           on a 200 the new state is on disk before it returns

Why a lock: tlog-witness requires that checking `old` against the size last cosigned and storing
the new size be one atomic step. Without it two requests from old size N could both read N and
both be cosigned, and the witness would have vouched for two trees it never compared. So each
call holds, for the whole read-check-write, a `threading.Lock` per state file (requests served on
threads of one process) and an `fcntl.flock` on `<state>.lock` beside the state (two processes on
one state file). The lock is on a file of its own because the state file is replaced, not
rewritten: a lock on it would be left on the old inode.

Persisting: a temporary file in the state's folder (same file system, so the rename is atomic),
fsync, `os.replace`, then fsync of the folder so that the rename itself survives a crash. A
failure to read or to persist the state raises `WitnessStateError` and nothing is cosigned.

Where it sits: pipeline, called by `zerotrail.server.witness` (the HTTP front end of
`zerotrail witness serve`). The protocol is `ledger/witness.py` (pure), reached through
`pipeline/ledger.py`'s `witness_add_checkpoint`, as `zerotrail witness add-checkpoint` does.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from zerotrail.errors import ZerotrailError
from zerotrail.ledger import note as notes
from zerotrail.ledger import witness as witnessing
from zerotrail.model import files
from zerotrail.pipeline.ledger import signer_key, witness_add_checkpoint

__all__ = ["WitnessService", "WitnessStateError", "lock_path"]


class WitnessStateError(ZerotrailError):
    """The witness's state file could not be read, understood or saved (a server fault: 500)."""


# One lock per state file for the threads of this process. flock alone serialises them only
# where it locks per open file: on NFS, Linux emulates it with POSIX locks, which are per
# process, so two threads of one server would both hold it.
_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def lock_path(state_path: Path) -> Path:
    """The lock file beside a state file, `<state>.lock`."""
    return state_path.with_name(state_path.name + ".lock")


class WitnessService:
    """A witness answering add-checkpoint requests with the state kept in `state_path`."""

    __slots__ = ("_key_text", "_thread_lock", "state_path")

    def __init__(self, state_path: Path, key_text: str) -> None:
        # The key is checked here so that a wrong key stops the server at start, not at the
        # first request; its text is kept only to pass on, never shown (no __repr__ of it).
        try:
            signer = signer_key(key_text)
        except ZerotrailError as exc:
            raise ZerotrailError(f"witness key: {exc}") from None
        if signer.key_type != notes.COSIGNATURE_V1:
            raise ZerotrailError(
                "witness key: not a witness cosignature key (type 0x04); make one with"
                " `zerotrail keys generate --witness`"
            )
        self.state_path = Path(os.path.abspath(state_path))
        self._key_text = key_text
        with _THREAD_LOCKS_GUARD:
            self._thread_lock = _THREAD_LOCKS.setdefault(self.state_path, threading.Lock())
        with self._locked():
            self._read_state()  # a state that is missing or unreadable stops the start too

    def __repr__(self) -> str:
        return f"WitnessService(state_path={str(self.state_path)!r})"

    def add_checkpoint(self, body: str, now: int | None = None) -> witnessing.Response:
        """tlog-witness's answer to one request body; a 200 only once its state is on disk.

        `now` is the cosignature's time in Unix seconds (default: the clock). Raises
        `WitnessStateError` when the state cannot be read or saved.
        """
        with self._locked():
            state = self._read_state()
            try:
                new_state, response = witness_add_checkpoint(
                    state, body, self._key_text, int(time.time()) if now is None else now
                )
            except ZerotrailError as exc:  # the state file parsed as JSON but not as a state
                raise WitnessStateError(f"witness state {self.state_path}: {exc}") from None
            if response.status == 200:
                self._write_state(new_state)
            return response

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            try:
                fd = os.open(lock_path(self.state_path), os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise WitnessStateError(
                    f"cannot open the lock file {lock_path(self.state_path)}: {exc.strerror}"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing the file releases the flock

    def _read_state(self) -> str:
        try:
            text = files.read_limited(self.state_path, "witness state", files.MAX_STATE_FILE)
            witnessing.state_from_json(text)
        except ZerotrailError as exc:
            raise WitnessStateError(str(exc)) from None
        return text

    def _write_state(self, text: str) -> None:
        folder = self.state_path.parent
        try:
            mode = stat.S_IMODE(os.stat(self.state_path).st_mode)
            fd, tmp = tempfile.mkstemp(
                dir=folder, prefix=f".{self.state_path.name}.", suffix=".tmp"
            )
        except OSError as exc:
            raise WitnessStateError(
                f"cannot save the witness state {self.state_path}: {exc.strerror}"
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                os.fchmod(fh.fileno(), mode)  # as the file it replaces (mkstemp makes 0600)
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.state_path)
            _fsync_folder(folder)
        except OSError as exc:
            with contextlib.suppress(FileNotFoundError):  # renamed: the folder's fsync failed
                os.unlink(tmp)
            raise WitnessStateError(
                f"cannot save the witness state {self.state_path}: {exc.strerror or exc}"
            ) from None


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
