"""The demo's 2025 report looked at as its readers see it (issue 14, points 10 and 13).

The PDF: every page is rendered with poppler (pdftoppm) and its text read back with pdftotext,
as a reader printing or copying from it would get it: no page more than half blank (the cover
and the last page apart), every chart drawn, no word broken inside, nothing past the margins,
keys and signatures unbroken, an outline and a tagged structure. The HTML: opened in Debian's
Chromium (Playwright, one browser for the module) at a phone's width (390 px) and a desktop's
(1280 px): nothing wider than the screen outside a scroll box, no text under 8 px, every chart
shown once (the phone's narrow variant on the phone, the wide one on the desktop and in the
PDF) and, on the phone, whole on the screen without scrolling sideways.

The detectors are first shown to fail on small hand-made pages with the very defects the
designer found, so that a passing demo means something.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import launched

POPPLER = ("pdftoppm", "pdftotext")

# A4 in PostScript points and the report's page margins (style.css @page: 18 16 20 16 mm).
MM = 72 / 25.4
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 18 * MM, 16 * MM, 20 * MM, 16 * MM
DPI = 30  # enough to see where ink is; a page is 248 x 351 pixels
INK = 200  # a grey level under this (of 255) is ink: text, rules, bars, table bands are lighter

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in POPPLER),
    reason="poppler-utils (pdftoppm, pdftotext) is not installed",
)


# --- reading a PDF as a reader does --------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    page: int  # 1-based
    text: str
    x0: float
    x1: float
    height: float  # of the word's box, pt: about 1.15 x its font size


@dataclass(frozen=True)
class Page:
    width: float
    height: float


def pdf_words(pdf: Path) -> tuple[list[Page], list[Word]]:
    """Every word of the PDF with its page, horizontal extent and height, in reading order."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages: list[Page] = []
    words: list[Word] = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        pages.append(Page(float(page.group(1)), float(page.group(2))))
        for w in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page.group(3),
        ):
            x0, y0, x1, y1 = (float(w.group(i)) for i in range(1, 5))
            words.append(Word(len(pages), html.unescape(w.group(5)), x0, x1, y1 - y0))
    return pages, words


def pdf_lines(pdf: Path) -> list[str]:
    """The PDF's text line by line, as pdftotext lays it out (what copying gives)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [" ".join(line.split()) for line in out.splitlines()]


def blank_below_content(pdf: Path, tmp: Path) -> list[float]:
    """Per page, the share of the body (inside the margins) under its last ink: 0 for a full
    page, 1 for an empty one. The running footer sits in the bottom margin and is not counted."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(tmp / "p")], check=True)
    shares = []
    for image in sorted(tmp.glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[1])):
        with Image.open(image) as im:
            width, height = im.size
            px = im.load()
            assert px is not None
            scale = DPI / 72
            top, bottom = int(MARGIN_TOP * scale), height - int(MARGIN_BOTTOM * scale)
            last = top
            for y in range(top, bottom):
                if any(px[x, y] < INK for x in range(width)):  # type: ignore[operator]
                    last = y
            shares.append((bottom - last) / (bottom - top))
    return shares


# --- reading the HTML's words --------------------------------------------------------------------

# Elements whose text runs into their neighbours' (inline); every other element starts a new run.
# fmt: off
INLINE = {"a", "abbr", "b", "cite", "code", "em", "i", "kbd", "q", "s", "samp", "small", "span",
          "strong", "sub", "sup", "u", "var", "wbr"}
# fmt: on
# Never drawn: the head, scripts, and the SVG charts' <title> (their accessible name).
HIDDEN = {"head", "script", "style", "title", "template"}


