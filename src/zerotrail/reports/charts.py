"""The report's charts: Vega-Lite specs built with Altair, rendered offline to SVG.

Where it sits: reports, at the very end of the flow. The report builder passes plain pieces of
its JSON (years' scope totals, a bridge, a target's progress, renewable shares, the gas split);
each chart function validates them and returns a Vega-Lite spec as a plain, JSON-ready dict.
`render_svg` turns any spec into self-contained SVG text, with vl-convert (no browser, no
network); `render_svgs` does the same for the report's charts in a child process, so that the
native renderer cannot abort the report's process. Both make the spec's text printable first
(control characters replaced): vl-convert aborts on them.

Every spec carries the same `THEME` config, a fixed width (`WIDTH`, one A4 text column) and an
explicit height, so a chart looks the same in the PDF, in the HTML and on the web. Each chart
function also draws a phone variant (`width=NARROW`): the same figures and the same font sizes
in a column a phone shows at full size, laid out for it (titles and long labels wrapped, the
bridge and the labels beside bars rearranged) rather than a shrunken copy whose text would be
too small to read. The functions
are pure: the same input gives byte-identical JSON (Altair names inline datasets by a hash of
their values; nothing depends on Altair's global theme, which is replaced, not merged).

A chart that silently drops a year or a step would mislead its readers, so each function refuses
input it cannot draw truthfully, naming the chart and the field:
- figures that come from the user's data and cannot be drawn (a missing, non-numeric or
  non-finite figure; a negative total, share or gas, as spend corrections can make) raise
  `ChartError`, a `ZerotrailError` (and a `ValueError`);
- input the report builder never passes (no rows at all, two rows for one year or label, a
  bridge that does not run start - changes - end or does not add up, a target without a name,
  unit or anything to draw, a year that is not a year) raises a plain `ValueError`: a
  programming error in the caller, not something a user can cause.
Rendering fails with `RuntimeError` when the renderer's process dies or hangs (the environment)
and `ValueError` when the renderer refuses a spec or the SVG refers outside itself (a bug).
"""

from __future__ import annotations

import copy
import html
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

import zerotrail
from zerotrail.errors import ChartError
from zerotrail.reports.cells import printable_tree
from zerotrail.reports.renderer import MARKER

# --- theme ---------------------------------------------------------------------------------------

WIDTH = 640  # px: one column of an A4 page at 96 px/in with 2 cm margins (~17 cm)
# The phone variant: a 390 px screen less the page's side padding (style.css, 14 px each side)
# leaves 362 px, so a 340 px chart is drawn at its own size with room to spare.
NARROW = 340
# The smallest text any chart draws, in px, in both variants. The HTML report shows the wide
# variant only where it is at least 500 px wide (style.css), which keeps this text at 8.2 px or
# more, and the narrow one on smaller screens, unscaled down to 260 px wide (8 px).
MIN_FONT_PX = 10.5
# Average advance of DejaVu Sans per character, in px, at the theme's sizes: used to wrap text
# before Vega draws it (Vega does not wrap). Generous, so that a wrapped line always fits.
_CHAR_PX = {"title": 9.0, "text": 7.0}

# The font that measures the text (vl-convert) must be the font that draws it (WeasyPrint or a
# browser), or labels overflow. DejaVu Sans is on nearly every Linux system and is what both use
# here; without it vl-convert falls back to its bundled Liberation Sans, metric-compatible with
# Arial and Helvetica, which the viewer then finds. Ends in a generic family: nothing is fetched.
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"

INK = "#222222"  # text and data ink
MUTED = "#5f5f5f"  # secondary text, axis titles (7:1 contrast on white)
RULE = "#8c8c8c"  # axis lines, the pathway
GRID = "#e4e4e4"

# Scope colours, the same in every chart: Paul Tol's "high-contrast" blue and red, with his
# paler yellow for Scope 3 so that its large area stays quiet. Made for print: safe for the
# common colour-vision deficiencies and three distinct greys in monochrome (CIE L* about 29, 50
# and 83), so the stack order stays readable on a black-and-white printer.
SCOPE_COLOURS: dict[str, str] = {
    "Scope 1": "#004488",
    "Scope 2": "#BB5566",
    "Scope 3": "#EECC66",
}
# The bridge: totals near-black, decreases blue, increases orange: a pair safe for colour-blind
# readers, apart from the scope hues, and three distinct greys in monochrome (L* about 21, 54
# and 70); the signed labels say it again.
BRIDGE_COLOURS: dict[str, str] = {
    "Total": "#333333",
    "Decrease": "#3D85C6",
    "Increase": "#EE9944",
}
ACCENT = "#33617F"  # single-series bars (renewable share, gases): a quiet slate blue

