"""The target register in the workspace: add, change, withdraw, list, each change committed.

A target's content is its definition (canonical JSON). Adding a roadmap file adds new targets,
leaves identical ones alone and refuses changed ones unless `replace`, which stores a new
version with the reason given; old versions stay. Withdrawing stores a version with status
`withdrawn`. Every version is committed to the ledger in the same transaction.

The roadmap file's `[recalculation]` policy is kept as a workspace setting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from zerotrail.errors import DataError, Problem, ZerotrailError
from zerotrail.store.committed import commit_new
from zerotrail.store.workspace import Workspace
from zerotrail.targets.roadmap import Policy, Roadmap, Target

POLICY_SETTING = "recalculation_policy"


@dataclass(frozen=True, slots=True)
class StoredTarget:
    target: Target
    version: int
    status: str
    added_at: datetime
    reason: str | None

    @property
    def set_year(self) -> int:
        return self.target.set_year or self.added_at.year


@dataclass(frozen=True, slots=True)
class AddReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _rows(ws: Workspace, where: str = "", params: list[object] | None = None) -> list[StoredTarget]:
    out = []
    for _tid, ver, status, definition, added_at, reason in ws.fetchall(
        "SELECT target_id, version, status, definition, added_at, reason FROM targets"
        f" {where} ORDER BY target_id, version",
        params or [],
    ):
        t = Target.from_definition(json.loads(definition))
        out.append(StoredTarget(t, int(ver), str(status), added_at, reason))
    return out


def latest_targets(ws: Workspace, *, include_withdrawn: bool = False) -> list[StoredTarget]:
    """The latest version of every target (active ones only unless asked)."""
    latest: dict[str, StoredTarget] = {}
    for st in _rows(ws):
        latest[st.target.id] = st
    return [s for s in latest.values() if include_withdrawn or s.status == "active"]


def history(ws: Workspace, target_id: str) -> list[StoredTarget]:
    rows = _rows(ws, "WHERE target_id = ?", [target_id])
    if not rows:
        raise ZerotrailError(f"no target {target_id}")
    return rows


def get_target(ws: Workspace, target_id: str) -> StoredTarget:
    st = history(ws, target_id)[-1]
    if st.status != "active":
        raise ZerotrailError(f"target {target_id} was withdrawn ({st.reason or 'no reason'})")
    return st


def _check_reason(reason: str | None) -> None:
    """A reason is free text: no control characters, at most MAX_TEXT_LENGTH characters."""
    from zerotrail.ingest.limits import MAX_TEXT_LENGTH, text_problem

    if reason and (why := text_problem(reason, MAX_TEXT_LENGTH)):
        raise ZerotrailError(f"the reason {why}")


def add_targets(
    ws: Workspace,
    roadmap: Roadmap,
    source: str,
    *,
    replace: bool = False,
    reason: str | None = None,
) -> AddReport:
    """Store a roadmap's targets (whole or nothing) and its recalculation policy."""
    current = {st.target.id: st for st in latest_targets(ws, include_withdrawn=True)}
    added, changed, same = [], [], []
    problems = []
    for t in roadmap.targets:
        old = current.get(t.id)
        if old is None:
            added.append(t)
        elif old.target.definition_json() == t.definition_json() and old.status == "active":
            same.append(t.id)
        elif not replace:
            problems.append(
                Problem(
                    source,
                    None,
                    t.id,
                    f"target {t.id} already exists (version {old.version}) with a different"
                    " definition; use --replace with --reason to store a new version",
                )
            )
        else:
            changed.append(t)
    if problems:
        raise DataError(problems, f"{source}: {len(problems)} problem(s); nothing was added")
    if changed and not reason:
        raise ZerotrailError("changing a target needs a reason (--reason)")
    _check_reason(reason)
    now = _now()
    with ws.transaction():
        for t in added + changed:
            version = current[t.id].version + 1 if t.id in current else 1
            ws.execute(
                "INSERT INTO targets VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
                [
                    t.id,
                    version,
                    t.kind,
                    t.name,
                    t.definition_json(),
                    reason if t.id in current else (reason or "added"),
                    now,
                ],
            )
        if roadmap.policy is not None:
            set_policy(ws, roadmap.policy)
        commit_new(ws, "target")
        # Each base year with an inventory is recorded now, as version 1 of its figures.
        from zerotrail.targets.baseyear import ensure_recorded

        for year in sorted({t.base_year for t in roadmap.targets if t.base_year is not None}):
            ensure_recorded(ws, year)
    return AddReport(tuple(t.id for t in added), tuple(t.id for t in changed), tuple(same))


def withdraw(ws: Workspace, target_id: str, reason: str) -> int:
    st = get_target(ws, target_id)
    if not reason:
        raise ZerotrailError("withdrawing a target needs a reason (--reason)")
    _check_reason(reason)
    with ws.transaction():
        ws.execute(
            "INSERT INTO targets VALUES (?, ?, ?, ?, 'withdrawn', ?, ?, ?)",
            [
                target_id,
                st.version + 1,
                st.target.kind,
                st.target.name,
                st.target.definition_json(),
                reason,
                _now(),
            ],
        )
        commit_new(ws, "target")
    return st.version + 1


def set_policy(ws: Workspace, policy: Policy) -> None:
    ws.set_setting(
        POLICY_SETTING,
        json.dumps({"threshold_pct": policy.threshold_pct, "cumulative": policy.cumulative}),
    )


def policy(ws: Workspace) -> Policy:
    """The workspace's recalculation policy (5%, cumulative, unless a roadmap set another)."""
    text = ws.get_setting(POLICY_SETTING)
    if text is None:
        return Policy()
    d = json.loads(text)
    return Policy(float(d["threshold_pct"]), bool(d["cumulative"]))