class _Runs(HTMLParser):
    """The text of a page as the runs a reader sees: inline elements joined, blocks apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = [""]
        self.hidden = 0
        self.code: list[str] = []  # the text of every <code> and <pre>, as written
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in ("code", "pre"):
            if self._code_depth == 0:
                self.code.append("")
            self._code_depth += 1
        if tag not in INLINE:
            self.runs.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden -= 1
        elif tag in ("code", "pre"):
            self._code_depth -= 1
        if tag not in INLINE:
            self.runs.append("")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.runs[-1] += data
            if self._code_depth:
                self.code[-1] += data


def html_text(page: str) -> _Runs:
    parser = _Runs()
    parser.feed(page)
    parser.close()
    return parser


STRIP = "()[]{},.;:!?\"'“”‘’·…•"  # and a list's bullet, drawn by the renderer


def norm(token: str) -> str:
    return token.strip(STRIP).casefold()


# A key, hash or signature (base64 or hex, 16 characters or more): copied whole, never broken,
# not even after its "/" or "+".
OPAQUE = re.compile(r"[A-Za-z0-9+/=]{16,}")


def break_points(token: str) -> set[str]:
    """The pieces a line may end or start with inside `token` without breaking a word: after a
    hyphen, dash or slash, where every line breaker may wrap ("EMMET-" / "CLOUD"), but never
    inside a key or hash."""
    if OPAQUE.fullmatch(token.strip(STRIP)):
        return {token}
    parts = re.split(r"(?<=[-‐‑–—/])", token)
    return {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}


def broken_words(words: list[Word], vocabulary: set[str]) -> list[str]:
    """Words of the PDF that are no word of the page: a word broken across lines ("renew" /
    "able") or letters drawn apart. Shown with the word before, to find them."""
    allowed = {norm(p) for token in vocabulary for p in break_points(token)}
    found = []
    for i, w in enumerate(words):
        t = norm(w.text)
        if t and t not in allowed:
            before = words[i - 1].text if i else ""
            found.append(f"page {w.page}: {before!r} then {w.text!r}")
    return found


def vocabulary(page: str, *extra: str) -> set[str]:
    runs = html_text(page).runs
    return {t for run in (*runs, *extra) for t in run.split()}


# --- the checks shown to fail on defective pages -------------------------------------------------


def weasyprint(tmp: Path, body: str, css: str = "") -> Path:
    """A small page with the report's page box and font, as PDF (and its HTML beside it)."""
    from weasyprint import HTML

    css = "@page { size: A4; margin: 18mm 16mm 20mm 16mm } body { font: 10pt 'DejaVu Sans' } " + css
    page = f"<!DOCTYPE html><html lang='en'><style>{css}</style><body>{body}</body></html>"
    pdf = tmp / "page.pdf"
    HTML(string=page).write_pdf(pdf)
    (tmp / "page.html").write_text(page)
    return pdf


def broken_in(tmp: Path, body: str) -> tuple[list[str], list[str]]:
    """The words pdftotext reads from `body` printed, and those of them broken_words finds."""
    pdf = weasyprint(tmp, body)
    _, words = pdf_words(pdf)
    found = broken_words(words, vocabulary((tmp / "page.html").read_text()))
    return [w.text for w in words], found


def test_a_word_broken_in_a_narrow_column_is_found(tmp_path: Path) -> None:
    # The designer's "renew able" and "efficie ncy": a 12 mm column that may break anywhere.
    cell = "<table style='width: 12mm'><tr><td style='overflow-wrap: {}'>{}</td></tr></table>"
    text = "renewable energy efficiency"
    words, found = broken_in(tmp_path, cell.format("anywhere", text))
    assert "renewable" not in words and "efficiency" not in words
    assert len(found) >= 3, words
    # The same column that never breaks a word: the column widens to its longest word.
    words, found = broken_in(tmp_path, cell.format("normal", text))
    assert (words, found) == (text.split(), [])


