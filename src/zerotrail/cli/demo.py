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
            for col in (
                "year",
                "Scope 1",
                "Scope 2 loc.",
                "Scope 2 mkt.",
                "Scope 1+2 mkt.",
                "Scope 3",
                "Total mkt.",
                "problems",
            ):
                table.add_column(col, justify="right")
            for year in YEARS:
                calculate(ws, InventorySettings(year))
                d = summary(ws, year)
                t = common.tonnes
                table.add_row(
                    str(year),
                    t(d["scope1"]),
                    t(d["scope2_location"]),
                    t(d["scope2_market"]),
                    t(d["scope1"] + d["scope2_market"]),
                    t(d["scope3"]),
                    t(d["total_market"]),
                    str(d["problem_count"]),
                )
        common.out.print(table)
        common.out.print(f"workspace: {db}")
        common.out.print(f"try: zerotrail --db {db} inventory --year 2025 --by category")
