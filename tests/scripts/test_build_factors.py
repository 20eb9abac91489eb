"""scripts/build_factors.py: reproducible output, pinned inputs, generated docs in sync.

The full rebuild needs the reference folder next to the repository (../shared/reference); CI
checkouts without it skip those tests and still check the helpers and the committed docs.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "zerotrail" / "reference" / "data"
REFERENCE = REPO.parent / "shared" / "reference"
OUTPUTS = ("factors.csv", "factor_sets.csv", "inputs.json", "gwp.csv", "refrigerant_blends.csv")
DOCS = ("factors.md", "activity-keys.md")
needs_reference = pytest.mark.skipif(
    not (REFERENCE / "data").is_dir() or not (REFERENCE / "sources").is_dir(),
    reason="reference data (../shared/reference) is not available in this checkout",
)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_factors", REPO / "scripts" / "build_factors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script()


@pytest.fixture(scope="module")
def common(script: ModuleType) -> ModuleType:
    """scripts/factor_sources/common.py, as the build script imports it."""
    return sys.modules["factor_sources.common"]


def docs_copy(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in DOCS:
        shutil.copyfile(REPO / "docs" / name, docs / name)
    return docs


@pytest.fixture(scope="module")
def rebuilt(
    script: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, Path, Path, list[Any]]:
    """One full build from the reference folder: (exit status, data folder, docs folder, the
    rows it built). The build reads every publisher's file (about 15 s), so the tests that only
    need its rows share this one."""
    tmp = tmp_path_factory.mktemp("rebuilt")
    out, docs = tmp / "data", docs_copy(tmp)
    captured: list[list[Any]] = []
    real = script.build_rows

    def capture(reference: Path) -> list[Any]:
        rows: list[Any] = real(reference)
        captured.append(rows)
        return rows

    script.build_rows = capture
    try:
        status = script.main(
            ["--reference", str(REFERENCE), "--out", str(out), "--docs", str(docs)]
        )
    finally:
        script.build_rows = real
    return status, out, docs, captured[0] if captured else []


@needs_reference
def test_rebuild_reproduces_the_committed_files(rebuilt: tuple[int, Path, Path, list[Any]]) -> None:
    status, out, docs, _ = rebuilt
    assert status == 0
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name
    for name in DOCS:
        assert (docs / name).read_bytes() == (REPO / "docs" / name).read_bytes(), name


@needs_reference
def test_changed_input_is_refused_unless_pins_are_updated(
    script: ModuleType,
    rebuilt: tuple[int, Path, Path, list[Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The pins are what is tested: the rows are the full build's (a trailing newline changes
    # no row), so the build itself is not run a second time.
    monkeypatch.setattr(script, "build_rows", lambda reference: rebuilt[3])
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE / "data", reference / "data")
    (reference / "sources").symlink_to(REFERENCE / "sources")  # unchanged: no need to copy
    # A trailing blank line changes the bytes but not the rows: only the pin notices.
    with (reference / "data" / "china_grid.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    out = tmp_path / "out"
    args = ["--reference", str(reference), "--out", str(out), "--no-docs"]
    assert script.main(args) == 1
    message = capsys.readouterr().err
    assert "china_grid.csv" in message and "--update-pins" in message
    assert not out.exists()

    rewritten: list[dict[str, str]] = []
    monkeypatch.setattr(script, "rewrite_pins", rewritten.append)  # never edit the real script
    assert script.main([*args, "--update-pins"]) == 0
    new_hash = script.sha256(reference / "data" / "china_grid.csv")
    assert rewritten and rewritten[0]["data/china_grid.csv"] == new_hash
    assert f'"data/china_grid.csv": "{new_hash}"' in (out / "inputs.json").read_text()


def test_missing_reference_folder_is_a_clear_error(
    script: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert script.main(["--reference", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    assert "--reference" in capsys.readouterr().err


def test_pins_match_the_hashes_recorded_with_the_data(script: ModuleType) -> None:
    import json

    assert json.loads((DATA / "inputs.json").read_text()) == script.PINS


def test_generated_doc_blocks_match_the_committed_data(script: ModuleType) -> None:
    records = script.read_csv(DATA / "factors.csv")
    sets = [script.FactorSetInfo(**r) for r in script.read_csv(DATA / "factor_sets.csv")]
    factors_md = (REPO / "docs" / "factors.md").read_text(encoding="utf-8")
    keys_md = (REPO / "docs" / "activity-keys.md").read_text(encoding="utf-8")
    assert (
        script.replace_block(factors_md, "factor sets", script.sets_markdown(sets, records))
        == factors_md
    )
    assert (
        script.replace_block(keys_md, "keys", script.key_list_from_csv(DATA / "factors.csv"))
        == keys_md
    )
    assert script.replace_block(keys_md, "families", script.families_markdown()) == keys_md


def test_unit_normalisation_is_exact(common: ModuleType) -> None:
    # 497.443 lb × 0.45359237 kg/lb = 225.63634930991 kg (eGRID2022 CAMX CO2 per MWh)
    assert common.kg_per_unit("497.443", "lb CO2 per MWh", "CO2") == (
        Decimal("225.63634930991"),
        "MWh",
    )
    # 0.58 metric ton × 1000 = 580 kg CO2e per short ton (EPA WARM, mixed MSW landfilled)
    assert common.per_unit("0.58", "metric ton CO2e per short ton", "CO2e") == (580.0, "short_ton")
    # 0.41 g = 0.00041 kg, exactly the decimal, not 0.41 / 1000 in binary
    assert common.per_unit("0.41", "g CH4 per gallon", "CH4") == (0.00041, "gallon")
    assert common.per_unit("0.5306", "kg CO2 per kWh (= t CO2 per MWh)", "CO2") == (0.5306, "kWh")
    with pytest.raises(common.BuildError):
        common.per_unit("1", "furlongs CO2 per MWh", "CO2")


def test_validity_and_slugs(common: ModuleType) -> None:
    import datetime as dt

    assert common.year_span("2019-2020 (reported)") == (dt.date(2019, 1, 1), dt.date(2020, 12, 31))
    assert common.year_span("data year 2023") == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert common.slug("Distillate Fuel Oil No. 2", "-") == "distillate-fuel-oil-no-2"
    assert common.slug("Construction/Mining Equipment") == "construction_mining_equipment"
