"""Emmet Group's activity streams: the plan's yearly numbers as lines of records to generate.

Part of `demo/`. A `Line` is one stream (an activity at a site, or for an entity, with its unit,
region, cadence and descriptive fields) and its yearly amounts from plan.py; `activities.py`
turns each line into dated records. Electricity carries the site's grid region; every other
record carries the entity's country (CN for all Chinese records). The acquired Pengcheng
Payment Services' lines (acquisition.py) come last, so the group's record ids keep their order.
"""

from __future__ import annotations

from zerotrail.demo.acquisition import lines as acquired_lines
from zerotrail.demo.company import CLOUD, JV, entity, site
from zerotrail.demo.line import Line, scale, suppliers, times
from zerotrail.demo.plan import (
    AIR_SHIFT,
    CAR_SHIFT,
    COMMUTING_BASE,
    COOLING,
    DQ_SPEND,
    DQ_SURVEY,
    E_BIKE_KM,
    E_BIKE_SHIFT,
    ELECTRICITY_MWH,
    FLEET_DIESEL_L,
    FLEET_PETROL_L,
    FREIGHT_BASE,
    GAS_TREND,
    GENERATOR_DIESEL_T,
    HEADCOUNT,
    HEATING,
    HOTEL_NIGHTS,
    JV_FACILITY_USD,
    LANDFILL_TREND,
    NATURAL_GAS_GJ,
    RAIL_SHIFT,
    RECYCLING_TREND,
    REFRIGERANT_KG,
    SERVER_BUYERS,
    SERVER_CAPEX,
    SERVER_CODE,
    SPEND_CAT1,
    SPEND_TREND,
    STAFF,
    TRAVEL,
    TRAVEL_BASE,
    TRAVEL_TREND,
    WASTE_LANDFILL_KEY,
    WASTE_LANDFILL_T,
    WASTE_PAPER_KEY,
    WASTE_PAPER_T,
    Yearly,
    flight_key,
)


def _region(entity_id: str) -> str:
    # Non-electricity records carry the country; electricity carries the site's grid region.
    return entity(entity_id).country


def _electricity() -> list[Line]:
    lines = []
    for site_id, mwh in ELECTRICITY_MWH.items():
        s = site(site_id)
        dc = s.kind.startswith("data_center")
        # Data-centre meters read MWh; office and campus bills are in kWh.
        unit, amounts = ("MWh", mwh) if dc else ("kWh", scale(1000.0, mwh))
        lines.append(
            Line(
                "electricity.grid",
                unit,
                s.entity,
                s.site,
                s.region,
                amounts,
                profile=COOLING,
                note="utility bill" if not dc else "meter reading",
                evidence="bills",
                start=s.opened,
            )
        )
    return lines


def _scope1() -> list[Line]:
    lines = []
    for site_id, gj in NATURAL_GAS_GJ.items():
        s = site(site_id)
        lines.append(
            Line(
                "stationary_combustion.natural_gas",
                "GJ",
                s.entity,
                s.site,
                "CN",
                scale(gj, GAS_TREND),
                profile=HEATING,
                ch4_origin="fossil",
                note="gas bill (energy basis)",
                evidence="bills",
            )
        )
    for site_id, tonnes in GENERATOR_DIESEL_T.items():
        s = site(site_id)
        lines.append(
            Line(
                "stationary_combustion.diesel",
                "t",
                s.entity,
                s.site,
                "CN",
                tonnes,
                cadence="quarter",
                note="backup generator tests and outages",
            )
        )
    fleet = site("FLEET-EAST")
    lines.append(
        Line(
            "mobile_combustion.motor_gasoline",
            "L",
            fleet.entity,
            fleet.site,
            "CN",
            FLEET_PETROL_L,
            note="fuel cards, pool cars",
        )
    )
    lines.append(
        Line(
            "mobile_combustion.diesel",
            "L",
            fleet.entity,
            fleet.site,
            "CN",
            FLEET_DIESEL_L,
            note="fuel cards, staff shuttle buses",
        )
    )
    for site_id, key, kg, trend in REFRIGERANT_KG:
        s = site(site_id)
        lines.append(
            Line(
                key,
                "kg",
                s.entity,
                s.site,
                "CN",
                scale(kg, trend),
                cadence="event",
                note="top-up by service contractor",
            )
        )
    return lines


