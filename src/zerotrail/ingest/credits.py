"""Carbon credits in the workspace: importing blocks of serials, retiring, assigning to a claim.

Where it sits: the ingest side of the roadmap; the `credits` table is read and written through
`store/credits.py` (`current_credits` is the read the claim stages use). A credits file lists
blocks of serials as the registry shows them; each row is checked for form (registry, type and
durability, vintage, serial range and quantity, status and the claimant-named retirement ISO
14068-1 asks for) and against every other block, in the file and in the workspace, for serials
used twice. The file is imported whole or not at all.

Rows of `credits` are never updated: a change is a new version of the credit (the latest
counts), committed to the ledger in the same transaction as the row. A credit that was retired
or cancelled is final: an import cannot change it, and it cannot be retired again. A partial
retirement splits the block: the retired serials become a new credit `X/n` (split from X) and
X keeps the rest, still held.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from zerotrail.errors import Problem, ZerotrailError
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import (
    CREDIT_DURABILITY,
    CREDIT_REGISTRIES,
    CREDIT_STATUSES,
    CREDIT_TYPES,
    CREDITS,
)
from zerotrail.ingest.imports import ImportReport, new_import_id, note_import
from zerotrail.ingest.rows import (
    FIRST_YEAR,
    LAST_YEAR,
    parse_bool,
    parse_date,
    parse_number,
    parse_year,
    screen_rows,
)
from zerotrail.model.credits import (
    Credit,
    find_overlaps,
    format_serial,
    parse_serial,
    serial_width,
    shared_text,
)
from zerotrail.model.limits import FIRST_DATE, MAX_TEXT_LENGTH, text_problem
from zerotrail.store.committed import commit_new
from zerotrail.store.credits import credit_ids, current_credit, current_credits, insert_credits
from zerotrail.store.workspace import Workspace

# Serial numbers are stored as BIGINT.
MAX_SERIAL = 2**63 - 1
# The fields a credits file sets; the others are derived (prefix, numbers) or kept (version,
# split_from). Two versions with equal values here have the same content.
_CONTENT = CREDITS.names
_FLAGS = ("ccp_label", "corsia_eligible", "corresponding_adjustment")
# Columns of free text (up to MAX_TEXT_LENGTH); every other cell is an id or code.
FREE_TEXT = ("project_name", "beneficiary", "reason")


def _content(c: Credit) -> tuple[object, ...]:
    return tuple(getattr(c, n) for n in _CONTENT)


def _final(c: Credit) -> str | None:
    """Why a credit can no longer change, or None while it is held."""
    if c.status == "held":
        return None
    when = c.retired_on.isoformat() if c.retired_on else "an unrecorded date"
    return f"credit {c.credit_id} was {c.status} on {when}; a {c.status} credit cannot be changed"


# --- one row of a credits file -----------------------------------------------------------------


def _one_of(value: str, allowed: frozenset[str]) -> str | None:
    if value in allowed:
        return None
    return f"expected one of {', '.join(sorted(allowed))}, not '{value}'"


def _parse_row(source: str, line: int, r: dict[str, str], problems: list[Problem]) -> Credit | None:
    """The row as a credit (version 0), or None after adding its problems to `problems`."""
    before = len(problems)

    def bad(col: str, msg: str) -> None:
        problems.append(Problem(source, line, col, msg))

    def text(col: str, *, required: bool = False) -> str | None:
        value = r.get(col, "")
        if not value and required:
            bad(col, "is empty (required)")
        return value or None

    credit_id = text("credit_id", required=True) or ""
    registry = r.get("registry", "")
    if why := _one_of(registry, CREDIT_REGISTRIES):
        bad("registry", why)
    project_id = text("project_id", required=True) or ""
    methodology = text("methodology", required=True) or ""
    typ = r.get("type", "")
    if why := _one_of(typ, CREDIT_TYPES):
        bad("type", why)
    durability = r.get("durability", "")
    if why := _one_of(durability, CREDIT_DURABILITY):
        bad("durability", why)
    elif typ == "removal" and durability == "none":
        bad("durability", "a removal stores carbon for some time: 'none' is not a removal's")
    elif typ in {"avoidance", "reduction"} and durability == "permanent":
        bad("durability", f"an {typ} credit stores no carbon, so it cannot be 'permanent'")
    vintage, why = parse_year(r.get("vintage", ""))
    if why:
        bad("vintage", why)

    start_text, end_text = r.get("serial_start", ""), r.get("serial_end", "")
    start, end = parse_serial(start_text), parse_serial(end_text)
    if start is None:
        bad("serial_start", f"expected PREFIX followed by a number, not '{start_text}'")
    elif start[1] > MAX_SERIAL:
        bad("serial_start", f"the serial number of '{start_text}' is too large")
    if end is None:
        bad("serial_end", f"expected PREFIX followed by a number, not '{end_text}'")
    elif end[1] > MAX_SERIAL:
        bad("serial_end", f"the serial number of '{end_text}' is too large")
    count: int | None = None
    if start and end and start[1] <= MAX_SERIAL and end[1] <= MAX_SERIAL:
        if start[0] != end[0]:
            bad(
                "serial_end",
                f"prefix '{end[0]}' differs from serial_start's '{start[0]}':"
                " a block is one run of serials",
            )
        elif end[1] < start[1]:
            bad("serial_end", f"{end_text} comes before serial_start {start_text}")
        else:
            count = end[1] - start[1] + 1
    quantity, why = parse_number(r.get("quantity", ""), low=0)
    if why:
        bad("quantity", why)
    elif count is not None and quantity != count:
        bad(
            "quantity",
            f"{quantity:g} t does not match the serial range: {start_text} to {end_text}"
            f" is {count:,} credit(s), one per tonne",
        )

    status = r.get("status", "")
    if why := _one_of(status, CREDIT_STATUSES):
        bad("status", why)
    retired_on: date | None = None
    if r.get("retired_on"):
        retired_on, why = parse_date(r["retired_on"])
        if why:
            bad("retired_on", why)
        elif status == "held":
            bad("retired_on", "a held credit has no retirement date (status is held)")
        elif retired_on and retired_on > date.today():
            bad("retired_on", f"{retired_on.isoformat()} is in the future")
    elif status in {"retired", "cancelled"}:
        bad("retired_on", f"required when status is {status}")
    beneficiary, reason = text("beneficiary"), text("reason")
    if status == "retired":
        if beneficiary is None:
            bad("beneficiary", "required when retired: ISO 14068-1 wants the claimant named")
        if reason is None:
            bad("reason", "required when retired: the retirement reason as the registry shows it")
    claim_year: int | None = None
    if r.get("claim_year"):
        claim_year, why = parse_year(r["claim_year"])
        if why:
            bad("claim_year", why)
        elif status != "retired":
            bad("claim_year", f"only a retired credit counts for a claim (status is {status})")
    flags: dict[str, bool | None] = {}
    for col in _FLAGS:
        flags[col] = None
        if r.get(col):
            flags[col], why = parse_bool(r[col])
            if why:
                bad(col, why)

    if len(problems) > before or start is None or end is None or count is None:
        return None
    assert vintage is not None and quantity is not None
    return Credit(
        credit_id=credit_id,
        version=0,
        registry=registry,
        project_id=project_id,
        project_name=text("project_name"),
        methodology=methodology,
        type=typ,
        durability=durability,
        vintage=vintage,
        serial_start=start_text,
        serial_end=end_text,
        serial_prefix=start[0],
        serial_first=start[1],
        serial_last=end[1],
        quantity=float(count),
        status=status,
        retired_on=retired_on,
        beneficiary=beneficiary,
        reason=reason,
        claim_year=claim_year,
        ccp_label=flags["ccp_label"],
        corsia_eligible=flags["corsia_eligible"],
        corresponding_adjustment=flags["corresponding_adjustment"],
        split_from=None,
    )


def _lineage(a: Credit, b: Credit) -> bool:
    """The same credit, or one split from the other (their serials may legitimately meet)."""
    return a.credit_id == b.credit_id or a.split_from == b.credit_id or b.split_from == a.credit_id


# --- importing a file ----------------------------------------------------------------------------


def import_credits(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Import a credits file whole or not at all (see the module docstring for the rules)."""
    f = read_small(path, CREDITS)
    problems = screen_rows(f.name, f.rows, free_text=FREE_TEXT)
    raise_if(f.name, problems, len(problems))
    current = {c.credit_id: c for c in current_credits(ws)}

    parsed: list[tuple[int, Credit]] = []
    seen: dict[str, int] = {}
    for line, r in f.rows:
        credit = _parse_row(f.name, line, r, problems)
        cid = r.get("credit_id", "")
        if cid and cid in seen:
            problems.append(
                Problem(
                    f.name, line, "credit_id", f"duplicate credit {cid} (first on row {seen[cid]})"
                )
            )
            continue
        seen.setdefault(cid, line)
        if credit is not None:
            parsed.append((line, credit))

    children: dict[str, list[Credit]] = {}
    for c in current.values():
        if c.split_from is not None:
            children.setdefault(c.split_from, []).append(c)
    new: list[Credit] = []
    changed: list[Credit] = []
    unchanged = 0
    for line, c in parsed:
        old = current.get(c.credit_id)
        if old is None:
            new.append(dataclasses.replace(c, version=1))
            continue
        if _content(old) == _content(c):
            unchanged += 1
            continue
        if why := _final(old):
            problems.append(Problem(f.name, line, "credit_id", why))
            continue
        if not replace:
            problems.append(
                Problem(
                    f.name,
                    line,
                    "credit_id",
                    f"credit {c.credit_id} already exists with different content;"
                    " use --replace to record a new version",
                )
            )
        for child in children.get(c.credit_id, ()):
            if _meets(c, child):
                problems.append(
                    Problem(
                        f.name,
                        line,
                        "serial_start",
                        f"credit {child.credit_id} ({child.status}) holds {shared_text(c, child)}"
                        f" since it was split off; credit {c.credit_id} now holds {old.serials}",
                    )
                )
        changed.append(dataclasses.replace(c, version=old.version + 1, split_from=old.split_from))

    problems += _overlap_problems(f.name, parsed, current)
    raise_if(f.name, problems, len(problems))
    rows = len(f.rows)
    if not new and not changed:
        return ImportReport("credits", f.name, rows, 0, 0, unchanged, None)
    import_id = new_import_id()
    with ws.transaction():
        insert_credits(ws, [*new, *changed], import_id)
        commit_new(ws, "credit")
        note_import(ws, import_id, "credits", path, len(new), len(changed))
    return ImportReport("credits", f.name, rows, len(new), len(changed), unchanged, import_id)


