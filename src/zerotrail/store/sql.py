"""SQL text built from names: the one place an identifier is quoted.

Names that come from outside the program (a file's header, above all) never reach SQL as they
are: the importers match them against the documented format first, and whatever name does reach
SQL goes through `quote_ident`. Values are bound as parameters, or quoted with `sql_text`
where a statement cannot take parameters (a view's definition, a table function's options).
"""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """`name` as a SQL identifier (double quotes, inner double quotes doubled).

    Any text comes out as exactly one identifier, whatever quotes, semicolons or comment
    markers it holds. NUL cannot be part of a DuckDB or PostgreSQL identifier: ValueError.
    """
    if "\x00" in name:
        raise ValueError("an SQL identifier cannot contain NUL")
    return '"' + name.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    """`value` as a SQL string literal (single quotes, inner single quotes doubled), for the
    places a statement cannot take a parameter."""
    return "'" + value.replace("'", "''") + "'"
