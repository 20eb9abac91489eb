"""The roadmap stage: targets, base years and their recalculation, progress, science-based checks.

Read top to bottom:

    read_roadmap_file(path)                 a roadmap TOML file, checked whole (no workspace)
    add_targets(ws, roadmap, source, ...)   store its targets and policy; record the base years
    list_targets / target_history           the register as it stands (reads only)
    withdraw_target(ws, id, reason)         a withdrawn version (written, committed)
    check_targets(ws)                       every target against the SBTi criteria (reads only)
    base_year_versions / base_year_events   a base year's versions and events (reads only)
    record_base_year(ws, year)              version 1 from the inventory, if not recorded yet
    record_event(ws, event)                 store an event, apply the recalculation policy
    import_events(ws, path)                 the same for a file of events, all or none
    correction_from_inventory(ws, year)     a recalculated base year's difference (reads only)
    target_progress(ws, year)               each target against its pathway (reads only)

Where it sits: pipeline, called by `cli/` (and the report stage). The rules are `targets/`
(pure); the reads and writes are `store/targets.py` and `store/baseyear.py`, through the readers
of `pipeline/measures.py`; every stored version is committed to the ledger in the transaction
that stores it. Neutrality targets take their progress from the claim stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zerotrail.engine.inputs import EntityRow
from zerotrail.errors import TargetError
from zerotrail.pipeline import claims
from zerotrail.pipeline.measures import (
    base_figures,
    base_year_versions,
    inventory_figures,
    latest_targets,
    read_measures,
    target_versions,
)
from zerotrail.store import baseyear as store_baseyear
from zerotrail.store import targets as store_targets
from zerotrail.store.committed import commit_new
from zerotrail.store.database import Workspace
from zerotrail.store.figures import current_run_id
from zerotrail.store.history import snapshot
from zerotrail.store.inventory import current_run
from zerotrail.store.organization import entity_ids, stored_entities
from zerotrail.store.recorded_claims import latest_claims
from zerotrail.targets import baseyear, register
from zerotrail.targets.baseyear import EventInput, StoredEvent, Version, version_dict
from zerotrail.targets.progress import (
    RecordedClaim,
    TargetProgress,
    claim_due,
    covered_years,
    neutrality_progress,
    progress_of,
)
from zerotrail.targets.recalc import Decision, Figures, decide
from zerotrail.targets.register import AddReport, NewVersion, StoredTarget
from zerotrail.targets.roadmap import Policy, Roadmap, read_roadmap
from zerotrail.targets.sbti import CRITERIA, Check, Shares
from zerotrail.targets.sbti import check_targets as sbti_checks

# The values the edges build or show, taken from here as the stages are.
__all__ = [
    "Decision",
    "EventInput",
    "Figures",
    "TargetChecks",
    "TargetProgress",
    "TargetsAdded",
    "Version",
    "add_targets",
    "base_year_events",
    "base_year_versions",
    "check_targets",
    "correction_from_inventory",
    "import_events",
    "list_targets",
    "read_roadmap_file",
    "recalculation_policy",
    "record_base_year",
    "record_event",
    "target_history",
    "target_progress",
    "version_dict",
    "withdraw_target",
]

# --- the roadmap file and the register ----------------------------------------------------------


def read_roadmap_file(path: Path) -> Roadmap:
    """Read and check a roadmap TOML file; DataError naming every problem. A file with neither a
    target nor a policy is refused: adding it would report success having done nothing."""
    roadmap = read_roadmap(path)
    if not roadmap.targets and roadmap.policy is None:
        raise TargetError(f"{path}: no [[target]] table and no recalculation policy to add")
    return roadmap


@dataclass(frozen=True, slots=True)
class TargetsAdded:
    """What adding a roadmap did: the register's changes and the base years now recorded."""

    report: AddReport
    base_years: tuple[Version, ...]  # the latest version of each base year the targets name

    @property
    def added(self) -> tuple[str, ...]:
        return self.report.added

    @property
    def changed(self) -> tuple[str, ...]:
        return self.report.changed

    @property
    def unchanged(self) -> tuple[str, ...]:
        return self.report.unchanged


