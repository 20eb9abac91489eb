"""Publishing the report on the small roadmap world (tests/targets/world.py): the figures of
report.json are the world's, worked out by hand below; the PDF states the headline figures; the
HTML fetches nothing; the proofs and the consistency proof verify offline; a second report lists
what was restated and why.

The world's 2023, with its custom factors (1 t CO2 per GJ of diesel, 1 t CO2 per MWh of grid
electricity, 1 t CO2e per t of steel) and, for market-based Scope 2, China's residual-like mix
for 2023 (MEE/NBS "national average excluding market-traded non-fossil", 0.6096 t/MWh; no
certificates):
  Scope 1             170 GJ diesel x 1                       =   170 t
  Scope 2 location    (410 HQ + 260 DC1) MWh x 1              =   670 t
  Scope 2 market      670 MWh x 0.6096                        =   408.432 t
  Scope 3 (cat. 1)    4,100 t steel x 1                       = 4,100 t
  total, market       170 + 408.432 + 4,100                   = 4,678.432 t
Target S12 (Scope 1 + 2, location-based, 2020 -> 2025, -30%): base 200 + 800 = 1,000 t, target
700 t; the pathway in 2023 is 1,000 - 3/5 x 300 = 820 t; actual 170 + 670 = 840 t, gap +20 t;
the trend of 2021-2023 (950, 900, 840: -55 t a year) reaches 730 t in 2025, above 700: neither
on the pathway nor forecast to meet the target, off-track.
Claim NEUTRAL (Scopes 1 and 2, market-based): gross 170 + 408.432 = 578.432 t, 600 t of credits
retired for 2023, net -21.568 t: it holds.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import write_csv
from tests.offsets.test_neutrality import NEUTRAL, credit
from tests.reports.conftest import copy_first_report
from tests.targets.conftest import ABSOLUTE, roadmap_file, world
from tests.targets.world import DEFAULT, activities
from zerotrail.engine.settings import InventorySettings
from zerotrail.ledger.note import generate_signer, parse_signer_key, parse_verifier_key
from zerotrail.ledger.proof import parse_proof, verify_proof_bundle
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.imports import import_activities, import_credits
from zerotrail.pipeline.publish import publish
from zerotrail.pipeline.roadmap import add_targets, read_roadmap_file
from zerotrail.reports.charts import external_references
from zerotrail.store.checkpoints import check_consistency, leaf_from_opening
from zerotrail.store.workspace import Workspace

__all__ = ["world"]

KEY, VKEY = generate_signer("carbon.example.com/test")

MARKET_2023 = 0.6096  # t CO2 per MWh: China's residual-like mix, 2023 (MEE/NBS, shipped)
SCOPE1 = 170.0  # 170 GJ diesel x 1 t/GJ
SCOPE2_LOCATION = 670.0  # (410 + 260) MWh x 1 t/MWh
SCOPE2_MARKET = 670 * MARKET_2023  # 408.432
SCOPE3 = 4100.0  # 4,100 t steel x 1 t CO2e/t
CREDITS = 600.0  # C1: serials 1 to 600


def setup(ws: Workspace, tmp: Path) -> None:
    add_targets(ws, read_roadmap_file(roadmap_file(tmp, NEUTRAL + ABSOLUTE)), "roadmap.toml")
    import_credits(ws, write_csv(tmp / "credits.csv", [credit("C1", 1, 600)]))
    finalize_inventory(ws, 2023)


def report(ws: Workspace, out: Path) -> dict[str, Any]:
    done = publish(ws, 2023, out, signer=parse_signer_key(KEY))
    return dict(json.loads((out / "report.json").read_text()), _id=done.report_id)


def test_the_figures_are_the_worlds(first_report: Path) -> None:
    # The world after `setup`, published once (tests/reports/conftest.py `first_report`).
    d = json.loads((first_report / "r1" / "report.json").read_text())
    assert d["report_id"] == "report-2023-1"
    inv = d["inventory"]
    assert inv["scope1"] == pytest.approx(SCOPE1)
    assert inv["scope2_location"] == pytest.approx(SCOPE2_LOCATION)
    assert inv["scope2_market"] == pytest.approx(408.432)
    assert inv["scope3"] == pytest.approx(SCOPE3)
    assert inv["total_market"] == pytest.approx(4678.432)
    assert inv["total_location"] == pytest.approx(170 + 670 + 4100)
    # By gas: diesel and electricity are CO2 (location-based), steel is reported as CO2e only.
    assert inv["by_gas"]["CO2"]["co2e_t"] == pytest.approx(SCOPE1 + SCOPE2_LOCATION)
    assert inv["by_gas"]["CO2e_only"]["co2e_t"] == pytest.approx(SCOPE3)
    assert all(
        v["co2e_t"] == 0 for gas, v in inv["by_gas"].items() if gas not in ("CO2", "CO2e_only")
    )
    cats = {c["category"]: c["co2e_t"] for c in d["scope3_categories"]}
    assert cats == {c: pytest.approx(SCOPE3 if c == 1 else 0.0) for c in range(1, 16)}
    # Every year as the world's quantities give it: diesel, HQ + DC1 electricity, steel.
    years = {y["year"]: y for y in d["years"]}
    assert sorted(years) == [2020, 2021, 2022, 2023]
    for year, y in years.items():
        q = DEFAULT["E"][year]
        assert y["scope1"] == pytest.approx(q["diesel"]), year
        assert y["scope2_location"] == pytest.approx(q["hq"] + q["dc"]), year
        assert y["scope3"] == pytest.approx(q["steel"]), year
    assert years[2023]["scope2_market"] == pytest.approx(SCOPE2_MARKET)
    (s12,) = [t for t in d["targets"] if t["id"] == "S12"]
    assert (s12["base_value"], s12["target_value"]) == (pytest.approx(1000), pytest.approx(700))
    assert s12["actual"] == pytest.approx(840) and s12["pathway"] == pytest.approx(820)
    assert s12["gap"] == pytest.approx(20) and s12["status"] == "off-track"
    claim = d["claim"]
    assert claim["holds"] is True and claim["version"] == 1
    assert claim["gross_t"] == pytest.approx(SCOPE1 + SCOPE2_MARKET)  # 578.432
    assert claim["credits_t"] == pytest.approx(CREDITS)
    assert claim["net_t"] == pytest.approx(578.432 - 600)
    # The bridge adds up: first reported 2020 Scope 1 + 2 (200 + 800 t; no residual mix for
    # 2020 among the shipped factors, so market-based is the 1 t/MWh custom factor) to 2023.
    steps = d["bridge"]
    assert steps[0]["t"] == pytest.approx(1000.0)
    assert steps[-1]["t"] == pytest.approx(578.432)
    assert sum(s["t"] for s in steps[:-1]) == pytest.approx(steps[-1]["t"])
    # The world's factors are custom ones, given without `verified` (so unverified): all of the
    # location-based 170 + 670 + 4,100 = 4,940 t rest on them, and the report says so.
    assert d["factor_verification"] == {
        "co2e_t": pytest.approx(4940.0),
        "unverified_co2e_t": pytest.approx(4940.0),
        "unverified_pct": pytest.approx(100.0),
    }
    (test_set,) = [f for f in d["factor_sets"] if f["factor_set"] == "test"]
    assert test_set["unverified_co2e_t"] == pytest.approx(4940.0)
    # The disclosures repeat the same figures.
    esrs = d["disclosures"]["esrs_e1_6"]
    assert any(pytest.approx(SCOPE1) in row for row in esrs["rows"])


def test_pdf_html_and_proofs(first_report: Path) -> None:
    from pypdf import PdfReader

    out = first_report / "r1"
    d = json.loads((out / "report.json").read_text())
    html = (out / "report.html").read_text()
    # Self-contained: every drawn chart refers to nothing outside itself, and the page links
    # or loads nothing but same-document fragments and data: URIs.
    for svg in re.findall(r"<svg\b.*?</svg>", html, re.S):
        assert external_references(svg) == []
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?!#|data:)[^"'\s>]+""", html) == []
    assert html.count("<svg") >= 4  # scopes, Scope 1 + 2, bridge, the target's pathway
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO((out / "report.pdf").read_bytes())).pages
    )
    flat = " ".join(text.split())
    assert "578 t" in flat  # Scope 1 + 2 on the cover: 170 + 408.432
    assert "Carbon neutral" in flat and "How to verify these figures" in flat
    # The share of emissions on unverified factors (all of the world's, see above).
    assert "4,940 t CO2e (100.0% of the location-based total of 4,940 t)" in " ".join(html.split())
    log = parse_verifier_key(VKEY)
    for p in d["ledger"]["proofs"]:
        bundle = parse_proof((out / p["file"]).read_text())
        assert bundle.extra is not None
        verify_proof_bundle(bundle, leaf_from_opening(bundle.extra), log, [])
    opening = json.loads(parse_proof((out / "proofs/inventory-2023.tlog-proof").read_text()).extra)
    record = json.loads(opening["record"])
    assert float(record["scope1"]) == pytest.approx(SCOPE1)
    assert (out / "disclosures.xlsx").stat().st_size > 0
    # Anyone can recompute the committed SHA-256 of the figures from report.json.
    import hashlib

    from zerotrail.reports.publish import figures_text

    published = json.loads((out / "report.json").read_text())
    digest = hashlib.sha256(figures_text(published).encode()).hexdigest()
    assert digest == published["ledger"]["figures_sha256"]
    report_record = json.loads(
        json.loads(parse_proof((out / f"proofs/{d['report_id']}.tlog-proof").read_text()).extra)[
            "record"
        ]
    )
    assert report_record["figures_sha256"] == digest
    assert d["ledger"]["consistency"] is None  # the first report


