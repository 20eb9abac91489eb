"""`zerotrail targets|baseyear|progress|claim`: the roadmap over the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.errors import ZerotrailError

targets_app = typer.Typer(
    help="Targets: add from a roadmap TOML file, list, show, check.", no_args_is_help=True
)
baseyear_app = typer.Typer(
    help="Base-year versions and recalculation events.", no_args_is_help=True
)
claim_app = typer.Typer(help="Claims (ISO 14068-1 carbon neutrality).", no_args_is_help=True)

FormatOpt = Annotated[str, typer.Option("--format", help="table or json.")]


def _num(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    return f"{x:,.1f}" if unit == "%" else f"{x:,.2f}"


# --- targets ---------------------------------------------------------------------------------


@targets_app.command("add")
def targets_add(
    file: Annotated[Path, typer.Argument(help="Roadmap TOML file ([[target]] tables).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Store changed targets as new versions.")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why targets change (with --replace).")] = None,
) -> None:
    """Add the targets of a roadmap file (whole or nothing); every version is committed."""
    from zerotrail.targets.baseyear import ensure_recorded
    from zerotrail.targets.register import add_targets
    from zerotrail.targets.roadmap import read_roadmap

    roadmap = read_roadmap(file)
    with common.workspace() as ws:
        rep = add_targets(ws, roadmap, file.name, replace=replace, reason=reason)
        recorded = [
            f"{v.base_year} (version {v.version})"
            for y in sorted({t.base_year for t in roadmap.targets if t.base_year is not None})
            if (v := ensure_recorded(ws, y)) is not None
        ]
    common.out.print(
        f"{file.name}: {len(rep.added)} added, {len(rep.changed)} changed,"
        f" {len(rep.unchanged)} unchanged"
    )
    if recorded:
        common.out.print("base years recorded: " + ", ".join(recorded))


@targets_app.command("list")
def targets_list(format: FormatOpt = "table") -> None:
    """List the active targets (latest versions)."""
    from zerotrail.targets.register import latest_targets

    with common.workspace() as ws:
        rows = latest_targets(ws)
    if format == "json":
        common.print_json([{**st.target.definition(), "version": st.version} for st in rows])
        return
    table = Table(title="Targets")
    for col in ("id", "kind", "name", "boundary / subject", "base", "target", "value", "version"):
        table.add_column(col)
    for st in rows:
        t = st.target
        subject = t.boundary.describe() if t.boundary else (t.site_kind or t.basis or "")
        value = (
            f"-{t.reduction_pct:g}%"
            if t.reduction_pct is not None
            else f"{t.share_pct:g}%"
            if t.share_pct is not None
            else f"neutral from {t.from_year}"
        )
        table.add_row(
            t.id,
            t.kind,
            t.name,
            subject,
            str(t.base_year or "-"),
            str(t.target_year or "-"),
            value,
            str(st.version),
        )
    common.out.print(table)


@targets_app.command("show")
def targets_show(target_id: Annotated[str, typer.Argument(help="Target id.")]) -> None:
    """Every version of one target, with the reason for each change."""
    from zerotrail.targets.register import history

    with common.workspace() as ws:
        rows = history(ws, target_id)
    common.print_json(
        [
            {
                "version": st.version,
                "status": st.status,
                "added_at": st.added_at.isoformat(),
                "reason": st.reason,
                "definition": st.target.definition(),
            }
            for st in rows
        ]
    )


@targets_app.command("withdraw")
def targets_withdraw(
    target_id: Annotated[str, typer.Argument(help="Target id.")],
    reason: Annotated[str, typer.Option(help="Why the target is withdrawn.")],
) -> None:
    """Withdraw a target (a new, committed version; the old ones stay)."""
    from zerotrail.targets.register import withdraw

    with common.workspace() as ws:
        version = withdraw(ws, target_id, reason)
    common.out.print(f"target {target_id} withdrawn (version {version})")


@targets_app.command("check")
def targets_check(format: FormatOpt = "table") -> None:
    """Check every target against the science-based criteria (docs/roadmap.md)."""
    from zerotrail.targets.baseyear import base_figures
    from zerotrail.targets.register import latest_targets
    from zerotrail.targets.sbti import CRITERIA, Shares, check_targets

    with common.workspace() as ws:
        stored = latest_targets(ws)
        if not stored:
            raise ZerotrailError("no targets: add some with `zerotrail targets add FILE`")
        years = [st.target.base_year for st in stored if st.target.base_year is not None]
        base_year = min(years) if years else None
        found = base_figures(ws, base_year) if base_year is not None else None
        if found is None:
            raise ZerotrailError(
                f"no inventory for the base year {base_year}: coverage needs it"
                f" (`zerotrail calculate --year {base_year}`)"
            )
        f = found[0]
        shares = Shares(scope1=f.scope1, scope2=f.scope2_market, scope3=dict(f.scope3))
        checks = check_targets(
            [st.target for st in stored], shares, {st.target.id: st.set_year for st in stored}
        )
    if format == "json":
        common.print_json(
            {
                "criteria": CRITERIA.version,
                "checks": [
                    {"target_id": c.target_id, "passed": c.passed, "reasons": list(c.reasons)}
                    for c in checks
                ],
            }
        )
        return
    table = Table(title=f"Science-based checks ({CRITERIA.version})")
    table.add_column("target")
    table.add_column("result")
    table.add_column("reasons")
    for c in checks:
        result = "n/a" if c.passed is None else "pass" if c.passed else "FAIL"
        table.add_row(c.target_id, result, "\n".join(c.reasons))
    common.out.print(table)


# --- base year -------------------------------------------------------------------------------


@baseyear_app.command("show")
def baseyear_show(
    year: Annotated[int, typer.Option(help="The base year.")],
    format: FormatOpt = "table",
) -> None:
    """Every version of the base year's figures and every event, applied or pending."""
    from zerotrail.targets.baseyear import event_rows, version_dict, versions

    with common.workspace() as ws:
        vs = [version_dict(v) for v in versions(ws, year)]
        events = event_rows(ws, year)
    if format == "json":
        common.print_json({"base_year": year, "versions": vs, "events": events})
        return
    table = Table(title=f"Base year {year}: versions (t CO2e)")
    for col in ("version", "Scope 1", "Scope 2 loc.", "Scope 2 mkt.", "Scope 3", "reason"):
        table.add_column(col)
    for v in vs:
        table.add_row(
            str(v["version"]),
            *(_num(float(v[k])) for k in ("scope1", "scope2_location", "scope2_market", "scope3")),  # type: ignore[arg-type]
            str(v["reason"]),
        )
    common.out.print(table)
    if events:
        ev_table = Table(title="Events (effects on the base year, consolidated, t CO2e)")
        for col in ("event", "kind", "Scope 1", "Scope 2 mkt.", "Scope 3", "applied in"):
            ev_table.add_column(col)
        for e in events:
            ev_table.add_row(
                str(e["event_id"]),
                str(e["kind"]),
                *(_num(float(e[k])) for k in ("scope1_t", "scope2_market_t", "scope3_t")),  # type: ignore[arg-type]
                "pending"
                if e["applied_in_version"] is None
                else f"version {e['applied_in_version']}",
            )
        common.out.print(ev_table)


