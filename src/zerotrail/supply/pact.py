"""PACT v3 product footprints read and checked.

`parse` takes a decoded JSON object, `parse_bytes` the raw bytes (bounded in size, a key given
twice refused). Either returns a `ProductFootprint` or raises one `PactError` naming the JSON
path of every problem found, so that a supplier can fix a file in one round. Decimal quantities
stay `Decimal` exactly as written: PACT sends them as JSON strings precisely so that no float
rounding creeps in, and a JSON number where a decimal string belongs is refused.
pact_json.py writes the v3 object back (`parse(to_json(pf)) == pf`) and makes the next version
of a footprint the way PACT versions them (`supersede`: a new id, the old id among
`precedingPfIds`, the old footprint `Deprecated`); pact_v2.py maps a v2.x footprint onto v3
(docs/pact.md has the table); pact_model.py holds the values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from zerotrail.errors import Problem
from zerotrail.supply.pact_model import (
    BOUND_DQR,
    BOUND_NONNEG,
    BOUND_NONPOS,
    BOUND_PERCENT,
    BOUND_POSITIVE,
    CCU_APPROACHES,
    DQI,
    GEOGRAPHY,
    MAX_BYTES,
    MAX_DECIMAL_CHARS,
    OPTIONAL_DECIMALS,
    OPTIONAL_TEXTS,
    REGIONS,
    REQUIRED_DECIMALS,
    RULE_OPERATORS,
    STATUSES,
    UNITS,
    V2_ONLY,
    VERIFICATION_COVERAGES,
    VERIFICATION_TEXTS,
    CarbonFootprint,
    DataQuality,
    Extension,
    FactorSource,
    PactError,
    ProductFootprint,
    SectorRule,
    Verification,
)

_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SPEC_V3 = re.compile(r"3\.[0-9]+\.[0-9]+(-[0-9]{8})?")
_SPEC_V2 = re.compile(r"2\.[0-9]+\.[0-9]+(-[0-9]{8})?")
# RFC 8141: "urn:", a namespace id of 2-32 letters, digits or hyphens, then a non-empty
# namespace-specific string; printable ASCII without spaces is enough to refuse junk.
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:[!-~]+", re.IGNORECASE)
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_IPCC = re.compile(r"AR[0-9]{1,2}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_SUBDIVISION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


# --- the sign or range each decimal field must keep --------------------------------------------

_BOUND_TEXT = {
    BOUND_POSITIVE: "must be greater than 0",
    BOUND_NONNEG: "must be 0 or more",
    BOUND_NONPOS: "must be 0 or less (a removal is negative)",
    BOUND_PERCENT: "must be between 0 and 100",
    BOUND_DQR: "must be between 1 and 5",
}


def _within(value: Decimal, bound: str) -> bool:
    if bound == BOUND_POSITIVE:
        return value > 0
    if bound == BOUND_NONNEG:
        return value >= 0
    if bound == BOUND_NONPOS:
        return value <= 0
    if bound == BOUND_PERCENT:
        return 0 <= value <= 100
    if bound == BOUND_DQR:
        return 1 <= value <= 5
    return True


# (JSON name, attribute, bound): required decimals first, then the optional ones.


# --- reading -------------------------------------------------------------------------------------


class _Check:
    """Collects problems so that one pass reports all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, None, None, message))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _field(c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool) -> Any:
    """The value under `key`, or None when absent (a problem when required). A JSON null
    counts as absent for optional fields."""
    value = obj.get(key)
    if value is None and required:
        c.add(f"{path}.{key}", "is required" if key not in obj else "is required, not null")
    return value


def _object(c: _Check, value: Any, path: str) -> Mapping[str, Any] | None:
    if isinstance(value, dict):
        return value
    c.add(path, f"must be an object, not {_kind(value)}")
    return None


def _text(
    c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool, nonempty: bool = False
) -> str | None:
    value = _field(c, obj, key, path, required)
    if value is None:
        return None
    if not isinstance(value, str):
        c.add(f"{path}.{key}", f"must be a string, not {_kind(value)}")
        return None
    if nonempty and not value.strip():
        c.add(f"{path}.{key}", "must not be empty")
        return None
    return value


def _choice(
    c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool, allowed: Sequence[str]
) -> str | None:
    value = _text(c, obj, key, path, required)
    if value is not None and value not in allowed:
        c.add(f"{path}.{key}", f"must be one of {', '.join(allowed)}; got {value[:80]!r}")
        return None
    return value