def test_a_line_broken_after_a_hyphen_is_no_broken_word(tmp_path: Path) -> None:
    body = "<p style='width: 22mm'>Emmet Cloud (EMMET-CLOUD) data-centre operations</p>"
    words, found = broken_in(tmp_path, body)
    assert words == ["Emmet", "Cloud", "(EMMET-", "CLOUD)", "data-centre", "operations"]
    assert found == []


def test_a_hash_broken_after_its_slash_is_found(tmp_path: Path) -> None:
    # The cover's ledger root, base64, wrapped after a "/" of its own: copied, it fails.
    body = "<p style='width: 40mm'>root bJ2KcODFbkVpV/PdsxFA1Nsux2zDEQn0YrI72IBlDY=: evidence</p>"
    words, found = broken_in(tmp_path, body)
    assert words == ["root", "bJ2KcODFbkVpV/", "PdsxFA1Nsux2zDEQn0YrI72IBlDY=:", "evidence"]
    assert found == [
        "page 1: 'root' then 'bJ2KcODFbkVpV/'",
        "page 1: 'bJ2KcODFbkVpV/' then 'PdsxFA1Nsux2zDEQn0YrI72IBlDY=:'",
    ]


def test_a_half_empty_page_is_measured(tmp_path: Path) -> None:
    # Page 1: a block 120 mm tall in a 259 mm body, then a forced break: 139/259 = 54% blank.
    body = (
        "<div style='height: 120mm; background: black'></div>"
        "<div style='break-before: page; height: 250mm; background: black'></div>"
    )
    shares = blank_below_content(weasyprint(tmp_path, body), tmp_path)
    assert len(shares) == 2
    assert shares[0] == pytest.approx(139 / 259, abs=0.02)
    assert shares[1] == pytest.approx(9 / 259, abs=0.02)


def test_the_footer_prints_an_organization_as_written(tmp_path: Path) -> None:
    # The running footer is a CSS string inside the page's <style>: the name must neither end
    # the string or the style element nor show as "&amp;".
    from zerotrail.reports.html import css_string

    name = 'Société Générale & Fils "Ltd" </style> \\'
    escaped = css_string(name)
    assert escaped == html.escape(escaped)  # autoescape leaves it alone
    css = f'@page {{ @bottom-left {{ content: "{escaped} · report" }} }}'
    lines = pdf_lines(weasyprint(tmp_path, "<p>body</p>", css))
    assert f"{name} · report" in lines


# --- the demo's PDF ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    folder: Path
    data: dict[str, Any]
    page: str  # report.html
    pages: list[Page]
    words: list[Word]
    lines: list[str]


@pytest.fixture(scope="module")
def demo(demo_report: Path) -> Demo:
    pdf = demo_report / "report.pdf"
    pages, words = pdf_words(pdf)
    return Demo(
        demo_report,
        json.loads((demo_report / "report.json").read_text()),
        (demo_report / "report.html").read_text(),
        pages,
        words,
        pdf_lines(pdf),
    )


def test_no_page_is_more_than_half_blank(demo: Demo, tmp_path: Path) -> None:
    shares = blank_below_content(demo.folder / "report.pdf", tmp_path)
    assert len(shares) == len(demo.pages)
    assert len(shares) > 2
    # The cover is a title page by design; the last page ends where the report ends.
    half_blank = {n: f"{s:.0%}" for n, s in enumerate(shares[1:-1], 2) if s > 0.5}
    assert half_blank == {}, "pages more than half blank (page: share of the body)"


def chart_svgs(page: str) -> list[str]:
    """Each figure's chart as drawn in the PDF and on a desktop: its first (wide) variant."""
    return re.findall(r"<figure\b[^>]*>.*?(<svg\b.*?</svg>)", page, re.S)


def narrow_svgs(page: str) -> list[str]:
    """Each figure's phone variant (html.CHART_VARIANTS)."""
    return re.findall(r'<div class="chart-narrow">(<svg\b.*?</svg>)</div>', page, re.S)


