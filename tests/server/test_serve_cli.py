"""`zerotrail serve`: a real process that says where it listens, answers, and stops on SIGTERM;
and its refusals, one line each."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.cli.invoke import zerotrail
from tests.server.conftest import Served, first_line

LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+) \(workspace (.+)\)")


@pytest.mark.slow
def test_serve_listens_answers_and_stops_on_sigterm(served: Served, tmp_path: Path) -> None:
    db = served.copy(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "zerotrail", "serve", "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = first_line(proc, 60)
        found = LISTENING.fullmatch(line.rstrip("\n"))
        assert found, line
        assert found.group(2) == str(db)
        request = urllib.request.Request(
            f"http://127.0.0.1:{found.group(1)}/api/me",
            headers={"Authorization": f"Bearer {served.tokens['vera']}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert json.loads(answer.read())["role"] == "verifier"
        # A malformed upload is answered (4xx) and leaves no line on stderr (the multipart
        # parser's own warning, quoting the client's bytes, is kept off it).
        broken = urllib.request.Request(
            f"http://127.0.0.1:{found.group(1)}/api/imports",
            data=b"--xyz\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n--xyy--\r\n",
            headers={
                "Authorization": f"Bearer {served.tokens['vera']}",
                "Content-Type": "multipart/form-data; boundary=xyy",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(broken, timeout=30)
        assert 400 <= refused.value.code < 500
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 10
    assert out == "" and err == ""  # the one line was all
    # Closed: another process can open the workspace for writing again.
    assert zerotrail("--db", db, "users", "list").code == 0


def test_tls_cert_without_key_is_one_line(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate", encoding="utf-8")
    r = zerotrail("serve", "--db", tmp_path / "w.duckdb", "--tls-cert", cert)
    assert r.code == 1
    assert r.stderr == "error: --tls-cert needs --tls-key too (HTTPS takes both)\n"


def test_a_tls_file_that_is_not_there_or_not_pem_is_one_line(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    r = zerotrail("serve", "--tls-cert", cert, "--tls-key", key)
    assert (r.code, r.stderr) == (1, f"error: --tls-cert {cert}: no such file\n")
    cert.write_text("not a certificate", encoding="utf-8")
    key.write_text("not a key", encoding="utf-8")
    r = zerotrail("serve", "--tls-cert", cert, "--tls-key", key)
    assert r.code == 1
    assert r.stderr.startswith(f"error: --tls-cert {cert} / --tls-key {key}: cannot load them")
    assert r.stderr.count("\n") == 1


def test_no_workspace_or_one_in_memory_is_one_line(tmp_path: Path) -> None:
    r = zerotrail("serve", "--db", tmp_path / "none.duckdb")
    assert r.code == 1 and r.stderr.count("\n") == 1
    assert "run `zerotrail init` first" in r.stderr
    r = zerotrail("--db", ":memory:", "serve")
    assert r.code == 1
    assert r.stderr.startswith("error: a workspace in memory cannot be served")


def test_a_port_in_use_is_one_line(served: Served, tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = zerotrail("serve", "--db", served.copy(tmp_path), "--port", str(port))
    assert r.code == 1
    assert r.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_a_workspace_no_one_could_call_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert zerotrail("--db", db, "init").code == 0
    r = zerotrail("--db", db, "serve", "--port", "0")
    assert r.code == 1
    assert r.stderr.startswith("error: no user holds an API token, so no one could call")
    assert r.stderr.count("\n") == 1


def test_uvicorns_own_errors_are_one_line_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # At shutdown uvicorn cancels requests still under way and logs each with a traceback;
    # `serve` keeps every such line to one, naming the exception's type only.
    import asyncio
    import logging
    import logging.config

    from zerotrail.cli.serve import uvicorn_log_config

    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in names}
    logging.config.dictConfig(uvicorn_log_config(debug=False))
    try:
        try:
            raise asyncio.CancelledError("secret text of the request")
        except asyncio.CancelledError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application\nmore")
    finally:  # uvicorn's loggers as they were: the handlers hold this test's captured stderr
        for n, (handlers, propagate) in saved.items():
            logging.getLogger(n).handlers[:] = handlers
            logging.getLogger(n).propagate = propagate
    err = capsys.readouterr().err
    assert err == "error: Exception in ASGI application more (CancelledError)\n"
    # With ZEROTRAIL_DEBUG=1 uvicorn's own formatter (and its traceback) is kept.
    assert "OneLineFormatter" not in str(uvicorn_log_config(debug=True))


def test_no_forwarded_header_is_trusted() -> None:
    # uvicorn by default takes X-Forwarded-For and -Proto from loopback clients: a client on the
    # server's machine could then pick its own address past the login rate limit.
    from zerotrail.cli.serve import server_config

    config = server_config(object(), None, access_log=False)
    assert config.proxy_headers is False
    assert config.server_header is False


def _cookie_over(config: Any, peer: str, proto: str) -> list[str]:
    """The session cookie's attributes (lower case) of GET /login through the app as uvicorn
    wraps it, from `peer`, with X-Forwarded-Proto `proto`."""
    import anyio
    import httpx
    from asgi_lifespan import LifespanManager

    async def go() -> list[str]:
        config.load()  # wraps the app in uvicorn's proxy-headers middleware when asked to
        async with LifespanManager(config.loaded_app) as manager:
            transport = httpx.ASGITransport(app=manager.app, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                answer = await c.get("/login", headers={"X-Forwarded-Proto": proto})
        assert answer.status_code == 200
        return [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]

    return anyio.run(go)


@pytest.mark.parametrize(
    ("trusted", "peer", "secure"),
    [
        ((), "127.0.0.1", False),  # the default trusts no one, loopback included
        (("10.0.0.7",), "10.0.0.7", True),  # the named proxy is believed
        (("10.0.0.0/8",), "10.1.2.3", True),  # a network covers its addresses
        (("10.0.0.7",), "10.0.0.8", False),  # any other peer is not
    ],
)
def test_forwarded_proto_is_taken_from_trusted_proxies_only(
    served: Served, tmp_path: Path, trusted: tuple[str, ...], peer: str, secure: bool
) -> None:
    from zerotrail.cli.serve import server_config
    from zerotrail.server.app import create_app

    web = create_app(str(served.copy(tmp_path)))
    config = server_config(web, None, access_log=False, proxies=trusted)
    parts = _cookie_over(config, peer, "https")
    assert ("secure" in parts) is secure


def test_trust_proxy_takes_addresses_and_networks_only(tmp_path: Path) -> None:
    from zerotrail.cli.serve import trusted_proxies

    assert trusted_proxies(None) == ()
    assert trusted_proxies(" 127.0.0.1, ::1,10.0.0.0/8") == ("127.0.0.1", "::1", "10.0.0.0/8")
    for bad in ("*", "proxy.local", "10.0.0.1/8", ""):
        r = zerotrail("serve", "--db", tmp_path / "w.duckdb", "--trust-proxy", bad)
        assert r.code == 1
        assert r.stderr.startswith(f"error: --trust-proxy {bad!r}: not an IP address or network")
        assert r.stderr.count("\n") == 1


def test_a_log_key_or_reports_folder_that_cannot_serve_is_one_line(
    served: Served, tmp_path: Path
) -> None:
    db = served.copy(tmp_path)
    r = zerotrail("serve", "--db", db, "--log-key", tmp_path / "none.key")
    assert (r.code, r.stderr) == (1, f"error: --log-key {tmp_path / 'none.key'}: no such file\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    r = zerotrail("serve", "--db", db, "--reports", a_file)
    assert (r.code, r.stderr) == (1, f"error: --reports {a_file}: not a folder\n")


def test_the_reports_folder_and_log_key_options_win_over_the_environment(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zerotrail.server.app import create_app
    from zerotrail.server.report_folder import REPORTS_ENV, folder_of

    key = tmp_path / "log.key"
    key.write_text(served.log_key, encoding="utf-8")
    monkeypatch.setenv(REPORTS_ENV, str(tmp_path / "from-env"))
    db = served.copy(tmp_path)
    access = create_app(str(db), reports=tmp_path / "kept", log_key=key).state.workspace
    assert (folder_of(access), access.log_key) == (tmp_path / "kept", key)
    # Without the option the environment's folder is used, then the default beside the file.
    assert folder_of(create_app(str(db)).state.workspace) == tmp_path / "from-env"
    monkeypatch.delenv(REPORTS_ENV)
    assert folder_of(create_app(str(db)).state.workspace) == db.with_name(db.name + ".reports")
