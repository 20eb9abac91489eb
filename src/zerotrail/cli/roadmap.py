"""`zerotrail targets|baseyear|progress|claim`: the roadmap over the workspace.

Thin: parses the arguments, calls the roadmap and claim stages (`pipeline/roadmap.py`,
`pipeline/claims.py`) and formats what they return.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.errors import ZerotrailError

if TYPE_CHECKING:
    from zerotrail.pipeline.roadmap import Decision

targets_app = typer.Typer(
    help="Targets: add from a roadmap TOML file, list, show, check.", no_args_is_help=True
)
baseyear_app = typer.Typer(
    help="Base-year versions and recalculation events.", no_args_is_help=True
)
claim_app = typer.Typer(help="Claims (ISO 14068-1 carbon neutrality).", no_args_is_help=True)

FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json.")]


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
    from zerotrail.pipeline.roadmap import add_targets, read_roadmap_file

    with common.reading(file, "toml"):
        roadmap = read_roadmap_file(file)
    with common.workspace() as ws:
        rep = add_targets(ws, roadmap, file.name, replace=replace, reason=reason)
    recorded = [f"{v.base_year} (version {v.version})" for v in rep.base_years]
    common.say(
        f"{file.name}: {len(rep.added)} added, {len(rep.changed)} changed,"
        f" {len(rep.unchanged)} unchanged"
    )
    if recorded:
        common.say("base years recorded: " + ", ".join(recorded))


@targets_app.command("list")
def targets_list(format: FormatOpt = "table") -> None:
    """List the active targets (latest versions)."""
    from zerotrail.pipeline.roadmap import list_targets

    common.check_format(format)
    with common.workspace() as ws:
        rows = list_targets(ws)
    if format == "json":
        common.print_json([{**st.target.definition(), "version": st.version} for st in rows])
        return
    records = []
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
        records.append(
            {
                "id": t.id,
                "kind": t.kind,
                "name": t.name,
                "subject": subject,
                "base_year": t.base_year,
                "target_year": t.target_year,
                "value": value,
                "reduction_pct": t.reduction_pct,
                "share_pct": t.share_pct,
                "from_year": t.from_year,
                "version": st.version,
            }
        )
    if format == "csv":
        fields = ["id", "kind", "name", "subject", "base_year", "target_year"]
        fields += ["reduction_pct", "share_pct", "from_year", "version"]
        common.print_csv(records, fields)
        return
    table = Table(title="Targets")
    for col in ("id", "kind", "name", "boundary / subject"):
        common.text_column(table, col)
    for col in ("base", "target", "value", "version"):
        common.figure_column(table, col)
    for r in records:
        table.add_row(
            str(r["id"]),
            str(r["kind"]),
            str(r["name"]),
            str(r["subject"]),
            str(r["base_year"] or "-"),
            str(r["target_year"] or "-"),
            str(r["value"]),
            str(r["version"]),
        )
    common.print_table(table)


@targets_app.command("show")
def targets_show(target_id: Annotated[str, typer.Argument(help="Target id.")]) -> None:
    """Every version of one target, with the reason for each change."""
    from zerotrail.pipeline.roadmap import target_history

    with common.workspace() as ws:
        rows = target_history(ws, target_id)
    common.print_json(
        [
            {
                "version": st.version,
                "status": str(st.status),
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
    from zerotrail.pipeline.roadmap import withdraw_target

    with common.workspace() as ws:
        version = withdraw_target(ws, target_id, reason)
    common.say(f"target {target_id} withdrawn (version {version})")


@targets_app.command("check")
def targets_check(format: FormatOpt = "table") -> None:
    """Check every target against the science-based criteria (docs/roadmap.md)."""
    from zerotrail.pipeline.roadmap import check_targets

    common.check_format(format)
    with common.workspace() as ws:
        checked = check_targets(ws)
    checks = checked.checks
    if format == "json":
        common.print_json(
            {
                "criteria": checked.criteria,
                "checks": [
                    {"target_id": c.target_id, "passed": c.passed, "reasons": list(c.reasons)}
                    for c in checks
                ],
            }
        )
        return
    if format == "csv":
        common.print_csv(
            [
                {
                    "target_id": c.target_id,
                    "result": "n/a" if c.passed is None else "pass" if c.passed else "fail",
                    "reasons": " | ".join(c.reasons),
                }
                for c in checks
            ],
            ["target_id", "result", "reasons"],
        )
        return
    table = Table(title=f"Science-based checks ({checked.criteria})")
    common.text_column(table, "target")
    common.text_column(table, "result")
    common.text_column(table, "reasons")
    for c in checks:
        result = "n/a" if c.passed is None else "pass" if c.passed else "FAIL"
        table.add_row(c.target_id, result, "\n".join(c.reasons))
    common.print_table(table)


# --- base year -------------------------------------------------------------------------------


@baseyear_app.command("show")
def baseyear_show(
    year: Annotated[int, typer.Option(help="The base year.")],
    format: FormatOpt = "table",
) -> None:
    """Every version of the base year's figures and every event, applied or pending."""
    from zerotrail.pipeline.roadmap import base_year_events, base_year_versions, version_dict

    common.check_format(format)
    common.check_year(year)
    with common.workspace() as ws:
        vs = [version_dict(v) for v in base_year_versions(ws, year)]
        events = base_year_events(ws, year)
    if format == "json":
        common.print_json({"base_year": year, "versions": vs, "events": events})
        return
    figures = ("scope1", "scope2_location", "scope2_market", "scope3")
    if format == "csv":
        # The versions; the events are in the JSON (and below the versions in the table).
        common.print_csv(
            [{"base_year": year, **v} for v in vs],
            ["base_year", "version", *figures, "reason"],
        )
        return
    table = Table(title=f"Base year {year}: versions (t CO2e)")
    common.figure_column(table, "version")
    for col in ("Scope 1", "Scope 2 loc.", "Scope 2 mkt.", "Scope 3"):
        common.figure_column(table, col)
    common.text_column(table, "reason")
    for v in vs:
        table.add_row(
            str(v["version"]),
            *(_num(float(v[k])) for k in figures),  # type: ignore[arg-type]
            str(v["reason"]),
        )
    common.print_table(table)
    if events:
        ev_table = Table(title="Events (effects on the base year, consolidated, t CO2e)")
        common.text_column(ev_table, "event")
        common.text_column(ev_table, "kind")
        for col in ("Scope 1", "Scope 2 mkt.", "Scope 3"):
            common.figure_column(ev_table, col)
        common.text_column(ev_table, "applied in")
        for e in events:
            ev_table.add_row(
                str(e["event_id"]),
                str(e["kind"]),
                *(_num(float(e[k])) for k in ("scope1_t", "scope2_market_t", "scope3_t")),  # type: ignore[arg-type]
                "pending"
                if e["applied_in_version"] is None
                else f"version {e['applied_in_version']}",
            )
        common.print_table(ev_table)


