"""Publishing the report on the small roadmap world (tests/targets/world.py): every figure of
report.json equals the inventory, progress and claim figures; the PDF states the headline
figures; the HTML fetches nothing; the proofs and the consistency proof verify offline; a
second report lists what was restated and why."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import write_csv
from tests.offsets.test_neutrality import NEUTRAL, credit
from tests.targets.conftest import ABSOLUTE, roadmap_file, world
from tests.targets.world import DEFAULT, activities
from zerotrail.engine.settings import InventorySettings
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.credits import import_credits
from zerotrail.ledger.note import generate_signer, parse_signer_key, parse_verifier_key
from zerotrail.ledger.proof import parse_proof, verify_proof_bundle
from zerotrail.offsets.neutrality import finalize
from zerotrail.pipeline import calculate
from zerotrail.reports.charts import external_references
from zerotrail.reports.inventory import summary
from zerotrail.reports.publish import publish
from zerotrail.store.checkpoints import check_consistency, leaf_from_opening
from zerotrail.store.workspace import Workspace
from zerotrail.targets.progress import progress
from zerotrail.targets.register import add_targets
from zerotrail.targets.roadmap import read_roadmap

__all__ = ["world"]

KEY, VKEY = generate_signer("carbon.example.com/test")


def setup(ws: Workspace, tmp: Path) -> None:
    add_targets(ws, read_roadmap(roadmap_file(tmp, NEUTRAL + ABSOLUTE)), "roadmap.toml")
    import_credits(ws, write_csv(tmp / "credits.csv", [credit("C1", 1, 600)]))
    finalize(ws, 2023)


def report(ws: Workspace, out: Path) -> dict[str, Any]:
    done = publish(ws, 2023, out, signer=parse_signer_key(KEY))
    return dict(json.loads((out / "report.json").read_text()), _id=done.report_id)


def test_every_figure_equals_its_source(world: Workspace, tmp_path: Path) -> None:
    setup(world, tmp_path)
    d = report(world, tmp_path / "r1")
    inv = summary(world, 2023)
    for key in ("scope1", "scope2_location", "scope2_market", "scope3", "total_market"):
        assert d["inventory"][key] == pytest.approx(inv[key])
    assert d["inventory"]["scope1"] == pytest.approx(170.0)  # 170 GJ diesel x 1 t/GJ
    by_id = {p.id: p.to_dict() for p in progress(world, 2023)}
    for t in d["targets"]:
        for key in ("status", "actual", "pathway", "target_value", "gap"):
            assert (
                t[key] == pytest.approx(by_id[t["id"]][key])
                if isinstance(t[key], float)
                else t[key] == by_id[t["id"]][key]
            )
    assert d["claim"]["holds"] is True
    assert d["claim"]["gross_t"] == pytest.approx(170 + 670 * 0.6096)  # see test_neutrality
    years = {y["year"]: y for y in d["years"]}
    assert years[2020]["scope1"] == pytest.approx(200.0)
    for year, y in years.items():
        s = summary(world, year)
        for key in ("scope1", "scope2_location", "scope2_market", "scope3", "total_market"):
            assert y[key] == pytest.approx(s[key]), (year, key)
    assert d["inventory"]["by_gas"] == inv["by_gas"]
    for c in d["scope3_categories"]:
        assert c["co2e_t"] == pytest.approx(inv["scope3_by_category"][str(c["category"])])
    # The bridge adds up: first reported 2020 Scope 1 + 2 (1,000 t) to 2023 (578.43 t).
    steps = d["bridge"]
    assert sum(s["t"] for s in steps[:-1]) == pytest.approx(steps[-1]["t"])
    assert steps[0]["t"] == pytest.approx(1000.0)
    # The disclosures repeat the same figures.
    esrs = d["disclosures"]["esrs_e1_6"]
    assert any(pytest.approx(170.0) in row for row in esrs["rows"])


def test_pdf_html_and_proofs(world: Workspace, tmp_path: Path) -> None:
    from pypdf import PdfReader

    setup(world, tmp_path)
    out = tmp_path / "r1"
    d = report(world, out)
    html = (out / "report.html").read_text()
    assert external_references(html) == []
    assert html.count("<svg") >= 4  # scopes, Scope 1 + 2, bridge, the target's pathway
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO((out / "report.pdf").read_bytes())).pages
    )
    flat = " ".join(text.split())
    s12 = d["inventory"]["scope1"] + d["inventory"]["scope2_market"]
    assert f"{s12:,.0f} t" in flat  # 578 t on the cover
    assert "Carbon neutral" in flat and "How to verify these figures" in flat
    log = parse_verifier_key(VKEY)
    for p in d["ledger"]["proofs"]:
        bundle = parse_proof((out / p["file"]).read_text())
        assert bundle.extra is not None
        verify_proof_bundle(bundle, leaf_from_opening(bundle.extra), log, [])
    opening = json.loads(parse_proof((out / "proofs/inventory-2023.tlog-proof").read_text()).extra)
    record = json.loads(opening["record"])
    assert float(record["scope1"]) == pytest.approx(d["inventory"]["scope1"])
    assert (out / "disclosures.xlsx").stat().st_size > 0
    # Anyone can recompute the committed SHA-256 of the figures from report.json.
    import hashlib

    from zerotrail.reports.publish import figures_text

    published = json.loads((out / "report.json").read_text())
    digest = hashlib.sha256(figures_text(published).encode()).hexdigest()
    assert digest == published["ledger"]["figures_sha256"]
    report_record = json.loads(
        json.loads(parse_proof((out / f"proofs/{d['_id']}.tlog-proof").read_text()).extra)["record"]
    )
    assert report_record["figures_sha256"] == digest
    assert d["ledger"]["consistency"] is None  # the first report


def test_the_next_report_carries_consistency_and_restatements(
    world: Workspace, tmp_path: Path
) -> None:
    setup(world, tmp_path)
    first = report(world, tmp_path / "r1")
    # A discovered error: 2022 diesel was 200 GJ, not 180.
    fixed = [r for r in activities(DEFAULT) if r["record_id"] == "E-diesel-2022"]
    fixed[0]["quantity"] = 200
    import_activities(world, write_csv(tmp_path / "fix.csv", fixed), replace=True)
    calculate(world, InventorySettings(2022))
    second = report(world, tmp_path / "r2")
    assert second["previous_report"] == first["_id"]
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