def _decimal_value(c: _Check, value: Any, where: str, bound: str) -> Decimal | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        c.add(where, 'must be a decimal number written as a JSON string (e.g. "1.5"), not a number')
        return None
    if not isinstance(value, str):
        c.add(where, f"must be a decimal number written as a string, not {_kind(value)}")
        return None
    if len(value) > MAX_DECIMAL_CHARS:
        c.add(where, f"must be a decimal number of at most {MAX_DECIMAL_CHARS} characters")
        return None
    if not _DECIMAL.fullmatch(value):
        c.add(where, f'must be a plain decimal number such as "-1.25"; got {value!r}')
        return None
    number = Decimal(value)
    if not _within(number, bound):
        c.add(where, f"{_BOUND_TEXT[bound]}; got {value}")
        return None
    return number


def _decimal(
    c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool, bound: str
) -> Decimal | None:
    value = _field(c, obj, key, path, required)
    return None if value is None else _decimal_value(c, value, f"{path}.{key}", bound)


def _datetime(
    c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool
) -> datetime | None:
    value = _text(c, obj, key, path, required)
    if value is None:
        return None
    where = f"{path}.{key}"
    if not _DATETIME.fullmatch(value):
        c.add(
            where,
            f"must be a date-time with a time zone, like 2025-01-01T00:00:00Z; got {value[:80]!r}",
        )
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        c.add(where, f"is not a valid date-time: {value!r}")
        return None


def _uuid(c: _Check, value: Any, where: str, v4: bool) -> str | None:
    if not isinstance(value, str) or not _UUID.fullmatch(value.lower()):
        shown = repr(value[:80]) if isinstance(value, str) else _kind(value)
        c.add(where, f"must be a UUID like 3f1c8e2a-5b7d-4e9f-a1c3-0d2e4f6a8b9c; got {shown}")
        return None
    canonical = value.lower()
    if v4 and (canonical[14] != "4" or canonical[19] not in "89ab"):
        c.add(where, f"must be a version 4 (random) UUID; got {value}")
        return None
    return canonical


def _list(
    c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool, nonempty: bool
) -> list[Any] | None:
    value = _field(c, obj, key, path, required)
    if value is None:
        return None
    if not isinstance(value, list):
        c.add(f"{path}.{key}", f"must be an array, not {_kind(value)}")
        return None
    if nonempty and not value:
        c.add(f"{path}.{key}", "must not be empty")
        return None
    return value


def _texts(
    c: _Check,
    obj: Mapping[str, Any],
    key: str,
    path: str,
    required: bool,
    nonempty: bool,
    pattern: re.Pattern[str] | None = None,
    expected: str = "",
) -> tuple[str, ...] | None:
    items = _list(c, obj, key, path, required, nonempty)
    if items is None:
        return None
    out: list[str] = []
    for i, item in enumerate(items):
        where = f"{path}.{key}[{i}]"
        if not isinstance(item, str) or not item.strip():
            c.add(
                where, f"must be a non-empty string, not {_kind(item) if item != '' else 'empty'}"
            )
        elif pattern is not None and not pattern.fullmatch(item):
            c.add(where, f"must be {expected}; got {item[:80]!r}")
        else:
            out.append(item)
    return tuple(out)


def _urns(
    c: _Check, obj: Mapping[str, Any], key: str, path: str, required: bool
) -> tuple[str, ...] | None:
    return _texts(c, obj, key, path, required, required, _URN, "a URN like urn:gtin:4012345678901")


def _dqi(c: _Check, value: Any, path: str) -> DataQuality | None:
    obj = _object(c, value, path)
    if obj is None:
        return None
    ratings = {attr: _decimal(c, obj, key, path, True, BOUND_DQR) for key, attr in DQI}
    if any(v is None for v in ratings.values()):
        return None
    return DataQuality(**ratings)  # type: ignore[arg-type]


def _verification(c: _Check, value: Any, path: str) -> Verification | None:
    obj = _object(c, value, path)
    if obj is None:
        return None
    fields: dict[str, Any] = {
        attr: _text(c, obj, key, path, False) for key, attr in VERIFICATION_TEXTS
    }
    fields["coverage"] = _choice(c, obj, "coverage", path, False, VERIFICATION_COVERAGES)
    fields["completed_at"] = _datetime(c, obj, "completedAt", path, False)
    return Verification(**fields)


def _rules(c: _Check, obj: Mapping[str, Any], path: str) -> tuple[SectorRule, ...]:
    items = _list(c, obj, "productOrSectorSpecificRules", path, False, False) or []
    out = []
    for i, item in enumerate(items):
        where = f"{path}.productOrSectorSpecificRules[{i}]"
        rule = _object(c, item, where)
        if rule is None:
            continue
        operator = _choice(c, rule, "operator", where, True, RULE_OPERATORS)
        names = _texts(c, rule, "ruleNames", where, True, True)
        other = _text(c, rule, "otherOperatorName", where, False, nonempty=True)
        if operator == "Other" and other is None and "otherOperatorName" not in rule:
            c.add(f"{where}.otherOperatorName", "is required when the operator is Other")
        if operator is not None and names is not None:
            out.append(SectorRule(operator, names, other))
    return tuple(out)


