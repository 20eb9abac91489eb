"""Emmet Group's yearly activity plan: how much of each activity, where, in each year 2020-2025.

Part of `demo/`: the numbers. `streams.py` turns them into activity streams, `activities.py`
spreads each year's amount over months or quarters with a seeded noise (so the seed changes the
monthly pattern but never a year's total), and `instruments.py` sizes the certificates and the
PPA from the same electricity table.

Calibration (operational control, AR5), by hand with the factors the records take (pins.py):
Chinese grid (MEE, CO2 per MWh) 2020-2022 the 2022 regional factors (North 0.678, East 0.562,
South 0.387, Southwest 0.227: the 2021 regional values are unverified transcriptions, and the
engine takes a verified factor first, here the nearest later edition, flagged), 2023-2025 the
2023 ones (North 0.636, East 0.550, South 0.404, Southwest 0.247), residual mix 0.59-0.61;
London DESNZ 0.23-0.18; natural gas 56.1 kg CO2/GJ (IPCC 2006, NCV), generator diesel 3.19 t
CO2/t (IPCC); fleet petrol 2.32 and diesel 2.70 kg CO2/L (EPA Hub Table 2, 8.78 and 10.21 kg
per US gallon); GWPs (AR5) R-410A 1,924, HFC-134a 1,300, SF6 23,500; spend: USEEIO v1.2 for
2020-2021 and v1.3 from 2022 (kg CO2e per USD, AR5: facility services 0.167 then 0.213,
computers 0.113 then 0.058, stationery 0.419 then 0.297, grain and produce 2.85 then 0.85, soy
and oils 1.24 then 0.53, health checks 0.157 then 0.145, insurance 0.035 then 0.033); travel,
commuting, freight and waste DESNZ of the year (international flights 0.096-0.084 kg per
passenger-km, national rail 0.037-0.035, Chinese hotel stays 62-54 kg per room-night).

- Scope 1, 2020: gas 48,000 GJ x 56.1 kg = 2,690 t; generators 90 t x 3.19 = 290 t; fleet
  320,000 L x 2.32 = 740 t petrol and 180,000 L x 2.70 = 490 t diesel; refrigerants 300 kg
  x 1,924 = 580 t, 180 kg x 1,300 = 230 t, 5 kg x 23,500 = 120 t: about 5,100 t (5,139 t
  calculated), falling to about 3,500 t in 2025 (gas -18%, electric cars, fewer leaks, R-32
  from 2024; Pengcheng, acquired in July 2023, adds about 100 t a year).
- Scope 2 location-based, 2020: East China 23,050 MWh x 0.562 = 12,950 t, North 27,500 MWh x
  0.678 = 18,630 t, South 1,500 x 0.387 = 580 t, Southwest 2,000 x 0.227 = 450 t, London 400
  MWh x 0.233 = 90 t: 32,710 t; market-based 32,445 t (7% of the campuses' and offices' use
  covered by GECs). 2025 market-based: campuses and offices 13,900 MWh of grid electricity
  (rooftop solar supplies 630 MWh more) less 93% GECs and campus PPA, owned data centres 39,800
  MWh less a 9,000 MWh PPA, depot 700 MWh, Pengcheng 2,960 MWh, the rest at the residual mix:
  21,753 t. Scope 1 + 2: 37,584 t in 2020 and 25,245 t in 2025, -32.8%, and -36.8% against
  the base year recalculated for the acquisition (credits.py). London and Philadelphia add
  under 200 t.
- Scope 3, 2020 (about 25x Scope 1 + 2): category 1 spend 2,199 M USD (the group's 2,315 M
  less the US business's 5%, which starts in 2023), 425,000 t (facility services 884 M x 0.167
  = 148,000 t, canteen produce 61 M at 1.24-2.85 = 133,000 t, end-user devices 542 M x 0.113 =
  61,000 t, stationery, health checks, insurance); category 2 servers
  2,850 M USD (the US share starts in 2023) x 0.113 = 322,000 t; category 8 leased data
  centres in China 250,000 MWh (North 140,000 x 0.678, South 70,000 x 0.387, Southwest 40,000
  x 0.227) = 131,000 t plus London; travel (pandemic) 18,000 t; commuting 25,000 t (e-bikes
  3,000 t on the emmet-proxies factor); freight 4,600 t; waste 1,600 t: 928,000 t.
- Scope 3, 2023: category 1 379,000 t (facility services 1,010 M x 0.213 = 216,000 t; produce
  70 M at 0.53-0.85 = 50,000 t), servers 3,040 M x 0.058 = 178,000 t, leased data centres
  155,000 t, travel 34,000 t, commuting 28,000 t, freight and waste 6,000 t: 779,000 t (the
  example company disclosed 764,200 t), 27x Scope 1 + 2; 2025: 782,000 t, 31x. USEEIO v1.3's
  factors for computers, produce and paper are far below v1.2's, so Scope 3 falls by 28% from
  2021 to 2022 with the change of edition, not of activity: the plan's spend is 1.5 times what
  it was when it was calibrated on v1.2 alone (category 1 1,543 M USD and servers 2,000 M in
  2020), which brings 2023-2025 back to the disclosed level. I-RECs and RECs cover 32% of the
  leased data centres' use in 2025.
"""