THEME: dict[str, Any] = {
    "font": FONT,
    "background": "#ffffff",
    "padding": 6,
    "numberFormat": ",.0f",
    "view": {"stroke": None},
    "title": {
        "anchor": "start",
        "color": INK,
        "fontSize": 14,
        "fontWeight": "bold",
        "subtitleColor": MUTED,
        "subtitleFontSize": 11,
        "subtitlePadding": 4,
        "offset": 12,
    },
    "axis": {
        "labelColor": INK,
        "labelFontSize": 11,
        "titleColor": MUTED,
        "titleFontSize": 11,
        "titleFontWeight": "normal",
        "domainColor": RULE,
        "tickColor": RULE,
        "gridColor": GRID,
        "labelPadding": 4,
        "titlePadding": 8,
    },
    "axisQuantitative": {"grid": True, "domain": False, "ticks": False, "tickCount": 6},
    "axisDiscrete": {"grid": False, "ticks": False, "labelAngle": 0},
    "legend": {
        "orient": "top",
        "direction": "horizontal",
        "labelColor": INK,
        "labelFontSize": 11,
        "symbolType": "square",
        "symbolSize": 110,
        "symbolStrokeWidth": 0,
        "columnPadding": 16,
        "padding": 0,
        "offset": 10,
    },
    "scale": {"bandPaddingInner": 0.35, "bandPaddingOuter": 0.2},
    "text": {"color": INK, "fontSize": MIN_FONT_PX},
    "line": {"strokeWidth": 2},
    "point": {"filled": True, "size": 45, "opacity": 1},
}


def _tonnes_axis(top: float, narrow: bool) -> Any:
    """The value axis of horizontal bars in t CO2e, from 0 to the largest bar (`v`)."""
    return alt.X(
        "v:Q",
        title=TONNES,
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(tickCount=3) if narrow else alt.Axis(),
    )


def _rows_axis(field: str, domain: list[str]) -> Any:
    """The rows of a horizontal bar chart: `field`'s values in `domain` order, each label
    broken into lines at its newlines."""
    return alt.Y(
        f"{field}:N",
        title=None,
        sort=domain,
        scale=alt.Scale(domain=domain),
        axis=alt.Axis(labelExpr="split(datum.label, '\\n')", labelLineHeight=13),
    )


def _pretty_unit(unit: str) -> str:
    return unit.replace("CO2e", "CO₂e").replace("CO2", "CO₂")


TONNES = _pretty_unit("t CO2e")

# --- input checks --------------------------------------------------------------------------------


def _number(item: Mapping[str, Any], key: str, chart: str, where: str) -> float:
    return _finite(item.get(key), chart, f"{where}, '{key}'")


def _finite(value: Any, chart: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChartError(f"{chart}: {what} is not a number (got {value!r})")
    if not math.isfinite(value):
        raise ChartError(f"{chart}: {what} is not finite ({value!r})")
    return float(value)


def _year(value: Any, chart: str, what: str = "year") -> int:
    """A year given as an int or a string of digits ("2020", as JSON object keys are)."""
    year = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str) and value.strip().isdigit():
        year = int(value)
    if year is None:
        raise ValueError(f"{chart}: {what} {value!r} is not a year")
    return year


def _label_format(signed: bool = False) -> str:
    """A Vega expression formatting `datum.v`: thousands separators, small values kept visible.

    ",.0f" from 10 up (the report's style); below that two significant digits, so 0.04 t is not
    shown as "0". Signed adds "+" to increases (d3 writes decreases with a true minus sign).
    """
    sign = "+" if signed else ""
    return (
        f"abs(datum.v) >= 10 || datum.v == 0 ? format(datum.v, '{sign},.0f')"
        f" : format(datum.v, '{sign},.2~r')"
    )


def _check_width(width: int) -> int:
    if width not in (WIDTH, NARROW):
        raise ValueError(f"a chart is drawn {WIDTH} or {NARROW} px wide, not {width!r}")
    return width


def _wrap(text: str, width_px: float, kind: str = "text") -> list[str]:
    """`text` as lines no wider than `width_px` (estimated), broken between words only."""
    chars = max(6, int(width_px / _CHAR_PX[kind]))
    return textwrap.wrap(text, chars, break_long_words=False) or [text]


def _finish(
    chart: alt.TopLevelMixin, *, width: int, height: int, description: str
) -> dict[str, Any]:
    """The Vega-Lite dict with the theme, the size and an accessible description."""
    spec: dict[str, Any] = chart.properties(width=width, height=height).to_dict()
    # Replace whatever Altair's global theme contributed: the spec depends on our input only.
    spec.pop("usermeta", None)
    spec["config"] = copy.deepcopy(THEME)
    # The width and height are the whole SVG's, axes and titles included.
    spec["autosize"] = {"type": "fit", "contains": "padding"}
    spec["description"] = description  # render_svg makes it the SVG's <title>
    return spec


def _headroom(top: float) -> alt.Scale:
    """The value axis of a vertical bar chart, from zero to 10% past its tallest bar (then
    rounded up to a tick), so that the label drawn above that bar stays inside the plot, clear
    of the legend above it. Left to Vega when no bar rises above zero."""
    if top > 0:
        return alt.Scale(zero=True, domainMax=1.1 * top)
    return alt.Scale(zero=True)


def _title(
    text: str, subtitle: str | list[str] | None = None, *, width: int = WIDTH
) -> alt.TitleParams:
    """The chart's title and subtitle; in the narrow variant wrapped onto lines (Vega draws a
    list as one line each) that fit its width less the padding."""
    if width < WIDTH:
        room = width - 2 * THEME["padding"]
        lines = [subtitle] if isinstance(subtitle, str) else subtitle or []
        wrapped: list[str] = _wrap(text, room, "title")
        sub = [part for line in lines for part in _wrap(line, room)]
        if not sub:
            return alt.TitleParams(wrapped)
        return alt.TitleParams(wrapped, subtitle=sub)
    if subtitle is None:
        return alt.TitleParams(text)
    return alt.TitleParams(text, subtitle=subtitle)


