"""PACT v3 product footprints written back as JSON objects (decimals as strings, never in
exponent form), and the next version of a footprint the way PACT versions them.

Part of `supply`; `parse(to_json(pf)) == pf` (pact.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from zerotrail.errors import Problem
from zerotrail.supply.pact_model import (
    DQI,
    GEOGRAPHY,
    OPTIONAL_DECIMALS,
    OPTIONAL_TEXTS,
    REQUIRED_DECIMALS,
    VERIFICATION_TEXTS,
    CarbonFootprint,
    PactError,
    ProductFootprint,
)

# --- writing -------------------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    # Fixed-point: str() would write 1E-7, which the decimal-string pattern refuses.
    return format(value, "f")


def _time_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _carbon_json(cf: CarbonFootprint) -> dict[str, Any]:
    out: dict[str, Any] = {
        "declaredUnitOfMeasurement": cf.declared_unit_of_measurement,
        "referencePeriodStart": _time_text(cf.reference_period_start),
        "referencePeriodEnd": _time_text(cf.reference_period_end),
        "ipccCharacterizationFactors": list(cf.ipcc_characterization_factors),
        "crossSectoralStandards": list(cf.cross_sectoral_standards),
    }
    for key, attr, _ in REQUIRED_DECIMALS + OPTIONAL_DECIMALS:
        value = getattr(cf, attr)
        if value is not None:
            out[key] = decimal_text(value)
    for key, attr in (
        OPTIONAL_TEXTS
        + GEOGRAPHY
        + (
            ("ccuCalculationApproach", "ccu_calculation_approach"),
            ("packagingEmissionsIncluded", "packaging_emissions_included"),
        )
    ):
        if getattr(cf, attr) is not None:
            out[key] = getattr(cf, attr)
    if cf.product_or_sector_specific_rules:
        out["productOrSectorSpecificRules"] = [
            {"operator": r.operator, "ruleNames": list(r.rule_names)}
            | (
                {}
                if r.other_operator_name is None
                else {"otherOperatorName": r.other_operator_name}
            )
            for r in cf.product_or_sector_specific_rules
        ]
    if cf.secondary_emission_factor_sources:
        out["secondaryEmissionFactorSources"] = [
            {"name": s.name, "version": s.version} for s in cf.secondary_emission_factor_sources
        ]
    if cf.dqi is not None:
        out["dqi"] = {key: decimal_text(getattr(cf.dqi, attr)) for key, attr in DQI}
    if cf.verification is not None:
        v = cf.verification
        ver: dict[str, Any] = {
            key: getattr(v, attr)
            for key, attr in VERIFICATION_TEXTS
            if getattr(v, attr) is not None
        }
        if v.coverage is not None:
            ver["coverage"] = v.coverage
        if v.completed_at is not None:
            ver["completedAt"] = _time_text(v.completed_at)
        out["verification"] = ver
    return out


def to_json(pf: ProductFootprint) -> dict[str, Any]:
    """The PACT v3 JSON object of `pf` (decimals as strings, times in UTC with a Z)."""
    out: dict[str, Any] = {
        "id": pf.id,
        "specVersion": pf.spec_version,
        "created": _time_text(pf.created),
        "status": pf.status,
        "companyName": pf.company_name,
        "companyIds": list(pf.company_ids),
        "productDescription": pf.product_description,
        "productIds": list(pf.product_ids),
        "productNameCompany": pf.product_name_company,
        "pcf": _carbon_json(pf.pcf),
    }
    if pf.preceding_pf_ids:
        out["precedingPfIds"] = list(pf.preceding_pf_ids)
    if pf.validity_period_start is not None:
        out["validityPeriodStart"] = _time_text(pf.validity_period_start)
    if pf.validity_period_end is not None:
        out["validityPeriodEnd"] = _time_text(pf.validity_period_end)
    if pf.product_classifications:
        out["productClassifications"] = list(pf.product_classifications)
    if pf.comment is not None:
        out["comment"] = pf.comment
    if pf.extensions:
        out["extensions"] = [
            {"specVersion": e.spec_version, "dataSchema": e.data_schema, "data": e.data}
            | ({} if e.documentation is None else {"documentation": e.documentation})
            for e in pf.extensions
        ]
    return out


def supersede(
    old: ProductFootprint, new: ProductFootprint
) -> tuple[ProductFootprint, ProductFootprint]:
    """The two records a change produces: `old` marked Deprecated, and `new` (a changed copy
    that must carry a fresh id) made Active with `old`'s id first among its predecessors. Every
    version stays as it was sent; nothing is edited in place."""
    if new.id == old.id or new.id in old.preceding_pf_ids:
        raise PactError([Problem("$.id", None, None, "a changed footprint needs a new id")])
    chain = (old.id, *(p for p in new.preceding_pf_ids if p != old.id))
    return replace(old, status="Deprecated"), replace(new, status="Active", preceding_pf_ids=chain)
