"""The JSON of the inventory explorer's routes (server/api_explorer.py), as pydantic models.

They follow the explorer stage's values (pipeline/explorer.py) field for field; figures are
strict numbers, as in models.py.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from zerotrail.server.models import Count, Number, Tonnes, Year


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Where(_Model):
    """Where in the drill: the filters given (null: not given)."""

    scope: int | None
    category: str | None = Field(
        description="Scope 3: the category number; Scopes 1 and 2: the activity key."
    )
    site: str | None = Field(description='A site id; "" is the records of no site.')
    entity: str | None


class Line(_Model):
    key: str = Field(description="The value of the level (a scope, category, site or entity).")
    label: str
    entity: str | None = Field(description="The site's entity, on the site level; else null.")
    records: Count
    co2e_t: Tonnes = Field(description="t CO2e, location-based")
    co2e_market_t: Tonnes = Field(description="t CO2e, market-based (Scope 1: as location)")


class Breakdown(_Model):
    """A slice of the year's current inventory, in total and by the drill's next level."""

    year: Year
    run_id: str
    gwp_set: str
    level: str = Field(description="What the lines split by: scope, category, site or entity.")
    where: Where
    records: Count
    co2e_t: Tonnes
    co2e_market_t: Tonnes
    lines: list[Line]


class Factor(_Model):
    """The factor a record's figure came from, with the provenance it was imported with."""

    factor_set: str
    factor_id: str
    region: str | None
    year: int | None
    verified: bool
    set_name: str | None
    publisher: str | None
    editions: list[str]
    source_urls: list[str]
    licences: list[str]
    sources: list[str]
    source_refs: list[str] = Field(description="The cells of the publication it comes from.")


class Provenance(_Model):
    import_id: str
    file_name: str | None
    imported_at: str | None
    evidence: str | None = Field(description="The record's evidence: URIs and sha256 digests.")
    note: str | None


class Gas(_Model):
    mass_t: Number = Field(description="t of the gas")
    co2e_t: Tonnes


class Record(_Model):
    record_id: str
    version: int
    entity: str
    site: str | None
    site_kind: str | None
    period_start: str
    period_end: str
    activity: str
    quantity: Number
    unit: str
    region: str | None
    scope: int
    category: int | None
    method: str | None
    co2e_t: Tonnes
    co2e_market_t: Tonnes
    biogenic_co2_t: Tonnes = Field(description="t CO2, outside the scopes")
    co2e_unsplit_t: Tonnes = Field(description="t CO2e its factor gave as CO2e only")
    gases: dict[str, Gas]
    flags: list[str]
    factor: Factor | None
    provenance: Provenance


class RecordPage(_Model):
    """The records of a slice of the year's current inventory, one page of them."""

    year: Year
    run_id: str
    where: Where
    records: Count = Field(description="Records in the whole slice.")
    co2e_t: Tonnes = Field(description="t CO2e of the whole slice, location-based")
    co2e_market_t: Tonnes
    limit: Count
    offset: Count
    lines: list[Record]
