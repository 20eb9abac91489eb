"""`zerotrail keys|ledger|verify|witness`: the tamper-evident log from the command line.

`keys` and `ledger` act on the workspace's log; `verify` needs no workspace (an auditor has only
files and keys) and exits 0 on success, 1 with a one-line reason on any failure; `witness` is
the external verifier's side, keeping its state in a file it replaces atomically.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from zerotrail.cli import common
from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.model import files

keys_app = typer.Typer(
    help="Signing keys (Ed25519, C2SP signed-note formats).", no_args_is_help=True
)
ledger_app = typer.Typer(
    help="The workspace's Merkle log: checkpoints, proofs, audit.", no_args_is_help=True
)
verify_app = typer.Typer(
    help="Offline verification of proofs, notes, consistency and verification statements.",
    no_args_is_help=True,
)
witness_app = typer.Typer(
    help="The witness (external verifier): cosign checkpoints.", no_args_is_help=True
)


def _read(path: Path, what: str, limit: int = files.MAX_SMALL_FILE) -> str:
    """A proof, note, key, request or response: UTF-8, at most 1 MiB (docs/cli.md)."""
    return files.read_limited(path, what, limit)


def _key_text(value: str) -> str:
    """A key given inline or as a file holding it."""
    text = common.key_text(value)
    if "+" not in text:  # every key text has its name+ID+key parts: this was meant as a file
        raise ZerotrailError(f"no key file {value}, and {value} is not a key either")
    return text


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# --- keys ---------------------------------------------------------------------------------


@keys_app.command("generate")
def keys_generate(
    name: Annotated[
        str,
        typer.Option(
            "--name", help="Key name: the log's origin, e.g. carbon.example.com/emmet-group"
        ),
    ],
    out: Annotated[Path, typer.Option(help="File for the signer key (mode 0600).")] = Path(
        "signer.key"
    ),
    witness: Annotated[bool, typer.Option(help="A witness cosignature key (type 0x04).")] = False,
) -> None:
    """Generate a key pair: the signer key goes to a private file, the verifier key is printed."""
    from zerotrail.pipeline.ledger import new_key_pair

    signer, verifier = new_key_pair(name, witness=witness)
    if out.is_dir():
        raise ZerotrailError(f"--out {out} is a directory; expected a file name for the key")
    try:
        _write_private(out, signer)
    except FileExistsError:
        raise ZerotrailError(f"{out} exists; refusing to overwrite a key") from None
    except OSError as exc:
        raise ZerotrailError(f"cannot write the key to {out}: {exc.strerror or exc}") from None
    common.tell(f"signer key written to {out} (keep it secret); verifier key:")
    typer.echo(verifier)


# --- ledger -------------------------------------------------------------------------------


def _signer(path: Path) -> Any:
    from zerotrail.pipeline.ledger import signer_key

    return signer_key(_read(path, "signer key"))


@ledger_app.command("checkpoint")
def ledger_checkpoint(
    key: Annotated[Path, typer.Option(help="The log's signer key file.")],
    out: Annotated[Path | None, typer.Option("-o", help="Also write the note here.")] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="The ledger state file (default: beside the workspace,"
            " <workspace>.ledger-state.json): checked before signing, then updated."
        ),
    ] = None,
) -> None:
    """Sign a checkpoint of the log as it is now (refused if inconsistent with an earlier one,
    or with the checkpoints the ledger state records)."""
    from zerotrail.pipeline.ledger import sign_checkpoint

    signer = _signer(key)
    with common.workspace() as ws:
        signed = sign_checkpoint(ws, signer, state)
    if out:
        out.write_text(signed.note, encoding="utf-8")
    typer.echo(signed.note, nl=False)


def record_kinds() -> list[str]:
    """Every kind of record `ledger prove` and `ledger sample` can prove: the real list."""
    from zerotrail.pipeline.ledger import record_kinds as kinds

    return kinds()


# How a record of some kinds is named when it is not its id.
_REF_FORMS = {
    "base_year": "the year",
    "claim": "TARGET:YEAR",
    "price_index": "CURRENCY:YEAR",
    "factor": "FACTOR_ID/GAS",
    "meter_reading": "SITE:START..END",
    "metric": "METRIC:YEAR",
    "cooling": "SITE:SINCE",
    "setting": "organization or recalculation_policy",
}


def _kinds_help() -> str:
    kinds = [f"{k} ({_REF_FORMS[k]})" if k in _REF_FORMS else k for k in record_kinds()]
    return ", ".join(kinds[:-1]) + " or " + kinds[-1]


@ledger_app.command("prove")
def ledger_prove(
    record_id: Annotated[str, typer.Argument(help="The record id (activity by default) to prove.")],
    out: Annotated[Path, typer.Option("-o", help="The .tlog-proof file to write.")],
    with_opening: Annotated[bool, typer.Option(help="Include the record and its salt.")] = False,
    run: Annotated[bool, typer.Option("--run", help="Prove a calculation run's figures.")] = False,
    kind: Annotated[
        str,
        typer.Option(help=f"Record kind: {_kinds_help()}."),
    ] = "activity",
) -> None:
    """Write a C2SP .tlog-proof that the record's latest version is in the latest checkpoint."""
    from zerotrail.pipeline.ledger import prove_record

    with common.workspace() as ws:
        text = prove_record(ws, "run" if run else kind, record_id, with_opening=with_opening)
    out.write_text(text, encoding="utf-8")
    common.say(f"proof written to {out}")