def _meets(a: Credit, b: Credit) -> bool:
    return (
        a.registry == b.registry
        and a.serial_prefix == b.serial_prefix
        and a.serial_first <= b.serial_last
        and b.serial_first <= a.serial_last
    )


def _overlap_problems(
    source: str, parsed: list[tuple[int, Credit]], current: dict[str, Credit]
) -> list[Problem]:
    """Serials the file's blocks share with each other or with the workspace's current blocks."""
    lines = {c.credit_id: line for line, c in parsed}
    blocks = [c for _, c in parsed] + [c for cid, c in current.items() if cid not in lines]
    found: list[Problem] = []
    for a, b in find_overlaps(blocks):
        in_a, in_b = a.credit_id in lines, b.credit_id in lines
        if not (in_a or in_b) or _lineage(a, b):
            continue
        if in_a and in_b:
            first, later = sorted((a, b), key=lambda c: lines[c.credit_id])
            found.append(
                Problem(
                    source,
                    lines[later.credit_id],
                    "serial_start",
                    f"{first.registry} credit {first.credit_id} (row {lines[first.credit_id]})"
                    f" already holds {shared_text(later, first)}: a serial counts once",
                )
            )
        else:
            mine, theirs = (a, b) if in_a else (b, a)
            found.append(
                Problem(
                    source,
                    lines[mine.credit_id],
                    "serial_start",
                    f"{theirs.registry} credit {theirs.credit_id} in the workspace"
                    f" ({theirs.status}, {theirs.serials}) already holds"
                    f" {shared_text(mine, theirs)}: a serial counts once",
                )
            )
    return sorted(found, key=lambda p: (p.row or 0, p.message))