def _factor_sources(c: _Check, obj: Mapping[str, Any], path: str) -> tuple[FactorSource, ...]:
    items = _list(c, obj, "secondaryEmissionFactorSources", path, False, False) or []
    out = []
    for i, item in enumerate(items):
        where = f"{path}.secondaryEmissionFactorSources[{i}]"
        source = _object(c, item, where)
        if source is None:
            continue
        name = _text(c, source, "name", where, True, nonempty=True)
        version = _text(c, source, "version", where, True, nonempty=True)
        if name is not None and version is not None:
            out.append(FactorSource(name, version))
    return tuple(out)


def _carbon_footprint(c: _Check, value: Any, path: str) -> CarbonFootprint | None:
    obj = _object(c, value, path)
    if obj is None:
        return None
    before = len(c.problems)
    f: dict[str, Any] = {
        "declared_unit_of_measurement": _choice(
            c, obj, "declaredUnitOfMeasurement", path, True, UNITS
        ),
        "reference_period_start": _datetime(c, obj, "referencePeriodStart", path, True),
        "reference_period_end": _datetime(c, obj, "referencePeriodEnd", path, True),
        "ipcc_characterization_factors": _texts(
            c,
            obj,
            "ipccCharacterizationFactors",
            path,
            True,
            True,
            _IPCC,
            "an IPCC report like AR6",
        ),
        "cross_sectoral_standards": _texts(c, obj, "crossSectoralStandards", path, True, False),
    }
    for key, attr, bound in REQUIRED_DECIMALS:
        f[attr] = _decimal(c, obj, key, path, True, bound)
    for key, attr, bound in OPTIONAL_DECIMALS:
        f[attr] = _decimal(c, obj, key, path, False, bound)
    for key, attr in OPTIONAL_TEXTS:
        f[attr] = _text(c, obj, key, path, False)

    start, end = f["reference_period_start"], f["reference_period_end"]
    if start is not None and end is not None and not start < end:
        c.add(
            f"{path}.referencePeriodEnd",
            "must be after referencePeriodStart (the end is exclusive)",
        )

    f["geography_region_or_subregion"] = _choice(
        c, obj, "geographyRegionOrSubregion", path, False, REGIONS
    )
    for key, attr, pattern, like in (
        ("geographyCountry", "geography_country", _COUNTRY, "an ISO 3166-1 code like DE"),
        (
            "geographyCountrySubdivision",
            "geography_country_subdivision",
            _SUBDIVISION,
            "an ISO 3166-2 code like US-TX",
        ),
    ):
        text = _text(c, obj, key, path, False)
        if text is not None and not pattern.fullmatch(text):
            c.add(f"{path}.{key}", f"must be {like}; got {text[:80]!r}")
            text = None
        f[attr] = text
    given = [key for key, _ in GEOGRAPHY if obj.get(key) is not None]
    if len(given) > 1:
        c.add(f"{path}.{given[1]}", f"at most one geography may be given; also {given[0]}")

    included = obj.get("packagingEmissionsIncluded")
    if included is not None and not isinstance(included, bool):
        c.add(f"{path}.packagingEmissionsIncluded", f"must be true or false, not {_kind(included)}")
        included = None
    f["packaging_emissions_included"] = included
    f["ccu_calculation_approach"] = _choice(
        c, obj, "ccuCalculationApproach", path, False, CCU_APPROACHES
    )
    f["product_or_sector_specific_rules"] = _rules(c, obj, path)
    f["secondary_emission_factor_sources"] = _factor_sources(c, obj, path)
    dqi = obj.get("dqi")
    f["dqi"] = None if dqi is None else _dqi(c, dqi, f"{path}.dqi")
    verification = obj.get("verification")
    f["verification"] = (
        None if verification is None else _verification(c, verification, f"{path}.verification")
    )
    if len(c.problems) > before:
        return None
    return CarbonFootprint(**f)


