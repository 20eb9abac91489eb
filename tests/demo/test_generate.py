"""The Emmet Group demo: same seed, same bytes; documented formats; a consistent company.

The factor library used here is tests/demo/data/library.csv, a small file in the shipped format
(reference/data/factors.csv). Its values are rounded from the EPA Hub 2024, USEEIO v1.2, MEE,
DESNZ and IPCC reference rows; they only need to be a library to derive proxies from. It holds
decoys the derivation must skip: a GB petrol factor, a per-vehicle-mile truck factor, an
unverified USEEIO v1.3 factor and a CH4 row on a per-gallon fuel factor. The tests at the end
run against the real shipped library once it has been built, and are skipped until then.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from zerotrail.demo import DemoFiles, write_demo, write_scaled
from zerotrail.demo.company import PC, PC_ACQUIRED, US_ACQUIRED
from zerotrail.demo.library import CUSTOM_COLUMNS, FactorLine, read_library, shipped_library
from zerotrail.demo.proxies import PROXY_SET, gaps
from zerotrail.demo.scaled import SCALED_COLUMNS, scaled_schema
from zerotrail.demo.streams import lines
from zerotrail.errors import FactorError
from zerotrail.ingest.factors import read_custom_csv
from zerotrail.ingest.formats import (
    ACTIVITIES,
    BASELINE_EVENTS,
    COOLING,
    CREDITS,
    ENTITIES,
    INITIATIVES,
    INSTRUMENTS,
    METERS,
    METRICS,
    SITES,
    SUPPLIERS,
)
from zerotrail.model.keys import family_of, key_problem
from zerotrail.model.regions import market_of, region_problem
from zerotrail.units import check_unit

LIBRARY = Path(__file__).parent / "data" / "library.csv"
SHIPPED = shipped_library().is_file()
# The evidence pattern the activity import accepts (ingest/activities.py).
EVIDENCE = re.compile(r"((sha256:[0-9a-fA-F]{64}|[A-Za-z][A-Za-z0-9+.-]*:\S+)(\s+|$))+")
ORIGINAL_ID = re.compile(r" factor (\S+), applied to ")


def original_id(source: str) -> str:
    """The shipped factor id a proxy's `source` names."""
    m = ORIGINAL_ID.search(source)
    assert m, source
    return m.group(1)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo(tmp_path_factory.mktemp("demo"), library=LIBRARY)


@pytest.fixture(scope="module")
def acts(demo: DemoFiles) -> list[dict[str, str]]:
    return read(demo.activities)


def test_same_seed_writes_the_same_bytes(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo(tmp_path, library=LIBRARY)
    assert len(demo.all()) == 13
    for first, second in zip(demo.all(), again.all(), strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), first.name


def test_another_seed_changes_the_months_but_not_the_years(demo: DemoFiles, tmp_path: Path) -> None:
    other = write_demo(tmp_path, seed=7, library=LIBRARY)
    # The monthly records, and the meters that follow them, change with the seed...
    assert other.activities.read_bytes() != demo.activities.read_bytes()
    assert other.meters.read_bytes() != demo.meters.read_bytes()
    # ...the yearly tables do not.
    for first, second in zip(demo.all(), other.all(), strict=True):
        if first.name not in ("activities.csv", "meters.csv"):
            assert first.read_bytes() == second.read_bytes(), first.name

    def totals(path: Path) -> dict[tuple[str, ...], float]:
        out: dict[tuple[str, ...], float] = defaultdict(float)
        for r in read(path):
            key = (r["period_start"][:4], r["entity"], r["site"], r["activity"], r["unit"])
            out[key] += float(r["quantity"])
        return out

    a, b = totals(demo.activities), totals(other.activities)
    assert a.keys() == b.keys()
    for key in a:
        # Each year's last period takes the rounding remainder: totals agree to the 3 decimals.
        assert a[key] == pytest.approx(b[key], abs=0.01), key


def test_every_file_has_its_documented_header(demo: DemoFiles) -> None:
    assert header(demo.entities) == list(ENTITIES.names)
    assert header(demo.sites) == list(SITES.names)
    assert header(demo.factors) == list(CUSTOM_COLUMNS)
    assert header(demo.instruments) == list(INSTRUMENTS.names)
    assert header(demo.activities) == list(ACTIVITIES.names)
    assert header(demo.metrics) == list(METRICS.names)
    assert header(demo.suppliers) == list(SUPPLIERS.names)
    assert header(demo.meters) == list(METERS.names)
    assert header(demo.cooling) == list(COOLING.names)
    assert header(demo.initiatives) == list(INITIATIVES.names)
    assert header(demo.baseline_events) == list(BASELINE_EVENTS.names)
    assert header(demo.credits) == list(CREDITS.names)
    assert demo.roadmap.name == "roadmap.toml"


def test_the_organisation_hangs_together(demo: DemoFiles) -> None:
    entities = {r["entity"]: r for r in read(demo.entities)}
    assert entities["EMMET"]["parent"] == ""
    assert entities["EMMET-JV"]["financial_control"] == "joint"
    assert entities["EMMET-JV"]["equity_share"] == "50"
    assert all(r["parent"] in entities for r in entities.values() if r["parent"])
    sites = read(demo.sites)
    assert len({s["site"] for s in sites}) == len(sites)
    for s in sites:
        assert s["entity"] in entities, s
        assert region_problem(s["region"]) is None
        if s["kind"] == "data_center_leased":
            assert s["operational_control"] == "no", s


def test_record_ids_are_unique(acts: list[dict[str, str]]) -> None:
    ids = [r["record_id"] for r in acts]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"A20(2[0-5])-\d{6}", i) for i in ids)


