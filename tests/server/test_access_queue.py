"""The queue for a DuckDB file's turn: past `queue` waiting requests, one more is refused at
once (503 with Retry-After through the app) instead of waiting its `wait` seconds."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.server.conftest import Served, detail, serving
from zerotrail.server.access import WorkspaceAccess, WorkspaceBusyError


def _waiters(access: WorkspaceAccess, n: int) -> list[threading.Thread]:
    """`n` threads waiting for the turn (held by the caller), started and counted."""
    threads = []
    for _ in range(n):

        def wait_for_turn() -> None:
            try:
                with access.open():
                    pass
            except WorkspaceBusyError:
                pass  # the test may time them out; only their waiting matters here

        t = threading.Thread(target=wait_for_turn)
        t.start()
        threads.append(t)
    deadline = time.monotonic() + 10
    while access._waiting.count < n:
        assert time.monotonic() < deadline, "the waiters never queued"
        time.sleep(0.01)
    return threads


def test_one_request_past_the_queue_is_refused_at_once(served: Served, tmp_path: Path) -> None:
    with serving(served.copy(tmp_path)) as client:
        access = replace(client.app.state.workspace, wait=30.0, queue=2)
        client.app.state.workspace = access
        access._lock.acquire()  # another request's turn, held
        try:
            threads = _waiters(access, 2)
            started = time.monotonic()
            with (
                pytest.raises(WorkspaceBusyError, match="2 requests wait for it already"),
                access.open(),
            ):
                pass
            busy = client.get("/api/me", served.tokens["vera"])
            # Refused without waiting any of its 30 s.
            assert time.monotonic() - started < 5
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == "2"
            assert detail(busy) == (
                "the workspace is busy: 2 requests wait for it already; try again"
            )
        finally:
            access._lock.release()
        for t in threads:
            t.join(30)
        # The queue emptied as the waiters took their turns: a request is served again.
        assert access._waiting.count == 0
        assert client.get("/api/me", served.tokens["vera"]).status_code == 200
