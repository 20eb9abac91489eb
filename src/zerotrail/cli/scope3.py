"""`zerotrail derive fuel-energy` and `zerotrail import screening FILE`: Scope 3 inputs
that are not activity files of their own.

Thin: each command opens the workspace, calls one stage (pipeline/fuel_energy.py, which derives
category 3 records from the fuel and electricity records; pipeline/screening.py, which stores
the preparer's screening of the 15 categories) and prints what it returns. The import command
is added to the `import` app by `register_imports`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.cli.imports import report

derive_app = typer.Typer(
    help="Derive activity records from other records (Scope 3 category 3).", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet file.")]


@derive_app.command("fuel-energy")
def fuel_energy(
    year: Annotated[
        list[int],
        typer.Option(help="Reporting year (records by period start); repeat for several."),
    ],
    factor_region: Annotated[
        str | None,
        typer.Option(
            "--factor-region",
            help="Region whose factors a record takes when its own region and its parents"
            " have none (the shipped category 3 factors are UK DESNZ: GB); such records are"
            " flagged pinned_other_region.",
        ),
    ] = None,
) -> None:
    """Derive Scope 3 category 3 records (well-to-tank, grid losses) from the years' fuel and
    electricity records and import them; then calculate each year again."""
    from zerotrail.pipeline.fuel_energy import derive_fuel_energy

    for y in year:
        common.check_year(y)
    with common.workspace() as ws:
        done = derive_fuel_energy(ws, year, factor_region)
    years = ", ".join(str(y) for y in done.years)
    pinned = (
        f"; {done.pinned:,} of them take {done.factor_region} factors (flagged)"
        if done.pinned
        else ""
    )
    common.say(
        f"{years}: {done.sources:,} fuel and energy records read; {done.records:,} category 3"
        f" records derived{pinned}"
        + (f"; {done.withdrawn:,} earlier ones withdrawn (quantity 0)" if done.withdrawn else "")
    )
    if done.derived:
        table = Table()
        common.text_column(table, "Derived key")
        common.figure_column(table, "Records")
        for key, n in done.derived.items():
            table.add_row(key, f"{n:,}")
        common.print_table(table)
    for s in done.skipped:
        common.tell(f"  not derived: {s.records:,} {s.activity} record(s) in {s.unit}: {s.reason}")
    if done.kept:
        common.tell(
            f"  {done.kept:,} category 3 record(s) derived earlier are kept as they were: their"
            " factor was not found this time"
        )
    r = done.imported
    if r is None or r.import_id is None:
        common.say("nothing new to import: the workspace already holds these records")
        return
    common.say(
        f"imported: {r.added:,} added, {r.replaced:,} changed, {r.unchanged:,} unchanged"
        f" ({r.import_id})"
    )
    for y in done.years:
        common.say(f"next: {common.command('calculate', '--year', y)}", soft_wrap=True)


def register_imports(imports_app: typer.Typer) -> None:
    """Add `screening` (the Scope 3 screening) to the `import` app."""

    @imports_app.command("screening")
    def screening(file: FileArg) -> None:
        """Import the Scope 3 screening (relevance and justification per category); replaces
        the stored screening."""
        from zerotrail.pipeline.screening import import_screening

        with common.reading(file), common.workspace() as ws:
            report(import_screening(ws, file))
