"""Bounded reading of the small files a user names (model/files.py), and the ledger state file
read through it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zerotrail.errors import ZerotrailError
from zerotrail.model.files import read_limited, size_text
from zerotrail.store.checkpoints import read_state


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_bytes(b"a" * 1024)
    assert read_limited(path, "key", limit=1024) == "a" * 1024
    path.write_bytes(b"a" * 1025)
    with pytest.raises(ZerotrailError, match=r"key .*k\.txt is larger than 1 KiB"):
        read_limited(path, "key", limit=1024)


def test_a_fifo_a_device_a_folder_and_bad_utf8_are_refused_in_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nothing writes to it: opening it for reading would wait for ever
    with pytest.raises(ZerotrailError, match="is not a regular file"):
        read_limited(fifo, "note")
    with pytest.raises(ZerotrailError, match="is not a regular file"):
        read_limited(Path("/dev/zero"), "note")
    with pytest.raises(ZerotrailError, match="it is a directory"):
        read_limited(tmp_path, "note")
    latin = tmp_path / "l.txt"
    latin.write_bytes(b"caf\xe9")
    with pytest.raises(ZerotrailError, match="not UTF-8 text \\(byte 0xe9 at offset 3\\)"):
        read_limited(latin, "note")


def test_sizes_are_named_in_whole_units() -> None:
    assert [size_text(n) for n in (1 << 20, 16 << 20, 1 << 30, 1000)] == [
        "1 MiB",
        "16 MiB",
        "1 GiB",
        "1,000 bytes",
    ]


def test_the_ledger_state_file_is_bounded_and_never_a_pipe(tmp_path: Path) -> None:
    assert read_state(tmp_path / "absent.json") is None  # no state recorded yet
    big = tmp_path / "state.json"
    with open(big, "wb") as fh:  # 16 MiB + 1 byte: one more than the state file's limit
        fh.truncate((16 << 20) + 1)
    with pytest.raises(ZerotrailError, match=r"the ledger state .* is larger than 16 MiB"):
        read_state(big)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ZerotrailError, match="is not a regular file"):
        read_state(fifo)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[]", "expected a JSON object"),
        ('{"origin": "x", "log_key": "y", "checkpoints": []}', "missing field 'format'"),
    ],
)
def test_a_malformed_ledger_state_is_named_with_its_path(
    tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "w.duckdb.ledger-state.json"
    path.write_text(text)
    with pytest.raises(ZerotrailError) as exc:
        read_state(path)
    assert str(exc.value) == f"the ledger state {path} is not valid: {why}"
