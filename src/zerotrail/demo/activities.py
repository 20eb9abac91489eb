"""Emmet Group's activity records: the yearly plan spread over months, quarters and events.

Part of `demo/`. Each `plan.Line` becomes records for every year it is active. A year's amount
is split by the line's monthly profile times a seeded noise of +/-5%, and the last period
takes the rounding remainder, so a year's records add up to the plan exactly (to the 3
decimals written) whatever the seed. Records are numbered `A<year>-<n>` in generation order.
"""

from __future__ import annotations

import calendar
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from zerotrail.demo.company import YEARS
from zerotrail.demo.streams import Line, lines
from zerotrail.ingest.formats import ACTIVITIES

EVIDENCE_HOST = "https://erp.emmet.example"
_NOISE = 0.05


@dataclass(frozen=True, slots=True)
class Activity:
    """One row of activities.csv."""

    record_id: str
    entity: str
    site: str
    period_start: date
    period_end: date
    activity: str
    quantity: float
    unit: str
    region: str
    scope3_category: int | None = None
    supplier: str = ""
    ch4_origin: str = ""
    evidence: str = ""
    note: str = ""
    dq: tuple[int, int, int, int, int] | None = None
    # A published factor the record names (pins.py), '' to let the engine choose.
    factor_id: str = ""

    def to_record(self) -> dict[str, str]:
        dq = [str(x) for x in self.dq] if self.dq else [""] * 5
        record = {
            "record_id": self.record_id,
            "entity": self.entity,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "activity": self.activity,
            "quantity": f"{self.quantity:.3f}",
            "unit": self.unit,
            # Blank: the record's energy is on its region's convention (net in China).
            "heat_basis": "",
            "region": self.region,
            "site": self.site,
            "scope3_category": "" if self.scope3_category is None else str(self.scope3_category),
            "supplier": self.supplier,
            "factor_id": self.factor_id,
            "ch4_origin": self.ch4_origin,
            "evidence": self.evidence,
            "note": self.note,
            "dq_technology": dq[0],
            "dq_time": dq[1],
            "dq_geography": dq[2],
            "dq_completeness": dq[3],
            "dq_reliability": dq[4],
        }
        return {name: record[name] for name in ACTIVITIES.names}


@dataclass(frozen=True, slots=True)
class _Period:
    start: date
    end: date
    weight: float


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _periods(line: Line, year: int, months: Sequence[int], rng: random.Random) -> list[_Period]:
    """The periods of `line` in `year` (over its active `months`), each with a noisy weight."""

    def noisy(w: float) -> float:
        return w * (1.0 + rng.uniform(-_NOISE, _NOISE))

    if line.cadence == "month":
        return [
            _Period(date(year, m, 1), _month_end(year, m), noisy(line.profile[m - 1]))
            for m in months
        ]
    if line.cadence == "quarter":
        out = []
        for q in range(4):
            ms = [m for m in months if (m - 1) // 3 == q]
            if ms:
                weight = sum(line.profile[m - 1] for m in ms)
                out.append(_Period(date(year, ms[0], 1), _month_end(year, ms[-1]), noisy(weight)))
        return out
    if line.cadence == "event":
        # A few dated top-ups a year, each recorded on its service day.
        picked = sorted(rng.sample(list(months), min(len(months), rng.randint(1, 3))))
        out = []
        for m in picked:
            day = date(year, m, rng.randint(1, 28))
            out.append(_Period(day, day, rng.uniform(0.5, 1.5)))
        return out
    raise ValueError(f"unknown cadence {line.cadence!r}")


def split(total: float, weights: Sequence[float]) -> list[float]:
    """`total` shared by `weights`, rounded to 3 decimals; the last part takes the remainder so
    that the rounded parts add up to the rounded total."""
    whole = sum(weights)
    parts = [round(total * w / whole, 3) for w in weights[:-1]]
    parts.append(round(round(total, 3) - sum(parts), 3))
    return parts


def document(a: Activity, unit: str | None = None) -> bytes:
    """The document `a` was entered from, as UTF-8 text; `unit` when the document reads in
    another unit than the record was keyed in (the seeded misstatement)."""
    lines = [
        "Emmet Group: source document",
        f"reference: {a.record_id}",
        f"entity: {a.entity}",
        f"site: {a.site}",
        f"period: {a.period_start.isoformat()} to {a.period_end.isoformat()}",
        f"activity: {a.activity}",
        f"quantity: {a.quantity:.3f} {unit or a.unit}",
    ]
    if a.supplier:
        lines.append(f"supplier: {a.supplier}")
    if a.note:
        lines.append(f"note: {a.note}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def with_evidence(a: Activity, kind: str, unit: str | None = None) -> Activity:
    """`a` with its evidence: where the document is and its SHA-256."""
    digest = hashlib.sha256(document(a, unit)).hexdigest()
    return replace(a, evidence=f"{EVIDENCE_HOST}/{kind}/{a.record_id} sha256:{digest}")


class _Numbering:
    """Record ids `A<year>-<n>`, counted per year in generation order."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def take(self, year: int) -> str:
        n = self._next.get(year, 1)
        self._next[year] = n + 1
        return f"A{year}-{n:06d}"


def _line_year(line: Line, year: int, rng: random.Random, ids: _Numbering) -> list[Activity]:
    months = [m for m in range(1, 13) if date(year, m, 1) >= line.start]
    amount = line.amounts[YEARS.index(year)] * len(months) / 12
    if not months or amount == 0:
        return []
    periods = _periods(line, year, months, rng)
    quantities = split(amount, [p.weight for p in periods])
    out = []
    for period, quantity in zip(periods, quantities, strict=True):
        rows = [quantity]
        if line.corrections and rng.random() < 0.03:
            # A credit note: the invoice was larger and part of it was credited back, so the
            # net spend (and the year's total) is unchanged.
            credit = round(quantity * rng.uniform(0.02, 0.10), 3)
            rows = [round(quantity + credit, 3), -credit]
        for qty in rows:
            rid = ids.take(year)
            supplier = rng.choice(line.suppliers) if line.suppliers else ""
            note = line.note if qty >= 0 else "credit note: " + line.note
            act = Activity(
                record_id=rid,
                entity=line.entity,
                site=line.site,
                period_start=period.start,
                period_end=period.end,
                activity=line.activity,
                quantity=qty,
                unit=line.unit,
                region=line.region,
                scope3_category=line.scope3_category,
                supplier=supplier,
                ch4_origin=line.ch4_origin,
                note=note,
                dq=line.dq,
            )
            out.append(with_evidence(act, line.evidence) if line.evidence else act)
    return out


def activities(seed: int) -> list[Activity]:
    """Every activity record of the demo for `seed`, year by year, line by line."""
    # A stream of its own, so that changing another part of the demo keeps these records.
    rng = random.Random(f"emmet-demo:{seed}:activities")
    ids = _Numbering()
    out: list[Activity] = []
    plan = lines()
    for year in YEARS:
        for line in plan:
            out += _line_year(line, year, rng, ids)
    return out