def _bar_labels(
    base: alt.Chart, *, text: str, inside: str, x: alt.X, y: alt.Y
) -> tuple[alt.Chart, alt.Chart]:
    """Value labels for horizontal bars: long bars carry theirs inside, in white, so no label
    runs off the chart; the others just past the bar's end."""
    labelled = base.transform_calculate(text=text, inside=inside)
    within = (
        labelled.transform_filter("datum.inside")
        .mark_text(align="right", baseline="middle", dx=-6, color="#ffffff")
        .encode(x=x, y=y, text=alt.Text("text:N"))
    )
    beyond = (
        labelled.transform_filter("!datum.inside")
        .mark_text(align="left", baseline="middle", dx=5, color=INK)
        .encode(x=x, y=y, text=alt.Text("text:N"))
    )
    return within, beyond


# --- 1. emissions by scope -----------------------------------------------------------------------

_SCOPE_KEYS = (("Scope 1", "scope1"), ("Scope 2", "scope2_market"), ("Scope 3", "scope3_market"))


def _stacked_scopes(
    years: Sequence[Mapping[str, Any]],
    keys: Sequence[tuple[str, str]],
    chart: str,
    *,
    title: alt.TitleParams,
    height: int,
    what: str,
    width: int,
) -> dict[str, Any]:
    _check_width(width)
    if not years:
        raise ValueError(f"{chart}: no years to chart")
    seen: dict[int, Mapping[str, Any]] = {}
    for item in years:
        year = _year(item.get("year"), chart)
        if year in seen:
            raise ValueError(f"{chart}: year {year} appears twice")
        seen[year] = item
    bars: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    for year in sorted(seen):
        total = 0.0
        for order, (scope, key) in enumerate(keys):
            t = _number(seen[year], key, chart, f"year {year}")
            if t < 0:
                raise ChartError(f"{chart}: year {year} has a negative '{key}' ({t})")
            total += t
            about = f"{year}, {scope}: {t:,.0f} {TONNES}"
            # Years as text: a number would be formatted "2,020" by the theme's number format.
            bars.append({"year": str(year), "scope": scope, "order": order, "t": t, "about": about})
        totals.append({"year": str(year), "v": total})

    scopes = [scope for scope, _ in keys]
    x = alt.X("year:N", title=None, sort=None)
    # Bars fill 65% of their band, but no wider than 72 px: one or two years stay bars, not slabs.
    band = (width - 80) / len(seen)
    bar_width = round(min(72.0, 0.65 * band), 1)
    stack = (
        alt.Chart(alt.InlineData(values=bars))
        .mark_bar(stroke="#ffffff", strokeWidth=0.75, size=bar_width)
        .encode(
            x=x,
            y=alt.Y(
                "t:Q",
                title=TONNES,
                stack="zero",
                scale=_headroom(max(t["v"] for t in totals)),
            ),
            color=alt.Color(
                "scope:N",
                title=None,
                scale=alt.Scale(domain=scopes, range=[SCOPE_COLOURS[s] for s in scopes]),
            ),
            # Scope 1 at the bottom, on the axis, where its height can be read.
            order=alt.Order("order:Q", sort="ascending"),
            description="about:N",
        )
    )
    # A total wider than its bar's band (six years of "800,000" in the narrow variant) would
    # touch its neighbours: such totals are given to three significant digits ("815k").
    longest = max(len(f"{t['v']:,.0f}") for t in totals)
    label = _label_format()
    if longest * _CHAR_PX["text"] + 6 > band:
        label = f"abs(datum.v) >= 1000 ? format(datum.v, '.3~s') : ({label})"
    labels = (
        alt.Chart(alt.InlineData(values=totals))
        .transform_calculate(label=label)
        .mark_text(baseline="bottom", dy=-4)
        .encode(x=x, y=alt.Y("v:Q"), text=alt.Text("label:N"))
    )
    first, last = min(seen), max(seen)
    return _finish(
        alt.layer(stack, labels, title=title),
        width=width,
        height=height,
        description=f"Stacked bar chart of {what}, {first} to {last}, in {TONNES}.",
    )


def emissions_by_scope(years: Sequence[Mapping[str, Any]], *, width: int = WIDTH) -> dict[str, Any]:
    """Stacked bars per year: Scope 1, Scope 2 and Scope 3 (both market-based), t CO2e.

    Each item: year, scope1, scope2_market, scope3_market (t CO2e). The total labels the bar.
    """
    return _stacked_scopes(
        years,
        _SCOPE_KEYS,
        "emissions_by_scope",
        title=_title("Emissions by scope", f"{TONNES}; Scope 2 and 3 market-based", width=width),
        height=360,
        what="emissions by scope",
        width=width,
    )


def scope12_by_year(years: Sequence[Mapping[str, Any]], *, width: int = WIDTH) -> dict[str, Any]:
    """Scope 1 and Scope 2 (market-based) only, stacked per year: they vanish beside Scope 3.

    Same items as `emissions_by_scope`; scope3_market is not needed.
    """
    return _stacked_scopes(
        years,
        _SCOPE_KEYS[:2],
        "scope12_by_year",
        title=_title("Scope 1 and 2 emissions", f"{TONNES}; Scope 2 market-based", width=width),
        height=260,
        what="Scope 1 and Scope 2 emissions",
        width=width,
    )


