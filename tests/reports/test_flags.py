"""The report's flags: every flag the engine can raise has words, and the report's flag table
counts records and t CO2e as the run's results give them.

The hand-made world (`flag_world`, 2023, AR5, operational control) uses its own factors, each
pinned by its record, so every figure is round:
  set "flagtest" (source "test factors: round numbers"):
    ft-elec    electricity.grid, GLOBAL, 1 t CO2/MWh, valid 2020-2025, unverified (no column)
    ft-diesel  stationary_combustion.diesel, GLOBAL, 0.1 t CO2/GJ, valid 2020 only, verified
    ft-spend   spend.widgets, GLOBAL, 0.5 kg CO2e (AR5) per USD of 2021, valid 2021-, verified
  set "flagsteel" (source "test factors: steel"):
    fs-steel   purchased_goods.steel, CN, 2 t CO2e (AR5)/t, valid 2020-2025, verified
and the records (entity E operated; X, E's subsidiary, not operated: 0% under operational
control), with the market-based figure where it differs (China's 2023 residual-like mix,
MEE/NBS, shipped: 0.6096 t/MWh; Great Britain has no residual mix in the library):
  e1  E  100 MWh grid, CN-EAST   100 t, market 100 x 0.6096 = 60.96 t  global, unverified
  e2  E   10 MWh grid, GB         10 t, market 10 t (location)  global, unverified, no residual mix
  d1  E  200 GJ diesel, CN-EAST   200 x 0.1 = 20 t   global, edition 2020 for 2023
  s1  E  10,000 USD widgets       10,000 x 0.5 kg = 5 t   global, spend not deflated (no indices)
  x1  X  300 GJ diesel            0 t (share 0)   global, edition 2020, excluded
  p1  E  50 t steel, CN-EAST      50 x 2 = 100 t   factor of a wider region (CN)
Totals: location 100 + 10 + 20 + 5 + 0 + 100 = 235 t; market 60.96 + 10 + 20 + 5 + 100 = 195.96 t.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import load
from zerotrail.engine import emissions, reference
from zerotrail.engine.settings import InventorySettings
from zerotrail.model.flags import GWP_FLAGS, RESULT_FLAGS, FlagTally, describe
from zerotrail.pipeline.calculation import calculate
from zerotrail.reference import gwp
from zerotrail.reports.flag_table import detail, flag_rows
from zerotrail.store.flag_effects import flag_tallies
from zerotrail.store.workspace import Workspace

DOCS = Path(__file__).resolve().parents[2] / "docs"
YEAR = 2023
RESIDUAL_CN_2023 = 0.6096  # t CO2/MWh, MEE/NBS national residual-like mix, shipped

ENTITIES = [
    {
        "entity": "E",
        "name": "Flag Co",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    },
    {
        "entity": "X",
        "name": "Not operated",
        "parent": "E",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "no",
        "country": "CN",
    },
]


def _factor(
    fid: str, fset: str, key: str, region: str, unit: str, gas: str, value: float, **kw: Any
) -> dict[str, Any]:
    return {
        "factor_id": fid,
        "factor_set": fset,
        "activity": key,
        "region": region,
        "valid_from": "2020-01-01",
        "valid_to": "2025-12-31",
        "unit": unit,
        "gas": gas,
        "value": value,
        "value_unit": "t",
        "gwp_basis": "AR5" if gas == "CO2e" else "",
        "source": "test factors: steel" if fset == "flagsteel" else "test factors: round numbers",
        **kw,
    }


FACTORS = [
    _factor("ft-elec", "flagtest", "electricity.grid", "GLOBAL", "MWh", "CO2", 1.0),
    _factor(
        "ft-diesel",
        "flagtest",
        "stationary_combustion.diesel",
        "GLOBAL",
        "GJ",
        "CO2",
        0.1,
        valid_to="2020-12-31",
        verified="true",
    ),
    _factor(
        "ft-spend",
        "flagtest",
        "spend.widgets",
        "GLOBAL",
        "USD",
        "CO2e",
        0.5,
        value_unit="kg",
        valid_from="2021-01-01",
        valid_to="",
        currency_year=2021,
        verified="true",
    ),
    _factor(
        "fs-steel", "flagsteel", "purchased_goods.steel", "CN", "t", "CO2e", 2.0, verified="true"
    ),
]


def _record(
    rid: str, key: str, qty: float, unit: str, fid: str, region: str = "CN-EAST", entity: str = "E"
) -> dict[str, Any]:
    return {
        "record_id": rid,
        "entity": entity,
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": region,
        "factor_id": fid,
    }


RECORDS = [
    _record("e1", "electricity.grid", 100, "MWh", "ft-elec"),
    _record("e2", "electricity.grid", 10, "MWh", "ft-elec", region="GB"),
    _record("d1", "stationary_combustion.diesel", 200, "GJ", "ft-diesel"),
    _record("s1", "spend.widgets", 10_000, "USD", "ft-spend"),
    _record("x1", "stationary_combustion.diesel", 300, "GJ", "ft-diesel", entity="X"),
    _record("p1", "purchased_goods.steel", 50, "t", "fs-steel"),
]

# flag: (records, t CO2e, market-based t CO2e), from the module docstring's records.
EXPECTED = {
    "global_factor": (5, 100 + 10 + 20 + 5 + 0, 100 * RESIDUAL_CN_2023 + 10 + 20 + 5 + 0),
    "unverified_factor": (2, 100 + 10, 100 * RESIDUAL_CN_2023 + 10),
    "residual_mix_missing": (1, 10, 10),
    "edition_year_mismatch": (2, 20 + 0, 20 + 0),
    "spend_not_deflated": (1, 5, 5),
    "excluded_by_consolidation": (1, 0, 0),
    "parent_region_factor": (1, 100, 100),
}


def build_flag_world(ws: Workspace, folder: Path) -> None:
    load(ws, folder, activities=RECORDS, entities=ENTITIES, factors=FACTORS)
    calculate(ws, InventorySettings(YEAR, "AR5", "operational_control"))


@pytest.fixture
def flag_world(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    ws = open_copy(workspace_template(build_flag_world), tmp_path)
    try:
        yield ws
    finally:
        ws.close()


def run_id(ws: Workspace) -> str:
    return str(ws.scalar("SELECT run_id FROM runs WHERE current AND year = ?", [YEAR]))


# --- the vocabulary -----------------------------------------------------------------------------


def _pairs(tree: ast.AST) -> set[str]:
    """The names of `(condition, "name")` pairs in a piece of code: how the engine and its
    oracle list the flags they raise."""
    return {
        node.elts[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and isinstance(node.elts[1], ast.Constant)
        and isinstance(node.elts[1].value, str)
    }


def engine_flags() -> set[str]:
    """Every flag `engine/emissions.py` raises (its `_flags`), checked against the oracle's."""
    raised = _pairs(ast.parse(inspect.getsource(emissions._flags)))
    oracle = ast.parse(inspect.getsource(reference))
    lists = [
        n.value
        for n in ast.walk(oracle)
        if isinstance(n, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "flags" for t in n.targets)
        and isinstance(n.value, ast.List)
        and n.value.elts  # not the gas flags' `flags = []`
    ]
    assert len(lists) == 1, "the oracle lists its flags in one `flags = [...]`"
    assert _pairs(lists[0]) == raised, "the engine and its oracle raise the same flags"
    return raised


