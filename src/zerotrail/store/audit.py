"""`zerotrail ledger audit`: recompute every commitment and node, open every signed checkpoint,
name what changed.

Where it sits: the store side of the ledger. Someone with write access to the database file can
change a stored record, delete or insert one, shuffle the leaf table, recompute leaves, stored
nodes and the `root` column of the checkpoints (no key needed for any of that), edit or delete
checkpoints, or put back an older copy of the whole file. The audit re-derives everything the
log committed to from what is stored now and names each discrepancy:

- a record of any committed kind whose canonical bytes no longer give its leaf hash (changed),
  a leaf whose record is gone (deleted), a stored record with no leaf (inserted); for runs, the
  committed figures kept with the run, the run's settings against them, which run is current,
  and the digests of the run's stored per-record results;
- leaf positions missing or duplicated, stored subtree hashes the leaves no longer give;
- what readers see (store/audit_reads.py): every committed run read through the `results`
  view against its committed figures, the view's definition against this version's, and the
  bookkeeping that picks each run's record versions against the log's order;
- every stored checkpoint opened with the log's verifier key: its signature, origin, size and
  root (the signed root, recomputed from the stored leaves, never the table's `root` column),
  the cosignatures of the witnesses whose keys are given, and checkpoints gone missing (all of
  them while the log's origin is fixed, one a report was built on or published under, or one
  the ledger state or a checkpoint file from outside the workspace records: a deletion or a
  rollback).

Everything streams: commitments are recomputed by the database (only mismatches come back), the
tree is rebuilt chunk by chunk, and the checkpoints (one per batch of changes) are read once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zerotrail.errors import VerificationError
from zerotrail.ledger.canonical import leaf_sql
from zerotrail.ledger.checkpoint import Checkpoint, parse_checkpoint
from zerotrail.ledger.cosignature import verify_cosignatures
from zerotrail.ledger.merkle import EMPTY_ROOT, NodeRun, append_leaves, compact_root
from zerotrail.ledger.note import (
    Verifier,
    format_verifier_key,
    open_note,
    parse_note,
    parse_verifier_key,
)
from zerotrail.store.activities import activity_canonical_sql
from zerotrail.store.audit_reads import audit_reads
from zerotrail.store.checkpoints import LedgerState
from zerotrail.store.committed import EXACT, KINDS
from zerotrail.store.database import Workspace
from zerotrail.store.external import LAKE_KIND, lake_findings, lake_records, outside_sql
from zerotrail.store.history import drift
from zerotrail.store.tlog import STORED_LEVEL

CHUNK = 200_000
_OTHERS = "zt_audit_leaves"  # a temporary copy of the leaves of every kind but activity
DIAGNOSED = 20  # changed runs and factors whose findings say by how much (the rest: that)

# Run fields kept in `runs` beside the committed text: each must still say what was committed.
_RUN_COLUMNS = (
    "year",
    "gwp_set",
    "consolidation",
    "blend_rule",
    "as_of_import",
    "records",
    "problems",
)
# (committed field, label, results column, scope) of the figures recomputed for a changed run.
_RUN_FIGURES = (
    ("scope1", "Scope 1", "co2e_t", 1),
    ("scope2_location", "Scope 2 (location)", "co2e_t", 2),
    ("scope2_market", "Scope 2 (market)", "co2e_market_t", 2),
    ("scope3", "Scope 3", "co2e_t", 3),
)


@dataclass(frozen=True, slots=True)
class Trust:
    """What the auditor brings from outside the workspace."""

    log_key: Verifier | None = None  # the log's published verifier key (--log-key)
    witness_keys: tuple[Verifier, ...] = ()  # witnesses whose cosignatures to check
    state: LedgerState | None = None  # the ledger state file's record
    state_name: str = "the ledger state"
    external: tuple[tuple[str, str], ...] = ()  # (file name, checkpoint note) from outside


@dataclass
class AuditReport:
    leaves: int = 0
    checkpoints: int = 0
    findings: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)  # leaves per kind, all recomputed
    unknown: dict[str, int] = field(default_factory=dict)  # leaves of kinds with no rows
    key: str | None = None  # name+key ID of the verifier key the signatures were checked with
    key_source: str = ""
    signatures: int = 0  # stored checkpoints whose log signature verified
    cosignatures: dict[str, int] = field(default_factory=dict)  # witness -> notes cosigned
    bad_cosignatures: list[str] = field(default_factory=list)  # "witness on checkpoint ..."
    other_lines: int = 0  # signature lines by keys not given (not checked)
    signed_size: int = 0  # size of the largest checkpoint whose signature verified
    stored_size: int = 0  # size of the largest checkpoint stored, its signature aside
    seen: list[tuple[int, bytes]] = field(default_factory=list)  # verified (size, root)
    external: list[str] = field(default_factory=list)  # checkpoint files checked
    origin: str | None = None
    log_key: str | None = None  # the verifier key string used
    runs_read: int = 0  # committed runs read through the results view
    view: str = "not compared"  # the results view's definition: "compared" with this version's

    @property
    def ok(self) -> bool:
        return not self.findings


def audit(
    ws: Workspace,
    types: Mapping[str, str],
    limit: int = 1000,
    trust: Trust | None = None,
    results_view: str | None = None,
) -> AuditReport:
    """Audit the log against the stored records; `types` as `canonical_sql` takes them, and
    `results_view` the SQL of the `results` view this version of zerotrail creates (its
    definition is not compared without it)."""
    # Lake tables' records are read in place, as a calculation reads them (store/external.py):
    # a dataset whose files changed, were added or removed is named and left out, its records'
    # leaves not recomputed (they cannot be read as committed).
    with lake_records(ws, skip_changed=True) as lake:
        rep = _audit(ws, types, limit, trust, results_view, outside_sql("l.idx", lake.unread))
    rep.findings = [*lake.problems, *lake_findings(ws, limit), *rep.findings][:limit]
    return rep


def _audit(
    ws: Workspace,
    types: Mapping[str, str],
    limit: int,
    trust: Trust | None,
    results_view: str | None,
    readable: str,
) -> AuditReport:
    """`audit`, the lake tables' records in `activities`; `readable` is SQL true for the leaf
    indexes (`l.idx`) whose records can be read."""
    trust = trust or Trust()
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

    known = ("activity", "run", LAKE_KIND, *KINDS)
    for k, c in ws.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY 1 ORDER BY 1"):
        (rep.kinds if k in known else rep.unknown)[str(k)] = int(c)

    # 2. Commitments, recomputed by the database from the stored records (`canonical_sql`
    #    is held byte-equal to the Python definition by the tests). Its SHA-256 runs on every
    #    core, so here it beats hashlib, and only the mismatches come back.
    canonical = activity_canonical_sql("a", types, ws.dialect)
    for idx, ref, version, found in ws.fetchall(
        f"""SELECT l.idx, l.ref, l.version, a.record_id IS NOT NULL
            FROM ledger_leaves l LEFT JOIN activities a
              ON a.record_id = l.ref AND a.version = l.version
            WHERE l.kind = 'activity' AND {readable} AND (a.record_id IS NULL
                  OR {leaf_sql("l.salt", canonical, ws.dialect)} <> l.leaf_hash)
            ORDER BY l.idx LIMIT {limit}"""
    ):
        where = f"activity {ref} version {version} (leaf {idx})"
        find(
            f"{where}: changed since it was committed"
            if found
            else f"{where}: deleted from the workspace"
        )

    # The other kinds' leaves are few (at 10^6 records, about a thousand): read them once
    # instead of scanning the leaf table twice for each kind.
    ws.execute(
        f"CREATE OR REPLACE TEMP TABLE {_OTHERS} AS"
        " SELECT * FROM ledger_leaves WHERE kind <> 'activity'"
    )
    try:
        _audit_runs(ws, find, limit)
        _audit_small_kinds(ws, find, limit)
        reads = audit_reads(ws, find, _OTHERS, results_view, limit)
        rep.runs_read, rep.view = reads.runs, reads.view
    finally:
        ws.execute(f"DROP TABLE IF EXISTS {_OTHERS}")
    # The live organization, factor sets and metrics against their latest committed versions.
    for finding in drift(ws, limit):
        find(finding)

    # 3. Checkpoints: signatures, cosignatures, and the sizes whose roots the rebuild must give.
    want: dict[int, list[tuple[bytes, str]]] = {}
    _audit_checkpoints(ws, rep, trust, find, want)

    # 4. The tree, rebuilt chunk by chunk in leaf order, against the stored subtree hashes and
    #    every root some checkpoint claims, taken from the border as the rebuild passes a size.
    stops = sorted({size for size in want if 0 < size <= n})
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
    for cp_size in sorted(want):
        for root, what in want[cp_size]:
            if cp_size > size:
                if what.startswith("checkpoint of size"):  # the others are named as newer
                    find(f"{what}: has {cp_size} leaves, but only {size} are stored")
            elif roots.get(cp_size) != root:
                find(
                    f"{what}: the first {cp_size} stored leaves do not give its root (leaves"
                    " changed, reordered or replaced since it was signed)"
                )

    # 5. Records stored without a leaf.
    for rid, ver in ws.fetchall(
        """SELECT a.record_id, a.version FROM activities a
           WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.kind = 'activity'
                             AND l.ref = a.record_id AND l.version = a.version)
           ORDER BY a.record_id, a.version LIMIT 1000"""
    ):
        find(f"activity {rid} version {ver}: stored without a ledger leaf (inserted)")
    return rep


# --- checkpoints ----------------------------------------------------------------------------


def _key_name(v: Verifier) -> str:
    return f"{v.name}+{v.key_id:08x}"


def _choose_key(
    ws: Workspace, rep: AuditReport, trust: Trust, find: Callable[[str], None]
) -> Verifier | None:
    """The verifier key to check signatures with: given > pinned in the state > stored."""
    stored_text = ws.get_setting("ledger_vkey")
    stored: Verifier | None = None
    if stored_text is not None:
        try:
            stored = parse_verifier_key(stored_text)
        except VerificationError as exc:
            find(f"the verifier key stored in the workspace (ledger_vkey) is not valid: {exc}")
    pinned = parse_verifier_key(trust.state.log_key) if trust.state else None
    key: Verifier | None
    if trust.log_key is not None:
        key, rep.key_source = trust.log_key, "given with --log-key"
    elif pinned is not None:
        key, rep.key_source = pinned, f"pinned in {trust.state_name}"
    else:
        key, rep.key_source = stored, "stored in the workspace: not independently trusted"
    if key is None:
        return None
    for other, what in ((pinned, trust.state_name), (stored, "the workspace (ledger_vkey)")):
        if other is not None and other != key:
            find(
                f"the log key recorded in {what} is {format_verifier_key(other)}, not the key"
                f" the signatures are checked with ({format_verifier_key(key)})"
            )
    rep.key, rep.log_key = _key_name(key), format_verifier_key(key)
    return key


def _audit_checkpoints(
    ws: Workspace,
    rep: AuditReport,
    trust: Trust,
    find: Callable[[str], None],
    want: dict[int, list[tuple[bytes, str]]],
) -> None:
    """Open every stored checkpoint; queue each root claimed (stored, signed, reported,
    recorded in the state or in a file) for comparison with the rebuilt tree."""
    origin = ws.get_setting("ledger_origin")
    rep.origin = origin
    rows = ws.fetchall(
        "SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY signed_at, size"
    )
    rep.checkpoints = len(rows)
    rep.stored_size = max((int(r[0]) for r in rows), default=0)
    key = _choose_key(ws, rep, trust, find)
    if rows and key is None:
        find(
            f"{len(rows)} checkpoint(s) stored, but no verifier key to check their signatures"
            " (the workspace stores none and none was given with --log-key): signatures NOT"
            " checked"
        )
    if not rows and origin is not None:
        find(
            f"the log's origin {origin} was fixed by a first checkpoint, but no checkpoint is"
            " stored: checkpoints were deleted"
        )
    if trust.state and origin is not None and trust.state.origin != origin:
        find(f"{trust.state_name} records log {trust.state.origin}, not this log ({origin})")
    if origin is None and rows:
        find("checkpoints are stored, but the log's origin (ledger_origin) is not")

    def opened(note: str, what: str, stored: bool = True) -> Checkpoint | None:
        """The checkpoint of a note, its log signature checked (None: unusable), and the
        cosignatures of the given witnesses on it; those on `stored` notes are counted in
        the report, the others listed in `cosigners`."""
        try:
            parsed = parse_note(note)
            text = open_note(note, [key]).text if key is not None else parsed.text
            cp = parse_checkpoint(text)
        except VerificationError as exc:
            find(f"{what}: {exc}")
            return None
        if origin is not None and cp.origin != origin:
            find(f"{what}: signed for origin {cp.origin}, not this log's {origin}")
        log_ids = {(key.name, key.key_id)} if key is not None else set()
        for w in trust.witness_keys:
            if any((s.name, s.key_id) == (w.name, w.key_id) for s in parsed.signatures):
                name = _key_name(w)
                try:
                    verify_cosignatures(note, [w])
                except VerificationError as exc:
                    find(f"{what}: {exc}")
                    if stored:
                        rep.bad_cosignatures.append(f"{name} on the {what}")
                    continue
                if stored:
                    rep.cosignatures[name] = rep.cosignatures.get(name, 0) + 1
                else:
                    cosigners.append(name)
        given = log_ids | {(w.name, w.key_id) for w in trust.witness_keys}
        if stored:
            rep.other_lines += sum((s.name, s.key_id) not in given for s in parsed.signatures)
        return cp

    cosigners: list[str] = []

    signed: dict[int, bytes] = {}  # size -> root of the checkpoints whose signature verified
    present: dict[int, set[bytes]] = {}  # size -> roots of every stored note, unverified
    last: Checkpoint | None = None
    for size, root, note, signed_at in rows:
        size, root, note = int(size), bytes(root), str(note)
        what = f"checkpoint of size {size} (signed {signed_at:%Y-%m-%d %H:%M:%S})"
        try:  # what the note says, whoever signed it: stored, so not "deleted"
            said = parse_checkpoint(parse_note(note).text)
            present.setdefault(said.size, set()).add(said.root)
        except VerificationError:
            pass
        before, bad_before = len(rep.findings), len(rep.bad_cosignatures)
        cp = opened(note, what)
        if cp is None:
            want.setdefault(size, []).append((root, what))
            continue
        if key is not None:
            rep.signatures += 1  # the log signature verified, whatever else is wrong
        if (cp.size, cp.root) != (size, root):
            find(f"{what}: the stored size and root are not the ones signed in its note")
        if signed.setdefault(cp.size, cp.root) != cp.root:
            find(f"{what}: two checkpoints of this size with different roots (a fork)")
        if last is not None and cp.size < last.size:
            find(f"{what}: signed after the checkpoint of size {last.size}, yet smaller")
        last = cp
        want.setdefault(cp.size, []).append((cp.root, what))
        # A bad cosignature is the witness's finding: the log's own signature still counts.
        clean = len(rep.findings) - before == len(rep.bad_cosignatures) - bad_before
        if key is not None and clean:
            rep.signed_size = max(rep.signed_size, cp.size)
            rep.seen.append((cp.size, cp.root))
    rep.seen.sort()

    def gone(size: int, root: bytes) -> bool:
        """Not among the stored checkpoints at all (one stored with a bad signature is named
        as such above, not as deleted)."""
        return signed.get(size) != root and root not in present.get(size, set())

    # Copies of checkpoints kept elsewhere: each must still be among the stored ones.
    for report_id, size, note in ws.fetchall(
        "SELECT report_id, size, note FROM report_checkpoints ORDER BY report_id"
    ):
        what = f"the checkpoint of size {size} that report {report_id} was built on"
        cp = opened(str(note), what, stored=False)
        if cp is not None and signed.get(cp.size) != cp.root:
            want.setdefault(cp.size, []).append((cp.root, what))
            if gone(cp.size, cp.root):
                find(f"{what} is missing from the log's checkpoints (deleted)")
    # A report is published on a checkpoint signed over its own leaf, in one transaction.
    covered = max(signed, default=0)
    for ref, idx in ws.fetchall(
        "SELECT ref, idx FROM ledger_leaves WHERE kind = 'report' AND idx >= ? ORDER BY idx",
        [covered],
    ):
        if int(idx) >= rep.stored_size:
            find(
                f"report {ref} (leaf {idx}) was published on a checkpoint covering it, but no"
                " stored checkpoint does: checkpoints were deleted"
            )
    for name, note in trust.external:
        what = f"the checkpoint in {name}"
        cosigners.clear()
        cp = opened(note, what, stored=False)
        if cp is None:
            continue
        by = f", cosigned by {', '.join(cosigners)}" if cosigners else ""
        rep.external.append(f"{name} (size {cp.size}{by})")
        if signed.get(cp.size) != cp.root:  # else compared with the leaves already
            want.setdefault(cp.size, []).append((cp.root, what))
        _require_stored(cp.size, cp.root, signed, gone, rep.leaves, what, find)
    if trust.state is not None:
        for size, root in trust.state.checkpoints:
            what = f"the checkpoint of size {size} recorded in {trust.state_name}"
            if signed.get(size) != root:
                want.setdefault(size, []).append((root, what))
            _require_stored(size, root, signed, gone, rep.leaves, what, find)
    failed = {b.split(" on the ", 1)[0] for b in rep.bad_cosignatures}
    for w in trust.witness_keys:
        if _key_name(w) not in rep.cosignatures and _key_name(w) not in failed:
            find(
                f"no checkpoint here is cosigned by witness {_key_name(w)} (its cosignatures"
                " were removed, or the workspace is older than the first one)"
            )


def _require_stored(
    size: int,
    root: bytes,
    signed: Mapping[int, bytes],
    gone: Callable[[int, bytes], bool],
    leaves: int,
    what: str,
    find: Callable[[str], None],
) -> None:
    """A checkpoint known from outside the checkpoint table must be in it."""
    latest = max(signed, default=0)
    if size > leaves or (size > latest and gone(size, root)):
        find(
            f"{what} is newer than this workspace (its latest checkpoint has size {latest},"
            f" {leaves} leaves stored): the workspace was rolled back to an older copy, or"
            " checkpoints were deleted"
        )
    elif gone(size, root):
        find(f"{what} is missing from the log's checkpoints (deleted)")


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


# --- runs -----------------------------------------------------------------------------------


def _audit_runs(ws: Workspace, find: Callable[[str], None], limit: int) -> None:
    """Run leaves against the committed text kept with each run; the run's columns against
    that text; and which run of each year is current (always the last one calculated)."""
    for idx, ref, found in ws.fetchall(
        f"""SELECT l.idx, l.ref, r.run_id IS NOT NULL
            FROM {_OTHERS} l LEFT JOIN runs r ON r.run_id = l.ref
            WHERE l.kind = 'run' AND (r.run_id IS NULL OR r.committed IS NULL
                  OR {leaf_sql("l.salt", "r.committed", ws.dialect)} <> l.leaf_hash)
            ORDER BY l.idx LIMIT {limit}"""
    ):
        find(
            f"run {ref} (leaf {idx}): its committed figures (runs.committed) changed since it"
            " was committed"
            if found
            else f"run {ref} (leaf {idx}): deleted from the workspace"
        )
    rows = ws.fetchall(
        f"""SELECT r.run_id, r.committed, r.current, l.idx, {", ".join(_RUN_COLUMNS)}
            FROM runs r LEFT JOIN
                 (SELECT ref, idx FROM {_OTHERS} WHERE kind = 'run') l ON l.ref = r.run_id
            ORDER BY r.run_id"""
    )
    latest: dict[int, tuple[int, str]] = {}
    current: dict[int, list[str]] = {}
    for run_id, committed, is_current, idx, *cols in rows:
        stored = dict(zip(_RUN_COLUMNS, cols, strict=True))
        if idx is None:
            find(f"run {run_id}: stored without a ledger leaf (inserted)")
            continue
        year = int(stored["year"])
        try:
            text = json.loads(committed)
        except (TypeError, ValueError):
            text = {}  # named above: the committed text no longer opens the leaf
        if text:
            year = int(text.get("year", year))
            for col in _RUN_COLUMNS:
                if str(text.get(col)) != str(stored[col]):
                    find(
                        f"run {run_id}: its stored {col} {stored[col]!r} is not the committed"
                        f" {text.get(col)!r}"
                    )
        if int(idx) > latest.get(year, (-1, ""))[0]:
            latest[year] = (int(idx), run_id)
        if is_current:
            current.setdefault(year, []).append(run_id)
    for year, (idx, run_id) in sorted(latest.items()):
        marked = current.get(year, [])
        if marked != [run_id]:
            now = ", ".join(marked) if marked else "none"
            find(
                f"year {year}: the current run should be {run_id}, the last calculated (leaf"
                f" {idx}), but the workspace marks {now} as current"
            )


def _run_change(ws: Workspace, run_id: str) -> str:
    """What a changed run's stored results give now, against the figures it committed."""
    try:
        text = json.loads(
            ws.scalar("SELECT committed FROM runs WHERE run_id = ?", [run_id]) or "{}"
        )
        got = {
            (int(s), col): float(v or 0.0)
            for s, *vals in ws.fetchall(
                "SELECT scope, sum(co2e_t), sum(co2e_market_t) FROM results WHERE run_id = ?"
                " GROUP BY scope",
                [run_id],
            )
            for col, v in zip(("co2e_t", "co2e_market_t"), vals, strict=True)
        }
    except Exception:  # a diagnosis only: the finding stands without it
        return ""
    diffs = []
    for name, label, col, scope in _RUN_FIGURES:
        if name in text:
            was, now = float(text[name]), got.get((scope, col), 0.0)
            if abs(now - was) > 5e-7 * max(1.0, abs(was)):
                diffs.append(f"{label} {was:,.3f} t committed, {now:,.3f} t from them now")
    return f" ({'; '.join(diffs)})" if diffs else ""


