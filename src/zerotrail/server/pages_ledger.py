"""The ledger page: the latest checkpoint, who signed and cosigned it, and proofs to download.

    GET /ledger                        the latest signed checkpoint (size, root hash, the note)
                                       and its signature lines                     every role
    GET /ledger/proof?kind=&ref=[&opening=1]
                                       the record's .tlog-proof as a file (attachment), as
                                       `GET /api/ledger/proof` and `zerotrail ledger prove`
                                       give it                                     auth.READ_PROOFS

The proof comes from the ledger stage (`prove_record`), for any kind `record_kinds` lists: an
activity record, a calculated run (a figure) or any committed record. With its opening (the
record and its salt; the form asks for it by default) `zerotrail verify proof FILE --log-key KEY`
checks it with nothing else; without, the verifier needs the leaf hash (`--leaf`). A refused
request shows the page again with one line in place of the download: 422 for an unknown kind,
404 for a record not in the log up to the latest checkpoint (or no checkpoint yet).

Cosignature lines are shown as they claim to be (who, when): the server holds no witness key to
check them, and says so (pipeline/signatures.py).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zerotrail.errors import ZerotrailError
from zerotrail.model.users import User
from zerotrail.pipeline.isolation import entities_of
from zerotrail.pipeline.ledger import (
    OWN_KINDS,
    NotProvable,
    latest_checkpoint,
    prove_record,
    record_kinds,
)
from zerotrail.pipeline.signatures import signature_lines
from zerotrail.server.auth import READ_PROOFS
from zerotrail.server.errors import one_line
from zerotrail.server.web import a_role, access_of, page, page_context, signed_in

router = APIRouter(include_in_schema=False)

LONGEST_REF = 500  # as GET /api/ledger/proof
# A file name made of the kind and the record's id: only these characters (the id is the
# user's text; a header must not carry quotes, slashes or line breaks from it).
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _checkpoint(ws: Any) -> dict[str, Any]:
    signed = latest_checkpoint(ws)
    if signed is None:
        return {"checkpoint": None}
    lines = signature_lines(signed.note)
    return {
        "checkpoint": signed.checkpoint,
        "root_hex": signed.checkpoint.root.hex(),
        "note": signed.note,
        "log_signature": lines[0] if lines else None,
        "cosignatures": lines[1:],
    }


def _ledger(request: Request, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        user, session = found
        # A data owner proves its own entities' activity records only (`prove_record`).
        own_only = entities_of(user) is not None
        context = page_context("Ledger", "ledger", user, session) | {
            "can_prove": user.role in READ_PROOFS.roles,
            "prove_why": READ_PROOFS.why,
            "own_only": own_only,
            "kinds": list(OWN_KINDS) if own_only else record_kinds(),
            "kind": "activity",
            "ref": "",
            "opening": True,
        }
        context |= _checkpoint(ws)  # every role reads it, as GET /api/ledger/checkpoint
    return page(request, "ledger.html", context | (extra or {}), status)


@router.get("/ledger")
def ledger_page(request: Request) -> Response:
    return _ledger(request)


def file_name(kind: str, ref: str) -> str:
    """The download's file name: `<kind>-<ref>.tlog-proof`, unsafe characters as `_`."""
    return _UNSAFE.sub("_", f"{kind}-{ref}")[:120] + ".tlog-proof"


def _proof(ws: Any, user: User, kind: str, ref: str, opening: bool) -> tuple[int, str]:
    """(200, the proof) or (the status, one line saying why not)."""
    if user.role not in READ_PROOFS.roles:
        return 403, f"{a_role(user.role)} may not download proofs: {READ_PROOFS.why}."
    if kind not in record_kinds():
        return 422, one_line(
            f"Unknown record kind {kind!r}: expected one of {', '.join(record_kinds())}."
        )
    if not 1 <= len(ref) <= LONGEST_REF:
        return 422, f"Give the record's id (1 to {LONGEST_REF} characters)."
    try:
        return 200, prove_record(ws, kind, ref, with_opening=opening, entities=entities_of(user))
    except NotProvable as exc:  # an owner asking for a kind of record not its own
        return 403, one_line(str(exc))
    except ZerotrailError as exc:  # no checkpoint, or no such record (an owner's own) in the log
        return 404, one_line(str(exc))


@router.get("/ledger/proof")
def proof_download(
    request: Request, kind: str = "activity", ref: str = "", opening: str = ""
) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        status, text = _proof(ws, found[0], kind, ref, bool(opening))
    if status != 200:
        # The page again (its own turn on the workspace), the line where the download was.
        asked = {"kind": kind, "ref": ref, "opening": bool(opening), "proof_error": text}
        return _ledger(request, asked, status)
    disposition = f'attachment; filename="{file_name(kind, ref)}"'
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"content-disposition": disposition, "cache-control": "no-store"},
    )
