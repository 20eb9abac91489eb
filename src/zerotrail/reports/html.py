"""Rendering the report's figures as one self-contained HTML page, and that page as PDF.

The page carries its own CSS and its charts as inline SVG, so it opens offline from disk and
prints the same through WeasyPrint. Numbers are formatted here, never rounded in the data:
report.json keeps every figure exactly as calculated.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.reports.disclosures import APPROACHES

SCOPE3_NAMES = SCOPE3_CATEGORIES


def tonnes(x: Any, digits: int = 0) -> str:
    if x is None:
        return "–"
    v = float(x)
    text = f"{v:,.{digits}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text.replace("-", "−")


def pct(x: Any, digits: int = 1) -> str:
    return "–" if x is None else f"{float(x):.{digits}f}%".replace("-", "−")


def css_string(x: Any) -> str:
    """Text for the inside of a double-quoted CSS string (the page footer's organization).

    Every character but letters, digits and spaces becomes a CSS escape (`\\26 ` for "&"), so
    the text can neither end the string nor the style element, and HTML escaping (autoescape)
    finds nothing left to change: an "&" in the name prints as "&", not "&amp;".
    """
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in str(x))


def words(x: Any) -> str:
    """An identifier as words (data_center_leased -> data center leased), so it wraps."""
    return str(x).replace("_", " ")


# Stored codes as the public text names them (the `label` filter): target statuses
# (targets/status.py), consolidation approaches, site kinds and cooling technologies
# (ingest/formats.py). A code not listed reads as words.
LABELS = {
    "achieved": "Achieved",
    "missed": "Missed",
    "on-track": "On track",
    "at-risk": "At risk",
    "off-track": "Off track",
    "no-data": "No data",
    "not-started": "Not started",
    **APPROACHES,
    "campus": "campuses",
    "office": "offices",
    "data_center_owned": "owned data centres",
    "data_center_leased": "leased data centres",
    "warehouse": "warehouses",
    "vehicle_fleet": "vehicle fleet",
    "factory": "factories",
    "retail": "shops",
    "free_cooling": "free cooling",
    "natural_cooling": "natural cooling",
    "liquid_cooling": "liquid cooling",
}


def label(x: Any) -> str:
    """A stored code as the report's words (LABELS), else as words (`words`)."""
    return LABELS.get(str(x), words(x))


def chart_specs(data: dict[str, Any], width: int | None = None) -> dict[str, dict[str, Any]]:
    """Every chart of the report as a Vega-Lite spec, by name ("target:ID" for targets), drawn
    `width` px wide (charts.WIDTH, or charts.NARROW for the phone variant)."""
    from zerotrail.reports import charts as ch

    w = ch.WIDTH if width is None else width
    out: dict[str, dict[str, Any]] = {}
    years = data["years"]
    if years:
        out["scopes"] = ch.emissions_by_scope(years, width=w)
        out["scope12"] = ch.scope12_by_year(years, width=w)
    if data["bridge"]:
        out["bridge"] = ch.bridge(data["bridge"], width=w)
    for t in data["targets"]:
        if t["kind"] != "neutrality" and t.get("history") and t.get("base_value") is not None:
            out[f"target:{t['id']}"] = ch.target_pathway(t, width=w)
    renewable_targets = [
        {"site_kind": t["site_kind"], "target_value": t["target_value"], "name": t["name"]}
        for t in data["targets"]
        if t["kind"] == "renewable_share" and t.get("site_kind") and t["target_value"] is not None
    ]
    rows = [r for r in data["renewables"] if r.get("share_pct") is not None]
    if rows:
        out["renewables"] = ch.renewable_share(rows, renewable_targets, width=w)
    gases = {k: v for k, v in data["inventory"]["by_gas"].items() if v["co2e_t"] > 0}
    if gases:
        out["gases"] = ch.gas_breakdown(data["inventory"]["by_gas"], width=w)
    return out


# The markup around each chart's two variants. style.css shows the narrow one on a phone's
# screen only and the wide one everywhere else, print included; the one not shown is
# display: none, so it is neither drawn (in the PDF either) nor read by a screen reader.
CHART_VARIANTS = '<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>'


def charts(data: dict[str, Any]) -> dict[str, Any]:
    """Every chart of the report as inline SVG (keyed by name; targets by id), drawn in the
    renderer's own process (`charts.render_svgs`): each chart's wide and narrow variant, in
    the markup of CHART_VARIANTS."""
    from zerotrail.reports.cells import printable
    from zerotrail.reports.charts import NARROW, render_svgs

    wide = chart_specs(data)
    narrow = chart_specs(data, NARROW)
    drawn = render_svgs({**wide, **{f"{name}|narrow": spec for name, spec in narrow.items()}})
    svgs = {
        name: CHART_VARIANTS.format(wide=svg, narrow=drawn[f"{name}|narrow"])
        for name, svg in drawn.items()
        if name in wide
    }
    out: dict[str, Any] = {"targets": {}}
    for name, svg in svgs.items():
        if name.startswith("target:"):
            # Keyed as the template sees the target's id (made printable with the rest).
            out["targets"][printable(name[len("target:") :], keep="\t\n\r")] = svg
        else:
            out[name] = svg
    return out


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates: autoescape on for every template,
    whatever its name; an undefined value is an error; the report's number and label
    filters. Tests that render one section alone use the same one."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("zerotrail.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(t=tonnes, pct=pct, words=words, css_string=css_string, label=label)
    return env


def render_html(data: dict[str, Any], drawn: dict[str, Any] | None = None) -> str:
    """The report page; `drawn` is `charts(data)` when already drawn.

    Every value is escaped (`environment`) and made printable (control characters replaced,
    see `cells.printable`). The charts alone are inserted as they are (`|safe` in the
    template): SVG from the renderer, which escapes the text it draws, checked to refer to
    nothing outside itself (`charts.render_svg`).
    """
    from zerotrail.reports.cells import printable_tree

    env = environment()
    template = env.get_template("report.html")
    d = printable_tree(data, keep="\t\n\r")
    return template.render(
        d=d,
        charts=charts(data) if drawn is None else drawn,
        cat_names=SCOPE3_NAMES,
        approach=APPROACHES.get(d["consolidation"], d["consolidation"]),
    )


# PDF/UA-1: a tagged PDF (structure tree, /MarkInfo /Marked true) with the document's title
# shown and its language, which screen readers and text extraction follow; WeasyPrint's
# outline (bookmarks) comes from the headings h1-h4 whatever the variant.
PDF_VARIANT = "pdf/ua-1"


def render_pdf(html: str, path: Path) -> Path:
    """The same page as PDF (A4, tagged, with bookmarks), through WeasyPrint; no network
    access is attempted."""
    from weasyprint import HTML

    def no_fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing: {url}")

    HTML(string=html, url_fetcher=no_fetch).write_pdf(path, pdf_variant=PDF_VARIANT)
    return path
