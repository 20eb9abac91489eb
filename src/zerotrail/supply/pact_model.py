"""PACT v3 product footprints as values: the units, statuses and lists the specification
fixes, the error a refused footprint raises, and the frozen records a checked footprint becomes.

Part of `supply`; pact.py reads and checks a footprint into these, pact_json.py writes one back,
pact_v2.py imports a v2.x one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from zerotrail.errors import DataError, Problem

# A footprint is a few kilobytes; a megabyte leaves room for long descriptions and extensions
# while keeping a hostile upload from costing much to decode.
MAX_BYTES = 1_000_000
# Longer decimal strings are no real measurement; the bound keeps later arithmetic cheap.
MAX_DECIMAL_CHARS = 64

UNITS = (
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
    "piece",
    "hour",
    "megabit second",
)
V2_UNITS = UNITS[:7]
STATUSES = ("Active", "Deprecated")
# UN M49 regions and sub-regions, by the names PACT uses.
REGIONS = (
    "Africa",
    "Americas",
    "Asia",
    "Europe",
    "Oceania",
    "Australia and New Zealand",
    "Central Asia",
    "Eastern Asia",
    "Eastern Europe",
    "Latin America and the Caribbean",
    "Melanesia",
    "Micronesia",
    "Northern Africa",
    "Northern America",
    "Northern Europe",
    "Polynesia",
    "South-eastern Asia",
    "Southern Asia",
    "Southern Europe",
    "Sub-Saharan Africa",
    "Western Asia",
    "Western Europe",
)
RULE_OPERATORS = ("PEF", "EPD International", "Other")
CCU_APPROACHES = ("Cut-off", "Credit")
VERIFICATION_COVERAGES = ("PCF calculation model", "PCF program", "product level")
# The standards PACT names. Others are accepted and kept: the list grows between versions.
KNOWN_STANDARDS = (
    "ISO14067",
    "ISO14083",
    "ISO14040-44",
    "GHGP-Product",
    "PEF",
    "PACT-1.0",
    "PACT-2.0",
    "PACT-3.0",
    "PAS2050",
)
# v2 fields v3 dropped; in a v3 object they mean a v2 footprint was sent as v3.
V2_ONLY = ("version", "updated", "statusComment", "productCategoryCpc")


class PactError(DataError):
    """A PACT footprint was refused. Each Problem's `source` is the JSON path of one problem
    (`$.pcf.referencePeriodEnd`); the message lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        listed = "; ".join(str(p) for p in problems)
        super().__init__(problems, f"PACT footprint refused, {len(problems)} problem(s): {listed}")

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.source for p in self.problems)


@dataclass(frozen=True, slots=True)
class DataQuality:
    """Data quality ratings, each from 1 (best) to 5."""

    technological: Decimal
    geographical: Decimal
    temporal: Decimal


@dataclass(frozen=True, slots=True)
class Verification:
    """Who verified the footprint, when, to which standard and over what coverage."""

    coverage: str | None = None
    provider_name: str | None = None
    completed_at: datetime | None = None
    standard_name: str | None = None
    comments: str | None = None


@dataclass(frozen=True, slots=True)
class SectorRule:
    """Product or sector specific rules applied, and who operates them."""

    operator: str
    rule_names: tuple[str, ...]
    other_operator_name: str | None = None


@dataclass(frozen=True, slots=True)
class FactorSource:
    """A secondary emission factor database used, by name and version."""

    name: str
    version: str


@dataclass(frozen=True, slots=True)
class Extension:
    """A data model extension, kept as given (its `data` is the decoded JSON object)."""

    spec_version: str
    data_schema: str
    data: Mapping[str, Any]
    documentation: str | None = None


@dataclass(frozen=True, slots=True)
class CarbonFootprint:
    """The footprint figures. Emissions in kg CO2e and carbon contents in kg C, both per
    declared unit (`declared_unit_amount` of `declared_unit_of_measurement`); the reference
    period's end is exclusive."""

    declared_unit_of_measurement: str
    declared_unit_amount: Decimal
    product_mass_per_declared_unit: Decimal
    reference_period_start: datetime
    reference_period_end: datetime
    pcf_excluding_biogenic_uptake: Decimal
    pcf_including_biogenic_uptake: Decimal
    fossil_ghg_emissions: Decimal
    fossil_carbon_content: Decimal
    ipcc_characterization_factors: tuple[str, ...]
    cross_sectoral_standards: tuple[str, ...]
    exempted_emissions_percent: Decimal
    geography_region_or_subregion: str | None = None
    geography_country: str | None = None
    geography_country_subdivision: str | None = None
    biogenic_carbon_content: Decimal | None = None
    recycled_carbon_content: Decimal | None = None
    land_use_change_ghg_emissions: Decimal | None = None
    land_carbon_leakage: Decimal | None = None
    land_management_fossil_ghg_emissions: Decimal | None = None
    land_management_biogenic_co2_emissions: Decimal | None = None
    land_management_biogenic_co2_removals: Decimal | None = None
    biogenic_co2_uptake: Decimal | None = None
    biogenic_non_co2_emissions: Decimal | None = None
    land_area_occupation: Decimal | None = None
    aircraft_ghg_emissions: Decimal | None = None
    packaging_emissions_included: bool | None = None
    packaging_ghg_emissions: Decimal | None = None
    packaging_biogenic_carbon_content: Decimal | None = None
    outbound_logistics_ghg_emissions: Decimal | None = None
    technological_co2_removals: Decimal | None = None
    ccu_carbon_content: Decimal | None = None
    ccu_calculation_approach: str | None = None
    ccu_credit_certification: str | None = None
    product_or_sector_specific_rules: tuple[SectorRule, ...] = ()
    allocation_rules_description: str | None = None
    exempted_emissions_description: str | None = None
    boundary_processes_description: str | None = None
    secondary_emission_factor_sources: tuple[FactorSource, ...] = ()
    primary_data_share: Decimal | None = None
    dqi: DataQuality | None = None
    verification: Verification | None = None


