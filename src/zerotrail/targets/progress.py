"""Progress of a target in a year: actual against the linear pathway, forecast and status.

Each target is measured on a series of yearly values (`Measures`, read from the workspace by
the roadmap stage, `pipeline/roadmap.py`); the pathway, forecast and status rules are the pure
ones in `pathway.py`:

    absolute, net_zero     t CO2e in the boundary; base = latest base-year version
    intensity              t CO2e in the boundary per unit of the metric
    renewable_share        % renewable of the site kind's electricity (higher is better)
    supplier_engagement    % of Scope 3 (t CO2e, or spend) from suppliers with a validated SBT
    neutrality             net t CO2e of the year's claim (gross - retired credits), target 0

"Target progress" is named so against the import progress bar of `ingest/checks.py`: this
module is about where a target stands, never about how far a job has got.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from zerotrail.errors import TargetError
from zerotrail.targets import pathway as pw
from zerotrail.targets.recalc import Figures
from zerotrail.targets.roadmap import Target
from zerotrail.targets.status import TargetStatus

REDUCTION_KINDS = frozenset({"absolute", "intensity", "net_zero"})


@dataclass(frozen=True, slots=True)
class TargetProgress:
    id: str
    kind: str
    name: str
    year: int
    status: TargetStatus
    actual: float | None
    pathway: float | None
    target_value: float | None
    gap: float | None
    unit: str
    base_year: int | None = None
    target_year: int | None = None
    base_value: float | None = None
    base_version: int | None = None
    fraction_of_way: float | None = None
    forecast: float | None = None
    history: Mapping[int, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    subject: str | None = None  # the boundary, site kind or basis the target is measured on
    site_kind: str | None = None
    # A neutrality target: each year it covers up to this one, whether that year's claim held
    # (None: no claim recorded).
    claim_years: Mapping[int, bool | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = str(self.status)
        d["history"] = {str(k): v for k, v in sorted(self.history.items())}
        d["claim_years"] = {str(k): v for k, v in sorted(self.claim_years.items())}
        d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True, slots=True)
class Measures:
    """The yearly values targets are measured on, read once for one progress run.

    Years without a calculated inventory are absent from `figures`; a missing key anywhere
    means "no data".
    """

    figures: Mapping[int, Figures] = field(default_factory=dict)  # year -> current run
    # base year -> (latest version's figures, version; None: not recorded, from the inventory)
    base: Mapping[int, tuple[Figures, int | None]] = field(default_factory=dict)
    metrics: Mapping[tuple[str, int], float] = field(default_factory=dict)  # (metric, year)
    metric_units: Mapping[str, str] = field(default_factory=dict)
    # (site kind, year) -> renewable share of the kind's electricity, percent
    renewable: Mapping[tuple[str, int], float | None] = field(default_factory=dict)
    # (target id, year) -> percent of the target's Scope 3 from suppliers with an SBT
    supplier: Mapping[tuple[str, int], float | None] = field(default_factory=dict)


class ClaimOutcome(Protocol):
    """What progress needs of a neutrality claim (offsets.claims.ClaimResult has it)."""

    @property
    def holds(self) -> bool: ...
    @property
    def net_t(self) -> float: ...
    @property
    def failures(self) -> tuple[str, ...]: ...


def measured_years(t: Target, year: int) -> list[int]:
    """The years a target's series is read for when asked for `year`: base year to `year`."""
    if t.base_year is None:
        return []
    return sorted({t.base_year, *range(t.base_year, year + 1)})


Series = Callable[[int], float | None]


def _emissions(m: Measures, t: Target) -> Series:
    assert t.boundary is not None
    boundary = t.boundary

    def fn(year: int) -> float | None:
        f = m.figures.get(year)
        return None if f is None else f.boundary_total(boundary)

    return fn


def _series(m: Measures, t: Target) -> tuple[Series, str]:
    if t.kind in ("absolute", "net_zero"):
        return _emissions(m, t), "t CO2e"
    if t.kind == "intensity":
        emissions = _emissions(m, t)
        assert t.metric is not None
        metric = t.metric

        def per(year: int) -> float | None:
            e, v = emissions(year), m.metrics.get((metric, year))
            return None if e is None or not v else e / v

        return per, f"t CO2e per {m.metric_units.get(metric) or metric}"
    if t.kind == "renewable_share":
        assert t.site_kind is not None
        kind = t.site_kind
        return (lambda y: m.renewable.get((kind, y))), "%"
    if t.kind == "supplier_engagement":
        tid = t.id
        return (lambda y: m.supplier.get((tid, y))), "%"
    raise TargetError(f"a {t.kind} target has no series to measure progress on")


def _subject(t: Target) -> str | None:
    if t.boundary is not None and t.kind != "supplier_engagement":
        return t.boundary.describe()
    if t.site_kind is not None:
        return t.site_kind
    return f"Scope 3 bought from suppliers with science-based targets ({t.basis})"


