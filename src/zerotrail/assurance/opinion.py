"""Opinion: what the verifier can say about the inventory once the evidence is in.

Part of the pure assurance layer (see `zerotrail.assurance`): it reads the roll-up of uncorrected
misstatements (`projection.aggregate`), the state of the findings and any limitation on the
evidence, and returns either an `Opinion` (its kind, the reasons, the wording) or `Blocked`
when no opinion may be issued yet. The rules, checked in this order:

1. Blocked: a clarification request (CL) is still open. The answer may change any figure, so
   no opinion is picked until it is closed.
2. Disclaimer: a pervasive limitation on the evidence covers records of at least
   `limitation_multiple` × materiality (of its scope, or overall).
3. Adverse: the uncorrected misstatements (gross, known + projected) of a scope or overall
   reach `adverse_multiple` × its materiality (default 5; a scope whose materiality is 0 t is
   judged by the overall figure only), or an open corrective action request (CAR) is pervasive.
4. Qualified: the uncorrected misstatements of a scope or overall reach `qualify_multiple` ×
   its materiality (default 1), an open CAR remains, or a limitation that is not pervasive
   covers records of at least `limitation_multiple` × materiality.
5. Unmodified otherwise. Forward action requests (FAR) and observations never modify.

A finding is open unless its status is "closed". The wording depends on the level of assurance:
a limited engagement gives a conclusion in the negative form ("nothing has come to our
attention ..."), a reasonable one an opinion in the positive form ("... is prepared ...").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from zerotrail.assurance.materiality import SCOPES
from zerotrail.assurance.projection import Aggregation, Rollup

Level = Literal["limited", "reasonable"]
OpinionKind = Literal["unmodified", "qualified", "adverse", "disclaimer"]
FindingType = Literal["CAR", "CL", "FAR", "observation"]
FindingStatus = Literal["raised", "responded", "closed", "reopened"]

FINDING_TYPES = ("CAR", "CL", "FAR", "observation")
FINDING_STATUSES = ("raised", "responded", "closed", "reopened")
LEVELS = ("limited", "reasonable")


@dataclass(frozen=True, slots=True)
class FindingState:
    """What the opinion needs to know of one finding."""

    ref: str
    type: FindingType
    status: FindingStatus
    misstatement: bool
    pervasive: bool = False

    def __post_init__(self) -> None:
        if not self.ref:
            raise ValueError("finding: reference must not be empty")
        if self.type not in FINDING_TYPES:
            raise ValueError(
                f"finding {self.ref!r}: type {self.type!r}, expected CAR, CL, FAR or observation"
            )
        if self.status not in FINDING_STATUSES:
            raise ValueError(
                f"finding {self.ref!r}: status {self.status!r}, expected raised, "
                "responded, closed or reopened"
            )

    @property
    def open(self) -> bool:
        return self.status != "closed"


@dataclass(frozen=True, slots=True)
class ScopeLimitation:
    """Evidence the verifier could not obtain: why, for how many tonnes, and whether pervasive."""

    reasons: tuple[str, ...]
    limitation_t: float
    pervasive: bool = False
    scope: int | None = None

    def __post_init__(self) -> None:
        if not self.reasons or not all(reason.strip() for reason in self.reasons):
            raise ValueError("scope limitation: give at least one reason, none of them empty")
        if not math.isfinite(self.limitation_t) or self.limitation_t < 0:
            raise ValueError(
                f"scope limitation: {self.limitation_t!r} t, expected a finite figure >= 0"
            )
        if self.scope is not None and self.scope not in SCOPES:
            raise ValueError(f"scope limitation: scope {self.scope!r}, expected 1, 2 or 3")


@dataclass(frozen=True, slots=True)
class OpinionRules:
    """The multiples of materiality at which the opinion changes."""

    qualify_multiple: float = 1.0
    adverse_multiple: float = 5.0
    limitation_multiple: float = 1.0

    def __post_init__(self) -> None:
        # NaN fails every comparison, so the chained checks also refuse it.
        if not 0 < self.qualify_multiple <= self.adverse_multiple < math.inf:
            raise ValueError(
                f"opinion rules: qualify multiple {self.qualify_multiple!r} and adverse multiple "
                f"{self.adverse_multiple!r}, expected 0 < qualify <= adverse"
            )
        if not 0 < self.limitation_multiple < math.inf:
            raise ValueError(
                f"opinion rules: limitation multiple {self.limitation_multiple!r}, expected > 0"
            )


@dataclass(frozen=True, slots=True)
class Opinion:
    """The opinion, the matters behind it (most severe first) and its wording."""

    kind: OpinionKind
    reasons: tuple[str, ...]
    wording: str


@dataclass(frozen=True, slots=True)
class Blocked:
    """No opinion may be issued yet, and why."""

    reasons: tuple[str, ...]


def _t(value: float) -> str:
    return f"{value:,.1f} t CO2e"


def _where(scope: int | None) -> str:
    return "overall" if scope is None else f"in scope {scope}"


def _misstatement_matter(rollup: Rollup, reached: str) -> str:
    return (
        f"uncorrected misstatements of {_t(rollup.gross_t)} {_where(rollup.scope)} "
        f"(known {_t(rollup.known_t)}, projected {_t(rollup.projected_t)}), "
        f"{reached} its materiality of {_t(rollup.materiality_t)}"
    )


def _finding_matter(finding: FindingState) -> str:
    about = "a misstatement" if finding.misstatement else "a non-conformity"
    text = f"the open corrective action request {finding.ref} on {about}"
    return f"{text}, which is pervasive" if finding.pervasive else text


def _limitation_matter(limitation: ScopeLimitation) -> str:
    pervasive = "pervasive " if limitation.pervasive else ""
    return (
        f"the {pervasive}limitation on the evidence we could obtain "
        f"({'; '.join(limitation.reasons)}), covering {_t(limitation.limitation_t)} "
        f"{_where(limitation.scope)}"
    )


def _join(matters: Iterable[str]) -> str:
    items = list(matters)
    return items[0] if len(items) == 1 else "; ".join(items[:-1]) + "; and " + items[-1]


def _wording(
    kind: OpinionKind,
    effects: list[str],
    possible: list[str],
    *,
    level: Level,
    subject: str,
    criteria: str,
) -> str:
    limited = level == "limited"
    noun = "conclusion" if limited else "opinion"
    basis = "Having performed our procedures and considered the evidence obtained"
    if kind == "disclaimer":
        return (
            f"Because of the significance of {_join(possible)}, we were unable to obtain "
            f"sufficient appropriate evidence on which to base a {noun}. We therefore express "
            f"no {noun} on {subject}."
        )
    if kind == "adverse":
        lead = f"{basis}, we conclude that," if limited else "In our opinion,"
        return (
            f"{lead} because of the significance of {_join(effects)}, {subject} is not "
            f"prepared, in all material respects, in accordance with {criteria}."
        )
    except_for = ""
    if kind == "qualified":
        parts = []
        if effects:
            parts.append(f"the effects of {_join(effects)}")
        if possible:
            parts.append(f"the possible effects of {_join(possible)}")
        except_for = f" except for {' and '.join(parts)},"
    if limited:
        return (
            f"{basis},{except_for} nothing has come to our attention that causes us to "
            f"believe that {subject} is not prepared, in all material respects, in accordance "
            f"with {criteria}."
        )
    return (
        f"In our opinion,{except_for} {subject} is prepared, in all material respects, in "
        f"accordance with {criteria}."
    )


def form_opinion(
    aggregation: Aggregation,
    findings: Iterable[FindingState] = (),
    limitation: ScopeLimitation | None = None,
    *,
    level: Level,
    subject: str,
    criteria: str,
    rules: OpinionRules | None = None,
) -> Opinion | Blocked:
    """Apply the rules of the module docstring; `subject` names the GHG statement verified."""
    rules = rules or OpinionRules()
    if level not in LEVELS:
        raise ValueError(f"level of assurance {level!r}: expected limited or reasonable")
    if not subject.strip() or not criteria.strip():
        raise ValueError("opinion: the subject and the criteria must not be empty")
    open_findings = [finding for finding in findings if finding.open]
    open_cls = [finding for finding in open_findings if finding.type == "CL"]
    if open_cls:
        return Blocked(
            tuple(f"clarification request {finding.ref} is still open" for finding in open_cls)
        )
    thresholds = aggregation.thresholds
    disclaiming: list[str] = []
    adverse: list[str] = []
    qualifying: list[str] = []  # effects of misstatements and findings
    possible: list[str] = []  # possible effects of a limitation
    notes: list[str] = []
    if limitation is not None:
        materiality = thresholds.materiality_t(limitation.scope)
        # > 0: a 0 t materiality (a scope with no emissions) must not make 0 t material.
        covered = limitation.limitation_t
        if covered > 0 and covered >= rules.limitation_multiple * materiality:
            bucket = disclaiming if limitation.pervasive else possible
            bucket.append(_limitation_matter(limitation))
        else:
            notes.append(f"{_limitation_matter(limitation)}, is below materiality")
    # The qualifying threshold as the wording names it: materiality, or a multiple of it.
    times = "" if rules.qualify_multiple == 1 else f" {rules.qualify_multiple:g} times"
    for rollup in aggregation.rollups:
        judged = rollup.gross_t > 0 and (rollup.scope is None or rollup.materiality_t > 0)
        if judged and rollup.gross_t >= rules.adverse_multiple * rollup.materiality_t:
            adverse.append(
                _misstatement_matter(rollup, f"at least {rules.adverse_multiple:g} times")
            )
        elif rollup.gross_t > 0 and rollup.gross_t >= rules.qualify_multiple * rollup.materiality_t:
            qualifying.append(_misstatement_matter(rollup, f"at or above{times}"))
        elif rollup.flag != "below":  # reached performance materiality only
            below = _misstatement_matter(rollup, f"below{times}")
            notes.append(
                f"{below}, reach performance materiality of "
                f"{_t(rollup.performance_t)}: the plan must be revised (ISA 450 para 6)"
            )
    for finding in open_findings:
        if finding.type == "CAR":
            (adverse if finding.pervasive else qualifying).append(_finding_matter(finding))

    kind: OpinionKind
    if disclaiming:
        kind, reasons = "disclaimer", disclaiming + adverse + qualifying + possible
    elif adverse:
        kind, reasons = "adverse", adverse + qualifying + possible
    elif qualifying or possible:
        kind, reasons = "qualified", qualifying + possible
    else:
        overall = aggregation.overall
        kind, reasons = (
            "unmodified",
            [
                f"uncorrected misstatements of {_t(overall.gross_t)} overall are below "
                f"materiality of {_t(overall.materiality_t)}",
                *notes,
            ],
        )
    effects = adverse if kind == "adverse" else qualifying
    text = _wording(
        kind,
        effects,
        disclaiming if kind == "disclaimer" else possible,
        level=level,
        subject=subject,
        criteria=criteria,
    )
    return Opinion(kind, tuple(reasons), text)
