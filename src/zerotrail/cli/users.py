"""`zerotrail users add|token|list|disable`: the people and scripts of the team server.

Thin: parses the arguments, calls the users stage (`pipeline/users.py`) and prints what it
returns. A password or token is printed once, alone on stdout (so a script can capture it),
with a line on stderr saying it will not be shown again; nothing else ever prints one, nor a
hash of one.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from zerotrail.cli import common

app = typer.Typer(
    help="Users of the team server: add them with a role, issue API tokens, list, disable.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="User name (letters, digits, '.', '_', '@', '-').")]


@app.command("add")
def add(
    name: NameArg,
    role: Annotated[
        str,
        typer.Option(help="admin, owner, approver, analyst, verifier or viewer."),
    ],
    entity: Annotated[
        list[str] | None,
        typer.Option(
            "--entity", help="An entity an owner may see and change (repeat for several)."
        ),
    ] = None,
) -> None:
    """Add a user; prints its generated password once."""
    from zerotrail.pipeline.users import ROLES, add_user

    if role not in ROLES:
        raise typer.BadParameter(f"expected one of {', '.join(ROLES)}", param_hint="--role")
    with common.workspace() as ws:
        password = add_user(ws, name, role, entity or ())
    owns = f" for {', '.join(entity)}" if entity else ""
    common.tell(
        f"added user {name!r} as {role}{owns}. Its password follows; it will not be shown"
        " again (only its hash is stored): pass it on now."
    )
    common.say(password)


@app.command("token")
def token(name: NameArg) -> None:
    """Issue a new API token for a user; prints it once."""
    from zerotrail.pipeline.users import new_token

    with common.workspace() as ws:
        issued = new_token(ws, name)
    common.tell(
        f"new API token for {name!r} follows; it will not be shown again (only its SHA-256 is"
        " stored)."
    )
    common.say(issued)


@app.command("list")
def list_(
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Every user with its role, entities, status, time added and number of API tokens."""
    from zerotrail.pipeline.users import list_accounts

    common.check_format(format)
    with common.workspace() as ws:
        accounts = list_accounts(ws)
    fields = ["name", "role", "entities", "disabled", "created_at", "tokens"]
    rows = [
        {
            "name": a.user.name,
            "role": a.user.role,
            # A list in JSON; in CSV and the table one field, the ids separated by "; ".
            "entities": list(a.user.entities) if format == "json" else "; ".join(a.user.entities),
            "disabled": a.disabled,
            "created_at": a.created_at.isoformat(timespec="seconds"),
            "tokens": a.tokens,
        }
        for a in accounts
    ]
    if common.print_records(rows, fields, format):
        return
    if not rows:
        common.tell("no users yet: add one with `zerotrail users add NAME --role ROLE`")
        return
    table = Table()
    for header in ("User", "Role", "Entities", "Status"):
        common.text_column(table, header)
    common.text_column(table, "Added (UTC)")
    common.figure_column(table, "Tokens")
    for a in accounts:
        table.add_row(
            a.user.name,
            a.user.role,
            "; ".join(a.user.entities) or "all",
            "disabled" if a.disabled else "active",
            a.created_at.isoformat(timespec="seconds"),
            str(a.tokens),
        )
    common.print_table(table)


@app.command("disable")
def disable(name: NameArg) -> None:
    """Disable a user: its password and every API token of it stop working."""
    from zerotrail.pipeline.users import disable_user

    with common.workspace() as ws:
        changed = disable_user(ws, name)
    common.say(
        f"user {name!r} disabled: its password and API tokens no longer work"
        if changed
        else f"user {name!r} was already disabled; nothing changed"
    )