def progress_of(t: Target, year: int, m: Measures) -> TargetProgress:
    """Where a reduction, renewable-share or supplier target stands in `year`."""
    series, unit = _series(m, t)
    assert t.base_year is not None and t.target_year is not None
    p = TargetProgress(
        t.id,
        t.kind,
        t.name,
        year,
        TargetStatus.NO_DATA,
        None,
        None,
        None,
        None,
        unit,
        base_year=t.base_year,
        target_year=t.target_year,
        subject=_subject(t),
        site_kind=t.site_kind,
    )
    notes: list[str] = []
    lower = t.kind in REDUCTION_KINDS
    base_value = series(t.base_year)
    base_version = None
    found = m.base.get(t.base_year)
    if t.kind in ("absolute", "net_zero") and t.boundary is not None and found is not None:
        base_value, base_version = found[0].boundary_total(t.boundary), found[1]
        if base_version is None:
            notes.append(f"base year {t.base_year} not recorded yet: figures from its inventory")
    if t.kind == "intensity" and t.boundary is not None and t.metric is not None:
        metric = m.metrics.get((t.metric, t.base_year))
        if found is not None and metric:
            base_value, base_version = found[0].boundary_total(t.boundary) / metric, found[1]
    p = replace(p, base_version=base_version)
    if base_value is None:
        return replace(p, notes=(*notes, f"no data for the base year {t.base_year}"))
    if lower:
        assert t.reduction_pct is not None
        target_value = pw.target_value(base_value, t.reduction_pct)
    else:
        assert t.share_pct is not None
        target_value = t.share_pct
    history = {y: v for y in range(t.base_year, year + 1) if (v := series(y)) is not None}
    actual = history.get(year)
    p = replace(
        p,
        base_value=base_value,
        target_value=target_value,
        history=history,
        pathway=pw.pathway_value(base_value, target_value, t.base_year, t.target_year, year),
    )
    assert p.pathway is not None
    if actual is None:
        return replace(p, notes=(*notes, f"no data for {year}"))
    forecast = pw.trend_forecast(history, t.target_year)
    status = pw.classify(
        year, t.target_year, actual, p.pathway, target_value, forecast, lower_is_better=lower
    )
    if year < t.base_year:
        notes.append(f"{year} is before the base year {t.base_year}")
    return replace(
        p,
        status=status,
        actual=actual,
        gap=pw.gap(actual, p.pathway),
        fraction_of_way=pw.fraction_of_way(base_value, target_value, actual),
        forecast=forecast,
        notes=tuple(notes),
    )


def claim_due(t: Target, year: int) -> bool:
    """Whether a neutrality target asks for a claim in `year` (from its first year on)."""
    return t.from_year is None or year >= t.from_year


@dataclass(frozen=True, slots=True)
class RecordedClaim:
    """A year's neutrality claim as recorded in the workspace (its latest version)."""

    year: int
    holds: bool
    net_t: float
    on_current_run: bool  # recorded on the year's current calculation run


def covered_years(t: Target, year: int) -> list[int]:
    """The years a neutrality target asks a claim for, up to `year`: from its first year on
    (only `year` when it names no first year)."""
    if not claim_due(t, year):
        return []
    return [year] if t.from_year is None else list(range(t.from_year, year + 1))


def _years(ys: Sequence[int]) -> str:
    return ", ".join(str(y) for y in ys)


def checked_years_text(claim_years: Mapping[int, bool | None]) -> str:
    """What the check of every covered year found, in words: "checked for 2021, 2022: held
    every year", or the years whose claim did not hold or was never recorded."""
    years = sorted(claim_years)
    head = f"checked for {_years(years)}"
    if all(claim_years[y] is True for y in years):
        return f"{head}: held every year" if len(years) > 1 else f"{head}: held"
    parts = []
    if held := [y for y in years if claim_years[y] is True]:
        parts.append(f"held in {_years(held)}")
    if failed := [y for y in years if claim_years[y] is False]:
        parts.append(f"did not hold in {_years(failed)}")
    if missing := [y for y in years if claim_years[y] is None]:
        parts.append(f"no claim recorded for {_years(missing)}")
    return f"{head}: {'; '.join(parts)}"


def neutrality_progress(
    t: Target,
    year: int,
    *,
    has_inventory: bool,
    claim: ClaimOutcome | None,
    earlier: Mapping[int, RecordedClaim],
) -> TargetProgress:
    """A neutrality target in `year`: not started, no data, or its verdict over every year it
    covers.

    `claim` is the year's evaluated claim, needed when the claim is due and the year has an
    inventory; `earlier` holds the recorded claims of the target's earlier years. A target
    that asks for neutrality every year from its first year is achieved only when the claim
    of each of those years holds: missed when one did not hold, no data when one was never
    recorded (then nothing shows it held). Actual and gap are the year's net.
    """
    p = TargetProgress(
        t.id, t.kind, t.name, year, TargetStatus.NO_DATA, None, 0.0, 0.0, None, "t CO2e",
        target_year=t.from_year,
        subject=t.boundary.describe() if t.boundary is not None else None,
    )  # fmt: skip
    if not claim_due(t, year):
        return replace(
            p, status=TargetStatus.NOT_STARTED, notes=(f"neutrality applies from {t.from_year}",)
        )
    if not has_inventory:
        return replace(p, notes=(f"no inventory for {year}",))
    if claim is None:
        raise TargetError(f"the {year} claim of target {t.id} was not evaluated")
    before = [y for y in covered_years(t, year) if y != year]
    checked: dict[int, bool | None] = {
        y: earlier[y].holds if y in earlier else None for y in before
    }
    checked[year] = claim.holds
    if any(v is False for v in checked.values()):
        status = TargetStatus.MISSED
    elif any(v is None for v in checked.values()):
        status = TargetStatus.NO_DATA
    else:
        status = TargetStatus.ACHIEVED
    notes = [checked_years_text(checked)]
    if stale := [y for y in before if y in earlier and not earlier[y].on_current_run]:
        # The verdict stands as recorded; the reader is told its figures were superseded.
        notes.append(
            f"the claim of {_years(stale)} was recorded on an earlier calculation of that"
            " year's inventory, recalculated since"
        )
    return replace(
        p,
        status=status,
        actual=claim.net_t,
        gap=claim.net_t,
        history={**{y: earlier[y].net_t for y in before if y in earlier}, year: claim.net_t},
        claim_years=checked,
        notes=(*notes, *claim.failures),
    )
