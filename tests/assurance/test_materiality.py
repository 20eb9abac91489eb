"""Materiality: the text forms, the rules in tonnes, and the thresholds for an inventory."""

from __future__ import annotations

import math

import pytest

from zerotrail.assurance.materiality import (
    Materiality,
    Thresholds,
    parse_materiality,
    thresholds,
)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("5%", 5.0, "percent"),
        ("5 %", 5.0, "percent"),
        ("0.5%", 0.5, "percent"),
        ("100%", 100.0, "percent"),
        ("1200t", 1200.0, "t"),
        ("1200 t", 1200.0, "t"),
        ("1200 T", 1200.0, "t"),
        ("  12.5 t  ", 12.5, "t"),
        (".5t", 0.5, "t"),
    ],
)
def test_parse_accepts(text: str, value: float, unit: str) -> None:
    assert parse_materiality(text) == Materiality(value, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a percent"),
        ("5", "expected a percent"),
        ("5 %%", "expected a percent"),
        ("5% t", "expected a percent"),
        ("%", "expected a percent"),
        ("nan%", "expected a percent"),
        ("inf t", "expected a percent"),
        ("1,200 t", "expected a percent"),
        ("1e3 t", "expected a percent"),
        ("1200 tonnes", "expected a percent"),
        ("-5%", "must be more than zero"),
        ("0%", "must be more than zero"),
        ("0 t", "must be more than zero"),
        ("100.5%", "cannot exceed 100%"),
    ],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_materiality(text)
    # One line that names what was given.
    assert "\n" not in str(caught.value)
    assert "materiality" in str(caught.value)


def test_constructor_refuses_non_numbers_and_units() -> None:
    with pytest.raises(ValueError, match="finite"):
        Materiality(math.nan, "percent")
    with pytest.raises(ValueError, match="finite"):
        Materiality(math.inf, "t")
    with pytest.raises(ValueError, match="unit"):
        Materiality(5.0, "kg")  # type: ignore[arg-type]


def test_tonnes() -> None:
    # 5 % of 34,000 t = 1,700 t
    assert Materiality(5, "percent").tonnes(34_000) == pytest.approx(1_700)
    # A tonnes rule ignores the base.
    assert Materiality(1_200, "t").tonnes(34_000) == 1_200
    assert Materiality(1_200, "t").tonnes(0) == 1_200
    assert Materiality(5, "percent").tonnes(0) == 0
    with pytest.raises(ValueError, match="base"):
        Materiality(5, "percent").tonnes(-1)
    with pytest.raises(ValueError, match="base"):
        Materiality(5, "percent").tonnes(math.nan)


def test_str_round_trips() -> None:
    for text in ("5%", "2.5%", "1200 t"):
        assert str(parse_materiality(text)) == text


def test_thresholds_percent_overall_with_a_scope_rule() -> None:
    # Totals 10,000 + 4,000 + 20,000 = 34,000 t; overall 5 % = 1,700 t.
    # Scope 1 has its own 2 %: 2 % of 10,000 = 200 t.
    # Scopes 2 and 3 take the overall percent of their own totals: 5 % of 4,000 = 200 t,
    # 5 % of 20,000 = 1,000 t.
    got = thresholds(
        parse_materiality("5%"),
        {1: parse_materiality("2%")},
        {1: 10_000, 2: 4_000, 3: 20_000},
    )
    assert got.overall_t == pytest.approx(1_700)
    assert got.scope1_t == pytest.approx(200)
    assert got.scope2_t == pytest.approx(200)
    assert got.scope3_t == pytest.approx(1_000)
    # Performance materiality 75 %, clearly trivial 5 % of each.
    assert got.performance_t() == pytest.approx(1_275)
    assert got.performance_t(1) == pytest.approx(150)
    assert got.trivial_t() == pytest.approx(85)
    assert got.trivial_t(3) == pytest.approx(50)


def test_thresholds_tonnes_overall_applies_to_scopes_without_a_rule() -> None:
    # Overall 1,200 t; scope 3 has its own 3 % of 20,000 = 600 t; scopes 1 and 2 take 1,200 t.
    got = thresholds(
        parse_materiality("1200 t"),
        {3: parse_materiality("3%")},
        {1: 10_000, 2: 4_000, 3: 20_000},
        performance_share=0.5,
        trivial_share=0.1,
    )
    assert (got.overall_t, got.scope1_t, got.scope2_t) == (1_200, 1_200, 1_200)
    assert got.scope3_t == pytest.approx(600)
    # 50 % and 10 % of 600 t
    assert got.performance_t(3) == pytest.approx(300)
    assert got.trivial_t(3) == pytest.approx(60)


def test_thresholds_missing_scope_counts_as_zero() -> None:
    # No scope 3 figure: 5 % of 0 t is 0 t, and the overall base is 10,000 + 4,000 = 14,000 t.
    got = thresholds(parse_materiality("5%"), {}, {1: 10_000, 2: 4_000})
    assert got.scope3_t == 0
    assert got.overall_t == pytest.approx(700)


@pytest.mark.parametrize(
    ("per_scope", "totals", "message"),
    [
        ({4: Materiality(1, "percent")}, {1: 1.0}, "scope 4"),
        ({}, {0: 1.0}, "scope 0"),
        ({}, {1: -1.0}, "scope 1 total"),
        ({}, {2: math.nan}, "scope 2 total"),
    ],
)
def test_thresholds_refuses(
    per_scope: dict[int, Materiality], totals: dict[int, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        thresholds(Materiality(5, "percent"), per_scope, totals)


@pytest.mark.parametrize(
    ("performance", "trivial"),
    [(0.75, 0.0), (0.75, 0.8), (1.5, 0.05), (math.nan, 0.05), (0.75, math.nan)],
)
def test_threshold_shares_are_checked(performance: float, trivial: float) -> None:
    with pytest.raises(ValueError, match="share"):
        Thresholds(100, 50, 50, 50, performance_share=performance, trivial_share=trivial)


def test_thresholds_refuse_bad_tonnes_and_scopes() -> None:
    with pytest.raises(ValueError, match="scope2_t"):
        Thresholds(100, 50, -1, 50)
    with pytest.raises(ValueError, match="scope 4"):
        Thresholds(100, 50, 50, 50).materiality_t(4)


def test_only_ascii_digits_are_a_materiality() -> None:
    # U+0665 ARABIC-INDIC DIGIT FIVE: float() reads it, but the engagement must store what the
    # docs say it takes.
    with pytest.raises(ValueError, match="expected a percent"):
        parse_materiality("\u0665%")
