"""What every test shares: hermetic settings for parallel runs, and workspaces built once.

`make test` runs the suite on two pytest-xdist workers (`--dist loadfile`, see the Makefile);
each worker is its own process, so whatever lives here exists once per worker. Nothing here may
name a path, port or environment variable that two workers could share: workspaces live in
pytest's per-worker temporary folders, the Hypothesis example database in a temporary folder of
the process, and the ZEROTRAIL_* variables of the calling shell are cleared for every test.

Creating a workspace and loading the shipped factors costs about a second, calculating a year
about as much again; copying a closed workspace file costs milliseconds. So a workspace that
many tests start from is built once per worker (`workspace_template`) and each test opens its
own copy (`open_copy`): a test still changes only its copy.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

if TYPE_CHECKING:
    from zerotrail.engine.spark_session import SparkEngine
    from zerotrail.store.workspace import Workspace

# What a template adds after the shipped factors: fill(workspace, folder for its input files).
Fill = Callable[["Workspace", Path], object]
Templates = Callable[..., Path]

_HYPOTHESIS_DIRS: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis keeps its example database and caches in ./.hypothesis by default: one folder
    # in the checkout that both workers would write. A folder of this process's own instead
    # (tests that pin settings(database=None) are unaffected). Set here, before any test module
    # is imported, because a @settings decorator copies the defaults when its module is imported.
    # No timing checks either: two workers share two cores with whatever else runs, so a
    # generation or an example that takes longer says nothing about the code under test (the
    # number of examples, which is what the tests assert over, stays the default).
    folder = Path(tempfile.mkdtemp(prefix="zerotrail-hypothesis-"))
    _HYPOTHESIS_DIRS.append(folder)
    set_hypothesis_home_dir(folder)
    settings.register_profile(
        "zerotrail-tests",
        database=DirectoryBasedExampleDatabase(folder / "examples"),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("zerotrail-tests")


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist's own loadfile
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` with every Spark test on one worker and the slowest files first
    (tests/scheduling.py); any other --dist as xdist does it."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import SparkTogether

    return SparkTogether(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _HYPOTHESIS_DIRS:
        shutil.rmtree(_HYPOTHESIS_DIRS.pop(), ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_workspace_from_the_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A ZEROTRAIL_DB (or memory limit, or debug switch) exported in the developer's shell must
    not point a test at a real workspace or change what it prints; and a PostgreSQL
    workspace's ledger state (kept in the user's state folder) goes to the test's own."""
    for name in ("ZEROTRAIL_DB", "ZEROTRAIL_MEMORY_LIMIT", "ZEROTRAIL_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests import postgres

    postgres.drop_databases()
    postgres.stop_server()


def open_copy(template: Path, folder: Path, name: str = "w.duckdb") -> Workspace:
    """An open workspace on a fresh copy, folder/name, of the closed workspace file `template`."""
    # Imported here so that this file, loaded before every test, does not import zerotrail: a
    # module another change has broken then fails only the tests that use it.
    from zerotrail.store.workspace import open_workspace

    target = folder / name
    shutil.copyfile(template, target)
    return open_workspace(str(target))


@pytest.fixture(scope="session")
def workspace_template(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """`workspace_template(fill=None)`: a closed workspace file with the shipped factors and what
    `fill(ws, folder)` adds, built on the first call for that `fill` in this worker.

    `fill` must depend on nothing but its arguments (a module-level function), since every test
    that names it gets a copy of the one result.
    """
    from zerotrail.pipeline.calculation import load_shipped_factors
    from zerotrail.store.workspace import open_workspace

    built: dict[Fill | None, Path] = {}

    def template(fill: Fill | None = None) -> Path:
        if fill not in built:
            name = "shipped" if fill is None else f"{fill.__module__}.{fill.__qualname__}"
            folder = tmp_path_factory.mktemp(name.replace(".", "-"))
            path = folder / "template.duckdb"
            if fill is not None:
                # Every template starts from a copy of the shipped-factor one: loading and
                # committing the library's 28,766 factor rows costs about 2 s a workspace.
                shutil.copyfile(template(None), path)
            ws = open_workspace(str(path), create=fill is None)
            try:
                if fill is None:
                    load_shipped_factors(ws)
                else:
                    fill(ws, folder)
            finally:
                ws.close()
            built[fill] = path
        return built[fill]

    return template


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkEngine]:
    """The one Spark engine of this test process (Spark allows one session per process; its
    JVM takes some 20 s to start). The optimising JIT, not the quick one: the tests read few
    records, but the engine suite runs some fifty calculations in it (tests/engines), whose
    queries the optimised code runs faster (measured: its Spark tests 10.5 min against 12.4
    min with the quick JIT, the two run side by side on the shared 2-core machine)."""
    from zerotrail.engine.spark_session import SparkEngine, SparkSettings

    settings = SparkSettings(
        scratch=tmp_path_factory.mktemp("spark"),
        quick_jit=False,
        # The suite runs the same plan's queries again and again (some hundred calculations),
        # each of which Spark compiles to Java: a cache that holds them all, not Spark's last
        # 100, compiles each once. Measured: the JVM's CPU time for twenty calculations of
        # tests/engines 120 s -> 96 s, their run 150 s -> 85 s wall.
        conf=(("spark.sql.codegen.cache.maxEntries", "5000"),),
    )
    engine = SparkEngine(settings)
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def postgres_template() -> str:
    """The name of a PostgreSQL database with the shipped factors, built once per worker
    (on the tests' own server, tests/postgres.py): a test clones it with
    `postgres.create_database(template=...)`, as DuckDB tests copy `workspace_template()`."""
    from tests import postgres
    from zerotrail.pipeline.calculation import load_shipped_factors
    from zerotrail.store.workspace import open_workspace

    url = postgres.create_database()
    with open_workspace(url, create=True) as ws:
        load_shipped_factors(ws)
    return postgres.database_name(url)


class PostgresDemo:
    """`zerotrail --db postgresql://... demo --out demo --format json` in a fresh database of
    the tests' server, as its own process: its exit status and output, its files and its
    database. The URL holds a password (PASSWORD; the server trusts its Unix socket, so any is
    accepted), which nothing the demo prints may show."""

    PASSWORD = "s3cret-pw"

    def __init__(self, cwd: Path, url: str, done: subprocess.CompletedProcess[str]) -> None:
        self.cwd = cwd
        self.url = url
        self.out = cwd / "demo"  # the demo's files, key files and report/
        self.returncode, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr

    @property
    def name(self) -> str:
        """The database's name, for `postgres.create_database(template=...)`."""
        from tests import postgres

        return postgres.database_name(self.url)

    @classmethod
    def with_password(cls, url: str) -> str:
        """`url` (a database of the tests' server) with PASSWORD in it."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        user = parts.username or "postgres"
        return urlunsplit(parts._replace(netloc=f"{user}:{cls.PASSWORD}@{host}"))


@pytest.fixture(scope="session")
def postgres_demo(tmp_path_factory: pytest.TempPathFactory) -> PostgresDemo:
    """The demo on PostgreSQL, run once per worker that needs it (about 90 s; each worker has
    its own server, tests/postgres.py, so a run cannot be shared between workers as `demo_job`
    is). One test file reads it (tests/cli/test_postgres_commands.py), so one worker builds it.

    A test reads the database, or clones it to write (`postgres.create_database(template=
    demo.name)`: a file copy, which needs no connection open to the template, so a test must
    close what it opens on it), never writes it.
    """
    from tests import postgres

    url = PostgresDemo.with_password(postgres.create_database())
    cwd = tmp_path_factory.mktemp("postgres-demo")
    # Built before any test's own settings apply: none of the shell's ZEROTRAIL_* variables,
    # and the ledger state (which a PostgreSQL workspace keeps in the user's state folder) in
    # a folder of the run's.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROTRAIL_")}
    env["XDG_STATE_HOME"] = str(cwd / "state")
    command = ["--db", url, "demo", "--out", "demo", "--format", "json"]
    done = subprocess.run(
        [sys.executable, "-m", "zerotrail", *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return PostgresDemo(cwd, url, done)


class DemoJob:
    """`zerotrail demo --out demo` as `make demo` runs it: its own process, from a folder
    with a 200-character path, COLUMNS=40, the workspace named by ZEROTRAIL_DB."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.db = str(cwd / "emmet.duckdb")
        self.out = cwd / "demo"  # the demo's files, key files and report/

    def run(self) -> None:
        from tests.cli.invoke import process

        done = process(
            "demo", "--out", "demo", cwd=self.cwd, env={"COLUMNS": "40", "ZEROTRAIL_DB": self.db}
        )
        (self.cwd / "result.json").write_text(json.dumps(vars(done)))

    def result(self) -> tuple[int, str, str]:
        """(exit status, stdout, stderr) of the demo process."""
        done = json.loads((self.cwd / "result.json").read_text())
        return int(done["returncode"]), str(done["stdout"]), str(done["stderr"])


@pytest.fixture(scope="session")
def demo_job(tmp_path_factory: pytest.TempPathFactory) -> DemoJob:
    """The demo job, run once per test run and shared by the pytest-xdist workers.

    Running the demo costs about 30 s, so the first worker that needs it runs it in the run's
    common temporary folder under a file lock; the others wait for the lock and reuse it. Its
    files and its workspace are shared: a test reads them, or copies them before changing
    anything (the one exception, the demo's own test, audits the workspace, which writes only
    the ledger-state file beside it).
    """
    from tests.cli.paths import long_dir

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is a subfolder of the run's common one.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with open(shared / "demo-job.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        job = DemoJob(long_dir(shared / "demo-job"))
        if not (job.cwd / "result.json").exists():
            job.run()
    return job