@baseyear_app.command("record")
def baseyear_record(year: Annotated[int, typer.Option(help="The base year.")]) -> None:
    """Record the base year's calculated inventory as version 1 (if not recorded yet)."""
    from zerotrail.targets.baseyear import ensure_recorded

    with common.workspace() as ws:
        v = ensure_recorded(ws, year)
    if v is None:
        raise ZerotrailError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    common.out.print(f"base year {year}: version {v.version} ({v.reason})")


def _print_decision(d: Any) -> None:
    common.out.print(("recalculated: " if d.recalculate else "no recalculation: ") + d.reason)
    for eid, why in d.ignored:
        common.out.print(f"  {eid}: {why}")


@baseyear_app.command("event")
def baseyear_event(
    event_id: Annotated[str, typer.Argument(help="A new, unique event id.")],
    kind: Annotated[
        str,
        typer.Option(
            help="acquisition, divestment, insourcing, outsourcing,"
            " methodology, factor_change, error or organic."
        ),
    ],
    base_year: Annotated[int, typer.Option(help="The base year affected.")],
    year: Annotated[int, typer.Option(help="Year the event happened.")],
    description: Annotated[str, typer.Option(help="What happened.")],
    entity: Annotated[str | None, typer.Option(help="Entity concerned (share applied).")] = None,
    scope1: Annotated[float, typer.Option(help="Base-year Scope 1 of the change, t.")] = 0.0,
    scope2_location: Annotated[float, typer.Option(help="Scope 2 location-based, t.")] = 0.0,
    scope2_market: Annotated[float, typer.Option(help="Scope 2 market-based, t.")] = 0.0,
    scope3: Annotated[float, typer.Option(help="Scope 3, t (spread pro rata).")] = 0.0,
    not_in_base_year: Annotated[
        bool, typer.Option("--not-in-base-year", help="The business did not exist then.")
    ] = False,
    from_inventory: Annotated[
        bool,
        typer.Option(
            "--from-inventory",
            help="Effect = recalculated base-year inventory - latest version (corrections).",
        ),
    ] = False,
) -> None:
    """Record a structural change, correction or organic change, then apply the policy."""
    from zerotrail.targets.baseyear import EventInput, correction_from_inventory, record_event
    from zerotrail.targets.recalc import Figures

    with common.workspace() as ws:
        if from_inventory:
            gross = correction_from_inventory(ws, base_year)
        else:
            gross = Figures(scope1, scope2_location, scope2_market, {1: scope3} if scope3 else {})
        decision = record_event(
            ws,
            EventInput(
                event_id, base_year, year, kind, description, gross, entity, not not_in_base_year
            ),
        )
    _print_decision(decision)


