"""The target register's rules: versions of each target, what adding a roadmap changes,
withdrawal, and the recalculation policy as a setting.

A target's content is its definition (canonical JSON). Adding a roadmap file adds new targets,
leaves identical ones alone and refuses changed ones unless `replace`, which stores a new
version with the reason given; old versions stay. Withdrawing stores a version with status
`withdrawn`. The roadmap file's `[recalculation]` policy is kept as a workspace setting.

Where it sits: the rules over values. The roadmap stage (`pipeline/roadmap.py`) reads the
register with `store/targets.py`, asks these functions what to store, stores it and commits
every version to the ledger in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from zerotrail.errors import DataError, Problem, TargetError
from zerotrail.model.limits import MAX_TEXT_LENGTH, text_problem
from zerotrail.targets.roadmap import Policy, Roadmap, Target

POLICY_SETTING = "recalculation_policy"


class RegisterStatus(StrEnum):
    """Whether a target version is in force (a register state, not progress: see status.py)."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class StoredTarget:
    target: Target
    version: int
    status: RegisterStatus
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


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A target version to store: the next version number, its status and reason."""

    target: Target
    version: int
    status: RegisterStatus
    reason: str | None


def stored_from_row(row: Sequence[Any]) -> StoredTarget:
    """A `targets` row (store/targets.py `target_rows`) as a StoredTarget."""
    tid, ver, status, definition, added_at, reason = row
    if status not in set(RegisterStatus):
        raise TargetError(f"target {tid} version {ver} has an unknown status {status!r}")
    try:
        doc = json.loads(definition)
    except json.JSONDecodeError as exc:
        raise TargetError(f"target {tid} version {ver} is not stored as JSON ({exc.msg})") from None
    return StoredTarget(
        Target.from_definition(doc), int(ver), RegisterStatus(status), added_at, reason
    )


def latest(
    versions: Iterable[StoredTarget], *, include_withdrawn: bool = False
) -> list[StoredTarget]:
    """The latest version of every target (active ones only unless asked), by target id;
    `versions` in (target id, version) order."""
    last: dict[str, StoredTarget] = {}
    for st in versions:
        last[st.target.id] = st
    return [s for s in last.values() if include_withdrawn or s.status == RegisterStatus.ACTIVE]


def existing(target_id: str, versions: Sequence[StoredTarget]) -> Sequence[StoredTarget]:
    """Every version of one target; TargetError when there is none."""
    if not versions:
        raise TargetError(f"no target {target_id}")
    return versions


def in_force(target_id: str, versions: Sequence[StoredTarget]) -> StoredTarget:
    """The latest version of a target that has not been withdrawn; TargetError otherwise."""
    st = existing(target_id, versions)[-1]
    if st.status != RegisterStatus.ACTIVE:
        raise TargetError(f"target {target_id} was withdrawn ({st.reason or 'no reason'})")
    return st


def check_reason(reason: str | None) -> None:
    """A reason is free text: no control characters, at most MAX_TEXT_LENGTH characters."""
    if reason and (why := text_problem(reason, MAX_TEXT_LENGTH)):
        raise TargetError(f"the reason {why}")


def additions(
    current: Sequence[StoredTarget],
    roadmap: Roadmap,
    source: str,
    *,
    replace: bool = False,
    reason: str | None = None,
) -> tuple[AddReport, list[NewVersion]]:
    """What adding `roadmap` to a register whose latest versions are `current` stores: the
    report and the new versions, whole or nothing (DataError naming every refused target)."""
    by_id = {st.target.id: st for st in current}
    added, changed, same = [], [], []
    problems = []
    for t in roadmap.targets:
        old = by_id.get(t.id)
        if old is None:
            added.append(t)
        elif (
            old.target.definition_json() == t.definition_json()
            and old.status == RegisterStatus.ACTIVE
        ):
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
        raise TargetError("changing a target needs a reason (--reason)")
    check_reason(reason)
    new = [
        NewVersion(
            t,
            by_id[t.id].version + 1 if t.id in by_id else 1,
            RegisterStatus.ACTIVE,
            reason if t.id in by_id else (reason or "added"),
        )
        for t in added + changed
    ]
    report = AddReport(tuple(t.id for t in added), tuple(t.id for t in changed), tuple(same))
    return report, new


def withdrawal(target_id: str, versions: Sequence[StoredTarget], reason: str) -> NewVersion:
    """The version that withdraws a target in force; TargetError without a reason."""
    st = in_force(target_id, versions)
    if not reason:
        raise TargetError("withdrawing a target needs a reason (--reason)")
    check_reason(reason)
    return NewVersion(st.target, st.version + 1, RegisterStatus.WITHDRAWN, reason)


def policy_text(policy: Policy) -> str:
    """The recalculation policy as the workspace setting stores it."""
    return json.dumps({"threshold_pct": policy.threshold_pct, "cumulative": policy.cumulative})


def policy_from_text(text: str | None) -> Policy:
    """The stored recalculation policy (5%, cumulative, unless a roadmap set another)."""
    if text is None:
        return Policy()
    try:
        d = json.loads(text)
        return Policy(float(d["threshold_pct"]), bool(d["cumulative"]))
    except (ValueError, TypeError, KeyError):
        raise TargetError(
            f"the stored recalculation policy is not readable: {text[:80]!r}"
            " (adding a roadmap with a [recalculation] table sets it again)"
        ) from None
