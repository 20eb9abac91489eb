"""`zerotrail demo`: generate Emmet Group, import it into a fresh workspace, calculate 2020-2025."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zerotrail.cli import common
from zerotrail.errors import ZerotrailError

YEARS = range(2020, 2026)


DEMO_ORGANIZATION = "Emmet Group"
# The columns of the demo's per-year inventory: header -> summary key (None: Scope 1 + 2 mkt.).
INVENTORY_COLUMNS: dict[str, str | None] = {
    "year": "year",
    "Scope 1": "scope1",
    "Scope 2 loc.": "scope2_location",
    "Scope 2 mkt.": "scope2_market",
    "Scope 1+2 mkt.": None,
    "Scope 3 loc.": "scope3",
    "Scope 3 mkt.": "scope3_market",
    "Total mkt.": "total_market",
    "problems": "problem_count",
}


def demo_workspace(out: Path) -> str:
    """The demo's workspace: --db, else $ZEROTRAIL_DB, else DIR/zerotrail.duckdb.

    The demo starts from a fresh workspace, so it removes the one it made last time; any other
    existing workspace (or file) is refused, never removed.
    """
    from zerotrail.store.workspace import ENV_VAR, open_workspace, parse_url

    default = out / "zerotrail.duckdb"
    db = common.STATE.db or os.environ.get(ENV_VAR) or str(default)
    path = parse_url(db).path
    if path == ":memory:" or not Path(path).exists():
        return db
    ours = Path(path).resolve() == default.resolve()  # the demo's own folder
    if not ours:
        try:
            with open_workspace(db) as ws:
                ours = ws.get_setting("organization") == DEMO_ORGANIZATION
        except ZerotrailError:
            ours = False
    if not ours:
        raise ZerotrailError(
            f"{db} exists and is not a demo workspace; the demo makes a fresh workspace and"
            " removes the one it made before, never another: give --db (or ZEROTRAIL_DB) a new"
            " file"
        )
    for suffix in ("", ".wal"):
        Path(path + suffix).unlink(missing_ok=True)  # a fresh workspace every run
    return db


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="Folder for the generated files.")] = Path("demo"),
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same company).")] = 2020,
        scale: Annotated[
            int | None,
            typer.Option(
                help="Instead: write N procurement/telemetry rows as Parquet for benchmarks."
            ),
        ] = None,
        format: Annotated[
            str,
            typer.Option(help="table, csv (the inventory per year) or json (every summary)."),
        ] = "table",
    ) -> None:
        """Run the main job on the demo company and print its Scope 1/2/3 per year.

        The workspace is --db, else $ZEROTRAIL_DB, else DIR/zerotrail.duckdb; it is made afresh
        (a workspace the demo did not make is refused, never removed).
        """
        from zerotrail.demo.generate import write_demo, write_scaled

        common.check_format(format)
        if out.exists() and not out.is_dir():
            raise ZerotrailError(f"--out {out} is a file; expected a folder")
        if scale is not None:
            if scale < 1:
                raise ZerotrailError(f"--scale {scale}: expected at least 1 row")
            out.mkdir(parents=True, exist_ok=True)
            path = write_scaled(out / f"activities_{scale}.parquet", scale, seed=seed)
            common.say(f"wrote {scale:,} activity rows to {path}")
            return
        db = demo_workspace(out)
        files = write_demo(out, seed=seed)
        common.STATE.db = db
        from zerotrail.engine.settings import InventorySettings
        from zerotrail.ingest.activities import import_activities
        from zerotrail.ingest.factors import import_factors
        from zerotrail.ingest.instruments import import_instruments
        from zerotrail.ingest.organization import import_entities, import_sites
        from zerotrail.pipeline import calculate, load_shipped_factors
        from zerotrail.reports.inventory import summary

        years: list[dict[str, Any]] = []
        with common.workspace(create=True) as ws:
            ws.set_setting("organization", DEMO_ORGANIZATION)
            load_shipped_factors(ws)
            import_factors(ws, files.factors)
            import_entities(ws, files.entities)
            import_sites(ws, files.sites)
            import_instruments(ws, files.instruments)
            rep = import_activities(ws, files.activities)
            imported = f"imported {rep.added:,} activity records from {files.activities}"
            for year in YEARS:
                calculate(ws, InventorySettings(year))
                d = summary(ws, year)
                years.append(
                    {
                        col: d["scope1"] + d["scope2_market"] if key is None else d[key]
                        for col, key in INVENTORY_COLUMNS.items()
                    }
                )
            progress, claims = _demo_roadmap(ws, files)
            trail, report_path = _demo_ledger(ws, out)
        if format == "json":
            common.print_json(
                {
                    "workspace": db,
                    "activity_records": rep.added,
                    "unit": "t CO2e",
                    "inventory": [
                        {(k or "scope12_market"): y[c] for c, k in INVENTORY_COLUMNS.items()}
                        for y in years
                    ],
                    "roadmap": [p.to_dict() for p in progress],
                    "claims": claims,
                    "report": str(report_path),
                }
            )
            return
        if format == "csv":
            common.print_csv(
                [
                    {(k or "scope12_market"): y[c] for c, k in INVENTORY_COLUMNS.items()}
                    for y in years
                ],
                [k or "scope12_market" for k in INVENTORY_COLUMNS.values()],
            )
            return
        common.say(imported)
        table = Table(title="Emmet Group inventory (t CO2e, AR5, operational control)")
        for col in INVENTORY_COLUMNS:
            common.figure_column(table, col)
        for y in years:
            table.add_row(
                *[
                    str(y[col]) if col in ("year", "problems") else f"{y[col]:,.0f}"
                    for col in INVENTORY_COLUMNS
                ]
            )
        common.print_table(table)
        common.say(trail)
        common.say(f"workspace: {db}")
        common.say(
            f"try: zerotrail --db {db} inventory --year 2025 --by category"
            f"  |  zerotrail --db {db} progress --year 2025"
        )
        _print_roadmap(progress, claims)
        common.say(
            f"report: {report_path} (with report.pdf, report.json, disclosures.xlsx and the"
            " proofs of its headline figures beside it)"
        )


def _demo_roadmap(ws: Any, files: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """Import the roadmap's files, finalize the years, record the claims, measure progress."""
    from zerotrail.ingest.credits import import_credits
    from zerotrail.ingest.energy import import_cooling, import_meters
    from zerotrail.ingest.initiatives import import_initiatives
    from zerotrail.ingest.metrics import import_metrics, import_suppliers
    from zerotrail.offsets.neutrality import finalize, record
    from zerotrail.targets.baseyear import import_events
    from zerotrail.targets.progress import progress
    from zerotrail.targets.register import add_targets
    from zerotrail.targets.roadmap import read_roadmap

    import_metrics(ws, files.metrics)
    import_suppliers(ws, files.suppliers)
    import_meters(ws, files.meters)
    import_cooling(ws, files.cooling)
    import_initiatives(ws, files.initiatives)
    roadmap = read_roadmap(files.roadmap)
    add_targets(ws, roadmap, files.roadmap.name)
    import_events(ws, files.baseline_events)
    import_credits(ws, files.credits)
    claims = []
    for year in YEARS:
        finalize(ws, year)
        if year >= 2021:
            claims.append(record(ws, year))
    return progress(ws, max(YEARS)), claims


