"""Neutrality claims over the workspace: gather the inputs, evaluate, record, and finalize years.

The rules are in `claims.evaluate_claim` (pure). Here: the claim boundary's footprint from the
year's current run, whether that run is final, the credits assigned to the year's claim and to
other years' claims, and the reduction plan (the reduction targets covering the boundary, with
their progress in the year). A recorded claim is stored as a new version whenever its outcome
or figures change, and committed to the ledger.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from zerotrail.errors import ZerotrailError
from zerotrail.ingest.credits import current_credits
from zerotrail.offsets.claims import ClaimInput, ClaimResult, evaluate_claim
from zerotrail.store.committed import commit_new
from zerotrail.store.workspace import Workspace

if TYPE_CHECKING:
    from zerotrail.targets.progress import Reader
from zerotrail.targets.figures import run_of
from zerotrail.targets.register import StoredTarget, get_target, latest_targets
from zerotrail.targets.roadmap import Boundary


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def is_final(ws: Workspace, year: int) -> bool:
    run_id = run_of(ws, year)
    return run_id is not None and bool(
        ws.scalar("SELECT count(*) FROM inventory_finals WHERE run_id = ?", [run_id])
    )


def finalize(ws: Workspace, year: int) -> tuple[str, bool]:
    """Mark the year's current run final (committed). Returns (run id, newly finalized)."""
    run_id = run_of(ws, year)
    if run_id is None:
        raise ZerotrailError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    problems = int(ws.scalar("SELECT problems FROM runs WHERE run_id = ?", [run_id]))
    if problems:
        raise ZerotrailError(
            f"the {year} inventory has {problems} unresolved record(s): fix them before"
            f" finalizing (`zerotrail inventory --year {year} --format json` lists them)"
        )
    if is_final(ws, year):
        return run_id, False
    with ws.transaction():
        ws.execute("INSERT INTO inventory_finals VALUES (?, ?, ?)", [year, run_id, _now()])
        commit_new(ws, "final")
    return run_id, True


def covers(outer: Boundary, inner: Boundary) -> bool:
    """Whether a target's boundary includes every part of the claim's boundary."""
    if not set(inner.scopes) <= set(outer.scopes):
        return False
    return set(inner.scope3_categories) <= set(outer.scope3_categories)


def neutrality_target(ws: Workspace, target_id: str | None) -> StoredTarget:
    if target_id is not None:
        st = get_target(ws, target_id)
        if st.target.kind != "neutrality":
            raise ZerotrailError(f"target {target_id} is a {st.target.kind} target")
        return st
    found = [st for st in latest_targets(ws) if st.target.kind == "neutrality"]
    if not found:
        raise ZerotrailError(
            'no neutrality target: add one (kind = "neutrality") with `zerotrail targets add`'
        )
    if len(found) > 1:
        names = ", ".join(st.target.id for st in found)
        raise ZerotrailError(f"several neutrality targets ({names}): name one with --target")
    return found[0]


def evaluate(
    ws: Workspace, st: StoredTarget, year: int, reader: Reader | None = None
) -> tuple[ClaimInput, ClaimResult]:
    """The year's claim; `reader` shares inventory figures already read by a progress run."""
    from zerotrail.targets.progress import REDUCTION_KINDS, Reader, target_progress

    boundary = st.target.boundary
    assert boundary is not None
    reader = reader or Reader(ws)
    figures = reader.figures(year)
    if figures is None:
        raise ZerotrailError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    credits = current_credits(ws)
    plan = []
    recorded = True
    for other in latest_targets(ws):
        t = other.target
        if t.kind in REDUCTION_KINDS and t.boundary is not None and covers(t.boundary, boundary):
            prog = target_progress(reader, other, year)
            plan.append((t.id, prog.status))
            recorded = recorded and prog.actual is not None and prog.base_value is not None
    inp = ClaimInput(
        target_id=st.target.id,
        year=year,
        boundary=boundary.describe(),
        gross_t=figures.boundary_total(boundary),
        final=is_final(ws, year),
        run_id=run_of(ws, year),
        credits=[c for c in credits if c.claim_year == year],
        other_claims=[c for c in credits if c.claim_year is not None and c.claim_year != year],
        plan=plan,
        progress_recorded=bool(plan) and recorded,
    )
    return inp, evaluate_claim(inp)


def result_dict(inp: ClaimInput, result: ClaimResult) -> dict[str, object]:
    d = asdict(result)
    d.update(
        {
            "claim_id": f"{inp.target_id}:{inp.year}",
            "target_id": inp.target_id,
            "year": inp.year,
            "boundary": inp.boundary,
            "run_id": inp.run_id,
            "final": inp.final,
            "plan": [{"target_id": t, "status": s} for t, s in inp.plan],
            "standard": "ISO 14068-1:2023",
        }
    )
    return d


def record(ws: Workspace, year: int, target_id: str | None = None) -> dict[str, object]:
    """Evaluate the year's claim and store it (a new committed version when it changed)."""
    st = neutrality_target(ws, target_id)
    inp, result = evaluate(ws, st, year)
    d = result_dict(inp, result)
    claim_id = str(d["claim_id"])
    detail = json.dumps(
        {k: d[k] for k in ("by_type", "removal_share", "failures", "warnings", "credits", "plan")},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    last = ws.fetchall(
        "SELECT version, holds, run_id, gross, credits_t, net, detail FROM claims"
        " WHERE claim_id = ? ORDER BY version DESC LIMIT 1",
        [claim_id],
    )
    row = (result.holds, inp.run_id, result.gross_t, result.credits_t, result.net_t, detail)
    if last and tuple(last[0][1:]) == row:
        d["version"] = int(last[0][0])
        return d
    version = int(last[0][0]) + 1 if last else 1
    with ws.transaction():
        ws.execute(
            "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                claim_id,
                version,
                inp.target_id,
                year,
                result.holds,
                inp.run_id,
                result.gross_t,
                result.credits_t,
                result.removals_t,
                result.net_t,
                detail,
                _now(),
            ],
        )
        commit_new(ws, "claim")
    d["version"] = version
    return d