def test_the_next_report_carries_consistency_and_restatements(
    first_report: Path, tmp_path: Path
) -> None:
    world = copy_first_report(first_report, tmp_path)
    try:
        first = json.loads((tmp_path / "r1" / "report.json").read_text())
        # A discovered error: 2022 diesel was 200 GJ, not 180.
        fixed = [r for r in activities(DEFAULT) if r["record_id"] == "E-diesel-2022"]
        fixed[0]["quantity"] = 200
        import_activities(world, write_csv(tmp_path / "fix.csv", fixed), replace=True)
        calculate(world, InventorySettings(2022))
        second = report(world, tmp_path / "r2")
    finally:
        world.close()
    assert second["previous_report"] == first["report_id"]
    (r,) = [r for r in second["restatements"] if r["figure"] == "scope1"]
    assert (r["year"], r["previous_t"], r["restated_t"]) == (
        2022,
        pytest.approx(180.0),
        pytest.approx(200.0),
    )
    assert "recalculated" in r["reason"] and "fix.csv" in r["reason"]
    c = second["ledger"]["consistency"]
    assert c["from_size"] == first["ledger"]["size"] < c["to_size"]
    out = tmp_path / "r2"
    import base64

    proof = [
        base64.b64decode(line) for line in (out / "consistency.proof").read_text().splitlines()
    ]
    old, new = check_consistency(
        (out / "previous-checkpoint.txt").read_text(),
        (out / "checkpoint.txt").read_text(),
        proof,
        [parse_verifier_key(VKEY)],
    )
    assert (old.size, new.size) == (c["from_size"], c["to_size"])


def test_without_a_key_an_uncovered_log_is_refused(world: Workspace, tmp_path: Path) -> None:
    from zerotrail.errors import ZerotrailError

    setup(world, tmp_path)
    with pytest.raises(ZerotrailError, match="pass --key"):
        publish(world, 2023, tmp_path / "r")
