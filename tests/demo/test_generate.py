"""The Emmet Group demo: same seed, same bytes; documented formats; a consistent company.

The factor library used here is tests/demo/data/library.csv, a small file in the shipped format
(reference/data/factors.csv): the shipped rows of the demo's keys from two editions of each
publisher (DESNZ 2023 and 2024, EPA Hub 2023 and 2024, USEEIO v1.2 and v1.3, MEE 2022 and
2023, IPCC, the fugitive identities), copied. So a record's pinned edition is the nearest one:
2020-2022 records take the 2023 edition (the nearest later), 2025 records the 2024 one (the
nearest earlier). It holds decoys the choice must skip: an unverified truck factor with a
smaller id, a truck factor per vehicle-km, and a GB petrol factor under the fleet's mobile key.
The tests at the end run against the real shipped library once it has been built, and are
skipped until then.
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
from zerotrail.demo.library import (
    CUSTOM_COLUMNS,
    FactorLine,
    choose,
    converts,
    keyed,
    read_library,
    shipped_library,
)
from zerotrail.demo.proxies import PROXIES, PROXY_SET
from zerotrail.demo.scaled import SCALED_COLUMNS, scaled_schema
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
    assert len(demo.all()) == 15
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
    wanted = {p.key: p for p in PROXIES}
    assert proxies
    for p in proxies:
        assert p["factor_set"] == PROXY_SET and p["factor_id"].startswith(PROXY_SET + ":")
        assert p["verified"] == "false"
        assert p["source"].startswith("Proxy: "), p["source"]
        proxy = wanted[p["activity"]]
        assert p["region"] == proxy.region
        original = by_id_gas[(original_id(p["source"]), p["gas"])]
        # The number is the published factor's of the activity the methodology names.
        assert (original.activity, original.region) == (proxy.source_key, proxy.source_region)
        assert p["value"] == original.value
        assert float(p["value"]) == float(original.value)
        assert p["gwp_basis"] == original.gwp_basis
        assert (p["source_url"], p["licence"]) == (original.source_url, original.licence)
        assert p["unit"] == original.unit
        assert p["currency_year"] == original.currency_year
        assert p["value_unit"] == "kg"
        assert proxy.why in p["note"]


def test_the_custom_factor_reader_accepts_the_proxy_file(demo: DemoFiles) -> None:
    rows = read_custom_csv(demo.factors)
    written = read(demo.factors)
    assert [(r.factor_id, r.gas) for r in rows] == [(w["factor_id"], w["gas"]) for w in written]
    assert all(r.factor_set == PROXY_SET and not r.verified for r in rows)
    assert [r.value for r in rows] == [float(w["value"]) for w in written]


def test_the_only_proxy_is_the_e_bike_on_the_years_edition(demo: DemoFiles) -> None:
    spans = {
        (r["factor_id"], r["valid_from"], r["valid_to"], original_id(r["source"]))
        for r in read(demo.factors)
    }
    # The fixture has DESNZ 2023 and 2024: 2020-2023 take 2023's (2020-2022 the nearest later
    # edition), 2024-2025 2024's. No grid factor is back-filled: the engine takes the nearest
    # edition itself.
    small = "commuting.business-travel-land.motorbike.small.km"
    assert spans == {
        (
            f"{PROXY_SET}:commuting.e_bike:CN:2020-2023",
            "2020-01-01",
            "2023-12-31",
            f"desnz-2023:{small}",
        ),
        (
            f"{PROXY_SET}:commuting.e_bike:CN:2024-2025",
            "2024-01-01",
            "2025-12-31",
            f"desnz-2024:{small}",
        ),
    }


def pins(acts: list[dict[str, str]], key: str, region: str) -> dict[str, set[str]]:
    """The factor ids the records of `key` in `region` pin, by year."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in acts:
        if r["activity"] == key and r["region"] == region:
            out[r["period_start"][:4]].add(r["factor_id"])
    return dict(out)


def by_year(early: str, late: str, switch: int) -> dict[str, set[str]]:
    return {str(y): {early if y < switch else late} for y in range(2020, 2026)}


