"""Emmet Group's organisation: the entities that own it and the sites where it uses energy.

Part of `demo/`, the synthetic company that `make demo` loads and the benchmarks scale up. The
shape follows the mission's "demo company": a Chinese fintech group (holding, payments, cloud,
international arm), a 50% joint venture it does not operate, a small US business acquired in
April 2023 and a Shenzhen payments processor acquired on 1 July 2023 (Pengcheng Payment
Services, with an office and a small owned data centre); the acquired businesses' rows only
start on their acquisition dates. Pengcheng's base-year emissions are about 7% of the group's
Scope 1 + 2, so its acquisition triggers a base-year recalculation (acquisition.py); the US
business's (under 1%) does not. Nothing here is random: the organisation is the same for every
seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# First and last year of the demo's activity data; the base year is the first.
FIRST_YEAR = 2020
LAST_YEAR = 2025
YEARS: tuple[int, ...] = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
START = date(FIRST_YEAR, 1, 1)

# The month the US business joins the group; its sites and records begin here.
US_ACQUIRED = date(2023, 4, 1)
# The day Pengcheng Payment Services joins the group (acquisition.py).
PC_ACQUIRED = date(2023, 7, 1)


@dataclass(frozen=True, slots=True)
class Entity:
    """One row of entities.csv; `equity_share` is a whole percent held by the parent."""

    entity: str
    name: str
    parent: str
    equity_share: int
    financial_control: str
    operational_control: str
    country: str
    # First day the entity belongs to the group (its activity data starts here).
    joined: date = START

    def to_record(self) -> dict[str, str]:
        return {
            "entity": self.entity,
            "name": self.name,
            "parent": self.parent,
            "equity_share": str(self.equity_share),
            "financial_control": self.financial_control,
            "operational_control": self.operational_control,
            "country": self.country,
        }


@dataclass(frozen=True, slots=True)
class Site:
    """One row of sites.csv. `operational_control` is blank where the site follows its entity."""

    site: str
    entity: str
    kind: str
    region: str
    name: str
    operational_control: str = ""
    opened: date = START

    def to_record(self) -> dict[str, str]:
        return {
            "site": self.site,
            "entity": self.entity,
            "kind": self.kind,
            "region": self.region,
            "name": self.name,
            "operational_control": self.operational_control,
        }

    @property
    def leased_data_centre(self) -> bool:
        return self.kind == "data_center_leased"


ROOT = "EMMET"
PAY = "EMMET-PAY"
CLOUD = "EMMET-CLOUD"
INTL = "EMMET-INTL"
JV = "EMMET-JV"
US = "EMMET-US"
PC = "EMMET-PC"

ENTITIES: tuple[Entity, ...] = (
    Entity(ROOT, "Emmet Group Holdings", "", 100, "yes", "yes", "CN"),
    Entity(PAY, "Emmet Payments", ROOT, 100, "yes", "yes", "CN"),
    Entity(CLOUD, "Emmet Cloud (data centres)", ROOT, 100, "yes", "yes", "CN"),
    Entity(INTL, "Emmet International", ROOT, 100, "yes", "yes", "GB"),
    # Jointly controlled, operated by the partner: in the inventory at 50% under equity share
    # and under financial control, out of it under operational control.
    Entity(JV, "Emmet Xinhe Fintech JV", ROOT, 50, "joint", "no", "CN"),
    Entity(US, "Emmet US (acquired April 2023)", ROOT, 100, "yes", "yes", "US", US_ACQUIRED),
    Entity(
        PC,
        "Pengcheng Payment Services (acquired July 2023)",
        PAY,
        100,
        "yes",
        "yes",
        "CN",
        PC_ACQUIRED,
    ),
)

SITES: tuple[Site, ...] = (
    Site("HZ-CAMPUS", ROOT, "campus", "CN-EAST", "Hangzhou headquarters campus"),
    Site("SH-CAMPUS", PAY, "campus", "CN-EAST", "Shanghai campus"),
    Site("CD-CAMPUS", PAY, "campus", "CN-SOUTHWEST", "Chengdu campus"),
    Site("BJ-OFFICE", PAY, "office", "CN-NORTH", "Beijing office"),
    Site("SZ-OFFICE", PAY, "office", "CN-SOUTH", "Shenzhen office"),
    Site("FLEET-EAST", ROOT, "vehicle_fleet", "CN-EAST", "East China vehicle fleet and depot"),
    Site("ZB-DC", CLOUD, "data_center_owned", "CN-NORTH", "Zhangbei data centre"),
    Site("HZ-DC", CLOUD, "data_center_owned", "CN-EAST", "Hangzhou data centre"),
    # Leased halls run by the landlord: their electricity is Scope 3 category 8 for Emmet.
    Site("UQ-DC", CLOUD, "data_center_leased", "CN-NORTH", "Ulanqab leased data centre", "no"),
    Site("GZ-DC", CLOUD, "data_center_leased", "CN-SOUTH", "Guangzhou leased data centre", "no"),
    Site("CD-DC", CLOUD, "data_center_leased", "CN-SOUTHWEST", "Chengdu leased data centre", "no"),
    Site("LDN-OFFICE", INTL, "office", "GB", "London office"),
    Site("LDN-DC", INTL, "data_center_leased", "GB", "London leased data centre", "no"),
    Site("WH-OFFICE", JV, "office", "CN-CENTRAL", "Wuhan joint-venture office"),
    Site("PHL-OFFICE", US, "office", "US-RFCE", "Philadelphia office", "", US_ACQUIRED),
    Site(
        "NJ-DC",
        US,
        "data_center_leased",
        "US-RFCE",
        "New Jersey leased data centre",
        "no",
        US_ACQUIRED,
    ),
    Site("PC-SZ-OFFICE", PC, "office", "CN-SOUTH", "Pengcheng Shenzhen office", "", PC_ACQUIRED),
    Site(
        "PC-DG-DC",
        PC,
        "data_center_owned",
        "CN-SOUTH",
        "Pengcheng Dongguan data centre",
        "",
        PC_ACQUIRED,
    ),
)


def entity(entity_id: str) -> Entity:
    """The entity with id `entity_id` (KeyError for an unknown id: the tables are fixed)."""
    return {e.entity: e for e in ENTITIES}[entity_id]


def site(site_id: str) -> Site:
    """The site with id `site_id`."""
    return {s.site: s for s in SITES}[site_id]
