"""Reading a small file a user names: bounded, never a pipe or a device, one-line refusals.

Where it sits: model, below every layer, so that the CLI (keys, proofs, notes) and the stages
under it (the ledger state file, a roadmap) refuse the same things in the same words. The
importers' large files have their own reading in ingest/files.py.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from zerotrail.errors import ZerotrailError

# The most a command reads of a proof, note, key, request, response or consistency proof.
MAX_SMALL_FILE = 1 << 20  # 1 MiB
# ... and of a witness state file (one entry per followed log).
MAX_STATE_FILE = 16 << 20  # 16 MiB


def read_limited(path: Path, what: str, limit: int = MAX_SMALL_FILE) -> str:
    """The UTF-8 text of a small regular file, read at most `limit` bytes; one-line refusals
    (`read_limited_bytes`)."""
    data = read_limited_bytes(path, what, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ZerotrailError(
            f"{what} {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def read_limited_bytes(path: Path, what: str, limit: int = MAX_SMALL_FILE) -> bytes:
    """The bytes of a regular file, read at most `limit` bytes; one-line refusals.

    A pipe or a device is refused before it is opened: reading a FIFO waits for a writer
    forever, and /dev/zero never ends. The file is opened without blocking and checked again
    on its descriptor, so one swapped in after the first check is refused as well.
    """
    try:
        if path.is_dir():
            raise ZerotrailError(f"cannot read {what} {path}: it is a directory")
        if path.exists() and not path.is_file():
            raise ZerotrailError(f"{what} {path} is not a regular file (it is a pipe or a device)")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ZerotrailError(
                    f"{what} {path} is not a regular file (it is a pipe or a device)"
                )
            data = fh.read(limit + 1)
    except IsADirectoryError:
        raise ZerotrailError(f"cannot read {what} {path}: it is a directory") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ZerotrailError(f"cannot read {what} {path}: {reason}") from None
    if len(data) > limit:
        raise ZerotrailError(
            f"{what} {path} is larger than {size_text(limit)}, the most zerotrail reads of it"
        )
    return bytes(data)


def size_text(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"