@ledger_app.command("sample")
def ledger_sample(
    out: Annotated[Path, typer.Option("-o", help="Folder for the proofs and index.csv.")],
    size: Annotated[int, typer.Option(help="How many records to draw.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the draw; the same seed draws the same.")] = 0,
    kind: Annotated[
        str, typer.Option(help="Record kind to draw from (as for prove).")
    ] = "activity",
    with_opening: Annotated[bool, typer.Option(help="Include each record and its salt.")] = False,
) -> None:
    """Draw a random sample of committed records and write a .tlog-proof for each."""
    from zerotrail.pipeline.exports import CsvWriter
    from zerotrail.pipeline.ledger import sample_records

    if size < 1:
        raise ZerotrailError("--size must be at least 1")
    with common.workspace() as ws:
        drawn = sample_records(ws, kind, size, seed, with_opening=with_opening)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "index.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = CsvWriter(fh)  # refs come from users' files: formula-like text neutralised
        writer.writerow(["kind", "ref", "version", "index", "file"])
        for s in drawn:
            name = f"{s.index}.tlog-proof"  # the leaf index: unique, and safe in any file name
            (out / name).write_text(s.proof, encoding="utf-8")
            writer.writerow([s.kind, s.ref, s.version, s.index, name])
    common.say(f"{len(drawn)} proofs (seed {seed}) written to {out}; list in index.csv")


@ledger_app.command("witness-request")
def ledger_witness_request(
    old: Annotated[int, typer.Option(help="The size the witness last cosigned (0 at first).")],
    out: Annotated[Path, typer.Option("-o", help="The request body file to write.")],
) -> None:
    """Write a tlog-witness add-checkpoint request for the latest checkpoint."""
    from zerotrail.pipeline.ledger import witness_request

    with common.workspace() as ws:
        out.write_text(witness_request(ws, old), encoding="utf-8")
    common.say(f"request written to {out}")


@ledger_app.command("cosign")
def ledger_cosign(
    response: Annotated[Path, typer.Argument(help="The witness's cosignature lines.")],
) -> None:
    """Attach a witness's cosignature to the latest checkpoint."""
    from zerotrail.pipeline.ledger import add_cosignatures

    with common.workspace() as ws:
        signed = add_cosignatures(ws, _read(response, "witness response"))
    typer.echo(signed.note, nl=False)


