"""Reading a roadmap file: every problem named with the target and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from zerotrail.errors import DataError
from zerotrail.targets.roadmap import ALL_CATEGORIES, Policy, Target, parse_roadmap, read_roadmap


def parse(text: str) -> tuple[list[Target], list[str]]:
    rm = parse_roadmap(tomllib.loads(text), "r.toml")
    return list(rm.targets), [str(p) for p in rm.problems]


def test_the_demo_kinds_parse_with_defaults() -> None:
    targets, problems = parse(
        """
[recalculation]
threshold_pct = 4
cumulative = false

[[target]]
id = "NZ"
kind = "net_zero"
scopes = [3, 1, 2]
base_year = 2020
target_year = 2030
reduction_pct = 90

[[target]]
id = "SUP"
kind = "supplier_engagement"
base_year = 2022
target_year = 2027
share_pct = 70
"""
    )
    assert problems == []
    nz, sup = targets
    assert nz.boundary is not None
    assert nz.boundary.scopes == (1, 2, 3)
    assert nz.boundary.scope2_method == "market"
    assert nz.boundary.scope3_categories == ALL_CATEGORIES  # scope 3 in: all 15 by default
    assert nz.removals == "permanent" and nz.name == "NZ"
    assert sup.basis == "emissions"
    rm = parse_roadmap(tomllib.loads("[recalculation]\nthreshold_pct = 4\ncumulative = false"), "x")
    assert rm.policy == Policy(4.0, False)


def test_definition_round_trips() -> None:
    targets, _ = parse(
        '[[target]]\nid = "A"\nkind = "intensity"\nscopes = [1, 2]\nmetric = "revenue"\n'
        "base_year = 2020\ntarget_year = 2030\nreduction_pct = 50\nscope3_categories = [6]\n"
    )
    t = targets[0]
    assert Target.from_definition(t.definition()) == t


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'id = "X"\nkind = "absolute"\nscopes = [1]\nbase_year = 2020\ntarget_year = 2025',
            "column 'reduction_pct': is required for a absolute target",
        ),
        ('id = "X"\nkind = "carbon"', "column 'kind': expected one of absolute"),
        (
            'id = "X"\nkind = "neutrality"\nscopes = [1, 4]\nfrom_year = 2021',
            "column 'scopes': expected a list of distinct scopes",
        ),
        (
            'id = "X"\nkind = "neutrality"\nscopes = [1]\nfrom_year = 2021\nshare_pct = 3',
            "column 'share_pct': does not apply to a neutrality target",
        ),
        (
            'id = "X"\nkind = "neutrality"\nscopes = [1]\nfrom_year = 2021\ncolour = 3',
            "column 'colour': unknown key",
        ),
        (
            'id = "X"\nkind = "renewable_share"\nsite_kind = "moon"\nbase_year = 2020\n'
            "target_year = 2025\nshare_pct = 30",
            "column 'site_kind': expected one of",
        ),
        (
            'id = "X"\nkind = "absolute"\nscopes = [1]\nbase_year = 2025\ntarget_year = 2020\n'
            "reduction_pct = 10",
            "column 'target_year': must be after the base year 2025",
        ),
        (
            'id = "X"\nkind = "absolute"\nscopes = [1]\nbase_year = 2020\ntarget_year = 2025\n'
            "reduction_pct = 130",
            "column 'reduction_pct': expected a percentage",
        ),
        (
            'id = "two words"\nkind = "neutrality"\nscopes = [1]\nfrom_year = 2021',
            "column 'id': expected a non-empty id without spaces",
        ),
    ],
)
def test_problems_name_the_target_and_key(body: str, expected: str) -> None:
    _, problems = parse("[[target]]\n" + body)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("r.toml [[target]] #1") for p in problems)


def test_duplicate_ids_and_policy_problems() -> None:
    one = '[[target]]\nid = "X"\nkind = "neutrality"\nscopes = [1]\nfrom_year = 2021\n'
    _, problems = parse(one + one + "[recalculation]\nthreshold_pct = 0\ncumulative = 1\n")
    assert any("duplicate id X" in p for p in problems)
    assert any("threshold_pct" in p for p in problems)
    assert any("cumulative" in p for p in problems)


def test_read_roadmap_refuses_bad_toml_and_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[target]\nid=", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.toml") as exc:
        read_roadmap(bad)
    assert "not valid TOML" in str(exc.value.problems[0])
    with pytest.raises(DataError) as exc:
        read_roadmap(tmp_path / "missing.toml")
    assert "missing.toml: file not found" in str(exc.value.problems[0])