def _store_versions(ws: Workspace, versions: list[NewVersion]) -> None:
    at = baseyear.now()
    for v in versions:
        store_targets.insert_target(
            ws,
            target_id=v.target.id,
            version=v.version,
            kind=v.target.kind,
            name=v.target.name,
            status=str(v.status),
            definition=v.target.definition_json(),
            reason=v.reason,
            added_at=at,
        )


def add_targets(
    ws: Workspace,
    roadmap: Roadmap,
    source: str,
    *,
    replace: bool = False,
    reason: str | None = None,
) -> TargetsAdded:
    """Store a roadmap's targets (whole or nothing) and its recalculation policy; each base year
    with an inventory is recorded now, as version 1 of its figures."""
    current = latest_targets(ws, include_withdrawn=True)
    report, new = register.additions(current, roadmap, source, replace=replace, reason=reason)
    base_years = sorted({t.base_year for t in roadmap.targets if t.base_year is not None})
    recorded = []
    with ws.transaction():
        _store_versions(ws, new)
        if roadmap.policy is not None:
            store_targets.set_recalculation_policy(ws, register.policy_text(roadmap.policy))
            snapshot(ws, "setting")  # the policy decides recalculations: committed
        commit_new(ws, "target")
        for year in base_years:
            if (v := record_base_year(ws, year)) is not None:
                recorded.append(v)
    return TargetsAdded(report, tuple(recorded))


def list_targets(ws: Workspace) -> list[StoredTarget]:
    """The targets in force (the latest version of each, withdrawn ones left out)."""
    return latest_targets(ws)


def target_history(ws: Workspace, target_id: str) -> list[StoredTarget]:
    """Every version of one target, with the reason for each change."""
    return target_versions(ws, target_id)


def withdraw_target(ws: Workspace, target_id: str, reason: str) -> int:
    """Withdraw a target (a new, committed version; the old ones stay). The new version."""
    new = register.withdrawal(target_id, target_versions(ws, target_id), reason)
    with ws.transaction():
        _store_versions(ws, [new])
        commit_new(ws, "target")
    return new.version


def recalculation_policy(ws: Workspace) -> Policy:
    """The workspace's recalculation policy (5%, cumulative, unless a roadmap set another)."""
    return register.policy_from_text(store_targets.recalculation_policy(ws))


@dataclass(frozen=True, slots=True)
class TargetChecks:
    criteria: str  # the edition of the criteria checked against
    checks: tuple[Check, ...]  # one per target in force, then the portfolio


def check_targets(ws: Workspace) -> TargetChecks:
    """Every target in force against the science-based criteria (docs/roadmap.md), with the
    earliest base year's figures as the inventory coverage is measured against."""
    stored = latest_targets(ws)
    if not stored:
        raise TargetError("no targets: add some with `zerotrail targets add FILE`")
    years = [st.target.base_year for st in stored if st.target.base_year is not None]
    base_year = min(years) if years else None
    found = base_figures(ws, base_year) if base_year is not None else None
    if found is None:
        raise TargetError(
            f"no inventory for the base year {base_year}: coverage needs it"
            f" (`zerotrail calculate --year {base_year}`)"
        )
    f = found[0]
    shares = Shares(scope1=f.scope1, scope2=f.scope2_market, scope3=dict(f.scope3))
    checks = sbti_checks(
        [st.target for st in stored], shares, {st.target.id: st.set_year for st in stored}
    )
    return TargetChecks(CRITERIA.version, tuple(checks))


# --- base years ---------------------------------------------------------------------------------


def _stored_events(ws: Workspace, base_year: int) -> list[StoredEvent]:
    return [baseyear.event_from_row(r) for r in store_baseyear.event_rows(ws, base_year)]


def base_year_events(ws: Workspace, base_year: int) -> list[dict[str, object]]:
    """Every event of a base year with its effect and the version that applied it."""
    return baseyear.event_dicts(base_year_versions(ws, base_year), _stored_events(ws, base_year))


def _insert_version(ws: Workspace, v: Version) -> None:
    store_baseyear.insert_version(ws, baseyear.version_row(v))
    commit_new(ws, "base_year")


def record_base_year(ws: Workspace, base_year: int) -> Version | None:
    """The latest base-year version, recording version 1 from the inventory if there is none.

    None when the base year has neither a version nor a calculated inventory.
    """
    have = base_year_versions(ws, base_year)
    if have:
        return have[-1]
    figures = inventory_figures(ws, base_year)
    if figures is None:
        return None
    v = baseyear.first_version(base_year, figures, current_run_id(ws, base_year))
    with ws.transaction():
        _insert_version(ws, v)
    return v


