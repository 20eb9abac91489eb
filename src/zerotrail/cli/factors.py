"""`zerotrail factors list|show|search`: the factor library with its sources and licences.

Reads the workspace's library when a workspace exists (shipped plus custom sets), else the
factors shipped with the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.errors import FactorError, ZerotrailError
from zerotrail.store.workspace import parse_url, resolve_url

app = typer.Typer(help="Emission-factor library.", no_args_is_help=True)


@contextmanager
def _library() -> Iterator[Any]:
    """A DuckDB connection with a `factors` and `factor_sets` table."""
    target = parse_url(resolve_url(common.STATE.db))
    if target.path != ":memory:" and Path(target.path).exists():
        with common.workspace() as ws:
            yield ws.con
        return
    import duckdb

    from zerotrail.reference import factors as shipped

    con = duckdb.connect()
    con.register("zt_shipped_factors", shipped.factors_arrow())
    con.execute("CREATE TABLE factors AS SELECT * FROM zt_shipped_factors")
    con.execute(
        "CREATE TABLE factor_sets (factor_set VARCHAR, name VARCHAR, publisher VARCHAR,"
        " edition VARCHAR, source_url VARCHAR, licence VARCHAR, description VARCHAR,"
        " kind VARCHAR)"
    )
    con.executemany(
        "INSERT INTO factor_sets VALUES (?, ?, ?, ?, ?, ?, ?, 'shipped')",
        [
            (s.factor_set, s.name, s.publisher, s.edition, s.source_url, s.licence, s.description)
            for s in shipped.factor_sets()
        ],
    )
    try:
        yield con
    finally:
        con.close()


FormatOpt = Annotated[str, typer.Option(help="table, csv or json.")]


@app.command("list")
def list_sets(format: FormatOpt = "table") -> None:
    """List the factor sets with publisher, edition, licence and size."""
    common.check_format(format)
    with _library() as con:
        rows = con.execute(
            """SELECT s.factor_set, s.name, s.publisher, s.edition, s.licence, s.kind,
                      count(DISTINCT f.factor_id),
                      coalesce(sum(CASE WHEN f.verified THEN 0 ELSE 1 END), 0)
               FROM factor_sets s LEFT JOIN factors f USING (factor_set)
               GROUP BY ALL ORDER BY s.factor_set"""
        ).fetchall()
    fields = (
        "factor_set",
        "name",
        "publisher",
        "edition",
        "licence",
        "kind",
        "factors",
        "unverified_rows",
    )
    records = [dict(zip(fields, r, strict=True)) for r in rows]
    if common.print_records(records, fields, format):
        return
    # One block per set: its publisher, edition and licence are sentences, not table cells.
    for i, r in enumerate(records):
        if i:
            common.say("")
        common.say(f"{r['factor_set']}: {r['name']}")
        common.say(
            f"  {r['factors']:,} factors, {r['unverified_rows']:,} unverified rows; {r['kind']}"
        )
        for key in ("publisher", "edition", "licence"):
            if r[key]:
                common.say(f"  {key + ':':11}{r[key]}")


_COLUMNS = (
    "factor_id",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "gas",
    "value",
    "gwp_basis",
    "biogenic",
    "verified",
    "source",
    "edition",
    "source_url",
    "licence",
    "note",
    "supplier",
)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find in key, id, region, source or note.")],
    region: Annotated[str | None, typer.Option(help="Only this region code.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many factors.")] = 30,
    format: FormatOpt = "table",
) -> None:
    """Find factors; each line shows the value per gas with its source and licence."""
    common.check_format(format)
    if limit < 1:
        raise ZerotrailError(f"--limit {limit}: expected at least 1")
    words = [w.lower() for w in query.split()]
    where = " AND ".join(
        "lower(concat_ws(' ', factor_id, activity, region, source, note)) LIKE ?" for _ in words
    )
    params: list[Any] = [f"%{w}%" for w in words]
    if region:
        where = f"{where} AND region = ?" if where else "region = ?"
        params.append(region)
    where = where or "true"
    with _library() as con:
        ids = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT factor_id FROM factors WHERE {where} ORDER BY factor_id LIMIT ?",
                [*params, limit],
            ).fetchall()
        ]
        rows = (
            con.execute(
                "SELECT factor_id, activity, region, valid_from, valid_to, unit, gas, value,"
                " verified,"
                " source, licence FROM factors WHERE factor_id IN (SELECT unnest(?))"
                " ORDER BY factor_id, gas",
                [ids],
            ).fetchall()
            if ids
            else []
        )
    if not rows:
        raise ZerotrailError(f"no factor matches {query!r}")
    fields = (
        "factor_id",
        "activity",
        "region",
        "valid_from",
        "valid_to",
        "unit",
        "gas",
        "value",
        "verified",
        "source",
        "licence",
    )
    records = [dict(zip(fields, r, strict=True)) for r in rows]
    if common.print_records(records, fields, format):
        return
    table = Table(title=f"factors matching '{query}' (kg of gas per unit)")
    for col in ("factor_id", "activity", "region"):
        common.text_column(table, col)
    common.figure_column(table, "valid", justify="left")
    common.text_column(table, "gas")
    common.figure_column(table, "kg per unit")
    common.text_column(table, "unit")
    common.text_column(table, "source")
    common.text_column(table, "licence")
    for fid, act, reg, vf, vt, unit, gas, value, verified, source, licence in rows:
        mark = "" if verified else " (unverified)"
        table.add_row(
            fid,
            act,
            reg,
            f"{vf}..{vt or ''}",
            gas,
            f"{value:.6g}",
            f"per {unit}",
            source + mark,
            licence or "",
        )
    common.print_table(table)


@app.command("show")
def show(factor_id: Annotated[str, typer.Argument(help="The factor id.")]) -> None:
    """Show one factor in full: every gas, validity, heat content and provenance."""
    with _library() as con:
        cur = con.execute(
            f"SELECT {', '.join(_COLUMNS)}, currency_year, heat_content, heat_content_unit,"
            " heat_basis, scope_use, source_ref FROM factors WHERE factor_id = ? ORDER BY gas",
            [factor_id],
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not rows:
        raise FactorError(f"unknown factor {factor_id!r} (try `zerotrail factors search`)")
    first = rows[0]
    common.say(factor_id)
    for key in (
        "activity",
        "region",
        "valid_from",
        "valid_to",
        "unit",
        "currency_year",
        "heat_content",
        "heat_content_unit",
        "heat_basis",
        "scope_use",
        "supplier",
        "source",
        "edition",
        "source_url",
        "licence",
        "verified",
        "source_ref",
        "note",
    ):
        if first.get(key) not in (None, ""):
            common.say(f"  {key:18} {first[key]}")
    for r in rows:
        extra = " (biogenic, outside the scopes)" if r["biogenic"] else ""
        basis = f" [{r['gwp_basis']}]" if r["gwp_basis"] else ""
        common.say(f"  {r['gas']:8} {r['value']:.10g} kg per {first['unit']}{basis}{extra}")