def gwp_flags() -> set[str]:
    """The flag names of reference/gwp.py: its FLAG_* constants."""
    return {v for k, v in vars(gwp).items() if k.startswith("FLAG_") and isinstance(v, str)}


def test_every_flag_the_engine_can_raise_has_words() -> None:
    raised = engine_flags()
    assert len(raised) >= 15 and "spend_not_deflated" in raised  # the parse found the list
    gas_flags = set(gwp._RESULT_FLAGS.values())  # what results carry of the GWP flags
    assert set(RESULT_FLAGS) == raised | gas_flags, "model/flags.py RESULT_FLAGS is out of date"
    assert set(GWP_FLAGS) == gwp_flags(), "model/flags.py GWP_FLAGS is out of date"
    # The two vocabularies name the same GWP facts alike.
    for ref_name, result_name in gwp._RESULT_FLAGS.items():
        assert GWP_FLAGS[ref_name].label == RESULT_FLAGS[result_name].label


def test_the_words_are_for_readers() -> None:
    for vocabulary in (RESULT_FLAGS, GWP_FLAGS):
        labels = [f.label for f in vocabulary.values()]
        assert len(set(labels)) == len(labels), "two flags share a label"
        for name, f in vocabulary.items():
            assert f.name == name
            for text in (f.label, f.meaning, f.effect):
                assert text and "_" not in text, (name, text)  # no code in the words
            assert f.meaning.endswith(".") and f.effect.endswith("."), name


def test_an_unknown_flag_reads_as_words_and_claims_nothing() -> None:
    f = describe("flag_from_the_future")
    assert f.label == "Flag from the future"
    assert "does not describe" in f.meaning
    assert describe("spans_years") is RESULT_FLAGS["spans_years"]
    assert describe("gwp_fallback_ar6") is GWP_FLAGS["gwp_fallback_ar6"]