@ledger_app.command("audit")
def ledger_audit(
    log_key: Annotated[
        str | None,
        typer.Option(
            help="The log's published verifier key (or a file with it). Without it, the key"
            " pinned in the ledger state, else the one stored in the workspace, is used."
        ),
    ] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(help="A witness verifier key whose cosignatures to check (repeatable)."),
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            help="A checkpoint note kept outside the workspace (e.g. the cosigned one `ledger"
            " cosign` printed, or a report's): it must be in the workspace (repeatable)."
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            help="The ledger state file (default: beside the workspace): the checkpoints"
            " seen signed before must all still be there; updated when the audit is clean."
        ),
    ] = None,
) -> None:
    """Recompute every commitment, node and checkpoint root, open every signed checkpoint;
    name each record changed behind the ledger's back and each checkpoint deleted or rolled
    back. Says what it checked, with which keys; exit 1 on any finding."""
    from zerotrail.pipeline.ledger import audit_ledger, remember_audit

    log_text = _key_text(log_key) if log_key else None
    witness_texts = [_key_text(k) for k in witness_key or []]
    external = [(str(p), _read(p, "checkpoint")) for p in checkpoint or []]
    with common.workspace() as ws:
        done = audit_ledger(
            ws, log_key=log_text, witness_keys=witness_texts, external=external, state=state
        )
    rep, path = done.report, done.state_path
    for line in _audit_lines(rep, path, done.recorded):  # unwrapped: one line per statement
        typer.echo(line)
    if not rep.ok:
        for f in rep.findings:
            typer.echo(f"  {f}", err=True)
        raise ZerotrailError(f"ledger audit found {len(rep.findings)} problem(s)")
    try:
        remembered = remember_audit(done)
    except OSError as exc:
        common.err.print(f"the ledger state {path} was not updated: {exc.strerror}")
        return
    if remembered is not None:
        typer.echo(
            f"ledger state {path}: records {len(rep.seen)} checkpoint(s) up to size"
            f" {rep.seen[-1][0]:,}"
        )


def _n(count: int, what: str) -> str:
    return f"{count:,} {what}{'' if count == 1 else 's'}"


def _audit_lines(rep: Any, path: Path | None, recorded: Any) -> list[str]:
    """What the audit checked, with which keys, and what it could not check: all true."""
    kinds = ", ".join(f"{k} ({c:,})" for k, c in rep.kinds.items()) or "none"
    lines = [
        f"checked {_n(rep.leaves, 'leaf').replace('leafs', 'leaves')}: the commitments of"
        f" {kinds} recomputed from the stored rows, every stored subtree rebuilt"
    ]
    if rep.unknown:
        other = ", ".join(f"{k} ({c:,})" for k, c in rep.unknown.items())
        lines.append(
            f"leaves of kinds this version does not know, {other}: in the tree, but NOT"
            " recomputed (no stored rows to recompute them from)"
        )
    if rep.runs_read:
        view = (
            "its definition compared with this version's"
            if rep.view == "compared"
            else "its definition NOT compared"
        )
        lines.append(
            f"read {_n(rep.runs_read, 'committed run')} through the results view ({view}): each"
            " run's record count and figures recomputed as reports read them, and the record"
            " versions each run sees checked against the log's order"
        )
    if rep.checkpoints == 0 and rep.origin is not None:
        lines.append(
            f"no checkpoint is stored, although the log's origin {rep.origin} was fixed by a"
            " first one: they were deleted, nothing signed protects the log now, and signing a"
            " new checkpoint is refused"
        )
    elif rep.checkpoints == 0:
        lines.append(
            "no checkpoint is stored yet: nothing signed protects the log (leaves and records"
            " can be recomputed together unseen); to protect it, sign a checkpoint with the"
            " log's signer key"
        )
    elif rep.key is None:
        lines.append(
            f"{_n(rep.checkpoints, 'checkpoint')}: signatures NOT checked (no verifier key;"
            " give --log-key)"
        )
    else:
        cos = "".join(
            f", {_n(n, 'checkpoint')} cosigned by witness {w}" for w, n in rep.cosignatures.items()
        )
        lines.append(
            f"checked {_n(rep.checkpoints, 'checkpoint')}: {_n(rep.signatures, 'signature')}"
            f" verified with {rep.key} ({rep.key_source}){cos}; every signed root recomputed"
            " from the leaves" + (", each checkpoint extends the one before" if rep.ok else "")
        )
        for bad in rep.bad_cosignatures:
            lines.append(f"cosignature by witness {bad}: does NOT verify")
        if rep.other_lines:
            lines.append(
                f"{_n(rep.other_lines, 'signature line')} by other keys not checked (give"
                " --witness-key to check a witness's cosignatures)"
            )
        if rep.leaves > rep.signed_size and rep.stored_size > rep.signed_size:
            lines.append(
                f"{rep.leaves - rep.signed_size:,} of the leaves are covered by no checkpoint"
                f" whose signature verified (the latest that did has size {rep.signed_size:,})"
            )
        elif rep.leaves > rep.signed_size:
            lines.append(
                f"{rep.leaves - rep.signed_size:,} of the leaves are newer than the latest"
                f" checkpoint (size {rep.signed_size:,}): not yet signed"
            )
    for ext in rep.external:
        lines.append(f"checkpoint file {ext}: signature checked, in the workspace")
    if recorded is not None:
        lines.append(
            f"rollback and deleted checkpoints: checked against the ledger state {path}"
            f" ({len(recorded.checkpoints):,} recorded)"
        )
    elif not rep.external:
        where = f"none at {path} yet" if path else "none for a workspace in memory"
        lines.append(
            f"rollback and deleted checkpoints: NOT checked (no ledger state: {where}; no"
            " --checkpoint file)"
        )
    if rep.ok:
        lines.append(
            "ledger intact"
            if rep.checkpoints and rep.key is not None
            else "ledger consistent, but not protected by any checked signature"
        )
    return lines