@baseyear_app.command("record")
def baseyear_record(year: Annotated[int, typer.Option(help="The base year.")]) -> None:
    """Record the base year's calculated inventory as version 1 (if not recorded yet)."""
    from zerotrail.pipeline.roadmap import record_base_year

    common.check_year(year)
    with common.workspace() as ws:
        v = record_base_year(ws, year)
    if v is None:
        raise ZerotrailError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    common.say(f"base year {year}: version {v.version} ({v.reason})")


# The decision's reason already opens with it: printed once, in lower case, then the why.
_DECISIONS = ("Recalculate the base year: ", "No recalculation: ")


def _print_decision(d: Decision) -> None:
    why = str(d.reason)
    for opening in _DECISIONS:
        why = why.removeprefix(opening)
    common.say(("recalculated: " if d.recalculate else "no recalculation: ") + why)
    for eid, why in d.ignored:
        common.say(f"  {eid}: {why}")


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
    from zerotrail.pipeline.roadmap import (
        EventInput,
        Figures,
        correction_from_inventory,
        record_event,
    )

    common.check_year(base_year, "--base-year")
    common.check_year(year)
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
    from zerotrail.pipeline.roadmap import import_events

    with common.reading(file), common.workspace() as ws:
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
        from zerotrail.pipeline.initiatives import initiatives
        from zerotrail.pipeline.roadmap import target_progress

        common.check_format(format)
        common.check_year(year)
        with common.workspace() as ws:
            rows = target_progress(ws, year)
            inits = initiatives(ws, year)
        if format == "json":
            common.print_json(
                {"year": year, "targets": [p.to_dict() for p in rows], "initiatives": inits}
            )
            return
        if format == "csv":
            # The targets; the initiatives are in `initiatives list --format csv` (and the JSON).
            fields = [
                "year",
                "id",
                "kind",
                "name",
                "status",
                "actual",
                "pathway",
                "target_value",
                "gap",
                "unit",
                "fraction_of_way",
                "forecast",
                "base_year",
                "target_year",
                "base_value",
            ]
            common.print_csv([p.to_dict() for p in rows], fields)
            return
        table = Table(title=f"Roadmap progress {year}")
        common.text_column(table, "target")
        common.text_column(table, "kind")
        for col in ("actual", "pathway", "target", "gap", "of the way"):
            common.figure_column(table, col)
        common.text_column(table, "status")
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
                str(p.status),
            )
        common.print_table(table)
        for p in rows:
            for note in p.notes:
                common.say(f"  {p.id}: {note}")
        if inits:
            it = Table(title=f"Reduction initiatives {year} (t CO2e)")
            common.text_column(it, "initiative")
            common.text_column(it, "lever")
            for col in ("start", "expected", "realized (est.)"):
                common.figure_column(it, col)
            for i in inits:
                it.add_row(
                    str(i["name"]),
                    str(i["lever"]),
                    str(i["start_year"]),
                    _num(i["expected_t"]),
                    _num(i["realized_t"]),
                )
            common.print_table(it)


