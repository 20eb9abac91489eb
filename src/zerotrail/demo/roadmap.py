"""Emmet Group's roadmap: its four interim targets (roadmap.toml) and its reduction initiatives.

Part of `demo/`. The targets are the mission's: Scope 1 + 2 (market-based) down 30% by 2025
against 2020; 30% renewable electricity in the leased data centres by 2025; Scope 1 + 2 carbon
neutral from 2021; net zero across Scopes 1-3 by 2030 (90% down, the rest neutralised by
permanent removals). All four were set in 2021, with a 5% cumulative significance threshold for
base-year recalculations (the July 2023 acquisition crosses it: acquisition.py).

The initiatives are what the generated data does at those sites (plan.py, datacentres.py,
instruments.py); each expected abatement is worked out below from the plan's 2025 numbers with
round factors: 0.61 t CO2/MWh for Chinese grid electricity under the market-based method (the
national average it falls back on without certificates), AR5 GWPs, 2.32 kg CO2/L petrol and
2.70 kg CO2/L diesel. Costs are in CNY, capital or contract premium over the initiative's life.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zerotrail.demo.datacentres import PUE
from zerotrail.demo.plan import (
    AIR_SHIFT,
    CAMPUS_PPA_FROM,
    CAMPUS_PPA_SITES,
    ELECTRICITY_MWH,
    FLEET_DIESEL_L,
    FLEET_PETROL_L,
    GEC_SHARE,
    LEAK_TREND,
    R32_TREND,
    REFRIGERANT_KG,
    SOLAR_MWH,
    SWITCH_YEAR,
    TRAVEL_BASE,
    TRAVEL_TREND,
)
from zerotrail.ingest.formats import INITIATIVES

ROADMAP_TOML = """\
# Emmet Group's carbon-neutrality roadmap (set in 2021).

[[target]]
id = "S12-ABS-2025"
name = "Cut Scope 1 and 2 emissions by 30% by 2025 from 2020"
kind = "absolute"
scopes = [1, 2]
scope2_method = "market"
base_year = 2020
target_year = 2025
reduction_pct = 30
set_year = 2021

[[target]]
id = "DC-RE-2025"
name = "Renewable energy for 30% of the leased data centres' electricity by 2025"
kind = "renewable_share"
site_kind = "data_center_leased"
base_year = 2020
target_year = 2025
share_pct = 30
set_year = 2021

[[target]]
id = "S12-NEUTRAL"
name = "Carbon neutral in Scope 1 and 2 every year from 2021"
kind = "neutrality"
scopes = [1, 2]
from_year = 2021
set_year = 2021

[[target]]
id = "NZ-2030"
name = "Net zero across the whole supply chain by 2030"
kind = "net_zero"
scopes = [1, 2, 3]
base_year = 2020
target_year = 2030
reduction_pct = 90
removals = "permanent"
set_year = 2021

