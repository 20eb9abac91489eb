"""The web dashboard's one chart the report does not draw: Scope 3 by category.

Where it sits: reports, beside charts.py, whose theme, colours, sizes and helpers it uses, so
the chart looks like the report's own. The dashboard's other chart (scopes over the years) is
the report's `charts.emissions_by_scope` itself; the report has no chart of Scope 3 by
category (it gives the categories as a table), so this small one is written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from zerotrail.errors import ChartError
from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.reports.charts import (
    ACCENT,
    TONNES,
    WIDTH,
    _bar_labels,
    _check_width,
    _finish,
    _label_format,
    _number,
    _rows_axis,
    _title,
    _tonnes_axis,
    _wrap,
)

_LABEL_PX = 170


def scope3_by_category(
    categories: Sequence[Mapping[str, Any]], *, width: int = WIDTH, year: int
) -> dict[str, Any]:
    """Horizontal bars of t CO2e per Scope 3 category, largest first; zeros omitted.

    Each item: category (1 to 15), t (t CO2e). ValueError when nothing is above zero (the
    caller draws no chart then); ChartError for a negative or non-numeric figure.
    """
    chart = "scope3_by_category"
    narrow = _check_width(width) < WIDTH
    bars: list[dict[str, Any]] = []
    for item in categories:
        number = item.get("category")
        if number not in SCOPE3_CATEGORIES:
            raise ValueError(f"{chart}: {number!r} is not a Scope 3 category")
        t = _number(item, "t", chart, f"category {number}")
        if t < 0:
            raise ChartError(f"{chart}: category {number} has a negative total ({t})")
        if t > 0:
            name = f"{number}. {SCOPE3_CATEGORIES[number]}"
            # Lines under 170 px: Vega cuts an axis label at 180 px (its default labelLimit).
            room = min(_LABEL_PX, (0.4 if narrow else 0.35) * width)
            bars.append({"label": "\n".join(_wrap(name, room)), "v": t})
    if not bars:
        raise ValueError(f"{chart}: no category above zero; nothing to chart")
    bars.sort(key=lambda b: (-b["v"], b["label"]))
    domain = [b["label"] for b in bars]
    top = bars[0]["v"]
    y = _rows_axis("label", domain)
    x = _tonnes_axis(top, narrow)
    data = alt.InlineData(values=bars)
    bar = alt.Chart(data).mark_bar(color=ACCENT, size=18).encode(x=x, y=y)
    labels = _bar_labels(
        alt.Chart(data),
        text=_label_format(),
        inside=f"datum.v > {(0.5 if narrow else 0.6) * top}",
        x=x,
        y=y,
    )
    lines = max(b["label"].count("\n") + 1 for b in bars)
    return _finish(
        alt.layer(
            bar, *labels, title=_title("Scope 3 by category", f"{TONNES}, {year}", width=width)
        ),
        width=width,
        height=max(32, 13 * lines + 10) * len(bars) + 70,
        description=f"Horizontal bar chart of Scope 3 by category in {year}, in {TONNES}.",
    )