@baseyear_app.command("import")
def baseyear_import(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX: base-year events (docs/formats.md).")],
) -> None:
    """Record the events of a file (all or none), applying the policy after each."""
    from zerotrail.targets.baseyear import import_events

    with common.workspace() as ws:
        decisions = import_events(ws, file)
    for d in decisions:
        _print_decision(d)


# --- progress and claims ---------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    @app.command()
    def progress(
        year: Annotated[int, typer.Option(help="Reporting year.")],
        format: FormatOpt = "table",
    ) -> None:
        """Each target's actual against its linear pathway, with status, gap and forecast."""
        from zerotrail.targets.progress import progress as run

        with common.workspace() as ws:
            rows = run(ws, year)
            inits = _initiatives(ws, year)
        if format == "json":
            common.print_json(
                {"year": year, "targets": [p.to_dict() for p in rows], "initiatives": inits}
            )
            return
        table = Table(title=f"Roadmap progress {year}")
        for col in ("target", "kind", "actual", "pathway", "target", "gap", "of the way", "status"):
            table.add_column(col, justify="right" if col not in ("target", "kind") else "left")
        for p in rows:
            way = "-" if p.fraction_of_way is None else f"{100 * p.fraction_of_way:.0f}%"
            table.add_row(
                p.id,
                p.kind,
                _num(p.actual, p.unit),
                _num(p.pathway, p.unit),
                _num(p.target_value, p.unit),
                _num(p.gap, p.unit),
                way,
                p.status,
            )
        common.out.print(table)
        for p in rows:
            for note in p.notes:
                common.out.print(f"  {p.id}: {note}")
        if inits:
            it = Table(title=f"Reduction initiatives {year} (t CO2e)")
            for col in ("initiative", "lever", "start", "expected", "realized (est.)"):
                it.add_column(col)
            for i in inits:
                it.add_row(
                    str(i["name"]),
                    str(i["lever"]),
                    str(i["start_year"]),
                    _num(i["expected_t"]),
                    _num(i["realized_t"]),
                )
            common.out.print(it)


def _initiatives(ws: Any, year: int) -> list[dict[str, Any]]:
    from zerotrail.reports.initiatives import initiatives

    return initiatives(ws, year)


@claim_app.command("neutrality")
def claim_neutrality(
    year: Annotated[int, typer.Option(help="The claim's year.")],
    target: Annotated[str | None, typer.Option(help="Neutrality target id (if several).")] = None,
    format: FormatOpt = "table",
) -> None:
    """Evaluate and record the year's carbon-neutrality claim; exit 1 when it does not hold."""
    from zerotrail.offsets.neutrality import record

    with common.workspace() as ws:
        d = record(ws, year, target)
    if format == "json":
        common.print_json(d)
    else:
        print_claim(d)
    if not d["holds"]:
        raise typer.Exit(1)


def print_claim(d: dict[str, Any]) -> None:
    verdict = "HOLDS" if d["holds"] else "DOES NOT HOLD"
    common.out.print(
        f"{d['year']} carbon-neutrality claim ({d['boundary']}, {d['standard']}): {verdict}"
    )
    common.out.print(f"  gross emissions   {d['gross_t']:>14,.2f} t CO2e (scope totals unchanged)")
    for kind, t in sorted(d["by_type"].items()):
        common.out.print(f"  credits: {kind:<9}{t:>14,.2f} t")
    share = d["removal_share"]
    common.out.print(
        f"  credits counted   {d['credits_t']:>14,.2f} t"
        f" (removals {'-' if share is None else f'{100 * share:.1f}%'})"
    )
    common.out.print(f"  net               {d['net_t']:>14,.2f} t CO2e")
    for f in d["failures"]:
        common.out.print(f"  [red]fails:[/red] {f}")
    for w in d["warnings"]:
        common.out.print(f"  note: {w}")
