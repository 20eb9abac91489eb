"""`zerotrail demo`: generate Emmet Group, import it into a fresh workspace, calculate 2020-2025."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common

YEARS = range(2020, 2026)


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="Folder for the generated files.")] = Path("demo"),
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same company).")] = 2020,
        scale: Annotated[
            int | None,
            typer.Option(
                help="Instead: write N procurement/telemetry rows as Parquet for benchmarks."
            ),
        ] = None,
    ) -> None:
        """Run the main job on the demo company and print its Scope 1/2/3 per year."""
        from zerotrail.demo.generate import write_demo, write_scaled

        out.mkdir(parents=True, exist_ok=True)
        if scale is not None:
            path = write_scaled(out / f"activities_{scale}.parquet", scale, seed=seed)
            common.out.print(f"wrote {scale:,} activity rows to {path}")
            return
        files = write_demo(out, seed=seed)
        db = common.STATE.db or str(out / "zerotrail.duckdb")
        for suffix in ("", ".wal"):
            Path(db + suffix).unlink(missing_ok=True)  # a fresh workspace every run
        common.STATE.db = db
        from zerotrail.engine.settings import InventorySettings
        from zerotrail.ingest.activities import import_activities
        from zerotrail.ingest.factors import import_factors
        from zerotrail.ingest.instruments import import_instruments
        from zerotrail.ingest.organization import import_entities, import_sites
        from zerotrail.pipeline import calculate, load_shipped_factors
        from zerotrail.reports.inventory import summary

        with common.workspace(create=True) as ws:
            ws.set_setting("organization", "Emmet Group")
            load_shipped_factors(ws)
            import_factors(ws, files.factors)
            import_entities(ws, files.entities)
            import_sites(ws, files.sites)
            import_instruments(ws, files.instruments)
            rep = import_activities(ws, files.activities)
            common.out.print(f"imported {rep.added:,} activity records from {files.activities}")
            table = Table(title="Emmet Group inventory (t CO2e, AR5, operational control)")
            columns = {
                "year": "year",
                "Scope 1": "scope1",
                "Scope 2 loc.": "scope2_location",
                "Scope 2 mkt.": "scope2_market",
                "Scope 1+2 mkt.": None,
                "Scope 3 loc.": "scope3",
                "Scope 3 mkt.": "scope3_market",
                "Total mkt.": "total_market",
                "problems": "problem_count",
            }
            for col in columns:
                table.add_column(col, justify="right")
            for year in YEARS:
                calculate(ws, InventorySettings(year))
                d = summary(ws, year)
                d["Scope 1+2 mkt."] = d["scope1"] + d["scope2_market"]
                table.add_row(
                    *[
                        str(d[key or col])
                        if col in ("year", "problems")
                        else f"{d[key or col]:,.0f}"
                        for col, key in columns.items()
                    ]
                )
        common.out.print(table)
        common.out.print(f"workspace: {db}")
        common.out.print(f"try: zerotrail --db {db} inventory --year 2025 --by category")