def test_activities_reference_the_organisation(demo: DemoFiles, acts: list[dict[str, str]]) -> None:
    entities = {r["entity"] for r in read(demo.entities)}
    site_entity = {r["site"]: r["entity"] for r in read(demo.sites)}
    for r in acts:
        assert r["entity"] in entities
        if r["site"]:
            assert site_entity[r["site"]] == r["entity"], r
        start, end = date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"])
        assert date(2020, 1, 1) <= start <= end <= date(2025, 12, 31)
        assert start.year == end.year
        if r["entity"] == "EMMET-US":
            assert start >= US_ACQUIRED, r
        if r["entity"] == PC:
            assert start >= PC_ACQUIRED, r
    assert any(r["entity"] == PC and r["period_start"] == "2023-07-01" for r in acts)


def test_activities_are_well_formed(acts: list[dict[str, str]]) -> None:
    for r in acts:
        assert key_problem(r["activity"]) is None
        family = family_of(r["activity"])
        assert family is not None
        assert region_problem(r["region"]) is None
        check_unit(r["unit"])
        quantity = float(r["quantity"])
        assert quantity >= 0 or family.allow_negative, r
        category = r["scope3_category"]
        if family.scope == 3:
            assert category == "" or int(category) in family.allowed_categories, r
        else:
            assert category == "", r
        if r["evidence"]:
            assert EVIDENCE.fullmatch(r["evidence"]), r["evidence"]
    assert any(float(r["quantity"]) < 0 for r in acts), "expected a few spend credit notes"
    assert {r["scope3_category"] for r in acts if r["activity"].startswith("spend.")} == {"1", "2"}


def test_chinese_records_carry_cn_and_electricity_its_grid(
    demo: DemoFiles, acts: list[dict[str, str]]
) -> None:
    site_region = {r["site"]: r["region"] for r in read(demo.sites)}
    country = {r["entity"]: r["country"] for r in read(demo.entities)}
    for r in acts:
        if r["activity"].startswith("electricity."):
            assert r["region"] == site_region[r["site"]], r
        else:
            assert r["region"] == country[r["entity"]], r


def test_instruments_lie_within_one_year_and_reference_the_organisation(
    demo: DemoFiles,
) -> None:
    entities = {r["entity"] for r in read(demo.entities)}
    site_entity = {r["site"]: r["entity"] for r in read(demo.sites)}
    rows = read(demo.instruments)
    assert len({r["instrument_id"] for r in rows}) == len(rows)
    for r in rows:
        start, end = date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"])
        assert start <= end and start.year == end.year, r
        assert float(r["mwh"]) > 0
        assert r["entity"] in entities
        assert site_entity[r["site"]] == r["entity"]
        assert (r["status"] == "held") == (r["retired_on"] == ""), r