# --- 2. bridge -----------------------------------------------------------------------------------


def bridge(steps: Sequence[Mapping[str, Any]], *, width: int = WIDTH) -> dict[str, Any]:
    """A waterfall from the base year to this year.

    Steps: {"label", "t", "kind"} with kind "start" first, "change"s, "end" last. Start and end
    are whole bars; each change floats from the running total. The end must equal the start
    plus the changes (within rounding of each figure to whole tonnes), or the chart would lie.
    The narrow variant runs top to bottom: a step's label then has the chart's width to wrap
    in, where a column of a phone-wide chart would hold a few letters.
    """
    chart = "bridge"
    _check_width(width)
    if not steps:
        raise ValueError(f"{chart}: no steps to chart")
    kinds = [step.get("kind") for step in steps]
    if len(steps) < 2 or kinds[0] != "start" or kinds[-1] != "end":
        raise ValueError(f"{chart}: steps must run from one 'start' to one 'end' (got {kinds})")
    if any(kind != "change" for kind in kinds[1:-1]):
        raise ValueError(f"{chart}: only 'change' steps may lie between start and end ({kinds})")
    labels: list[str] = []
    for step in steps:
        label = step.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{chart}: every step needs a label (got {label!r})")
        if label in labels:
            raise ValueError(f"{chart}: label {label!r} appears twice")
        labels.append(label)
    values = [_number(step, "t", chart, f"step {step['label']!r}") for step in steps]

    running = values[0] + sum(values[1:-1])
    tolerance = 0.5 * len(values)  # each figure rounded to whole tonnes at worst
    if abs(running - values[-1]) > tolerance:
        raise ValueError(
            f"{chart}: start {values[0]:,.0f} plus changes {running - values[0]:+,.0f}"
            f" is {running:,.0f}, not the end {values[-1]:,.0f}"
        )

    # Axis labels wrap onto lines as wide as a bar's band (about 6.8 px a character at 10.5 px),
    # or in the narrow variant a third of the chart; Vega draws each "\n"-separated piece as a
    # line. The step domain keeps the given order.
    across = width < WIDTH
    chars = int(0.34 * width / 6.8) if across else max(5, int((width - 70) / len(labels) / 6.8))
    rows: list[dict[str, Any]] = []
    level = 0.0
    for label, value, kind in zip(labels, values, kinds, strict=True):
        key = "\n".join(textwrap.wrap(label, chars, break_long_words=False)) or label
        if kind == "change":
            low, high = sorted((level, level + value))
            level += value
            what = "Increase" if value > 0 else "Decrease"
        else:
            low, high = sorted((0.0, value))
            level = value
            what = "Total"
        about = (
            f"{label}: {value:,.0f} {TONNES}"
            if kind != "change"
            else f"{label}: {what.lower()} of {abs(value):,.0f} {TONNES}, to {level:,.0f}"
        )
        rows.append(
            {"step": key, "kind": what, "low": low, "high": high, "v": value, "about": about}
        )
    domain = [row["step"] for row in rows]
    step_axis = alt.Axis(
        labelExpr="split(datum.label, '\\n')", labelLineHeight=13, labelFontSize=MIN_FONT_PX
    )
    top = max(row["high"] for row in rows)
    present = [k for k in BRIDGE_COLOURS if any(row["kind"] == k for row in rows)]
    colour = alt.Color(
        "kind:N",
        title=None,
        scale=alt.Scale(domain=present, range=[BRIDGE_COLOURS[k] for k in present]),
    )
    label = f"datum.kind == 'Total' ? ({_label_format()}) : ({_label_format(signed=True)})"
    base = alt.Chart(alt.InlineData(values=rows))
    if across:
        # Each row as tall as its label's lines; the value axis reaches far enough past the
        # longest bar for the label beside it (about 7 characters, 50 px of a ~190 px plot).
        lines = max(row["step"].count("\n") + 1 for row in rows)
        height = (13 * lines + 12) * len(rows) + 90
        step_y = alt.Y("step:N", title=None, sort=domain, scale=alt.Scale(domain=domain))
        value_scale = alt.Scale(zero=True, domainMax=1.35 * top) if top > 0 else alt.Scale()
        bars = base.mark_bar().encode(
            y=step_y.axis(step_axis),
            x=alt.X("low:Q", title=TONNES, scale=value_scale, axis=alt.Axis(tickCount=3)),
            x2="high:Q",
            description="about:N",
            color=colour,
        )
        texts = (
            base.transform_calculate(label=label)
            .mark_text(align="left", baseline="middle", dx=4)
            .encode(y=step_y, x=alt.X("high:Q"), text=alt.Text("label:N"))
        )
    else:
        height = 340
        x = alt.X("step:N", title=None, sort=domain, scale=alt.Scale(domain=domain), axis=step_axis)
        bars = base.mark_bar().encode(
            x=x,
            y=alt.Y("low:Q", title=TONNES, scale=_headroom(top)),
            y2="high:Q",
            # What a screen reader says for each bar (the automatic text would read "low: 0").
            description="about:N",
            color=colour,
        )
        texts = (
            base.transform_calculate(label=label)
            .mark_text(baseline="bottom", dy=-4)
            .encode(x=x, y=alt.Y("high:Q"), text=alt.Text("label:N"))
        )
    title = _title(
        f"{labels[0]} to {labels[-1]}",
        f"{TONNES}; each change floats from the running total",
        width=width,
    )
    return _finish(
        alt.layer(bars, texts, title=title),
        width=width,
        height=height,
        description=(
            f"Waterfall chart from {labels[0]} ({values[0]:,.0f} {TONNES}) to {labels[-1]}"
            f" ({values[-1]:,.0f} {TONNES}) in {len(values) - 2} steps."
        ),
    )


