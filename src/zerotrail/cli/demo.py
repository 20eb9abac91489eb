"""`zerotrail demo`: generate Emmet Group, import it into a fresh workspace, calculate 2020-2025.

The job itself is the demo stage (pipeline/demo.py); this module parses the options and prints
what the stage returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.errors import ZerotrailError

if TYPE_CHECKING:
    from zerotrail.pipeline.demo import DemoRun

# The demo stage runs every other stage, so importing it loads nearly the whole package: it is
# imported when the demo runs, not when the CLI loads this module to parse a command line.

__all__ = ["demo_workspace", "register"]


# The columns of the demo's per-year inventory: header -> summary key (None: Scope 1 + 2 mkt.).
INVENTORY_COLUMNS: dict[str, str | None] = {
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


def demo_workspace(out: Path) -> str:
    """The demo's workspace for this command line (--db, else $ZEROTRAIL_DB, else
    OUT/zerotrail.duckdb), the one the demo made before removed (pipeline/demo.py)."""
    from zerotrail.pipeline import demo as stage

    return stage.demo_workspace(common.STATE.db, out)


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
        format: Annotated[
            str,
            typer.Option(help="table, csv (the inventory per year) or json (every summary)."),
        ] = "table",
    ) -> None:
        """Run the main job on the demo company and print its Scope 1/2/3 per year.

        The workspace is --db, else $ZEROTRAIL_DB, else DIR/zerotrail.duckdb; it is made afresh
        (a workspace the demo did not make is refused, never removed).
        """
        from zerotrail.pipeline import demo as stage
        from zerotrail.pipeline.setup import display_url

        common.check_format(format)
        if out.exists() and not out.is_dir():
            raise ZerotrailError(f"--out {out} is a file; expected a folder")
        if scale is not None:
            path = stage.write_benchmark_rows(out, scale, seed)
            common.say(f"wrote {scale:,} activity rows to {path}")
            return
        done = stage.run_demo(out, seed, common.STATE.db)
        years = [_columns(d) for d in done.inventories]
        if format == "json":
            common.print_json(
                {
                    "workspace": display_url(done.workspace),  # never its password
                    "activity_records": done.activity_records,
                    "unit": "t CO2e",
                    "inventory": [
                        {(k or "scope12_market"): y[c] for c, k in INVENTORY_COLUMNS.items()}
                        for y in years
                    ],
                    "roadmap": [p.to_dict() for p in done.progress],
                    "claims": list(done.claims),
                    "verification": _verification_dict(done),
                    "report": str(done.report),
                }
            )
            return
        if format == "csv":
            common.print_csv(
                [
                    {(k or "scope12_market"): y[c] for c, k in INVENTORY_COLUMNS.items()}
                    for y in years
                ],
                [k or "scope12_market" for k in INVENTORY_COLUMNS.values()],
            )
            return
        common.say(
            f"imported {done.activity_records:,} activity records from {done.activities_file}"
        )
        table = Table(title="Emmet Group inventory (t CO2e, AR5, operational control)")
        for col in INVENTORY_COLUMNS:
            common.figure_column(table, col)
        for y in years:
            table.add_row(
                *[
                    str(y[col]) if col in ("year", "problems") else f"{y[col]:,.0f}"
                    for col in INVENTORY_COLUMNS
                ]
            )
        common.print_table(table)
        common.say(_ledger_message(done, out), soft_wrap=True)
        common.say(_verification_message(done), soft_wrap=True)
        db = done.workspace
        shown = display_url(db)
        common.say(f"workspace: {shown}")
        # One command a line, each runnable as printed (common.command). A password is never
        # printed: the commands then read the workspace from ZEROTRAIL_DB.
        where: tuple[str, ...] = ("--db", db) if shown == db else ()
        common.say("try:" if where else "try (with ZEROTRAIL_DB set to the workspace URL):")
        for args in (
            ("inventory", "--year", 2025, "--by", "category"),
            ("progress", "--year", 2025),
        ):
            common.say(f"  {common.command(*where, *args)}", soft_wrap=True)
        _print_roadmap(done.progress, done.claims)
        common.say(
            f"report: {done.report} (with report.pdf, report.json, disclosures.xlsx and the"
            " proofs of its headline figures beside it)"
        )


def _columns(summary: dict[str, Any]) -> dict[str, Any]:
    """One year's row of the demo's inventory table, from the year's inventory summary."""
    return {
        col: summary["scope1"] + summary["scope2_market"] if key is None else summary[key]
        for col, key in INVENTORY_COLUMNS.items()
    }


