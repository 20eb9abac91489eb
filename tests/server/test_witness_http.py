"""`zerotrail witness serve`: tlog-witness add-checkpoint over HTTP, each answer as the spec lists.

The app is called in this process through httpx's ASGI transport (it has no lifespan to run);
one test starts the real command and talks to it over loopback. The log, the witness and the
request bodies are tests/pipeline/test_witness_service.py's: a 20-leaf log under LOG's key, a
witness following it from size 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.cli.invoke import zerotrail
from tests.ledger.vectors import LOG, ORIGIN, OTHER_LOG, WITNESS
from tests.pipeline.test_witness_service import (
    LEAVES,
    TREE,
    WITNESS_KEY,
    cosigned,
    new_state,
    request,
    signed,
)
from tests.server.conftest import first_line
from zerotrail.errors import ZerotrailError
from zerotrail.ledger import consistency_proof, format_add_checkpoint, verify_cosignatures
from zerotrail.ledger.note import format_signer_key
from zerotrail.pipeline import ledger as pipeline_ledger
from zerotrail.pipeline import witness_service
from zerotrail.server.witness import MAX_BODY, witness_app

URL = "http://witness.test"


def post(
    app: FastAPI,
    body: bytes | str,
    path: str = "/add-checkpoint",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return asyncio.run(_send(app, "POST", path, body, headers))


async def _send(
    app: FastAPI,
    method: str,
    path: str,
    body: bytes | str | AsyncIterator[bytes] = b"",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=URL) as client:
        return await client.request(method, path, content=body, headers=headers)


def content_types(response: httpx.Response) -> list[bytes]:
    """Every Content-Type header as sent, byte for byte."""
    return [value for key, value in response.headers.raw if key.lower() == b"content-type"]


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return new_state(tmp_path)


@pytest.fixture
def app(state: Path) -> FastAPI:
    return witness_app(state, WITNESS_KEY)


def test_first_checkpoint_is_cosigned_and_the_state_saved(app: FastAPI, state: Path) -> None:
    answer = post(app, request(0, 5))
    assert answer.status_code == 200
    assert content_types(answer) == [b"text/plain; charset=utf-8"]
    assert answer.text.startswith(f"— {WITNESS.name} ")
    timestamps = verify_cosignatures(signed(5) + answer.text, [WITNESS.verifier()])
    assert abs(timestamps[WITNESS.verifier()] - time.time()) < 60  # cosigned now
    assert cosigned(state) == (5, TREE.root(5))


def test_a_stale_old_size_is_409_with_the_size_as_text_x_tlog_size(
    app: FastAPI, state: Path
) -> None:
    assert post(app, request(0, 5)).status_code == 200
    before = state.read_bytes()
    stale = post(app, request(0, 13))
    assert stale.status_code == 409
    assert stale.content == b"5\n"
    assert content_types(stale) == [b"text/x.tlog.size"]  # exactly: no charset parameter
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (request(0, 5, origin="other.example/log"), 404),  # a log the witness does not follow
        (request(0, 5, signer=OTHER_LOG), 403),  # the origin's name, another key
        (format_add_checkpoint(0, [LEAVES[0]], signed(5)), 422),  # a proof from size 0
        (format_add_checkpoint(6, [], signed(5)), 400),  # old larger than the checkpoint
        ("old 0\n\nnot a checkpoint", 400),
        (b"old 0\n\n\xff\xfe", 400),  # not UTF-8
    ],
)
def test_refusals_carry_the_spec_status(
    app: FastAPI, state: Path, body: str | bytes, status: int
) -> None:
    before = state.read_bytes()
    answer = post(app, body)
    assert answer.status_code == status, answer.text
    assert content_types(answer) == [b"text/plain; charset=utf-8"]
    assert state.read_bytes() == before


def test_a_bad_consistency_proof_is_422(app: FastAPI, state: Path) -> None:
    assert post(app, request(0, 5)).status_code == 200
    proof = consistency_proof(5, 13, TREE)
    proof[0] = bytes(32)
    answer = post(app, format_add_checkpoint(5, proof, signed(13)))
    assert answer.status_code == 422
    assert answer.text.startswith("consistency proof: ")
    assert cosigned(state)[0] == 5


def test_a_declared_length_over_64_kib_is_413_before_the_body_is_read(app: FastAPI) -> None:
    # Ten bytes sent, 64 KiB + 1 declared: only the header can have caused the 413.
    answer = post(app, b"old 0\n\n...", headers={"content-length": str(MAX_BODY + 1)})
    assert answer.status_code == 413


def test_a_streamed_body_over_64_kib_is_413_and_read_no_further(app: FastAPI) -> None:
    sent = 0

    async def one_mib() -> AsyncIterator[bytes]:  # chunked: no Content-Length to go by
        nonlocal sent
        for _ in range(1024):
            sent += 1
            yield b"x" * 1024

    answer = asyncio.run(_send(app, "POST", "/add-checkpoint", one_mib()))
    assert answer.status_code == 413
    assert sent <= MAX_BODY // 1024 + 2  # stopped just past 64 KiB, not at 1 MiB


def test_a_body_of_exactly_64_kib_is_read(app: FastAPI) -> None:
    answer = post(app, b"x" * MAX_BODY)
    assert answer.status_code == 400  # read and refused as malformed, not as too large


def test_other_methods_are_405_and_other_paths_404(app: FastAPI) -> None:
    for method in ("GET", "PUT", "DELETE"):
        answer = asyncio.run(_send(app, method, "/add-checkpoint"))
        assert answer.status_code == 405
        assert answer.headers["allow"] == "POST"
    for path in ("/", "/add-checkpoint/", "/openapi.json", "/docs", "/w/add-checkpoint"):
        assert post(app, request(0, 5), path=path).status_code == 404


def test_a_prefix_moves_the_endpoint(state: Path) -> None:
    app = witness_app(state, WITNESS_KEY, "/logs/witness/")
    assert post(app, request(0, 5)).status_code == 404
    assert post(app, request(0, 5), path="/logs/witness/add-checkpoint").status_code == 200
    with pytest.raises(ZerotrailError, match=r"^--prefix 'a b': a prefix is path segments"):
        witness_app(state, WITNESS_KEY, "a b")


def test_two_requests_at_once_one_200_and_one_409(
    app: FastAPI, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline_ledger.witness_add_checkpoint

    def slow(*args: object) -> object:
        result = real(*args)  # type: ignore[arg-type]
        time.sleep(0.2)  # both requests are inside the stage at once without the lock
        return result

    monkeypatch.setattr(witness_service, "witness_add_checkpoint", slow)
    body = request(0, 5)

    async def both() -> list[httpx.Response]:
        return list(
            await asyncio.gather(
                _send(app, "POST", "/add-checkpoint", body),
                _send(app, "POST", "/add-checkpoint", body),
            )
        )

    answers = asyncio.run(both())
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert cosigned(state) == (5, TREE.root(5))


def test_a_failed_save_is_500_and_logs_neither_key_nor_body(
    app: FastAPI, state: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    body = request(0, 5)
    with caplog.at_level(logging.ERROR, logger="zerotrail.server.witness"):
        answer = post(app, body)
    monkeypatch.undo()
    assert answer.status_code == 500
    assert cosigned(state)[0] == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"witness: cannot save the witness state {state}: No space left on device"
    ]
    assert WITNESS_KEY.split("+")[-1] not in caplog.text + answer.text


# --- the command --------------------------------------------------------------------------


LISTENING = re.compile(r"witness listening on http://127\.0\.0\.1:(\d+)/w/add-checkpoint")


@pytest.mark.slow
def test_witness_serve_answers_over_http_and_stops_on_sigterm(tmp_path: Path) -> None:
    state = new_state(tmp_path)
    key = tmp_path / "witness.key"
    key.write_text(WITNESS_KEY + "\n", encoding="utf-8")
    args = ["--state", str(state), "--key", str(key), "--port", "0", "--prefix", "w"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "zerotrail", "witness", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = first_line(proc, 60)
        found = LISTENING.fullmatch(line.rstrip("\n"))
        assert found, line
        url = f"http://127.0.0.1:{found.group(1)}/w/add-checkpoint"
        post_request = urllib.request.Request(url, data=request(0, 5).encode(), method="POST")
        with urllib.request.urlopen(post_request, timeout=30) as answer:
            assert answer.status == 200
            assert answer.read().decode().startswith(f"— {WITNESS.name} ")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert (out, err) == ("", "")  # the one line was all
    assert cosigned(state)[0] == 5


def test_witness_serve_refuses_a_log_key_in_one_line(tmp_path: Path) -> None:
    state = new_state(tmp_path)
    key = tmp_path / "log.key"
    key.write_text(format_signer_key(LOG) + "\n", encoding="utf-8")
    r = zerotrail("witness", "serve", "--state", state, "--key", key, "--port", "0")
    assert r.code == 1
    assert r.stderr == (
        "error: witness key: not a witness cosignature key (type 0x04); make one with"
        " `zerotrail keys generate --witness`\n"
    )


def test_witness_serve_refuses_a_missing_state_in_one_line(tmp_path: Path) -> None:
    key = tmp_path / "witness.key"
    key.write_text(WITNESS_KEY + "\n", encoding="utf-8")
    missing = tmp_path / "none.json"
    r = zerotrail("witness", "serve", "--state", missing, "--key", key, "--port", "0")
    assert r.code == 1
    assert r.stderr.startswith(f"error: cannot read witness state {missing}: ")
    assert r.stderr.count("\n") == 1
    assert ORIGIN not in r.stderr
