"""`zerotrail energy renewables|datacentres` and the meters, cooling, metrics and suppliers imports.

Thin: each command opens the workspace, calls one pipeline stage (pipeline/energy.py, or an
importer of pipeline/imports.py) and prints what it returns. The import commands are added to
the `import` app by `register_imports`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.cli.imports import report

app = typer.Typer(
    help="Energy: renewable share and data centres (PUE, cooling).", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet file.")]
YearOpt = Annotated[int, typer.Option(help="Reporting year.")]
FormatOpt = Annotated[str, typer.Option(help="table, csv or json.")]


def check_format(format: str) -> None:
    common.check_format(format)


def number(x: float | None, fmt: str = ",.1f") -> str:
    return "-" if x is None else format(x, fmt)


def register_imports(imports_app: typer.Typer) -> None:
    """Add `meters`, `cooling`, `metrics` and `suppliers` to the `import` app."""

    @imports_app.command("meters")
    def meters(file: FileArg) -> None:
        """Import meter readings (facility, IT and on-site renewable MWh); readings are added."""
        from zerotrail.pipeline.imports import import_meters

        with common.reading(file), common.workspace() as ws:
            report(import_meters(ws, file))

    @imports_app.command("cooling")
    def cooling(file: FileArg) -> None:
        """Import data-centre cooling history: one technology per site and start date."""
        from zerotrail.pipeline.imports import import_cooling

        with common.reading(file), common.workspace() as ws:
            report(import_cooling(ws, file))

    @imports_app.command("metrics")
    def metrics(file: FileArg) -> None:
        """Import intensity denominators per year (a changed value replaces the stored one)."""
        from zerotrail.pipeline.imports import import_metrics

        with common.reading(file), common.workspace() as ws:
            report(import_metrics(ws, file))

    @imports_app.command("suppliers")
    def suppliers(file: FileArg) -> None:
        """Import suppliers and their science-based target years; replaces the supplier list."""
        from zerotrail.pipeline.imports import import_suppliers

        with common.reading(file), common.workspace() as ws:
            report(import_suppliers(ws, file))


@app.command("renewables")
def renewables(year: YearOpt, format: FormatOpt = "table") -> None:
    """Renewable electricity share by site kind: certificates, PPAs and on-site generation."""
    from zerotrail.pipeline.energy import renewable_share

    check_format(format)
    common.check_year(year)
    with common.workspace() as ws:
        rows = renewable_share(ws, year)
    if format == "json":
        common.print_json({"year": year, "unit": "MWh", "rows": rows})
        return
    if format == "csv":
        common.print_csv(
            [{"year": year, **r} for r in rows],
            [
                "year",
                "site_kind",
                "grid_mwh",
                "certificate_mwh",
                "onsite_renewable_mwh",
                "renewable_mwh",
                "total_mwh",
                "share_pct",
            ],
        )
        return
    table = Table(title=f"{year} renewable electricity by site kind (MWh)")
    common.text_column(table, "site kind")
    for col in ("grid", "certificates/PPAs", "on-site", "renewable", "total", "share %"):
        common.figure_column(table, col)
    for r in rows:
        table.add_row(
            r["site_kind"] or "(no site)",
            number(r["grid_mwh"]),
            number(r["certificate_mwh"]),
            number(r["onsite_renewable_mwh"]),
            number(r["renewable_mwh"]),
            number(r["total_mwh"]),
            number(r["share_pct"]),
        )
    common.print_table(table)


@app.command("datacentres")
def datacentres(year: YearOpt, format: FormatOpt = "table") -> None:
    """Data centres: facility and IT energy, PUE, cooling in force and renewable share."""
    from zerotrail.pipeline.energy import data_centres

    check_format(format)
    common.check_year(year)
    with common.workspace() as ws:
        rows = data_centres(ws, year)
    if format == "json":
        common.print_json({"year": year, "rows": rows})
        return
    if format == "csv":
        common.print_csv(
            [{"year": year, **r} for r in rows],
            [
                "year",
                "site",
                "name",
                "kind",
                "region",
                "facility_mwh",
                "it_mwh",
                "pue",
                "cooling",
                "renewable_share_pct",
            ],
        )
        return
    table = Table(title=f"{year} data centres")
    for col in ("site", "kind", "region"):
        common.text_column(table, col)
    for col in ("facility MWh", "IT MWh", "PUE"):
        common.figure_column(table, col)
    common.text_column(table, "cooling (year end)")
    common.figure_column(table, "renewable %")
    for r in rows:
        table.add_row(
            str(r["site"]),
            str(r["kind"]),
            str(r["region"]),
            number(r["facility_mwh"]),
            number(r["it_mwh"]),
            number(r["pue"], ".2f"),
            r["cooling"] or "-",
            number(r["renewable_share_pct"]),
        )
    common.print_table(table)
