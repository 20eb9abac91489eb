"""Pengcheng Payment Services: the payments processor Emmet Group acquires on 1 July 2023.

Part of `demo/`. The business (entity EMMET-PC under Emmet Payments, 100% owned and operated;
a Shenzhen office and a small owned data centre in Dongguan, both on the CN-SOUTH grid) enters
the activity data on its acquisition date only: electricity, a diesel backup generator,
refrigerant top-ups, business travel, facility services and servers. Its yearly amounts are
full-year rates; 2023 gets the six months from July.

`baseline_events.csv` carries the acquisition as a base-year event: the business's gross 2020
emissions as the seller disclosed them (`SELLER_2020`, a fixed table), which the importer
multiplies by the entity's consolidation share (100% here). They are consistent with the
generated activity: in 2020 the business used 3,800 MWh (3,380 MWh in the data hall, 420 MWh
in the office; a server consolidation in 2022 brought the hall down to about 2,600 MWh) at
the national grid factor 0.581 t/MWh with no certificates, so Scope 2 market-based equals
location-based, 2,207.8 t; it burnt 9 t of generator diesel (28.7 t) and topped up 55 kg of
R-410A (105.8 t): Scope 1 134.5 t. Its Scope 3, 2,540 t, is facility services (1,000 t),
servers (1,120 t) and pandemic-reduced travel (420 t), on the seller's own factors; a full
year under the group, on the group's (USEEIO v1.3, DESNZ), is about 2,400 t.

Size: 134.5 + 2,207.8 = 2,342.3 t of Scope 1 + 2 market-based is 6.2% of the group's
37,584 t in 2020, above the 5% significance threshold of the roadmap's recalculation policy
(location-based: 2,342.3 / 37,848 = 6.2%). A full year of the business under the group is
about 1,950 t of Scope 1 + 2 market-based, 7-8% of the enlarged group's in 2024 and 2025.
"""

from __future__ import annotations

from dataclasses import dataclass

from zerotrail.demo.company import PC, PC_ACQUIRED, site
from zerotrail.demo.line import Line, scale, suppliers
from zerotrail.demo.plan import COOLING, DQ_SPEND, TRAVEL, Yearly, flight_key
from zerotrail.ingest.formats import BASELINE_EVENTS

EVENT_ID = "EV-2023-ACQ"
BASE_YEAR = 2020
OFFICE = "PC-SZ-OFFICE"
DATA_CENTRE = "PC-DG-DC"

# Full-year rates under the group (2020-2022 are before the acquisition: no records).
ELECTRICITY_MWH: dict[str, Yearly] = {
    DATA_CENTRE: (0, 0, 0, 2650, 2600, 2550),
    OFFICE: (0, 0, 0, 420, 420, 410),
}
GENERATOR_DIESEL_T: Yearly = (0, 0, 0, 8.0, 8.0, 7.5)
R410A_KG: Yearly = (0, 0, 0, 45.0, 42.0, 40.0)
TRAVEL_BASE: tuple[tuple[str, str, Yearly], ...] = (
    ("business_travel.air_short_haul", "passenger-km", (0, 0, 0, 1.2e6, 1.2e6, 1.1e6)),
    ("business_travel.air_medium_haul", "passenger-km", (0, 0, 0, 3.0e6, 2.8e6, 2.6e6)),
    ("business_travel.rail", "passenger-km", (0, 0, 0, 5.0e6, 5.5e6, 6.0e6)),
)
SPEND: tuple[tuple[str, int, str, str, int, Yearly], ...] = (
    ("561720", 1, "facility services (cleaning, maintenance)", "FAC", 2, (0, 0, 0, 6e6, 6e6, 6e6)),
    ("334111", 2, "servers and network gear", "SRV", 2, (0, 0, 0, 10e6, 9e6, 9e6)),
)


@dataclass(frozen=True, slots=True)
class Seller:
    """The acquired business's gross base-year emissions as the seller disclosed them (t)."""

    scope1_t: float
    scope2_location_t: float
    scope2_market_t: float
    scope3_t: float

    @property
    def scope12_market_t(self) -> float:
        return self.scope1_t + self.scope2_market_t


SELLER_2020 = Seller(
    scope1_t=134.5, scope2_location_t=2207.8, scope2_market_t=2207.8, scope3_t=2540.0
)

DESCRIPTION = (
    "Acquisition of Pengcheng Payment Services (100%), a Shenzhen payments processor with an"
    " office and a small owned data centre in Dongguan, completed 1 July 2023; gross 2020"
    " emissions as disclosed by the seller"
)


def lines() -> list[Line]:
    """The acquired business's activity streams, from its acquisition date."""
    out = []
    for site_id, mwh in ELECTRICITY_MWH.items():
        s = site(site_id)
        dc = s.kind.startswith("data_center")
        # Data-centre meters read MWh; the office bill is in kWh.
        unit, amounts = ("MWh", mwh) if dc else ("kWh", scale(1000.0, mwh))
        note = "meter reading" if dc else "utility bill"
        out.append(_line("electricity.grid", unit, site_id, amounts, s.region, note, "bills"))
    out.append(
        _line(
            "stationary_combustion.diesel",
            "t",
            DATA_CENTRE,
            GENERATOR_DIESEL_T,
            cadence="quarter",
            note="backup generator tests and outages",
        )
    )
    out.append(
        _line(
            "fugitive.R-410A",
            "kg",
            DATA_CENTRE,
            R410A_KG,
            cadence="event",
            note="top-up by service contractor",
        )
    )
    for key, unit, amounts in TRAVEL_BASE:
        # Chinese flights take DESNZ's international factor (plan.FLIGHT_KEYS).
        haul = key.rsplit(".air_", 1)[-1].replace("_", " ")
        note = f"travel agency report: {haul} flights" if ".air_" in key else "travel agency report"
        out.append(_line(flight_key(key, "CN"), unit, "", amounts, note=note, profile=TRAVEL))
    for code, category, note, tag, n, usd in SPEND:
        out.append(
            Line(
                f"spend.naics.{code}",
                "USD",
                PC,
                "",
                "CN",
                usd,
                scope3_category=category,
                suppliers=suppliers(tag, n),
                note=note,
                evidence="inv",
                dq=DQ_SPEND,
                corrections=True,
                start=PC_ACQUIRED,
            )
        )
    return out


def _line(
    activity: str,
    unit: str,
    site_id: str,
    amounts: Yearly,
    region: str = "CN",
    note: str = "",
    evidence: str = "",
    *,
    cadence: str = "month",
    profile: tuple[float, ...] = COOLING,
) -> Line:
    return Line(
        activity,
        unit,
        PC,
        site_id,
        region,
        amounts,
        cadence=cadence,
        profile=profile,
        note=note,
        evidence=evidence,
        start=PC_ACQUIRED,
    )


def event_record() -> dict[str, str]:
    """The acquisition as one row of baseline_events.csv."""
    seller = SELLER_2020
    record = {
        "event_id": EVENT_ID,
        "base_year": str(BASE_YEAR),
        "year": str(PC_ACQUIRED.year),
        "kind": "acquisition",
        "description": DESCRIPTION,
        "entity": PC,
        "in_base_year": "yes",
        "scope1_t": f"{seller.scope1_t:.1f}",
        "scope2_location_t": f"{seller.scope2_location_t:.1f}",
        "scope2_market_t": f"{seller.scope2_market_t:.1f}",
        "scope3_t": f"{seller.scope3_t:.1f}",
    }
    return {name: record[name] for name in BASELINE_EVENTS.names}
