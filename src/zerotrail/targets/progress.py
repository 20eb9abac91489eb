"""Progress of every target in a year: actual against the linear pathway, forecast and status.

For each target the series it is measured on is read year by year from the calculated
inventories (and meters, metrics, suppliers or credits, by kind); the pathway, forecast and
status rules are the pure ones in `pathway.py`:

    absolute, net_zero     t CO2e in the boundary; base = latest base-year version
    intensity              t CO2e in the boundary per unit of the metric
    renewable_share        % renewable of the site kind's electricity (higher is better)
    supplier_engagement    % of Scope 3 (t CO2e, or spend) from suppliers with a validated SBT
    neutrality             net t CO2e of the year's claim (gross - retired credits), target 0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from zerotrail.store.workspace import Workspace
from zerotrail.targets import pathway as pw
from zerotrail.targets.baseyear import base_figures
from zerotrail.targets.figures import inventory_years, run_of, year_figures
from zerotrail.targets.recalc import Figures
from zerotrail.targets.register import StoredTarget, latest_targets
from zerotrail.targets.roadmap import Target

REDUCTION_KINDS = frozenset({"absolute", "intensity", "net_zero"})


@dataclass
class Progress:
    id: str
    kind: str
    name: str
    year: int
    status: str
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
    history: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    subject: str | None = None  # the boundary, site kind or basis the target is measured on
    site_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["history"] = {str(k): v for k, v in sorted(self.history.items())}
        return d


class Series:
    """Year -> value of one target's measure, read lazily and cached per year."""

    def __init__(self, fn: Callable[[int], float | None]) -> None:
        self.fn = fn
        self.cache: dict[int, float | None] = {}

    def __call__(self, year: int) -> float | None:
        if year not in self.cache:
            self.cache[year] = self.fn(year)
        return self.cache[year]