# --- retiring and assigning ----------------------------------------------------------------------


def _existing(ws: Workspace, credit_id: str) -> Credit:
    c = current_credit(ws, credit_id)
    if c is None:
        raise ZerotrailError(f"no credit {credit_id} in the workspace")
    return c


def _next_split_id(ws: Workspace, credit_id: str) -> str:
    taken = credit_ids(ws)
    n = 1
    while f"{credit_id}/{n}" in taken:
        n += 1
    return f"{credit_id}/{n}"


def retire_credit(
    ws: Workspace,
    credit_id: str,
    *,
    on: date,
    beneficiary: str,
    reason: str,
    claim_year: int | None,
    quantity: int | None = None,
) -> list[str]:
    """Record a retirement made in the registry; returns the ids of the credits written.

    The whole block by default. With a smaller `quantity`, the first `quantity` serials become a
    new retired credit `X/n` (split from X) and X gets a new version with the rest, still held.
    """
    beneficiary, reason = beneficiary.strip(), reason.strip()
    if not beneficiary:
        raise ZerotrailError("a retirement names its beneficiary (ISO 14068-1: the claimant)")
    if not reason:
        raise ZerotrailError("a retirement carries its reason as written in the registry")
    for what, value in (("beneficiary", beneficiary), ("reason", reason)):
        if why := text_problem(value, MAX_TEXT_LENGTH):
            raise ZerotrailError(f"the {what} {why}")
    if on > date.today():
        raise ZerotrailError(f"retirement date {on.isoformat()} is in the future")
    if on < FIRST_DATE:
        raise ZerotrailError(
            f"retirement date {on.isoformat()} is before {FIRST_DATE.isoformat()},"
            " the first date zerotrail accepts"
        )
    if claim_year is not None and not FIRST_YEAR <= claim_year <= LAST_YEAR:
        raise ZerotrailError(f"claim year {claim_year} is not a plausible year")

    def retired(c: Credit) -> Credit:
        return dataclasses.replace(
            c,
            status="retired",
            retired_on=on,
            beneficiary=beneficiary,
            reason=reason,
            claim_year=claim_year,
        )

    with ws.transaction():
        cur = _existing(ws, credit_id)
        if cur.status == "retired":
            when = cur.retired_on.isoformat() if cur.retired_on else "an unrecorded date"
            raise ZerotrailError(
                f"credit {credit_id} was retired on {when}; a retired credit cannot be retired"
                " again"
            )
        if cur.status == "cancelled":
            when = cur.retired_on.isoformat() if cur.retired_on else "an unrecorded date"
            raise ZerotrailError(
                f"credit {credit_id} was cancelled on {when}; a cancelled credit cannot be retired"
            )
        total = cur.serial_last - cur.serial_first + 1
        if quantity is not None and not 0 < quantity <= total:
            raise ZerotrailError(
                f"cannot retire {quantity:,} credit(s) of {credit_id}: it holds {total:,}"
                f" ({cur.serials})"
            )
        written: list[Credit]
        if quantity is None or quantity == total:
            written = [retired(dataclasses.replace(cur, version=cur.version + 1))]
        else:
            width = serial_width(cur.serial_start)
            cut = cur.serial_first + quantity  # first serial that stays held
            part = retired(
                dataclasses.replace(
                    cur,
                    credit_id=_next_split_id(ws, credit_id),
                    version=1,
                    serial_end=format_serial(cur.serial_prefix, cut - 1, width),
                    serial_last=cut - 1,
                    quantity=float(quantity),
                    split_from=credit_id,
                )
            )
            rest = dataclasses.replace(
                cur,
                version=cur.version + 1,
                serial_start=format_serial(cur.serial_prefix, cut, width),
                serial_first=cut,
                quantity=float(total - quantity),
            )
            written = [part, rest]
        insert_credits(ws, written, new_import_id())
        commit_new(ws, "credit")
    return [c.credit_id for c in written]


