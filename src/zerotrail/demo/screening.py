"""Emmet Group's Scope 3 screening, as its preparer records it (scope3-screening.csv).

Part of `demo/`. The workspace holds activity data, not the judgement whether a category is
relevant, so the demo writes that judgement as a user would: one row per category, in the
screening file's format (ingest/screening.py). Each justification says only what the demo's own
data bears out: which records a category is calculated from, and, for a category not
calculated, why the group has no such activity (its sites, entities and records show none).

Category 15: the group's one investment outside its operational control is its 50% stake in
the Emmet Xinhe Fintech JV (company.py), which the partner operates. Its share of the JV's
Scope 1 and 2 emissions is estimated by hand here: the JV's only Scope 1 or 2 records are its
Wuhan office's grid electricity (plan.py, 600 MWh a year), at the 2023 Central China grid
factor the engine takes for 2025 (China MEE, 0.5271 t CO2 per MWh, location-based):
0.50 x 600 MWh x 0.5271 t/MWh = 158.13 t CO2e, under 0.1% of the footprint, so not relevant
by size.
"""

from __future__ import annotations

from pathlib import Path

from zerotrail.demo.company import JV, entity
from zerotrail.demo.generate import write_csv
from zerotrail.demo.plan import ELECTRICITY_MWH
from zerotrail.ingest.screening import SCREENING

# China MEE 2023 regional average, Central China grid, t CO2 per MWh (the shipped factor
# cn-mee-grid:2023.regional-average.cn-central, which the engine takes for 2020-2025 records).
CN_CENTRAL_2023 = 0.5271
JV_SHARE = entity(JV).equity_share / 100.0
JV_MWH_2025 = ELECTRICITY_MWH["WH-OFFICE"][-1]
JV_ESTIMATE_T = round(JV_SHARE * JV_MWH_2025 * CN_CENTRAL_2023, 2)

# (category, relevant, criteria, justification, data source, estimate t, estimate method)
ROWS: tuple[tuple[int, str, str, str, str, str, str], ...] = (
    (
        1,
        "yes",
        "size;influence",
        "The largest Scope 3 category: facility services, insurance, end-user devices, staff"
        " health checks, stationery and canteen food bought by every business of the group;"
        " its suppliers are named in the procurement ledger and can be engaged.",
        "Procurement ledger: spend in USD by commodity (NAICS code) and supplier",
        "",
        "",
    ),
    (
        2,
        "yes",
        "size;influence",
        "Servers and network equipment for the group's data centres, bought every year in large"
        " amounts; server lifetimes and utilisation are the group's own decisions.",
        "Capital expenditure ledger: server and network equipment spend in USD",
        "",
        "",
    ),
    (
        3,
        "yes",
        "size",
        "The group buys large amounts of grid electricity for its data centres, leased data"
        " halls, campuses and offices, and burns natural gas, diesel and petrol: the upstream"
        " emissions of these fuels and of power generation, and the power lost in the grid,"
        " are counted here.",
        "The group's own fuel and electricity records (bills and meter readings), the same"
        " quantities as Scopes 1 and 2 and the leased data centres",
        "",
        "",
    ),
    (
        4,
        "yes",
        "outsourcing",
        "Deliveries of servers and other hardware to the group's sites are made by contracted"
        " road, rail, sea and air carriers.",
        "Carrier statements: tonne-kilometres by mode",
        "",
        "",
    ),
    (
        5,
        "yes",
        "influence",
        "Waste from the campuses goes to landfill or paper recycling; the group chooses its"
        " waste contractors and recycling schemes.",
        "Waste contractor weighbridge tickets and recycler receipts: tonnes by treatment",
        "",
        "",
    ),
    (
        6,
        "yes",
        "size;influence",
        "Flights, rail and car journeys and hotel stays of employees of every business; the"
        " group's travel policy decides the mode and class.",
        "Travel agency reports: passenger-kilometres by mode and haul, hotel room-nights",
        "",
        "",
    ),
    (
        7,
        "yes",
        "size;influence",
        "Employees commute by car, bus, metro and electric bike; the group runs staff shuttle"
        " buses.",
        "Commuting survey, extrapolated to headcount",
        "",
        "",
    ),
    (
        8,
        "yes",
        "size;influence;stakeholders",
        "Leased data centres (Ulanqab, Guangzhou, Chengdu, London, New Jersey) are operated by"
        " their landlords and use much of the group's electricity; the group's renewable"
        " electricity target covers them.",
        "Landlords' meter readings: electricity in MWh per leased data centre",
        "",
        "",
    ),
    (
        9,
        "no",
        "",
        "The group sells payment and cloud services, delivered digitally: it ships no products"
        " to customers, so there is no downstream transport or storage of sold products.",
        "",
        "",
        "",
    ),
    (
        10,
        "no",
        "",
        "The group sells no intermediate products for others to process.",
        "",
        "",
        "",
    ),
    (
        11,
        "no",
        "",
        "The group sells no products that use energy or emit in use: its services run in its"
        " own and leased data centres, whose energy is in Scopes 1 and 2 and category 8.",
        "",
        "",
        "",
    ),
    (
        12,
        "no",
        "",
        "The group sells no physical products, so none reach end-of-life treatment.",
        "",
        "",
        "",
    ),
    (
        13,
        "no",
        "",
        "The group leases no assets to others: every site in its records is used by its own"
        " businesses or its joint venture.",
        "",
        "",
        "",
    ),
    (
        14,
        "no",
        "",
        "The group has no franchises.",
        "",
        "",
        "",
    ),
    (
        15,
        "no",
        "",
        "The group's only investment outside its own operations is its 50% stake in the Emmet"
        " Xinhe Fintech joint venture, which the partner operates; the group's records hold no"
        " project finance, lending or listed equity. The joint venture's share of emissions is"
        " under 0.1% of the footprint.",
        "The joint venture's activity records (its Wuhan office)",
        f"{JV_ESTIMATE_T:.2f}",
        f"{JV_SHARE:.0%} equity share × {JV_MWH_2025:,.0f} MWh of the joint venture office's"
        f" grid electricity in 2025 × {CN_CENTRAL_2023} t CO2 per MWh (China MEE 2023 Central"
        " China grid factor, location-based); the joint venture has no other Scope 1 or 2"
        " records",
    ),
)


def screening_records() -> list[dict[str, str]]:
    """The rows of scope3-screening.csv, by category."""
    return [dict(zip(SCREENING.names, (str(v) for v in row), strict=True)) for row in ROWS]


def write_screening(out_dir: Path) -> Path:
    """Write scope3-screening.csv into `out_dir`."""
    return write_csv(out_dir / "scope3-screening.csv", SCREENING.names, screening_records())