@dataclass(frozen=True, slots=True)
class ProductFootprint:
    """One version of one product footprint. Ids are lower-case UUIDs; times are UTC."""

    id: str
    spec_version: str
    created: datetime
    status: str
    company_name: str
    company_ids: tuple[str, ...]
    product_description: str
    product_ids: tuple[str, ...]
    product_name_company: str
    pcf: CarbonFootprint
    preceding_pf_ids: tuple[str, ...] = ()
    validity_period_start: datetime | None = None
    validity_period_end: datetime | None = None
    product_classifications: tuple[str, ...] = ()
    comment: str | None = None
    extensions: tuple[Extension, ...] = ()

    def valid_until(self) -> datetime:
        """The end of validity: as given, or by default three years after the reference
        period's end."""
        if self.validity_period_end is not None:
            return self.validity_period_end
        end = self.pcf.reference_period_end
        try:
            return end.replace(year=end.year + 3)
        except ValueError:  # 29 February: three years on there is none; the day after it
            return end.replace(year=end.year + 3, month=3, day=1)


# The sign or range each decimal field must keep.
BOUND_ANY, BOUND_POSITIVE, BOUND_NONNEG, BOUND_NONPOS, BOUND_PERCENT, BOUND_DQR = (
    "any",
    ">0",
    ">=0",
    "<=0",
    "0-100",
    "1-5",
)

# The fields of a footprint by kind, in the order the specification lists them: (JSON name,
# attribute[, bound]); reading and writing share them.
REQUIRED_DECIMALS = (
    ("declaredUnitAmount", "declared_unit_amount", BOUND_POSITIVE),
    ("productMassPerDeclaredUnit", "product_mass_per_declared_unit", BOUND_NONNEG),
    ("pcfExcludingBiogenicUptake", "pcf_excluding_biogenic_uptake", BOUND_ANY),
    ("pcfIncludingBiogenicUptake", "pcf_including_biogenic_uptake", BOUND_ANY),
    ("fossilGhgEmissions", "fossil_ghg_emissions", BOUND_NONNEG),
    ("fossilCarbonContent", "fossil_carbon_content", BOUND_NONNEG),
    ("exemptedEmissionsPercent", "exempted_emissions_percent", BOUND_PERCENT),
)

OPTIONAL_DECIMALS = (
    ("biogenicCarbonContent", "biogenic_carbon_content", BOUND_NONNEG),
    ("recycledCarbonContent", "recycled_carbon_content", BOUND_NONNEG),
    ("landUseChangeGhgEmissions", "land_use_change_ghg_emissions", BOUND_ANY),
    ("landCarbonLeakage", "land_carbon_leakage", BOUND_ANY),
    ("landManagementFossilGhgEmissions", "land_management_fossil_ghg_emissions", BOUND_ANY),
    ("landManagementBiogenicCO2Emissions", "land_management_biogenic_co2_emissions", BOUND_ANY),
    ("landManagementBiogenicCO2Removals", "land_management_biogenic_co2_removals", BOUND_NONPOS),
    ("biogenicCO2Uptake", "biogenic_co2_uptake", BOUND_NONPOS),
    ("biogenicNonCO2Emissions", "biogenic_non_co2_emissions", BOUND_ANY),
    ("landAreaOccupation", "land_area_occupation", BOUND_NONNEG),
    ("aircraftGhgEmissions", "aircraft_ghg_emissions", BOUND_ANY),
    ("packagingGhgEmissions", "packaging_ghg_emissions", BOUND_ANY),
    ("packagingBiogenicCarbonContent", "packaging_biogenic_carbon_content", BOUND_NONNEG),
    ("outboundLogisticsGhgEmissions", "outbound_logistics_ghg_emissions", BOUND_ANY),
    ("technologicalCO2Removals", "technological_co2_removals", BOUND_NONPOS),
    ("ccuCarbonContent", "ccu_carbon_content", BOUND_NONNEG),
    ("primaryDataShare", "primary_data_share", BOUND_PERCENT),
)

OPTIONAL_TEXTS = (
    ("ccuCreditCertification", "ccu_credit_certification"),
    ("allocationRulesDescription", "allocation_rules_description"),
    ("exemptedEmissionsDescription", "exempted_emissions_description"),
    ("boundaryProcessesDescription", "boundary_processes_description"),
)

GEOGRAPHY = (
    ("geographyRegionOrSubregion", "geography_region_or_subregion"),
    ("geographyCountry", "geography_country"),
    ("geographyCountrySubdivision", "geography_country_subdivision"),
)

DQI = (
    ("technologicalDQR", "technological"),
    ("geographicalDQR", "geographical"),
    ("temporalDQR", "temporal"),
)

VERIFICATION_TEXTS = (
    ("providerName", "provider_name"),
    ("standardName", "standard_name"),
    ("comments", "comments"),
)
