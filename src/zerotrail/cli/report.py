"""`zerotrail report`: publish the year's report (HTML, PDF, JSON, XLSX and proofs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zerotrail.cli import common


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
        """Publish the year's report: report.html, report.pdf, report.json, disclosures.xlsx."""
        from zerotrail.ledger.note import parse_signer_key
        from zerotrail.reports.publish import publish

        signer = None
        if key is not None:
            signer = parse_signer_key(key.read_text(encoding="utf-8").strip())
        keys = []
        for k in witness_key or []:
            path = Path(k)
            keys.append(path.read_text(encoding="utf-8").strip() if path.is_file() else k)
        with common.workspace() as ws:
            done = publish(ws, year, out, signer=signer, witness_keys=keys)
        common.out.print(
            f"{done.report_id}: {out / 'report.html'} (and report.pdf, report.json,"
            f" disclosures.xlsx); built on the checkpoint of {done.checkpoint_size:,} records;"
            f" proofs in {out / 'proofs'}"
        )