# Recalculate the base year when structural changes, together, reach 5% of it.
[recalculation]
threshold_pct = 5
cumulative = true
"""

CN_MARKET_T_PER_MWH = 0.61
GWP_R410A, GWP_R32 = 1.924, 0.677  # t CO2e per kg, AR5
LAST = -1  # index of 2025 in the plan's yearly tuples


def _cooling_saving(site_id: str, before: float) -> float:
    """2025 electricity a retrofit saves (t): the IT load at the old PUE minus the new."""
    it = ELECTRICITY_MWH[site_id][LAST] / PUE[site_id][LAST]
    return it * (before - PUE[site_id][LAST]) * CN_MARKET_T_PER_MWH


def _campus_ppa() -> float:
    mwh = sum(ELECTRICITY_MWH[s][LAST] for s in CAMPUS_PPA_SITES) * GEC_SHARE[LAST]
    return mwh * CN_MARKET_T_PER_MWH


def _solar() -> float:
    return sum(y[LAST] for y in SOLAR_MWH.values()) * CN_MARKET_T_PER_MWH


def _travel() -> float:
    # Short- and medium-haul air passenger-km moved to rail in 2025, times the factor gap
    # (DESNZ 2025: international flights 0.0842 kg, national rail 0.0355 kg CO2e per
    # passenger-km, the factors the group's Chinese travel takes).
    gap = dict.fromkeys(("air_short_haul", "air_medium_haul"), 0.0842 - 0.0355)
    moved = {
        key.rsplit(".", 1)[1]: base * TRAVEL_TREND[LAST] * (1 - AIR_SHIFT[LAST])
        for key, _, base in TRAVEL_BASE
    }
    return sum(moved[k] * g for k, g in gap.items()) / 1000


def _fleet() -> float:
    petrol = (FLEET_PETROL_L[0] - FLEET_PETROL_L[LAST]) * 2.32 / 1000
    diesel = (FLEET_DIESEL_L[0] - FLEET_DIESEL_L[LAST]) * 2.70 / 1000
    charging = (ELECTRICITY_MWH["FLEET-EAST"][LAST] - ELECTRICITY_MWH["FLEET-EAST"][0]) * 0.61
    return petrol + diesel - charging


def _refrigerant() -> float:
    kg = sum(k for _, key, k, _ in REFRIGERANT_KG if key == "fugitive.R-410A")
    # Without the switch the R-410A top-ups would have followed the leak trend.
    return kg * LEAK_TREND[LAST] * GWP_R410A - kg * R32_TREND[LAST] * GWP_R32


@dataclass(frozen=True, slots=True)
class Initiative:
    """One row of initiatives.csv."""

    initiative_id: str
    name: str
    owner: str
    lever: str
    sites: tuple[str, ...]
    start_year: int
    expected_t_per_year: float
    cost_cny: int | None
    description: str

    def to_record(self) -> dict[str, str]:
        record: Mapping[str, str] = {
            "initiative_id": self.initiative_id,
            "name": self.name,
            "owner": self.owner,
            "lever": self.lever,
            "sites": ";".join(self.sites),
            "start_year": str(self.start_year),
            # Expected abatement to the nearest 10 t: an estimate, not a measurement.
            "expected_t_per_year": f"{round(self.expected_t_per_year, -1):.0f}",
            "cost": "" if self.cost_cny is None else str(self.cost_cny),
            "currency": "" if self.cost_cny is None else "CNY",
            "description": self.description,
        }
        return {name: record[name] for name in INITIATIVES.names}


def initiatives() -> list[Initiative]:
    """The seven reduction initiatives, in the order they started."""
    return [
        Initiative(
            "INI-EV-FLEET",
            "Electric pool cars and shuttle buses",
            "Group administration (fleet)",
            "electrification",
            ("FLEET-EAST",),
            2021,
            _fleet(),
            24_000_000,
            "Petrol and diesel cars replaced by electric ones charged at the depot; net of the"
            " depot's charging electricity.",
        ),
        Initiative(
            "INI-ZB-FREE-COOLING",
            "Free cooling at the Zhangbei data centre",
            "Emmet Cloud data-centre operations",
            "efficiency",
            ("ZB-DC",),
            2022,
            _cooling_saving("ZB-DC", before=1.50),
            38_000_000,
            "Fresh-air and water-side free cooling from April 2022: PUE 1.50 to 1.25.",
        ),
        Initiative(
            "INI-CAMPUS-SOLAR",
            "Rooftop solar at the Hangzhou and Chengdu campuses",
            "Group real estate",
            "renewable_energy",
            tuple(SOLAR_MWH),
            2022,
            _solar(),
            3_900_000,
            "About 700 kWp of rooftop panels whose output is used on site.",
        ),
        Initiative(
            "INI-CAMPUS-PPA",
            "Green-power PPA for the East China campuses",
            "Group real estate",
            "renewable_energy",
            CAMPUS_PPA_SITES,
            CAMPUS_PPA_FROM,
            _campus_ppa(),
            6_300_000,
            "Wind and solar supply with its certificates for the Hangzhou and Shanghai campuses,"
            " replacing unbundled GECs.",
        ),
        Initiative(
            "INI-HZ-LIQUID-COOLING",
            "Liquid cooling in the Hangzhou data centre",
            "Emmet Cloud data-centre operations",
            "efficiency",
            ("HZ-DC",),
            2023,
            _cooling_saving("HZ-DC", before=1.55),
            52_000_000,
            "Cold-plate liquid cooling retrofitted in July 2023: PUE 1.55 to 1.25.",
        ),
        Initiative(
            "INI-TRAVEL-RAIL",
            "Rail before air: business-travel policy",
            "Group travel office",
            "travel",
            (),
            2023,
            _travel(),
            None,
            "Trips under five hours by high-speed rail go by rail: 15% of air passenger-km"
            " moved to rail by 2025.",
        ),
        Initiative(
            "INI-R32-CHILLERS",
            "R-32 instead of R-410A in data-centre chillers",
            "Emmet Cloud data-centre operations",
            "refrigerants",
            ("ZB-DC", "HZ-DC"),
            SWITCH_YEAR,
            _refrigerant(),
            2_800_000,
            "Chillers recharged with R-32 (GWP 677) instead of R-410A (GWP 1,924), with a 30%"
            " smaller charge.",
        ),
    ]