def test_the_methodology_doc_lists_every_result_flag_with_its_label() -> None:
    text = (DOCS / "methodology.md").read_text()
    table = text.split("\n## Flags\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", table, re.M)
    assert [(n, label.strip()) for n, label in rows] == [
        (f.name, f.label) for f in RESULT_FLAGS.values()
    ]


# --- the tallies of a run -----------------------------------------------------------------------


def test_each_flag_counts_its_records_and_tonnes(flag_world: Workspace) -> None:
    tallies = {t.name: t for t in flag_tallies(flag_world, run_id(flag_world))}
    assert set(tallies) == set(EXPECTED)
    for name, (records, t, market) in EXPECTED.items():
        got = tallies[name]
        assert got.records == records, name
        assert got.co2e_t == pytest.approx(t), name
        assert got.co2e_market_t == pytest.approx(market), name
    # ft-diesel is first valid in 2020, ft-elec in 2020, ft-spend in 2021 (per 2021 USD).
    assert tallies["edition_year_mismatch"].factor_years == (2020,)
    assert tallies["global_factor"].factor_years == (2020, 2021)
    assert tallies["spend_not_deflated"].currency_years == (2021,)
    assert tallies["unverified_factor"].currency_years == ()


def test_the_tallies_count_records_as_the_inventory_does(flag_world: Workspace) -> None:
    from zerotrail.pipeline.inventory import inventory_summary

    tallies = flag_tallies(flag_world, run_id(flag_world))
    assert {t.name: t.records for t in tallies} == inventory_summary(flag_world, YEAR)["flags"]
    assert flag_tallies(flag_world, "no-such-run") == []  # nothing flagged, nothing read


def test_the_flag_rows_say_what_each_flag_does(flag_world: Workspace) -> None:
    rows = flag_rows(flag_tallies(flag_world, run_id(flag_world)), YEAR)
    # Largest location-based t CO2e first (135, 110, 100, 20, 10, 5, 0).
    assert [r["flag"] for r in rows] == [
        "global_factor",
        "unverified_factor",
        "parent_region_factor",
        "edition_year_mismatch",
        "residual_mix_missing",
        "spend_not_deflated",
        "excluded_by_consolidation",
    ]
    by = {r["flag"]: r for r in rows}
    for name, r in by.items():
        words = RESULT_FLAGS[name]
        assert (r["label"], r["meaning"], r["effect"]) == (words.label, words.meaning, words.effect)
    assert by["edition_year_mismatch"]["detail"] == "Here: factors of 2020 for records of 2023."
    assert by["spend_not_deflated"]["detail"] == (
        "Here: spend of 2023 on factors per unit of money of 2021."
    )
    assert by["global_factor"]["detail"] is None
    assert "overstated" in by["spend_not_deflated"]["effect"]


def test_the_detail_names_several_years() -> None:
    t = FlagTally("edition_year_mismatch", 3, 1.0, 1.0, (2019, 2021, 2022), ())
    assert detail(t, 2024) == "Here: factors of 2019, 2021 and 2022 for records of 2024."
    assert detail(FlagTally("spend_not_deflated", 1, 1.0, 1.0, (2022,), ()), 2024) is None


def test_a_run_without_flags_has_no_rows() -> None:
    assert flag_rows([], YEAR) == []


# --- the demo's report, as its readers see it ----------------------------------------------------


def test_every_flag_of_the_demo_report_is_explained(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    rows = d["flags"]
    assert rows, "the demo raises flags"
    # The same records per flag as the inventory's own count (zerotrail inventory).
    assert {r["flag"]: r["records"] for r in rows} == d["inventory"]["flags"]
    total = d["inventory"]["total_location"]
    for r in rows:
        assert r["flag"] in RESULT_FLAGS, r["flag"]
        assert r["meaning"] and r["effect"] and r["label"], r["flag"]
        assert 0 <= r["co2e_t"] <= total + 1e-6, r["flag"]
        assert r["co2e_market_t"] >= 0, r["flag"]
    by = {r["flag"]: r for r in rows}
    # Records outside the boundary carry no emissions; the demo's spend (USEEIO v1.3, per 2022
    # USD) is 2025 spend, not deflated.
    assert by["excluded_by_consolidation"]["co2e_t"] == 0
    assert by["spend_not_deflated"]["currency_years"] == [2022]
    html = (demo_report / "report.html").read_text()
    section = html.split('<h3 id="flags">', 1)[1].split("<h2", 1)[0]
    for r in rows:
        assert r["label"] in section.replace("&#39;", "'"), r["label"]
        assert r["flag"] not in section, r["flag"]  # labels, not codes
