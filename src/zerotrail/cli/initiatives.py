"""`zerotrail initiatives import|list|show`: reduction initiatives and their abatement."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.cli.energy import FormatOpt, check_format, number
from zerotrail.cli.imports import report

app = typer.Typer(
    help="Reduction initiatives: expected and realized abatement.", no_args_is_help=True
)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet file.")],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Record changed initiatives as new versions (old ones are kept)."
        ),
    ] = False,
) -> None:
    """Import initiatives; each new version is committed to the ledger."""
    from zerotrail.pipeline.imports import import_initiatives

    with common.reading(file), common.workspace() as ws:
        report(import_initiatives(ws, file, replace=replace))


@app.command("list")
def list_(
    year: Annotated[
        int | None,
        typer.Option(help="Year of the abatement figures (default: latest calculated year)."),
    ] = None,
    format: FormatOpt = "table",
) -> None:
    """Each initiative (latest version) with expected and realized abatement (t CO2e)."""
    from zerotrail.pipeline.initiatives import abatement_year, attribution

    check_format(format)
    common.check_year(year)
    with common.workspace() as ws:
        year = abatement_year(ws, year)
        found = attribution(ws, year)
    rows = found["rows"]
    if format == "json":
        common.print_json({"unit": "t CO2e", **found})
        return
    if format == "csv":
        common.print_csv(
            [{"year": year, **r, "sites": ";".join(r["sites"])} for r in rows],
            [
                "year",
                "initiative_id",
                "version",
                "name",
                "owner",
                "lever",
                "sites",
                "start_year",
                "expected_t",
                "realized_t",
                "realized_pct",
                "not_measured",
                "claims",
                "baseline_t",
                "baseline_year",
                "cost",
                "currency",
            ],
        )
        return
    table = Table(title=f"{year} reduction initiatives (t CO2e, {found['basis']})")
    for col in ("id", "name", "owner", "lever", "sites"):
        common.text_column(table, col)
    common.figure_column(table, "start")
    for col in ("expected", "realized", "of expected", "cost"):
        common.figure_column(table, col)
    for r in rows:
        cost = "-" if r["cost"] is None else f"{r['cost']:,.0f} {r['currency'] or ''}".strip()
        table.add_row(
            str(r["initiative_id"]),
            str(r["name"]),
            str(r["owner"]),
            str(r["lever"]),
            ";".join(r["sites"]) or "-",
            str(r["start_year"]),
            number(r["expected_t"], ",.2f"),
            number(r["realized_t"], ",.2f"),
            "-" if r["realized_pct"] is None else f"{r['realized_pct']:.0f}%",
            cost,
        )
    common.print_table(table)
    for r in rows:
        if r["not_measured"]:
            common.say(f"{r['initiative_id']}: no realized figure: {r['not_measured']}")
    company = found["company"]
    if company is None:
        return
    sites = Table(
        title=f"Observed falls at the initiatives' sites, Scope 1 + 2 (t CO2e, {found['basis']})"
    )
    common.text_column(sites, "site")
    common.figure_column(sites, "from")
    for col in ("then", str(year), "fall", "attributed"):
        common.figure_column(sites, col)
    common.text_column(sites, "initiatives")
    for site in found["sites"]:
        sites.add_row(
            str(site["site"]),
            str(site["from_year"]),
            number(site["from_t"], ",.2f"),
            number(site["t"], ",.2f"),
            number(site["fall_t"], ",.2f"),
            number(site["attributed_t"], ",.2f"),
            ", ".join(site["initiatives"]),
        )
    common.print_table(sites)
    common.say(
        f"realized in total {company['attributed_t']:,.2f} t; the company's Scope 1 + 2"
        f" ({found['basis']}, recalculated series) fell {company['fall_t']:,.2f} t from"
        f" {company['from_year']} to {company['to_year']}"
        + (": every realized figure scaled down to fit it" if company["scaled_down"] else "")
    )
    common.say(
        "realized = the expected abatement the observed fall of the emissions each lever acts on"
        " supports, at most each site's and the company's fall (docs/methodology.md)"
    )


@app.command("show")
def show(
    initiative_id: Annotated[str, typer.Argument(help="Initiative id.")],
    format: FormatOpt = "table",
) -> None:
    """Every version of one initiative, oldest first (the latest counts)."""
    from zerotrail.pipeline.initiatives import initiative_versions

    check_format(format)
    with common.workspace() as ws:
        rows = initiative_versions(ws, initiative_id)
    if format == "json":
        common.print_json(rows)
        return
    if format == "csv":
        fields = list(rows[0]) if rows else ["initiative_id", "version"]
        common.print_csv(
            [{k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows],
            fields,
        )
        return
    table = Table(title=f"initiative {initiative_id}: {len(rows)} version(s)")
    common.text_column(table, "field")
    for r in rows:
        common.text_column(table, f"v{r['version']}")
    fields = [k for k in rows[0] if k not in {"initiative_id", "version"}]
    for k in fields:
        table.add_row(
            k,
            *[
                ";".join(r[k]) if isinstance(r[k], list) else ("-" if r[k] is None else str(r[k]))
                for r in rows
            ],
        )
    common.print_table(table)
