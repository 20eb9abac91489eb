"""A Spark session for the calculation: started, fed and read in one place.

Where it sits: engine, used by the Spark calculation stage (pipeline/spark_calculation.py),
which runs the plan's SQL, compiled from the engine's expressions by Ibis's PySpark compiler
(engine/plan.py), here. Tables come in as Arrow or Parquet and leave as Arrow or Parquet;
nothing here knows the workspace.

Spark 4 runs on Java 17 or newer and is the optional extra `zerotrail[spark]`: both are checked
before a session starts, each absence reported as one line (`SparkUnavailable`). The session
is quiet (log level from `SparkSettings.log_level`, no web UI) and keeps its scratch files
(shuffle blocks, checkpoints, the JVM's temp files) under one folder, removed on close.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerotrail.errors import ZerotrailError

JAVA_MIN = 17
INSTALL_HINT = "pip install 'zerotrail[spark]'"

# The session tables' SQL types (engine/plan.py INPUTS) as Arrow types: a table built from
# Python rows gets exactly the plan's column types, whatever values it holds (or none).
_ARROW_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "float64",
    "BIGINT": "int64",
    "INTEGER": "int32",
    "BOOLEAN": "bool_",
    "DATE": "date32",
}


class SparkUnavailable(ZerotrailError):
    """Spark cannot start here: no PySpark, no Java, or a Java too old for Spark 4."""


@dataclass(frozen=True, slots=True)
class SparkSettings:
    """How to start the session. `master` is Spark's (`local[2]`, `spark://host:7077`);
    `scratch` the folder under which Spark keeps its temporary files (default: a new folder
    in the system's temp folder)."""

    master: str = "local[2]"
    driver_memory: str = "1g"
    log_level: str = "ERROR"
    scratch: Path | None = None
    # The JVM's quick compiler only (C1): a short-lived session (the tests, a small inventory)
    # starts and warms up about twice as fast; a long scan of 10^8 rows wants the optimising
    # one. It applies to the process's JVM, which the first session of a process starts.
    quick_jit: bool = False
    # Spark settings applied after the ones above (and so overriding them): tuning for a
    # particular use, e.g. the tests' many runs over a few records each.
    conf: tuple[tuple[str, str], ...] = ()


_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_major(version_text: str) -> int | None:
    """The major version in `java -version`'s output (`"1.8.0_292"` is 8, `"17.0.15"` 17)."""
    m = _VERSION.search(version_text)
    if m is None:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_java(env: dict[str, str] | None = None) -> str | None:
    """The `java` Spark's launcher would run: `$JAVA_HOME/bin/java` when JAVA_HOME is set
    (even if absent: the launcher does not look further), else `java` on the PATH."""
    env = dict(os.environ) if env is None else env
    home = env.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        return str(java) if java.is_file() else None
    return shutil.which("java", path=env.get("PATH", ""))


def check_java(env: dict[str, str] | None = None) -> None:
    """Refuse, in one line, when no Java 17 or newer is where Spark's launcher looks."""
    env = dict(os.environ) if env is None else env
    home = env.get("JAVA_HOME")
    where = f"JAVA_HOME={home} has no bin/java" if home else "no java on the PATH"
    java = find_java(env)
    if java is None:
        raise SparkUnavailable(
            f"Spark needs Java {JAVA_MIN} or newer; {where}"
            " (install one, e.g. Debian's openjdk-17-jre-headless, and set JAVA_HOME)"
        )
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SparkUnavailable(
            f"Spark needs Java {JAVA_MIN} or newer; {java} does not run ({exc})"
        ) from None
    major = java_major(done.stderr + done.stdout)
    if major is None or major < JAVA_MIN:
        found = "an unknown version" if major is None else f"Java {major}"
        raise SparkUnavailable(
            f"Spark needs Java {JAVA_MIN} or newer; {java} is {found}"
            " (install a newer one and point JAVA_HOME at it)"
        )


def check_pyspark() -> None:
    """Refuse, in one line, when PySpark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkUnavailable(
            f"the Spark engine needs PySpark, which is not installed: {INSTALL_HINT}"
        ) from None


_LOG_CONFIG = """\
rootLogger.level = {level}
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark %p %c{{1}}: %m%n
# The shell's logger (PySpark counts as one) would lower the level to WARN, saying so.
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = {level}
"""


# Characters Spark's file reader (Hadoop's paths) takes as a glob or cannot take in a file name;
# a file named with any of them, or whose name Spark skips as hidden (`_x`, `.x`), is not read
# by name (`reads_by_name`).
_NOT_BY_NAME = re.compile(r"[*?\[\]{}\\:%]")


def reads_by_name(path: str) -> bool:
    """Whether `spark.read.parquet(path)` reads exactly the file `path` (absolute)."""
    name = Path(path).name
    return path.startswith("/") and not _NOT_BY_NAME.search(path) and name[:1] not in "_."


class SparkEngine:
    """A running Spark session; close() stops it and removes its scratch folder.

    Spark allows one session per process: a second SparkEngine while one is open is refused.
    """

    _open = False

    def __init__(self, settings: SparkSettings = SparkSettings()) -> None:
        check_pyspark()
        check_java()
        if SparkEngine._open:
            raise SparkUnavailable("a Spark session is already open in this process")
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession

        base = settings.scratch or Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="zerotrail-spark-", dir=base))
        conf = (
            SparkConf()
            .setMaster(settings.master)
            .setAppName("zerotrail")
            .set("spark.driver.memory", settings.driver_memory)
            .set("spark.ui.enabled", "false")
            .set("spark.ui.showConsoleProgress", "false")
            .set("spark.local.dir", str(self.scratch / "local"))
            .set("spark.sql.warehouse.dir", str(self.scratch / "warehouse"))
            .set("spark.sql.session.timeZone", "UTC")
            .set("spark.sql.execution.arrow.pyspark.enabled", "true")
            # The plan's SQL is written for DuckDB's semantics: a division by zero or an
            # impossible cast gives NULL there, never an error mid-run, so ANSI mode
            # (Spark 4's default, which raises) is off.
            .set("spark.sql.ansi.enabled", "false")
            # Per-signature tables are small: a few shuffle partitions, merged further by
            # adaptive execution, instead of Spark's 200 tasks per shuffle.
            .set("spark.sql.shuffle.partitions", "8")
            .set("spark.sql.adaptive.enabled", "true")
        )
        for key, value in settings.conf:
            conf.set(key, value)
        # PySpark logs every failed query's JVM stack trace through these Python loggers; the
        # failure itself reaches the caller as the exception.
        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            logging.getLogger(name).disabled = True
        try:
            gateway = _gateway(conf, settings, base)
            context = SparkContext(conf=conf, gateway=gateway)
        except Exception as exc:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise SparkUnavailable(
                f"Spark did not start ({settings.master}): {_first(exc)}{_jvm_said()}"
            ) from None
        context.setLogLevel(settings.log_level.upper())
        context.setCheckpointDir(str(self.scratch / "checkpoints"))
        self.session: Any = SparkSession(context)
        SparkEngine._open = True

    # --- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        if SparkEngine._open:
            self.session.stop()
            SparkEngine._open = False
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- tables in ---------------------------------------------------------------------------
    def register_arrow(self, name: str, table: Any) -> None:
        """The Arrow `table` as the temporary view `name` (shipped to the executors)."""
        with _transfer():
            self.session.createDataFrame(table).createOrReplaceTempView(name)

    def register_rows(
        self, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
    ) -> None:
        """`rows` as the temporary view `name` with `columns` (name, SQL type of the plan)."""
        import pyarrow as pa

        schema = pa.schema([(c, getattr(pa, _ARROW_TYPES[t])()) for c, t in columns])
        data = {c: [row[i] for row in rows] for i, (c, _) in enumerate(columns)}
        self.register_arrow(name, pa.table(data, schema=schema))

    def register_parquet(self, name: str, paths: Sequence[str]) -> list[tuple[str, str]]:
        """The Parquet files or folders `paths` as the temporary view `name`, read in place;
        returns its columns as (name, Spark type), nothing read but the footers."""
        frame = self.session.read.parquet(*paths)
        frame.createOrReplaceTempView(name)
        return _columns(frame)

    def register_renamed(
        self,
        name: str,
        paths: Sequence[str],
        columns: Sequence[str],
        row_index: str | None = None,
    ) -> list[tuple[str, str]] | None:
        """As `register_parquet`, the files' columns renamed by position to `columns`, and with
        `row_index` a last column of that name: the row's position in its file (from 0, as
        DuckDB's `file_row_number`). None, and no view, when the files hold another number of
        columns."""
        frame = self.session.read.parquet(*paths)
        if len(columns) != len(frame.columns):
            return None
        if row_index is not None:
            frame = frame.select("*", "_metadata.row_index").toDF(*columns, row_index)
        else:
            frame = frame.toDF(*columns)
        frame.createOrReplaceTempView(name)
        return _columns(frame)

    def register_sql(self, name: str, sql: str) -> None:
        """`sql` as the temporary view `name`, computed wherever it is read (not here)."""
        self.session.sql(sql).createOrReplaceTempView(name)

    def input_files(self, name: str) -> int:
        """How many files the temporary view `name` reads."""
        return len(self.session.table(name).inputFiles())

    # --- running the plan ------------------------------------------------------------------------
    def materialise(self, name: str, sql: str) -> None:
        """Compute `sql` once and keep its rows as the temporary view `name`, for the steps
        that follow to read.

        A plan's steps are per-signature tables, small by design: their rows are brought to
        this process and handed back as a local table. Measured on the demo (2 cores), that
        is three times faster than a checkpoint or a cache: each step's query plan then
        starts from known, small rows, which Spark broadcasts to the joins that read them.
        For the same reason they run interpreted: generating and compiling Java for each
        step's large query costs more than running it on a few thousand rows (measured:
        a third of the steps' time).
        """
        conf = self.session.conf
        conf.set("spark.sql.codegen.wholeStage", "false")
        try:
            with _transfer():
                rows = self.session.sql(sql).toArrow()
                self.session.createDataFrame(rows).createOrReplaceTempView(name)
        finally:
            conf.set("spark.sql.codegen.wholeStage", "true")

    def table_arrow(self, name: str) -> Any:
        """The rows of the temporary view `name` as an Arrow table (small results)."""
        with _transfer():
            return self.session.table(name).toArrow()

    def to_arrow(self, sql: str) -> Any:
        """The rows of `sql` as an Arrow table (collected to this process: small results)."""
        with _transfer():
            return self.session.sql(sql).toArrow()

    def write_parquet(self, sql: str, folder: Path) -> None:
        """The rows of `sql` written as a Parquet dataset in `folder` (which must not exist)."""
        self.session.sql(sql).write.parquet(str(folder), mode="errorifexists")

    def sums_by(self, folder: Path, key: str, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """(key, sum of each of `columns`) per value of `key` over the Parquet in `folder`."""
        from pyspark.sql import functions as F

        frame = self.session.read.parquet(str(folder))
        with _transfer():
            rows = frame.groupBy(key).agg(*[F.sum(c) for c in columns]).collect()
        return [tuple(r) for r in rows]


# The JVM outlives a session (PySpark keeps one gateway per process): its log configuration,
# temp files and output live in one folder per process, removed when the process ends.
_JVM_FOLDER: list[Path] = []


def _gateway(conf: Any, settings: SparkSettings, base: Path) -> Any:
    """This process's JVM gateway, launched on first use with its output in a log file (the
    JVM's warnings and Spark's log lines would otherwise go to the user's terminal)."""
    from pyspark import SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None:
        return SparkContext._gateway
    folder = Path(tempfile.mkdtemp(prefix="zerotrail-jvm-", dir=base))
    atexit.register(shutil.rmtree, folder, True)
    _JVM_FOLDER[:] = [folder]
    config = folder / "log4j2.properties"
    config.write_text(_LOG_CONFIG.format(level=settings.log_level.lower()))
    options = f"-Dlog4j2.configurationFile=file:{config} -Djava.io.tmpdir={folder}"
    if settings.quick_jit:
        options += " -XX:TieredStopAtLevel=1"
    conf.set("spark.driver.extraJavaOptions", options)
    with (folder / "jvm.log").open("ab") as log:
        return launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})  # type: ignore[no-untyped-call]


def _jvm_said() -> str:
    """The JVM log's last line, to explain a failed start (empty when there is none)."""
    if not _JVM_FOLDER:
        return ""
    try:
        lines = (_JVM_FOLDER[0] / "jvm.log").read_text(errors="replace").splitlines()
    except OSError:
        return ""
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return f" (the JVM said: {last})" if last else ""


@contextmanager
def _transfer() -> Iterator[None]:
    """Around a transfer of rows between this process and the JVM: PySpark leaves the local
    socket it moves them through to the garbage collector, which warns of it (ResourceWarning)
    wherever it happens to run. Collected here, the socket is closed quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield
        finally:
            gc.collect()


def _columns(frame: Any) -> list[tuple[str, str]]:
    return [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