# --- 3. target pathway ---------------------------------------------------------------------------

_STATUS_WORDS = {
    "achieved": "achieved",
    "missed": "missed",
    "on-track": "on track",
    "at-risk": "at risk",
    "off-track": "off track",
    "not-started": "not started",
}


def _decimals(magnitude: float) -> int:
    # Enough digits that axis ticks and labels of small intensities do not all read "0".
    if magnitude >= 100:
        return 0
    if magnitude >= 10:
        return 1
    if magnitude >= 0.1:
        return 2
    return 3


def target_pathway(target: Mapping[str, Any], *, width: int = WIDTH) -> dict[str, Any]:
    """One target: actuals as points and a line, the linear pathway dashed, the target marked.

    `target` is a progress record: history (year string -> actual), base_year, target_year,
    base_value, target_value, unit, name, status. Without a base the pathway is not drawn.
    """
    chart = "target_pathway"
    _check_width(width)
    name = target.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{chart}: the target has no name")
    unit = target.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"{chart}: target {name!r} has no unit")
    raw_history = target.get("history") or {}
    if not isinstance(raw_history, Mapping):
        raise ValueError(f"{chart}: target {name!r} history is not a mapping of year to value")
    history = sorted(
        (
            _year(year, chart, f"target {name!r}, history year"),
            _finite(value, chart, f"target {name!r}, history {year}"),
        )
        for year, value in raw_history.items()
        if value is not None
    )
    target_year = _year(target.get("target_year"), chart, f"target {name!r}, target_year")
    target_value = _number(target, "target_value", chart, f"target {name!r}")
    pathway: list[dict[str, Any]] = []
    if target.get("base_year") is not None and target.get("base_value") is not None:
        base_year = _year(target.get("base_year"), chart, f"target {name!r}, base_year")
        base_value = _number(target, "base_value", chart, f"target {name!r}")
        if base_year >= target_year:
            raise ValueError(f"{chart}: {name!r} base year {base_year} is not before {target_year}")
        pathway = [{"year": base_year, "v": base_value}, {"year": target_year, "v": target_value}]
    if not history and not pathway:
        raise ValueError(f"{chart}: target {name!r} has neither actuals nor a base to chart")

    years = [y for y, _ in history] + [p["year"] for p in pathway] + [target_year]
    values = [v for _, v in history] + [p["v"] for p in pathway] + [target_value]
    digits = _decimals(max(abs(v) for v in values))
    percent = unit.strip() == "%"
    suffix = "%" if percent else ""
    shown = "%" if percent else f" {_pretty_unit(unit)}"

    def fmt(value: float) -> str:
        return f"{value:,.{digits}f}".replace("-", "−") + shown

    x = alt.X(
        "year:Q",
        title=None,
        scale=alt.Scale(domain=[min(years), max(years)], nice=False, zero=False, padding=14),
        axis=alt.Axis(format="d", tickMinStep=1, grid=False, domain=True, ticks=True),
    )
    y = alt.Y(
        "v:Q",
        title="Share (%)" if percent else _pretty_unit(unit),
        scale=alt.Scale(zero=True),
        axis=alt.Axis(format=f",.{digits}~f", labelExpr=f"datum.label + '{suffix}'"),
    )
    layers: list[alt.Chart] = []
    if pathway:
        layers.append(
            alt.Chart(alt.InlineData(values=pathway))
            .mark_line(color=RULE, strokeDash=[6, 4], strokeWidth=1.75)
            .encode(x=x, y=y)
        )
    layers.append(
        alt.Chart(alt.InlineData(values=[{"year": target_year, "v": target_value}]))
        .mark_point(shape="diamond", size=150, color=INK, filled=False, strokeWidth=2)
        .encode(x=x, y=y)
    )
    facts = [f"target {fmt(target_value)} in {target_year}"]
    if history:
        actuals = [{"year": year, "v": value} for year, value in history]
        data = alt.InlineData(values=actuals)
        layers.append(alt.Chart(data).mark_line(color=INK).encode(x=x, y=y))
        layers.append(alt.Chart(data).mark_point(color=INK, size=40).encode(x=x, y=y))
        # The latest actual is the headline: label it on the side away from the pathway (and
        # the target), where the lines that reach it from the left are not.
        last_year, last = history[-1]
        guide = _on_line(pathway, last_year) if pathway else target_value
        above = last >= guide
        right_edge = last_year == max(years)
        layers.append(
            alt.Chart(alt.InlineData(values=actuals[-1:]))
            .transform_calculate(
                label=f"toString(datum.year) + ': ' + format(datum.v, ',.{digits}f') + '{suffix}'"
            )
            .mark_text(
                align="right" if right_edge else "center",
                baseline="bottom" if above else "top",
                dx=6 if right_edge else 0,
                dy=-9 if above else 9,
                fontWeight="bold",
            )
            .encode(x=x, y=y, text=alt.Text("label:N"))
        )
        facts.insert(0, f"latest {fmt(last)} in {last_year}")
    status = target.get("status")
    word = _STATUS_WORDS.get(str(status), str(status)) if status is not None else "unknown"
    legend = "Solid: actual"
    if pathway:
        legend += f"; dashed: linear pathway from the {pathway[0]['year']} base"
    legend += "; ◇ target"
    subtitle = [f"Status: {word} — {', '.join(facts)}", legend]
    return _finish(
        alt.layer(*layers, title=_title(name, subtitle, width=width)),
        width=width,
        height=320,
        description=f"Line chart of {name}: {', '.join(facts)}; status {word}.",
    )


