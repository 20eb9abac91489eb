"""`zerotrail report`: publish the year's report (HTML, PDF, JSON, XLSX and proofs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zerotrail.cli import common
from zerotrail.model import files


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        year: Annotated[int, typer.Option(help="Reporting year.")],
        out: Annotated[Path, typer.Option(help="Folder for the report and its proofs.")],
        key: Annotated[
            Path | None,
            typer.Option(help="The log's signer key: sign a checkpoint covering the report."),
        ] = None,
        witness_key: Annotated[
            list[str] | None,
            typer.Option(help="A witness verifier key (or file) to print for readers."),
        ] = None,
    ) -> None:
        """Publish the year's report: report.html, report.pdf, report.json, disclosures.xlsx.

        Written whole or not at all: OUT may be absent, empty or a previous report folder
        (replaced); anything else is refused.
        """
        from rich.text import Text

        from zerotrail.errors import ZerotrailError
        from zerotrail.pipeline.exports import printable
        from zerotrail.pipeline.ledger import signer_key
        from zerotrail.pipeline.publish import publish

        try:
            signer = None
            if key is not None:
                signer = signer_key(_read(key))
            keys = []
            for k in witness_key or []:
                path = Path(k)
                keys.append(_read(path).strip() if path.is_file() else k)
            with common.workspace() as ws:
                done = publish(ws, year, out, signer=signer, witness_keys=keys)
        except ZerotrailError as exc:
            # One line, whatever it quotes: a name from the workspace may hold brackets (Rich
            # markup), control characters or line breaks, and a long line is not wrapped.
            message = printable(" ".join(str(exc).split()), keep="")
            common.err.print(Text("error: ", style="red") + Text(message), soft_wrap=True)
            raise typer.Exit(1) from None
        common.out.print(
            f"{done.report_id}: {out / 'report.html'} (and report.pdf, report.json,"
            f" disclosures.xlsx); built on the checkpoint of {done.checkpoint_size:,} records;"
            f" proofs in {out / 'proofs'}"
        )


def _read(path: Path) -> str:
    """A key file: UTF-8, at most 1 MiB, never a pipe or a device (model.files.read_limited)."""
    return files.read_limited(path, "key file")
