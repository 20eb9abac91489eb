"""The explain stage: for one activity record, every factor the calculation considered and why
the chosen one won (`zerotrail factors explain RECORD_ID`).

Where it sits: beside the calculation stage, reading only. It prepares the record's one
signature as the calculation stage does (effective region, heating-value basis, unit
conversions: engine/inputs.py) and ranks its candidates with the engine's own expressions
(`engine.resolve.candidates` and `ranked`), run on the workspace's engine, so the ranking shown
is the ranking used. Factors of the record's key and lineage that are no candidate at all (a
unit that does not convert, another supplier's factor, a pinned record's other factors) are
listed after them with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from zerotrail.engine.inputs import (
    Conversions,
    FactorUnit,
    conversions,
    record_region,
    units_digest,
)
from zerotrail.engine.resolve import (
    EARLIER,
    KEY_SCHEMA,
    LATER,
    PINNED_OUTSIDE,
    REFUSED_NO_RATIO,
    REFUSED_STRICT,
    candidates,
    conversion_table,
    factor_heads,
    lineage_table,
    ranked,
)
from zerotrail.engine.settings import FACTOR_POLICIES
from zerotrail.errors import ZerotrailError
from zerotrail.model.regions import lineage
from zerotrail.store import calculation_inputs as reads
from zerotrail.store import runs
from zerotrail.store.unit_conversions import known_conversions
from zerotrail.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Candidate:
    """One factor of the explanation: its rank (1 is used; None: it could not apply)."""

    rank: int | None
    factor_id: str
    factor_set: str
    region: str
    valid_from: date
    valid_to: date | None
    verified: bool
    heat_basis: str | None
    reason: str

    FIELDS = (
        "rank",
        "factor_id",
        "factor_set",
        "region",
        "valid_from",
        "valid_to",
        "verified",
        "heat_basis",
        "reason",
    )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True, slots=True)
class Explanation:
    record_id: str
    activity: str
    unit: str
    period_start: date  # as explained (moved to --year when given)
    stated_region: str | None
    region: str  # where factors were looked up
    site: str | None
    heat_basis: str  # of the record's energy, stated or its region's default
    factor_policy: str
    chosen: str | None
    candidates: tuple[Candidate, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "activity": self.activity,
            "unit": self.unit,
            "period_start": self.period_start.isoformat(),
            "stated_region": self.stated_region,
            "region": self.region,
            "site": self.site,
            "heat_basis": self.heat_basis,
            "factor_policy": self.factor_policy,
            "chosen": self.chosen,
            "candidates": [c.to_dict() for c in self.candidates],
        }


def explain_record(
    ws: Workspace, record_id: str, year: int | None = None, policy: str | None = None
) -> Explanation:
    """Every factor considered for the record's current version, ranked as the engine ranks
    them. `year` explains it as if its period started in that year (same day and month);
    `policy` defaults to the factor policy of that year's current run, else `nearest`."""
    rec = reads.current_record(ws, record_id)
    if rec is None:
        raise ZerotrailError(f"no activity record {record_id!r} in this workspace")
    start: date = rec["period_start"]
    if year is not None and year != start.year:
        start = date(year, start.month, min(start.day, 28 if start.month == 2 else start.day))
    if policy is None:
        policy = runs.current_factor_policy(ws, start.year) or "nearest"
    if policy not in FACTOR_POLICIES:
        raise ZerotrailError(
            f"unknown factor policy {policy!r}; expected one of {', '.join(FACTOR_POLICIES)}"
        )
    activity, unit = str(rec["activity"]), str(rec["unit"])
    pin = str(rec.get("factor_id") or "")
    supplier = str(rec.get("supplier") or "")
    site = rec.get("site") or None
    place = record_region(
        str(rec.get("region") or ""),
        reads.site_regions(ws).get(site or ""),
        str(rec.get("heat_basis") or ""),
    )
    places = list(lineage(place.region)) if place.region else []
    factors = reads.factor_candidates(ws, activity, places, pin)
    ranked_rows, refused = _rank(ws, activity, unit, start, pin, supplier, place, factors, policy)
    winner = ranked_rows[0] if ranked_rows else None
    out: list[Candidate] = []
    for i, row in enumerate(ranked_rows):
        why = _chosen(row, start) if i == 0 else _behind(row, winner, start, places)
        out.append(_candidate(row, i + 1, why))
    for row in refused:
        out.append(_candidate(row, None, _refusal(row, start, activity)))
    seen = {c.factor_id for c in out}
    for f in factors:
        if f["factor_id"] not in seen:
            out.append(_candidate(f, None, _not_applicable(f, unit, pin, supplier)))
    return Explanation(
        record_id=record_id,
        activity=activity,
        unit=unit,
        period_start=start,
        stated_region=rec.get("region"),
        region=place.region,
        site=site,
        heat_basis=place.heat_basis,
        factor_policy=policy,
        chosen=None if winner is None else str(winner["factor_id"]),
        candidates=tuple(out),
    )