# --- the other kinds ------------------------------------------------------------------------


def _audit_small_kinds(ws: Workspace, find: Callable[[str], None], limit: int) -> None:
    """Changed, deleted and inserted rows of the other committed kinds (factors, targets,
    credits, meter readings, metrics, runs' results, ...)."""
    budget = [DIAGNOSED]
    for kind, c in KINDS.items():
        ref, ver = c.ref_sql("t"), c.version_sql("t")
        changed = ws.fetchall(
            f"""SELECT l.idx, l.ref, l.version, t.k IS NOT NULL
                FROM {_OTHERS} l LEFT JOIN
                  (SELECT {ref} AS k, {ver} AS v, {c.canonical("t", ws.dialect)} AS canon
                   FROM {c.table} t) t ON t.k = l.ref AND t.v = l.version
                WHERE l.kind = ?
                  AND (t.k IS NULL OR {leaf_sql("l.salt", "t.canon", ws.dialect)} <> l.leaf_hash)
                ORDER BY l.idx LIMIT {limit}""",
            [kind],
        )
        if kind == "factor" and changed:
            for finding in _factor_findings(ws, [int(i) for i, _, _, f in changed if f]):
                find(finding)
        for idx, lref, lver, found in changed:
            if kind != "factor" or not found:
                find(_changed(ws, kind, str(lref), int(lver), int(idx), bool(found), budget))
        for r, v in ws.fetchall(
            f"""SELECT {ref}, {ver} FROM {c.table} t
                WHERE NOT EXISTS (SELECT 1 FROM {_OTHERS} l WHERE l.kind = ?
                                  AND l.ref = {ref} AND l.version = {ver})
                ORDER BY 1, 2 LIMIT {limit}""",
            [kind],
        ):
            find(f"{kind} {r} version {v}: stored without a ledger leaf (inserted)")
        if kind == "run_results":
            continue  # one row per run by construction (and a pass over every run's results)
        # A copy of a committed row opens the same leaf, yet counts twice for a reader.
        for r, v, copies in ws.fetchall(
            f"""SELECT {ref}, {ver}, count(*) FROM {c.table} t GROUP BY 1, 2
                HAVING count(*) > 1 ORDER BY 1, 2 LIMIT {limit}"""
        ):
            find(f"{kind} {r} version {v}: stored {copies} times (copies inserted)")


