"""The report's charts: Emmet Group's figures in, self-contained SVG with the right labels out.

Emmet Group, market-based, t CO2e: Scope 1 falls from 5,080 (2020) to 3,513 (2025), Scope 2
from 30,912 to 21,753, Scope 3 from 779,850 to 702,319. Scope 1+2 went from 38,398 in the
2019 base year to 25,266 in 2025, an acquisition adding 2,140 on the way. Offices reached a
31.7% renewable share against a 30% target (achieved); the Scope 3 target is off track.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import altair as alt
import pytest

from zerotrail.errors import ChartError, ZerotrailError
from zerotrail.reports import charts
from zerotrail.reports.charts import (
    BRIDGE_COLOURS,
    FONT,
    MIN_FONT_PX,
    NARROW,
    SCOPE_COLOURS,
    THEME,
    WIDTH,
    bridge,
    emissions_by_scope,
    external_references,
    gas_breakdown,
    render_svg,
    renewable_share,
    scope12_by_year,
    target_pathway,
)

MINUS = "\u2212"  # d3 writes negative numbers with a true minus sign

YEARS: list[dict[str, Any]] = [
    {"year": 2020, "scope1": 5_080.4, "scope2_market": 30_912.0, "scope3_market": 779_850.0},
    {"year": 2021, "scope1": 4_812.9, "scope2_market": 29_004.6, "scope3_market": 761_230.5},
    {"year": 2022, "scope1": 4_420.1, "scope2_market": 26_318.2, "scope3_market": 748_902.0},
    {"year": 2023, "scope1": 4_105.7, "scope2_market": 24_660.9, "scope3_market": 731_415.3},
    {"year": 2024, "scope1": 3_790.2, "scope2_market": 22_480.3, "scope3_market": 715_044.8},
    {"year": 2025, "scope1": 3_512.6, "scope2_market": 21_753.4, "scope3_market": 702_318.9},
]

# 38,398 + 2,140 - 9,870 - 2,310 - 1,845 + 1,033 - 2,280 = 25,266
STEPS: list[dict[str, Any]] = [
    {"label": "Base year 2019", "t": 38_398.0, "kind": "start"},
    {"label": "Acquisition of Nordhafen Logistics", "t": 2_140.0, "kind": "change"},
    {"label": "Renewable electricity contracts", "t": -9_870.0, "kind": "change"},
    {"label": "Fleet electrification", "t": -2_310.0, "kind": "change"},
    {"label": "Heating and efficiency", "t": -1_845.0, "kind": "change"},
    {"label": "Growth", "t": 1_033.0, "kind": "change"},
    {"label": "Other", "t": -2_280.0, "kind": "change"},
    {"label": "2025", "t": 25_266.0, "kind": "end"},
]

# Scope 3 -30% from 2019 by 2030: 790,000 x 0.7 = 553,000. The pathway in 2025 is
# 790,000 - 237,000 x 6/11 = 660,727; the actual 702,319 is above it: off track.
SCOPE3_TARGET: dict[str, Any] = {
    "name": "Scope 3 \u221230% by 2030",
    "unit": "t CO2e",
    "status": "off-track",
    "base_year": 2019,
    "target_year": 2030,
    "base_value": 790_000.0,
    "target_value": 553_000.0,
    "history": {
        "2019": 790_000.0,
        "2020": 779_850.0,
        "2021": 761_230.5,
        "2022": 748_902.0,
        "2023": 731_415.3,
        "2024": 715_044.8,
        "2025": 702_318.9,
    },
}
OFFICES_TARGET: dict[str, Any] = {
    "name": "Renewable electricity, offices 30% by 2025",
    "unit": "%",
    "status": "achieved",
    "base_year": 2020,
    "target_year": 2025,
    "base_value": 12.0,
    "target_value": 30.0,
    "history": {"2020": 12.0, "2021": 15.2, "2022": 19.8, "2023": 24.1, "2024": 28.3, "2025": 31.7},
}
# An intensity of well under 1: the axis must not label every tick "0".
INTENSITY_TARGET: dict[str, Any] = {
    "name": "Scope 1+2 per m EUR revenue \u221250% by 2030",
    "unit": "t CO2e per m EUR revenue",
    "status": "on-track",
    "base_year": 2019,
    "target_year": 2030,
    "base_value": 0.82,
    "target_value": 0.41,
    "history": {"2019": 0.82, "2021": 0.74, "2023": 0.61, "2025": 0.55},
}

# As reports/energy.py returns them: kinds sorted, records without a site last.
SHARES: list[dict[str, Any]] = [
    {"site_kind": "data_center_owned", "share_pct": 92.5, "total_mwh": 48_210.0},
    {"site_kind": "office", "share_pct": 31.7, "total_mwh": 9_830.5},
    {"site_kind": "warehouse", "share_pct": None, "total_mwh": 0.0},
    {"site_kind": None, "share_pct": 0.0, "total_mwh": 50.0},
]
RENEWABLE_TARGETS: list[dict[str, Any]] = [
    {"site_kind": "office", "target_value": 30.0, "name": "Offices 30% by 2025"},
    {"site_kind": "factory", "target_value": 50.0, "name": "Factories 50% by 2030"},
]

# 2025 Scope 1+2 by gas; PFC and NF3 are zero and left out. Total 29,110.343 t CO2e.
BY_GAS: dict[str, dict[str, float]] = {
    "CO2": {"mass_t": 27_612.0, "co2e_t": 27_612.0},
    "CH4": {"mass_t": 9.1, "co2e_t": 270.3},
    "N2O": {"mass_t": 0.52, "co2e_t": 137.8},
    "HFC": {"mass_t": 0.61, "co2e_t": 1_065.2},
    "PFC": {"mass_t": 0.0, "co2e_t": 0.0},
    "SF6": {"mass_t": 0.0011, "co2e_t": 25.0},
    "NF3": {"mass_t": 0.0, "co2e_t": 0.0},
    "CO2e_only": {"mass_t": 0.0, "co2e_t": 0.043},
}

# Each chart at a width: the wide variant by default, the phone's with width=NARROW.
EVERY_CHART: dict[str, Callable[..., dict[str, Any]]] = {
    "emissions_by_scope": lambda width=WIDTH: emissions_by_scope(YEARS, width=width),
    "scope12_by_year": lambda width=WIDTH: scope12_by_year(YEARS, width=width),
    "bridge": lambda width=WIDTH: bridge(STEPS, width=width),
    "target_pathway": lambda width=WIDTH: target_pathway(SCOPE3_TARGET, width=width),
    "renewable_share": lambda width=WIDTH: renewable_share(SHARES, RENEWABLE_TARGETS, width=width),
    "gas_breakdown": lambda width=WIDTH: gas_breakdown(BY_GAS, width=width),
}


def texts(svg: str) -> list[str]:
    """The words drawn in the SVG: each <text> or <tspan> run, entities decoded."""
    return [html.unescape(t) for t in re.findall(r"<(?:text|tspan)\b[^>]*>([^<]+)<", svg)]


def size(svg: str) -> tuple[int, int]:
    root = re.search(r'<svg\b[^>]*\bwidth="(\d+)"[^>]*\bheight="(\d+)"', svg)
    assert root is not None
    return int(root.group(1)), int(root.group(2))


def rows_of(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows a layer draws (its own, or the chart's when the layers share them)."""
    data = layer.get("data", spec.get("data"))
    assert data is not None
    rows: list[dict[str, Any]] = spec["datasets"][data["name"]]
    return rows


