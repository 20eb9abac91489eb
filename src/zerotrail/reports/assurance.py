"""The report's assurance section: an external verifier's statement, or that there is none.

Assurance (verification under ISO 14064-3 or ISAE 3410, for example) is an opinion on the
figures by an independent body. The ledger's witness cosignature is not one: the witness only
attests that the log it saw was not rewritten, never that what was logged is right. This
section keeps the two apart.

Without a verification statement the report stage passes None and the report says the figures
are not verified. A statement (`STATEMENT_KEYS`, and any of `OPTIONAL_KEYS`: what a signed
statement of zerotrail's verification workflow adds, see assurance/statement.py) is shown as
given.

Where it sits: reports, pure: a value in, the `assurance` section of report.json out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zerotrail.errors import ReportError

NOT_VERIFIED = "These figures have not been externally verified (assured)."

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


def assurance(statement: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `assurance` section: {"status": "verified", STATEMENT_KEYS...} for a statement (and
    those OPTIONAL_KEYS it gives), else {"status": "not_verified", "statement": NOT_VERIFIED}
    with the other STATEMENT_KEYS None. ReportError, naming what is missing or wrong, for an
    incomplete statement."""
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
    return {
        "status": "verified",
        **{k: str(statement[k]).strip() for k in STATEMENT_KEYS},
        "level": level,
        **optional,
    }
