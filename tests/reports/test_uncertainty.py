"""The uncertainty estimate (reports/uncertainty.py): hand-computed cases, a seeded Monte Carlo
check of the analytic variance, properties (hypothesis), the store's grouped read on
hand-made results, and the demo's published section as a reader sees it.

Factors used below (the pedigree table, reports/uncertainty.py FACTORS): basic 1.05;
technology score 5 -> 2.00; reliability score 4 -> 1.20, score 5 -> 1.50; completeness 5 -> 1.20;
technology 3 -> 1.20. A factor U adds (ln U)^2 / 4 to the variance of ln(multiplier):
  ln 1.05 = 0.0487902, (ln 1.05)^2 / 4 = 0.000595120
  ln 2    = 0.693147,  (ln 2)^2 / 4    = 0.120113
  ln 1.5  = 0.405465,  (ln 1.5)^2 / 4  = 0.0411005
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerotrail.reports.uncertainty import (
    FACTOR_INDICATORS,
    FIGURES,
    INDICATORS,
    RECORD_INDICATORS,
    Group,
    Z,
    estimate,
    gsd2,
    interval,
    log_variance,
)
from zerotrail.store.database import Workspace
from zerotrail.store.uncertainty_inputs import uncertainty_groups

ONES = (1, 1, 1, 1, 1)
BASIC = math.log(1.05) ** 2 / 4  # 0.000595120
TECH5 = (1, 1, 1, 1, 5)  # technology (last) scored 5: U = 2.00
REL5 = (5, 1, 1, 1, 1)  # reliability (first) scored 5: U = 1.50


def group(
    x: float | list[float],
    scores: tuple[int, int, int, int, int] = ONES,
    *,
    factor: str = "f",
    scope: int = 1,
    market: float | None = None,
) -> Group:
    """Records of `x` t (one record when a number), market-based `market` times as much."""
    xs = [x] if isinstance(x, int | float) else x
    k = 1.0 if market is None else market
    t, t2 = sum(xs), sum(v * v for v in xs)
    return Group(scope, "set", factor, scores, len(xs), t, t2, k * t, k * k * t2)


# --- hand-computed ---------------------------------------------------------------------------


def test_two_records_two_factors_by_hand() -> None:
    # A: 100 t, every score 1: only the basic factor 1.05, sigma^2 = 0.000595120.
    # B: 300 t, technology 5: sigma^2 = 0.000595120 + 0.120113 = 0.120708.
    # Different factors, so independent; each Var = (exp(sigma^2) - 1) x^2:
    #   A: 0.000595297 x 100^2 = 5.95297;  B: 0.128296 x 300^2 = 11,546.62
    #   V = 11,552.58, M = 400, V / M^2 = 0.0722036
    #   s^2 = ln(1.0722036) = 0.0697160, s = 0.264038
    #   low  = 400 exp(-0.0348580 - 1.959964 x 0.264038) = 230.235
    #   high = 400 exp(-0.0348580 + 1.959964 x 0.264038) = 648.143
    iv = interval([group(100.0, factor="a"), group(300.0, TECH5, factor="b")], [1])
    assert iv.central == 400.0
    assert iv.sd == pytest.approx(math.sqrt(11_552.577080), rel=1e-9)
    assert iv.low == pytest.approx(230.23532, rel=1e-6)
    assert iv.high == pytest.approx(648.14290, rel=1e-6)
    assert iv.minus_pct == pytest.approx(100 * (1 - 230.23532 / 400), rel=1e-6)  # 42.4%
    assert iv.plus_pct == pytest.approx(100 * (648.14290 / 400 - 1), rel=1e-6)  # 62.0%


def test_records_sharing_a_factor_share_its_error() -> None:
    # Two records of 100 t with technology 5 (sigma_b^2 = 0.120708, a factor error):
    # one factor: Var = (exp(0.120708) - 1) x (100 + 100)^2 = 0.128296 x 40,000 = 5,131.83;
    # two factors: Var = 0.128296 x (100^2 + 100^2) = 2,565.92, half as much.
    e = math.expm1(BASIC + math.log(2) ** 2 / 4)
    same = interval([group(100.0, TECH5), group(100.0, TECH5)], [1])
    apart = interval([group(100.0, TECH5, factor="a"), group(100.0, TECH5, factor="b")], [1])
    assert same.sd**2 == pytest.approx(e * 40_000, rel=1e-12)
    assert apart.sd**2 == pytest.approx(e * 20_000, rel=1e-12)


def test_a_records_own_error_is_independent_within_a_factor() -> None:
    # Two records of 100 t, one factor, reliability 5 (sigma_a^2 = 0.0411005, the records' own)
    # and the basic factor (sigma_b^2 = 0.000595120, shared):
    # Var = exp(sb2) x (exp(sa2) - 1)(100^2 + 100^2) + (exp(sb2) - 1)(200)^2
    #     = 1.000595 x 0.0419569 x 20,000 + 0.000595297 x 40,000 = 839.64 + 23.81 = 863.45
    sa2, sb2 = math.log(1.5) ** 2 / 4, BASIC
    expected = math.exp(sb2) * math.expm1(sa2) * 20_000 + math.expm1(sb2) * 40_000
    assert expected == pytest.approx(863.45, abs=0.01)
    two = interval([group(100.0, REL5), group(100.0, REL5)], [1])
    one_group = interval([group([100.0, 100.0], REL5)], [1])  # the same records, grouped
    assert two.sd**2 == pytest.approx(expected, rel=1e-12)
    assert one_group.sd**2 == pytest.approx(expected, rel=1e-12)


def test_a_factor_used_in_two_scopes_is_one_error_in_the_total() -> None:
    # The same grid factor (technology 5) in Scope 2 (300 t) and Scope 3 (100 t): each scope
    # alone has Var = 0.128296 x x^2; the total has 0.128296 x 400^2, not x (300^2 + 100^2).
    e = math.expm1(BASIC + math.log(2) ** 2 / 4)
    gs = [group(300.0, TECH5, scope=2), group(100.0, TECH5, scope=3)]
    out = {f["key"]: f for f in estimate(gs)["figures"]}
    assert out["scope2_location"]["sd_t"] ** 2 == pytest.approx(e * 300**2, rel=1e-12)
    assert out["scope3"]["sd_t"] ** 2 == pytest.approx(e * 100**2, rel=1e-12)
    assert out["total_location"]["sd_t"] ** 2 == pytest.approx(e * 400**2, rel=1e-12)


def test_gsd2_is_the_pedigree_formula() -> None:
    # Every score 1: GSD^2 = exp(sqrt((ln 1.05)^2)) = 1.05.
    assert gsd2(ONES) == pytest.approx(1.05)
    # Every score 5: U = 1.50, 1.20, 1.50, 1.10, 2.00 and 1.05:
    # sum (ln U)^2 = 0.164402 + 0.033241 + 0.164402 + 0.009085 + 0.480453 + 0.002380 = 0.853963
    # GSD^2 = exp(sqrt(0.853963)) = exp(0.924102) = 2.51960
    assert gsd2((5, 5, 5, 5, 5)) == pytest.approx(2.51960, rel=1e-5)


def test_market_based_figures_use_the_market_sums() -> None:
    # Scope 2 of 300 t location-based and 120 t market-based (0.4 x), one factor, technology
    # 5: the market-based interval is the location-based one times 0.4.
    gs = [group(300.0, TECH5, scope=2, market=0.4)]
    out = {f["key"]: f for f in estimate(gs)["figures"]}
    loc, mkt = out["scope2_location"], out["scope2_market"]
    assert mkt["central_t"] == pytest.approx(120.0)
    assert mkt["low_t"] == pytest.approx(0.4 * loc["low_t"])
    assert mkt["high_t"] == pytest.approx(0.4 * loc["high_t"])
    assert out["scope1"]["central_t"] == 0.0 and out["scope1"]["low_t"] is None


def test_not_positive_figures_get_no_interval() -> None:
    iv = interval([group(-50.0)], [1])
    assert (iv.central, iv.low, iv.high, iv.minus_pct, iv.plus_pct) == (
        -50.0,
        None,
        None,
        None,
        None,
    )
    assert interval([], [1]).low is None


@pytest.mark.parametrize("scores", [(0, 1, 1, 1, 1), (1, 1, 1, 1, 6), (1, 1, 1, 1)])
def test_scores_outside_1_to_5_are_refused(scores: Any) -> None:
    with pytest.raises(ValueError, match="five whole numbers 1-5"):
        Group(1, "set", "f", scores, 1, 1.0, 1.0, 1.0, 1.0)


def test_the_section_states_its_method() -> None:
    out = estimate([group(100.0)])
    assert [f["key"] for f in out["figures"]] == [k for k, *_ in FIGURES]
    assert out["confidence_pct"] == 95.0
    assert list(out["factors"]) == list(INDICATORS)
    assert out["factors"]["technology"]["by_score"] == [1.0, 1.05, 1.2, 1.5, 2.0]
    assert out["basic_factor"] == 1.05
    assert any("Weidema" in s for s in out["sources"]) and out["assumptions"]
    assert out["records"] == 1


# --- the analytic variance against a seeded Monte Carlo -----------------------------------------


def test_analytic_moments_match_a_seeded_monte_carlo() -> None:
    # N = 200,000 draws, seed 14. Per factor one standard normal Z; a record of fit variance
    # sb2 gets B = exp(sqrt(sb2) Z - sb2 / 2) (mean 1, fully correlated within the factor), and
    # its own A, a mean-1 lognormal of variance sa2, independent. Factor F: three records
    # with technology 3 and reliability 4, and one with technology 5 (same Z, larger spread);
    # G: one record with technology 5; H: ten records with completeness 5.
    spec: list[tuple[str, tuple[int, int, int, int, int], list[float]]] = [
        ("F", (4, 1, 1, 1, 3), [100.0, 50.0, 30.0]),
        ("F", TECH5, [80.0]),
        ("G", TECH5, [200.0]),
        ("H", (1, 5, 1, 1, 1), [10.0 * (i + 1) for i in range(10)]),
    ]
    groups = [group(xs, s, factor=f) for f, s, xs in spec]
    iv = interval(groups, [1])
    rng = np.random.default_rng(14)
    n = 200_000
    z = {f: rng.standard_normal(n) for f in ("F", "G", "H")}
    total = np.zeros(n)
    for f, s, xs in spec:
        sb2 = log_variance(s, FACTOR_INDICATORS, basic=True)
        sa2 = log_variance(s, RECORD_INDICATORS)
        b = np.exp(math.sqrt(sb2) * z[f] - sb2 / 2)
        own = sum(x * rng.lognormal(-sa2 / 2, math.sqrt(sa2), n) for x in xs)
        total += b * own
    assert total.mean() == pytest.approx(iv.central, rel=0.005)
    assert total.std() == pytest.approx(iv.sd, rel=0.015)
    # The moment-matched lognormal's 95% interval against the simulated percentiles.
    assert iv.low == pytest.approx(np.percentile(total, 2.5), rel=0.03)
    assert iv.high == pytest.approx(np.percentile(total, 97.5), rel=0.03)


def test_a_worse_fit_on_one_record_of_a_factor_widens_the_interval() -> None:
    # Records of one factor with different fit scores still share its error: giving one of
    # two 100 t records technology 5 (the other all 1) widens the interval; it does not split
    # the two into independent errors, which could narrow it.
    same = interval([group(100.0), group(100.0)], [1])
    worse = interval([group(100.0), group(100.0, TECH5)], [1])
    assert same.low is not None and worse.low is not None
    assert same.high is not None and worse.high is not None
    assert worse.sd > same.sd and worse.high > same.high and worse.low < same.low
    # Var = 100^2 (e^{b} - 1) + 100^2 (e^{c} - 1) + 2 x 100^2 (e^{sqrt(b c)} - 1), with
    # b = 0.000595120 (basic only) and c = 0.120708 (basic and technology 5).
    b, c = BASIC, BASIC + math.log(2) ** 2 / 4
    expected = 1e4 * (math.expm1(b) + math.expm1(c) + 2 * math.expm1(math.sqrt(b * c)))
    assert worse.sd**2 == pytest.approx(expected, rel=1e-12)


# --- properties ---------------------------------------------------------------------------------

_scores = st.tuples(*[st.integers(1, 5)] * 5)
_group = st.builds(
    lambda scope, factor, scores, xs: group(xs, scores, factor=factor, scope=scope),
    st.integers(1, 3),
    st.sampled_from(["f1", "f2", "f3"]),
    _scores,
    st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=5),
)
_groups = st.lists(_group, min_size=1, max_size=6).filter(lambda gs: sum(g.t for g in gs) > 1e-6)


@given(_groups)
def test_the_interval_contains_the_reported_figure(gs: list[Group]) -> None:
    iv = interval(gs, [1, 2, 3])
    assert iv.low is not None and iv.high is not None
    assert iv.low <= iv.central <= iv.high


@given(_groups, st.data())
def test_worse_data_quality_never_narrows_the_interval(
    gs: list[Group], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(gs) - 1))
    j = data.draw(st.integers(0, 4))
    g = gs[i]
    if g.scores[j] == 5:
        return
    worse = Group(
        g.scope,
        g.factor_set,
        g.factor_id,
        tuple(s + 1 if k == j else s for k, s in enumerate(g.scores)),  # type: ignore[arg-type]
        g.records,
        g.t,
        g.t2,
        g.t_market,
        g.t2_market,
    )
    before = interval(gs, [1, 2, 3])
    after = interval([*gs[:i], worse, *gs[i + 1 :]], [1, 2, 3])
    assert before.low is not None and after.low is not None
    assert before.high is not None and after.high is not None
    assert after.low <= before.low * (1 + 1e-12)
    assert after.high >= before.high * (1 - 1e-12)
    if g.t > 1e-3 * before.central:  # a record that weighs: strictly wider
        assert after.high > before.high and after.low < before.low


@settings(max_examples=50)
@given(_groups, st.floats(1e-3, 1e3))
def test_scaling_every_record_scales_the_bounds(gs: list[Group], k: float) -> None:
    scaled = [
        Group(
            g.scope,
            g.factor_set,
            g.factor_id,
            g.scores,
            g.records,
            k * g.t,
            k * k * g.t2,
            k * g.t_market,
            k * k * g.t2_market,
        )
        for g in gs
    ]
    a, b = interval(gs, [1, 2, 3]), interval(scaled, [1, 2, 3])
    assert a.low is not None and a.high is not None
    assert b.central == pytest.approx(k * a.central, rel=1e-9)
    assert b.low == pytest.approx(k * a.low, rel=1e-9)
    assert b.high == pytest.approx(k * a.high, rel=1e-9)


def test_z_is_the_two_sided_95_percent_quantile() -> None:
    assert pytest.approx(1.959964, abs=1e-6) == Z


# --- the store's grouped read, on hand-made results ---------------------------------------------

# The read needs the run's `results` (the view the pipeline defines) and the records' scores in
# `activities`; here both are small tables made by hand, so the query's grouping, its filling
# in of missing scores and its sums are checked in milliseconds (the demo check below runs it on
# a real workspace). Records (reliability, completeness, time, geography, technology):
#   d1  120 t  none given, dq_score 1.0 (a method default)  -> (1, 1, 1, 1, 1)
#   d2   50 t  none given, dq_score 1.0, same factor        -> (1, 1, 1, 1, 1), grouped with d1
#   z1    0 t  left out by the consolidation (share 0)     -> in d1's group, not counted
#   e1  410 t  technology 2 only (dq_score 2.0)             -> (2, 2, 2, 2, 2)
#   e2  260 t  reliability 1, technology 2 (dq_score 1.5)   -> (1, 2, 2, 2, 2): 1.5 rounded up
#   s1 4100 t  all five given (dq_score 3.2)                -> (3, 2, 3, 4, 4)
#   x1  999 t  another run                                  -> not read
RESULTS = [
    # record, version, run, scope, factor, dq_score, t, market t
    ("d1", 1, "r", 1, "diesel", 1.0, 120.0, 120.0),
    ("d2", 2, "r", 1, "diesel", 1.0, 50.0, 50.0),
    ("z1", 1, "r", 1, "diesel", 1.0, 0.0, 0.0),
    ("e1", 1, "r", 2, "grid", 2.0, 410.0, 250.0),
    ("e2", 1, "r", 2, "grid", 1.5, 260.0, 0.0),
    ("s1", 1, "r", 3, "steel", 3.2, 4100.0, 4100.0),
    ("x1", 1, "other", 1, "diesel", 1.0, 999.0, 999.0),
]
SCORES = {  # record: (reliability, completeness, time, geography, technology), None if empty
    "d1": (None, None, None, None, None),
    "d2": (None, None, None, None, None),
    "z1": (None, None, None, None, None),
    "e1": (None, None, None, None, 2),
    "e2": (1, None, None, None, 2),
    "s1": (3, 2, 3, 4, 4),
    "x1": (None, None, None, None, None),
}


def test_the_store_reads_grouped_sums_with_scores_filled_in() -> None:
    ws = Workspace(":memory:", duckdb.connect())
    try:
        ws.execute(
            "CREATE TABLE activities (record_id VARCHAR, version INTEGER, dq_reliability INTEGER,"
            " dq_completeness INTEGER, dq_time INTEGER, dq_geography INTEGER,"
            " dq_technology INTEGER)"
        )
        # An old version of d2 with other scores: only the version the run saw counts.
        ws.execute("INSERT INTO activities VALUES ('d2', 1, 5, 5, 5, 5, 5)")
        for rid, version, *_ in RESULTS:
            ws.execute(
                "INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?)", [rid, version, *SCORES[rid]]
            )
        ws.execute(
            "CREATE TABLE results (record_id VARCHAR, version INTEGER, run_id VARCHAR,"
            " scope INTEGER, factor_set VARCHAR, factor_id VARCHAR, dq_score DOUBLE,"
            " co2e_t DOUBLE, co2e_market_t DOUBLE)"
        )
        for rid, version, run, scope, fid, dq, t, tm in RESULTS:
            ws.execute(
                "INSERT INTO results VALUES (?, ?, ?, ?, 'set', ?, ?, ?, ?)",
                [rid, version, run, scope, fid, dq, t, tm],
            )
        rows = uncertainty_groups(ws, "r")
    finally:
        ws.close()
    assert rows == [
        # d1 + d2 (+ z1, 0 t, not counted): 120 + 50 = 170 t; 120^2 + 50^2 = 16,900
        (1, "set", "diesel", (1, 1, 1, 1, 1), 2, 170.0, 16_900.0, 170.0, 16_900.0),
        (2, "set", "grid", (1, 2, 2, 2, 2), 1, 260.0, 67_600.0, 0.0, 0.0),
        (2, "set", "grid", (2, 2, 2, 2, 2), 1, 410.0, 168_100.0, 250.0, 62_500.0),
        (3, "set", "steel", (3, 2, 3, 4, 4), 1, 4100.0, 16_810_000.0, 4100.0, 16_810_000.0),
    ]


# --- the demo's report, as a reader sees it -------------------------------------------------------


def test_the_demo_report_states_its_uncertainty(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    u, inv = d["uncertainty"], d["inventory"]
    for f in u["figures"]:
        # The central value is the reported figure of the same name, both bases labelled.
        assert f["central_t"] == pytest.approx(inv[f["key"]], rel=1e-9)
        assert f["low_t"] < f["central_t"] < f["high_t"]
        assert f["basis"] in (None, "location", "market")
        if f["scopes"] != [1]:
            assert f["basis"] in f["label"]
    figs = {f["key"]: f for f in u["figures"]}
    # Scope 3 rests on spend-based estimates (technology 4): much wider than Scope 1's.
    assert figs["scope3"]["plus_pct"] > 3 * figs["scope1"]["plus_pct"]
    html = (demo_report / "report.html").read_text()
    section = html.split('<h2 id="uncertainty">', 1)[1].split("<h2", 1)[0]
    total = figs["total_market"]
    row = (
        f'<td>Total (market-based)</td><td class="n">{total["central_t"]:,.0f}</td>'
        f'<td class="n">{total["low_t"]:,.0f}</td><td class="n">{total["high_t"]:,.0f}</td>'
    )
    assert row in section
    assert f"−{total['minus_pct']:.1f}% / +{total['plus_pct']:.1f}%" in section
    assert "ISO 14064-1:2018, clause 8.3" in section and "Weidema" in section