@pytest.fixture(scope="module")
def svgs() -> dict[str, str]:
    return {name: render_svg(build()) for name, build in EVERY_CHART.items()}


@pytest.fixture(scope="module")
def narrow() -> dict[str, str]:
    """The phone variants, drawn as the report draws them: in the renderer's own process."""
    return charts.render_svgs({name: build(width=NARROW) for name, build in EVERY_CHART.items()})


# --- every chart ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EVERY_CHART)
def test_renders_self_contained_svg_of_the_column_width(name: str, svgs: dict[str, str]) -> None:
    svg = svgs[name]
    assert svg.startswith("<svg")
    assert external_references(svg) == []
    # The only http(s) strings are XML namespace names, never fetched.
    assert set(re.findall(r"https?://[^\"']+", svg)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert size(svg)[0] == WIDTH
    assert FONT.endswith("sans-serif")
    assert f'font-family="{FONT}"' in svg
    assert " id=" not in svg  # several charts can be inlined in one HTML page


@pytest.mark.parametrize("name", EVERY_CHART)
def test_no_text_is_smaller_than_the_phone_view_allows(
    name: str, svgs: dict[str, str], narrow: dict[str, str]
) -> None:
    # style.css never shows a wide chart narrower than 500 px: drawn at 640 px, its smallest
    # text (10.5 px) is then 10.5 x 500 / 640 = 8.2 px, the least the phone view allows (8 px).
    # A phone shows the narrow variant instead, with the same font sizes, drawn at 340 px and
    # never shown under 260 px: 10.5 x 260 / 340 = 8.03 px.
    for svg in (svgs[name], narrow[name]):
        sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)px"', svg)]
        assert sizes, "the chart draws no text"
        assert min(sizes) >= MIN_FONT_PX == 10.5
    assert MIN_FONT_PX * 500 / WIDTH >= 8
    assert MIN_FONT_PX * 260 / NARROW >= 8


