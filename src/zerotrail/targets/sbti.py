"""Science-based checks: whether a company's targets meet the SBTi criteria, with the numbers.

Part of the pure target layer (see `zerotrail.targets`). The CLI gathers the targets, the
base-year inventory (`Shares`) and the years the targets were set from the store; `check_targets`
returns one `Check` per target plus one for the portfolio as a whole (coverage rules that no
single target decides). Every reason carries the figures behind it, so a failed check says what
to change.

The thresholds live in `Criteria`, not in the code, because SBTi revises its criteria; a check
can be rerun against another edition by passing another `Criteria`. The defaults follow the
standards digest (§6), where several figures are marked unverified.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from zerotrail.targets.pathway import pathway_value
from zerotrail.targets.recalc import boundary_categories, distinct
from zerotrail.targets.roadmap import Boundary, Target

# Rates and shares are quotients (42 / 10, 1,900 / 2,000 * 100) that can land an ulp below the
# threshold they equal on paper; a figure that meets a threshold as written must pass.
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Criteria:
    """SBTi thresholds, as configuration: criteria change between editions."""

    version: str = "SBTi near-term criteria v5 / Net-Zero Standard v1.2, as digested in docs"
    s12_rate_pct: float = 4.2  # 1.5 °C, linear annual reduction, Scope 1+2
    s3_rate_pct: float = 2.5  # well-below 2 °C, linear annual reduction, Scope 3
    intensity_rate_pct: float = 7.0  # physical or economic intensity, reported figure
    intensity_rate_verified: bool = False  # the 7%/yr figure is unverified in the digest
    scope3_trigger_pct: float = 40.0  # Scope 3 share of the total that requires S3 targets
    near_term_s3_coverage_pct: float = 67.0
    long_term_s3_coverage_pct: float = 90.0
    s12_coverage_pct: float = 95.0
    min_base_year: int = 2015
    near_term_min_years: int = 5
    near_term_max_years: int = 10
    net_zero_min_reduction_pct: float = 90.0
    net_zero_latest_year: int = 2050
    renewable_interim_pct: float = 80.0
    renewable_interim_year: int = 2025
    renewable_final_pct: float = 100.0
    renewable_final_year: int = 2030
    supplier_engagement_max_years: int = 5


CRITERIA = Criteria()


@dataclass(frozen=True, slots=True)
class Shares:
    """The base-year inventory coverage is measured against, in tCO2e.

    `scope2` is by the method the company reports its targets on; Scope 3 is by category
    (a category not listed is 0).
    """

    scope1: float
    scope2: float
    scope3: Mapping[int, float] = field(default_factory=dict)

    @property
    def scope12(self) -> float:
        return self.scope1 + self.scope2

    @property
    def scope3_total(self) -> float:
        return sum(self.scope3.values(), 0.0)

    @property
    def total(self) -> float:
        return self.scope12 + self.scope3_total

    def scope3_pct(self) -> float | None:
        """Scope 3 as percent of Scope 1+2+3; None for an empty inventory."""
        return _share(self.scope3_total, self.total)

    def scope12_covered_pct(self, scopes: Collection[int]) -> float | None:
        covered = (self.scope1 if 1 in scopes else 0.0) + (self.scope2 if 2 in scopes else 0.0)
        return _share(covered, self.scope12)

    def scope3_covered_pct(self, categories: Collection[int]) -> float | None:
        covered = sum(v for c, v in self.scope3.items() if c in categories)
        return _share(covered, self.scope3_total)


@dataclass(frozen=True, slots=True)
class Check:
    """One verdict. `passed` is None when the target is not a science-based target at all.

    For a pass, `reasons` say what was verified; for a fail, every failed criterion.
    """

    target_id: str
    passed: bool | None
    reasons: tuple[str, ...]


def _share(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole * 100


_num = distinct  # numbers in reasons never read "4.2 < 4.2"


def _at_least(value: float, required: float) -> tuple[bool, str, str]:
    """Whether `value` meets `required`, the value as shown, and the comparison sign."""
    ok = value >= required - _EPS
    return ok, _num(value) if ok else _num(value, required), "≥" if ok else "<"


class _Findings:
    """Criteria verified and failed for one check, plus notes shown either way."""

    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[str] = []
        self.notes: list[str] = []

    def check(self, ok: bool, text: str) -> None:
        (self.passed if ok else self.failed).append(text)

    def result(self, target_id: str) -> Check:
        reasons = self.failed or self.passed
        return Check(target_id, not self.failed, (*reasons, *self.notes))


def _set_year(target: Target, set_years: Mapping[str, int]) -> int | None:
    return target.set_year if target.set_year is not None else set_years.get(target.id)


def _is_long_term(target: Target, set_year: int | None, c: Criteria) -> bool:
    if set_year is None or target.target_year is None:
        return False
    return target.target_year - set_year > c.near_term_max_years


def _net_zero_style(target: Target, c: Criteria) -> bool:
    """A reduction deep and early enough to serve as a long-term target."""
    return (
        target.reduction_pct is not None
        and target.target_year is not None
        and target.reduction_pct >= c.net_zero_min_reduction_pct - _EPS
        and target.target_year <= c.net_zero_latest_year
    )


def _missing(target: Target, *names: str) -> Check | None:
    gaps = [n for n in names if getattr(target, n) is None]
    if not gaps:
        return None
    return Check(target.id, False, (f"cannot be checked: no {', '.join(gaps)}",))


def _base_year(f: _Findings, base_year: int, c: Criteria) -> None:
    if base_year >= c.min_base_year:
        f.check(True, f"base year {base_year} ≥ {c.min_base_year}")
    else:
        f.check(False, f"base year {base_year} is before {c.min_base_year}")


def _near_term_horizon(f: _Findings, target_year: int, set_year: int | None, c: Criteria) -> None:
    window = f"{c.near_term_min_years}-{c.near_term_max_years}-year near-term window"
    if set_year is None:
        f.check(False, f"the year the target was set is unknown, so the {window} can't be checked")
        return
    years = target_year - set_year
    span = f"target year {target_year} is {years} years after the target was set ({set_year})"
    if years < c.near_term_min_years:
        f.check(False, f"{span}: shorter than the {window}")
    elif years > c.near_term_max_years:
        f.check(
            False,
            f"{span}: beyond the {window}, so a long-term target, which needs "
            f"≥ {_num(c.net_zero_min_reduction_pct)}% by {c.net_zero_latest_year}",
        )
    else:
        f.check(True, f"{span}: within the {window}")


def _required_rate(target: Target, boundary: Boundary, c: Criteria) -> tuple[float, str]:
    # An explicit ambition label is a claim to verify; without one, a boundary with Scope 1 or
    # 2 is held to 1.5 °C and a Scope 3-only boundary to well-below 2 °C.
    default = "1.5C" if {1, 2} & set(boundary.scopes) else "well-below-2C"
    if (target.ambition or default) == "1.5C":
        return c.s12_rate_pct, "1.5 °C"
    return c.s3_rate_pct, "well-below 2 °C"


def _rate(f: _Findings, target: Target, required: float, label: str) -> None:
    assert target.reduction_pct is not None
    assert target.base_year is not None and target.target_year is not None
    years = target.target_year - target.base_year
    rate = target.reduction_pct / years
    ok, shown, sign = _at_least(rate, required)
    f.check(
        ok,
        f"{shown}%/yr linear ({_num(target.reduction_pct)}% over {target.base_year}-"
        f"{target.target_year}) {sign} {_num(required)}%/yr ({label})",
    )


def _s12_coverage(f: _Findings, boundary: Boundary, shares: Shares, c: Criteria) -> None:
    if not {1, 2} & set(boundary.scopes):
        return  # a Scope 3-only target is held to Scope 3 coverage in the portfolio check
    pct = shares.scope12_covered_pct(boundary.scopes)
    if pct is None:
        f.check(False, "base-year Scope 1+2 is 0, so Scope 1+2 coverage can't be computed")
        return
    ok, shown, sign = _at_least(pct, c.s12_coverage_pct)
    f.check(
        ok,
        f"covers {shown}% of Scope 1+2 ({boundary.describe()}) {sign} {_num(c.s12_coverage_pct)}%",
    )


def _long_term_s3_coverage(
    f: _Findings, categories: Collection[int], shares: Shares, c: Criteria
) -> None:
    s3 = shares.scope3_pct()
    if s3 is None or s3 < c.scope3_trigger_pct - _EPS:
        shown = "unknown (empty inventory)" if s3 is None else f"{_num(s3)}% of the total"
        f.check(
            True,
            f"Scope 3 is {shown}, below {_num(c.scope3_trigger_pct)}%: no Scope 3 "
            "coverage required",
        )
        return
    pct = shares.scope3_covered_pct(categories) or 0.0
    ok, shown, sign = _at_least(pct, c.long_term_s3_coverage_pct)
    f.check(
        ok,
        f"covers {shown}% of Scope 3 {sign} {_num(c.long_term_s3_coverage_pct)}% (required "
        f"because Scope 3 is {_num(s3)}% of the total)",
    )


def _long_term_ambition(f: _Findings, target: Target, c: Criteria) -> None:
    assert target.reduction_pct is not None and target.target_year is not None
    ok, shown, sign = _at_least(target.reduction_pct, c.net_zero_min_reduction_pct)
    f.check(ok, f"{shown}% reduction {sign} {_num(c.net_zero_min_reduction_pct)}%")
    latest = c.net_zero_latest_year
    if target.target_year <= latest:
        f.check(True, f"target year {target.target_year} is no later than {latest}")
    else:
        f.check(False, f"target year {target.target_year} is later than {latest}")


def _check_absolute(target: Target, shares: Shares, set_year: int | None, c: Criteria) -> Check:
    missing = _missing(target, "boundary", "base_year", "target_year", "reduction_pct")
    if missing is not None:
        return missing
    assert target.boundary is not None and target.base_year is not None
    f = _Findings()
    _base_year(f, target.base_year, c)
    if _is_long_term(target, set_year, c) and _net_zero_style(target, c):
        # A deep cut far out is a long-term target, not a near-term one set too late: judge it
        # by the long-term rules rather than failing it on the near-term window.
        assert set_year is not None and target.target_year is not None
        f.notes.append(
            f"long-term target: target year {target.target_year} is "
            f"{target.target_year - set_year} years after it was set ({set_year}), beyond the "
            f"{c.near_term_max_years}-year near-term window; checked by the long-term rules"
        )
        # Its Scope 3 coverage is judged with the other long-term targets in the portfolio
        # check: a Scope 1+2 long-term target may sit beside a separate Scope 3 one.
        _long_term_ambition(f, target, c)
    else:
        assert target.target_year is not None
        _near_term_horizon(f, target.target_year, set_year, c)
        required, label = _required_rate(target, target.boundary, c)
        _rate(f, target, required, label)
    _s12_coverage(f, target.boundary, shares, c)
    return f.result(target.id)


def _check_intensity(target: Target, shares: Shares, set_year: int | None, c: Criteria) -> Check:
    missing = _missing(target, "boundary", "base_year", "target_year", "reduction_pct")
    if missing is not None:
        return missing
    assert target.boundary is not None and target.base_year is not None
    assert target.target_year is not None
    f = _Findings()
    _base_year(f, target.base_year, c)
    _near_term_horizon(f, target.target_year, set_year, c)
    label = "intensity" if c.intensity_rate_verified else "intensity; figure unverified"
    _rate(f, target, c.intensity_rate_pct, label)
    _s12_coverage(f, target.boundary, shares, c)
    return f.result(target.id)


def required_renewable_pct(target_year: int, c: Criteria = CRITERIA) -> float:
    """Renewable electricity share the alternative requires by `target_year`, percent.

    The interim share until the interim year, rising linearly to the final share by the
    final year, and the final share after it.
    """
    return pathway_value(
        c.renewable_interim_pct,
        c.renewable_final_pct,
        c.renewable_interim_year,
        c.renewable_final_year,
        target_year,
    )


def _check_renewable(target: Target, c: Criteria) -> Check:
    missing = _missing(target, "target_year", "share_pct")
    if missing is not None:
        return missing
    assert target.target_year is not None and target.share_pct is not None
    f = _Findings()
    required = required_renewable_pct(target.target_year, c)
    ok, shown, sign = _at_least(target.share_pct, required)
    rule = (
        f"renewable-electricity alternative: {_num(c.renewable_interim_pct)}% by "
        f"{c.renewable_interim_year}, {_num(c.renewable_final_pct)}% by {c.renewable_final_year}"
    )
    f.check(
        ok,
        f"{shown}% renewable electricity by {target.target_year} {sign} {_num(required)}% "
        f"required then ({rule})",
    )
    if target.site_kind is not None:
        f.notes.append(f"counts the electricity of {target.site_kind} sites only")
    return f.result(target.id)


def _check_neutrality(target: Target) -> Check:
    return Check(
        target.id,
        None,
        (
            "neutrality is a claim, not a science-based target: it is not assessed, and "
            "carbon credits never count as reductions toward any target",
        ),
    )


def _check_net_zero(target: Target, shares: Shares, c: Criteria) -> Check:
    missing = _missing(target, "boundary", "base_year", "target_year", "reduction_pct")
    if missing is not None:
        return missing
    assert target.boundary is not None and target.base_year is not None
    f = _Findings()
    _long_term_ambition(f, target, c)
    if target.removals == "permanent":
        f.check(True, "residual emissions neutralized with permanent removals")
    else:
        f.check(
            False,
            f"residual emissions neutralized with {target.removals!r}, not permanent removals",
        )
    _base_year(f, target.base_year, c)
    # The Net-Zero Standard asks the same Scope 1 + 2 coverage of long-term targets.
    _s12_coverage(f, target.boundary, shares, c)
    _long_term_s3_coverage(f, boundary_categories(target.boundary), shares, c)
    return f.result(target.id)


def _check_supplier(target: Target, set_year: int | None, c: Criteria) -> Check:
    missing = _missing(target, "target_year")
    if missing is not None:
        return missing
    assert target.target_year is not None
    f = _Findings()
    most = c.supplier_engagement_max_years
    if set_year is None:
        f.check(
            False,
            f"the year the target was set is unknown, so the {most}-year limit can't be checked",
        )
    else:
        years = target.target_year - set_year
        ok = years <= most
        f.check(
            ok,
            f"target year {target.target_year} is {years} years after the target was set "
            f"({set_year}) {'≤' if ok else '>'} {most}",
        )
    if target.share_pct is not None:
        f.notes.append(
            f"engages suppliers with {_num(target.share_pct)}% of Scope 3 "
            f"(by {target.basis or 'emissions'})"
        )
    return f.result(target.id)


def _check_one(target: Target, shares: Shares, set_year: int | None, c: Criteria) -> Check:
    if target.kind == "absolute":
        return _check_absolute(target, shares, set_year, c)
    if target.kind == "intensity":
        return _check_intensity(target, shares, set_year, c)
    if target.kind == "renewable_share":
        return _check_renewable(target, c)
    if target.kind == "neutrality":
        return _check_neutrality(target)
    if target.kind == "net_zero":
        return _check_net_zero(target, shares, c)
    if target.kind == "supplier_engagement":
        return _check_supplier(target, set_year, c)
    return Check(target.id, False, (f"unknown target kind {target.kind!r}",))


def check_targets(
    targets: Sequence[Target],
    shares: Shares,
    set_years: Mapping[str, int],
    criteria: Criteria = CRITERIA,
) -> list[Check]:
    """One Check per target, in order, then the portfolio Check (target_id "portfolio").

    The year a target was set is its `set_year`, else `set_years[target.id]`; a target with
    neither fails its horizon criterion rather than being guessed.
    """
    checks = [_check_one(t, shares, _set_year(t, set_years), criteria) for t in targets]
    checks.append(_check_portfolio(targets, shares, set_years, criteria))
    return checks


def _near_term(target: Target, set_years: Mapping[str, int], c: Criteria) -> bool:
    """Absolute and intensity targets within the near-term window (or of unknown set year)."""
    return (
        target.kind in ("absolute", "intensity")
        and target.boundary is not None
        and not _is_long_term(target, _set_year(target, set_years), c)
    )


def _long_term(target: Target, set_years: Mapping[str, int], c: Criteria) -> bool:
    if target.kind == "net_zero":
        return target.boundary is not None
    return (
        target.kind == "absolute"
        and target.boundary is not None
        and _is_long_term(target, _set_year(target, set_years), c)
        and _net_zero_style(target, c)
    )


def _ids(targets: Sequence[Target]) -> str:
    return ", ".join(t.id for t in targets) if targets else "none"


def _check_portfolio(
    targets: Sequence[Target], shares: Shares, set_years: Mapping[str, int], c: Criteria
) -> Check:
    # Coverage is counted by boundary, whether or not each target passed its own check: the
    # per-target checks report ambition and timing, this one only what is covered.
    f = _Findings()
    near = [t for t in targets if _near_term(t, set_years, c)]
    _portfolio_s12(f, near, shares, c)
    s3 = shares.scope3_pct()
    if s3 is None or s3 < c.scope3_trigger_pct - _EPS:
        shown = "unknown (empty inventory)" if s3 is None else f"{_num(s3)}% of the total"
        f.check(
            True,
            f"Scope 3 is {shown}, below {_num(c.scope3_trigger_pct)}%: no Scope 3 target required",
        )
        return f.result("portfolio")
    suppliers = [t for t in targets if t.kind == "supplier_engagement"]
    _portfolio_near_s3(f, near, suppliers, shares, s3, c)
    _portfolio_long_s3(f, [t for t in targets if _long_term(t, set_years, c)], shares, c)
    return f.result("portfolio")


def _portfolio_s12(f: _Findings, near: Sequence[Target], shares: Shares, c: Criteria) -> None:
    # Union of scopes, not a sum: two targets on Scope 1 cover it once.
    counted = [t for t in near if t.boundary is not None and {1, 2} & set(t.boundary.scopes)]
    scopes = {s for t in counted for s in (t.boundary.scopes if t.boundary else ())}
    pct = shares.scope12_covered_pct(scopes)
    if pct is None:
        f.check(False, "base-year Scope 1+2 is 0, so Scope 1+2 coverage can't be computed")
        return
    ok, shown, sign = _at_least(pct, c.s12_coverage_pct)
    f.check(
        ok,
        f"near-term targets ({_ids(counted)}) cover {shown}% of Scope 1+2 {sign} "
        f"{_num(c.s12_coverage_pct)}%",
    )


def _portfolio_near_s3(
    f: _Findings,
    near: Sequence[Target],
    suppliers: Sequence[Target],
    shares: Shares,
    s3: float,
    c: Criteria,
) -> None:
    counted = [t for t in near if t.boundary is not None and 3 in t.boundary.scopes]
    trigger = (
        f"required because Scope 3 is {_num(s3)}% of the total (≥ {_num(c.scope3_trigger_pct)}%)"
    )
    if not counted and not suppliers:
        f.check(
            False,
            f"no near-term Scope 3 target (absolute, intensity or supplier engagement), {trigger}",
        )
        return
    cats = {k for t in counted for k in (boundary_categories(t.boundary) if t.boundary else ())}
    by_category = shares.scope3_covered_pct(cats) or 0.0
    engaged = sum(t.share_pct or 0.0 for t in suppliers)
    # Supplier engagement is stated as a share of Scope 3; the targets are taken to cover
    # different emissions (their overlap is not known here), capped at all of Scope 3.
    pct = min(100.0, by_category + engaged)
    ok, shown, sign = _at_least(pct, c.near_term_s3_coverage_pct)
    f.check(
        ok,
        f"near-term Scope 3 targets ({_ids([*counted, *suppliers])}) cover {shown}% of Scope 3 "
        f"({_num(by_category)}% by category, {_num(engaged)}% by supplier engagement) {sign} "
        f"{_num(c.near_term_s3_coverage_pct)}%, {trigger}",
    )


def _portfolio_long_s3(f: _Findings, long: Sequence[Target], shares: Shares, c: Criteria) -> None:
    if not long:
        f.notes.append("no long-term target: long-term Scope 3 coverage not checked")
        return
    cats = {k for t in long for k in (boundary_categories(t.boundary) if t.boundary else ())}
    pct = shares.scope3_covered_pct(cats) or 0.0
    ok, shown, sign = _at_least(pct, c.long_term_s3_coverage_pct)
    f.check(
        ok,
        f"long-term targets ({_ids(long)}) cover {shown}% of Scope 3 {sign} "
        f"{_num(c.long_term_s3_coverage_pct)}%",
    )