@claim_app.command("neutrality")
def claim_neutrality(
    year: Annotated[int, typer.Option(help="The claim's year.")],
    target: Annotated[str | None, typer.Option(help="Neutrality target id (if several).")] = None,
    format: FormatOpt = "table",
) -> None:
    """Evaluate and record the year's carbon-neutrality claim; exit 1 when it does not hold."""
    from zerotrail.pipeline.claims import record_claim

    common.check_format(format)
    common.check_year(year)
    with common.workspace() as ws:
        d = record_claim(ws, year, target)
    if format == "json":
        common.print_json(d)
    elif format == "csv":
        common.print_csv(claim_rows(d), ["year", "item", "t_co2e"])
    else:
        print_claim(d)
    if not d["holds"]:
        raise typer.Exit(1)


def claim_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    """The claim's figures as (year, item, t CO2e) rows, for CSV."""
    rows: list[dict[str, Any]] = [{"year": d["year"], "item": "gross", "t_co2e": d["gross_t"]}]
    rows += [
        {"year": d["year"], "item": f"credits_{kind}", "t_co2e": t}
        for kind, t in sorted(d["by_type"].items())
    ]
    rows += [
        {"year": d["year"], "item": "credits_counted", "t_co2e": d["credits_t"]},
        {"year": d["year"], "item": "net", "t_co2e": d["net_t"]},
    ]
    return rows


def print_claim(d: dict[str, Any]) -> None:
    verdict = "HOLDS" if d["holds"] else "DOES NOT HOLD"
    common.say(f"{d['year']} carbon-neutrality claim ({d['boundary']}, {d['standard']}): {verdict}")
    common.say(f"  gross emissions   {d['gross_t']:>14,.2f} t CO2e (scope totals unchanged)")
    for kind, t in sorted(d["by_type"].items()):
        common.say(f"  credits: {kind:<9}{t:>14,.2f} t")
    share = d["removal_share"]
    common.say(
        f"  credits counted   {d['credits_t']:>14,.2f} t"
        f" (removals {'-' if share is None else f'{100 * share:.1f}%'})"
    )
    common.say(f"  net               {d['net_t']:>14,.2f} t CO2e")
    for f in d["failures"]:
        common.say(f"  fails: {f}")
    for w in d["warnings"]:
        common.say(f"  note: {w}")