# --- verify (no workspace) ----------------------------------------------------------------


def fail_verification(exc: Exception) -> NoReturn:
    """A failed offline check: one line, exit 1 (every `verify` and `verification check`)."""
    common.err.print(
        f"verification failed: {common.one_line(str(exc))}", markup=False, highlight=False
    )
    raise typer.Exit(1)


@verify_app.command("proof")
def verify_proof(
    file: Annotated[Path, typer.Argument(help="A .tlog-proof file.")],
    log_key: Annotated[str, typer.Option(help="The log's verifier key (or a file with it).")],
    witness_key: Annotated[
        list[str] | None,
        typer.Option(help="A witness verifier key that must have cosigned (repeatable)."),
    ] = None,
    leaf: Annotated[
        str | None, typer.Option(help="The leaf hash (hex) when the proof carries no opening.")
    ] = None,
) -> None:
    """Verify a proof offline: signature, cosignatures, and inclusion of the leaf; then print
    what the proof's record states, one fact a line, values exactly as committed."""
    from zerotrail.pipeline.proved import verify_proof_file

    try:
        proved = verify_proof_file(
            _read(file, "proof"),
            _key_text(log_key),
            [_key_text(k) for k in witness_key or []],
            leaf,
        )
    except VerificationError as exc:
        fail_verification(exc)
    typer.echo(f"ok: {proved.headline()}")
    for fact in proved.facts or ():
        typer.echo(f"  {fact}")


@verify_app.command("note")
def verify_note(
    file: Annotated[Path, typer.Argument(help="A C2SP signed note.")],
    key: Annotated[list[str], typer.Option(help="A trusted verifier key (repeatable).")],
) -> None:
    """Verify any C2SP signed note (a checkpoint, Go's checksum database, ...)."""
    from zerotrail.pipeline.ledger import verify_note as verify

    try:
        names = verify(_read(file, "note"), [_key_text(k) for k in key])
    except VerificationError as exc:
        fail_verification(exc)
    typer.echo(f"ok: signed by {', '.join(names)}")


@verify_app.command("consistency")
def verify_consistency(
    old: Annotated[Path, typer.Argument(help="The older checkpoint (signed note).")],
    new: Annotated[Path, typer.Argument(help="The newer checkpoint (signed note).")],
    proof: Annotated[Path, typer.Option(help="The consistency proof: base64 hashes, one a line.")],
    key: Annotated[
        list[str] | None, typer.Option(help="The log's verifier key: also check both signatures.")
    ] = None,
) -> None:
    """Verify that the newer checkpoint's tree extends the older one."""
    from zerotrail.pipeline.ledger import verify_consistency as verify

    try:
        proof_text = _read(proof, "proof")
        o, n = verify(
            _read(old, "checkpoint"),
            _read(new, "checkpoint"),
            proof_text,
            [_key_text(k) for k in key or []],
        )
    except VerificationError as exc:
        fail_verification(exc)
    if key:
        typer.echo(
            f"ok: {n.origin} size {n.size} extends size {o.size}; both checkpoints' signatures"
            " checked"
        )
    else:
        typer.echo(
            f"consistent: {n.origin} size {n.size} extends size {o.size} (signatures not"
            " checked: no --key)"
        )


