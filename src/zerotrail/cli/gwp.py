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
) -> None:
    """Show every gas's GWP100 in a set; '*' marks unverified values, '†' fallbacks."""
    from zerotrail.reference.gwp import gwp_set

    gs = gwp_set(set_id)
    table = Table(title=f"{gs.set_id}: {gs.label}", caption=gs.source)
    for col in ("gas", "family", "GWP100", "note"):
        table.add_column(col, justify="right" if col == "GWP100" else "left")
    for gas, fam in gs.family.items():
        if gas not in gs.values:
            table.add_row(gas, fam, "—", "no value in this set")
            continue
        note = []
        if gas in gs.unverified:
            note.append("* unverified")
        if gas in gs.fallbacks:
            note.append("† fallback")
        table.add_row(gas, fam, f"{gs.values[gas]:g}", ", ".join(note))
    common.out.print(table)
