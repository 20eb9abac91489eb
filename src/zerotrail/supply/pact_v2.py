"""PACT v2.x product footprints imported onto v3 (docs/pact.md has the mapping table): the
renamed fields carried over, numbers v2 sends as JSON numbers turned into v3's decimal strings,
and every problem reported under the v2 field's own name.

Part of `supply`; the v3 object it builds is checked by pact.py's `parse`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from zerotrail.errors import Problem
from zerotrail.supply.pact import (
    _SPEC_V2,
    _Check,
    _footprint,
    _kind,
    _object,
)
from zerotrail.supply.pact_json import decimal_text
from zerotrail.supply.pact_model import (
    V2_UNITS,
    PactError,
    ProductFootprint,
)

# --- v2.x import ---------------------------------------------------------------------------------

# v3 name -> v2 name for the fields v3 renamed, so that a problem names the field as sent.
_V2_NAMES = {
    "declaredUnitOfMeasurement": "declaredUnit",
    "declaredUnitAmount": "unitaryProductAmount",
    "pcfExcludingBiogenicUptake": "pCfExcludingBiogenic",
    "pcfIncludingBiogenicUptake": "pCfIncludingBiogenic",
    "ipccCharacterizationFactors": "ipccCharacterizationFactorsSources",
    "crossSectoralStandards": "crossSectoralStandardsUsed",
    "verification": "assurance",
}
# Fields whose value carries over unchanged from v2.
_V2_SAME_PF = (
    "id",
    "precedingPfIds",
    "created",
    "status",
    "validityPeriodStart",
    "validityPeriodEnd",
    "companyName",
    "companyIds",
    "productDescription",
    "productIds",
    "productNameCompany",
    "comment",
    "extensions",
)
_V2_SAME_PCF = (
    "fossilGhgEmissions",
    "fossilCarbonContent",
    "biogenicCarbonContent",
    "aircraftGhgEmissions",
    "packagingEmissionsIncluded",
    "packagingGhgEmissions",
    "referencePeriodStart",
    "referencePeriodEnd",
    "geographyRegionOrSubregion",
    "geographyCountry",
    "geographyCountrySubdivision",
    "productOrSectorSpecificRules",
    "secondaryEmissionFactorSources",
    "allocationRulesDescription",
    "exemptedEmissionsDescription",
    "boundaryProcessesDescription",
)
# v2's names for the cross-sectoral standards, and v3's.
_V2_STANDARDS = {
    "GHG Protocol Product standard": "GHGP-Product",
    "ISO Standard 14067": "ISO14067",
    "ISO Standard 14044": "ISO14040-44",
}
# The product mass of one declared unit where v2's unit says it: a kilogram unit weighs its
# amount, and energy and transport units carry no product mass (0, as v3 asks).
_MASS_DEFAULT: dict[str, Callable[[Any], Any]] = {
    "kilogram": lambda amount: amount,
    "kilowatt hour": lambda amount: "0",
    "megajoule": lambda amount: "0",
    "ton kilometer": lambda amount: "0",
}
_V2_DQI = {"technologicalDQR", "geographicalDQR", "temporalDQR"}


def _number_text(c: _Check, value: Any, where: str) -> Any:
    """v2 writes some quantities as JSON numbers; v3 as decimal strings. Other values pass
    through for the v3 check to judge."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        c.add(where, f"must be a finite number; got {value}")
        return None
    return decimal_text(Decimal(repr(value))) if isinstance(value, float) else str(value)