from __future__ import annotations

from zerotrail.demo.company import CLOUD, INTL, PAY, ROOT, US

Yearly = tuple[float, float, float, float, float, float]  # one amount per year 2020-2025

# Monthly weights (January first). Why these shapes: data halls and offices peak with summer
# cooling; gas peaks with winter heating (canteens burn a steady base); travel dips at the
# Spring Festival in February.
FLAT = (1.0,) * 12
COOLING = (0.92, 0.90, 0.95, 0.98, 1.04, 1.10, 1.14, 1.14, 1.06, 0.98, 0.93, 0.92)
HEATING = (1.55, 1.40, 1.15, 0.90, 0.70, 0.60, 0.55, 0.55, 0.65, 0.90, 1.20, 1.45)
TRAVEL = (1.00, 0.55, 1.05, 1.05, 1.05, 1.00, 0.95, 0.90, 1.05, 0.95, 1.10, 1.15)


# --- Electricity (MWh a year; full-year rates for the US sites, which join in April 2023) ---
# Grid electricity; where rooftop solar runs (SOLAR_MWH) the grid supplies the rest.
ELECTRICITY_MWH: dict[str, Yearly] = {
    "HZ-CAMPUS": (5000, 5050, 4650, 4700, 4750, 4800),
    "SH-CAMPUS": (4000, 4050, 4100, 4150, 4150, 4200),
    "CD-CAMPUS": (2000, 2000, 1870, 1870, 1920, 1920),
    "BJ-OFFICE": (1500, 1500, 1500, 1500, 1500, 1500),
    "SZ-OFFICE": (1500, 1500, 1500, 1500, 1500, 1500),
    # Depot charging grows as electric cars replace the petrol fleet.
    "FLEET-EAST": (50, 120, 250, 400, 550, 700),
    # Owned halls: compute grows, but free cooling (Zhangbei, April 2022) holds the meter flat
    # and liquid cooling (Hangzhou, July 2023) brings it down (datacentres.py has the PUEs).
    "ZB-DC": (26000, 26800, 27400, 27800, 28000, 28000),
    "HZ-DC": (14000, 14200, 14000, 13300, 12000, 11800),
    "UQ-DC": (140000, 150000, 160000, 168000, 175000, 180000),
    # The landlord's liquid-cooling retrofit of Emmet's halls (January 2024).
    "GZ-DC": (70000, 74000, 78000, 80000, 74000, 76000),
    "CD-DC": (40000, 44000, 48000, 52000, 55000, 58000),
    "LDN-OFFICE": (400, 400, 400, 400, 400, 400),
    "LDN-DC": (6000, 6200, 6400, 6600, 6800, 7000),
    "WH-OFFICE": (600, 600, 600, 600, 600, 600),
    "PHL-OFFICE": (0, 0, 0, 300, 300, 300),
    "NJ-DC": (0, 0, 0, 8000, 8400, 8800),
}

# Campus and office sites in China whose electricity the GECs cover.
GEC_SITES = ("HZ-CAMPUS", "SH-CAMPUS", "CD-CAMPUS", "BJ-OFFICE", "SZ-OFFICE")
# Share of that electricity covered by retired GECs ("over 90% by 2023" in the press figures).
GEC_SHARE: Yearly = (0.07, 0.28, 0.60, 0.91, 0.92, 0.93)
# Leased data centres in China covered by I-RECs, and the share (target: 30% by 2025).
IREC_SITES = ("UQ-DC", "GZ-DC", "CD-DC")
IREC_SHARE: Yearly = (0.0, 0.05, 0.10, 0.18, 0.25, 0.32)
# From 2023 a green-power PPA supplies the two East China campuses (the same share of their
# electricity as the GECs cover elsewhere; these two sites get no GECs from then on).
CAMPUS_PPA_SITES = ("HZ-CAMPUS", "SH-CAMPUS")
CAMPUS_PPA_FROM = 2023
# Rooftop solar used on site (MWh a year), from 2022: the campuses' grid electricity above
# is what the grid still supplies.
SOLAR_MWH: dict[str, Yearly] = {
    "HZ-CAMPUS": (0, 0, 450, 450, 450, 450),
    "CD-CAMPUS": (0, 0, 180, 180, 180, 180),
}
# Wind PPA for the Zhangbei data centre from 2023 (MWh a year).
PPA_SITE = "ZB-DC"
PPA_MWH: Yearly = (0, 0, 0, 4000, 6500, 9000)
# RECs the acquired US business buys for its leased hall (MWh a year).
REC_SITE = "NJ-DC"
REC_MWH: Yearly = (0, 0, 0, 0, 3000, 4000)

