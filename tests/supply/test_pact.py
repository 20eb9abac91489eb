"""PACT v3 footprints: reading, every rule, writing back, v2 import, hostile input
(zerotrail.supply.pact)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerotrail.errors import DataError
from zerotrail.supply.pact import parse, parse_bytes
from zerotrail.supply.pact_json import supersede, to_json
from zerotrail.supply.pact_model import UNITS, PactError, ProductFootprint
from zerotrail.supply.pact_v2 import from_v2

PF_ID = "6f0c2b7e-3d41-4a5e-9b2c-8e7f1a2d3c4b"
OLD_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def valid() -> dict[str, Any]:
    # A payments company's cloud storage product, per GB-month; our own example.
    return {
        "id": PF_ID,
        "specVersion": "3.0.1",
        "precedingPfIds": [OLD_ID],
        "created": "2026-02-10T09:30:00Z",
        "validityPeriodStart": "2026-02-10T00:00:00Z",
        "status": "Active",
        "companyName": "Northwind Racks Ltd",
        "companyIds": ["urn:pact:company:customcode:buyer-id:778"],
        "productDescription": "Object storage, replicated in two sites",
        "productIds": ["urn:pact:product:customcode:vendor-id:STOR-2"],
        "productClassifications": ["urn:cpc:8315"],
        "productNameCompany": "Cold Store 2",
        "comment": "Allocated by stored volume",
        "pcf": {
            "declaredUnitOfMeasurement": "kilowatt hour",
            "declaredUnitAmount": "12.5",
            "productMassPerDeclaredUnit": "0",
            "referencePeriodStart": "2025-01-01T00:00:00Z",
            "referencePeriodEnd": "2026-01-01T00:00:00Z",
            "geographyCountry": "IE",
            "pcfExcludingBiogenicUptake": "3.075",
            "pcfIncludingBiogenicUptake": "3.075",
            "fossilGhgEmissions": "2.9",
            "fossilCarbonContent": "0",
            "biogenicCO2Uptake": "-0.01",
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["GHGP-Product", "ISO14067", "Some-Future-Standard"],
            "exemptedEmissionsPercent": "0.4",
            "primaryDataShare": "61.5",
            "dqi": {"technologicalDQR": "1.2", "geographicalDQR": "2", "temporalDQR": "1.8"},
            "verification": {
                "coverage": "product level",
                "providerName": "Audit & Co",
                "completedAt": "2026-01-20T00:00:00+01:00",
            },
            "productOrSectorSpecificRules": [
                {"operator": "Other", "ruleNames": ["Cloud PCR 1"], "otherOperatorName": "X"}
            ],
            "secondaryEmissionFactorSources": [{"name": "ecoinvent", "version": "3.10"}],
        },
    }


def refused(obj: object) -> PactError:
    with pytest.raises(PactError) as info:
        parse(obj)
    return info.value


def test_a_valid_footprint_reads_into_values() -> None:
    pf = parse(valid())
    assert pf.id == PF_ID
    assert pf.preceding_pf_ids == (OLD_ID,)
    assert pf.pcf.declared_unit_amount == Decimal("12.5")
    assert pf.pcf.pcf_excluding_biogenic_uptake == Decimal("3.075")
    assert pf.pcf.cross_sectoral_standards[-1] == "Some-Future-Standard"
    assert pf.pcf.verification is not None
    assert pf.pcf.verification.completed_at == datetime(2026, 1, 19, 23, 0, tzinfo=UTC)
    assert pf.pcf.dqi is not None and pf.pcf.dqi.geographical == Decimal(2)
    # No validity given: three years after the reference period's end.
    assert pf.valid_until() == datetime(2029, 1, 1, tzinfo=UTC)


def test_writing_back_and_reading_again_gives_the_same_footprint() -> None:
    pf = parse(valid())
    out = to_json(pf)
    assert parse(out) == pf
    assert out["pcf"]["declaredUnitAmount"] == "12.5"
    assert out["pcf"]["verification"]["completedAt"] == "2026-01-19T23:00:00Z"
    assert json.loads(json.dumps(out)) == out


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of obj with `path` (dotted, under $) set to value, or removed for ...."""
    out = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target = out
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return out