def _map_v2_pcf(c: _Check, pcf: Mapping[str, Any], mass: Decimal | None) -> dict[str, Any]:
    p = "$.pcf"
    out: dict[str, Any] = {k: pcf[k] for k in _V2_SAME_PCF if k in pcf}
    for v3, v2 in _V2_NAMES.items():
        if v2 in pcf and v3 not in ("ipccCharacterizationFactors", "verification"):
            out[v3] = pcf[v2]
    unit = pcf.get("declaredUnit")
    if unit is not None and unit not in V2_UNITS:
        c.add(
            f"{p}.declaredUnit",
            f"must be one of v2's units {', '.join(V2_UNITS)}; got {str(unit)[:80]!r}",
        )
    if mass is not None:
        out["productMassPerDeclaredUnit"] = decimal_text(mass)
    elif isinstance(unit, str) and unit in _MASS_DEFAULT:
        out["productMassPerDeclaredUnit"] = _MASS_DEFAULT[unit](pcf.get("unitaryProductAmount"))
    else:
        c.add(
            f"{p}.productMassPerDeclaredUnit",
            "v3 requires the product mass per declared unit and v2 has no such field; for a "
            f"{unit!s} unit it cannot be derived, so give it to the import",
        )
    sources = pcf.get("ipccCharacterizationFactorsSources")
    if sources is None and pcf.get("characterizationFactors") is not None:
        sources = [pcf["characterizationFactors"]]
    if sources is not None:
        out["ipccCharacterizationFactors"] = sources
    standards = pcf.get("crossSectoralStandardsUsed")
    if isinstance(standards, list):
        out["crossSectoralStandards"] = [
            _V2_STANDARDS.get(s, s) if isinstance(s, str) else s for s in standards
        ]
    for key in ("exemptedEmissionsPercent", "primaryDataShare"):
        if key in pcf:
            out[key] = _number_text(c, pcf[key], f"{p}.{key}")
    dqi = pcf.get("dqi")
    if isinstance(dqi, dict):
        mapped: dict[str, Any] = {}
        for key in _V2_DQI:
            if key not in dqi:
                continue
            value = dqi[key]
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and not 1 <= value <= 3
            ):
                c.add(f"{p}.dqi.{key}", f"must be between 1 and 3 in v2; got {value}")
            mapped[key] = _number_text(c, value, f"{p}.dqi.{key}")
        out["dqi"] = mapped
    elif dqi is not None:
        out["dqi"] = dqi
    assurance = pcf.get("assurance")
    if isinstance(assurance, dict):
        if assurance.get("assurance") is True:
            ver = {
                k: assurance[k]
                for k in ("providerName", "completedAt", "standardName", "comments")
                if k in assurance
            }
            # v2's other coverages (corporate level, product line, PCF system) have no exact
            # v3 counterpart; leaving coverage out claims less rather than more.
            if assurance.get("coverage") == "product level":
                ver["coverage"] = "product level"
            out["verification"] = ver
    elif assurance is not None:
        c.add(f"{p}.assurance", f"must be an object, not {_kind(assurance)}")
    return out


def from_v2(obj: object, product_mass_per_declared_unit: Decimal | None = None) -> ProductFootprint:
    """A PACT v2.x ProductFootprint mapped onto v3 (docs/pact.md lists the mapping). v3's
    product mass per declared unit, which v2 lacks, is derived from the unit where it can be
    (kilogram; 0 for energy and transport) or must be given. PactError names every problem by
    the field's v2 path."""
    c = _Check()
    top = _object(c, obj, "$")
    if top is None:
        raise PactError(c.problems)
    spec = top.get("specVersion")
    if not isinstance(spec, str) or not _SPEC_V2.fullmatch(spec):
        c.add("$.specVersion", f"must be a v2 version like 2.3.0; got {str(spec)[:40]!r}")
    mapped: dict[str, Any] = {k: top[k] for k in _V2_SAME_PF if k in top}
    mapped["specVersion"] = "3.0.0"
    cpc = top.get("productCategoryCpc")
    if isinstance(cpc, str) and re.fullmatch(r"[0-9]{1,5}", cpc):
        mapped["productClassifications"] = [f"urn:cpc:{cpc}"]
    pcf = top.get("pcf")
    if isinstance(pcf, dict):
        mapped["pcf"] = _map_v2_pcf(c, pcf, product_mass_per_declared_unit)
    elif pcf is not None:
        mapped["pcf"] = pcf

    v3 = _Check()
    try:
        pf = _footprint(v3, mapped)
    except RecursionError:
        raise PactError([Problem("$", None, None, "is nested too deeply")]) from None
    seen = {p.source for p in c.problems}
    for problem in v3.problems:
        path = _v2_path(problem.source)
        if path not in seen:
            c.problems.append(replace(problem, source=path))
    if c.problems or pf is None:
        raise PactError(c.problems)
    return pf


def _v2_path(path: str) -> str:
    """A v3 JSON path renamed to the v2 field it came from."""
    parts = path.split(".")
    if len(parts) >= 3 and parts[1] == "pcf":
        name, bracket, rest = parts[2].partition("[")
        parts[2] = _V2_NAMES.get(name, name) + bracket + rest
    return ".".join(parts)
