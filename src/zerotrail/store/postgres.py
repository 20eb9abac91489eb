"""A PostgreSQL connection that speaks the workspace's SQL: one translation point for the dialect.

Where it sits: the bottom of `store/`, beside store/database.py. The store modules write their
SQL once, in DuckDB's dialect (the default engine), with `?` or `$name` parameters; on a
PostgreSQL workspace this connection turns each statement into PostgreSQL's dialect through
sqlglot (once per statement text, cached), binds the same parameters, and gives results the
same shape (rows, `description`, `to_arrow_table()`). What sqlglot cannot know is fixed here,
in one place:

- `CREATE OR REPLACE TABLE` / `TEMP TABLE` (PostgreSQL has none): drop, then create.
- `sha256(text)` (PostgreSQL hashes bytes): the text's UTF-8 bytes, hex-encoded as DuckDB does.
- `register(name, arrow_table)`, DuckDB's zero-copy view of an Arrow table: a temporary table
  filled by COPY, dropped again by `unregister`.

Statements that are already PostgreSQL (the engine compiles its plan for this dialect) go
through `execute_native`. Values are always bound, never written into the text.

Concurrency (docs/engines.md): every write transaction first takes one transaction-scoped
advisory lock, so writers run one at a time (a second waits; its reads then see the first's
commit), and the ledger's single sequence of leaf indices can never fork.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

# The advisory lock every writer holds for its transaction (an arbitrary constant: "zt" + 1).
WRITE_LOCK = 0x7A7401
_PARAM = "ZTPARAM__"
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE
_GROWN_ROWS = 1000
_INSERTED = re.compile(r"INSERT INTO ([A-Za-z_][A-Za-z0-9_]*) ")
_NAMED = re.compile(r"ZTNAMED__([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, ...]:
    """DuckDB-dialect `sql` as one or more PostgreSQL statements with psycopg placeholders.

    Positional parameters become `%s` and `$name` ones `%(name)s`; every literal `%` is
    doubled, so psycopg takes only the placeholders as placeholders.
    """
    import logging

    import sqlglot
    from sqlglot import exp

    # sqlglot warns that PostgreSQL has no IGNORE NULLS, which it drops from any_value:
    # PostgreSQL's any_value skips NULLs anyway, so the warning is noise for users.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    out: list[str] = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue

        def fix(node: exp.Expression) -> Any:
            if isinstance(node, exp.Is) and isinstance(node.this, exp.Placeholder):
                # `? IS NULL`: PostgreSQL needs a type even for a NULL it only tests.
                node.set("this", exp.cast(node.this.copy(), "text"))
                return node
            if isinstance(node, exp.Placeholder):
                name = node.name
                return exp.var(f"ZTNAMED__{name}" if name and name != "?" else _PARAM)
            if isinstance(node, exp.Parameter):
                return exp.var(f"ZTNAMED__{node.name}")
            if isinstance(node, exp.SHA2) or (
                isinstance(node, exp.Anonymous) and node.name.lower() == "sha256"
            ):
                arg = node.this if isinstance(node, exp.SHA2) else node.expressions[0]
                return exp.func(
                    "encode",
                    exp.func("sha256", exp.func("convert_to", arg, exp.Literal.string("UTF8"))),
                    exp.Literal.string("hex"),
                )
            if isinstance(node, exp.Split):
                return exp.func("string_to_array", node.this, node.expression)
            if isinstance(node, exp.ArgMin | exp.ArgMax):
                # arg_min(a, b): the a of the least b, rows without a b left out.
                order = exp.Ordered(this=node.expression.copy(), desc=isinstance(node, exp.ArgMax))
                agg = exp.ArrayAgg(this=exp.Order(this=node.this.copy(), expressions=[order]))
                where = exp.Where(
                    this=exp.Not(this=exp.Is(this=node.expression.copy(), expression=exp.Null()))
                )
                return exp.Bracket(
                    this=exp.Paren(this=exp.Filter(this=agg, expression=where)),
                    expressions=[exp.Literal.number(1)],
                    offset=1,
                )
            if isinstance(node, exp.Select) and _groups_all(node):
                # GROUP BY ALL: every projection that is not an aggregate, by position.
                keys = [
                    exp.Literal.number(i + 1)
                    for i, p in enumerate(node.expressions)
                    if not any(
                        isinstance(a, exp.AggFunc) and not isinstance(a.parent, exp.Window)
                        for a in p.find_all(exp.AggFunc)
                    )
                ]
                node.set("group", exp.Group(expressions=keys) if keys else None)
            return node

        tree = tree.transform(fix)
        if isinstance(tree, exp.Create) and tree.args.get("replace") and tree.kind == "TABLE":
            tree.set("replace", False)
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            drop = exp.Drop(tables=[target.copy()], kind="TABLE", exists=True)
            out.append(drop.sql(dialect="postgres"))
        if isinstance(tree, exp.Create) and tree.args.get("replace") and tree.kind == "VIEW":
            # A replaced view may change its columns, which PostgreSQL refuses: drop it first.
            tree.set("replace", False)
            drop = exp.Drop(tables=[tree.this.copy()], kind="VIEW", exists=True)
            out.append(drop.sql(dialect="postgres"))
        out.append(tree.sql(dialect="postgres"))
        if isinstance(tree, exp.Create) and tree.kind == "TABLE" and tree.expression is not None:
            # PostgreSQL never gathers statistics on a temporary table by itself: without them
            # it plans joins on one as if it held one row (a minute instead of a second).
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            out.append(f"ANALYZE {target.sql(dialect='postgres')}")
    return tuple(_placeholders(s) for s in out)


def _groups_all(node: Any) -> bool:
    group = node.args.get("group")
    return bool(group is not None and group.args.get("all"))


def _placeholders(text: str) -> str:
    text = text.replace("%", "%%").replace(_PARAM, "%s")
    return _NAMED.sub(lambda m: f"%({m.group(1)})s", text)


def _arrow_pg_type(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "TEXT"
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return "BIGINT"
    if pa.types.is_integer(t):
        return "INTEGER"
    if pa.types.is_floating(t):
        return "DOUBLE PRECISION"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "BYTEA"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_decimal(t):
        return "NUMERIC"
    if pa.types.is_null(t):
        return "TEXT"
    raise TypeError(f"no PostgreSQL type for Arrow {t}")


def _quote(name: str) -> str:
    from zerotrail.store.sql import quote_ident

    return quote_ident(name)


class Result:
    """A finished statement's rows, shaped like a DuckDB result."""

    def __init__(self, rows: list[tuple[Any, ...]], description: Any) -> None:
        self._rows = rows
        self.description = description

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def to_arrow_table(self) -> Any:
        import pyarrow as pa

        names = [d[0] for d in self.description or ()]
        columns = list(zip(*self._rows, strict=True)) if self._rows else [()] * len(names)
        arrays = [
            pa.array([bytes(v) if isinstance(v, memoryview) else v for v in c]) for c in columns
        ]
        return pa.table(arrays, names=names)


