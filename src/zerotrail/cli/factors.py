"""`zerotrail factors list|show|search|diff`: the factor library with its sources and licences.

Reads the workspace's library when a workspace exists (shipped plus custom sets), else the
factors shipped with the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.errors import ZerotrailError

if TYPE_CHECKING:
    from zerotrail.pipeline.setup import Workspace

# The stages are imported inside each command: the CLI loads every command module to parse a
# command line, and only the command that runs should pay for the store it reads.

app = typer.Typer(help="Emission-factor library.", no_args_is_help=True)


@contextmanager
def _workspace() -> Iterator[Workspace | None]:
    """The workspace whose library to read, or None (no workspace: the shipped factors)."""
    from zerotrail.pipeline.setup import workspace_exists

    if not workspace_exists(common.STATE.db):
        yield None
        return
    with common.workspace() as ws:
        yield ws


FormatOpt = Annotated[str, typer.Option(help="table, csv or json.")]


@app.command("list")
def list_sets(format: FormatOpt = "table") -> None:
    """List the factor sets with publisher, edition, licence and size."""
    from zerotrail.pipeline.reference import FactorSetSummary, factor_sets

    common.check_format(format)
    with _workspace() as ws:
        sets = factor_sets(ws)
    records = [s.to_dict() for s in sets]
    if common.print_records(records, FactorSetSummary.FIELDS, format):
        return
    # One block per set: its publisher, edition and licence are sentences, not table cells.
    for i, r in enumerate(records):
        if i:
            common.say("")
        common.say(f"{r['factor_set']}: {r['name']}")
        common.say(
            f"  {r['factors']:,} factors, {r['unverified_rows']:,} unverified rows; {r['kind']}"
        )
        for key in ("publisher", "edition", "licence"):
            if r[key]:
                common.say(f"  {key + ':':11}{r[key]}")
        dates = [
            f"for {r['reporting_year']} activity" if r["reporting_year"] else "",
            f"published {r['published']}" if r["published"] else "",
            f"data: {r['data_year']}" if r["data_year"] else "",
        ]
        if any(dates):
            common.say(f"  {'dates:':11}{'; '.join(d for d in dates if d)}")


@app.command("search")
def search(
    query: Annotated[
        str | None,
        typer.Argument(help="Words to find in key, id, region, source or note (optional)."),
    ] = None,
    region: Annotated[str | None, typer.Option(help="Only this region code.")] = None,
    publisher: Annotated[
        str | None,
        typer.Option(help="Only sets whose publisher or name contains this text (any case)."),
    ] = None,
    edition: Annotated[
        str | None,
        typer.Option(help="Only factors whose edition (or their set's) contains this text."),
    ] = None,
    factor_set: Annotated[
        str | None, typer.Option("--set", help="Only this factor set (see `factors list`).")
    ] = None,
    activity: Annotated[
        str | None,
        typer.Option(help="Only this activity key and those under it, e.g. business_travel.air."),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Only factors valid in this year.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many factors.")] = 30,
    format: FormatOpt = "table",
) -> None:
    """Find factors; each line shows the value per gas with its source and licence."""
    from zerotrail.pipeline.reference import FactorFilter, FactorLine, search_factors

    common.check_format(format)
    if limit < 1:
        raise ZerotrailError(f"--limit {limit}: expected at least 1")
    common.check_year(year)
    filters = FactorFilter(
        publisher=publisher, edition=edition, factor_set=factor_set, activity=activity, year=year
    )
    with _workspace() as ws:
        lines = search_factors(ws, query or "", region, limit, filters)
    # What was asked, as typed: the words, then each filter given.
    asked = [repr(query)] if query else []
    for flag, value in (
        ("--region", region),
        ("--publisher", publisher),
        ("--edition", edition),
        ("--set", factor_set),
        ("--activity", activity),
        ("--year", year),
    ):
        if value is not None:
            asked.append(f"{flag} {value}")
    if not lines:
        raise ZerotrailError(f"no factor matches {' '.join(asked) or 'anything'}")
    records = [line.to_dict() for line in lines]
    if common.print_records(records, FactorLine.FIELDS, format):
        return
    what = f"factors matching {' '.join(asked)}" if asked else "factors"
    table = Table(title=f"{what} (kg of gas per unit)")
    for col in ("factor_id", "activity", "region"):
        common.text_column(table, col)
    common.figure_column(table, "valid", justify="left")
    common.text_column(table, "gas")
    common.figure_column(table, "kg per unit")
    common.text_column(table, "unit")
    common.text_column(table, "source")
    common.text_column(table, "licence")
    for f in lines:
        mark = "" if f.verified else " (unverified)"
        table.add_row(
            f.factor_id,
            f.activity,
            f.region,
            f"{f.valid_from}..{f.valid_to or ''}",
            f.gas,
            f"{f.value:.6g}",
            f"per {f.unit}",
            f.source + mark,
            f.licence or "",
        )
    common.print_table(table)


@app.command("diff")
def diff(
    set_a: Annotated[str, typer.Argument(help="The factor set to compare from (the older).")],
    set_b: Annotated[str, typer.Argument(help="The factor set to compare with (the newer).")],
    format: FormatOpt = "table",
) -> None:
    """What changed between two factor sets: values per key, region, unit and gas."""
    from zerotrail.pipeline.reference import FactorChange, diff_factor_sets

    common.check_format(format)
    with _workspace() as ws:
        d = diff_factor_sets(ws, set_a, set_b)
    if common.print_records([r.to_dict() for r in d.rows], FactorChange.FIELDS, format):
        return
    changed, same = d.count("changed"), d.count("same")
    common.say(
        f"{set_a} -> {set_b}: {changed + same:,} factor gases in both ({changed:,} changed,"
        f" {same:,} the same), {d.count('only_a'):,} only in {set_a},"
        f" {d.count('only_b'):,} only in {set_b} (values in kg of gas per unit)"
    )

    def gas(r: FactorChange) -> str:
        return (
            r.gas
            + (" (biogenic)" if r.biogenic else "")
            + (f" [{r.supplier}]" if r.supplier else "")
        )

    if changed:
        table = Table(title=f"changed from {set_a} to {set_b}")
        for col in ("activity", "region", "gas", "unit"):
            common.text_column(table, col)
        for col in ("value A", "value B", "change"):
            common.figure_column(table, col)
        for r in d.rows:
            if r.status == "changed":
                rel = r.relative_change
                table.add_row(
                    r.activity,
                    r.region,
                    gas(r),
                    f"per {r.unit}" + (f" ({r.heat_basis})" if r.heat_basis else ""),
                    f"{r.value_a:.6g}",
                    f"{r.value_b:.6g}",
                    "" if rel is None else f"{rel:+.1%}",
                )
        common.print_table(table)
    for status, name in (("only_a", set_a), ("only_b", set_b)):
        only = [r for r in d.rows if r.status == status]
        if only:
            common.say(f"only in {name} ({len(only):,}):")
            for r in only:
                value = r.value_a if status == "only_a" else r.value_b
                basis = f" ({r.heat_basis})" if r.heat_basis else ""
                common.say(f"  {r.activity}  {r.region}  {gas(r)}  {value:.6g} per {r.unit}{basis}")


@app.command("show")
def show(factor_id: Annotated[str, typer.Argument(help="The factor id.")]) -> None:
    """Show one factor in full: every gas, validity, heat content and provenance."""
    from zerotrail.pipeline.reference import factor_detail

    with _workspace() as ws:
        rows = factor_detail(ws, factor_id).gases
    first = rows[0]
    # Each gas may come from its own cell: then each gas line names its own reference.
    own_refs = len({r["source_ref"] for r in rows}) > 1
    common.say(factor_id)
    for key in (
        "activity",
        "region",
        "valid_from",
        "valid_to",
        "unit",
        "currency_year",
        "heat_content",
        "heat_content_unit",
        "heat_basis",
        "scope_use",
        "supplier",
        "source",
        "edition",
        "source_url",
        "licence",
        "verified",
        "source_ref",
        "note",
    ):
        if first.get(key) not in (None, "") and not (key == "source_ref" and own_refs):
            common.say(f"  {key:18} {first[key]}")
    for r in rows:
        extra = " (biogenic, outside the scopes)" if r["biogenic"] else ""
        basis = f" [{r['gwp_basis']}]" if r["gwp_basis"] else ""
        ref = f"  ({r['source_ref']})" if own_refs else ""
        common.say(f"  {r['gas']:8} {r['value']:.10g} kg per {first['unit']}{basis}{extra}{ref}")


@app.command("explain")
def explain(
    record_id: Annotated[str, typer.Argument(help="The activity record's id.")],
    year: Annotated[
        int | None,
        typer.Option(help="Explain as if the record's period started in this year."),
    ] = None,
    format: Annotated[str, typer.Option(help="table or json.")] = "table",
) -> None:
    """Show every factor considered for one record, ranked, and why the first one is used."""
    from zerotrail.pipeline.explain import Candidate, explain_record

    common.check_format(format, ("table", "json"))
    if year is not None:
        common.check_year(year)
    with common.workspace() as ws:
        found = explain_record(ws, record_id, year)
    if format == "json":
        common.print_json(found.to_dict())
        return
    where = found.region or "no region"
    if found.stated_region != found.region:
        where += f" (stated: {found.stated_region or 'none'}; site {found.site})"
    common.say(
        f"{found.record_id}: {found.activity} in {found.unit}, {where},"
        f" period from {found.period_start}, {found.heat_basis} energy basis;"
        f" factor policy {found.factor_policy}"
    )
    common.say(f"  used: {found.chosen or 'none (the record is a problem)'}")
    table = Table(title=f"factors considered for {found.record_id}")
    for col in Candidate.FIELDS:
        common.text_column(table, col)
    for c in found.candidates:
        table.add_row(
            "-" if c.rank is None else str(c.rank),
            c.factor_id,
            c.factor_set,
            c.region,
            str(c.valid_from),
            str(c.valid_to or ""),
            "yes" if c.verified else "no",
            c.heat_basis or "",
            c.reason,
        )
    common.print_table(table)