BROKEN = [
    ("id", "not-a-uuid", "$.id"),
    ("id", "6f0c2b7e-3d41-1a5e-9b2c-8e7f1a2d3c4b", "$.id"),  # a version 1 UUID
    ("id", ..., "$.id"),
    ("specVersion", "2.3.0", "$.specVersion"),
    ("specVersion", "3.0", "$.specVersion"),
    ("status", "Retired", "$.status"),
    ("created", "2026-02-10T09:30:00", "$.created"),  # no time zone
    ("created", "2026-02-30T09:30:00Z", "$.created"),
    ("precedingPfIds", [PF_ID], "$.precedingPfIds[0]"),
    ("precedingPfIds", [OLD_ID, OLD_ID.upper()], "$.precedingPfIds[1]"),
    ("precedingPfIds", ["nope"], "$.precedingPfIds[0]"),
    ("companyName", " ", "$.companyName"),
    ("companyIds", [], "$.companyIds"),
    ("companyIds", ["buyer-778"], "$.companyIds[0]"),
    ("productIds", ["urn:gtin"], "$.productIds[0]"),
    ("productIds", "urn:gtin:4012345678901", "$.productIds"),
    ("productClassifications", ["cpc 8315"], "$.productClassifications[0]"),
    ("productNameCompany", "", "$.productNameCompany"),
    ("version", 2, "$.version"),
    ("pcf", ..., "$.pcf"),
    ("pcf", [], "$.pcf"),
    ("validityPeriodEnd", "2020-01-01T00:00:00Z", "$.validityPeriodEnd"),
    ("pcf.declaredUnitOfMeasurement", "gram", "$.pcf.declaredUnitOfMeasurement"),
    ("pcf.declaredUnitAmount", "0", "$.pcf.declaredUnitAmount"),
    ("pcf.declaredUnitAmount", "-1", "$.pcf.declaredUnitAmount"),
    ("pcf.declaredUnitAmount", 12.5, "$.pcf.declaredUnitAmount"),  # a JSON number
    ("pcf.productMassPerDeclaredUnit", ..., "$.pcf.productMassPerDeclaredUnit"),
    ("pcf.referencePeriodEnd", "2025-01-01T00:00:00Z", "$.pcf.referencePeriodEnd"),
    ("pcf.referencePeriodStart", ..., "$.pcf.referencePeriodStart"),
    ("pcf.pcfExcludingBiogenicUptake", ..., "$.pcf.pcfExcludingBiogenicUptake"),
    ("pcf.pcfIncludingBiogenicUptake", "1e3", "$.pcf.pcfIncludingBiogenicUptake"),
    ("pcf.fossilGhgEmissions", "-0.1", "$.pcf.fossilGhgEmissions"),
    ("pcf.fossilCarbonContent", None, "$.pcf.fossilCarbonContent"),
    ("pcf.biogenicCO2Uptake", "0.01", "$.pcf.biogenicCO2Uptake"),
    ("pcf.ipccCharacterizationFactors", [], "$.pcf.ipccCharacterizationFactors"),
    ("pcf.ipccCharacterizationFactors", ["SAR"], "$.pcf.ipccCharacterizationFactors[0]"),
    ("pcf.crossSectoralStandards", ..., "$.pcf.crossSectoralStandards"),
    ("pcf.crossSectoralStandards", [7], "$.pcf.crossSectoralStandards[0]"),
    ("pcf.exemptedEmissionsPercent", "101", "$.pcf.exemptedEmissionsPercent"),
    ("pcf.geographyCountry", "ie", "$.pcf.geographyCountry"),
    ("pcf.geographyCountrySubdivision", "US-TEXAS", "$.pcf.geographyCountrySubdivision"),
    ("pcf.geographyRegionOrSubregion", "Atlantis", "$.pcf.geographyRegionOrSubregion"),
    ("pcf.primaryDataShare", "100.01", "$.pcf.primaryDataShare"),
    ("pcf.dqi.temporalDQR", "5.5", "$.pcf.dqi.temporalDQR"),
    ("pcf.dqi.technologicalDQR", "0.9", "$.pcf.dqi.technologicalDQR"),
    ("pcf.dqi.geographicalDQR", ..., "$.pcf.dqi.geographicalDQR"),
    ("pcf.verification.coverage", "everything", "$.pcf.verification.coverage"),
    ("pcf.verification.completedAt", "soon", "$.pcf.verification.completedAt"),
    ("pcf.packagingEmissionsIncluded", "yes", "$.pcf.packagingEmissionsIncluded"),
    ("pcf.ccuCalculationApproach", "Offset", "$.pcf.ccuCalculationApproach"),
    (
        "pcf.productOrSectorSpecificRules",
        [{"operator": "Other", "ruleNames": ["R"]}],
        "$.pcf.productOrSectorSpecificRules[0].otherOperatorName",
    ),
    (
        "pcf.secondaryEmissionFactorSources",
        [{"name": "ecoinvent"}],
        "$.pcf.secondaryEmissionFactorSources[0].version",
    ),
    ("extensions", [{"specVersion": "2.0.0", "dataSchema": "x"}], "$.extensions[0].data"),
]