def test_three_instruments_are_there_to_be_refused(demo: DemoFiles) -> None:
    site_region = {r["site"]: r["region"] for r in read(demo.sites)}
    rows = read(demo.instruments)
    held = [r for r in rows if r["status"] == "held"]
    wrong_year = [r for r in rows if not 2020 <= int(r["period_start"][:4]) <= 2025]
    wrong_market = [r for r in rows if market_of(r["region"]) != market_of(site_region[r["site"]])]
    assert [len(held), len(wrong_year), len(wrong_market)] == [1, 1, 1]


def test_renewable_share_of_leased_data_centres_reaches_30_percent(
    demo: DemoFiles, acts: list[dict[str, str]]
) -> None:
    kinds = {r["site"]: r["kind"] for r in read(demo.sites)}
    leased = {s for s, k in kinds.items() if k == "data_center_leased"}

    def share(year: str) -> float:
        used = sum(
            float(r["quantity"])
            for r in acts
            if r["site"] in leased
            and r["period_start"].startswith(year)
            and r["activity"] == "electricity.grid"
            and r["unit"] == "MWh"
        )
        covered = sum(
            float(r["mwh"])
            for r in read(demo.instruments)
            if r["site"] in leased
            and r["period_start"].startswith(year)
            and r["status"] == "retired"
        )
        return covered / used

    shares = [share(str(y)) for y in range(2020, 2026)]
    assert shares == sorted(shares)
    assert shares[0] < 0.05
    # 2025: I-RECs 32% of 314,000 MWh in China plus 4,000 MWh of US RECs, over 329,800 MWh.
    assert shares[-1] == pytest.approx(0.317, abs=0.002)


def test_proxies_copy_library_numbers_and_name_their_origin(demo: DemoFiles) -> None:
    check_proxies(read(demo.factors), read_library(LIBRARY))


def check_proxies(proxies: list[dict[str, str]], library: list[FactorLine]) -> None:
    by_id_gas = {(r.factor_id, r.gas): r for r in library}
    assert proxies
    for p in proxies:
        assert p["factor_set"] == PROXY_SET and p["factor_id"].startswith(PROXY_SET + ":")
        assert p["verified"] == "false"
        assert p["source"].startswith("Proxy: "), p["source"]
        original = by_id_gas[(original_id(p["source"]), p["gas"])]
        assert p["value"] == original.value
        assert float(p["value"]) == float(original.value)
        assert p["gwp_basis"] == original.gwp_basis
        assert (p["source_url"], p["licence"]) == (original.source_url, original.licence)
        assert p["unit"] == original.unit and p["activity"] == original.activity
        # A spend proxy keeps its dollar year, so its spend is deflated (or flagged) like the
        # original's.
        assert p["currency_year"] == original.currency_year
        assert bool(p["currency_year"]) == (p["unit"] == "USD")
        assert p["value_unit"] == "kg"


def test_the_custom_factor_reader_accepts_the_proxy_file(demo: DemoFiles) -> None:
    rows = read_custom_csv(demo.factors)
    written = read(demo.factors)
    assert [(r.factor_id, r.gas) for r in rows] == [(w["factor_id"], w["gas"]) for w in written]
    assert all(r.factor_set == PROXY_SET and not r.verified for r in rows)
    assert [r.value for r in rows] == [float(w["value"]) for w in written]


def test_proxies_pick_the_right_source_factor(demo: DemoFiles) -> None:
    rows = read(demo.factors)

    def origin(key: str) -> set[tuple[str, str, str]]:
        return {
            (original_id(r["source"]), r["gas"], r["region"])
            for r in rows
            if r["factor_id"] == f"{PROXY_SET}:{key}"
        }

    # Per litre, only CO2 exists; the US factor, not the GB one.
    assert origin("mobile_combustion.motor_gasoline") == {
        ("epa-hub-2024:t2.motor-gasoline", "CO2", "GLOBAL")
    }
    # tonne-km records need the per-ton-mile truck factor.
    assert {o for o, _, _ in origin("freight.truck")} == {"epa-hub-2024:t8.truck.ton-mile"}
    # Verified v1.2 before unverified v1.3.
    assert origin("spend.naics.334111") == {("useeio-v1.2:334111", "CO2e", "GLOBAL")}
    for r in rows:
        if r["region"] == "GLOBAL":
            assert (r["valid_from"], r["valid_to"]) == ("2020-01-01", "2025-12-31")