def _on_line(points: Sequence[Mapping[str, Any]], year: int) -> float:
    (x0, y0), (x1, y1) = ((p["year"], p["v"]) for p in points)
    return float(y0 + (y1 - y0) * (year - x0) / (x1 - x0))


# --- 4. renewable share --------------------------------------------------------------------------

_SITE_KINDS = {
    "data_center_owned": "Data centres, owned",
    "data_center_leased": "Data centres, leased",
    "vehicle_fleet": "Vehicle fleet",
    "office": "Offices",
    "factory": "Factories",
    "warehouse": "Warehouses",
    "campus": "Campuses",
    "retail": "Retail",
    "other": "Other sites",
}
_ROW = 46  # px per bar row in the horizontal bar charts


def _site_kind(kind: Any) -> str:
    if kind is None or kind == "":
        return "No site"
    return _SITE_KINDS.get(str(kind), str(kind).replace("_", " ").capitalize())


def renewable_share(
    rows: Sequence[Mapping[str, Any]],
    targets: Sequence[Mapping[str, Any]],
    *,
    width: int = WIDTH,
) -> dict[str, Any]:
    """Horizontal bars of renewable share per site kind, a tick at each kind's target.

    Rows: site_kind, share_pct (None when the kind used no electricity), total_mwh. Targets:
    site_kind, target_value (%), name. A target for a kind without a row gets an empty row.
    The narrow variant moves each kind's MWh from the bar's label to the kind's own (wrapped)
    axis label, so the label beside a bar is short enough to fit beside it.
    """
    chart = "renewable_share"
    narrow = _check_width(width) < WIDTH
    if not rows:
        raise ValueError(f"{chart}: no site kinds to chart")
    bars: list[dict[str, Any]] = []
    for row in rows:
        kind = _site_kind(row.get("site_kind"))
        if any(b["kind"] == kind for b in bars):
            raise ValueError(f"{chart}: site kind {kind!r} appears twice")
        share = row.get("share_pct")
        mwh = _number(row, "total_mwh", chart, f"site kind {kind!r}")
        if share is None:
            bars.append({"kind": kind, "share": None, "mwh": mwh, "label": "no electricity data"})
            continue
        share = _number(row, "share_pct", chart, f"site kind {kind!r}")
        if share < 0:
            raise ChartError(f"{chart}: site kind {kind!r} has a negative share ({share})")
        bars.append({"kind": kind, "share": share, "mwh": mwh, "label": None})
    ticks: list[dict[str, Any]] = []
    for goal in targets:
        kind = _site_kind(goal.get("site_kind"))
        value = _number(goal, "target_value", chart, f"target {goal.get('name')!r}")
        ticks.append({"kind": kind, "v": value})
        if not any(b["kind"] == kind for b in bars):
            bars.append({"kind": kind, "share": None, "mwh": 0.0, "label": "no data"})
    if narrow:
        # Each kind's axis label: its name wrapped, then its MWh; ticks name their row the same.
        keys: dict[str, str] = {}
        for b in bars:
            energy = [f"{b['mwh']:,.0f} MWh"] if b["label"] is None else []
            keys[b["kind"]] = "\n".join(_wrap(b["kind"], 0.3 * width) + energy)
            b["kind"] = keys[b["kind"]]
        for tick in ticks:
            tick["kind"] = keys[tick["kind"]]
    domain = [b["kind"] for b in bars]
    top = max([100.0] + [b["share"] for b in bars if b["share"] is not None])
    height = _ROW * len(bars)
    y = _rows_axis("kind", domain)
    x = alt.X(
        "share:Q",
        title="Renewable share of electricity (%)",
        scale=alt.Scale(domain=[0, top], nice=False),
        axis=alt.Axis(
            labelExpr="datum.label + '%'",
            values=list(range(0, int(top) + 1, 50 if narrow else 20)),
        ),
    )
    if narrow:
        text = "format(datum.share, '.1f') + '%'"
        inside = f"datum.share > {0.4 * top}"
    else:
        text = "format(datum.share, '.1f') + '% of ' + format(datum.mwh, ',.0f') + ' MWh'"
        inside = f"datum.share > {0.62 * top}"
    data = alt.InlineData(values=bars)
    layers: list[alt.Chart] = [
        alt.Chart(data)
        .transform_filter("datum.share != null")
        .mark_bar(color=ACCENT, size=20)
        .encode(x=x, y=y),
        *_bar_labels(
            alt.Chart(data).transform_filter("datum.share != null"),
            text=text,
            inside=inside,
            x=x,
            y=y,
        ),
        alt.Chart(data)
        .transform_filter("datum.share == null")
        .transform_calculate(share="0")
        .mark_text(align="left", baseline="middle", dx=2, color=MUTED, fontStyle="italic")
        .encode(x=x, y=y, text=alt.Text("label:N")),
    ]
    if ticks:
        tick_data = alt.InlineData(values=ticks)
        tx = alt.X("v:Q", scale=alt.Scale(domain=[0, top], nice=False))
        layers.append(
            alt.Chart(tick_data)
            .mark_tick(color=INK, opacity=1, thickness=2.5, size=_ROW - 12, orient="vertical")
            .encode(x=tx, y=y)
        )
        layers.append(
            alt.Chart(tick_data)
            .transform_calculate(text="'target ' + format(datum.v, ',.0~f') + '%'")
            .mark_text(
                align="left", baseline="middle", dx=5, yOffset=-(_ROW / 2 - 8), fontSize=MIN_FONT_PX
            )
            .encode(x=tx, y=y, text=alt.Text("text:N"), color=alt.value(INK))
        )
    subtitle = "Certificate-covered and on-site renewable MWh over all electricity MWh"
    if ticks:
        subtitle += "; black tick: target"
    title = _title("Renewable electricity by site kind", subtitle, width=width)
    return _finish(
        alt.layer(*layers, title=title),
        width=width,
        height=height + (110 if narrow else 84),
        description=(
            "Horizontal bar chart of renewable electricity share by site kind"
            + (f", with {len(ticks)} target(s) marked." if ticks else ".")
        ),
    )


