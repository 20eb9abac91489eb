"""`zerotrail calculate` and `zerotrail inventory`."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common

# `calculate` exits with this when records could not be calculated (docs/cli.md).
PROBLEMS_EXIT = 3
# ... and lists this many of them (`inventory --format json` lists all).
SHOWN_PROBLEMS = 20


def register(app: typer.Typer) -> None:
    @app.command()
    def calculate(
        year: Annotated[int, typer.Option(help="Reporting year (records by period start).")],
        gwp: Annotated[
            str, typer.Option(help="GWP set: AR4, AR5, AR5_CCFB, AR6, GHGP_AR6.")
        ] = "AR5",
        approach: Annotated[
            str, typer.Option(help="operational_control, financial_control or equity_share.")
        ] = "operational_control",
        blend_rule: Annotated[
            str, typer.Option(help="Refrigerant blends: composition or publisher (EPA, AR5).")
        ] = "composition",
        factor_policy: Annotated[
            str,
            typer.Option(
                help="Factor editions: nearest (else the nearest earlier, then later edition,"
                " flagged) or strict (only an edition valid for the period)."
            ),
        ] = "nearest",
        allow_problems: Annotated[
            bool,
            typer.Option(
                "--allow-problems",
                help="Exit 0 even when records could not be calculated (they are still listed).",
            ),
        ] = False,
        engine: Annotated[
            str,
            typer.Option(help="Where the calculation runs: duckdb (in the workspace) or spark."),
        ] = "duckdb",
        spark_master: common.SparkMasterOpt = "local[2]",
        spark_driver_memory: common.SparkDriverMemoryOpt = "1g",
        spark_output: Annotated[
            # A folder the run writes (created if missing), so text: Path options are files read.
            str | None,
            typer.Option(
                help="--engine spark: folder for the per-record results as Parquet (default:"
                " <workspace file>.spark-results beside the workspace)."
            ),
        ] = None,
    ) -> None:
        """Calculate the year's inventory from the stored records and store it per record.

        Exits 3 when records could not be calculated (the run is stored; they are listed),
        unless --allow-problems.
        """
        from zerotrail.pipeline.calculation import calculate as run
        from zerotrail.pipeline.calculation import unresolved_records
        from zerotrail.pipeline.inventory import InventorySettings
        from zerotrail.pipeline.spark_calculation import (
            ENGINES,
            SparkOptions,
            calculate_on_spark,
        )

        common.check_year(year)
        if engine not in ENGINES:
            raise typer.BadParameter(f"expected one of {', '.join(ENGINES)}", param_hint="--engine")
        settings = InventorySettings(year, gwp, approach, blend_rule, factor_policy)
        results = None
        with common.workspace() as ws, common.progress(str(year)) as step:
            if engine == "spark":
                output = None if spark_output is None else Path(spark_output)
                options = SparkOptions(spark_master, spark_driver_memory, output)
                done = calculate_on_spark(ws, settings, options, progress=step)
                summary, results = done.run, done.results
            else:
                summary = run(ws, settings, progress=step)
            first, total = unresolved_records(ws, summary.run_id, SHOWN_PROBLEMS)
        common.say(
            f"{year}: {summary.records} records calculated ({summary.gwp_set}, "
            f"{summary.consolidation}, factor policy {summary.factor_policy}); "
            f"{summary.problems} problem(s); run {summary.run_id}"
        )
        for note in summary.notes:
            common.say(f"  note: {note}")
        if results is not None:
            common.say(f"  per-record results (Parquet): {results}")
        if not total:
            return
        shown = "" if total <= len(first) else f" (the first {len(first)} shown)"
        common.tell(f"{year}: {total:,} record(s) could not be calculated{shown}:")
        for record_id, reason in first:
            common.tell(f"  {record_id}: {reason}")
        if total > len(first):
            common.tell(
                f"  ... and {total - len(first):,} more:"
                f" `zerotrail inventory --year {year} --format json` lists them all"
            )
        if not allow_problems:
            raise typer.Exit(PROBLEMS_EXIT)

    @app.command()
    def finalize(year: Annotated[int, typer.Option(help="Reporting year.")]) -> None:
        """Mark the year's current inventory final (committed); claims need a final one."""
        from zerotrail.pipeline.claims import finalize_inventory

        common.check_year(year)
        with common.workspace() as ws:
            run_id, new = finalize_inventory(ws, year)
        state = "finalized" if new else "was already final"
        common.say(f"{year}: inventory {run_id} {state}")

    @app.command()
    def inventory(
        year: Annotated[int, typer.Option(help="Reporting year.")],
        format: Annotated[str, typer.Option(help="table, json or csv.")] = "table",
        by: Annotated[
            str | None,
            typer.Option(
                help="Break down by scope, entity, site, category, gas, month or activity."
            ),
        ] = None,
    ) -> None:
        """Show the year's inventory (t CO2e), in total or broken down."""
        from zerotrail.pipeline.inventory import (
            check_breakdown,
            inventory_breakdown,
            inventory_summary,
        )

        common.check_format(format)
        common.check_year(year)
        if by is not None:
            check_breakdown(by)
        with common.workspace() as ws:
            data = inventory_summary(ws, year)
            rows = inventory_breakdown(ws, year, by) if by else None
        if format == "json":
            payload = data if rows is None else {**data, "breakdown": {"by": by, "rows": rows}}
            common.print_json(payload)
        elif format == "csv":
            from zerotrail.pipeline.exports import write_dicts

            table_rows = rows if rows is not None else _headline_rows(data)
            buf = io.StringIO()
            # Names come from users' files: formula-like text is neutralised (cells.py).
            write_dicts(buf, table_rows, lineterminator="\n")
            typer.echo(buf.getvalue(), nl=False)
        elif format == "table":
            _print_table(data, rows, by)
        else:
            raise typer.BadParameter("expected table, json or csv", param_hint="--format")