def drawn_texts(svg: str, *, rotated: bool = True) -> list[str]:
    """The runs of text an SVG chart draws (its <title> is its accessible name, not drawn);
    without the rotated ones (axis titles) if `rotated` is false."""
    runs = [
        html.unescape(text)
        for attrs, text in re.findall(r"<(?:text|tspan)\b([^>]*)>([^<]+)<", svg)
        if rotated or "rotate(" not in attrs
    ]
    return [" ".join(r.split()) for r in runs if r.strip()]


def test_every_chart_is_drawn_in_the_pdf(demo: Demo) -> None:
    svgs = chart_svgs(demo.page)
    # The demo has charts of every kind: scopes by year, Scope 1+2, the bridge, a pathway per
    # target with a history, renewable shares and the gases (the one the PDF used to lose).
    assert len(svgs) >= 6
    assert any("Emissions by gas" in drawn_texts(svg) for svg in svgs)
    for svg in svgs:
        name = re.search(r"<title>(.*?)</title>", svg)
        assert name is not None
        # Every word the chart draws (its title, axes, labels, legend) is on one page, as
        # often as the chart draws it: a chart is never split, and one not drawn has no words
        # there. Drawn at its size: those words are as tall as its text at full width (10.5
        # to 14 px at 640 px: 7.9 to 10.5 pt, boxes of 9 to 12 pt), not squeezed into a
        # sliver as the chart in a flex item was (boxes of 1 pt). A rotated axis title's box
        # is as tall as the title is long, so only its presence is checked.
        drawn = Counter(word for run in drawn_texts(svg) for word in run.split())
        level = Counter(word for run in drawn_texts(svg, rotated=False) for word in run.split())
        assert len(level) > 5
        pages = {
            n: (drawn - Counter(w.text for w in demo.words if w.page == n))
            + (level - Counter(w.text for w in demo.words if w.page == n and w.height > 8))
            for n in range(1, len(demo.pages) + 1)
        }
        assert any(not missing for missing in pages.values()), (
            f"chart {name.group(1)!r} is not drawn at its size; missing on its likeliest page: "
            f"{min(pages.values(), key=lambda m: sum(m.values()))}"
        )


def test_the_phone_variant_of_a_chart_is_not_in_the_pdf(demo: Demo) -> None:
    # Only the narrow variant abbreviates a bar's total ("1.01M", "816k": six totals do not
    # fit a phone's width in full); the wide variant and the tables give every figure whole.
    wide, narrow = chart_svgs(demo.page), narrow_svgs(demo.page)
    assert len(narrow) == len(wide)
    short = {run for svg in narrow for run in drawn_texts(svg) if re.fullmatch(r"[\d.]+[kM]", run)}
    assert len(short) >= 6
    assert short.isdisjoint(w.text for w in demo.words)
    # A title the narrow variant wraps is drawn whole, once, by the wide one.
    assert sum("each change floats from the running total" in line for line in demo.lines) == 1


def test_no_word_is_broken_across_lines(demo: Demo) -> None:
    org, year, n = demo.data["organization"], demo.data["year"], len(demo.pages)
    footer = [f"{org} · Climate progress report {year}", *(f"page {i} of {n}" for i in range(n))]
    found = broken_words(demo.words, vocabulary(demo.page, *footer))
    assert found == [], "\n".join(found)


def test_every_page_after_the_cover_has_its_footer(demo: Demo) -> None:
    org, year, n = demo.data["organization"], demo.data["year"], len(demo.pages)
    text = "\n".join(demo.lines)
    assert f"{org} · Climate progress report {year} page 1 of {n}" not in text
    for i in range(2, n + 1):
        assert f"{org} · Climate progress report {year} page {i} of {n}" in text


def test_nothing_runs_past_the_margins(demo: Demo) -> None:
    outside = [
        f"page {w.page}: {w.text!r} ({w.x0:.0f}-{w.x1:.0f} pt)"
        for w in demo.words
        if w.x0 < MARGIN_LEFT - 1 or w.x1 > demo.pages[w.page - 1].width - MARGIN_RIGHT + 1
    ]
    assert outside == [], "\n".join(outside)


