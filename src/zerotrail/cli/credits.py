"""`zerotrail credits import|list|retire|assign`: carbon credits for neutrality claims.

Thin: parses the arguments, calls the credits stage (`pipeline/credits.py`) and formats what it
returns.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.cli.imports import report

app = typer.Typer(
    help="Carbon credits: import blocks of serials, retire them, assign them to a claim.",
    no_args_is_help=True,
)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"not an ISO date (YYYY-MM-DD): '{text}'", param_hint="--on"
        ) from None


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet file of credit blocks.")],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Record changed held credits as new versions."),
    ] = False,
) -> None:
    """Import credit blocks; the whole file is checked first and imported whole or not at all."""
    from zerotrail.pipeline.credits import import_credits

    with common.reading(file), common.workspace() as ws:
        r = import_credits(ws, file, replace=replace)
    report(r)


@app.command("list")
def list_credits(
    status: Annotated[
        str | None, typer.Option(help="Only credits with this status: held, retired, cancelled.")
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="Only credits assigned to the claim for this year.")
    ] = None,
    format: Annotated[str, typer.Option(help="table, csv or json.")] = "table",
) -> None:
    """List the current version of every credit, with totals by type and status (t CO2e)."""
    from zerotrail.pipeline.credits import CREDIT_STATUSES, list_credits

    if status is not None and status not in CREDIT_STATUSES:
        raise typer.BadParameter(
            f"expected one of {', '.join(sorted(CREDIT_STATUSES))}", param_hint="--status"
        )
    common.check_format(format)
    common.check_year(year)
    with common.workspace() as ws:
        found = list_credits(ws, status=status, year=year)
    credits, by_type, by_status = found.credits, found.by_type, found.by_status
    rows = [
        {
            "credit_id": c.credit_id,
            "version": c.version,
            "registry": c.registry,
            "project_id": c.project_id,
            "project_name": c.project_name,
            "methodology": c.methodology,
            "type": c.type,
            "durability": c.durability,
            "vintage": c.vintage,
            "serial_start": c.serial_start,
            "serial_end": c.serial_end,
            "quantity": c.quantity,
            "status": c.status,
            "retired_on": c.retired_on.isoformat() if c.retired_on else None,
            "beneficiary": c.beneficiary,
            "reason": c.reason,
            "claim_year": c.claim_year,
            "ccp_label": c.ccp_label,
            "corsia_eligible": c.corsia_eligible,
            "corresponding_adjustment": c.corresponding_adjustment,
            "split_from": c.split_from,
        }
        for c in credits
    ]
    if format == "json":
        payload = {"credits": rows, "totals": {"by_type": by_type, "by_status": by_status}}
        common.print_json(payload)
        return
    if format == "csv":
        fields = list(rows[0]) if rows else ["credit_id", "version", "quantity", "status"]
        common.print_csv(rows, fields)
        return

    def t(x: float) -> str:
        return f"{x:,.0f}"  # one credit per tonne: whole tonnes

    if not credits:
        common.say("no credits")
        return
    table = Table(title="credits (t CO2e)")
    common.text_column(table, "id")
    for col in ("registry", "project", "type", "durability"):
        common.text_column(table, col)
    common.figure_column(table, "vintage")
    common.text_column(table, "serials")
    common.figure_column(table, "quantity")
    common.text_column(table, "status")
    common.figure_column(table, "retired_on", justify="left")
    common.figure_column(table, "claim_year")
    for c in credits:
        table.add_row(
            c.credit_id,
            c.registry,
            c.project_id if not c.project_name else f"{c.project_id} {c.project_name}",
            c.type,
            c.durability,
            str(c.vintage),
            c.serials,
            t(c.quantity),
            c.status,
            c.retired_on.isoformat() if c.retired_on else "",
            "" if c.claim_year is None else str(c.claim_year),
        )
    common.print_table(table)
    totals = Table(title="totals (t CO2e)")
    common.text_column(totals, "by")
    common.text_column(totals, "value")
    common.figure_column(totals, "t CO2e")
    for key, value in sorted(by_type.items()):
        totals.add_row("type", key, t(value))
    for key, value in sorted(by_status.items()):
        totals.add_row("status", key, t(value))
    totals.add_row("all", "", t(sum(by_type.values())))
    common.print_table(totals)


@app.command("retire")
def retire(
    credit_id: Annotated[str, typer.Argument(help="Id of the credit block.")],
    on: Annotated[str, typer.Option("--on", help="Date of the retirement (YYYY-MM-DD).")],
    beneficiary: Annotated[
        str, typer.Option(help="The organization the retirement is made for (the claimant).")
    ],
    reason: Annotated[str, typer.Option(help="The retirement reason as written in the registry.")],
    for_year: Annotated[
        int | None, typer.Option("--for-year", help="Year of the claim the retirement is for.")
    ] = None,
    quantity: Annotated[
        int | None,
        typer.Option(help="Retire only the first N credits of the block (splits the block)."),
    ] = None,
) -> None:
    """Record a retirement made in the registry, for the whole block or its first N credits."""
    from zerotrail.pipeline.credits import retire_credit

    when = _date(on)
    common.check_year(for_year, "--for-year")
    with common.workspace() as ws:
        written = retire_credit(
            ws,
            credit_id,
            on=when,
            beneficiary=beneficiary,
            reason=reason,
            claim_year=for_year,
            quantity=quantity,
        )
    if len(written) == 1:
        common.say(f"credit {written[0]} retired on {when.isoformat()}")
    else:
        common.say(
            f"{quantity:,} credit(s) of {credit_id} retired on {when.isoformat()} as"
            f" {written[0]}; {credit_id} keeps the rest, held"
        )


@app.command("assign")
def assign(
    credit_id: Annotated[str, typer.Argument(help="Id of a retired credit block.")],
    year: Annotated[int, typer.Option(help="Year of the neutrality claim.")],
) -> None:
    """Assign a retired credit to the neutrality claim for a year (a credit counts once)."""
    from zerotrail.pipeline.credits import assign_credit

    common.check_year(year)
    with common.workspace() as ws:
        assign_credit(ws, credit_id, year)
    common.say(f"credit {credit_id} counts for the claim for {year}")