def _changed(
    ws: Workspace, kind: str, ref: str, version: int, idx: int, found: bool, budget: list[int]
) -> str:
    """The finding for a leaf of `kind` whose row is gone or no longer gives it; the first
    `budget[0]` changed runs are diagnosed (each a pass over the run's results)."""
    diagnose = found and budget[0] > 0 and kind == "run_results"
    budget[0] -= diagnose
    if kind == "run_results":
        what = (
            "its per-record results (run_signatures, run_supplier_keys or run_problems) changed"
            " since the run was committed" + (_run_change(ws, ref) if diagnose else "")
            if found
            else "its per-record results are gone (the run was deleted)"
        )
        return f"run {ref} (results leaf {idx}): {what}"
    # A factor row is never versioned (its version is always 1): named by its ref alone.
    where = f"{kind} {ref}{'' if kind == 'factor' else f' version {version}'} (leaf {idx})"
    return (
        f"{where}: changed since it was committed"
        if found
        else f"{where}: deleted from the workspace"
    )


def _factor_findings(ws: Workspace, leaves: Sequence[int]) -> list[str]:
    """The findings for factor rows that no longer give their leaves, in one query: each with
    the factor set version it was committed with and, when the package's shipped row still
    opens the leaf (so it *is* what was committed), the fields that changed, old and new."""
    from zerotrail.reference.factors import factors_arrow

    c = KINDS["factor"]
    table = factors_arrow()
    cols = ", ".join(
        f"NULLIF({n}, '') AS {n}" if table.schema.field(n).type == "string" else n
        for n in table.column_names
    )
    ws.con.register("zt_shipped_factors", table)
    try:
        rows = ws.fetchall(
            f"""SELECT l.idx, l.ref, f.factor_set, fs.kind,
                       (SELECT max(version) FROM factor_set_versions v
                        WHERE v.factor_set = f.factor_set),
                       {c.canonical("f", ws.dialect)}, {c.canonical("s", ws.dialect)},
                       s.factor_id IS NOT NULL
                       AND {leaf_sql("l.salt", c.canonical("s", ws.dialect), ws.dialect)}
                                                  = l.leaf_hash
                FROM {_OTHERS} l
                JOIN {c.table} f ON {c.ref_sql("f")} = l.ref
                LEFT JOIN factor_sets fs ON fs.factor_set = f.factor_set
                LEFT JOIN (SELECT *, {EXACT.format("value")} AS value_exact
                           FROM (SELECT {cols} FROM zt_shipped_factors)) s
                  ON {c.ref_sql("s")} = l.ref
                WHERE l.kind = 'factor' AND l.idx IN (SELECT unnest(?))
                ORDER BY l.idx""",
            [list(leaves)],
        )
    finally:
        ws.con.unregister("zt_shipped_factors")
    out = []
    for idx, ref, fset, set_kind, set_version, now, was, opens in rows:
        since = f"since its factor set {fset} version {set_version or '?'} was committed"
        where = f"factor {ref} (leaf {idx})"
        diff = _diff(str(was), str(now)) if opens and set_kind == "shipped" else {}
        if not diff:
            out.append(f"{where}: changed {since}")
            continue
        details = "; ".join(f"{k}: {a} committed, {b} now" for k, (a, b) in diff.items())
        out.append(f"{where}: {', '.join(diff)} changed {since} ({details})")
    return out


def _diff(committed: str, now: str) -> dict[str, tuple[str, str]]:
    """{field: (committed, now)} between two canonical texts of a factor."""
    was: dict[str, Any] = json.loads(committed)
    got: dict[str, Any] = json.loads(now)
    diff = {
        k: (str(was.get(k)), str(got.get(k)))
        for k in sorted(was.keys() | got.keys())
        if was.get(k) != got.get(k)
    }
    if "value_exact" in diff:  # the value, written exactly: shown as Python shows a float
        diff.pop("value", None)
        old, new = diff.pop("value_exact")
        diff["value"] = (repr(float(old)), repr(float(new)))
    return diff