@pytest.mark.parametrize(
    ("field", "value", "path"), BROKEN, ids=[f"{b[0]}={b[1]!r}" for b in BROKEN]
)
def test_each_rule_broken_alone_is_refused_at_its_path(field: str, value: Any, path: str) -> None:
    obj = valid()
    if field.startswith("pcf.geography"):  # one geography at a time: that rule is tested apart
        del obj["pcf"]["geographyCountry"]
    error = refused(_set(obj, field, value))
    assert error.paths == (path,), str(error)
    assert isinstance(error, DataError)
    assert path in str(error)


def test_two_geographies_are_refused() -> None:
    error = refused(_set(valid(), "pcf.geographyCountrySubdivision", "IE-D"))
    assert error.paths == ("$.pcf.geographyCountrySubdivision",)
    assert "at most one geography" in str(error)


def test_every_problem_is_reported_together() -> None:
    obj = valid()
    obj["status"] = "Gone"
    obj["pcf"]["referencePeriodEnd"] = "2024-06-01T00:00:00Z"
    obj["pcf"]["declaredUnitAmount"] = 1
    obj["pcf"]["dqi"]["temporalDQR"] = "9"
    del obj["companyIds"]
    error = refused(obj)
    assert set(error.paths) == {
        "$.status",
        "$.companyIds",
        "$.pcf.referencePeriodEnd",
        "$.pcf.declaredUnitAmount",
        "$.pcf.dqi.temporalDQR",
    }
    assert "$.pcf.referencePeriodEnd: must be after referencePeriodStart" in str(error)


def test_optional_fields_may_be_absent() -> None:
    obj = valid()
    for key in ("precedingPfIds", "productClassifications", "comment"):
        del obj[key]
    for key in ("geographyCountry", "biogenicCO2Uptake", "primaryDataShare", "dqi", "verification"):
        del obj["pcf"][key]
    pf = parse(obj)
    assert pf.pcf.dqi is None and pf.preceding_pf_ids == ()
    assert parse(to_json(pf)) == pf


def test_every_unit_of_the_spec_is_accepted() -> None:
    for unit in UNITS:
        assert parse(_set(valid(), "pcf.declaredUnitOfMeasurement", unit)).pcf
    assert len(UNITS) == 10


def test_supersede_deprecates_the_old_and_chains_the_new() -> None:
    old = parse(_set(valid(), "precedingPfIds", ...))
    draft = parse(
        _set(_set(valid(), "id", "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a"), "precedingPfIds", ...)
    )
    gone, new = supersede(old, draft)
    assert gone.status == "Deprecated" and gone.id == old.id
    assert new.status == "Active" and new.preceding_pf_ids == (old.id,)
    assert parse(to_json(new)) == new
    with pytest.raises(PactError, match="new id"):
        supersede(old, old)


# --- v2 import -----------------------------------------------------------------------------------


