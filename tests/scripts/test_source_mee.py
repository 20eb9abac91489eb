"""scripts/factor_sources/mee.py: China's grid factors and their cross-check.

Values are pinned from ../shared/reference (data/china_grid.csv by line; the transcriptions in
sources/mee/ by record or list index); those tests skip where the folder is absent.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from zerotrail.model.grids import PROVINCE_GRID, REGIONAL_GRIDS
from zerotrail.reference.factors import FactorRow

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
sys.path.insert(0, str(REPO / "scripts"))

from factor_sources import mee  # noqa: E402
from factor_sources.common import BuildError  # noqa: E402

needs_reference = pytest.mark.skipif(
    not (REFERENCE / "sources" / "mee").is_dir() or not (REFERENCE / mee.GRID_FILE).is_file(),
    reason="reference data (../shared/reference) is not available in this checkout",
)
GRID = mee.GRID_FILE
KEY = (2022, mee.PROVINCIAL, "CN-HE")


@pytest.fixture(scope="module")
def rows() -> dict[str, FactorRow]:
    return {r.factor_id: r for r in mee.build(REFERENCE)}


def copy_reference(tmp_path: Path) -> Path:
    ref = tmp_path / "reference"
    for name in (mee.GRID_FILE, mee.JSON_2023, mee.JSON_2021_2022):
        (ref / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REFERENCE / name, ref / name)
    return ref


def change_ref_result(ref: Path, year: int, index: int, value: float) -> None:
    path = ref / mee.JSON_2021_2022
    data = json.loads(path.read_text(encoding="utf-8"))
    data[f"f{year}"][index] = value
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# The agreement rule, on its own


def test_two_sources_that_agree_verify_a_value() -> None:
    a = mee.Quote(mee.JSON_2023, Decimal("0.5554"), "a")
    b = mee.Quote(mee.JSON_2021_2022, Decimal("0.5554"), "b")
    assert mee.verdict(KEY, [a, b]).verified  # two transcriptions
    assert not mee.verdict(KEY, [a]).verified  # one transcription
    grid = mee.Quote(GRID, Decimal("0.5554"), "g", grid_verified=False)
    assert mee.verdict(KEY, [grid, a]).verified  # china_grid.csv and a transcription
    # Two entries of the same file are not two sources.
    assert not mee.verdict(KEY, [a, mee.Quote(mee.JSON_2023, Decimal("0.5554"), "a2")]).verified


def test_china_grid_value_wins_and_a_disagreement_is_named() -> None:
    grid = mee.Quote(GRID, Decimal("0.7252"), "g", grid_verified=False)
    other = mee.Quote(mee.JSON_2021_2022, Decimal("0.7253"), "t")
    v = mee.verdict(KEY, [other, grid])
    assert v.shipped is grid and not v.verified and v.disagreeing == (other,)
    assert "Disagreeing: t gives 0.7253." in mee.evidence(v)


def test_a_transcription_contradicting_a_verified_china_grid_value_is_refused() -> None:
    grid = mee.Quote(GRID, Decimal("0.6776"), "g", grid_verified=True)
    other = mee.Quote(mee.JSON_2021_2022, Decimal("0.6777"), "t")
    with pytest.raises(BuildError, match="marked verified"):
        mee.verdict(KEY, [grid, other])


def test_places_are_china_its_grids_and_its_provinces() -> None:
    assert {code for code, _, _ in mee.PLACES} == {"CN", *REGIONAL_GRIDS, *PROVINCE_GRID}
    assert mee.zh_code("内蒙古自治区") == "CN-NM" and mee.zh_code("华北区域") == "CN-NORTH"


# ----------------------------------------------------------------------------------------------
# Values pinned from the reference files


@needs_reference
def test_national_regional_and_provincial_factors_2021_to_2023(
    rows: dict[str, FactorRow],
) -> None:
    def value(fid: str) -> tuple[float, bool]:
        return rows[f"cn-mee-grid:{fid}"].value, rows[f"cn-mee-grid:{fid}"].verified

    # china_grid.csv line 2 = electricity_cn_2023_official.json factor_records[0]: 0.5306.
    assert value("2023.national-average.cn") == (0.5306, True)
    # china_grid.csv line 4 (its own verified "no") = factor_records[2]: 0.8273, now two sources.
    assert value("2023.national-fossil-only.cn") == (0.8273, True)
    # factor_records[10], Beijing 2023: 0.5554, in that transcription only.
    assert value("2023.provincial-average.cn-bj") == (0.5554, False)
    # china_grid.csv line 30 = ref_result.json f2022[30], Sichuan 2022: 0.1404.
    assert value("2022.provincial-average.cn-sc") == (0.1404, True)
    # ref_result.json f2022[8], Beijing 2022: 0.558, no second source.
    assert value("2022.provincial-average.cn-bj") == (0.558, False)
    # ref_result.json f2021[19], Anhui 2021: 0.7075; f2021[1], North China 2021: 0.712.
    assert value("2021.provincial-average.cn-ah") == (0.7075, False)
    assert value("2021.regional-average.cn-north") == (0.712, False)
    # china_grid.csv line 32 = ref_result.json f2021[0]: 0.5568 (not the ETS 0.5703).
    assert value("2021.national-average.cn") == (0.5568, True)
    # china_grid.csv line 13 (marked verified there): 2022 residual-mix-like 0.5856 has no
    # second source in the reference folder, so it is unverified here.
    assert value("2022.national-average-excluding-market-traded-non-fossil.cn") == (0.5856, False)
    row = rows["cn-mee-grid:2023.provincial-average.cn-bj"]
    assert (row.valid_from, row.valid_to, row.unit, row.gas) == (
        date(2023, 1, 1),
        date(2023, 12, 31),
        "kWh",
        "CO2",
    )
    assert row.source_ref.startswith("electricity_cn_2023_official.json factor_records[10]")


@needs_reference
def test_coverage_and_unchanged_ids(rows: dict[str, FactorRow]) -> None:
    grid = [r for r in rows.values() if r.activity == "electricity.grid"]
    per_year = {
        year: sorted(r.region for r in grid if r.valid_from == date(year, 1, 1))
        for year in (2021, 2022, 2023)
    }
    # 1 national + 7 regional + 30 provinces each year (no Tibet: see EXCLUDED).
    assert {year: len(regions) for year, regions in per_year.items()} == {
        2021: 38,
        2022: 38,
        2023: 38,
    }
    assert "CN-XZ" not in {r.region for r in rows.values()}
    assert len(rows) == 122
    # Ids of the factors shipped before the transcriptions were added are unchanged.
    for fid in (
        "cn-mee-grid:2023.regional-average.cn-southwest",
        "cn-mee-grid:2022.provincial-average.cn-sc",
        "cn-mee-grid:2019-2020.ets-power-sector-national-grid-average.cn",
        "cn-mee-grid:2022.ets-power-sector-national-grid-average.cn",
    ):
        assert fid in rows


@needs_reference
def test_the_sources_agree_today() -> None:
    comparison = mee.compare(REFERENCE, mee.read_grid(REFERENCE / GRID))
    assert comparison.disagreements() == []
    assert set(comparison.excluded) == {(2023, mee.PROVINCIAL, "CN-XZ")}


# ----------------------------------------------------------------------------------------------
# Changed copies


@needs_reference
def test_changed_transcription_of_a_verified_value_stops_the_build(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    # ref_result.json f2022[1], North China 0.6776 = china_grid.csv line 15 (verified): changed.
    change_ref_result(ref, 2022, 1, 0.6777)
    with pytest.raises(
        BuildError, match=re.escape("china_grid.csv line 15 gives 0.6776 (marked verified")
    ):
        list(mee.build(ref))


@needs_reference
def test_changed_transcription_of_an_unverified_value_is_reported(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    # ref_result.json f2022[10], Hebei 0.7252 = china_grid.csv line 22 (unverified): changed.
    change_ref_result(ref, 2022, 10, 0.7253)
    hebei = {r.factor_id: r for r in mee.build(ref)}["cn-mee-grid:2022.provincial-average.cn-he"]
    assert hebei.value == 0.7252 and not hebei.verified
    assert "ref_result.json f2022[10] gives 0.7253" in hebei.note
    comparison = mee.compare(ref, mee.read_grid(ref / GRID))
    assert comparison.disagreements() == [
        "(2022, 'provincial_average', 'CN-HE'): shipped 0.7252 (china_grid.csv line 22);"
        " ref_result.json f2022[10] gives 0.7253;"
    ]


@needs_reference
def test_rows_are_cited_by_their_real_line(tmp_path: Path) -> None:
    ref = copy_reference(tmp_path)
    path = ref / GRID
    lines = path.read_text(encoding="utf-8").split("\n")
    # A blank line after line 10 (the csv reader skips it): Sichuan 2022 moves to line 31.
    path.write_text("\n".join([*lines[:10], "", *lines[10:]]), encoding="utf-8")
    sichuan = {r.factor_id: r for r in mee.build(ref)}["cn-mee-grid:2022.provincial-average.cn-sc"]
    assert sichuan.source_ref.startswith("china_grid.csv line 31;")
    assert "china_grid.csv line 31 and ref_result.json f2022[30] agree" in sichuan.note
