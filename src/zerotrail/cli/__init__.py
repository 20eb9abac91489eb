"""The `zerotrail` command: a thin Typer app over the pipeline.

Commands print results with Rich; data problems are printed one per line (file, row, column,
message) and end the command with exit code 1; other zerotrail errors print one line and exit 1.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from zerotrail import __version__
from zerotrail.cli import common
from zerotrail.errors import DataError, ZerotrailError

app = typer.Typer(
    name="zerotrail",
    help="Corporate carbon accounting: GHG inventory, factors, targets and a tamper-evident trail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zerotrail {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Workspace database (file path); default $ZEROTRAIL_DB or ./zerotrail.duckdb.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    common.STATE.db = db


def _register() -> None:
    from zerotrail.cli import (
        credits,
        demo,
        energy,
        factors,
        gwp,
        imports,
        initiatives,
        inventory,
        ledger,
        report,
        roadmap,
        workspace,
    )

    workspace.register(app)
    app.add_typer(factors.app, name="factors")
    app.add_typer(gwp.app, name="gwp")
    energy.register_imports(imports.app)
    app.add_typer(imports.app, name="import")
    inventory.register(app)
    app.add_typer(ledger.keys_app, name="keys")
    app.add_typer(ledger.ledger_app, name="ledger")
    app.add_typer(ledger.verify_app, name="verify")
    app.add_typer(ledger.witness_app, name="witness")
    app.add_typer(roadmap.targets_app, name="targets")
    app.add_typer(roadmap.baseyear_app, name="baseyear")
    app.add_typer(roadmap.claim_app, name="claim")
    app.add_typer(credits.app, name="credits")
    roadmap.register(app)
    app.add_typer(energy.app, name="energy")
    app.add_typer(initiatives.app, name="initiatives")
    report.register(app)
    demo.register(app)


_register()


def main() -> None:
    try:
        app()
    except DataError as exc:
        common.print_problems(exc)
        sys.exit(1)
    except ZerotrailError as exc:
        common.err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