def _extensions(c: _Check, obj: Mapping[str, Any]) -> tuple[Extension, ...]:
    items = _list(c, obj, "extensions", "$", False, False) or []
    out = []
    for i, item in enumerate(items):
        where = f"$.extensions[{i}]"
        ext = _object(c, item, where)
        if ext is None:
            continue
        spec = _text(c, ext, "specVersion", where, True, nonempty=True)
        schema = _text(c, ext, "dataSchema", where, True, nonempty=True)
        documentation = _text(c, ext, "documentation", where, False)
        data = _field(c, ext, "data", where, True)
        if data is not None and not isinstance(data, dict):
            c.add(f"{where}.data", f"must be an object, not {_kind(data)}")
        elif spec is not None and schema is not None and data is not None:
            out.append(Extension(spec, schema, data, documentation))
    return tuple(out)


def _footprint(c: _Check, value: Any) -> ProductFootprint | None:
    obj = _object(c, value, "$")
    if obj is None:
        return None
    for key in V2_ONLY:
        if key in obj:
            c.add(f"$.{key}", "is a v2 field that v3 removed; a v2 footprint is read by from_v2")
    own = _field(c, obj, "id", "$", True)
    f: dict[str, Any] = {"id": None if own is None else _uuid(c, own, "$.id", v4=True)}
    spec = _text(c, obj, "specVersion", "$", True)
    if spec is not None and not _SPEC_V3.fullmatch(spec):
        hint = " (a v2 footprint is read by from_v2)" if _SPEC_V2.fullmatch(spec) else ""
        c.add("$.specVersion", f"must be a v3 version like 3.0.0; got {spec[:40]!r}{hint}")
    f["spec_version"] = spec
    f["created"] = _datetime(c, obj, "created", "$", True)
    f["status"] = _choice(c, obj, "status", "$", True, STATUSES)
    f["company_name"] = _text(c, obj, "companyName", "$", True, nonempty=True)
    f["company_ids"] = _urns(c, obj, "companyIds", "$", True)
    f["product_description"] = _text(c, obj, "productDescription", "$", True)
    f["product_ids"] = _urns(c, obj, "productIds", "$", True)
    f["product_classifications"] = _urns(c, obj, "productClassifications", "$", False) or ()
    f["product_name_company"] = _text(c, obj, "productNameCompany", "$", True, nonempty=True)
    f["comment"] = _text(c, obj, "comment", "$", False)
    f["validity_period_start"] = _datetime(c, obj, "validityPeriodStart", "$", False)
    f["validity_period_end"] = _datetime(c, obj, "validityPeriodEnd", "$", False)
    vstart, vend = f["validity_period_start"], f["validity_period_end"]
    if vstart is not None and vend is not None and not vstart < vend:
        c.add("$.validityPeriodEnd", "must be after validityPeriodStart")

    preceding: list[str] = []
    for i, item in enumerate(_list(c, obj, "precedingPfIds", "$", False, False) or []):
        where = f"$.precedingPfIds[{i}]"
        pid = _uuid(c, item, where, v4=False)
        if pid is None:
            continue
        if pid == f["id"]:
            c.add(where, "is the footprint's own id; a footprint cannot precede itself")
        elif pid in preceding:
            c.add(where, f"repeats {pid}")
        else:
            preceding.append(pid)
    f["preceding_pf_ids"] = tuple(preceding)

    pcf = _field(c, obj, "pcf", "$", True)
    f["pcf"] = None if pcf is None else _carbon_footprint(c, pcf, "$.pcf")
    f["extensions"] = _extensions(c, obj)
    if c.problems:
        return None
    return ProductFootprint(**f)


def parse(obj: object) -> ProductFootprint:
    """A PACT v3 ProductFootprint from its decoded JSON; PactError naming every problem."""
    c = _Check()
    try:
        pf = _footprint(c, obj)
    except RecursionError:  # only a hand-built cyclic or absurdly deep object gets here
        raise PactError([Problem("$", None, None, "is nested too deeply")]) from None
    if pf is None:
        raise PactError(c.problems)
    return pf


def _once(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            # Parsers disagree on which of the two values wins, so the file says two things.
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _decode(data: bytes, max_bytes: int) -> Any:
    def refuse(message: str) -> PactError:
        return PactError([Problem("$", None, None, message)])

    if len(data) > max_bytes:
        raise refuse(f"is {len(data)} bytes; at most {max_bytes} are accepted")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_once, parse_constant=_no_constant)
    except _DuplicateKey as exc:
        raise refuse(f"an object has the key {exc.key[:80]!r} twice") from None
    except RecursionError:
        raise refuse("is nested too deeply") from None
    except ValueError as exc:  # malformed JSON, NaN/Infinity, an integer of thousands of digits
        raise refuse(f"is not valid JSON: {str(exc)[:120]}") from None


def parse_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> ProductFootprint:
    """`parse` of raw JSON bytes: at most `max_bytes`, UTF-8, no key twice in one object, no
    NaN or Infinity."""
    return parse(_decode(data, max_bytes))