def test_keys_signatures_and_code_are_copied_unbroken(demo: Demo) -> None:
    """Every line of every <pre> and every <code> of the page is one line of the PDF's text:
    a key, signature, hash, file name or command copied from the PDF is the one printed."""
    codes = html_text(demo.page).code
    ledger = demo.data["ledger"]
    # Whatever the verification section prints of these, it prints whole.
    assert any(ledger["figures_sha256"] in c for c in codes)
    broken = []
    for code in codes:
        for line in code.splitlines():
            line = " ".join(line.split())
            if line and not any(line in printed for printed in demo.lines):
                broken.append(line)
    assert broken == [], "\n".join(broken)


def headings(page: str) -> list[tuple[int, str]]:
    found = []
    for m in re.finditer(r"<h([1-4])\b[^>]*>(.*?)</h\1>", page, re.S):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(2))).split())
        found.append((int(m.group(1)), text))
    return found


def test_the_pdf_has_an_outline_of_the_headings(demo: Demo) -> None:
    from pypdf import PdfReader

    reader = PdfReader(demo.folder / "report.pdf")

    def walk(items: list[Any], level: int) -> Iterator[tuple[int, str]]:
        for item in items:
            if isinstance(item, list):
                yield from walk(item, level + 1)
            else:
                yield level, " ".join(item.title.split())

    outline = list(walk(reader.outline, 1))
    expected = headings(demo.page)
    title = re.search(r"<title>(.*?)</title>", demo.page, re.S)
    assert title is not None
    # The cover's title (two lines in the page) reads as the document's title.
    assert expected[0][0] == 1
    expected[0] = (1, html.unescape(title.group(1)))
    assert outline == expected


def test_the_pdf_is_tagged(demo: Demo) -> None:
    from pypdf import PdfReader

    root = PdfReader(demo.folder / "report.pdf").trailer["/Root"]
    # pypdf's BooleanObject equals True without being it.
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712


# --- the demo's HTML in Chromium -----------------------------------------------------------------

PHONE, DESKTOP = 390, 1280  # CSS px: an iPhone 12-15's width and a laptop's

# Run in the page: what a reader would see wrong. Every rendered element of the body is looked at.
LOOK = """
() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' "' +
    (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= vw + 0.5 && r.left >= -0.5) continue;
    // Inside a box that scrolls (or clips) horizontally and itself fits the screen: fine.
    let box = el.parentElement, held = false;
    while (box && box !== document.body && !held) {
      const b = box.getBoundingClientRect();
      held = scrolls(box) && b.right <= vw + 0.5 && b.left >= -0.5;
      box = box.parentElement;
    }
    if (!held) wide.push(name(el));
  }
  // Text as drawn: CSS px for HTML; for SVG, the font size times the scale the chart is drawn at.
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || el.closest('title')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    // Not drawn: hidden, or inside something that is display: none (no box at all).
    if (style.display === 'none' || style.visibility !== 'visible') continue;
    if (el.getClientRects().length === 0) continue;
    let px = parseFloat(style.fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      px *= Math.hypot(m.a, m.b);
    }
    if (px < 8) small.push(name(el) + ' ' + px.toFixed(1) + ' px');
  }
  const charts = [...document.querySelectorAll('figure svg')].map((svg) => {
    const r = svg.getBoundingClientRect();
    const s = getComputedStyle(svg);
    const figure = svg.closest('figure');
    return {
      variant: svg.parentElement.className,
      figure: [...document.querySelectorAll('figure')].indexOf(figure),
      width: r.width, height: r.height, left: r.left, right: r.right,
      shown: s.display !== 'none' && s.visibility === 'visible' && r.width > 0 && r.height > 0,
      // The figure scrolls sideways when what it holds is wider than its box.
      scrolls: figure.scrollWidth > figure.clientWidth + 0.5,
      texts: svg.querySelectorAll('text').length,
      // Not shown is not read either: display: none leaves the accessibility tree.
      hidden: getComputedStyle(svg.parentElement).display === 'none',
    };
  });
  return {
    page: [document.documentElement.scrollWidth, vw],
    wide, small, charts,
  };
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: launched once for the module."""
    yield from launched()


