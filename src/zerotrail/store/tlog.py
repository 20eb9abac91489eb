"""The Merkle log kept in the workspace: leaves, stored node hashes, appends and proofs.

Where it sits: the store side of the ledger. `zerotrail.ledger` holds the pure hashing and proof
logic; this module persists what it produces, inside the caller's transaction, so a record and
its leaf land together or not at all. Node hashes are stored for levels >= 8 only (subtrees of
256+ leaves); lower nodes are recomputed from at most 128 stored leaf hashes, so any proof costs
O(log n) small reads and the node table stays about 1% of the leaf count.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from zerotrail.errors import VerificationError
from zerotrail.ledger.canonical import SALT_BYTES, commitments, leaf_sql, new_salts
from zerotrail.ledger.merkle import (
    EMPTY_ROOT,
    append_leaves,
    combine,
    inclusion_proof,
    inclusion_proof_nodes,
    node_hash,
    root_at,
)
from zerotrail.store.database import Workspace

STORED_LEVEL = 8


BLOCK = 1 << STORED_LEVEL

# The stored tables' columns, named in every insert (never `INSERT ... SELECT *`, so a column
# added or reordered by a migration cannot shift values into the wrong place).
LEAF_COLUMNS = (
    ("idx", "BIGINT"),
    ("kind", "VARCHAR"),
    ("ref", "VARCHAR"),
    ("version", "INTEGER"),
    ("salt", "BLOB"),
    ("leaf_hash", "BLOB"),
)
NODE_COLUMNS = (("level", "INTEGER"), ("idx", "BIGINT"), ("hash", "BLOB"))

# Up to this many rows an insert binds Python lists (one statement, no Arrow); above it, the
# rows go in as an Arrow table. Binding costs about 13 us a row against about 1 us through
# Arrow, but pyarrow's import and its first conversion of Python objects (which imports
# pandas) cost 0.5-0.7 s once per process: a run's two leaves, or a one-record commit, must not
# pay that; an import's batches of thousands do not notice it.
LIST_ROWS = 1024


@cache
def _leaf_schema() -> Any:
    """The leaf rows' Arrow schema (built on first use: importing pyarrow is slow)."""
    import pyarrow as pa

    types = {
        "BIGINT": pa.int64(),
        "VARCHAR": pa.string(),
        "INTEGER": pa.int32(),
        "BLOB": pa.binary(),
    }
    return pa.schema([(name, types[sql]) for name, sql in LEAF_COLUMNS])


def _insert_lists(
    ws: Workspace, table: str, columns: Sequence[tuple[str, str]], values: Any
) -> None:
    """Insert rows given column by column as Python lists (or one scalar for a column whose
    value every row shares), as one statement with bound parameters."""
    names = ", ".join(name for name, _ in columns)
    exprs = ", ".join(
        f"CAST(? AS {sql})" if not isinstance(v, list) else f"unnest(CAST(? AS {sql}[]))"
        for (_, sql), v in zip(columns, values, strict=True)
    )
    ws.execute(f"INSERT INTO {table} ({names}) SELECT {exprs}", list(values))


def _insert_arrow(ws: Workspace, table: str, columns: Sequence[tuple[str, str]], rows: Any) -> None:
    """Insert an Arrow table whose columns are `columns`, in that order."""
    names = ", ".join(name for name, _ in columns)
    con = ws.con
    con.register("zt_new_rows", rows)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM zt_new_rows")
    finally:
        con.unregister("zt_new_rows")


