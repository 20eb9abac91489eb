"""From the engagement's findings to the aggregated misstatements and the opinion: the one
path both the verification stage and the offline check take, so that a verifier holding only
the bundle reproduces the opinion's arithmetic.

Which misstatements count:
- a misstatement closed as `corrected` was corrected in a restated inventory: its known part
  is gone; but when it was found on a sampled record that is not a key item, the part projected
  to the rest of its stratum is not corrected by correcting the one record (ISA 450), and stays;
- every other misstatement is uncorrected: when it names exactly one drawn record, it is that
  record's tested difference (stated t minus audited t = the finding's amount), projected by
  its stratum's sampling interval unless the record is a key item; otherwise it is taken at its
  amount, not projected (found outside the sample, or spread over several records).

Where it sits: assurance, pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zerotrail.assurance.materiality import Thresholds, parse_materiality, thresholds
from zerotrail.assurance.opinion import Blocked, FindingState, Opinion, OpinionRules, form_opinion
from zerotrail.assurance.projection import (
    Aggregation,
    OtherMisstatement,
    SampleItem,
    aggregate,
    project,
)
from zerotrail.assurance.risk import StratumPlan
from zerotrail.assurance.sampling import Selected


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """What the arithmetic needs of a finding (its latest version)."""

    finding_id: str
    kind: str  # misstatement | nonconformity
    type: str  # CAR | CL | FAR | observation
    status: str
    outcome: str | None
    scope: int | None
    amount_t: float | None
    records: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rules:
    """An engagement's thresholds: performance materiality and the clearly-trivial amount as
    shares of materiality, and the multiples of materiality at which the opinion changes."""

    performance_share: float = 0.75
    trivial_share: float = 0.05
    opinion: OpinionRules = field(default_factory=OpinionRules)

    def __post_init__(self) -> None:
        # The same checks Thresholds and OpinionRules make, here at the door.
        if not 0 < self.trivial_share <= self.performance_share <= 1:
            raise ValueError(
                f"clearly-trivial share {self.trivial_share:g} and performance share"
                f" {self.performance_share:g}: expected 0 < clearly trivial <= performance <= 1"
            )

    def text(self) -> str:
        """As stored and committed with the engagement, e.g.
        `performance=0.75;trivial=0.05;qualify=1;adverse=5;limitation=1`."""
        o = self.opinion
        return (
            f"performance={self.performance_share!r};trivial={self.trivial_share!r};"
            f"qualify={o.qualify_multiple!r};adverse={o.adverse_multiple!r};"
            f"limitation={o.limitation_multiple!r}"
        )


_RULE_NAMES = ("performance", "trivial", "qualify", "adverse", "limitation")


def parse_rules(text: str) -> Rules:
    """The `Rules` of `Rules.text()`; ValueError naming what is wrong."""
    values: dict[str, float] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if not sep or name not in _RULE_NAMES or name in values:
            raise ValueError(f"rules {text!r}: expected {'=N;'.join(_RULE_NAMES)}=N")
        try:
            values[name] = float(value)
        except ValueError:
            raise ValueError(f"rules {text!r}: {name} is not a number") from None
        if not math.isfinite(values[name]):
            raise ValueError(f"rules {text!r}: {name} is not a finite number")
    if set(values) != set(_RULE_NAMES):
        raise ValueError(f"rules {text!r}: expected {'=N;'.join(_RULE_NAMES)}=N")
    return Rules(
        values["performance"],
        values["trivial"],
        OpinionRules(values["qualify"], values["adverse"], values["limitation"]),
    )


@dataclass(frozen=True, slots=True)
class Conclusion:
    aggregation: Aggregation
    opinion: Opinion | Blocked


def misstatements(
    findings: Iterable[FindingFacts],
    sample: Sequence[Selected],
    strata: Sequence[StratumPlan],
) -> tuple[list[SampleItem], list[OtherMisstatement]]:
    """The tested sample items and the other misstatements, per the module docstring."""
    drawn = {s.record_id: s for s in sample}
    interval = {p.stratum: p.interval_t for p in strata}
    tested: dict[str, float] = {}  # record -> misstatement (t), summed over its findings
    corrected: dict[str, float] = {}
    others: list[OtherMisstatement] = []
    for f in findings:
        if f.kind != "misstatement" or f.amount_t is None or f.scope is None:
            continue
        fixed = f.status == "closed" and f.outcome == "corrected"
        one = f.records[0] if len(f.records) == 1 else None
        if one is not None and one in drawn:
            bucket = corrected if fixed else tested
            bucket[one] = bucket.get(one, 0.0) + f.amount_t
        elif not fixed:
            others.append(OtherMisstatement(f.finding_id, f.scope, f.amount_t, f.records))
    items = []
    for rid, amount in tested.items():
        s = drawn[rid]
        items.append(_item(s, amount, interval[s.stratum]))
    for rid, amount in corrected.items():
        s = drawn[rid]
        if s.key_item:
            continue
        # Projection is linear in the misstatement, so the corrected part's projection beyond
        # the record stays whether or not other misstatements on it remain uncorrected.
        projected = amount / s.t_co2e * interval[s.stratum] - amount
        if projected:
            scope = int(s.stratum.partition(":")[0].removeprefix("scope"))
            others.append(
                OtherMisstatement(f"{rid} (projected, corrected)", scope, projected, (), True)
            )
    return items, others


def _item(s: Selected, amount: float, interval_t: float) -> SampleItem:
    scope = int(s.stratum.partition(":")[0].removeprefix("scope"))
    audited = s.t_co2e - amount
    if audited < 0:
        raise ValueError(
            f"record {s.record_id}: misstatements of {amount!r} t exceed its stated {s.t_co2e!r} t"
        )
    return SampleItem(s.record_id, s.stratum, scope, s.key_item, s.t_co2e, audited, interval_t)


def conclude(
    findings: Sequence[FindingFacts],
    sample: Sequence[Selected],
    strata: Sequence[StratumPlan],
    thresholds: Thresholds,
    *,
    level: str,
    subject: str,
    criteria: str,
    rules: OpinionRules | None = None,
) -> Conclusion:
    items, others = misstatements(findings, sample, strata)
    agg = aggregate(project(items, others), thresholds)
    states = [
        FindingState(f.finding_id, f.type, f.status, f.kind == "misstatement")  # type: ignore[arg-type]
        for f in findings
    ]
    opinion = form_opinion(
        agg,
        states,
        level=level,  # type: ignore[arg-type]
        subject=subject,
        criteria=criteria,
        rules=rules,
    )
    return Conclusion(agg, opinion)


def facts_from_text(d: Mapping[str, str | None]) -> FindingFacts:
    """A finding as the bundle's findings.json writes it (every value text or null)."""
    records = tuple(r for r in (d.get("records") or "").split(",") if r)
    scope = d.get("scope")
    amount = d.get("amount_t")
    return FindingFacts(
        finding_id=str(d["finding_id"]),
        kind=str(d["finding_kind"]),
        type=str(d["finding_type"]),
        status=str(d["status"]),
        outcome=d.get("outcome"),
        scope=None if scope is None else int(scope),
        amount_t=None if amount is None else float(amount),
        records=records,
    )


