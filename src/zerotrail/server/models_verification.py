"""The JSON of the verification routes (api_verification.py), as pydantic models: the fields are
the verification stage's own (pipeline/verification.py), as `zerotrail verification list`,
`plan`, `finding list` and `evaluate` show them. Strict as models.py is: the server checks its
own answers against these.

The closed lists (levels, kinds, types, natures, outcomes) are the stage's tuples spelt out as
Literals, so that the OpenAPI document lists them and a request outside them is a 422 naming
the field; tests/server/test_verification_api.py holds each to the stage's tuple.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from zerotrail.server.models import Count, Number, Tonnes, Year

Level = Literal["limited", "reasonable"]
EngagementStatus = Literal["open", "sampled", "concluded"]
FindingKind = Literal["misstatement", "nonconformity"]
FindingType = Literal["CAR", "CL", "FAR", "observation"]
Nature = Literal["factual", "judgmental", "projected"]
FindingStatus = Literal["raised", "responded", "closed", "reopened"]
Outcome = Literal["corrected", "accepted-uncorrected"]
Risk = Literal["low", "medium", "high"]
Flag = Literal["material", "approaching", "below"]
OpinionKind = Literal["unmodified", "qualified", "adverse", "disclaimer"]

# The stage's bounds (pipeline/verification.py MAX_SEED_LENGTH, MAX_FINDING_TEXT): the stage
# checks them again, with the rest of its rules (printable text, one line).
Seed = Annotated[str, Field(min_length=1, max_length=200)]
Note = Annotated[str, Field(min_length=1, max_length=2000)]
RecordId = Annotated[str, Field(min_length=1, max_length=200)]


def _whole(value: object) -> object:
    # A whole JSON number is that integer, as models.Year takes it (schemathesis sends 2.0).
    return int(value) if isinstance(value, float) and value.is_integer() else value


Scope = Annotated[int, Field(strict=True, ge=1, le=3), BeforeValidator(_whole)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- engagements ---------------------------------------------------------------------------------


class Engagement(_Model):
    """An engagement's latest version: one verification of one year's final inventory against
    one cosigned checkpoint."""

    id: str = Field(description="E<year>-<n>")
    version: Count
    year: Year
    verifier: str = Field(description="The verification body's name.")
    level: Level = Field(description="The level of assurance.")
    criteria: str
    materiality: str = Field(
        description="The overall rule: a percent of the total's t CO2e ('5%') or tonnes ('1200t')."
    )
    scope_materiality: str = Field(
        description="Scopes with a rule of their own, e.g. '3=10%;1=500t'; '' when every scope"
        " takes the overall rule."
    )
    scopes: list[int] = Field(description="The scopes verified.")
    run_id: str = Field(description="The final inventory (run) the engagement covers.")
    checkpoint_size: Count = Field(description="The cosigned checkpoint it covers.")
    checkpoint_sha256: str = Field(description="SHA-256 (hex) of that checkpoint's signed note.")
    seed: str | None = Field(description="The verifier's seed; null before the draw.")
    sample_sha256: str | None = Field(description="SHA-256 (hex) of the drawn records.")
    status: EngagementStatus
    actor: str = Field(description="Who made this version.")
    changed_at: datetime = Field(description="When this version was recorded (UTC).")


class Engagements(_Model):
    engagements: list[Engagement] = Field(description="Oldest first.")


class Stratum(_Model):
    """A stratum's inherent risk and its monetary-unit sample size, with the formula."""

    stratum: str = Field(description="scope1:<family>, scope2:<family> or scope3:cat<N>")
    records: Count
    t_co2e: Tonnes
    share: Number = Field(description="Of the population's t CO2e.")
    mean_dq: Number = Field(description="Mean data-quality score, 1 (best) to 5 (worst).")
    complex_share: Number
    approved_share: Number = Field(description="Came through an approved submission.")
    factors: dict[str, int] = Field(description="Each risk factor's score, 1 low to 3 high.")
    risk: Risk
    reasons: list[str]
    confidence: Number
    reliability_factor: Number
    tolerable_t: Tonnes
    interval_t: Tonnes = Field(description="The sampling interval.")
    size: Count
    formula: str
    drawn: Count | None = Field(description="Records drawn from it; null before the draw.")