# --- 5. gas breakdown ----------------------------------------------------------------------------

_GASES = {
    "CO2": "CO₂",
    "CH4": "CH₄",
    "N2O": "N₂O",
    "HFC": "HFCs",
    "PFC": "PFCs",
    "SF6": "SF₆",
    "NF3": "NF₃",
    "CO2e_only": "Reported as CO₂e only",
}


def gas_breakdown(
    by_gas: Mapping[str, Mapping[str, float]], *, width: int = WIDTH
) -> dict[str, Any]:
    """Bars of t CO2e per gas, largest first, labelled with tonnes and share; zeros omitted."""
    chart = "gas_breakdown"
    narrow = _check_width(width) < WIDTH
    if not by_gas:
        raise ValueError(f"{chart}: no gases to chart")
    bars: list[dict[str, Any]] = []
    for gas, amounts in by_gas.items():
        t = _number(amounts, "co2e_t", chart, f"gas {gas!r}")
        if t < 0:
            raise ChartError(f"{chart}: gas {gas!r} has negative co2e_t ({t})")
        if t > 0:
            name = _GASES.get(gas, gas)
            # Narrow: a long name ("Reported as CO2e only") on lines of its own.
            bars.append({"gas": "\n".join(_wrap(name, 0.3 * width)) if narrow else name, "v": t})
    if not bars:
        raise ValueError(f"{chart}: every gas is zero; nothing to chart")
    total = sum(b["v"] for b in bars)
    # Ties broken by name, so the order never depends on the input's order.
    bars.sort(key=lambda b: (-b["v"], b["gas"]))
    for b in bars:
        b["share"] = b["v"] / total
    domain = [b["gas"] for b in bars]
    top = bars[0]["v"]
    y = _rows_axis("gas", domain)
    x = _tonnes_axis(top, narrow)
    data = alt.InlineData(values=bars)
    bar = alt.Chart(data).mark_bar(color=ACCENT, size=20).encode(x=x, y=y)
    labels = _bar_labels(
        alt.Chart(data),
        text=f"({_label_format()}) + ' t (' + (datum.share >= 0.001"
        " ? format(datum.share, '.1%') : '<0.1%') + ')'",
        # A label (about 110 px) fits inside a bar longer than half the narrow plot (~210 px)
        # and beside one that is shorter.
        inside=f"datum.v > {(0.5 if narrow else 0.6) * top}",
        x=x,
        y=y,
    )
    title = _title("Emissions by gas", f"{TONNES}; share of the total", width=width)
    lines = max(b["gas"].count("\n") + 1 for b in bars)
    return _finish(
        alt.layer(bar, *labels, title=title),
        width=width,
        height=max(36, 13 * lines + 10) * len(bars) + 70,
        description=f"Horizontal bar chart of emissions by greenhouse gas in {TONNES}.",
    )


# --- 6. rendering --------------------------------------------------------------------------------

# Vega-Lite version of Altair's schema ("v5.20.1" -> "5.20"), so vl-convert compiles the spec
# with the library it was written for rather than its newest one.
_VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

