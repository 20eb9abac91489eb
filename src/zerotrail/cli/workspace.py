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
        from zerotrail.pipeline import load_shipped_factors

        with common.workspace(create=True) as ws:
            if organization:
                ws.set_setting("organization", organization)
            added = load_shipped_factors(ws)
            n = ws.scalar("SELECT count(DISTINCT factor_id) FROM factors")
            common.say(
                f"workspace {ws.url} ready (schema {ws.schema_version}); "
                f"{added} factor set(s) loaded, {n} factors available"
            )
