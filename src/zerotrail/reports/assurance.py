"""The report's assurance section: an external verifier's statement, or that there is none.

Assurance (verification under ISO 14064-3 or ISAE 3410, for example) is an opinion on the
figures by an independent body. The ledger's witness cosignature is not one: the witness only
attests that the log it saw was not rewritten, never that what was logged is right. This
section keeps the two apart.

Without a verification statement the report stage passes None and the report says the figures
are not verified. A statement (`STATEMENT_KEYS`, and any of `OPTIONAL_KEYS`: what a signed
statement of zerotrail's verification workflow adds, see assurance/statement.py) is shown as
given, once the report stage has checked its signature. With `run_id` (the calculation run the
statement's inventory names) and `report_run_id` (the run the report shows) it is assurance of
the report's figures only when the two are the same run: a year recalculated after its
statement shows figures nobody verified, and the section then says so (`OTHER_INVENTORY`).

Where it sits: reports, pure: a value in, the `assurance` section of report.json out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zerotrail.errors import ReportError

NOT_VERIFIED = "These figures have not been externally verified (assured)."
OTHER_INVENTORY = (
    "{statement} covers another inventory, calculation run {covered}, not the one this report"
    " shows (run {shown}): the figures shown here are not the verified ones."
)

# What a verification statement holds: who gave it, under which standard, at which level of
# assurance ("limited" or "reasonable"), on which figures (its scope), when, and its text.
STATEMENT_KEYS = ("provider", "standard", "level", "scope", "date", "statement")
LEVELS = frozenset({"limited", "reasonable"})
# What a signed statement adds, shown when given: the opinion, the engagement, the verifier's key
# name, the size of the log's tree the opinion is about and the SHA-256 the signature covers.
OPTIONAL_KEYS = (
    "opinion",
    "engagement",
    "verifier_key_name",
    "checkpoint_size",
    "statement_sha256",
)
OPINIONS = frozenset({"unmodified", "qualified", "adverse", "disclaimer"})
# Which inventory the statement is about and which the report shows, both calculation run ids:
# the report stage adds them (a signed statement names its run in its body, not among the
# fields assurance/statement.py hands the report).
RUN_KEYS = ("run_id", "report_run_id")


def _text(statement: Mapping[str, Any], key: str) -> str | None:
    return str(statement.get(key) or "").strip() or None


def assurance(statement: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `assurance` section: {"status": "verified", STATEMENT_KEYS...} for a statement (and
    those OPTIONAL_KEYS it gives, and the `run_id` it covers), else {"status": "not_verified",
    "statement": NOT_VERIFIED} with the other STATEMENT_KEYS None. A statement whose `run_id`
    is not the `report_run_id` is {"status": "other_inventory", ...}: what it is, but not its
    opinion's text, "statement" NOT_VERIFIED and a "note" saying which inventory it covers.
    ReportError, naming what is missing or wrong, for an incomplete statement."""
    if statement is None:
        return {
            "status": "not_verified",
            **dict.fromkeys(STATEMENT_KEYS),
            "statement": NOT_VERIFIED,
        }
    missing = [k for k in STATEMENT_KEYS if not str(statement.get(k) or "").strip()]
    if missing:
        raise ReportError(f"the verification statement has no {', '.join(missing)}")
    level = str(statement["level"]).strip().lower()
    if level not in LEVELS:
        raise ReportError(
            f"the verification statement's level is '{statement['level']}', not limited or"
            " reasonable"
        )
    optional = {
        k: str(statement[k]).strip() for k in OPTIONAL_KEYS if str(statement.get(k) or "").strip()
    }
    if "opinion" in optional and optional["opinion"] not in OPINIONS:
        raise ReportError(
            f"the verification statement's opinion is '{statement['opinion']}', not one of"
            " unmodified, qualified, adverse or disclaimer"
        )
    section = {
        "status": "verified",
        **{k: str(statement[k]).strip() for k in STATEMENT_KEYS},
        "level": level,
        **optional,
    }
    covered, shown = (_text(statement, k) for k in RUN_KEYS)
    if covered is not None:
        section["run_id"] = covered
    if covered is not None and shown is not None and covered != shown:
        # Not assurance of these figures: the opinion's own words stay out of the report (they
        # are in statement.json beside it), lest they be read as said of the figures shown.
        name = optional.get("engagement")
        section |= {
            "status": "other_inventory",
            "statement": NOT_VERIFIED,
            "note": OTHER_INVENTORY.format(
                statement="The verification statement" + (f" {name}" if name else ""),
                covered=covered,
                shown=shown,
            ),
        }
    return section
