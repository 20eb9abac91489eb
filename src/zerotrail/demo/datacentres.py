"""Emmet Group's data-centre energy: cooling technology over time, PUE, meters and rooftop solar.

Part of `demo/`. Three cooling retrofits shape the data halls' energy: free cooling at the
northern Zhangbei hall (April 2022) and liquid cooling at the Hangzhou hall (July 2023), both
owned, and the landlord's liquid-cooling retrofit of Emmet's leased Guangzhou halls (January
2024). Where a retrofit happens the PUE falls from about 1.55 to about 1.25-1.30 and the plan's
electricity (plan.py) stops growing or falls while the IT load keeps growing; elsewhere the
PUE drifts down slowly.

`meters.csv` holds one row per data centre and month: `facility_mwh` is exactly that month's
electricity in the activity records (summed, to 3 decimals) and `it_mwh` is facility / PUE,
the PUE of the month (the year's value from the month of a retrofit on, the previous year's
before it). It also holds, from 2022, the two campuses with rooftop solar: `facility_mwh`
their grid electricity of the month (the kWh bills in MWh), no IT energy, and
`onsite_renewable_mwh` the solar generation used on site (plan.SOLAR_MWH spread over a sunny
profile). The meters depend on the seed only through the activity records they follow.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from zerotrail.demo.activities import Activity, split
from zerotrail.demo.company import SITES, YEARS
from zerotrail.demo.plan import SOLAR_MWH, Yearly
from zerotrail.ingest.formats import COOLING, METERS

# Monthly shape of rooftop solar in East and Southwest China (January first).
SUNNY = (0.055, 0.060, 0.075, 0.085, 0.100, 0.095, 0.110, 0.115, 0.090, 0.080, 0.070, 0.065)


@dataclass(frozen=True, slots=True)
class Cooling:
    """One row of cooling.csv: the technology a data centre runs on from `since`."""

    site: str
    since: date
    technology: str
    note: str

    def to_record(self) -> dict[str, str]:
        record = {
            "site": self.site,
            "since": self.since.isoformat(),
            "technology": self.technology,
            "note": self.note,
        }
        return {name: record[name] for name in COOLING.names}


COOLING_HISTORY: tuple[Cooling, ...] = (
    Cooling("ZB-DC", date(2017, 9, 1), "air", "chilled-water air cooling as built"),
    Cooling(
        "ZB-DC",
        date(2022, 4, 1),
        "free_cooling",
        "fresh-air and water-side free cooling for most of the year in Zhangbei's climate",
    ),
    Cooling("HZ-DC", date(2015, 3, 1), "air", "chilled-water air cooling as built"),
    Cooling(
        "HZ-DC",
        date(2023, 7, 1),
        "liquid_cooling",
        "cold-plate liquid cooling retrofitted to the server rows",
    ),
    Cooling("UQ-DC", date(2019, 1, 1), "natural_cooling", "landlord's natural cold source"),
    Cooling("GZ-DC", date(2016, 6, 1), "air", "landlord's chilled-water air cooling"),
    Cooling(
        "GZ-DC",
        date(2024, 1, 1),
        "liquid_cooling",
        "landlord's liquid-cooling retrofit of Emmet's halls",
    ),
    Cooling("CD-DC", date(2019, 5, 1), "evaporative", "landlord's indirect evaporative cooling"),
    Cooling("LDN-DC", date(2014, 2, 1), "air", "colocation provider's air cooling"),
    Cooling("NJ-DC", date(2012, 10, 1), "air", "colocation provider's air cooling"),
    Cooling("PC-DG-DC", date(2017, 3, 1), "air", "Pengcheng's computer-room air conditioning"),
)

# PUE by year (from the month of a retrofit on, in its year).
PUE: dict[str, Yearly] = {
    "ZB-DC": (1.52, 1.50, 1.34, 1.30, 1.27, 1.25),
    "HZ-DC": (1.55, 1.55, 1.54, 1.36, 1.28, 1.25),
    "UQ-DC": (1.30, 1.29, 1.28, 1.27, 1.26, 1.25),
    "GZ-DC": (1.58, 1.57, 1.56, 1.55, 1.32, 1.30),
    "CD-DC": (1.42, 1.41, 1.40, 1.39, 1.38, 1.37),
    "LDN-DC": (1.50, 1.49, 1.48, 1.47, 1.46, 1.45),
    "NJ-DC": (1.56, 1.55, 1.54, 1.52, 1.50, 1.48),
    "PC-DG-DC": (1.66, 1.65, 1.64, 1.62, 1.60, 1.58),
}

DATA_CENTRES: tuple[str, ...] = tuple(s.site for s in SITES if s.kind.startswith("data_center"))


def cooling_records() -> list[dict[str, str]]:
    """The rows of cooling.csv, site by site in time order."""
    return [c.to_record() for c in COOLING_HISTORY]


def pue(site_id: str, year: int, month: int) -> float:
    """The PUE of `site_id` in a month: before a retrofit in that year, the previous year's."""
    i = YEARS.index(year)
    for c in COOLING_HISTORY:
        if c.site == site_id and c.since.year == year and month < c.since.month and i > 0:
            return PUE[site_id][i - 1]
    return PUE[site_id][i]


def _monthly_mwh(acts: Sequence[Activity]) -> dict[tuple[str, int, int], float]:
    """Electricity per (site, year, month) in MWh, from the monthly activity records."""
    out: dict[tuple[str, int, int], float] = defaultdict(float)
    for a in acts:
        if a.activity != "electricity.grid" or not a.site:
            continue
        if (a.period_start.year, a.period_start.month) != (a.period_end.year, a.period_end.month):
            raise ValueError(f"{a.record_id}: electricity records are expected monthly")
        mwh = a.quantity / 1000.0 if a.unit == "kWh" else a.quantity
        out[(a.site, a.period_start.year, a.period_start.month)] += mwh
    return out


def _row(site_id: str, year: int, month: int, facility: float) -> dict[str, str]:
    end = date(year, month, calendar.monthrange(year, month)[1])
    return {
        "site": site_id,
        "period_start": date(year, month, 1).isoformat(),
        "period_end": end.isoformat(),
        "facility_mwh": f"{facility:.3f}",
        "it_mwh": "",
        "onsite_renewable_mwh": "",
    }


def meter_records(acts: Sequence[Activity]) -> list[dict[str, str]]:
    """The rows of meters.csv: data centres month by month, then the solar campuses."""
    monthly = _monthly_mwh(acts)
    out = []
    for site_id in DATA_CENTRES:
        for year in YEARS:
            for month in range(1, 13):
                facility = round(monthly.get((site_id, year, month), 0.0), 3)
                if facility <= 0:
                    continue  # not yet in the group
                row = _row(site_id, year, month, facility)
                row["it_mwh"] = f"{facility / pue(site_id, year, month):.3f}"
                out.append(row)
    for site_id, solar in SOLAR_MWH.items():
        for i, year in enumerate(YEARS):
            if solar[i] <= 0:
                continue
            generated = split(solar[i], SUNNY)
            for month in range(1, 13):
                facility = round(monthly[(site_id, year, month)], 3)
                row = _row(site_id, year, month, facility)
                row["onsite_renewable_mwh"] = f"{generated[month - 1]:.3f}"
                out.append(row)
    return [{name: r[name] for name in METERS.names} for r in out]