class Reader:
    """Figures shared by all targets of one progress run (each year read once)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.years = inventory_years(ws)
        self._figures: dict[int, Figures | None] = {}

    def figures(self, year: int) -> Figures | None:
        if year not in self._figures:
            self._figures[year] = year_figures(self.ws, year)
        return self._figures[year]

    def metric(self, name: str, year: int) -> float | None:
        v = self.ws.scalar("SELECT value FROM metrics WHERE metric = ? AND year = ?", [name, year])
        return None if v is None else float(v)

    def metric_unit(self, name: str) -> str | None:
        v = self.ws.scalar("SELECT unit FROM metrics WHERE metric = ? LIMIT 1", [name])
        return None if v is None else str(v)

    def renewable_share(self, site_kind: str, year: int) -> float | None:
        from zerotrail.reports.energy import renewable_share

        if run_of(self.ws, year) is None:
            return None
        for row in renewable_share(self.ws, year):
            if row["site_kind"] == site_kind:
                share = row["share_pct"]
                return None if share is None else float(share)
        return None

    def supplier_coverage(self, basis: str, categories: tuple[int, ...], year: int) -> float | None:
        run_id = run_of(self.ws, year)
        if run_id is None:
            return None
        cats = categories or tuple(range(1, 16))
        measure = "r.co2e_market_t" if basis == "emissions" else "a.quantity"
        where = "" if basis == "emissions" else " AND r.method = 'spend-based'"
        covered, total = self.ws.fetchall(
            f"""SELECT coalesce(sum(CASE WHEN s.sbt_year <= ? THEN {measure} END), 0),
                       coalesce(sum({measure}), 0)
                FROM results r JOIN activities a
                  ON a.record_id = r.record_id AND a.version = r.version
                LEFT JOIN suppliers s ON s.supplier = a.supplier
                WHERE r.run_id = ? AND r.scope = 3
                  AND list_contains(?, r.category){where}""",
            [year, run_id, list(cats)],
        )[0]
        return None if not total else 100.0 * float(covered) / float(total)


def _emissions(reader: Reader, t: Target) -> Series:
    assert t.boundary is not None
    boundary = t.boundary

    def fn(year: int) -> float | None:
        f = reader.figures(year)
        return None if f is None else f.boundary_total(boundary)

    return Series(fn)


def _series(reader: Reader, t: Target) -> tuple[Series, str]:
    if t.kind in ("absolute", "net_zero"):
        return _emissions(reader, t), "t CO2e"
    if t.kind == "intensity":
        emissions = _emissions(reader, t)
        assert t.metric is not None
        metric = t.metric

        def per(year: int) -> float | None:
            e, m = emissions(year), reader.metric(metric, year)
            return None if e is None or not m else e / m

        return Series(per), f"t CO2e per {reader.metric_unit(metric) or metric}"
    if t.kind == "renewable_share":
        assert t.site_kind is not None
        kind = t.site_kind
        return Series(lambda y: reader.renewable_share(kind, y)), "%"
    assert t.kind == "supplier_engagement"
    cats = t.boundary.scope3_categories if t.boundary else ()
    basis = t.basis or "emissions"
    return Series(lambda y: reader.supplier_coverage(basis, cats, y)), "%"


def target_progress(reader: Reader, st: StoredTarget, year: int) -> Progress:
    t = st.target
    if t.kind == "neutrality":
        return _neutrality(reader, st, year)
    series, unit = _series(reader, t)
    assert t.base_year is not None and t.target_year is not None
    p = Progress(
        t.id,
        t.kind,
        t.name,
        year,
        "no-data",
        None,
        None,
        None,
        None,
        unit,
        base_year=t.base_year,
        target_year=t.target_year,
    )
    p.site_kind = t.site_kind
    p.subject = (
        t.boundary.describe()
        if t.boundary is not None and t.kind != "supplier_engagement"
        else t.site_kind
        if t.site_kind is not None
        else f"Scope 3 bought from suppliers with science-based targets ({t.basis})"
    )
    lower = t.kind in REDUCTION_KINDS
    base_value = series(t.base_year)
    if t.kind in ("absolute", "net_zero") and t.boundary is not None:
        found = base_figures(reader.ws, t.base_year)
        if found is not None:
            base_value = found[0].boundary_total(t.boundary)
            p.base_version = found[1]
            if found[1] is None:
                p.notes.append(
                    f"base year {t.base_year} not recorded yet: figures from its inventory"
                )
    if t.kind == "intensity" and t.boundary is not None and t.metric is not None:
        found = base_figures(reader.ws, t.base_year)
        m = reader.metric(t.metric, t.base_year)
        if found is not None and m:
            base_value, p.base_version = found[0].boundary_total(t.boundary) / m, found[1]
    if base_value is None:
        p.notes.append(f"no data for the base year {t.base_year}")
        return p
    p.base_value = base_value
    if lower:
        assert t.reduction_pct is not None
        target_value = pw.target_value(base_value, t.reduction_pct)
    else:
        assert t.share_pct is not None
        target_value = t.share_pct
    p.target_value = target_value
    p.history = {y: v for y in range(t.base_year, year + 1) if (v := series(y)) is not None}
    actual = p.history.get(year)
    p.pathway = pw.pathway_value(base_value, target_value, t.base_year, t.target_year, year)
    if actual is None:
        p.notes.append(f"no data for {year}")
        return p
    p.actual = actual
    p.gap = pw.gap(actual, p.pathway)
    p.fraction_of_way = pw.fraction_of_way(base_value, target_value, actual)
    p.forecast = pw.trend_forecast(p.history, t.target_year)
    p.status = pw.classify(
        year, t.target_year, actual, p.pathway, target_value, p.forecast, lower_is_better=lower
    )
    if year < t.base_year:
        p.notes.append(f"{year} is before the base year {t.base_year}")
    return p


def _neutrality(reader: Reader, st: StoredTarget, year: int) -> Progress:
    from zerotrail.offsets.neutrality import evaluate

    t = st.target
    p = Progress(t.id, t.kind, t.name, year, "no-data", None, 0.0, 0.0, None, "t CO2e")
    p.target_year = t.from_year
    p.subject = t.boundary.describe() if t.boundary is not None else None
    if t.from_year is not None and year < t.from_year:
        p.status = "not-started"
        p.notes.append(f"neutrality applies from {t.from_year}")
        return p
    if run_of(reader.ws, year) is None:
        p.notes.append(f"no inventory for {year}")
        return p
    _inp, result = evaluate(reader.ws, st, year, reader)
    p.actual = result.net_t
    p.gap = result.net_t
    p.status = "achieved" if result.holds else "missed"
    p.notes.extend(result.failures)
    return p


def progress(ws: Workspace, year: int, *, kinds: frozenset[str] | None = None) -> list[Progress]:
    """Progress of every active target (of the given kinds) in `year`."""
    reader = Reader(ws)
    return [
        target_progress(reader, st, year)
        for st in latest_targets(ws)
        if kinds is None or st.target.kind in kinds
    ]
