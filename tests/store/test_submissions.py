"""Submissions as stored (store/submissions.py, migration 17) on DuckDB and PostgreSQL: the
file's bytes come back exactly, and a decision is made once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests import postgres
from zerotrail.store import submissions as store
from zerotrail.store.workspace import Workspace, open_workspace

AT = datetime(2024, 3, 1, 12, 0, 0)
# Every byte value, so that no encoding of the BLOB/BYTEA column can pass unnoticed.
CONTENT = bytes(range(256)) * 3


@pytest.fixture(params=["duckdb", "postgres"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    url = postgres.create_database() if request.param == "postgres" else str(tmp_path / "w.duckdb")
    with open_workspace(url, create=True) as opened:
        yield opened


def _submission(sid: str, uploader: str) -> store.StoredSubmission:
    return store.StoredSubmission(
        sid, "activities", uploader, "a.csv", "csv", "ab" * 32, len(CONTENT), 3,
        "submitted", None, None, None, None, AT,
    )  # fmt: skip


def test_a_submission_keeps_its_bytes_and_is_decided_once(ws: Workspace) -> None:
    with ws.transaction():
        store.insert_submission(ws, _submission("sub-1", "olga"), CONTENT)
        store.insert_submission(ws, _submission("sub-2", "omar"), b"x")
    assert store.read_content(ws, "sub-1") == CONTENT
    assert store.read_submission(ws, "sub-1") == _submission("sub-1", "olga")
    assert [s.submission_id for s in store.read_submissions(ws, "omar")] == ["sub-2"]
    assert len(store.read_submissions(ws)) == 2
    with ws.transaction():
        assert store.decide(ws, "sub-1", "rejected", "apu", "why", AT, None)
        assert not store.decide(ws, "sub-1", "approved", "root", None, AT, "imp-1")
    decided = store.read_submission(ws, "sub-1")
    assert decided is not None
    assert (decided.status, decided.decided_by, decided.reason) == ("rejected", "apu", "why")
    assert store.read_submission(ws, "sub-9") is None