def test_records_outside_a_publishers_region_pin_its_edition_for_the_year(
    acts: list[dict[str, str]],
) -> None:
    # DESNZ (GB) for Chinese rail: the edition the engine would take for a GB record.
    rail = "business-travel-land.rail.national-rail.passenger-km"
    assert pins(acts, "business_travel.rail", "CN") == by_year(
        f"desnz-2023:{rail}", f"desnz-2024:{rail}", 2024
    )
    # Verified before unverified, and only a factor per tonne-km: not the two truck decoys.
    truck = "freighting-goods.hgv-all-diesel.all-hgvs.average-laden.tonne-km"
    assert pins(acts, "freight.truck", "CN") == by_year(
        f"desnz-2023:{truck}", f"desnz-2024:{truck}", 2024
    )
    # USEEIO: v1.2 until v1.3 becomes valid in 2022 (both stay valid: the newest wins).
    assert pins(acts, "spend.naics.334111", "CN") == by_year(
        "useeio-v1.2:naics.334111.usd2021", "useeio-v1.3:naics.334111.usd2022", 2022
    )
    assert pins(acts, "spend.naics.334111", "GB") == by_year(
        "useeio-v1.2:naics.334111.usd2021", "useeio-v1.3:naics.334111.usd2022", 2022
    )
    # Fleet fuel by the litre: the EPA Hub's mobile factor, not the GB decoy under that key.
    assert pins(acts, "mobile_combustion.motor_gasoline", "CN") == by_year(
        "epa-hub-2023:t2.motor-gasoline.gallon", "epa-hub-2024:t2.motor-gasoline.gallon", 2024
    )


def test_records_their_region_covers_pin_nothing(acts: list[dict[str, str]]) -> None:
    # Chinese grid (MEE), gas and generators (IPCC, GLOBAL), flights, sea and air freight
    # (DESNZ at GLOBAL), hotels (DESNZ's China factor), the e-bike proxy (CN), refrigerants;
    # UK and US records find DESNZ, the EPA Hub and USEEIO in their own region.
    native = (
        "electricity.",
        "stationary_combustion.",
        "fugitive.",
        "business_travel.air_",
        "business_travel.hotel",
        "freight.waterborne.",
        "freight.air",
        "commuting.e_bike",
    )
    unpinned = [
        r
        for r in acts
        if r["activity"].startswith(native)
        or r["region"] == "US"
        or (r["region"] == "GB" and not r["activity"].startswith("spend."))
    ]
    assert unpinned and all(r["factor_id"] == "" for r in unpinned)
    # Only Chinese records, and London's spend (USEEIO is US-only), name a factor.
    pinned = [r for r in acts if r["factor_id"]]
    assert {r["region"] for r in pinned} == {"CN", "GB"}
    assert all(r["activity"].startswith("spend.") for r in pinned if r["region"] == "GB")


def check_every_record_finds_a_factor(
    acts: list[dict[str, str]], library: list[FactorLine], proxies: list[dict[str, str]]
) -> None:
    # By key: `choose` keeps only the record's key's rows, so it picks the same factor from
    # them as from the whole library, without scanning every row for every record.
    rows = keyed([*library, *map(FactorLine.from_custom_record, proxies)])
    published = {r.factor_id: r for r in library}
    for r in acts:
        start = date.fromisoformat(r["period_start"])
        if r["factor_id"]:
            # A pin names a published factor of the record's own key in a unit it converts to.
            f = published[r["factor_id"]]
            assert f.activity == r["activity"] and converts(r["unit"], f), r
        else:
            key = r["activity"]
            assert choose(rows.get(key, []), key, r["region"], r["unit"], start), r


def test_every_record_finds_a_factor(demo: DemoFiles, acts: list[dict[str, str]]) -> None:
    check_every_record_finds_a_factor(acts, read_library(LIBRARY), read(demo.factors))


