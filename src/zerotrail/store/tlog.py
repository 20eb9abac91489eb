"""The Merkle log kept in the workspace: leaves, stored node hashes, appends and proofs.

Where it sits: the store side of the ledger. `zerotrail.ledger` holds the pure hashing and proof
logic; this module persists what it produces, inside the caller's transaction, so a record and
its leaf land together or not at all. Node hashes are stored for levels >= 8 only (subtrees of
256+ leaves); lower nodes are recomputed from at most 128 stored leaf hashes, so any proof costs
O(log n) small reads and the node table stays about 1% of the leaf count.
"""

from __future__ import annotations

from collections.abc import Sequence

from zerotrail.ledger.canonical import commitment, leaf_sql, new_salts
from zerotrail.ledger.merkle import EMPTY_ROOT, append_leaves, root_at, root_hash
from zerotrail.store.workspace import Workspace

STORED_LEVEL = 8


class WorkspaceSource:
    """`HashSource` over the workspace's ledger tables.

    `prefetch` loads every node a proof needs in two queries (stored nodes, and the leaves
    under the low nodes), since a database round trip costs far more than the hashing.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._cache: dict[tuple[int, int], bytes] = {}

    def prefetch(self, ids: Sequence[tuple[int, int]]) -> None:
        high = sorted({(lv, ix) for lv, ix in ids if lv >= STORED_LEVEL})
        low = [(lv, ix) for lv, ix in ids if lv < STORED_LEVEL]
        if high:
            for lv, ix, h in self.ws.fetchall(
                "SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN"
                " (SELECT unnest(?), unnest(?))",
                [[a for a, _ in high], [b for _, b in high]],
            ):
                self._cache[(int(lv), int(ix))] = bytes(h)
        if low:
            ranges = [(ix << lv, (ix + 1) << lv) for lv, ix in low]
            where = " OR ".join(f"(idx >= {a} AND idx < {b})" for a, b in ranges)
            leaf = {
                int(i): bytes(h)
                for i, h in self.ws.fetchall(
                    f"SELECT idx, leaf_hash FROM ledger_leaves WHERE {where}"
                )
            }
            for (lv, ix), (a, b) in zip(low, ranges, strict=True):
                hashes = [leaf[i] for i in range(a, b) if i in leaf]
                if len(hashes) == b - a:
                    self._cache[(lv, ix)] = hashes[0] if lv == 0 else root_hash(hashes)

    def leaves(self, start: int, end: int) -> list[bytes]:
        rows = self.ws.fetchall(
            "SELECT leaf_hash FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
            [start, end],
        )
        if len(rows) != end - start:
            raise LookupError(f"ledger leaves {start}..{end - 1} are missing")
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
                raise LookupError(f"ledger node ({level}, {index}) is missing")
            return bytes(h)
        leaves = self.leaves(index << level, (index + 1) << level)
        return leaves[0] if level == 0 else root_hash(leaves)


def inclusion(ws: Workspace, index: int, n: int) -> list[bytes]:
    """The inclusion proof of leaf `index` in the first n leaves, in two queries."""
    from zerotrail.ledger.merkle import inclusion_proof, inclusion_proof_nodes

    src = WorkspaceSource(ws)
    src.prefetch([node for group in inclusion_proof_nodes(index, n) for node in group])
    return inclusion_proof(index, n, src)


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
    in fixed memory.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.size = size(ws)
        self.border = border(ws, self.size)

    def append(
        self, kind: str, refs: Sequence[tuple[str, int]], canonicals: Sequence[bytes]
    ) -> None:
        """Commit records whose canonical bytes were built in Python."""
        import pyarrow as pa

        if not refs:
            return
        salts = new_salts(len(refs))
        leaves = [commitment(s, c) for s, c in zip(salts, canonicals, strict=True)]
        con = self.ws.con
        con.register(
            "zt_new_leaves",
            pa.table(
                {
                    "idx": pa.array(range(self.size, self.size + len(leaves)), pa.int64()),
                    "kind": pa.array([kind] * len(leaves), pa.string()),
                    "ref": pa.array([r for r, _ in refs], pa.string()),
                    "version": pa.array([v for _, v in refs], pa.int32()),
                    "salt": pa.array(salts, pa.binary()),
                    "leaf_hash": pa.array(leaves, pa.binary()),
                }
            ),
        )
        con.execute("INSERT INTO ledger_leaves SELECT * FROM zt_new_leaves")
        con.unregister("zt_new_leaves")
        self._grow(leaves)

    def append_query(self, kind: str, query: str, canonical_expr: str, limit: int) -> int:
        """Commit the rows of `query` (columns ref, version and the canonical fields; at most
        `limit` rows). The database builds the canonical bytes and leaf hashes; Python only adds
        the tree's inner nodes. Rows are numbered as they arrive (no sort); that number is
        both the leaf's position and the key its fresh salt is joined on.
        """
        import pyarrow as pa

        con = self.ws.con
        con.register(
            "zt_salts",
            pa.table(
                {
                    "pos": pa.array(range(limit), pa.int64()),
                    "salt": pa.array(new_salts(limit), pa.binary()),
                }
            ),
        )
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE zt_chunk AS
            SELECT q.pos, q.ref, q.version, s.salt,
                   {leaf_sql("s.salt", canonical_expr)} AS leaf_hash
            FROM (SELECT row_number() OVER () - 1 AS pos, * FROM ({query})) q
            JOIN zt_salts s ON s.pos = q.pos""")
        con.unregister("zt_salts")
        leaves = con.sql("SELECT leaf_hash FROM zt_chunk ORDER BY pos").to_arrow_table()
        hashes = leaves.column(0).to_pylist()
        if not hashes:
            return 0
        con.execute(f"""INSERT INTO ledger_leaves
                        SELECT {self.size} + pos, {_sql_text(kind)}, ref, version, salt,
                               leaf_hash
                        FROM zt_chunk""")
        self._grow(hashes)
        return len(hashes)

    def _grow(self, leaves: list[bytes]) -> None:
        """Add the leaves' inner nodes; persist the complete ones at stored levels."""
        import pyarrow as pa

        done = append_leaves(self.border, self.size, leaves)
        nodes = [row for run in done.nodes if run.level >= STORED_LEVEL for row in run]
        if nodes:
            con = self.ws.con
            con.register(
                "zt_new_nodes",
                pa.table(
                    {
                        "level": pa.array([n[0] for n in nodes], pa.int32()),
                        "idx": pa.array([n[1] for n in nodes], pa.int64()),
                        "hash": pa.array([n[2] for n in nodes], pa.binary()),
                    }
                ),
            )
            con.execute("INSERT INTO ledger_nodes SELECT * FROM zt_new_nodes")
            con.unregister("zt_new_nodes")
        self.border, self.size = list(done.border), done.size


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
