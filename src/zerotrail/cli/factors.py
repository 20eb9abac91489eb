"""`zerotrail factors list|show|search`: the factor library with its sources and licences.

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


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find in key, id, region, source or note.")],
    region: Annotated[str | None, typer.Option(help="Only this region code.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many factors.")] = 30,
    format: FormatOpt = "table",
) -> None:
    """Find factors; each line shows the value per gas with its source and licence."""
    from zerotrail.pipeline.reference import FactorLine, search_factors

    common.check_format(format)
    if limit < 1:
        raise ZerotrailError(f"--limit {limit}: expected at least 1")
    with _workspace() as ws:
        lines = search_factors(ws, query, region, limit)
    if not lines:
        raise ZerotrailError(f"no factor matches {query!r}")
    records = [line.to_dict() for line in lines]
    if common.print_records(records, FactorLine.FIELDS, format):
        return
    table = Table(title=f"factors matching '{query}' (kg of gas per unit)")
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


@app.command("show")
def show(factor_id: Annotated[str, typer.Argument(help="The factor id.")]) -> None:
    """Show one factor in full: every gas, validity, heat content and provenance."""
    from zerotrail.pipeline.reference import factor_detail

    with _workspace() as ws:
        rows = factor_detail(ws, factor_id).gases
    first = rows[0]
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
        if first.get(key) not in (None, ""):
            common.say(f"  {key:18} {first[key]}")
    for r in rows:
        extra = " (biogenic, outside the scopes)" if r["biogenic"] else ""
        basis = f" [{r['gwp_basis']}]" if r["gwp_basis"] else ""
        common.say(f"  {r['gas']:8} {r['value']:.10g} kg per {first['unit']}{basis}{extra}")