def _print_roadmap(progress: list[Any], claims: list[dict[str, Any]]) -> None:
    year = max(YEARS)
    table = Table(title=f"Emmet Group roadmap status {year}")
    common.text_column(table, "target")
    common.figure_column(table, "actual")
    common.figure_column(table, "target value")
    common.text_column(table, "status")
    for p in progress:
        if p.unit == "%":
            actual, target = f"{p.actual:.1f}%", f"{p.target_value:.1f}%"
        elif p.kind == "neutrality":
            actual, target = f"net {p.actual:,.0f} t", "net 0 t"
        else:
            actual, target = f"{p.actual:,.0f} t", f"{p.target_value:,.0f} t"
        table.add_row(p.name, actual, target, p.status)
    common.print_table(table)
    claim_table = Table(title="Scope 1 + 2 carbon-neutrality claims (ISO 14068-1), t CO2e")
    for col in ("year", "gross", "credits retired", "removals", "net"):
        common.figure_column(claim_table, col)
    common.text_column(claim_table, "claim")
    for c in claims:
        share = c["removal_share"]
        claim_table.add_row(
            str(c["year"]),
            f"{c['gross_t']:,.0f}",
            f"{c['credits_t']:,.0f}",
            "-" if share is None else f"{100 * share:.0f}%",
            f"{c['net_t']:,.0f}",
            "holds" if c["holds"] else "fails: " + "; ".join(c["failures"]),
        )
    common.print_table(claim_table)


