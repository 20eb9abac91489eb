"""The closest known names for a mistyped one (model/suggest.py)."""

from __future__ import annotations

from zerotrail.model.suggest import closest, did_you_mean, key_candidates, region_codes


def test_one_clear_winner_is_named_alone() -> None:
    # fugitive.R-410A scores 0.97 against the typed name, R-410B 0.90: only the first is named.
    known = ["fugitive.R-410A", "fugitive.R-410B", "fugitive.R-134a"]
    assert did_you_mean("fugitive.R410A", known) == "; did you mean fugitive.R-410A?"


def test_equally_close_names_are_all_named_up_to_three() -> None:
    known = ["US-RFCE", "US-RFCM", "US-RFCW", "US-CAMX"]
    assert did_you_mean("US-RFWC", known) == "; did you mean US-RFCE, US-RFCM or US-RFCW?"


def test_case_is_ignored_and_the_first_spelling_given_is_named() -> None:
    assert closest("mmbtuu", ["mmBtu", "MMBtu", "kWh"]) == ["mmBtu"]
    assert closest("us-rfcw", ["US-RFCW"]) == ["US-RFCW"]


def test_nothing_close_and_the_name_itself_suggest_nothing() -> None:
    assert did_you_mean("zzzz", ["electricity.grid"]) == ""
    assert closest("GB", ["GB"]) == []


def test_key_candidates_stay_in_the_family_when_it_is_known() -> None:
    keys = ["fugitive.R-410A", "freight.road", "electricity.grid"]
    assert key_candidates("fugitive.R410", keys) == ["fugitive.R-410A"]
    assert key_candidates("fugtive.R-410A", keys) == keys


def test_region_codes_hold_countries_subregions_and_global() -> None:
    assert {"GB", "US-RFCW", "CN-EAST", "CN-SC", "GLOBAL"} <= region_codes()
    assert "UK" not in region_codes()