@pytest.mark.parametrize("name", EVERY_CHART)
def test_the_narrow_variant_fits_a_phone(name: str, narrow: dict[str, str]) -> None:
    """340 px wide (a 390 px screen less the page's padding), as safe as the wide one, its
    title wrapped onto lines that fit it; its text no smaller (above)."""
    svg = narrow[name]
    assert size(svg)[0] == NARROW <= 390 - 2 * 14
    assert external_references(svg) == []
    assert " id=" not in svg
    spec = EVERY_CHART[name](width=NARROW)
    assert spec["width"] == NARROW and spec["config"] == THEME
    title = spec["title"]["text"]
    lines = title if isinstance(title, list) else [title]
    # A title line of n characters at 14 px bold is at most about 9 px a character.
    assert all(len(line) * 9 <= NARROW - 12 for line in lines), lines


def test_the_narrow_variants_draw_the_same_figures(narrow: dict[str, str]) -> None:
    # Scopes: totals abbreviated to three digits, as six labels of "815,842" would not fit
    # the 43 px a year has: 2020 = 5,080.4 + 30,912.0 + 779,850.0 = 815,842.4 -> "816k";
    # 2025 = 727,584.9 -> "728k". Scope 1 + 2 in 2025: 25,266.0 -> "25.3k".
    assert {"816k", "728k"} <= set(texts(narrow["emissions_by_scope"]))
    assert "25.3k" in texts(narrow["scope12_by_year"])
    # The bridge, top to bottom: every step's figure, each label wrapped on its own lines.
    words = texts(narrow["bridge"])
    assert {"38,398", "25,266", "+2,140", "+1,033", f"{MINUS}9,870"} <= set(words)
    assert {"Acquisition of", "Nordhafen", "Logistics"} <= set(words)
    # Renewable shares: the MWh under each kind's name, the share beside its bar.
    words = texts(narrow["renewable_share"])
    assert {"Data centres,", "owned", "48,210 MWh", "92.5%", "31.7%", "target 30%"} <= set(words)
    # Gases: 27,612.0 / 29,110.343 = 94.85%; the long name on two lines.
    words = texts(narrow["gas_breakdown"])
    assert {"27,612 t (94.9%)", "Reported as", "CO₂e only"} <= set(words)


def test_the_narrow_bridge_runs_top_to_bottom() -> None:
    spec = bridge(STEPS, width=NARROW)
    bars = spec["layer"][0]["encoding"]
    assert bars["y"]["field"] == "step" and bars["x"]["field"] == "low"
    # Room beside the longest bar (38,398 + 2,140 = 40,538) for its label.
    assert bars["x"]["scale"]["domainMax"] == pytest.approx(1.35 * 40_538)


def test_a_chart_is_drawn_at_one_of_two_widths() -> None:
    with pytest.raises(ValueError, match="640 or 340 px wide, not 500"):
        gas_breakdown(BY_GAS, width=500)


def test_the_report_holds_both_variants_of_every_chart() -> None:
    from zerotrail.reports.html import charts as report_charts

    data = {
        "years": YEARS,
        "bridge": STEPS,
        "targets": [],
        "renewables": SHARES,
        "inventory": {"by_gas": BY_GAS},
    }
    drawn = report_charts(data)
    assert set(drawn) == {"scopes", "scope12", "bridge", "renewables", "gases", "targets"}
    for name in ("scopes", "scope12", "bridge", "renewables", "gases"):
        parts = re.fullmatch(
            r'<div class="chart-wide">(<svg\b.*</svg>)</div>'
            r'<div class="chart-narrow">(<svg\b.*</svg>)</div>',
            drawn[name],
            re.S,
        )
        assert parts is not None, name
        assert [size(svg)[0] for svg in parts.groups()] == [WIDTH, NARROW]
        assert all(external_references(svg) == [] for svg in parts.groups())


