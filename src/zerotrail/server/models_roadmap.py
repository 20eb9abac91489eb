"""The JSON of the roadmap, credits, claims and reports routes (api_roadmap.py, api_credits.py,
api_reports.py), as pydantic models: the fields are the stages' own, as the CLI's `--format
json` prints them. Strict as models.py is: the server checks its own answers against these."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from zerotrail.server.models import Count, Number, Tonnes, Year, error_answers

Text = Field(min_length=1, max_length=500)


def _whole(value: object) -> object:
    # A whole JSON number is that integer, as models.Year takes it (schemathesis sent 1e12).
    return int(value) if isinstance(value, float) and value.is_integer() else value


Quantity = Annotated[int, Field(strict=True, ge=1, le=10**12), BeforeValidator(_whole)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- targets and initiatives ---------------------------------------------------------------------


class TargetVersion(_Model):
    """One stored version of a target (`zerotrail targets list` / `targets history`)."""

    id: str
    kind: str
    name: str
    version: Count
    status: str = Field(description="active or withdrawn")
    added_at: str = Field(description="When this version was stored (UTC, ISO 8601).")
    reason: str | None = Field(description="Why this version was stored, when it changed one.")
    set_year: int
    definition: dict[str, Any] = Field(description="Every field of the target as stored.")


class Targets(_Model):
    targets: list[TargetVersion] = Field(description="The targets in force (latest versions).")


class TargetHistory(_Model):
    id: str
    versions: list[TargetVersion] = Field(description="Every version, oldest first.")


class SiteShare(_Model):
    site: str
    expected_t: Tonnes
    attributed_t: Tonnes
    from_year: int | None
    fall_t: Number | None


class Initiative(_Model):
    """An initiative's latest version with its expected and realized abatement in the year."""

    initiative_id: str
    version: Count
    name: str
    owner: str | None
    lever: str
    sites: list[str]
    start_year: int
    expected_t: Tonnes
    realized_t: Number | None = Field(description="t CO2e; null when it cannot be measured")
    realized_pct: Number | None
    not_measured: str | None = Field(description="Why the abatement is not measured.")
    claims: str | None = Field(description="The slice of emissions the lever claims.")
    baseline_year: int
    baseline_t: Number | None
    by_site: list[SiteShare]
    cost: Number | None
    currency: str | None


class InitiativeTotals(_Model):
    expected_t: Tonnes
    measured_expected_t: Tonnes
    realized_t: Tonnes


class Initiatives(_Model):
    year: Year
    basis: str = Field(description="Scope 2 method the abatement is measured with.")
    initiatives: list[Initiative]
    totals: InitiativeTotals


# --- finalizing, credits and claims --------------------------------------------------------------


class YearRequest(_Model):
    year: Year


class Finalized(_Model):
    year: Year
    run_id: str = Field(description="The run now final.")
    newly: bool = Field(description="False when the run was final already.")


class Credit(_Model):
    """The current version of a block of credits (`zerotrail credits list --format json`)."""

    credit_id: str
    version: Count
    registry: str
    project_id: str
    project_name: str | None
    methodology: str
    type: str
    durability: str
    vintage: int
    serial_start: str
    serial_end: str
    quantity: Number = Field(description="t CO2e: one credit per tonne")
    status: str
    retired_on: date | None
    beneficiary: str | None
    reason: str | None
    claim_year: int | None
    ccp_label: bool | None
    corsia_eligible: bool | None
    corresponding_adjustment: bool | None
    split_from: str | None


class Credits(_Model):
    credits: list[Credit]
    by_type: dict[str, Number] = Field(description="t CO2e of the credits listed, by type.")
    by_status: dict[str, Number] = Field(description="t CO2e of the credits listed, by status.")


class RetireRequest(_Model):
    """A retirement made in the registry (`zerotrail credits retire`)."""

    on: date = Field(description="The registry's retirement date (not in the future).")
    beneficiary: str = Text
    reason: str = Text
    claim_year: Year | None = Field(None, description="Assign the retired credits to a claim.")
    quantity: Quantity | None = Field(
        None, description="Retire only the block's first QUANTITY credits (split from it)."
    )


class Retired(_Model):
    credit_ids: list[str] = Field(description="The blocks written (a split makes a new one).")


class Assigned(_Model):
    credit_id: str
    year: Year


class ClaimCredit(_Model):
    credit_id: str
    registry: str
    project_id: str
    type: str
    durability: str
    vintage: int
    serial_start: str
    serial_end: str
    quantity: Number
    retired_on: date | None
    counted: bool
    why_not: list[str] | None


class PlanStep(_Model):
    target_id: str
    status: str


class Claim(_Model):
    """A year's neutrality claim (`zerotrail claim neutrality --format json`): whether it
    holds, its figures, every failure and warning, and each credit block with why it counts
    or not. `version` is the stored version (null in a preview, which stores nothing)."""

    holds: bool
    gross_t: Tonnes
    credits_t: Tonnes
    by_type: dict[str, Number]
    removals_t: Tonnes
    removal_share: Number | None
    net_t: Tonnes
    failures: list[str]
    warnings: list[str]
    credits: list[ClaimCredit]
    claim_id: str
    target_id: str
    year: Year
    boundary: str
    run_id: str | None
    final: bool
    plan: list[PlanStep]
    standard: str
    version: Count | None = None


class ClaimRequest(_Model):
    year: Year
    target_id: str | None = Field(
        None, min_length=1, max_length=200, description="Else the only neutrality target."
    )


# --- reports -------------------------------------------------------------------------------------


class Report(_Model):
    """A published report kept by the server: its year's latest publication."""

    year: Year
    report_id: str
    published_at: str
    files: list[str] = Field(description="The file names GET /api/reports/{year}/{file} serves.")


class Reports(_Model):
    reports: list[Report] = Field(description="One per year published through this server.")


class Published(_Model):
    report_id: str
    year: Year
    checkpoint_size: Count = Field(description="Leaves of the checkpoint the report is built on.")
    files: list[str]


# --- the error answers every route declares ------------------------------------------------------


ERRORS = error_answers(
    "The caller's role may not use this route (one line saying why).",
    "Not found: no such target, report or route.",
)