def v2() -> dict[str, Any]:
    return {
        "id": "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "specVersion": "2.3.0",
        "version": 1,
        "created": "2024-05-01T00:00:00Z",
        "status": "Active",
        "companyName": "Northwind Racks Ltd",
        "companyIds": ["urn:uuid:1c2d3e4f-0000-4000-8000-000000000001"],
        "productDescription": "Steel server rack",
        "productIds": ["urn:gtin:4012345678901"],
        "productCategoryCpc": "4291",
        "productNameCompany": "Rack 42U",
        "comment": "",
        "pcf": {
            "declaredUnit": "kilogram",
            "unitaryProductAmount": "95",
            "pCfExcludingBiogenic": "2.2",
            "pCfIncludingBiogenic": "2.1",
            "fossilGhgEmissions": "2.0",
            "fossilCarbonContent": "0.05",
            "biogenicCarbonContent": "0",
            "dLucGhgEmissions": "0.1",
            "characterizationFactors": "AR5",
            "ipccCharacterizationFactorsSources": ["AR6"],
            "crossSectoralStandardsUsed": ["GHG Protocol Product standard", "ISO Standard 14067"],
            "boundaryProcessesDescription": "Cradle to gate",
            "referencePeriodStart": "2023-01-01T00:00:00Z",
            "referencePeriodEnd": "2024-01-01T00:00:00Z",
            "geographyRegionOrSubregion": "Western Europe",
            "exemptedEmissionsPercent": 1.5,
            "exemptedEmissionsDescription": "Paint",
            "packagingEmissionsIncluded": True,
            "primaryDataShare": 40,
            "dqi": {
                "coveragePercent": 90,
                "technologicalDQR": 1.5,
                "temporalDQR": 2,
                "geographicalDQR": 1,
                "completenessDQR": 2,
                "reliabilityDQR": 2,
            },
            "assurance": {
                "assurance": True,
                "coverage": "product level",
                "providerName": "Audit & Co",
            },
        },
    }


def test_a_v2_footprint_maps_onto_v3() -> None:
    pf = from_v2(v2())
    cf = pf.pcf
    assert pf.spec_version == "3.0.0"
    assert pf.product_classifications == ("urn:cpc:4291",)
    assert cf.declared_unit_of_measurement == "kilogram"
    assert cf.declared_unit_amount == Decimal(95)
    assert cf.product_mass_per_declared_unit == Decimal(95)  # a kilogram unit weighs its amount
    assert cf.pcf_excluding_biogenic_uptake == Decimal("2.2")
    assert cf.pcf_including_biogenic_uptake == Decimal("2.1")
    assert cf.ipcc_characterization_factors == ("AR6",)
    assert cf.cross_sectoral_standards == ("GHGP-Product", "ISO14067")
    assert cf.exempted_emissions_percent == Decimal("1.5")
    assert cf.primary_data_share == Decimal(40)
    assert cf.dqi is not None and cf.dqi.temporal == Decimal(2)
    assert cf.verification is not None and cf.verification.coverage == "product level"
    assert parse(to_json(pf)) == pf


def test_a_v2_footprint_with_only_the_deprecated_factor_field() -> None:
    obj = _set(v2(), "pcf.ipccCharacterizationFactorsSources", ...)
    assert from_v2(obj).pcf.ipcc_characterization_factors == ("AR5",)


def test_v2_without_a_derivable_mass_is_refused_unless_given() -> None:
    obj = _set(v2(), "pcf.declaredUnit", "liter")
    with pytest.raises(PactError) as info:
        from_v2(obj)
    assert info.value.paths == ("$.pcf.productMassPerDeclaredUnit",)
    assert from_v2(obj, Decimal("0.8")).pcf.product_mass_per_declared_unit == Decimal("0.8")


def test_v2_problems_are_named_by_their_v2_paths() -> None:
    obj = _set(v2(), "pcf.pCfIncludingBiogenic", ...)
    obj["pcf"]["unitaryProductAmount"] = "0"
    obj["pcf"]["dqi"]["temporalDQR"] = 4
    obj["specVersion"] = "3.0.0"
    with pytest.raises(PactError) as info:
        from_v2(obj)
    assert set(info.value.paths) == {
        "$.specVersion",
        "$.pcf.pCfIncludingBiogenic",
        "$.pcf.unitaryProductAmount",
        "$.pcf.dqi.temporalDQR",
    }
    with pytest.raises(PactError) as info:
        from_v2(_set(v2(), "pcf.declaredUnit", "piece"))
    assert "$.pcf.declaredUnit" in info.value.paths


def test_a_v2_object_read_as_v3_is_pointed_at_from_v2() -> None:
    error = refused(v2())
    assert "$.specVersion" in error.paths and "from_v2" in str(error)


# --- hostile input -------------------------------------------------------------------------------


