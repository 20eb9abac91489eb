"""The documented import formats: columns, whether required, and what each holds.

docs/formats.md is checked against these definitions by a test, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class Format:
    kind: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


ACTIVITIES = Format(
    "activities",
    (
        Column("record_id", True, "unique id of the record in the workspace"),
        Column("entity", True, "entity id from the entities file"),
        Column("period_start", True, "first day of the period (ISO date)"),
        Column("period_end", True, "last day of the period (ISO date, not before period_start)"),
        Column("activity", True, "activity key, e.g. stationary_combustion.diesel"),
        Column("quantity", True, "finite number; negative only for spend corrections"),
        Column("unit", True, "unit of quantity, convertible to the factor's unit"),
        Column(
            "heat_basis",
            False,
            "HHV or NCV: heating-value basis of an energy quantity (also GCV, gross, LHV, net)",
        ),
        Column(
            "region",
            False,
            "region code: CN, US-CAMX, CN-EAST, GB, GLOBAL ...; blank at a site: the site's",
        ),
        Column("site", False, "site id from the sites file"),
        Column("scope3_category", False, "1-15; required where the key implies none"),
        Column("supplier", False, "supplier id; selects supplier-specific factors"),
        Column("factor_id", False, "pins one factor by id"),
        Column("ch4_origin", False, "fossil or non_fossil (selects the CH4 GWP under AR5/AR6)"),
        Column("evidence", False, "URI and/or sha256:<64 hex> of the source document"),
        Column("note", False, "free text"),
        Column("dq_technology", False, "data quality, technological representativeness 1-5"),
        Column("dq_time", False, "data quality, temporal representativeness 1-5"),
        Column("dq_geography", False, "data quality, geographical representativeness 1-5"),
        Column("dq_completeness", False, "data quality, completeness 1-5"),
        Column("dq_reliability", False, "data quality, reliability 1-5"),
    ),
)

ENTITIES = Format(
    "entities",
    (
        Column("entity", True, "unique entity id"),
        Column("name", True, "display name"),
        Column("parent", False, "entity id of the parent; blank for the reporting company"),
        Column("equity_share", True, "percent of this entity held by its parent, 0-100"),
        Column("financial_control", True, "yes, no or joint (by the parent)"),
        Column("operational_control", True, "yes or no (by the parent)"),
        Column("country", True, "ISO 3166-1 alpha-2 country code"),
    ),
)

SITES = Format(
    "sites",
    (
        Column("site", True, "unique site id"),
        Column("entity", True, "entity that owns or leases the site"),
        Column("kind", True, "campus, office, data_center_owned, data_center_leased, ..."),
        Column("region", True, "region code used for grid factors, e.g. CN-EAST"),
        Column("name", False, "display name"),
        Column("operational_control", False, "yes or no where the site differs from its entity"),
    ),
)

INSTRUMENTS = Format(
    "instruments",
    (
        Column("instrument_id", True, "unique id"),
        Column("type", True, "REC, GO, I-REC, GEC, PPA or supplier_rate"),
        Column("mwh", True, "MWh covered (positive)"),
        Column("period_start", True, "first day of the generation / contract period"),
        Column("period_end", True, "last day of the period, in the same calendar year"),
        Column("region", True, "market region of the instrument (its country decides)"),
        Column("entity", False, "entity the instrument is claimed for (entity or site needed)"),
        Column("site", False, "site the instrument is claimed for"),
        Column("status", True, "held, retired or cancelled"),
        Column("retired_on", False, "date retired or cancelled (needed when retired)"),
        Column("registry_id", False, "serial or registry reference"),
        Column("emission_rate_t_per_mwh", False, "t CO2 per MWh of the claimed supply; 0 default"),
    ),
)

SITE_KINDS = frozenset(
    {
        "campus",
        "office",
        "data_center_owned",
        "data_center_leased",
        "warehouse",
        "vehicle_fleet",
        "factory",
        "retail",
        "other",
    }
)

INSTRUMENT_TYPES = frozenset({"REC", "GO", "I-REC", "GEC", "PPA", "supplier_rate"})
RENEWABLE_TYPES = frozenset({"REC", "GO", "I-REC", "GEC", "PPA"})
INSTRUMENT_STATUSES = frozenset({"held", "retired", "cancelled"})

# --- the roadmap's files ---------------------------------------------------------------------

CREDITS = Format(
    "credits",
    (
        Column("credit_id", True, "unique id of the block of credits in the workspace"),
        Column("registry", True, "Verra VCS, Gold Standard, ACR, CAR, CDM, CCER, Puro.earth, ..."),
        Column("project_id", True, "the project's id in its registry, e.g. 728"),
        Column("project_name", False, "display name of the project"),
        Column("methodology", True, "crediting methodology, e.g. ACM0002"),
        Column("type", True, "avoidance, reduction or removal"),
        Column("durability", True, "none, short (<100 years), long (100-1000) or permanent"),
        Column("vintage", True, "year the reduction or removal happened"),
        Column("serial_start", True, "first serial of the block: PREFIX-N (N an integer)"),
        Column("serial_end", True, "last serial: the same PREFIX, N not below the start's"),
        Column("quantity", True, "t CO2e: one credit per serial (end - start + 1)"),
        Column("status", True, "held, retired or cancelled"),
        Column("retired_on", False, "date retired or cancelled (needed when not held)"),
        Column("beneficiary", False, "the organization named in the retirement"),
        Column("reason", False, "the retirement reason as written in the registry"),
        Column("claim_year", False, "year of the neutrality claim the retirement is for"),
        Column("ccp_label", False, "yes or no: carries the ICVCM Core Carbon Principles label"),
        Column("corsia_eligible", False, "yes or no: eligible under CORSIA"),
        Column("corresponding_adjustment", False, "yes or no: host country adjusted"),
    ),
)

METERS = Format(
    "meters",
    (
        Column("site", True, "site id (a data centre, campus, office, ...)"),
        Column("period_start", True, "first day of the reading period (ISO date)"),
        Column("period_end", True, "last day of the period, in the same calendar year"),
        Column("facility_mwh", True, "total energy used by the site in the period (MWh, positive)"),
        Column(
            "it_mwh",
            False,
            "IT equipment energy in the period (MWh, positive; data centres, for PUE)",
        ),
        Column(
            "onsite_renewable_mwh",
            False,
            "on-site renewable generation used at the site (MWh, 0 or more)",
        ),
    ),
)

COOLING = Format(
    "cooling",
    (
        Column("site", True, "site id of a data centre"),
        Column("since", True, "date the cooling technology went into service (ISO date)"),
        Column("technology", True, "air, free_cooling, natural_cooling, liquid_cooling, ..."),
        Column("note", False, "free text"),
    ),
)

INITIATIVES = Format(
    "initiatives",
    (
        Column("initiative_id", True, "unique id of the reduction initiative"),
        Column("name", True, "display name"),
        Column("owner", True, "who is accountable"),
        Column("lever", True, "efficiency, renewable_energy, electrification, travel, ..."),
        Column("sites", False, "site ids the initiative acts on, separated by ';'"),
        Column("start_year", True, "first year the initiative is in effect"),
        Column("expected_t_per_year", True, "expected annual abatement, t CO2e"),
        Column("cost", False, "total cost (number)"),
        Column("currency", False, "ISO 4217 currency of cost"),
        Column("description", False, "free text"),
    ),
)

METRICS = Format(
    "metrics",
    (
        Column("metric", True, "name, e.g. revenue or employees (intensity denominators)"),
        Column("year", True, "reporting year"),
        Column("value", True, "value for the year (positive)"),
        Column("unit", True, "unit of value, e.g. CNY million or FTE"),
    ),
)

SUPPLIERS = Format(
    "suppliers",
    (
        Column("supplier", True, "supplier id as used in activity records"),
        Column("name", True, "display name"),
        Column("sbt_year", False, "year its science-based target was validated; blank if none"),
    ),
)

PRICE_INDICES = Format(
    "price_indices",
    (
        Column("currency", True, "ISO 4217 code of the currency, as in factor units, e.g. USD"),
        Column("year", True, "the year the index value is for"),
        Column("index", True, "index value (a positive number; only ratios between years count)"),
        Column("source", True, "publisher, series and edition of the index"),
        Column("url", False, "where the series was read"),
        Column("note", False, "free text"),
    ),
)

CREDIT_REGISTRIES = frozenset(
    {"Verra VCS", "Gold Standard", "ACR", "CAR", "CDM", "CCER", "Puro.earth", "Isometric", "other"}
)
CREDIT_TYPES = frozenset({"avoidance", "reduction", "removal"})
CREDIT_DURABILITY = frozenset({"none", "short", "long", "permanent"})
CREDIT_STATUSES = frozenset({"held", "retired", "cancelled"})
COOLING_TECHNOLOGIES = frozenset(
    {
        "air",
        "free_cooling",
        "natural_cooling",
        "evaporative",
        "liquid_cooling",
        "immersion",
        "other",
    }
)

BASELINE_EVENTS = Format(
    "baseline_events",
    (
        Column("event_id", True, "unique id of the event"),
        Column("base_year", True, "the base year whose figures the event may change"),
        Column("year", True, "year the event happened"),
        Column("kind", True, "acquisition, divestment, insourcing, outsourcing, methodology, ..."),
        Column("description", True, "what happened, in words"),
        Column("entity", False, "entity concerned; its consolidation share is applied"),
        Column("in_base_year", False, "yes (default) or no: the business existed in the base year"),
        Column(
            "scope1_t", True, "base-year Scope 1 of the change, t CO2e (see below for the sign)"
        ),
        Column("scope2_location_t", True, "base-year Scope 2 location-based, t CO2e"),
        Column("scope2_market_t", True, "base-year Scope 2 market-based, t CO2e"),
        Column("scope3_t", False, "base-year Scope 3, t CO2e (spread over categories pro rata)"),
    ),
)
