"""The claim stage: make a year's inventory final, preview a neutrality claim, record one.

    finalize_inventory(ws, year)        mark the year's current run final (written, committed)
    neutrality_preview(ws, year, ...)   the year's claim as it stands (reads only)
    record_claim(ws, year, ...)         the same claim, stored as a new committed version
                                        when its outcome or figures changed

Where it sits: pipeline, called by `cli/` (and the report stage for the preview). The rules are
`offsets/neutrality.py` and `offsets/claims.py` (ISO 14068-1); the reads and writes are
`store/claims.py`, `store/credits.py` and the readers of `pipeline/measures.py`. A preview never
writes: the claim a report shows is the one `record_claim` would store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from zerotrail.offsets import neutrality
from zerotrail.offsets.claims import ClaimInput, ClaimResult, evaluate_claim
from zerotrail.pipeline.measures import latest_targets, read_measures, target_versions
from zerotrail.store import claims as store_claims
from zerotrail.store.committed import commit_new
from zerotrail.store.credits import current_credits
from zerotrail.store.database import Workspace
from zerotrail.store.figures import current_run_id
from zerotrail.store.inventory import current_run
from zerotrail.targets.progress import Measures, progress_of
from zerotrail.targets.register import StoredTarget, in_force


class Finalized(NamedTuple):
    run_id: str
    newly: bool  # False: the run was final already


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def is_final(ws: Workspace, year: int) -> bool:
    """Whether the year's current run is final (a later calculation makes it not final)."""
    run_id = current_run_id(ws, year)
    return run_id is not None and store_claims.is_final(ws, run_id)


def finalize_inventory(ws: Workspace, year: int) -> Finalized:
    """Mark the year's current run final (committed); claims need a final inventory."""
    run = current_run(ws, year)
    run_id = neutrality.finalizable(
        year, None if run is None else run.run_id, 0 if run is None else run.problems
    )
    if store_claims.is_final(ws, run_id):
        return Finalized(run_id, False)
    with ws.transaction():
        store_claims.insert_final(ws, year, run_id, _now())
        commit_new(ws, "final")
    return Finalized(run_id, True)


def neutrality_target(ws: Workspace, target_id: str | None) -> StoredTarget:
    """The neutrality target a claim is for: the one named, else the only one in force."""
    if target_id is not None:
        return neutrality.named_target(in_force(target_id, target_versions(ws, target_id)))
    return neutrality.only_target(latest_targets(ws))


def evaluate(
    ws: Workspace,
    st: StoredTarget,
    year: int,
    *,
    latest: Sequence[StoredTarget] | None = None,
    measures: Measures | None = None,
) -> tuple[ClaimInput, ClaimResult]:
    """The year's claim for a neutrality target. `latest` (the targets in force) and `measures`
    may be passed by a stage that read them already (progress), so nothing is read twice."""
    stored = latest_targets(ws) if latest is None else latest
    plan = neutrality.reduction_plan(st, stored)
    if measures is None:
        measures = read_measures(ws, [p.target for p in plan], year)
    inp = neutrality.claim_input(
        st,
        year,
        measures.figures.get(year),
        final=is_final(ws, year),
        run_id=current_run_id(ws, year),
        credits=current_credits(ws),
        plan=[progress_of(p.target, year, measures) for p in plan],
    )
    return inp, evaluate_claim(inp)


def neutrality_preview(ws: Workspace, year: int, target_id: str | None = None) -> dict[str, Any]:
    """The year's neutrality claim as it stands, as `claim neutrality --format json` shows it
    (without a version: nothing is stored)."""
    inp, result = evaluate(ws, neutrality_target(ws, target_id), year)
    return neutrality.result_dict(inp, result)


def record_claim(ws: Workspace, year: int, target_id: str | None = None) -> dict[str, Any]:
    """Evaluate the year's claim and store it: a new committed version when it changed. The
    claim as shown, with its `version`."""
    inp, result = evaluate(ws, neutrality_target(ws, target_id), year)
    d = neutrality.result_dict(inp, result)
    content = neutrality.stored_content(inp, result)
    last = store_claims.latest_claim(ws, neutrality.claim_id(inp))
    if last is not None and tuple(last[1:]) == content:
        d["version"] = int(last[0])
        return d
    version = int(last[0]) + 1 if last is not None else 1
    with ws.transaction():
        store_claims.insert_claim(
            ws,
            claim_id=neutrality.claim_id(inp),
            version=version,
            target_id=inp.target_id,
            year=year,
            holds=result.holds,
            run_id=inp.run_id,
            gross_t=result.gross_t,
            credits_t=result.credits_t,
            removals_t=result.removals_t,
            net_t=result.net_t,
            detail=str(content[-1]),
            created_at=_now(),
        )
        commit_new(ws, "claim")
    d["version"] = version
    return d