class DrawnRecord(_Model):
    record_id: str
    version: Count
    stratum: str
    key_item: bool = Field(description="Selected for its size alone (at least the interval).")
    t_co2e: Tonnes = Field(description="As the run states it (location-based).")
    order: Count = Field(description="Its place in the stratum's seeded order.")


class Population(_Model):
    records: Count
    t_co2e: Tonnes


class Materiality(_Model):
    """The engagement's materiality in tonnes: overall and per scope."""

    overall_t: Tonnes
    scope1_t: Tonnes
    scope2_t: Tonnes
    scope3_t: Tonnes
    performance_share: Number = Field(description="Performance materiality, a share of it.")
    trivial_share: Number = Field(description="Clearly trivial, a share of it.")


class Finding(_Model):
    """A finding's latest version."""

    id: str = Field(description="<engagement id>-F<n>")
    version: Count
    engagement_id: str
    kind: FindingKind
    type: FindingType
    nature: Nature | None = Field(description="A misstatement's; null for a non-conformity.")
    scope: int | None
    stratum: str | None
    amount_t: Tonnes | None = Field(description="Signed: positive when the inventory overstates.")
    records: list[str]
    clause: str | None = Field(description="The clause or rule a non-conformity breaches.")
    text: str
    status: FindingStatus
    outcome: Outcome | None = Field(description="A closed finding's.")
    note: str | None = Field(description="The response, or why it was closed or reopened.")
    actor: str = Field(description="Who made this version.")
    changed_at: datetime = Field(description="UTC")


class EngagementDetail(_Model):
    """An engagement with its plan, the records drawn and its findings, as
    `zerotrail verification plan` and `finding list` show them."""

    engagement: Engagement
    sample_run_id: str = Field(
        description="The run the sample is drawn from (the covered run until the draw; it stays"
        " the same after a restatement)."
    )
    population: Population
    materiality: Materiality
    strata: list[Stratum]
    drawn: list[DrawnRecord] = Field(description="[] before the draw.")
    findings: list[Finding]


class Rollup(_Model):
    """Uncorrected misstatements, known and projected, against materiality: one scope, or
    overall (`scope` null)."""

    scope: int | None
    known_t: Tonnes
    projected_t: Tonnes
    net_t: Tonnes
    gross_t: Tonnes
    misstatements: Count
    trivial_count: Count
    trivial_gross_t: Tonnes
    materiality_t: Tonnes
    performance_t: Tonnes
    flag: Flag


class Opinion(_Model):
    kind: OpinionKind | None = Field(description="null while no opinion may be issued yet.")
    reasons: list[str] = Field(description="The matters behind it, or why none may be issued.")
    wording: str | None


class Evaluation(_Model):
    """The findings projected and aggregated against materiality, and the opinion they lead
    to, as things stand (`zerotrail verification evaluate`): nothing is stored."""

    engagement_id: str
    subject: str
    rollups: list[Rollup] = Field(description="Scopes 1, 2, 3, then overall.")
    opinion: Opinion


# --- requests ------------------------------------------------------------------------------------


class SampleRequest(_Model):
    seed: Seed = Field(
        description="Any text the verifier chooses (hex recommended), given once: the draw is"
        " HMAC-SHA256 keyed with it."
    )


class FindingRequest(_Model):
    """A finding, as `zerotrail verification finding add` takes it."""

    kind: FindingKind
    type: FindingType
    text: Note = Field(description="What was found.")
    amount_t: Annotated[float, Field(strict=True, allow_inf_nan=False)] | None = Field(
        None, description="A misstatement's t CO2e, not zero; positive when overstated."
    )
    records: list[RecordId] = Field(
        default_factory=list, max_length=1000, description="The records behind it."
    )
    scope: Scope | None = Field(None, description="Else the records' scope.")
    nature: Nature | None = Field(None, description="A misstatement's; default factual.")
    clause: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        None, description="A non-conformity's clause or rule."
    )


class NoteRequest(_Model):
    note: Note


class CloseRequest(_Model):
    outcome: Outcome = Field(
        description="corrected (a misstatement: in a restated inventory the engagement covers)"
        " or accepted-uncorrected."
    )
    note: Note