def _staff_lines(
    key: str,
    unit: str,
    group: Yearly,
    cadence: str,
    note: str,
    dq: tuple[int, int, int, int, int] | None = None,
    countries: tuple[str, ...] = (),
) -> list[Line]:
    """One line per staff entity (its share of `group`), in `countries` only when given. A
    flight's key depends on the traveller's country (plan.FLIGHT_KEYS)."""
    lines = []
    for ent, share in STAFF:
        e = entity(ent)
        if countries and e.country not in countries:
            continue
        lines.append(
            Line(
                flight_key(key, e.country),
                unit,
                ent,
                "",
                _region(ent),
                scale(share, group),
                cadence=cadence,
                profile=TRAVEL,
                note=note,
                dq=dq,
                start=e.joined,
            )
        )
    return lines


def _travel_and_commuting() -> list[Line]:
    lines = []
    for key, unit, base in TRAVEL_BASE:
        shift = AIR_SHIFT if ".air_" in key else RAIL_SHIFT if key.endswith(".rail") else None
        trend = times(TRAVEL_TREND, shift) if shift else TRAVEL_TREND
        note = "travel agency report"
        if ".air_" in key:
            note += ": " + key.rsplit(".air_", 1)[1].replace("_", " ") + " flights"
        lines += _staff_lines(key, unit, scale(base, trend), "month", note)
    lines += _staff_lines(
        "business_travel.hotel",
        "room-night",
        scale(HOTEL_NIGHTS, TRAVEL_TREND),
        "month",
        "travel agency report: hotel stays",
    )
    survey = "commuting survey, extrapolated to headcount"
    for key, unit, base in COMMUTING_BASE:
        trend = times(HEADCOUNT, CAR_SHIFT) if key == "commuting.car" else HEADCOUNT
        lines += _staff_lines(key, unit, scale(base, trend), "quarter", survey, DQ_SURVEY)
    lines += _staff_lines(
        "commuting.e_bike",
        "vehicle-km",
        scale(E_BIKE_KM, times(HEADCOUNT, E_BIKE_SHIFT)),
        "quarter",
        survey,
        DQ_SURVEY,
        countries=("CN",),
    )
    return lines


def _freight_and_waste() -> list[Line]:
    capex_trend = scale(1.0 / SERVER_CAPEX[0], SERVER_CAPEX)
    lines = [
        Line(
            key,
            "tonne-km",
            CLOUD,
            "",
            "CN",
            scale(base, capex_trend),
            cadence="quarter",
            note="hardware deliveries, carrier statements",
        )
        for key, base in FREIGHT_BASE
    ]
    for site_id, tonnes in WASTE_LANDFILL_T.items():
        s = site(site_id)
        lines.append(
            Line(
                WASTE_LANDFILL_KEY,
                "t",
                s.entity,
                s.site,
                "CN",
                scale(tonnes, LANDFILL_TREND),
                cadence="quarter",
                note="waste contractor weighbridge tickets",
            )
        )
    for site_id, tonnes in WASTE_PAPER_T.items():
        s = site(site_id)
        lines.append(
            Line(
                WASTE_PAPER_KEY,
                "t",
                s.entity,
                s.site,
                "CN",
                scale(tonnes, RECYCLING_TREND),
                cadence="quarter",
                note="recycler receipts",
            )
        )
    return lines


def _spend() -> list[Line]:
    lines = []
    for code, usd, note, tag, n in SPEND_CAT1:
        for ent, share in STAFF:
            e = entity(ent)
            lines.append(
                Line(
                    f"spend.naics.{code}",
                    "USD",
                    ent,
                    "",
                    _region(ent),
                    scale(usd * share, SPEND_TREND),
                    scope3_category=1,
                    suppliers=suppliers(tag, n),
                    note=note,
                    evidence="inv",
                    dq=DQ_SPEND,
                    corrections=True,
                    start=e.joined,
                )
            )
    for ent, share in SERVER_BUYERS:
        e = entity(ent)
        lines.append(
            Line(
                f"spend.naics.{SERVER_CODE}",
                "USD",
                ent,
                "",
                _region(ent),
                scale(share, SERVER_CAPEX),
                scope3_category=2,
                suppliers=suppliers("SRV", 4),
                note="servers and network gear",
                evidence="inv",
                dq=DQ_SPEND,
                corrections=True,
                start=e.joined,
            )
        )
    lines.append(
        Line(
            "spend.naics.561720",
            "USD",
            JV,
            "",
            "CN",
            scale(JV_FACILITY_USD, SPEND_TREND),
            scope3_category=1,
            suppliers=suppliers("FAC", 1),
            note="JV office services",
            dq=DQ_SPEND,
        )
    )
    return lines


def lines() -> list[Line]:
    """Every activity stream of the demo, in the order records are numbered."""
    return [
        *_electricity(),
        *_scope1(),
        *_travel_and_commuting(),
        *_freight_and_waste(),
        *_spend(),
        *acquired_lines(),
    ]


__all__ = ["Line", "lines"]