class PostgresConnection:
    """A psycopg connection with the DuckDB connection's surface the store uses."""

    def __init__(self, con: Any, *, read_only: bool = False) -> None:
        self.raw = con
        self.read_only = read_only
        self._lock = threading.Lock()
        # Stored tables that took many rows in the open transaction: analyzed before it
        # commits, so the next statement on them is planned for their new size (autovacuum
        # gets to them only later, and a calculation right after an import reads them at once).
        self._grown: set[str] = set()

    def close(self) -> None:
        if self.read_only and self.raw.info.transaction_status != _IDLE:
            self.raw.execute("ROLLBACK")
        self.raw.close()

    def _run(self, statements: Sequence[str], params: Any) -> Result:
        with self._lock, self.raw.cursor() as cur:
            # The parameters belong to the statement translated from the caller's (the one
            # before an added ANALYZE, after an added DROP).
            main = len(statements) - 1
            if main and statements[main].startswith("ANALYZE "):
                main -= 1
            rows: list[Any] = []
            description = None
            for i, stmt in enumerate(statements):
                cur.execute(stmt, params if i == main and params is not None else None)
                if cur.rowcount >= _GROWN_ROWS and (grown := _INSERTED.match(stmt)):
                    self._grown.add(grown.group(1))
                if i == main and cur.description is not None:
                    rows, description = cur.fetchall(), cur.description
            return Result([tuple(r) for r in rows], description)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Result:
        head = sql.lstrip()[:20].upper()
        if head.startswith(("BEGIN", "START TRANSACTION")):
            return self.begin()
        if self.read_only and head.startswith(("COMMIT", "ROLLBACK")):
            # A reader keeps its one snapshot until it closes.
            return Result([], None)
        if head.startswith("COMMIT"):
            grown, self._grown = sorted(self._grown), set()
            self._run([f"ANALYZE {t}" for t in grown] + ["COMMIT"], None)
            return Result([], None)
        if head.startswith("ROLLBACK"):
            self._grown.clear()
        return self._run(translate(sql), _params(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Result:
        *before, last = translate(sql)
        self._run(before, None) if before else None
        with self._lock, self.raw.cursor() as cur:
            cur.executemany(last, [_params(r) for r in rows])
        return Result([], None)

    def sql(self, sql: str, params: Mapping[str, Any] | None = None) -> Result:
        return self.execute(sql, params)

    def execute_native(self, sql: str, params: Sequence[Any] | None = None) -> Result:
        """Run PostgreSQL text as it is (the engine's plan, compiled for this dialect)."""
        text = sql if params is None else sql.replace("%", "%%").replace("?", "%s")
        return self._run((text,), _params(params))

    def begin(self) -> Result:
        if self.read_only:
            # Not READ ONLY: PostgreSQL would then refuse the temporary tables and views that
            # reads use. A reader's transaction is never committed (`close` rolls it back), so
            # nothing it does outlives it.
            if self.raw.info.transaction_status != _IDLE:
                return Result([], None)
            return self._run(("BEGIN ISOLATION LEVEL REPEATABLE READ",), None)
        self._run(("BEGIN",), None)
        return self._run((f"SELECT pg_advisory_xact_lock({WRITE_LOCK})",), None)

    def register(self, name: str, table: Any) -> None:
        cols = [(f.name, _arrow_pg_type(f.type)) for f in table.schema]
        spec = ", ".join(f"{_quote(n)} {t}" for n, t in cols)
        names = ", ".join(_quote(n) for n, _ in cols)
        with self._lock, self.raw.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {_quote(name)}")
            cur.execute(f"CREATE TEMP TABLE {_quote(name)} ({spec})")
            with cur.copy(f"COPY {_quote(name)} ({names}) FROM STDIN") as copy:
                for batch in table.to_batches(max_chunksize=65536):
                    for row in _rows(batch):
                        copy.write_row(row)
            # No statistics on a temporary table otherwise (see store/session_tables.py).
            cur.execute(f"ANALYZE {_quote(name)}")

    def unregister(self, name: str) -> None:
        with self._lock, self.raw.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {_quote(name)}")


def _rows(batch: Any) -> Iterable[tuple[Any, ...]]:
    columns = [c.to_pylist() for c in batch.columns]
    return zip(*columns, strict=True)


def _params(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


def _value(v: Any) -> Any:
    # DuckDB binds a Python list as a LIST; psycopg as an array, the same once cast.
    if isinstance(v, tuple):
        return list(v)
    return v


def connect(url: str, *, read_only: bool = False) -> PostgresConnection:
    """Connect to the PostgreSQL database at `url`; connection problems are raised as they come
    (the caller words them)."""
    import psycopg
    from psycopg.types.string import StrDumper

    con = psycopg.connect(url, autocommit=True, connect_timeout=10)
    # Text parameters as `text` (psycopg's default is "unknown"), so a bound list of strings is
    # a text[] that `unnest(?)` can take, as DuckDB's LIST is.
    con.adapters.register_dumper(str, StrDumper)
    con.execute("SET TIME ZONE 'UTC'")
    # A writer waits for another at most this long before giving up with a clear error.
    con.execute("SET lock_timeout = '120s'")
    # The results view joins a year's records with their run's signatures on eleven keys:
    # with PostgreSQL's default 4MB per sort that join spills to disk at 10^5 records.
    con.execute("SET work_mem = '64MB'")
    return PostgresConnection(con, read_only=read_only)