def test_bytes_read_like_the_object() -> None:
    assert parse_bytes(json.dumps(valid()).encode()) == parse(valid())


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b'{"id": "a", "id": "b"}', "twice"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"x": NaN}', "not valid JSON"),
        (b'{"x": 1' + b"0" * 10_000 + b"}", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b" " * 2_000_000, "at most"),
    ],
    ids=["duplicate", "deep", "nan", "huge-int", "not-utf8", "truncated", "too-big"],
)
def test_hostile_bytes_are_refused_with_one_line(data: bytes, says: str) -> None:
    with pytest.raises(PactError, match=says) as info:
        parse_bytes(data)
    assert info.value.paths == ("$",)


def test_a_duplicate_key_deep_inside_is_refused() -> None:
    text = json.dumps(valid()).replace(
        '"temporalDQR": "1.8"', '"temporalDQR": "1.8", "temporalDQR": "5"'
    )
    with pytest.raises(PactError, match="temporalDQR"):
        parse_bytes(text.encode())


@pytest.mark.parametrize(
    "text",
    ["NaN", "Infinity", "-inf", "1e400", "1" * 65, "0x10", "١٢", " 1", "1.", ".5", "1_000", ""],
)
def test_number_like_strings_that_are_not_plain_decimals_are_refused(text: str) -> None:
    error = refused(_set(valid(), "pcf.pcfExcludingBiogenicUptake", text))
    assert error.paths == ("$.pcf.pcfExcludingBiogenicUptake",)


def test_a_long_but_bounded_decimal_is_exact() -> None:
    text = "9" * 40 + "." + "1" * 20
    pf = parse(_set(valid(), "pcf.pcfExcludingBiogenicUptake", text))
    assert to_json(pf)["pcf"]["pcfExcludingBiogenicUptake"] == text


def test_a_non_object_is_refused() -> None:
    assert refused([valid()]).paths == ("$",)
    assert refused(None).paths == ("$",)


# --- property: whatever valid footprint, write and read back is the identity ------------------

_scale = st.integers(min_value=0, max_value=6)


def _dec(low: int = 0, high: int = 10**6) -> st.SearchStrategy[str]:
    # n x 10^-s written in fixed point, as a supplier would.
    return st.builds(
        lambda n, s: format(Decimal(n).scaleb(-s), "f"),
        st.integers(min_value=low, max_value=high),
        _scale,
    )


_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@st.composite
def footprints(draw: st.DrawFn) -> dict[str, Any]:
    obj = valid()
    start = draw(_times)
    end = draw(_times.filter(lambda t: t > start))
    obj["pcf"]["referencePeriodStart"] = start.isoformat()
    obj["pcf"]["referencePeriodEnd"] = end.isoformat()
    obj["pcf"]["declaredUnitOfMeasurement"] = draw(st.sampled_from(UNITS))
    obj["pcf"]["declaredUnitAmount"] = draw(_dec(1))
    obj["pcf"]["pcfExcludingBiogenicUptake"] = draw(_dec(-(10**6)))
    obj["pcf"]["pcfIncludingBiogenicUptake"] = draw(_dec(-(10**6)))
    obj["pcf"]["fossilGhgEmissions"] = draw(_dec())
    obj["pcf"]["primaryDataShare"] = draw(_dec(0, 100).filter(lambda t: Decimal(t) <= 100))
    obj["pcf"]["crossSectoralStandards"] = draw(
        st.lists(st.text(min_size=1).filter(str.strip), max_size=3)
    )
    obj["companyName"] = draw(st.text(min_size=1).filter(str.strip))
    obj["comment"] = draw(st.none() | st.text())
    if obj["comment"] is None:
        del obj["comment"]
    if draw(st.booleans()):
        del obj["pcf"]["geographyCountry"]
        obj["pcf"]["geographyCountrySubdivision"] = "DE-BY"
    return obj


@settings(max_examples=60, deadline=None)
@given(footprints())
def test_parse_of_to_json_is_the_identity(obj: dict[str, Any]) -> None:
    pf = parse(obj)
    again = parse(json.loads(json.dumps(to_json(pf))))
    assert again == pf
    assert to_json(again) == to_json(pf)
    assert isinstance(again, ProductFootprint)
