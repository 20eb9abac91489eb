"""`zerotrail gwp show`: the GWP100 values of one set, with provenance flags."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common

app = typer.Typer(help="Global warming potential sets.", no_args_is_help=True)


@app.command("show")
def show(
    set_id: Annotated[
        str, typer.Option("--set", help="AR4, AR5, AR5_CCFB, AR6 or GHGP_AR6")
    ] = "AR5",
    format: Annotated[str, typer.Option(help="table, csv or json.")] = "table",
) -> None:
    """Show every gas's GWP100 in a set; '*' marks unverified values, '†' fallbacks."""
    # Imported here, not at the top: the CLI loads every command module, and only this
    # command reads the GWP tables.
    from zerotrail.pipeline.reference import GwpValue, gwp_table

    common.check_format(format)
    gs = gwp_table(set_id)
    records = [g.to_dict() for g in gs.gases]
    if format == "json":
        common.print_json(
            {"set": gs.set_id, "label": gs.label, "source": gs.source, "gases": records}
        )
        return
    if format == "csv":
        common.print_csv(records, GwpValue.FIELDS)
        return
    table = Table(title=f"{gs.set_id}: {gs.label}", caption=gs.source)
    common.text_column(table, "gas")
    common.text_column(table, "family")
    common.figure_column(table, "GWP100")
    common.text_column(table, "note")
    for r in records:
        if r["gwp100"] is None:
            table.add_row(r["gas"], r["family"], "—", "no value in this set")
            continue
        note = []
        if r["unverified"]:
            note.append("* unverified")
        if r["fallback"]:
            note.append("† fallback")
        table.add_row(r["gas"], r["family"], f"{r['gwp100']:g}", ", ".join(note))
    common.print_table(table)