def assign_credit(ws: Workspace, credit_id: str, claim_year: int) -> None:
    """Assign a retired credit to the neutrality claim for `claim_year` (once, for one claim)."""
    if not FIRST_YEAR <= claim_year <= LAST_YEAR:
        raise ZerotrailError(f"claim year {claim_year} is not a plausible year")
    with ws.transaction():
        cur = _existing(ws, credit_id)
        if cur.status == "held":
            raise ZerotrailError(
                f"credit {credit_id} is held, not retired: only a retired credit counts for a"
                f" claim (retire it first with `zerotrail credits retire {credit_id}`)"
            )
        if cur.status == "cancelled":
            when = cur.retired_on.isoformat() if cur.retired_on else "an unrecorded date"
            raise ZerotrailError(
                f"credit {credit_id} was cancelled on {when}; a cancelled credit counts for no"
                " claim"
            )
        if cur.claim_year == claim_year:
            return
        if cur.claim_year is not None:
            raise ZerotrailError(
                f"credit {credit_id} is already assigned to the claim for {cur.claim_year};"
                " a credit counts for one claim only"
            )
        insert_credits(
            ws,
            [dataclasses.replace(cur, version=cur.version + 1, claim_year=claim_year)],
            new_import_id(),
        )
        commit_new(ws, "credit")
