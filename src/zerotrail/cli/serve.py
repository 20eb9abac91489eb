"""`zerotrail serve`: the team server (REST API) on uvicorn, in the foreground.

The workspace is checked and the socket bound before uvicorn starts, so a workspace that cannot
be opened, a port in use or a certificate that does not load is one line and exit 1, like any
other refusal. Once uvicorn serves on the socket, one line says where; uvicorn's own start-up
lines are not printed. SIGTERM or Ctrl-C stops it: requests under way finish, nothing stays
open, and the command exits 0.
"""

from __future__ import annotations

import copy
import gc
import ipaddress
import logging
import os
import signal
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from zerotrail.cli import common
from zerotrail.errors import ZerotrailError


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        db: Annotated[
            str | None,
            typer.Option(
                "--db",
                help="The workspace to serve (a DuckDB file or a postgresql:// URL); default the"
                " one given before the command, else $ZEROTRAIL_DB, else ./zerotrail.duckdb.",
            ),
        ] = None,
        host: Annotated[
            str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")
        ] = "127.0.0.1",
        port: Annotated[
            int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")
        ] = 8000,
        tls_cert: Annotated[
            Path | None, typer.Option(help="TLS certificate chain (PEM): serve HTTPS.")
        ] = None,
        tls_key: Annotated[
            Path | None, typer.Option(help="The private key of --tls-cert (PEM).")
        ] = None,
        access_log: Annotated[
            bool,
            typer.Option(
                "--access-log",
                help="Log each request on stdout (client, method, path, query, status).",
            ),
        ] = False,
        trust_proxy: Annotated[
            str | None,
            typer.Option(
                "--trust-proxy",
                metavar="ADDR[,ADDR...]",
                help="Take X-Forwarded-For and X-Forwarded-Proto from these peers only (IP"
                " addresses or networks such as 10.0.0.0/8): the TLS-ending reverse proxy in front"
                " of the server. Default: from no one.",
            ),
        ] = None,
        reports: Annotated[
            Path | None,
            typer.Option(
                "--reports",
                envvar="ZEROTRAIL_REPORTS",
                help="Folder to keep the reports published through the server in (one"
                " subfolder per year). Default: <workspace file>.reports beside a DuckDB file;"
                " none for PostgreSQL.",
            ),
        ] = None,
        log_key: Annotated[
            Path | None,
            typer.Option(
                "--log-key",
                envvar="ZEROTRAIL_LOG_KEY",
                help="The log signer key file (as `zerotrail report --key`): the server signs"
                " the checkpoint of each report it publishes. Without it, it publishes none.",
            ),
        ] = None,
    ) -> None:
        """Serve the REST API and the web app over the workspace until stopped (SIGTERM or
        Ctrl-C)."""
        tls = _tls(tls_cert, tls_key)
        proxies = trusted_proxies(trust_proxy)
        # Imported here: the server loads FastAPI, which no other command needs.
        from zerotrail.server.app import create_app

        web = create_app(
            db if db is not None else common.STATE.db, reports=reports, log_key=log_key
        )
        sock = bind_socket(host, port)
        try:
            bound = sock.getsockname()[1]
            scheme = "https" if tls else "http"
            shown = web.state.workspace.shown
            run_server(
                web,
                sock,
                tls,
                access_log,
                lambda: common.say(
                    f"listening on {scheme}://{host_text(host)}:{bound} (workspace {shown})"
                ),
                proxies,
            )
        finally:
            sock.close()


