"""Which records the verifier tests: a reproducible monetary-unit sample per stratum.

Where it sits: after `risk.plan` has fixed each stratum's sampling interval J, and after the
verifier has given a seed (chosen once the engagement's checkpoint is fixed, so the company
cannot steer the draw). Per stratum:

1. key items: every record with t CO2e >= J is selected with certainty;
2. the rest are put in a random but reproducible order, by HMAC-SHA256(key = seed,
   msg = engagement id NUL stratum NUL record id NUL version), so the file's order plays no part;
3. their t CO2e is cumulated in that order, a random start u in [0, J) is taken from
   HMAC-SHA256(seed, engagement id NUL stratum NUL "start") (its first 8 bytes, big-endian,
   over 2^64, times J), and the record whose cumulative range holds u + k*J (k = 0, 1, ...) is
   selected. A record below J holds at most one such point, so each is selected with
   probability t / J (`selection_probability`), and the number selected is the floor or the
   ceiling of their total over J.

The cumulation is exact (floats are binary fractions), so the draw does not depend on rounding,
and a stratum never yields more records than `risk.plan` sized it for from the same records
(it can yield fewer: key items above J use up more than one interval each, and a stratum below
J may yield none).

Known limit: selection is in proportion to the t CO2e a record states, so a record stated at zero
is never selected and an understated one is less likely to be: MUS tests overstatement.
Understatement, omitted records and zero records need other procedures (completeness tests that
trace from source documents to records).

Never Python's `random`: the only randomness is the verifier's seed through HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from zerotrail.assurance import exact
from zerotrail.assurance.risk import Item, StratumPlan, stratum_sort_key


@dataclass(frozen=True, slots=True)
class Selected:
    """One selected record. `order` is its place in the stratum's HMAC order (0 first), counted
    over all the stratum's records, key items included."""

    record_id: str
    version: int
    stratum: str
    key_item: bool
    t_co2e: float
    order: int


def selection_probability(t: float, interval: float) -> float:
    """The chance that a record of `t` t CO2e is selected with sampling interval `interval`."""
    if not interval > 0.0:
        raise ValueError(f"the sampling interval must be > 0 t, got {interval}")
    if not t >= 0.0:
        raise ValueError(f"t CO2e must be >= 0, got {t}")
    return min(1.0, t / interval)


def draw(
    items: Iterable[Item], plans: Sequence[StratumPlan], seed: str, engagement_id: str
) -> tuple[Selected, ...]:
    """The selection for every stratum that has records, sorted by stratum then order. The same
    items (in any order), plans, seed and engagement id always give the same selection."""
    if not seed:
        raise ValueError("the verifier's seed is empty: choose one (hex text is recommended)")
    if not engagement_id:
        raise ValueError("the engagement id is empty")
    by_stratum: dict[str, StratumPlan] = {}
    for p in plans:
        if p.stratum in by_stratum:
            raise ValueError(f"two plans for stratum {p.stratum!r}")
        if not (math.isfinite(p.interval_t) and p.interval_t > 0.0):
            raise ValueError(f"stratum {p.stratum!r}: interval must be > 0 t, got {p.interval_t}")
        by_stratum[p.stratum] = p
    groups: dict[str, list[Item]] = {}
    seen: set[tuple[str, int]] = set()
    for it in items:
        ident = (it.record_id, it.version)
        if ident in seen:
            raise ValueError(f"record {it.record_id!r} version {it.version} appears twice")
        seen.add(ident)
        if it.stratum not in by_stratum:
            raise ValueError(f"no sampling plan for stratum {it.stratum!r}")
        groups.setdefault(it.stratum, []).append(it)
    mac = hmac.new(seed.encode("utf-8"), digestmod=hashlib.sha256)
    out: list[Selected] = []
    for stratum in sorted(groups, key=stratum_sort_key):
        out.extend(_stratum(groups[stratum], by_stratum[stratum], mac, engagement_id))
    return tuple(out)


def _digest(mac: hmac.HMAC, message: str) -> bytes:
    h = mac.copy()
    h.update(message.encode("utf-8"))
    return h.digest()


def _stratum(
    items: list[Item], plan: StratumPlan, mac: hmac.HMAC, engagement_id: str
) -> list[Selected]:
    stratum = plan.stratum
    prefix = f"{engagement_id}\x00{stratum}\x00"
    # The id breaks ties only if two digests collide, which SHA-256 makes a non-event.
    ranked = sorted(
        items,
        key=lambda i: (
            _digest(mac, f"{prefix}{i.record_id}\x00{i.version}"),
            i.record_id,
            i.version,
        ),
    )
    # Exact integer arithmetic (exact.py): figures in units of 2^-1074; the points u + k*J also
    # carry the start's 64 bits of fraction, so they are compared with the cumulated figures
    # shifted left by 64.
    interval = exact.units(plan.interval_t)
    start = int.from_bytes(_digest(mac, f"{prefix}start")[:8], "big")
    point = start * interval
    step = interval << 64
    cum = 0
    out = []
    for order, it in enumerate(ranked):
        t = exact.units(it.t_co2e)
        if t >= interval:
            out.append(Selected(it.record_id, it.version, stratum, True, it.t_co2e, order))
            continue
        cum_next = cum + t
        # Invariant: `point` is the first u + k*J at or after `cum`. The record's range is
        # [cum, cum_next), shorter than J, so it holds at most that one point (a zero-t range
        # holds none); after a hit the next point lies beyond it.
        if point < cum_next << 64:
            out.append(Selected(it.record_id, it.version, stratum, False, it.t_co2e, order))
            point += step
        cum = cum_next
    return out
