"""`zerotrail ledger audit`: recompute every commitment and every node, name what changed.

Where it sits: the store side of the ledger. Someone with write access to the database file can
change a stored record, delete or insert one, or shuffle the leaf table. The audit re-derives
everything the log committed to from what is stored now and names each discrepancy:

- a record whose canonical bytes no longer give its leaf hash (changed),
- a leaf whose record is gone (deleted), a stored record with no leaf (inserted),
- leaf positions missing or duplicated, stored subtree hashes or checkpoint roots that the
  stored leaves no longer reproduce (reordered or replaced leaves).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from zerotrail.ledger.canonical import canonical_sql, leaf_sql
from zerotrail.ledger.merkle import EMPTY_ROOT, NodeRun, append_leaves, compact_root
from zerotrail.store.tlog import STORED_LEVEL
from zerotrail.store.workspace import Workspace

CHUNK = 200_000


@dataclass
class AuditReport:
    leaves: int = 0
    checkpoints: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def audit(ws: Workspace, types: Mapping[str, str], limit: int = 1000) -> AuditReport:
    """Audit the log against the stored activities; `types` as `canonical_sql` takes them."""
    rep = AuditReport()
    n = int(ws.scalar("SELECT count(*) FROM ledger_leaves"))
    rep.leaves = n

    def find(msg: str) -> None:
        if len(rep.findings) < limit:
            rep.findings.append(msg)

    # 1. Positions: exactly 0 .. n-1, once each.
    for idx, count in ws.fetchall(
        "SELECT idx, count(*) FROM ledger_leaves GROUP BY idx HAVING count(*) > 1 ORDER BY idx"
        " LIMIT 100"
    ):
        find(f"leaf position {idx} appears {count} times")
    span = ws.fetchall("SELECT min(idx), max(idx) FROM ledger_leaves")[0]
    if n and (span[0] != 0 or span[1] != n - 1):
        find(f"leaf positions run {span[0]}..{span[1]} for {n} leaves: some are missing")

    # 2. Commitments, recomputed by the database from the stored records (`canonical_sql`
    #    is held byte-equal to the Python definition by the tests). Its SHA-256 runs on every
    #    core, so here it beats hashlib, and only the mismatches come back.
    canonical = canonical_sql("activity", types, alias="a")
    for idx, ref, version, found in ws.fetchall(
        f"""SELECT l.idx, l.ref, l.version, a.record_id IS NOT NULL
            FROM ledger_leaves l LEFT JOIN activities a
              ON a.record_id = l.ref AND a.version = l.version
            WHERE l.kind = 'activity' AND (a.record_id IS NULL
                  OR {leaf_sql("l.salt", canonical)} <> l.leaf_hash)
            ORDER BY l.idx LIMIT {limit}"""
    ):
        where = f"activity {ref} version {version} (leaf {idx})"
        find(
            f"{where}: changed since it was committed"
            if found
            else f"{where}: deleted from the workspace"
        )

    _audit_small_kinds(ws, find, limit)
    # The live organization and factor sets against their latest committed versions.
    from zerotrail.store.history import drift

    for finding in drift(ws, limit):
        find(finding)

    # The tree, rebuilt chunk by chunk in leaf order, against the stored subtree hashes and
    # (4.) every checkpoint's root, taken from the border as the rebuild passes its size.
    checkpoints = ws.fetchall("SELECT size, root FROM ledger_checkpoints ORDER BY size")
    rep.checkpoints = len(checkpoints)
    stops = sorted({int(cp) for cp, _ in checkpoints if 0 < int(cp) <= n})
    roots: dict[int, bytes] = {0: EMPTY_ROOT}
    border: tuple[bytes, ...] = ()
    size = 0
    for start in range(0, n, CHUNK):
        leaves = (
            ws.con.sql(
                "SELECT leaf_hash FROM ledger_leaves"
                f" WHERE idx >= {start} AND idx < {start + CHUNK} ORDER BY idx"
            )
            .to_arrow_table()
            .column(0)
            .to_pylist()
        )
        pos = 0
        while pos < len(leaves):
            upto = next((cp for cp in stops if cp > size), size + len(leaves) - pos)
            take = min(len(leaves) - pos, upto - size)
            done = append_leaves(
                border, size, leaves[pos : pos + take], keep_from_level=STORED_LEVEL
            )
            border, size, pos = done.border, done.size, pos + take
            roots[size] = compact_root(border)
            _check_stored_nodes(ws, done.nodes, find)

    # 3. Records stored without a leaf.
    for rid, ver in ws.fetchall(
        """SELECT a.record_id, a.version FROM activities a
           WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.kind = 'activity'
                             AND l.ref = a.record_id AND l.version = a.version)
           ORDER BY a.record_id, a.version LIMIT 1000"""
    ):
        find(f"activity {rid} version {ver}: stored without a ledger leaf (inserted)")

    for cp_size, cp_root in checkpoints:
        if cp_size > size:
            find(f"checkpoint of {cp_size} leaves, but only {size} are stored")
        elif roots.get(int(cp_size)) != bytes(cp_root):
            find(
                f"the first {cp_size} stored leaves do not give the root signed in the"
                " checkpoint of that size"
            )
    return rep


def _check_stored_nodes(
    ws: Workspace, runs: Sequence[NodeRun], find: Callable[[str], None]
) -> None:
    """Compare freshly rebuilt aligned nodes with the ones the log stored."""
    for run in runs:
        stored = dict(
            ws.fetchall(
                "SELECT idx, hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ?",
                [run.level, run.start, run.start + len(run.hashes)],
            )
        )
        for lvl, idx, h in run:
            got = stored.get(idx)
            if got is None or bytes(got) != h:
                lo, hi = idx << lvl, ((idx + 1) << lvl) - 1
                find(
                    f"stored subtree ({lvl}, {idx}) over leaves {lo}..{hi} does not match"
                    " the leaves: leaves were reordered or replaced"
                )


def _audit_small_kinds(ws: Workspace, find: Callable[[str], None], limit: int) -> None:
    """Changed, deleted and inserted rows of the small committed kinds (targets, credits, ...)."""
    from zerotrail.store.committed import KINDS

    for kind, c in KINDS.items():
        ref, ver = c.ref_sql("t"), c.version_sql("t")
        for idx, lref, lver, found in ws.fetchall(
            f"""SELECT l.idx, l.ref, l.version, t.k IS NOT NULL
                FROM ledger_leaves l LEFT JOIN
                  (SELECT {ref} AS k, {ver} AS v, {c.canonical("t")} AS canon
                   FROM {c.table} t) t ON t.k = l.ref AND t.v = l.version
                WHERE l.kind = ? AND (t.k IS NULL OR {leaf_sql("l.salt", "t.canon")} <> l.leaf_hash)
                ORDER BY l.idx LIMIT {limit}""",
            [kind],
        ):
            where = f"{kind} {lref} version {lver} (leaf {idx})"
            find(
                f"{where}: changed since it was committed"
                if found
                else f"{where}: deleted from the workspace"
            )
        for r, v in ws.fetchall(
            f"""SELECT {ref}, {ver} FROM {c.table} t
                WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.kind = ?
                                  AND l.ref = {ref} AND l.version = {ver})
                ORDER BY 1, 2 LIMIT {limit}""",
            [kind],
        ):
            find(f"{kind} {r} version {v}: stored without a ledger leaf (inserted)")
