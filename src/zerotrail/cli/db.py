"""`zerotrail db start|status|stop --dir DIR`: a local PostgreSQL server for a small team.

Thin: parses the arguments, calls the database-server stage (`pipeline/database_server.py`) and
prints one line. `status` exits 3 when the server is not running (as `pg_ctl status` and LSB
init scripts do), so a script can test it without reading the line.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from zerotrail.cli import common

app = typer.Typer(
    help="A local PostgreSQL server for a small team, in one folder (docs/engines.md).",
    no_args_is_help=True,
)

NOT_RUNNING = 3

Folder = Annotated[
    Path,
    typer.Option(
        "--dir",
        help="Folder of the server: an existing empty folder on first start, then the same one.",
    ),
]


@app.command()
def start(
    folder: Folder,
    port: Annotated[
        int | None,
        typer.Option(
            help="Also listen on localhost at this TCP port (password required); default: the"
            " Unix socket only."
        ),
    ] = None,
) -> None:
    """Start the server (initialising the folder on first use); it keeps running."""
    from zerotrail.pipeline.database_server import start_server

    s = start_server(folder, port)
    if s.tcp_url is not None:
        # "only" while the listen address is db start's own; an administrator may widen it.
        only = " only" if (s.tcp_address or "").startswith("localhost:") else ""
        common.say(
            f"database server running in {s.folder} (pid {s.pid}), listening on {s.tcp_address}"
            f"{only}: use --db {shlex.quote(s.tcp_url)} (the password is also in"
            f" {s.password_file}, mode 0600)",
            soft_wrap=True,
        )
    else:
        common.say(
            f"database server running in {s.folder} (pid {s.pid}), Unix socket only (this"
            f" machine, this system user): use --db {shlex.quote(s.socket_url or '')}",
            soft_wrap=True,
        )


@app.command()
def status(folder: Folder) -> None:
    """Say whether the server runs, and its URL; exit 3 when it does not run."""
    from zerotrail.pipeline.database_server import server_status

    s = server_status(folder)
    if not s.running:
        common.say(
            f"not running: the database server in {s.folder} is stopped (`zerotrail db start"
            f" --dir {shlex.quote(str(s.folder))}` starts it)"
        )
        raise typer.Exit(NOT_RUNNING)
    where = f"running in {s.folder} (pid {s.pid})"
    socket = f"--db {shlex.quote(s.socket_url or '')}"
    masked = s.masked_tcp_url()
    if masked is None:
        common.say(f"{where}, Unix socket only: {socket}", soft_wrap=True)
    else:
        common.say(
            f"{where}, listening on {s.tcp_address}: --db {shlex.quote(masked)} with the password"
            f" in {s.password_file}; on this machine also {socket}",
            soft_wrap=True,
        )


@app.command()
def stop(folder: Folder) -> None:
    """Stop the server cleanly: open transactions are rolled back, clients disconnected."""
    from zerotrail.pipeline.database_server import stop_server

    s = stop_server(folder)
    common.say(f"database server in {s.folder} stopped")