@pytest.mark.parametrize("name", EVERY_CHART)
def test_spec_is_deterministic_and_themed(name: str) -> None:
    first = json.dumps(EVERY_CHART[name](), sort_keys=True)
    # Altair's global theme does not leak into the spec.
    with alt.theme.enable("dark"):
        second = json.dumps(EVERY_CHART[name](), sort_keys=True)
    assert first == second
    spec = json.loads(first)
    assert spec["config"] == THEME
    assert spec["width"] == WIDTH and isinstance(spec["height"], int)
    assert spec["autosize"] == {"type": "fit", "contains": "padding"}
    assert spec["description"]


@pytest.mark.parametrize(
    "build",
    [
        lambda: emissions_by_scope([]),
        lambda: scope12_by_year([]),
        lambda: bridge([]),
        lambda: target_pathway(
            {
                "name": "Empty",
                "unit": "t CO2e",
                "target_year": 2030,
                "target_value": 1.0,
                "history": {},
            }
        ),
        lambda: renewable_share([], RENEWABLE_TARGETS),
        lambda: gas_breakdown({}),
        lambda: gas_breakdown({"PFC": {"mass_t": 0.0, "co2e_t": 0.0}}),
    ],
    ids=["scopes", "scope12", "bridge", "pathway", "renewable", "gases", "all-zero-gases"],
)
def test_empty_input_is_a_clear_value_error(build: Callable[[], dict[str, Any]]) -> None:
    # The report builder never asks for an empty chart: a programming error, not a user's.
    with pytest.raises(ValueError, match=r"no |nothing to chart|neither") as err:
        build()
    assert not isinstance(err.value, ZerotrailError)


def refused(kind: type[ValueError], message: str, build: Callable[[], Any]) -> None:
    """`build` refuses with `message`: a ChartError (one line for the user) when the figures
    come from the user's data, a plain ValueError (a bug in the caller) otherwise."""
    with pytest.raises(ValueError, match=message) as err:
        build()
    assert isinstance(err.value, ZerotrailError) == (kind is ChartError), type(err.value)
    assert "\n" not in str(err.value)


def test_the_theme_is_valid_vega_lite_config() -> None:
    alt.Config.from_dict(THEME)  # raises on an unknown or mistyped property
    assert THEME["numberFormat"] == ",.0f"
    assert THEME["font"] == FONT


