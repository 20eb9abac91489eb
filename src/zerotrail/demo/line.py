"""One stream of activity records (`Line`) and the small arithmetic on yearly amounts.

Part of `demo/`. `streams.py` builds the group's lines from plan.py and `acquisition.py` the
acquired business's; `activities.py` turns each line into dated records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zerotrail.demo.company import START
from zerotrail.demo.plan import FLAT, Yearly


@dataclass(frozen=True, slots=True)
class Line:
    """One stream of activity records: an activity at a site (or for an entity) over the years.

    `amounts` are full-year rates in `unit`; a line whose entity or site joins mid-year gets
    the share of its active months. `cadence` is month, quarter or event (a few dated
    refrigerant top-ups a year).
    """

    activity: str
    unit: str
    entity: str
    site: str
    region: str
    amounts: Yearly
    cadence: str = "month"
    profile: tuple[float, ...] = FLAT
    scope3_category: int | None = None
    suppliers: tuple[str, ...] = ()
    ch4_origin: str = ""
    note: str = ""
    evidence: str = ""  # URL path for the source document ("" for none)
    dq: tuple[int, int, int, int, int] | None = None
    corrections: bool = False  # spend lines: a few credit notes (negative rows)
    start: date = START


def scale(base: float, trend: Yearly) -> Yearly:
    """`trend` times `base`, year by year."""
    a, b, c, d, e, f = (base * t for t in trend)
    return (a, b, c, d, e, f)


def times(x: Yearly, y: Yearly) -> Yearly:
    """Two yearly series multiplied year by year."""
    a, b, c, d, e, f = (p * q for p, q in zip(x, y, strict=True))
    return (a, b, c, d, e, f)


def suppliers(tag: str, n: int) -> tuple[str, ...]:
    """Supplier ids `SUP-<tag>-01` .. `SUP-<tag>-<n>`."""
    return tuple(f"SUP-{tag}-{i:02d}" for i in range(1, n + 1))