def _rank(
    ws: Workspace,
    activity: str,
    unit: str,
    start: date,
    pin: str,
    supplier: str,
    place: Any,
    factors: list[dict[str, Any]],
    policy: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(usable candidates in rank order, refused candidates), by the engine's expressions."""
    import ibis

    if not factors or not place.region:
        return [], []
    be = ws.ibis()
    # Every factor converts from the record's own key and unit (a pinned one too).
    units = [
        FactorUnit(f["factor_id"], activity, f["unit"], f["heat_content"], f["heat_content_unit"])
        for f in factors
    ]
    convert = Conversions(known_conversions(ws, units_digest()))
    conv_rows = conversions([(activity, unit)], units, convert)
    if not conv_rows:
        return [], []
    conv = conversion_table(conv_rows)
    keys = ibis.memtable(
        [
            {
                "activity": activity,
                "eff_region": place.region,
                "rec_basis": place.heat_basis,
                "unit": unit,
                "period_start": start,
                "pin_k": pin,
                "supplier_k": supplier,
            }
        ],
        schema=KEY_SCHEMA,
    )
    lin = lineage_table((place.region, a, i) for i, a in enumerate(lineage(place.region)))
    stored = be.table("factors")
    heads = factor_heads(stored.filter(stored.factor_id.isin([f["factor_id"] for f in factors])))
    cand = candidates(keys, heads, conv, lin, policy == "strict")
    usable = ranked(cand)
    usable_rows = be.to_pyarrow(usable.order_by("rn")).to_pylist()
    refused_rows = be.to_pyarrow(cand.filter(cand.refused != "").order_by("factor_id")).to_pylist()
    return usable_rows, refused_rows


def _candidate(row: dict[str, Any], rank: int | None, reason: str) -> Candidate:
    return Candidate(
        rank=rank,
        factor_id=str(row["factor_id"]),
        factor_set=str(row["factor_set"]),
        region=str(row.get("f_region") or row.get("region")),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        verified=bool(row["verified"]),
        heat_basis=row.get("f_basis") or row.get("heat_basis") or None,
        reason=reason,
    )


def _edition(row: dict[str, Any], start: date) -> str:
    return f"edition {row['valid_from'].year} for a {start.year} record"


def _chosen(row: dict[str, Any], start: date) -> str:
    parts = ["used"]
    if row["level"] == 0:
        parts.append("pinned by the record")
    elif row["level"] == 1:
        parts.append("supplier-specific")
    parts.append("verified" if row["verified"] else "unverified (no usable verified factor)")
    place = row["f_region"]
    if row["vrank"] == EARLIER:
        parts.append(f"{_edition(row, start)}: no {place} edition for it, nearest earlier")
    elif row["vrank"] == LATER:
        parts.append(f"{_edition(row, start)}: no {place} edition for it or before, nearest later")
    elif row["vrank"] == PINNED_OUTSIDE:
        parts.append(f"{_edition(row, start)}: pinned outside its validity")
    if row["basis_converted"]:
        parts.append(f"{row['f_basis']} factor, energy converted to its basis")
    if row["via_heat"]:
        parts.append("through the factor's heat content")
    return "; ".join(parts)


def _behind(row: dict[str, Any], w: dict[str, Any] | None, start: date, places: list[str]) -> str:
    """Why `row` ranks behind the winner `w`: the first key of the order where they differ."""
    assert w is not None
    tier, wtier = min(row["level"], 2), min(w["level"], 2)
    if tier != wtier:
        return "the record pins its factor" if wtier == 0 else "a supplier-specific factor exists"
    if row["verified"] != w["verified"]:
        return "unverified; a verified factor exists"
    if row["level"] != w["level"]:
        return f"parent region {row['f_region']}; {w['f_region']} has one"
    if row["vrank"] != w["vrank"]:
        if w["vrank"] == 0:
            return f"{_edition(row, start)}; a {start.year} edition exists"
        return f"{_edition(row, start)}; an earlier edition ({w['valid_from'].year}) comes first"
    if row["valid_from"] != w["valid_from"] and row["vrank"] in (EARLIER, LATER):
        return f"{_edition(row, start)}; a nearer edition ({w['valid_from'].year}) exists"
    if row["basis_converted"] != w["basis_converted"]:
        return f"{row['f_basis']} factor needs a basis conversion; one on {row['rec_basis']} exists"
    if row["valid_from"] != w["valid_from"]:
        return f"older edition (from {row['valid_from']}); a newer one is valid too"
    if row["via_heat"] != w["via_heat"]:
        return "only through a heat content; a factor in the record's own unit exists"
    return f"same rank otherwise; factor id sorts after {w['factor_id']}"


def _refusal(row: dict[str, Any], start: date, activity: str) -> str:
    if row["refused"] == REFUSED_STRICT:
        return f"refused: strict policy ({_edition(row, start)})"
    assert row["refused"] == REFUSED_NO_RATIO
    return (
        f"refused: {row['f_basis']} factor for {row['rec_basis']} energy, and no published"
        f" NCV/GCV ratio for the fuel of {activity}"
    )


def _not_applicable(f: dict[str, Any], unit: str, pin: str, supplier: str) -> str:
    if pin and f["factor_id"] != pin:
        return f"not considered: the record pins {pin}"
    if f.get("supplier") and f["supplier"] != supplier:
        theirs = f"the record's is {supplier}" if supplier else "the record names none"
        return f"not applicable: supplier-specific for {f['supplier']}; {theirs}"
    return f"not applicable: unit {unit} does not convert to {f['unit']}"


__all__ = ["Candidate", "Explanation", "explain_record"]