def _demo_ledger(ws: object, out: Path) -> tuple[str, Path]:
    """Sign the demo's log, have a demo witness cosign it, prove records offline, and publish
    the 2025 report on a checkpoint the witness cosigned."""
    import time

    from zerotrail.ingest.activities import canonical_of
    from zerotrail.ledger.note import (
        COSIGNATURE_V1,
        generate_signer,
        parse_signer_key,
        parse_verifier_key,
    )
    from zerotrail.ledger.proof import parse_proof, verify_proof_bundle
    from zerotrail.ledger.witness import WitnessState, add_checkpoint, add_log
    from zerotrail.store.checkpoints import (
        add_cosignatures,
        leaf_from_opening,
        prove,
        run_canonical,
        sign_checkpoint,
        witness_request,
    )
    from zerotrail.store.workspace import Workspace

    assert isinstance(ws, Workspace)
    origin, witness = "carbon.example.com/emmet-group", "verifier.example.org"
    log_key, log_vkey = generate_signer(origin)
    w_key, w_vkey = generate_signer(witness, COSIGNATURE_V1)
    import os

    for name, text, mode in (
        ("log.key", log_key, 0o600),
        ("log.vkey", log_vkey, 0o644),
        ("witness.key", w_key, 0o600),
        ("witness.vkey", w_vkey, 0o644),
    ):
        (out / name).unlink(missing_ok=True)  # the demo workspace is new: so are its keys
        fd = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    signed = sign_checkpoint(ws, parse_signer_key(log_key))
    witness_state = [add_log(WitnessState(), origin, [parse_verifier_key(log_vkey)])]

    def cosign(ws: Workspace) -> None:
        """The demo's witness checks the newest checkpoint against the last it cosigned."""
        followed = witness_state[0].log(origin)
        old = 0 if followed is None else followed.size
        state, resp = add_checkpoint(
            witness_state[0], witness_request(ws, old), parse_signer_key(w_key), int(time.time())
        )
        if resp.status != 200:
            raise ZerotrailError(f"the demo witness refused the checkpoint ({resp.status})")
        witness_state[0] = state
        add_cosignatures(ws, resp.body)

    cosign(ws)
    record = str(
        ws.scalar("SELECT ref FROM ledger_leaves WHERE kind = 'activity' ORDER BY idx LIMIT 1")
    )
    proof_text = prove(ws, "activity", record, lambda r, v: canonical_of(ws, r, v), True)
    path = out / f"{record}.tlog-proof"
    path.write_text(proof_text, encoding="utf-8")
    bundle = parse_proof(proof_text)
    assert bundle.extra is not None
    verify_proof_bundle(
        bundle,
        leaf_from_opening(bundle.extra),
        parse_verifier_key(log_vkey),
        [parse_verifier_key(w_vkey)],
    )
    run_id = str(ws.scalar("SELECT run_id FROM runs WHERE current ORDER BY year DESC LIMIT 1"))
    run_proof = out / "latest-run.tlog-proof"
    run_proof.write_text(
        prove(ws, "run", run_id, lambda r, _: run_canonical(ws, r), True), encoding="utf-8"
    )
    from zerotrail.store.committed import canonical_of as committed_canonical

    claim_id = ws.scalar("SELECT claim_id FROM claims ORDER BY year DESC, version DESC LIMIT 1")
    claim_proof = out / "latest-claim.tlog-proof"
    if claim_id is not None:
        claim_proof.write_text(
            prove(
                ws,
                "claim",
                str(claim_id),
                lambda r, v: committed_canonical(ws, "claim", r, v),
                True,
            ),
            encoding="utf-8",
        )
    from zerotrail.reports.publish import publish

    report = publish(
        ws,
        max(YEARS),
        out / "report",
        signer=parse_signer_key(log_key),
        cosign=cosign,
        witness_keys=[w_vkey],
    )
    kinds = dict(ws.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY kind"))
    message = (
        f"ledger: {kinds.get('activity', 0):,} activity records and {kinds.get('run', 0)}"
        f" calculation runs committed; checkpoint of {signed.checkpoint.size:,} leaves signed"
        f" by {origin} and cosigned by {witness}; {path} verifies offline with\n"
        f"  zerotrail verify proof {path} --log-key {out / 'log.vkey'}"
        f" --witness-key {out / 'witness.vkey'}\n"
        f"  ({run_proof} proves the latest run's totals and {claim_proof} the latest"
        " neutrality claim the same way)"
    )
    return message, report.out / "report.html"