_CSS_URL = re.compile(r"""url\(\s*(["']?)(.*?)\1\s*\)""", re.I | re.S)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["'])(.*?)\1""", re.I)
# Markup that makes a viewer fetch or expand something before any element is drawn: a document
# type (an external DTD, entities) and processing instructions (xml-stylesheet). A "<" in
# text or in an attribute value is always escaped, so these can only be markup.
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>?", re.I)
_PI = re.compile(r"<\?([^\s?>]*)[^>]*>?")


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace: {http://...}href -> href."""
    return name.rsplit("}", 1)[-1].lower()


def _fetched(ref: str) -> bool:
    """Whether a reference names something outside the document (not "#id", not data:)."""
    ref = ref.strip()
    return bool(ref) and not ref.startswith("#") and not ref.lower().startswith("data:")


def external_references(svg: str) -> list[str]:
    """Every reference in `svg` that a viewer would fetch from outside the document.

    References are looked for where SVG and CSS put them: href and src attributes (in any
    namespace, xlink:href too), url(...) in attribute values, url(...) and @import in <style>
    elements, a document type and processing instructions. Text is never a reference: a
    chart's title or label may quote a URL the user wrote (a target "validated by SBTi
    (https://...)"), and it is drawn as escaped text, fetched by nothing; so are the aria-*
    attributes that repeat it for screen readers. Namespace declarations are names, not
    references; same-document fragments ("#clip1") and data: URIs are not fetched. Returned
    in document order, once each; empty means self-contained. ValueError if `svg` is not
    well-formed XML (its references cannot be known).
    """
    import xml.etree.ElementTree as ET

    found = [m.group(0) for m in _DOCTYPE.finditer(svg)]
    found += [m.group(0) for m in _PI.finditer(svg) if m.group(1).lower() != "xml"]
    if found:  # not parsed: a document type is where entity expansion would happen
        return list(dict.fromkeys(found))
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise ValueError(f"the SVG is not well-formed XML ({exc})") from None
    for element in root.iter():
        for name, value in element.attrib.items():
            local = _local(name)
            if local in ("href", "src"):
                found.append(value.strip())
            elif not local.startswith("aria-"):
                found += [m.group(2).strip() for m in _CSS_URL.finditer(value)]
        if _local(element.tag) == "style" and element.text:
            for pattern in (_CSS_URL, _CSS_IMPORT):
                found += [m.group(2).strip() for m in pattern.finditer(element.text)]
    return list(dict.fromkeys(ref for ref in found if _fetched(ref)))


def render_svg(spec: Mapping[str, Any]) -> str:
    """SVG text for a Vega-Lite spec, rendered offline in this process; refuses any external
    reference.

    No base URL is allowed, so a spec that names remote data fails instead of fetching it. The
    SVG has the spec's width and height and the spec's description as its <title>. The charts
    here draw nothing clipped, so their SVG has no ids and several can be inlined in one page.
    The spec's text is made printable first (see `cells.printable`): vl-convert aborts the
    process on a control character. The report draws through `render_svgs` instead, which
    keeps the renderer in a child process.
    """
    clean = printable_tree(dict(spec))
    svg = vl_convert.vegalite_to_svg(
        clean, vl_version=_VL_VERSION, allowed_base_urls=[], format_locale="en-US"
    )
    return _checked(clean, svg)


def render_svgs(specs: Mapping[str, Mapping[str, Any]], *, timeout: float = 600) -> dict[str, str]:
    """SVG text for each named spec, as `render_svg`, drawn in a child process.

    The renderer is native code that may abort the process that calls it (it does on a control
    character, which `render_svg`'s cleaning prevents; others may exist). Drawn in
    `python -m zerotrail.reports.renderer`, a crash ends only that process: this raises
    RuntimeError naming the chart instead. A spec the renderer refuses raises ValueError.
    """
    if not specs:
        return {}
    clean = {name: printable_tree(dict(spec)) for name, spec in specs.items()}
    request = {
        "vl_version": _VL_VERSION,
        "charts": [{"name": name, "spec": spec} for name, spec in clean.items()],
    }
    # The child finds this very zerotrail, however the parent found it.
    root = str(Path(zerotrail.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "zerotrail.reports.renderer"],
            input=json.dumps(request).encode(),
            capture_output=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the chart renderer did not finish in {timeout:.0f} s") from None
    if done.returncode != 0:
        log = done.stderr.decode("utf-8", "replace").splitlines()
        drawing = [line[len(MARKER) :] for line in log if line.startswith(MARKER)]
        where = f" while drawing chart {drawing[-1]!r}" if drawing else ""
        if done.returncode < 0:
            try:
                how = f"was killed by {signal.Signals(-done.returncode).name}"
            except ValueError:
                how = f"was killed by signal {-done.returncode}"
        else:
            last = next((line for line in reversed(log) if line.strip()), "")
            how = f"stopped with exit code {done.returncode}" + (f" ({last})" if last else "")
        raise RuntimeError(f"the chart renderer {how}{where}")
    results = json.loads(done.stdout)
    out: dict[str, str] = {}
    for (name, spec), result in zip(clean.items(), results, strict=True):
        if "error" in result:
            raise ValueError(f"render_svg: chart {name!r}: {result['error']}")
        out[name] = _checked(spec, result["svg"])
    return out


def _checked(spec: Mapping[str, Any], svg: str) -> str:
    """The SVG refused if it refers outside itself; with the spec's description as its title."""
    refs = external_references(svg)
    if refs:
        raise ValueError(f"render_svg: the SVG refers outside itself: {', '.join(refs)}")
    description = spec.get("description")
    if isinstance(description, str) and description:
        # The chart's accessible name when the SVG is inlined in the HTML report.
        title = f"<title>{html.escape(description)}</title>"
        svg = re.sub(r"<svg\b[^>]*>", lambda m: m.group(0) + title, svg, count=1)
    return svg
