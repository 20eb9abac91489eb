"""Every crash the fuzzers found, as a fixed input: each stays fixed once it is.

The bounded runs of tests/fuzz draw a few dozen inputs per target, so a crash that bench/fuzz.py
found after thousands would not come back by chance; its reproducer does, here. docs/benchmarks.md
("Fuzzing") lists them with what was fixed and what is outstanding.
"""

from __future__ import annotations

import base64
import io

import pytest

from tests.fuzz.importers import IMPORT_TARGETS, Arena
from tests.fuzz.verifiers import (
    NOTE,
    STATE_JSON,
    check_proof,
    check_witness_state,
)

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_witness_state_nested_too_deep() -> None:
    """state_from_json raised RecursionError (json.loads); now VerificationError. Fixed."""
    deep = STATE_JSON.replace('"logs": [', '"logs": [' + "[" * 100_000, 1).encode()
    assert check_witness_state(deep) is False


def test_proof_opening_nested_too_deep() -> None:
    """`zerotrail verify proof` on a proof whose opening (`extra`) is JSON nested 100,000 deep:
    store.checkpoints.leaf_from_opening lets json.loads's RecursionError out. Outstanding."""
    proof = f"c2sp.org/tlog-proof@v1\nextra {base64.b64encode(DEEP).decode()}\nindex 9\n\n{NOTE}"
    assert check_proof(proof.encode()) is False


def _parquet_with_damaged_page() -> bytes:
    """The seed activities Parquet file with its first data page header overwritten: the footer
    (schema) reads, the data does not."""
    import pyarrow.parquet as pq

    seed = IMPORT_TARGETS["activities-parquet"].seed()
    pq.read_schema(io.BytesIO(seed))  # the seed itself is fine
    return seed[:4] + b"\xff" * 8 + seed[12:]


def test_activities_parquet_with_a_damaged_page(arena: Arena) -> None:
    """`zerotrail import activities bad.parquet`: DuckDB reads the data only in the row checks,
    and its error ("don't know what type", "TProtocolException: Invalid data") escapes
    import_activities instead of a DataError. Outstanding."""
    arena.check(IMPORT_TARGETS["activities-parquet"], _parquet_with_damaged_page())


@pytest.mark.parametrize(
    "name", sorted(n for n, t in IMPORT_TARGETS.items() if t.suffix in (".csv", ".toml"))
)
def test_text_files_that_are_not_utf8(arena: Arena, name: str) -> None:
    """UnicodeDecodeError from reading a CSV with invalid UTF-8 (every CSV importer, 12:20 run).
    Fixed by the importers' hardening (ingest/files.py) before the long run."""
    seed = IMPORT_TARGETS[name].seed()
    cut = seed.index(b"\n") + 3
    arena.check(IMPORT_TARGETS[name], seed[:cut] + b"\xff\xfe" + seed[cut:])
