"""The JSON the REST API sends and takes, as pydantic models (they make /openapi.json exact).

Figures are strict: a tonne field holds a JSON number and nothing a lax parser would turn into
one (`false`, `"12"`); the server also checks its own answers against these models, so a figure
of the wrong type is a server error, never a quietly wrong document. The inventory models follow
`zerotrail inventory --format json` field for field (reports/inventory.py `summary`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, overload

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR

Tonnes = Annotated[float, Field(strict=True, description="t CO2e")]
Number = Annotated[float, Field(strict=True)]
Count = Annotated[int, Field(strict=True, ge=0)]


def _integral(value: object) -> object:
    # JSON has one number type: 2023.0 is the integer 2023 (JSON Schema agrees, and schemathesis
    # sent it). Strictness still refuses `true`, "2023" and 2023.5.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Year = Annotated[int, Field(strict=True, ge=FIRST_YEAR, le=LAST_YEAR), BeforeValidator(_integral)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(_Model):
    """Every refusal: one line saying what was wrong."""

    detail: str


def error_answers(forbidden: str, not_found: str) -> dict[int | str, dict[str, Any]]:
    """Every answer a router's routes may give besides 200, as FastAPI's `responses` (declared,
    so that the OpenAPI document lists each): the same for every router but what its 403
    (`forbidden`) and 404 (`not_found`) mean."""

    def error(description: str) -> dict[str, Any]:
        return {"model": ErrorBody, "description": description}

    return {
        400: error("A stage refused the request (one line saying why)."),
        401: error("No token, or a token that names no user (with WWW-Authenticate: Bearer)."),
        403: error(forbidden),
        404: error(not_found),
        422: error("The request does not fit this document (one line naming the field)."),
        500: error("An internal error (named in the server's log only)."),
        503: error("The workspace cannot be used now (in use by another process, or down)."),
    }


class Me(_Model):
    name: str
    role: str
    entities: list[str] = Field(description="The entity ids an owner may see; [] for others.")
    can_write: bool


class GasAmount(_Model):
    mass_t: Number = Field(description="t of the gas")
    co2e_t: Tonnes


class ElectricityKind(_Model):
    site_kind: str | None
    mwh: Number
    renewable_mwh: Number


class RecordProblem(_Model):
    record_id: str
    message: str


class Inventory(_Model):
    """A year's current inventory (the JSON of `zerotrail inventory --format json`)."""

    year: Year
    run_id: str
    gwp_set: str
    consolidation: str
    unit: str
    scope1: Tonnes
    scope2_location: Tonnes
    scope2_market: Tonnes
    scope3: Tonnes
    scope3_market: Tonnes
    scope3_by_category: dict[str, Tonnes] = Field(description="Categories '1' to '15'.")
    by_gas: dict[str, GasAmount]
    biogenic_co2: Tonnes = Field(description="t CO2, outside the scopes")
    total_location: Tonnes
    total_market: Tonnes
    scope3_data_quality: Number | None
    electricity_by_site_kind: list[ElectricityKind]
    flags: dict[str, Count] = Field(description="Records per flag.")
    problems: list[RecordProblem] = Field(description="The first records not calculated.")
    problem_count: Count
    notes: list[str]
    entities: list[str] | None = Field(
        None,
        description="null: the whole organization's inventory. A list (an owner's entities):"
        " the figures are the part of those entities' records only, never the organization's"
        " total; problems are those of their records, and the run's notes are left out.",
    )


class Checkpoint(_Model):
    """The latest signed checkpoint of the workspace's log (a C2SP signed note)."""

    origin: str
    size: Count
    note: str = Field(description="The signed note, exactly as stored.")


class CalculationRequest(_Model):
    year: Year
    gwp: str = "AR5"
    approach: str = "operational_control"
    blend_rule: str = "composition"
    factor_policy: str = "nearest"


class Calculation(_Model):
    """A stored calculation run, as `zerotrail calculate` reports it."""

    run_id: str
    year: Year
    gwp_set: str
    consolidation: str
    factor_policy: str
    records: Count
    problems: Count
    notes: list[str]
    unresolved: list[RecordProblem] = Field(description="The first records not calculated.")


class TargetProgress(_Model):
    """One target against its pathway in a year (`zerotrail progress --format json`)."""

    id: str
    kind: str
    name: str
    year: Year
    status: str
    actual: Number | None
    pathway: Number | None
    target_value: Number | None
    gap: Number | None
    unit: str
    base_year: int | None
    target_year: int | None
    base_value: Number | None
    base_version: int | None
    fraction_of_way: Number | None
    forecast: Number | None
    history: dict[str, Number]
    notes: list[str]
    subject: str | None
    site_kind: str | None
    claim_years: dict[str, bool | None]


class Progress(_Model):
    year: Year
    targets: list[TargetProgress]


@overload
def as_utc(at: datetime) -> datetime: ...
@overload
def as_utc(at: None) -> None: ...
def as_utc(at: datetime | None) -> datetime | None:
    """A time the stages record in UTC without a zone, with its zone: sent without one, it would
    not be the RFC 3339 date-time the OpenAPI document promises (schemathesis found it)."""
    return None if at is None else at.replace(tzinfo=UTC)