def _share(ws: Workspace, entity: str | None, base_year: int) -> float:
    if entity is None:
        return 1.0
    rows = [
        EntityRow(e, parent, share, fc, oc)
        for (e,), (_name, parent, share, fc, oc, _country) in stored_entities(ws).items()
    ]
    run = current_run(ws, base_year)
    return baseyear.consolidation_share(entity, rows, None if run is None else run.consolidation)


def record_event(ws: Workspace, ev: EventInput) -> Decision:
    """Store an event (committed) and apply the recalculation policy to all pending events: a
    new base-year version when they are significant."""
    baseyear.check_event(ev)
    if ev.event_id in store_baseyear.event_ids(ws):
        raise TargetError(f"event {ev.event_id} is already recorded")
    base = record_base_year(ws, ev.base_year)
    if base is None:
        raise TargetError(
            f"no base-year inventory for {ev.base_year}: run `zerotrail calculate --year"
            f" {ev.base_year}` first"
        )
    share = _share(ws, ev.entity, ev.base_year)
    effect = baseyear.consolidated_effect(ev, share, base.figures)
    with ws.transaction():
        store_baseyear.insert_event(ws, baseyear.event_row(ev, share, effect, baseyear.now()))
        commit_new(ws, "baseline_event")
        pending = baseyear.pending(
            base_year_versions(ws, ev.base_year), _stored_events(ws, ev.base_year)
        )
        decision = decide(base.figures, pending, recalculation_policy(ws))
        if decision.recalculate and decision.new_figures is not None:
            _insert_version(
                ws,
                Version(
                    ev.base_year,
                    base.version + 1,
                    decision.new_figures,
                    decision.reason,
                    decision.applied,
                    None,
                    baseyear.now(),
                ),
            )
    return decision


def import_events(ws: Workspace, path: Path) -> list[Decision]:
    """Record the events of a file (docs/formats.md), checked whole first; all or none."""
    todo = baseyear.read_events(path, store_baseyear.event_ids(ws), entity_ids(ws))
    with ws.transaction():
        return [record_event(ws, ev) for ev in todo]


def correction_from_inventory(ws: Workspace, base_year: int) -> Figures:
    """The change the recalculated base-year inventory makes to the latest base-year version
    (the effect of a method, factor or error event)."""
    base = record_base_year(ws, base_year)
    now = inventory_figures(ws, base_year)
    if base is None or now is None:
        raise TargetError(f"no base-year inventory for {base_year}")
    return baseyear.correction(base.figures, now)


# --- progress -----------------------------------------------------------------------------------


def target_progress(
    ws: Workspace, year: int, *, kinds: frozenset[str] | None = None
) -> list[TargetProgress]:
    """Each target in force (of the given kinds) in `year`: actual against its pathway, with
    status, gap and forecast; a neutrality target by its year's claim (previewed, not stored)
    and the claims recorded for each earlier year it covers."""
    stored = latest_targets(ws)
    chosen = [st for st in stored if kinds is None or st.target.kind in kinds]
    measures = read_measures(ws, [st.target for st in stored], year)
    out = []
    for st in chosen:
        t = st.target
        if t.kind != "neutrality":
            out.append(progress_of(t, year, measures))
            continue
        has_inventory = year in measures.figures
        claim = None
        if has_inventory and claim_due(t, year):
            _inp, claim = claims.evaluate(ws, st, year, latest=stored, measures=measures)
        out.append(
            neutrality_progress(
                t,
                year,
                has_inventory=has_inventory,
                claim=claim,
                earlier=_recorded_claims(ws, t.id, covered_years(t, year)),
            )
        )
    return out


def _recorded_claims(ws: Workspace, target_id: str, years: list[int]) -> dict[int, RecordedClaim]:
    """The recorded claims of a neutrality target in `years`, each marked as recorded on the
    year's current run or not."""
    return {
        y: RecordedClaim(y, holds, net, run_id is not None and run_id == current_run_id(ws, y))
        for y, holds, net, run_id in latest_claims(ws, target_id)
        if y in years
    }
