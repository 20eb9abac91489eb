"""`zerotrail init`: create a workspace and load the shipped factor library."""

from __future__ import annotations

from typing import Annotated

import typer

from zerotrail.cli import common


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        organization: Annotated[
            str | None, typer.Option(help="Organization name recorded in the workspace.")
        ] = None,
    ) -> None:
        """Create the workspace (or migrate an existing one) and load the shipped factors."""
        # Imported here: the CLI loads every command module, and only `init` sets up.
        from zerotrail.pipeline.setup import set_up

        with common.workspace(create=True) as ws:
            done = set_up(ws, organization)
        common.say(
            f"workspace {done.url} ready (schema {done.schema_version}); "
            f"{done.factor_sets_loaded} factor set(s) loaded, {done.factors_available} factors"
            " available"
        )