# --- Scope 1 ---
NATURAL_GAS_GJ = {"HZ-CAMPUS": 24000.0, "SH-CAMPUS": 16000.0, "CD-CAMPUS": 8000.0}
GAS_TREND: Yearly = (1.0, 0.98, 0.94, 0.90, 0.86, 0.82)  # heat pumps, kitchen electrification
GENERATOR_DIESEL_T: dict[str, Yearly] = {
    "ZB-DC": (55, 54, 52, 49, 47, 45),
    "HZ-DC": (35, 34, 33, 31, 31, 30),
}
FLEET_PETROL_L: Yearly = (320000, 290000, 250000, 200000, 160000, 130000)
FLEET_DIESEL_L: Yearly = (180000, 170000, 160000, 140000, 120000, 100000)  # shuttle buses
LEAK_TREND: Yearly = (1.0, 0.95, 0.90, 0.85, 0.80, 0.75)  # leak detection on chillers
# From 2024 the data centres' chillers are recharged with R-32 (HFC-32, GWP 677 under AR5)
# instead of R-410A (1,924), with a smaller charge (70%): the refrigerant-switch initiative.
SWITCH_YEAR = 2024
R410A_TREND: Yearly = (1.0, 0.95, 0.90, 0.85, 0.0, 0.0)
R32_TREND: Yearly = (0.0, 0.0, 0.0, 0.0, 0.80 * 0.7, 0.75 * 0.7)
# Top-ups (kg a year before the trend): site, activity key, kg, trend.
REFRIGERANT_KG: tuple[tuple[str, str, float, Yearly], ...] = (
    ("ZB-DC", "fugitive.R-410A", 180.0, R410A_TREND),
    ("HZ-DC", "fugitive.R-410A", 120.0, R410A_TREND),
    ("ZB-DC", "fugitive.HFC-32", 180.0, R32_TREND),
    ("HZ-DC", "fugitive.HFC-32", 120.0, R32_TREND),
    ("ZB-DC", "fugitive.HFC-134a", 100.0, LEAK_TREND),
    ("HZ-DC", "fugitive.HFC-134a", 80.0, LEAK_TREND),
    ("ZB-DC", "fugitive.SF6", 3.0, LEAK_TREND),
    ("HZ-DC", "fugitive.SF6", 2.0, LEAK_TREND),
)

# --- Scope 3 ---
# Share of staff (travel, commuting, overheads) by entity; the US share only from 2023, so the
# acquisition shows up as growth that a base-year recalculation must take out.
STAFF = ((ROOT, 0.20), (PAY, 0.55), (CLOUD, 0.15), (INTL, 0.05), (US, 0.05))
HEADCOUNT: Yearly = (1.0, 1.03, 1.06, 1.09, 1.12, 1.15)

# Business travel for a normal year (group, units per year), and the pandemic and modal shift.
# Flights are planned by haul; FLIGHT_KEYS gives the key an office's flights of each haul take.
TRAVEL_BASE = (
    ("business_travel.air_short_haul", "passenger-km", 18e6),
    ("business_travel.air_medium_haul", "passenger-km", 160e6),
    ("business_travel.air_long_haul", "passenger-km", 40e6),
    ("business_travel.rail", "passenger-km", 200e6),
    ("business_travel.car", "vehicle-km", 6e6),
)
TRAVEL_TREND: Yearly = (0.55, 0.70, 0.60, 1.00, 1.05, 1.05)
# The key of each haul by the traveller's country. Flights from China, short or long, leave and
# land outside the UK: DESNZ's "international, to/from non-UK" factor (region GLOBAL, average
# passenger, without radiative forcing) is the published factor for them. London's flights
# take DESNZ's UK classes (domestic; short haul to Europe up to 3,700 km, which is where EPA's
# medium haul ends; long haul), the US business's EPA's own three hauls.
FLIGHT_KEYS: dict[str, dict[str, str]] = {
    "CN": dict.fromkeys(
        (
            "business_travel.air_short_haul",
            "business_travel.air_medium_haul",
            "business_travel.air_long_haul",
        ),
        "business_travel.air_international",
    ),
    "GB": {
        "business_travel.air_short_haul": "business_travel.air_domestic",
        "business_travel.air_medium_haul": "business_travel.air_short_haul",
        "business_travel.air_long_haul": "business_travel.air_long_haul",
    },
}
# Hotel stays (room-nights a normal year, group), with the travel trend; each in the
# traveller's country (DESNZ publishes a room-night factor per country, China's among them).
HOTEL_NIGHTS = 80_000.0
# The business-travel policy from 2023 ("sustainable travel"): rail before air. Every air
# passenger-km given up becomes a rail passenger-km: air is 218 M pkm a normal year and rail
# 200 M, so rail grows by 1.09 times the share air loses.
AIR_SHIFT: Yearly = (1.0, 1.0, 1.0, 0.95, 0.90, 0.85)
RAIL_SHIFT: Yearly = (1.0, 1.0, 1.0, 1.0545, 1.109, 1.1635)