def _headline_rows(d: dict[str, object]) -> list[dict[str, object]]:
    keys = (
        "scope1",
        "scope2_location",
        "scope2_market",
        "scope3",
        "biogenic_co2",
        "total_location",
        "total_market",
    )
    rows: list[dict[str, object]] = [{"item": k, "t_co2e": d[k]} for k in keys]
    cats = d["scope3_by_category"]
    assert isinstance(cats, dict)
    rows += [{"item": f"scope3_category_{c}", "t_co2e": v} for c, v in cats.items()]
    return rows


def _print_table(
    d: dict[str, object], rows: list[dict[str, object]] | None, by: str | None
) -> None:
    t = common.tonnes
    title = f"{d['year']} inventory — {d['gwp_set']}, {d['consolidation']} (t CO2e)"
    if rows is not None:
        if not rows:
            common.say(f"{title}, by {by}: no records")
            return
        table = Table(title=f"{title}, by {by}")
        for col in rows[0]:
            if col == by or col == "gas":
                common.text_column(table, col)
            else:
                common.figure_column(table, col)
        for r in rows:
            table.add_row(*[t(v) if isinstance(v, float) else str(v) for v in r.values()])
        common.print_table(table)
        return
    table = Table(title=title)
    common.text_column(table, "item")
    common.figure_column(table, "t CO2e")
    for label, key in (
        ("Scope 1", "scope1"),
        ("Scope 2 (location-based)", "scope2_location"),
        ("Scope 2 (market-based)", "scope2_market"),
        ("Scope 3", "scope3"),
        ("Total (location-based)", "total_location"),
        ("Total (market-based)", "total_market"),
        ("Biogenic CO2 (outside the scopes)", "biogenic_co2"),
    ):
        value = d[key]
        assert isinstance(value, float)
        table.add_row(label, t(value))
    common.print_table(table)
    if d.get("problem_count"):
        common.say(
            f"{d['problem_count']} record(s) could not be calculated"
            f" (`zerotrail inventory --year {d['year']} --format json` lists them)"
        )