def test_a_library_without_a_needed_factor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FactorError, match="not found"):
        write_demo(tmp_path / "out", library=tmp_path / "missing.csv")
    text = LIBRARY.read_text(encoding="utf-8").splitlines()
    trimmed = tmp_path / "library.csv"
    # Without a published bus factor Chinese commuting by bus has none to pin (the key as a
    # column: DESNZ's factor ids contain "commuting.business-travel-land").
    trimmed.write_text(
        "\n".join(t for t in text if ",commuting.bus," not in t) + "\n", encoding="utf-8"
    )
    with pytest.raises(
        FactorError, match=r"commuting\.bus in CN \(passenger-km; none from UK DESNZ .* in GB"
    ):
        write_demo(tmp_path / "out", library=trimmed)
    # Without the small motorbike there is nothing to derive the e-bike proxy from.
    trimmed.write_text(
        "\n".join(t for t in text if ",commuting.motorcycle.small," not in t) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(FactorError, match=r"commuting\.motorcycle\.small in GB"):
        write_demo(tmp_path / "out", library=trimmed)
    assert not (tmp_path / "out").exists()


def test_write_scaled_writes_the_rows_asked_for(demo: DemoFiles, tmp_path: Path) -> None:
    path = write_scaled(tmp_path / "scaled.parquet", 10_000, batch=3_000, library=LIBRARY)
    table = pq.read_table(path)
    assert table.num_rows == 10_000
    assert table.schema.equals(scaled_schema())
    assert tuple(table.column_names) == SCALED_COLUMNS
    assert pq.ParquetFile(path).metadata.num_row_groups == 4

    rows = table.to_pylist()
    assert len({r["record_id"] for r in rows}) == 10_000
    site_entity = {r["site"]: r["entity"] for r in read(demo.sites)}
    entities = {r["entity"] for r in read(demo.entities)}
    for r in rows:
        assert r["entity"] in entities
        assert r["site"] is None or site_entity[r["site"]] == r["entity"]
        assert 2020 <= r["period_start"].year == r["period_end"].year <= 2025
        if r["entity"] == "EMMET-US":
            assert r["period_start"] >= US_ACQUIRED
        if r["activity"] == "electricity.grid":
            assert (r["unit"], r["scope3_category"], r["supplier"]) == ("kWh", None, None)
            assert r["site"] is not None and r["factor_id"] is None
        else:
            assert r["activity"].startswith("spend.naics.") and r["unit"] == "USD"
            assert r["scope3_category"] in (1, 2) and r["supplier"]
            # A purchase outside the US pins the USEEIO edition of its year, as in the demo.
            if r["region"] == "US":
                assert r["factor_id"] is None
            else:
                code = r["activity"].rsplit(".", 1)[1]
                edition = "v1.2" if r["period_start"].year < 2022 else "v1.3"
                dollars = "2021" if edition == "v1.2" else "2022"
                assert r["factor_id"] == f"useeio-{edition}:naics.{code}.usd{dollars}", r
    kinds = {r["activity"] for r in rows}
    assert "electricity.grid" in kinds and len(kinds) > 3
    assert {r["region"] for r in rows if r["factor_id"]} >= {"CN", "GB"}


def test_write_scaled_is_repeatable(tmp_path: Path) -> None:
    a = write_scaled(tmp_path / "a.parquet", 5_000, seed=11, batch=2_000, library=LIBRARY)
    b = write_scaled(tmp_path / "b.parquet", 5_000, seed=11, batch=2_000, library=LIBRARY)
    assert pq.read_table(a).equals(pq.read_table(b))
    empty = write_scaled(tmp_path / "e.parquet", 0, library=LIBRARY)
    assert pq.read_table(empty).num_rows == 0


@pytest.fixture(scope="module")
def shipped_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """The demo's files written with the real shipped library (the default), once for the
    three tests below (the same seed writes the same bytes, as tested above)."""
    return write_demo(tmp_path_factory.mktemp("shipped-demo"))


@pytest.fixture(scope="module")
def shipped_rows() -> list[FactorLine]:
    """The shipped library's rows, read once (some 29,000 lines)."""
    return read_library()


@pytest.mark.skipif(not SHIPPED, reason="the shipped factor library has not been built yet")
def test_shipped_library_proxies_copy_its_numbers(
    shipped_demo: DemoFiles, shipped_rows: list[FactorLine]
) -> None:
    check_proxies(read(shipped_demo.factors), shipped_rows)


@pytest.mark.skipif(not SHIPPED, reason="the shipped factor library has not been built yet")
def test_shipped_library_pins_and_proxies_cover_every_record(
    shipped_demo: DemoFiles, shipped_rows: list[FactorLine]
) -> None:
    check_every_record_finds_a_factor(
        read(shipped_demo.activities), shipped_rows, read(shipped_demo.factors)
    )


@pytest.mark.skipif(not SHIPPED, reason="the shipped factor library has not been built yet")
def test_no_proxy_stands_in_for_a_published_factor(
    shipped_demo: DemoFiles, shipped_rows: list[FactorLine]
) -> None:
    files = shipped_demo
    published = {r.activity for r in shipped_rows}
    proxy_keys = {r["activity"] for r in read(files.factors)}
    # The proxies are for what no publisher covers: no shipped set has a factor for their keys,
    # in any region, edition or unit. (A key a publisher covers is pinned instead, pins.py.)
    assert proxy_keys == {p.key for p in PROXIES}
    assert not proxy_keys & published