COMMUTING_BASE = (
    ("commuting.car", "vehicle-km", 45e6),
    ("commuting.bus", "passenger-km", 90e6),
    ("commuting.rail_transit", "passenger-km", 220e6),
)
CAR_SHIFT: Yearly = (1.0, 0.97, 0.93, 0.88, 0.83, 0.78)  # shuttle buses and metro over cars
# Electric two-wheelers (vehicle-km a year, Chinese offices only: the survey found none in
# London or the US); a few car commuters switch to them each year.
E_BIKE_KM = 40e6
E_BIKE_SHIFT: Yearly = (1.0, 1.03, 1.06, 1.10, 1.14, 1.18)

# Hardware deliveries (tonne-km a year), following server purchases; sea freight in containers.
FREIGHT_BASE = (
    ("freight.truck", 30e6),
    ("freight.rail", 8e6),
    ("freight.waterborne.container_ship", 20e6),
    ("freight.air", 1.5e6),
)

# Campus waste (t a year): less to landfill, more office paper recycled.
WASTE_LANDFILL_KEY = "waste.commercial_and_industrial_waste.landfilled"
WASTE_PAPER_KEY = "waste.paper_and_board_paper.recycled_closed_loop"
WASTE_LANDFILL_T = {"HZ-CAMPUS": 1500.0, "SH-CAMPUS": 1200.0, "CD-CAMPUS": 800.0}
WASTE_PAPER_T = {"HZ-CAMPUS": 250.0, "SH-CAMPUS": 200.0, "CD-CAMPUS": 150.0}
LANDFILL_TREND: Yearly = (1.0, 0.95, 0.90, 0.80, 0.70, 0.60)
RECYCLING_TREND: Yearly = (1.0, 1.05, 1.10, 1.20, 1.30, 1.40)

# Purchased goods and services (USD a year for the group, split by staff share), by NAICS code
# (USEEIO covers every code; records outside the US pin its factor, pins.py).
SPEND_CAT1 = (
    ("561720", 930e6, "facility services (cleaning, maintenance)", "FAC", 4),
    ("524126", 480e6, "property and casualty insurance", "INS", 2),
    ("334111", 570e6, "laptops and end-user devices (expensed)", "DEV", 3),
    ("622110", 165e6, "staff health checks", "HLT", 2),
    ("322230", 105e6, "stationery and printed matter", "OFF", 3),
    ("111150", 37.5e6, "canteen grain and produce", "CAN", 3),
    ("111110", 27e6, "canteen soy and oils", "CAN", 3),
)
SPEND_TREND: Yearly = (1.0, 1.05, 1.08, 1.10, 1.11, 1.12)
# Capital goods: servers and network gear (USD a year), by buying entity; from 2024 longer
# server lives and higher utilisation ("green computing") cut purchases.
SERVER_CODE = "334111"
SERVER_CAPEX: Yearly = (3000e6, 3225e6, 2850e6, 3075e6, 2925e6, 2775e6)
SERVER_BUYERS = ((CLOUD, 0.90), (INTL, 0.05), (US, 0.05))
JV_FACILITY_USD = 3e6

# Data-quality scores (technology, time, geography, completeness, reliability; 1 best): spend
# factors are US industry averages applied to Chinese purchases; commuting comes from a survey.
DQ_SPEND = (4, 3, 4, 2, 3)
DQ_SURVEY = (3, 2, 1, 3, 3)


def flight_key(haul_key: str, country: str) -> str:
    """The key of a flight of `haul_key` (a TRAVEL_BASE air key) taken by staff of `country`."""
    return FLIGHT_KEYS.get(country, {}).get(haul_key, haul_key)