def test_grid_factors_are_back_filled_before_the_first_edition(demo: DemoFiles) -> None:
    spans = {
        (r["region"], r["valid_from"], r["valid_to"])
        for r in read(demo.factors)
        if r["activity"] == "electricity.grid"
    }
    # Library: China national from 2021, regional from 2022; DESNZ from 2023; eGRID from 2024.
    assert spans == {
        ("CN", "2020-01-01", "2020-12-31"),
        ("GB", "2020-01-01", "2022-12-31"),
        ("US-RFCE", "2023-01-01", "2023-12-31"),
    }


def test_every_record_finds_a_factor(demo: DemoFiles) -> None:
    rows = [*read_library(LIBRARY), *map(FactorLine.from_custom_record, read(demo.factors))]
    assert gaps(rows, lines()) == []


def test_a_library_without_a_needed_factor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FactorError, match="not found"):
        write_demo(tmp_path / "out", library=tmp_path / "missing.csv")
    text = LIBRARY.read_text(encoding="utf-8").splitlines()
    trimmed = tmp_path / "library.csv"
    trimmed.write_text(
        "\n".join(t for t in text if "commuting.bus" not in t) + "\n", encoding="utf-8"
    )
    with pytest.raises(FactorError, match=r"commuting\.bus"):
        write_demo(tmp_path / "out", library=trimmed)
    assert not (tmp_path / "out").exists()


def test_write_scaled_writes_the_rows_asked_for(demo: DemoFiles, tmp_path: Path) -> None:
    path = write_scaled(tmp_path / "scaled.parquet", 10_000, batch=3_000)
    table = pq.read_table(path)
    assert table.num_rows == 10_000
    assert table.schema.equals(scaled_schema())
    assert tuple(table.column_names) == SCALED_COLUMNS
    assert pq.ParquetFile(path).metadata.num_row_groups == 4

    rows = table.to_pylist()
    assert len({r["record_id"] for r in rows}) == 10_000
    site_entity = {r["site"]: r["entity"] for r in read(demo.sites)}
    entities = {r["entity"] for r in read(demo.entities)}
    proxy_keys = {r["activity"] for r in read(demo.factors)}
    for r in rows:
        assert r["entity"] in entities
        assert r["site"] is None or site_entity[r["site"]] == r["entity"]
        assert 2020 <= r["period_start"].year == r["period_end"].year <= 2025
        if r["entity"] == "EMMET-US":
            assert r["period_start"] >= US_ACQUIRED
        if r["activity"] == "electricity.grid":
            assert (r["unit"], r["scope3_category"], r["supplier"]) == ("kWh", None, None)
            assert r["site"] is not None
        else:
            assert r["activity"] in proxy_keys and r["unit"] == "USD"
            assert r["scope3_category"] in (1, 2) and r["supplier"]
    kinds = {r["activity"] for r in rows}
    assert "electricity.grid" in kinds and len(kinds) > 3


def test_write_scaled_is_repeatable(tmp_path: Path) -> None:
    a = write_scaled(tmp_path / "a.parquet", 5_000, seed=11, batch=2_000)
    b = write_scaled(tmp_path / "b.parquet", 5_000, seed=11, batch=2_000)
    assert pq.read_table(a).equals(pq.read_table(b))
    assert pq.read_table(write_scaled(tmp_path / "e.parquet", 0)).num_rows == 0


@pytest.mark.skipif(not SHIPPED, reason="the shipped factor library has not been built yet")
def test_shipped_library_proxies_copy_its_numbers(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    check_proxies(read(files.factors), read_library())


@pytest.mark.skipif(not SHIPPED, reason="the shipped factor library has not been built yet")
def test_shipped_library_and_proxies_cover_every_record(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    rows = [*read_library(), *map(FactorLine.from_custom_record, read(files.factors))]
    assert gaps(rows, lines()) == []
