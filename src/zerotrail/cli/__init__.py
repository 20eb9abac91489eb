"""The `zerotrail` command: a thin Typer app over the pipeline.

Where it sits: the outermost edge. Each command parses its arguments, calls pipeline stages
(`zerotrail.pipeline.*`, nothing below them) and formats what they return.

Commands print results with Rich; data problems are printed one per line (file, row, column,
message) after a header line and end the command with exit code 1; other zerotrail errors, and
failures to read a file or the workspace, print one line and exit 1; a usage error (an unknown
command or option, a missing argument, a value of the wrong type) prints one line and exits 2,
and so does an unexpected failure ("internal error: ... (please report)"; the traceback only
with ZEROTRAIL_DEBUG=1). `calculate` exits 3 when records could not be calculated (docs/cli.md).
"""

from __future__ import annotations

import sys
import traceback
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
            help="Workspace database: a DuckDB file path or a postgresql:// URL; default"
            " $ZEROTRAIL_DB or ./zerotrail.duckdb.",
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
        db,
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
        scope3,
        serve,
        settings,
        submissions,
        users,
        verification,
        workspace,
    )

    workspace.register(app)
    app.add_typer(factors.app, name="factors")
    app.add_typer(gwp.app, name="gwp")
    energy.register_imports(imports.app)
    scope3.register_imports(imports.app)
    app.add_typer(imports.app, name="import")
    inventory.register(app)
    app.add_typer(scope3.derive_app, name="derive")
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
    app.add_typer(settings.app, name="settings")
    report.register(app)
    demo.register(app)
    app.add_typer(db.app, name="db")
    app.add_typer(users.app, name="users")
    app.add_typer(submissions.app, name="imports")
    app.add_typer(verification.app, name="verification")
    serve.register(app)


_register()


def _click_exception() -> type[Exception]:
    """Click's ClickException: typer re-exports only one subclass of it (BadParameter), and
    recent typer releases vendor click, so the class is taken from that subclass's bases."""
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == "ClickException" and issubclass(cls, Exception):
            return cls
    raise ImportError("typer.BadParameter does not derive from click's ClickException")


def _usage_error(exc: Exception) -> str:
    """A usage error in one line, naming the command whose help explains it."""
    message = _one_line(getattr(exc, "format_message", lambda: str(exc))())
    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", None) or "zerotrail"
    return f"{message} (see `{where} --help`)"


def main() -> None:
    click_exception = _click_exception()
    try:
        code = app(prog_name="zerotrail", standalone_mode=False)
    except DataError as exc:
        common.print_problems(exc)
        sys.exit(1)
    except ZerotrailError as exc:
        common.print_error(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        common.print_error("interrupted; nothing more was written", label="stopped")
        sys.exit(130)
    except typer.Abort:  # end of input where a command asked for more
        common.print_error("aborted; nothing more was written", label="stopped")
        sys.exit(1)
    except click_exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group without its command: its help
            exc.show()  # type: ignore[attr-defined]
        else:
            common.print_error(_usage_error(exc), label="usage error")
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception as exc:
        known = _known_failure(exc)
        if known is not None:
            common.print_error(known)
            sys.exit(1)
        if common.debug():
            traceback.print_exc()
        common.print_error(
            f"{type(exc).__name__}: {_one_line(str(exc))} (please report; set ZEROTRAIL_DEBUG=1"
            " for the traceback)",
            label="internal error",
        )
        sys.exit(2)
    # Without standalone mode, an exit code (typer.Exit, --help) is returned, not raised.
    if isinstance(code, int) and code:
        sys.exit(code)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _known_failure(exc: BaseException) -> str | None:
    """The one line for a failure of the environment that reached main() unnamed: a file that
    cannot be read or written, the workspace database, memory."""
    if isinstance(exc, OSError):
        name = exc.filename if exc.filename is not None else None
        reason = exc.strerror or _one_line(str(exc))
        if isinstance(exc, IsADirectoryError) and name is not None:
            return f"{name} is a directory; expected a file"
        return f"cannot use {name}: {reason}" if name is not None else f"system error: {reason}"
    if isinstance(exc, UnicodeDecodeError):
        return f"input is not UTF-8 text: {_one_line(str(exc))}"
    if isinstance(exc, MemoryError):
        return "out of memory (lower the input size, or ZEROTRAIL_MEMORY_LIMIT)"
    duckdb = sys.modules.get("duckdb")  # only a module already in use can have raised
    psycopg = sys.modules.get("psycopg")
    if (duckdb is not None and isinstance(exc, duckdb.Error)) or (
        psycopg is not None and isinstance(exc, psycopg.Error)
    ):
        # Imported here: the set-up stage loads the store, which `--help` does not need.
        from zerotrail.pipeline.setup import database_failure

        return str(database_failure(common.STATE.db, exc))
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None and isinstance(exc, pyarrow.ArrowException):
        return f"cannot read an input file: {_one_line(str(exc))}"
    return None