class WorkspaceSource:
    """`HashSource` over the workspace's ledger tables.

    `prefetch` loads every node a proof needs in two queries (stored nodes, and the 256-leaf
    blocks under the low nodes), since a database round trip costs far more than the hashing.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._cache: dict[tuple[int, int], bytes] = {}
        self._blocks: dict[int, list[list[bytes]]] = {}

    def prefetch(self, ids: Sequence[tuple[int, int]]) -> None:
        high = sorted({(lv, ix) for lv, ix in ids if lv >= STORED_LEVEL} - self._cache.keys())
        if high:
            for lv, ix, h in self.ws.fetchall(
                "SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN"
                " (SELECT unnest(?), unnest(?))",
                [[a for a, _ in high], [b for _, b in high]],
            ):
                self._cache[(int(lv), int(ix))] = bytes(h)
        self._load_blocks({(ix << lv) // BLOCK for lv, ix in ids if lv < STORED_LEVEL})

    def _load_blocks(self, wanted: set[int]) -> None:
        """Read the leaf hashes of the given 256-leaf blocks, in one query, and hash each
        block's complete subtrees once (levels 0 to 7: every low node a proof can ask for)."""
        wanted -= self._blocks.keys()
        if not wanted:
            return
        query = "SELECT idx, leaf_hash FROM ledger_leaves WHERE {}"
        if len(wanted) <= 16:
            # A few ranges: each prunes to one row group through the column's min/max.
            where = " OR ".join(
                f"(idx >= {b * BLOCK} AND idx < {(b + 1) * BLOCK})" for b in sorted(wanted)
            )
            # Plain rows: for one proof's few hundred leaves, cheaper than an Arrow result.
            rows = self.ws.execute(query.format(where)).fetchall()
            positions, hashes = [int(i) for i, _ in rows], [bytes(h) for _, h in rows]
        else:
            # Many blocks (an auditor's sample): one scan semi-joined with the block list
            # beats hundreds of OR'ed ranges.
            where = f"idx // {BLOCK} IN (SELECT unnest($blocks))"
            table = self.ws.con.sql(
                query.format(where), params={"blocks": sorted(wanted)}
            ).to_arrow_table()
            positions = table.column(0).to_pylist()
            hashes = table.column(1).to_pylist()
        if any(a > b for a, b in pairwise(positions)):
            # Scans return insertion order, which is index order unless rows were moved.
            pairs = sorted(zip(positions, hashes, strict=True))
            positions, hashes = [i for i, _ in pairs], [h for _, h in pairs]
        start = 0
        while start < len(positions):
            b = positions[start] // BLOCK
            # Keep only a gap-free run from the block's start: a missing leaf must not shift
            # the others into its place (the audit names such gaps; proofs just fail).
            end = start
            while (
                end < len(positions)
                and end - start < BLOCK
                and positions[end] == b * BLOCK + end - start
            ):
                end += 1
            self._blocks[b] = _subtrees(hashes[start:end])
            while end < len(positions) and positions[end] // BLOCK == b:
                end += 1
            start = end

    def leaves(self, start: int, end: int) -> list[bytes]:
        rows = self.ws.fetchall(
            "SELECT leaf_hash FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
            [start, end],
        )
        if len(rows) != end - start:
            # Deleted behind the ledger's back: no proof can be made (`ledger audit` says more).
            raise VerificationError(f"ledger leaves {start}..{end - 1} are missing")
        return [bytes(r[0]) for r in rows]

    def node(self, level: int, index: int) -> bytes:
        cached = self._cache.get((level, index))
        if cached is not None:
            return cached
        if level >= STORED_LEVEL:
            h = self.ws.scalar(
                "SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?", [level, index]
            )
            if h is None:
                raise VerificationError(f"ledger node ({level}, {index}) is missing")
            return bytes(h)
        levels = self._blocks.get((index << level) // BLOCK)
        offset = index - ((index << level) // BLOCK << (STORED_LEVEL - level))
        if levels is not None and offset < len(levels[level]):
            return levels[level][offset]
        return _subtrees(self.leaves(index << level, (index + 1) << level))[level][0]


def _subtrees(leaves: list[bytes]) -> list[list[bytes]]:
    """Every complete aligned subtree over a run of leaves starting at an aligned position:
    level 0 is the leaves, level l + 1 pairs up level l (an odd last node waits)."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        row = levels[-1]
        levels.append([node_hash(a, b) for a, b in zip(row[0::2], row[1::2], strict=False)])
    levels += [[] for _ in range(STORED_LEVEL + 1 - len(levels))]
    return levels


def inclusion(ws: Workspace, index: int, n: int) -> list[bytes]:
    """The inclusion proof of leaf `index` in the first n leaves, in two queries."""
    src = WorkspaceSource(ws)
    src.prefetch([node for group in inclusion_proof_nodes(index, n) for node in group])
    return inclusion_proof(index, n, src)


class Prover(WorkspaceSource):
    """Inclusion proofs for many records against one tree size, as an auditor's sample or a
    server needs them: every stored upper node of the tree is read once, up front (about
    n / 128 hashes); each proof then costs one read of the leaf's 256-leaf block. Aligned
    nodes never change once complete, so the cache cannot go stale for this size.
    """

    def __init__(self, ws: Workspace, n: int) -> None:
        super().__init__(ws)
        self.size = n
        for lv, ix, h in ws.fetchall(
            "SELECT level, idx, hash FROM ledger_nodes WHERE level >= ?"
            " AND (idx + 1) * (CAST(1 AS BIGINT) << level) <= ?",
            [STORED_LEVEL, n],
        ):
            self._cache[(int(lv), int(ix))] = bytes(h)
        self._tail = (n - 1) // BLOCK if n % BLOCK else None

    def prove(self, index: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash of entry `index` and its inclusion proof in the first `size` leaves."""
        return self.prove_many([index])[0]

    def prove_many(self, indices: Sequence[int]) -> list[tuple[bytes, list[bytes]]]:
        """(leaf hash, inclusion proof) for each index, reading all their blocks in one query."""
        plans = [inclusion_proof_nodes(i, self.size) for i in indices]
        wanted = {i // BLOCK for i in indices} | {
            (ix << lv) // BLOCK
            for plan in plans
            for group in plan
            for lv, ix in group
            if lv < STORED_LEVEL
        }
        # Blocks other than the partial last one (which every proof near the end shares) are
        # dropped once used, so memory stays flat however many proofs are asked for.
        for b in [b for b in self._blocks if b != self._tail and b not in wanted]:
            del self._blocks[b]
        self._load_blocks(wanted)
        return [
            (self.node(0, i), [combine([self.node(lv, ix) for lv, ix in g]) for g in plan])
            for i, plan in zip(indices, plans, strict=True)
        ]


def size(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM ledger_leaves"))


def border(ws: Workspace, n: int) -> list[bytes]:
    """The right border (maximal aligned subtrees, largest first) of the first n leaves."""
    src = WorkspaceSource(ws)
    return [
        src.node(lvl, (n >> lvl) - 1) for lvl in range(n.bit_length() - 1, -1, -1) if n >> lvl & 1
    ]


def root(ws: Workspace, n: int | None = None) -> bytes:
    n = size(ws) if n is None else n
    return EMPTY_ROOT if n == 0 else root_at(n, WorkspaceSource(ws))


class Appender:
    """Appends batches of committed records to the log; use inside one transaction.

    Keeps the right border in memory between batches, so a 10^8-record import streams through
    in fixed memory. For many batches, open it with `spooled()`: the leaf rows then go to a
    temporary Parquet file and into the table in one insert when the block ends, because the
    database keeps every separate insert of an open transaction in memory until it commits
    (about 190 bytes a leaf), while one large insert is written out as it goes.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.size = size(ws)
        self.border = border(ws, self.size)
        self._spool: Any = None  # a pyarrow ParquetWriter while spooling
        self._spool_path = ""

    @classmethod
    @contextmanager
    def spooled(cls, ws: Workspace) -> Iterator[Appender]:
        """An Appender whose leaves are written to the table once, when the block ends; on an
        error nothing is written (the caller's transaction then rolls back the nodes)."""
        if ws.dialect == "postgres":
            # The caller's transaction already makes the leaves land whole or not at all.
            yield cls(ws)
            return
        import pyarrow.parquet as pq

        app = cls(ws)
        with tempfile.TemporaryDirectory(prefix="zerotrail-leaves-") as tmp:
            app._spool_path = str(Path(tmp) / "leaves.parquet")
            app._spool = pq.ParquetWriter(app._spool_path, _leaf_schema(), compression="none")
            try:
                yield app
            finally:
                app._spool.close()
                app._spool = None
            path = app._spool_path.replace("'", "''")
            names = ", ".join(name for name, _ in LEAF_COLUMNS)
            ws.execute(
                f"INSERT INTO ledger_leaves ({names}) SELECT {names} FROM read_parquet('{path}')"
            )

    def append(
        self, kind: str, refs: Sequence[tuple[str, int]], canonicals: Sequence[bytes]
    ) -> None:
        """Commit records whose canonical bytes were built in Python."""
        if refs:
            self._append(kind, [r for r, _ in refs], [v for _, v in refs], list(canonicals))

    def append_query(self, kind: str, query: str, canonical_expr: str, limit: int) -> int:
        """Commit the rows of `query` (at most `limit`; columns ref, version and the canonical
        fields, which `canonical_expr` reads through the alias `q`), in the order it returns
        them.

        The database builds the canonical text and hashes it on every core, pairing each row
        with a fresh salt by position; each row's salt comes back beside its leaf hash, so a
        stored leaf always holds the salt it was made with. Python adds the inner nodes.
        """
        if self.ws.dialect == "postgres":
            # PostgreSQL has no positional join: it builds the text, Python salts and hashes.
            rows = self.ws.fetchall(
                f"SELECT q.ref, q.version, {canonical_expr} FROM ({query}) q"
                " WHERE q.ref IS NOT NULL"
            )
            self._append(
                kind,
                [r for r, _, _ in rows],
                [int(v) for _, v, _ in rows],
                [c.encode() for _, _, c in rows],
            )
            return len(rows)
        import pyarrow as pa

        con = self.ws.con
        blob = os.urandom(SALT_BYTES * limit)
        salts = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(SALT_BYTES), limit, [None, pa.py_buffer(blob)]
        )
        con.register("zt_salts", pa.table({"salt": salts}))
        table = con.sql(
            f"""SELECT q.ref, q.version, s.salt::BLOB AS salt,
                       {leaf_sql("s.salt::BLOB", canonical_expr)} AS leaf_hash
                FROM ({query}) q POSITIONAL JOIN zt_salts s WHERE q.ref IS NOT NULL"""
        ).to_arrow_table()
        con.unregister("zt_salts")
        if table.num_rows == 0:
            return 0
        leaves = table.column("leaf_hash").to_pylist()
        self._store(
            kind, table.column("ref"), table.column("version"), table.column("salt"), leaves
        )
        return int(table.num_rows)

    def append_hashed(self, kind: str, table: Any) -> int:
        """Commit leaves hashed elsewhere (Spark, for a lake table): the Arrow `table`'s rows
        (ref, version, salt, leaf_hash), in its order. Each leaf must be the commitment of its
        salt and the record's canonical bytes; the audit recomputes every one. Returns how many
        were appended."""
        hashes = table.column("leaf_hash").to_pylist()
        if any(h is None or len(h) != 32 for h in hashes) or any(
            s is None or len(s) != SALT_BYTES for s in table.column("salt").to_pylist()
        ):
            raise ValueError("a computed leaf needs a 32-byte salt and a 32-byte hash")
        if hashes:
            self._store(
                kind, table.column("ref"), table.column("version"), table.column("salt"), hashes
            )
        return len(hashes)

    def _append(
        self, kind: str, refs: list[str], versions: list[int], canonicals: list[bytes]
    ) -> None:
        salts = new_salts(len(canonicals))
        self._store(kind, refs, versions, salts, commitments(salts, canonicals))

    def _store(self, kind: str, refs: Any, versions: Any, salts: Any, leaves: list[bytes]) -> None:
        """Write leaf rows (to the spool, or straight to the table) and grow the tree.

        `refs`, `versions` and `salts` are Python lists or Arrow arrays (from `append_query`);
        either way the stored rows are the same.
        """
        n = len(leaves)
        if self._spool is None and n <= LIST_ROWS:
            _insert_lists(
                self.ws,
                "ledger_leaves",
                LEAF_COLUMNS,
                [
                    list(range(self.size, self.size + n)),
                    kind,
                    _pylist(refs),
                    _pylist(versions),
                    _pylist(salts),
                    leaves,
                ],
            )
        else:
            import pyarrow as pa

            schema = _leaf_schema()
            columns = [range(self.size, self.size + n), [kind] * n, refs, versions, salts, leaves]
            rows = pa.table(
                [
                    # append_query's columns are Arrow already (cast, as its types may differ).
                    c.cast(f.type)
                    if isinstance(c, pa.Array | pa.ChunkedArray)
                    else pa.array(c, f.type)
                    for c, f in zip(columns, schema, strict=True)
                ],
                schema=schema,
            )
            if self._spool is not None:
                self._spool.write_table(rows)
            else:
                _insert_arrow(self.ws, "ledger_leaves", LEAF_COLUMNS, rows)
        self._grow(leaves)

    def _grow(self, leaves: list[bytes]) -> None:
        """Add the leaves' inner nodes; persist the complete ones at stored levels."""
        done = append_leaves(self.border, self.size, leaves, keep_from_level=STORED_LEVEL)
        nodes = [row for run in done.nodes for row in run]
        columns = [[n[0] for n in nodes], [n[1] for n in nodes], [n[2] for n in nodes]]
        if len(nodes) > LIST_ROWS:
            import pyarrow as pa

            rows = pa.table(
                [
                    pa.array(columns[0], pa.int32()),
                    pa.array(columns[1], pa.int64()),
                    pa.array(columns[2], pa.binary()),
                ],
                names=[name for name, _ in NODE_COLUMNS],
            )
            _insert_arrow(self.ws, "ledger_nodes", NODE_COLUMNS, rows)
        elif nodes:
            _insert_lists(self.ws, "ledger_nodes", NODE_COLUMNS, columns)
        self.border, self.size = list(done.border), done.size


def _pylist(values: Any) -> list[Any]:
    """A Python list of the values of a list or an Arrow array (`append_query`'s columns)."""
    return values if isinstance(values, list) else list(values.to_pylist())
