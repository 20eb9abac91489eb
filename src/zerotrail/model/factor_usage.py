"""Which factors a calculation run used, as values: per factor, and the sets they belong to.

Where it sits: model, between `store/factor_usage.py`, which reads these from a run's results,
and `reports/factor_table.py`, which sums them into the report's table of emission-factor
sources. A factor belongs to one set and serves one activity key (factor ids are unique across
sets, and a factor row names its activity), so per-set counts are sums over these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FactorSetInfo:
    """A factor set as stored (`factor_sets`). `kind` is "shipped" (a curated set whose
    publisher, edition and licence are reviewed with it) or "custom" (imported by a user, whose
    stored publisher is only the first row's source); None when the set has no row."""

    factor_set: str
    name: str | None
    kind: str | None
    publisher: str | None
    edition: str | None
    licence: str | None
    source_url: str | None


@dataclass(frozen=True, slots=True)
class FactorUse:
    """One factor over a run's results: the records that used it and their t CO2e.

    `verified` is the run's (results' `factor_verified`, the column the `unverified_factor`
    flag is raised from); `region` the factor's region; `year` the year of its `valid_from`;
    `sources`, `editions` and `licences` the distinct values of its rows (one row per gas)."""

    factor_set: str
    factor_id: str
    activity: str
    region: str
    year: int | None
    verified: bool
    sources: tuple[str, ...]
    editions: tuple[str, ...]
    licences: tuple[str, ...]
    records: int
    co2e_t: float
    co2e_market_t: float