def _ledger_message(done: DemoRun, out: Path) -> str:
    led = done.ledger
    claim = led.claim_proof or out / "latest-claim.tlog-proof"
    return (
        f"ledger: {led.leaves.get('activity', 0):,} activity records and"
        f" {led.leaves.get('run', 0)} calculation runs committed; checkpoint of"
        f" {led.checkpoint_size:,} leaves signed by {led.origin} and cosigned by {led.witness};"
        f" {led.record_proof} verifies offline with\n"
        "  "
        + common.command(
            "verify",
            "proof",
            led.record_proof,
            "--log-key",
            led.log_vkey,
            "--witness-key",
            led.witness_vkey,
        )
        + "\n"
        f"  ({led.run_proof} proves the latest run's totals and {claim} the latest"
        " neutrality claim the same way)"
    )


def _verification_dict(done: DemoRun) -> dict[str, Any]:
    v = done.verification
    return {
        "engagement": v.engagement_id,
        "drawn": v.drawn,
        "key_items": v.key_items,
        "finding": v.finding,
        "misstatement_t": round(v.misstatement_t, 3),
        "opinion_before_correction": v.opinion_before,
        "opinion": v.opinion,
        "bundle": str(v.bundle),
        "statement": str(v.statement),
        "verifier_key": str(v.verifier_vkey),
    }


def _verification_message(done: DemoRun) -> str:
    v, led = done.verification, done.ledger
    return (
        f"verification: 2025 under limited assurance ({v.engagement_id}); {v.drawn} records drawn"
        f" ({v.key_items} key items); finding {v.finding}: a meter report keyed in MWh, not kWh,"
        f" overstating Scope 2 by {v.misstatement_t:,.0f} t ({v.opinion_before} before"
        f" correction); restated, the opinion is {v.opinion}. The bundle checks offline with\n"
        "  "
        + common.command(
            "verification", "check", v.bundle, "--log-key", led.log_vkey,
            "--witness-key", led.witness_vkey,
        )
        + "\n  and the signed statement with\n  "
        + common.command(
            "verify", "statement", v.statement, "--verifier-key", v.verifier_vkey,
            "--log-key", led.log_vkey,
        )
    )  # fmt: skip


def _print_roadmap(progress: Sequence[Any], claims: Sequence[dict[str, Any]]) -> None:
    from zerotrail.pipeline.demo import YEARS

    year = max(YEARS)
    table = Table(title=f"Emmet Group roadmap status {year}")
    common.text_column(table, "target")
    common.figure_column(table, "actual")
    common.figure_column(table, "target value")
    common.text_column(table, "status")
    for p in progress:
        if p.unit == "%":
            actual, target = f"{p.actual:.1f}%", f"{p.target_value:.1f}%"
        elif p.kind == "neutrality":
            actual, target = f"net {p.actual:,.0f} t", "net 0 t"
        else:
            actual, target = f"{p.actual:,.0f} t", f"{p.target_value:,.0f} t"
        table.add_row(p.name, actual, target, p.status)
    common.print_table(table)
    claim_table = Table(title="Scope 1 + 2 carbon-neutrality claims (ISO 14068-1), t CO2e")
    for col in ("year", "gross", "credits retired", "removals", "net"):
        common.figure_column(claim_table, col)
    common.text_column(claim_table, "claim")
    for c in claims:
        share = c["removal_share"]
        claim_table.add_row(
            str(c["year"]),
            f"{c['gross_t']:,.0f}",
            f"{c['credits_t']:,.0f}",
            "-" if share is None else f"{100 * share:.0f}%",
            f"{c['net_t']:,.0f}",
            "holds" if c["holds"] else "fails: " + "; ".join(c["failures"]),
        )
    common.print_table(claim_table)