def _tls(cert: Path | None, key: Path | None) -> tuple[str, str] | None:
    """The certificate and key files, checked by loading them; None for plain HTTP."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, missing = ("--tls-cert", "--tls-key") if key is None else ("--tls-key", "--tls-cert")
        raise ZerotrailError(f"{given} needs {missing} too (HTTPS takes both)")
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            raise ZerotrailError(f"{option} {path}: no such file")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
        raise ZerotrailError(
            f"--tls-cert {cert} / --tls-key {key}: cannot load them as a PEM certificate and its"
            f" private key ({common.one_line(str(reason))})"
        ) from None
    return str(cert), str(key)


def trusted_proxies(text: str | None) -> tuple[str, ...]:
    """The peers `--trust-proxy` names, each an IP address or network (checked here, so a typo
    is one line rather than a proxy silently not trusted); () for none."""
    if text is None:
        return ()
    found = []
    for part in text.split(","):
        item = part.strip()
        try:
            # A network (10.0.0.0/8) or one address; host bits set (10.0.0.1/8) are refused.
            found.append(
                str(ipaddress.ip_network(item)) if "/" in item else str(ipaddress.ip_address(item))
            )
        except ValueError:
            # "*" (every peer) included: any client could then pick its own address and scheme.
            raise ZerotrailError(
                f"--trust-proxy {common.one_line(item)!r}: not an IP address or network"
                " (expected e.g. 127.0.0.1, ::1 or 10.0.0.0/8, separated by commas)"
            ) from None
    return tuple(found)


def bind_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (uvicorn listens on it), or one line saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ZerotrailError(f"--host {host}: not an address here ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn's own binding: a restart may reuse the port while old connections linger.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ZerotrailError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def host_text(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class OneLineFormatter(logging.Formatter):
    """uvicorn's own error lines, one line each: the message, and an exception named by its
    type only (its text or traceback could hold anything, and would break the one-line rule).
    At shutdown uvicorn cancels requests still under way after its grace period and logs each
    with a traceback (bench/server.py found hundreds); this keeps them to a line each."""

    def format(self, record: logging.LogRecord) -> str:
        text = common.one_line(record.getMessage())
        if record.exc_info and record.exc_info[0] is not None:
            text += f" ({record.exc_info[0].__name__})"
        return f"error: {text}"


def uvicorn_log_config(debug: bool) -> dict[str, Any]:
    """uvicorn's logging set-up, with its error lines through OneLineFormatter unless
    ZEROTRAIL_DEBUG=1 asks for tracebacks."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    if not debug:
        config["formatters"]["default"] = {"()": f"{__name__}.OneLineFormatter"}
    return config


def server_config(
    web: Any, tls: tuple[str, str] | None, access_log: bool, proxies: tuple[str, ...] = ()
) -> Any:
    """uvicorn's configuration for `web` (a uvicorn.Config); `proxies`: the peers whose
    X-Forwarded-For and X-Forwarded-Proto are taken (none by default)."""
    import uvicorn

    return uvicorn.Config(
        web,
        lifespan="on",
        log_level=logging.WARNING,  # errors only: not uvicorn's start-up and shutdown lines
        log_config=uvicorn_log_config(os.environ.get("ZEROTRAIL_DEBUG") == "1"),
        access_log=access_log,
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
        server_header=False,
        # X-Forwarded-For and -Proto are taken only from the peers `--trust-proxy` names (by
        # default no one, loopback included): any other client could pick its own address past
        # the login rate limit, or claim HTTPS. uvicorn's own default trusts 127.0.0.1.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=list(proxies) if proxies else None,
        timeout_graceful_shutdown=30,
    )


def run_server(
    web: Any,
    sock: socket.socket,
    tls: tuple[str, str] | None,
    access_log: bool,
    started: Callable[[], None],
    proxies: tuple[str, ...] = (),
) -> None:
    import uvicorn

    # The server's own error lines (errors.py: an exception's type, never its text) on stderr.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("error: %(message)s"))
    server_log = logging.getLogger("zerotrail.server")
    server_log.addHandler(handler)
    server_log.propagate = False
    # The multipart parser logs a warning for each malformed upload it refuses (quoting bytes
    # the client sent); the route answers that request itself (400 with one line), so those
    # lines are noise at best: kept off stderr, as every other library's warnings are.
    logging.getLogger("python_multipart").addHandler(logging.NullHandler())
    logging.getLogger("python_multipart").propagate = False

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:  # bound and serving: only now is the line true
                started()

        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn's own version raises the signal again once it has shut down, which would
            # end the process by SIGTERM (or KeyboardInterrupt): stopping is the normal end.
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = server_config(web, tls, access_log, proxies)
    if access_log:
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    # What is loaded by now (the modules, the app) lives as long as the process: out of the
    # collector's sight, a full collection walks only what requests made, which under load
    # takes well under a millisecond instead of 50-200 ms with every request waiting on it.
    gc.freeze()
    Server(config).run(sockets=[sock])
