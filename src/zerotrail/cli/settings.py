"""`zerotrail settings show|set|unset`: the workspace settings a user may set.

Thin: each command opens the workspace and calls the settings stage (pipeline/settings.py),
which knows the keys and checks the values. The report's governance section prints the
governance fields as stored, "not recorded" for those without a value.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.cli.energy import FormatOpt, check_format

app = typer.Typer(
    help="Workspace settings: the organization and the report's approval and contact.",
    no_args_is_help=True,
)

KeyArg = Annotated[str, typer.Argument(help="Setting name (`zerotrail settings show` lists them).")]


@app.command("show")
def show(format: FormatOpt = "table") -> None:
    """Every setting with its value, or "not recorded"."""
    from zerotrail.pipeline.settings import SETTINGS, settings

    check_format(format)
    with common.workspace() as ws:
        found = settings(ws)
    rows = [{"key": k, "value": v, "meaning": SETTINGS[k]} for k, v in found.items()]
    if common.print_records(rows, ["key", "value", "meaning"], format):
        return
    table = Table()
    common.text_column(table, "Setting")
    common.text_column(table, "Value")
    common.text_column(table, "Meaning")
    for r in rows:
        table.add_row(r["key"], "not recorded" if r["value"] is None else r["value"], r["meaning"])
    common.print_table(table)


@app.command("set")
def set_(
    key: KeyArg,
    value: Annotated[str, typer.Argument(help="The value (quote it when it has spaces).")],
) -> None:
    """Set one setting (approval_date as YYYY-MM-DD)."""
    from zerotrail.pipeline.settings import change_setting

    with common.workspace() as ws:
        stored = change_setting(ws, key, value)
    common.say(f"{key} set to {stored!r}")


@app.command("unset")
def unset(key: KeyArg) -> None:
    """Remove one setting's value (reports then say "not recorded")."""
    from zerotrail.pipeline.settings import remove_setting

    with common.workspace() as ws:
        had = remove_setting(ws, key)
    common.say(f"{key} removed" if had else f"{key} had no value; nothing changed")