def _lightness(colour: str) -> float:
    """CIE L* of an sRGB hex colour: what is left of it on a greyscale printout."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    y = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


@pytest.mark.parametrize("palette", [SCOPE_COLOURS, BRIDGE_COLOURS], ids=["scopes", "bridge"])
def test_palettes_stay_apart_in_greyscale(palette: dict[str, str]) -> None:
    levels = sorted(_lightness(c) for c in palette.values())
    assert all(b - a >= 15 for a, b in itertools.pairwise(levels)), levels


# --- 1. emissions by scope -----------------------------------------------------------------------


def test_emissions_by_scope(svgs: dict[str, str]) -> None:
    svg, words = svgs["emissions_by_scope"], texts(svgs["emissions_by_scope"])
    assert size(svg) == (WIDTH, 360)
    assert {"Scope 1", "Scope 2", "Scope 3"} <= set(words)
    assert {str(y) for y in range(2020, 2026)} <= set(words)
    assert not any("2,02" in w for w in words)  # years are not numbers to format
    # 2025 total: 3,512.6 + 21,753.4 + 702,318.9 = 727,584.9
    assert "727,585" in words
    assert "800,000" in words  # axis labels with thousands separators
    assert "t CO₂e" in words
    assert "Emissions by scope" in words


def test_scopes_stack_in_order_and_keep_their_colours() -> None:
    spec = emissions_by_scope(list(reversed(YEARS)))  # input order does not matter
    bars = spec["layer"][0]
    colour = bars["encoding"]["color"]["scale"]
    assert colour == {
        "domain": ["Scope 1", "Scope 2", "Scope 3"],
        "range": [SCOPE_COLOURS[s] for s in ("Scope 1", "Scope 2", "Scope 3")],
    }
    small = scope12_by_year(YEARS)["layer"][0]["encoding"]["color"]["scale"]
    assert small["range"] == [SCOPE_COLOURS["Scope 1"], SCOPE_COLOURS["Scope 2"]]
    rows = rows_of(spec, bars)
    assert [r["year"] for r in rows[:3]] == ["2020"] * 3
    assert [r["scope"] for r in rows[:3]] == ["Scope 1", "Scope 2", "Scope 3"]
    assert rows[0]["about"] == "2020, Scope 1: 5,080 t CO₂e"


def test_scope12_by_year(svgs: dict[str, str]) -> None:
    words = texts(svgs["scope12_by_year"])
    assert {"Scope 1", "Scope 2"} <= set(words) and "Scope 3" not in words
    assert {"2020", "2025"} <= set(words)
    assert "25,266" in words  # 2025: 3,512.6 + 21,753.4 = 25,266.0
    assert "35,992" in words  # 2020: 5,080.4 + 30,912.0 = 35,992.4


@pytest.mark.parametrize(
    ("years", "kind", "message"),
    [
        ([{**YEARS[0]}, {**YEARS[0]}], ValueError, "year 2020 appears twice"),
        (
            [{**YEARS[0], "scope3_market": None}],
            ChartError,
            r"year 2020, 'scope3_market' is not a number",
        ),
        ([{**YEARS[0], "scope1": float("nan")}], ChartError, "not finite"),
        # Spend corrections may be negative: a year of corrections only is the user's doing.
        ([{**YEARS[0], "scope1": -1.0}], ChartError, "negative 'scope1'"),
        ([{**YEARS[0], "year": "FY20"}], ValueError, "'FY20' is not a year"),
    ],
)
def test_scope_input_is_checked(
    years: list[dict[str, Any]], kind: type[ValueError], message: str
) -> None:
    refused(kind, message, lambda: emissions_by_scope(years))


def test_years_may_be_json_strings() -> None:
    as_strings = [{**y, "year": str(y["year"])} for y in YEARS]
    assert emissions_by_scope(as_strings) == emissions_by_scope(YEARS)


# --- 2. bridge -----------------------------------------------------------------------------------


def test_bridge(svgs: dict[str, str]) -> None:
    svg, words = svgs["bridge"], texts(svgs["bridge"])
    assert size(svg) == (WIDTH, 340)
    assert {"38,398", "25,266"} <= set(words)  # start and end, unsigned
    assert {"+2,140", "+1,033"} <= set(words)  # increases
    assert {f"{MINUS}9,870", f"{MINUS}2,310", f"{MINUS}2,280"} <= set(words)  # decreases
    # Long labels wrap onto lines under their bar.
    assert {"Acquisition", "Nordhafen", "Logistics", "Growth", "2025"} <= set(words)
    assert {"Total", "Increase", "Decrease"} <= set(words)  # the legend
    assert "<title>Waterfall chart from Base year 2019 (38,398 t CO₂e)" in svg


def test_bridge_floats_changes_from_the_running_total() -> None:
    spec = bridge(STEPS)
    rows = rows_of(spec, spec["layer"][0])
    spans = [(r["kind"], r["low"], r["high"]) for r in rows]
    assert spans == [
        ("Total", 0.0, 38_398.0),
        ("Increase", 38_398.0, 40_538.0),  # acquisition: 38,398 + 2,140
        ("Decrease", 30_668.0, 40_538.0),  # 40,538 - 9,870
        ("Decrease", 28_358.0, 30_668.0),
        ("Decrease", 26_513.0, 28_358.0),
        ("Increase", 26_513.0, 27_546.0),
        ("Decrease", 25_266.0, 27_546.0),
        ("Total", 0.0, 25_266.0),
    ]
    assert rows[1]["about"] == (
        "Acquisition of Nordhafen Logistics: increase of 2,140 t CO₂e, to 40,538"
    )
    colours = spec["layer"][0]["encoding"]["color"]["scale"]
    assert colours["range"] == [BRIDGE_COLOURS[k] for k in colours["domain"]]


def test_the_tallest_bars_label_has_room_above_it() -> None:
    # The value axis runs 10% past the tallest bar (Vega then rounds it up to a tick), so the
    # label above that bar stays in the plot, clear of the legend: the bridge's tallest bar
    # is the acquisition's, 40,538 t, the axis reaches at least 44,591.8; the tallest year of
    # YEARS is 2020, 5,080.4 + 30,912.0 + 779,850.0 = 815,842.4 t, its axis 897,426.64.
    bars = bridge(STEPS)["layer"][0]["encoding"]["y"]["scale"]
    assert bars == {"zero": True, "domainMax": pytest.approx(1.1 * 40_538)}
    stack = emissions_by_scope(YEARS)["layer"][0]["encoding"]["y"]["scale"]
    assert stack == {"zero": True, "domainMax": pytest.approx(1.1 * 815_842.4)}
    # No bar above zero: Vega's own axis, not a domain of [0, 0].
    flat = [dict(y, scope1=0.0, scope2_market=0.0, scope3_market=0.0) for y in YEARS]
    assert emissions_by_scope(flat)["layer"][0]["encoding"]["y"]["scale"] == {"zero": True}


@pytest.mark.parametrize(
    ("steps", "kind", "message"),
    [
        (STEPS[:-1], ValueError, "from one 'start' to one 'end'"),
        (STEPS[1:], ValueError, "from one 'start' to one 'end'"),
        ([STEPS[0], {**STEPS[1], "kind": "start"}, STEPS[-1]], ValueError, "only 'change' steps"),
        ([STEPS[0], {**STEPS[1], "label": "2025"}, STEPS[-1]], ValueError, "'2025' appears twice"),
        ([STEPS[0], {**STEPS[1], "label": " "}, STEPS[-1]], ValueError, "needs a label"),
        ([STEPS[0], {**STEPS[1], "t": "2140"}, STEPS[-1]], ChartError, "is not a number"),
        # 38,398 + 2,140 is 40,538, not 25,266: the chart would not add up.
        ([STEPS[0], STEPS[1], STEPS[-1]], ValueError, "is 40,538, not the end 25,266"),
    ],
)
def test_bridge_input_is_checked(
    steps: list[dict[str, Any]], kind: type[ValueError], message: str
) -> None:
    refused(kind, message, lambda: bridge(steps))


def test_bridge_tolerates_rounding_to_whole_tonnes() -> None:
    # Each of 8 figures rounded to whole tonnes may be 0.5 t off: up to 4 t in all.
    bridge([*STEPS[:-1], {**STEPS[-1], "t": 25_269.9}])
    with pytest.raises(ValueError, match="not the end"):
        bridge([*STEPS[:-1], {**STEPS[-1], "t": 25_270.1}])


# --- 3. target pathway ---------------------------------------------------------------------------


def test_off_track_target(svgs: dict[str, str]) -> None:
    svg, words = svgs["target_pathway"], texts(svgs["target_pathway"])
    assert SCOPE3_TARGET["name"] in words
    assert (
        "Status: off track \u2014 latest 702,319 t CO₂e in 2025, target 553,000 t CO₂e in 2030"
        in words
    )
    assert "t CO₂e" in words  # the y axis is titled with the unit
    assert "2025: 702,319" in words  # the latest actual, labelled
    assert {"2020", "2030"} <= set(words) and "2,030" not in words
    assert "off track" in svg.split("</title>")[0]


def test_achieved_share_target() -> None:
    svg = render_svg(target_pathway(OFFICES_TARGET))
    words = texts(svg)
    assert "Status: achieved \u2014 latest 31.7% in 2025, target 30.0% in 2025" in words
    assert "2025: 31.7%" in words
    assert "Share (%)" in words
    assert {"0%", "30%"} <= set(words)
    assert external_references(svg) == []


def test_small_intensities_keep_their_decimals() -> None:
    words = texts(render_svg(target_pathway(INTENSITY_TARGET)))
    assert "t CO₂e per m EUR revenue" in words
    assert {"0.2", "0.4", "0.8"} <= set(words)  # ticks, not "0, 0, 1, 1"
    assert "2025: 0.55" in words


def test_pathway_is_the_straight_line_from_base_to_target() -> None:
    spec = target_pathway(SCOPE3_TARGET)
    dashed = spec["layer"][0]
    assert dashed["mark"]["strokeDash"] == [6, 4]
    assert rows_of(spec, dashed) == [
        {"year": 2019, "v": 790_000.0},
        {"year": 2030, "v": 553_000.0},
    ]


def test_target_without_a_base_draws_actuals_and_target_only() -> None:
    spec = target_pathway({**SCOPE3_TARGET, "base_year": None, "base_value": None})
    assert not any("strokeDash" in layer["mark"] for layer in spec["layer"])
    assert "dashed" not in json.dumps(spec["title"])
    render_svg(spec)


@pytest.mark.parametrize(
    ("change", "kind", "message"),
    [
        ({"name": ""}, ValueError, "has no name"),
        ({"unit": None}, ValueError, "has no unit"),
        ({"target_year": None}, ValueError, "target_year None is not a year"),
        ({"target_value": None}, ChartError, "'target_value' is not a number"),
        ({"base_year": 2031}, ValueError, "base year 2031 is not before 2030"),
        ({"history": {"2025": "lots"}}, ChartError, "history 2025 is not a number"),
        ({"history": [1, 2]}, ValueError, "history is not a mapping"),
    ],
)
def test_target_input_is_checked(
    change: dict[str, Any], kind: type[ValueError], message: str
) -> None:
    refused(kind, message, lambda: target_pathway({**SCOPE3_TARGET, **change}))


# --- 4. renewable share --------------------------------------------------------------------------


def test_renewable_share(svgs: dict[str, str]) -> None:
    words = texts(svgs["renewable_share"])
    assert "31.7% of 9,831 MWh" in words  # offices: above the 30% target
    assert "92.5% of 48,210 MWh" in words  # a long bar: labelled inside, in white
    assert "target 30%" in words and "target 50%" in words
    assert {"Offices", "Data centres, owned", "Warehouses", "No site", "Factories"} <= set(words)
    assert "no electricity data" in words  # warehouses: share None
    assert "no data" in words  # factories: a target, no row
    assert {"0%", "100%"} <= set(words)


def test_renewable_share_rows_keep_their_order_and_targets_their_kind() -> None:
    spec = renewable_share(SHARES, RENEWABLE_TARGETS)
    y = spec["layer"][0]["encoding"]["y"]
    assert y["scale"]["domain"] == [
        "Data centres, owned",
        "Offices",
        "Warehouses",
        "No site",
        "Factories",
    ]
    ticks = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "tick")
    assert rows_of(spec, ticks) == [
        {"kind": "Offices", "v": 30.0},
        {"kind": "Factories", "v": 50.0},
    ]
    # Without targets: no tick layer, still a chart.
    plain = renewable_share(SHARES, [])
    assert all(layer["mark"]["type"] != "tick" for layer in plain["layer"])
    render_svg(plain)


@pytest.mark.parametrize(
    ("rows", "kind", "message"),
    [
        ([SHARES[1], SHARES[1]], ValueError, "'Offices' appears twice"),
        ([{**SHARES[1], "share_pct": -5.0}], ChartError, "negative share"),
        ([{**SHARES[1], "total_mwh": None}], ChartError, "'total_mwh' is not a number"),
    ],
)
def test_renewable_input_is_checked(
    rows: list[dict[str, Any]], kind: type[ValueError], message: str
) -> None:
    refused(kind, message, lambda: renewable_share(rows, []))


# --- 5. gas breakdown ----------------------------------------------------------------------------


def test_gas_breakdown(svgs: dict[str, str]) -> None:
    words = texts(svgs["gas_breakdown"])
    # 27,612 / 29,110.343 = 94.9%; 25 / 29,110.343 = 0.09% -> "<0.1%"
    assert "27,612 t (94.9%)" in words
    assert "1,065 t (3.7%)" in words
    assert "25 t (<0.1%)" in words
    assert "0.043 t (<0.1%)" in words  # small, but not shown as "0"
    assert {"CO₂", "CH₄", "N₂O", "HFCs", "SF₆", "Reported as CO₂e only"} <= set(words)
    assert "PFCs" not in words and "NF₃" not in words  # zero: omitted


def test_gases_are_sorted_largest_first() -> None:
    spec = gas_breakdown(BY_GAS)
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [
        "CO₂",
        "HFCs",
        "CH₄",
        "N₂O",
        "SF₆",
        "Reported as CO₂e only",
    ]
    assert gas_breakdown(dict(reversed(BY_GAS.items()))) == spec


def test_gas_input_is_checked() -> None:
    refused(
        ChartError,
        "gas 'CH4', 'co2e_t' is not a number",
        lambda: gas_breakdown({"CH4": {"mass_t": 1.0}}),
    )
    refused(
        ChartError, "negative", lambda: gas_breakdown({"CH4": {"mass_t": 1.0, "co2e_t": -28.0}})
    )


# --- 6. rendering and external references --------------------------------------------------------

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


@pytest.mark.parametrize(
    ("svg", "found"),
    [
        (f"<svg {SVG_NS}><rect/></svg>", []),
        (f"<svg {SVG_NS}><use href='#clip1'/><image href='data:image/png;base64,AA'/></svg>", []),
        (f'<svg {SVG_NS}><rect clip-path="url(#clip1)"/></svg>', []),
        (
            f'<svg {SVG_NS}><image href="https://cdn.example/x.png"/></svg>',
            ["https://cdn.example/x.png"],
        ),
        (
            f'<svg {SVG_NS}><use xlink:href="http://example.org/s.svg#a"/></svg>',
            ["http://example.org/s.svg#a"],
        ),
        (f'<svg {SVG_NS}><image href="logo.png"/></svg>', ["logo.png"]),  # relative: a fetch too
        (
            f"<svg {SVG_NS}><rect style=\"fill: url( 'https://x.example/p' )\"/></svg>",
            ["https://x.example/p"],
        ),
        (
            f"<svg {SVG_NS}><style>@import 'https://fonts.example/css';</style></svg>",
            ["https://fonts.example/css"],
        ),
        (f'<svg {SVG_NS}><image href="&#104;ttps://x.example/i"/></svg>', ["https://x.example/i"]),
        # Text is drawn, never fetched: a title or label may quote a URL (or "url(...)").
        (
            f"<svg {SVG_NS}><text>see https://example.com/more, url(https://x.example/p)"
            " &lt;image href=&quot;https://x.example/i&quot;&gt;</text></svg>",
            [],
        ),
        (
            f"<svg {SVG_NS}><g aria-label=\"Title text 'SBTi (url(https://sbti.example))'\">"
            "<title>https://example.com</title></g></svg>",
            [],
        ),
        (f'<svg {SVG_NS}><script src="//cdn.example/v.js"/></svg>', ["//cdn.example/v.js"]),
        (
            f'<svg {SVG_NS}><rect filter="url(https://x.example/f.svg#blur)"/></svg>',
            ["https://x.example/f.svg#blur"],
        ),
        (
            f"<svg {SVG_NS}><style><![CDATA[text {{ font: url(x.woff) }}]]></style></svg>",
            ["x.woff"],
        ),
        (
            '<?xml version="1.0"?><?xml-stylesheet href="https://x.example/s.css"?>'
            f"<svg {SVG_NS}/>",
            ['<?xml-stylesheet href="https://x.example/s.css"?>'],
        ),
        (
            f'<!DOCTYPE svg SYSTEM "https://x.example/svg.dtd"><svg {SVG_NS}/>',
            ['<!DOCTYPE svg SYSTEM "https://x.example/svg.dtd">'],
        ),
    ],
    ids=[
        "none",
        "fragment-and-data",
        "url-fragment",
        "href",
        "xlink",
        "relative",
        "css-url",
        "import",
        "entity",
        "text",
        "aria-and-title",
        "protocol-relative",
        "filter-attribute",
        "style-cdata",
        "stylesheet-instruction",
        "doctype",
    ],
)
def test_external_references(svg: str, found: list[str]) -> None:
    assert external_references(svg) == found


def test_a_svg_that_is_not_xml_has_no_knowable_references() -> None:
    with pytest.raises(ValueError, match="not well-formed XML"):
        external_references("<svg><text>unclosed</svg>")


# A name `targets add` accepts, as a user writes it (issue 11 review, finding 4): every report
# failed with "the SVG refers outside itself" because the check read the title's text.
URL_NAME = "Scope 1 cut, validated by SBTi (https://sciencebasedtargets.org) <b>url(x)</b>"


def test_the_report_draws_a_target_named_with_a_url_as_text() -> None:
    # The report draws through render_svgs, in the renderer's own process.
    spec = target_pathway({**SCOPE3_TARGET, "name": URL_NAME})
    svg = charts.render_svgs({"target": spec})["target"]
    assert external_references(svg) == []
    # The title, as escaped text: nothing in it became markup.
    assert f">{html.escape(URL_NAME, quote=False)}</text>" in svg
    assert "<b>" not in svg


def test_render_svg_refuses_remote_data_without_fetching() -> None:
    spec = {
        "data": {"url": "https://example.com/emissions.csv"},
        "mark": "bar",
        "encoding": {"x": {"field": "year", "type": "nominal"}},
    }
    with pytest.raises(ValueError, match="not allowed"):
        render_svg(spec)


def test_render_svg_pins_the_vega_lite_of_altairs_schema() -> None:
    assert alt.SCHEMA_VERSION.startswith(f"v{charts._VL_VERSION}.")