def engagement_thresholds(
    materiality: str, scope_materiality: str, totals: Mapping[int, float], rules: Rules
) -> Thresholds:
    """The engagement's materiality in tonnes: `materiality` overall ("5%" or "1200t"),
    `scope_materiality` per scope ("1=5%;3=10000t", "" for none), on the run's figures, with
    the rules' performance and clearly-trivial shares."""
    per_scope = {}
    for part in scope_materiality.split(";"):
        if part:
            scope, sep, rule = part.partition("=")
            if not sep or scope not in ("1", "2", "3"):
                raise ValueError(f"scope materiality {part!r}: expected SCOPE=RULE")
            per_scope[int(scope)] = parse_materiality(rule)
    return thresholds(
        parse_materiality(materiality),
        per_scope,
        totals,
        performance_share=rules.performance_share,
        trivial_share=rules.trivial_share,
    )


def performance(th: Thresholds) -> dict[int, float]:
    """Performance materiality per scope: each stratum's tolerable misstatement."""
    return {s: th.performance_t(s) for s in (1, 2, 3)}


def subject(organization: str, year: int | str, scopes: str) -> str:
    """What the opinion is on, in words."""
    named = ", ".join(f"Scope {s}" for s in scopes.split(","))
    return f"the greenhouse gas inventory of {organization} for {year} ({named})"