@verify_app.command("statement")
def verify_statement(
    file: Annotated[Path, typer.Argument(help="A verification statement (statement.json).")],
    verifier_key: Annotated[
        str,
        typer.Option(help="The verifier's public key, as `keys generate` printed it (or a file)."),
    ],
    log_key: Annotated[
        str | None,
        typer.Option(help="The log's verifier key: also check the checkpoint the file carries."),
    ] = None,
) -> None:
    """Verify a verifier's signed statement offline: its signature, that the statement is the
    one signed, and with --log-key the log's own checkpoint; then print what it states."""
    from zerotrail.pipeline.statements import check_statement, read_statement

    # The file first, as every verify command reads it: a missing file is named before a key.
    text = read_statement(file)
    try:
        checked = check_statement(
            text, _key_text(verifier_key), _key_text(log_key) if log_key else None
        )
    except VerificationError as exc:
        fail_verification(exc)
    for line in checked.lines:
        typer.echo(line)


# --- witness ------------------------------------------------------------------------------


@witness_app.command("init")
def witness_init(
    state: Annotated[Path, typer.Option(help="The witness state file to create.")],
    origin: Annotated[str, typer.Option(help="The log to follow.")],
    log_key: Annotated[str, typer.Option(help="The log's verifier key (or a file with it).")],
) -> None:
    """Start following a log (or update its key) in a witness state file."""
    from zerotrail.pipeline.ledger import witness_init as follow

    current = _read(state, "witness state", files.MAX_STATE_FILE) if state.exists() else None
    _atomic_write(state, follow(current, origin, _key_text(log_key)))
    common.say(f"witness state {state}: following {origin}")


@witness_app.command("add-checkpoint")
def witness_add_checkpoint(
    request: Annotated[Path, typer.Argument(help="A tlog-witness add-checkpoint request body.")],
    state: Annotated[Path, typer.Option(help="The witness state file.")],
    key: Annotated[Path, typer.Option(help="The witness's signer key file (type 0x04).")],
    out: Annotated[Path | None, typer.Option("-o", help="Write the cosignature here.")] = None,
) -> None:
    """Check a checkpoint and its consistency proof; cosign it or refuse as tlog-witness says."""
    from zerotrail.pipeline.ledger import witness_add_checkpoint as add

    new_state, resp = add(
        _read(state, "witness state", files.MAX_STATE_FILE),
        _read(request, "request"),
        _read(key, "witness key"),
        int(time.time()),
    )
    if resp.status != 200:
        common.err.print(
            f"refused ({resp.status}): {common.one_line(resp.body)}", markup=False, highlight=False
        )
        raise typer.Exit(1)
    _atomic_write(state, new_state)  # persisted before answering
    if out:
        out.write_text(resp.body, encoding="utf-8")
    typer.echo(resp.body, nl=False)


@witness_app.command("serve")
def witness_serve(
    state: Annotated[Path, typer.Option(help="The witness state file (`witness init`).")],
    key: Annotated[Path, typer.Option(help="The witness's signer key file (type 0x04).")],
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")
    ] = 8001,
    prefix: Annotated[
        str, typer.Option(help="Path before /add-checkpoint, e.g. witness (default: none).")
    ] = "",
) -> None:
    """Serve tlog-witness add-checkpoint over HTTP until stopped (SIGTERM or Ctrl-C)."""
    # Imported here: the server loads FastAPI, which no other witness command needs. Binding
    # and running are `zerotrail serve`'s, so both servers start and stop alike.
    from zerotrail.cli.serve import bind_socket, host_text, run_server
    from zerotrail.server.witness import witness_app as build

    web = build(state, _read(key, "witness key"), prefix)
    sock = bind_socket(host, port)
    try:
        where = f"http://{host_text(host)}:{sock.getsockname()[1]}{web.state.submission_path}"
        run_server(web, sock, None, False, lambda: common.say(f"witness listening on {where}"))
    finally:
        sock.close()
