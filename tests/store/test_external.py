"""The lake tables' fingerprints (store/external.py): size and SHA-256 of each file, and the
one-line problems a re-check returns as values for a file changed, added or removed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zerotrail.store.external import (
    STAT_MARGIN_S,
    LakeDataset,
    LakeFile,
    file_changes,
    fingerprint,
    listed_files,
    manifest_sha256,
    manifest_text,
    outside_sql,
)


def test_fingerprint_is_size_and_sha256_over_every_chunk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # 2,304,000 bytes: more than two 1 MiB read chunks
    f = tmp_path / "x.parquet"
    f.write_bytes(data)
    assert fingerprint(f) == LakeFile(str(f), 2_304_000, hashlib.sha256(data).hexdigest())


def test_listed_files_by_kind(tmp_path: Path) -> None:
    for name in ("a.parquet", "sub/b.parquet", "sub/c.csv", "d.pq"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    root = str(tmp_path)
    assert listed_files(root, "folder") == [f"{root}/a.parquet", f"{root}/sub/b.parquet"]
    assert listed_files(f"{root}/**/*.p*q*", "glob") == [
        f"{root}/a.parquet",
        f"{root}/d.pq",
        f"{root}/sub/b.parquet",
    ]
    assert listed_files(f"{root}/d.pq", "file") == [f"{root}/d.pq"]
    assert listed_files(f"{root}/gone.parquet", "file") == []


def dataset(folder: Path, registered_at: datetime | None = None) -> LakeDataset:
    """The two files as registered at `registered_at` (default: now)."""
    files = [fingerprint(folder / n) for n in ("a.parquet", "b.parquet")]
    at = registered_at or datetime.now(UTC).replace(tzinfo=None)
    return LakeDataset("imp-1", str(folder), "folder", ("record_id",), 2, 5, tuple(files), at)


def test_file_changes_name_each_file_once(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"aaaa")
    (tmp_path / "b.parquet").write_bytes(b"bbbb")
    d = dataset(tmp_path)
    assert file_changes(d) == []
    (tmp_path / "a.parquet").write_bytes(b"aaab")  # same size, other bytes
    (tmp_path / "b.parquet").unlink()
    (tmp_path / "c.parquet").write_bytes(b"c")
    a, b, c = (str(tmp_path / n) for n in ("a.parquet", "b.parquet", "c.parquet"))
    assert file_changes(d) == [
        f"lake table imp-1: file {a} changed since it was registered (same size, its SHA-256"
        " differs)",
        f"lake table imp-1: file {b} was removed since it was registered",
        f"lake table imp-1: file {c} was added to {tmp_path} since it was registered (register"
        " the new data as a lake table of its own)",
    ]
    (tmp_path / "a.parquet").write_bytes(b"aaaaa")
    assert f"file {a} changed since it was registered (4 bytes then, 5 now)" in (file_changes(d)[0])


def test_a_quick_check_hashes_only_a_file_touched_since_the_registration(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.parquet").write_bytes(b"aaaa")
    (tmp_path / "b.parquet").write_bytes(b"bbbb")
    a = str(tmp_path / "a.parquet")
    changed = [
        f"lake table imp-1: file {a} changed since it was registered (same size, its SHA-256"
        " differs)"
    ]
    # Registered a minute after the files' last change (their times are older than its start
    # by more than STAT_MARGIN_S): a quick check takes them as they are, unread; a full one
    # reads them. The bytes registered are not the ones there now, which only a read shows.
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)
    d = replace(
        dataset(tmp_path, later), files=(LakeFile(a, 4, "0" * 64), dataset(tmp_path).files[1])
    )
    assert file_changes(d, quick=True) == []
    assert file_changes(d) == changed
    # Registered before the files' times (STAT_MARGIN_S before now): a quick check hashes them.
    earlier = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=STAT_MARGIN_S)
    assert file_changes(replace(d, registered_at=earlier), quick=True) == changed
    # A size that differs needs no read either way.
    (tmp_path / "b.parquet").write_bytes(b"bbbbb")
    assert "(4 bytes then, 5 now)" in file_changes(d, quick=True)[0]


def test_manifest_is_one_sorted_line_per_file() -> None:
    files = [LakeFile("/l/b", 2, "bb"), LakeFile("/l/a", 10, "aa")]
    assert manifest_text(files) == "aa 10 /l/a\nbb 2 /l/b\n"
    assert manifest_sha256(files) == hashlib.sha256(b"aa 10 /l/a\nbb 2 /l/b\n").hexdigest()


def test_outside_sql() -> None:
    assert outside_sql("l.idx", []) == "true"
    assert outside_sql("l.idx", [(3, 5), (9, 9)]) == (
        "l.idx NOT BETWEEN 3 AND 5 AND l.idx NOT BETWEEN 9 AND 9"
    )