def look(browser: Any, width: int, *, url: str | None = None, content: str = "") -> Any:
    page = browser.new_page(viewport={"width": width, "height": 844})
    try:
        if url is None:
            page.set_content(content)
        else:
            page.goto(url)
        return page.evaluate(LOOK)
    finally:
        page.close()


@pytest.fixture(scope="module")
def seen(browser: Any, demo_report: Path) -> dict[int, dict[str, Any]]:
    """What LOOK finds in report.html at a phone's and at a desktop's width."""
    url = (demo_report / "report.html").as_uri()
    return {width: look(browser, width, url=url) for width in (PHONE, DESKTOP)}


def test_the_browser_checks_find_what_a_phone_reader_would(browser: Any) -> None:
    # A table wider than the phone with nothing to scroll it, one inside a scroll box, and a
    # chart of 640 px squeezed to 320: its 11 px text is drawn at 5.5 px.
    content = """<body style="margin: 0">
      <table style="width: 600px"><tr><td>cut off</td></tr></table>
      <div style="overflow-x: auto">
        <table style="width: 600px"><tr><td>scrolls</td></tr></table></div>
      <figure style="margin: 0"><svg width="640" height="100" viewBox="0 0 640 100"
        style="width: 320px; height: auto"><text x="0" y="50" font-size="11px">tiny</text></svg>
      </figure></body>"""
    found = look(browser, PHONE, content=content)
    assert [w.split(" ")[0] for w in found["wide"]] == ["table", "tbody", "tr", "td"]
    assert "cut off" in found["wide"][0]
    assert [s.rsplit(" ", 2)[-2:] for s in found["small"]] == [["5.5", "px"]]
    assert found["page"] == [600, PHONE]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_nothing_is_wider_than_the_screen(seen: dict[int, dict[str, Any]], width: int) -> None:
    look = seen[width]
    assert look["wide"] == [], "wider than the screen, outside a scroll box:\n" + "\n".join(
        look["wide"]
    )
    scroll_width, screen = look["page"]
    assert screen == width
    assert scroll_width == width  # the page itself never scrolls sideways


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_no_text_under_8_px(seen: dict[int, dict[str, Any]], width: int) -> None:
    assert seen[width]["small"] == [], "\n".join(seen[width]["small"])


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_chart_is_shown(seen: dict[int, dict[str, Any]], width: int, demo: Demo) -> None:
    charts = seen[width]["charts"]
    figures = len(chart_svgs(demo.page))
    assert figures >= 6
    assert len(charts) == 2 * figures  # a wide and a narrow variant in every figure
    shown = [c for c in charts if c["shown"]]
    # Exactly one variant of each chart is shown; the other is display: none.
    assert sorted(c["figure"] for c in shown) == list(range(figures))
    assert all(c["hidden"] for c in charts if not c["shown"])
    for chart in shown:
        assert chart["texts"] > 0
        assert not chart["scrolls"], chart  # the whole chart on the screen, no sideways scroll
        assert chart["left"] >= 0 and chart["right"] <= width, chart
        if width == PHONE:
            # The phone's own variant at its drawn size (340 px): its text as drawn, >= 10.5 px.
            assert chart["variant"] == "chart-narrow" and chart["width"] == 340, chart
        else:
            # Never shrunk below 500 px (text under 8 px), never wider than drawn (640 px).
            assert chart["variant"] == "chart-wide" and 500 <= chart["width"] <= 640, chart
