"""Unit conversion: exact published conversions, round trips, and clear dimension errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.errors import UnitError
from zerotrail.units import bridge_factor, check_unit, compatible, conversion_factor, dimension

# Groups of units with the same dimension (each converts to every other in its group).
GROUPS = {
    "volume": ["L", "m3", "gal", "scf", "ccf", "mcf"],
    "mass": ["g", "kg", "t", "lb", "short_ton", "Gg"],
    "energy": ["Wh", "kWh", "MWh", "GWh", "J", "MJ", "GJ", "TJ", "Btu", "mmBtu", "therm"],
    "distance": ["km", "mi"],
    "passenger": ["passenger-km", "pkm", "passenger-mile"],
    "vehicle": ["vehicle-km", "vehicle-mile"],
    "freight": ["tonne-km", "tkm", "ton-mile"],
    "money": ["USD", "kUSD"],
}
ALL = [(g, u) for g, units in GROUPS.items() for u in units]


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [
        ("gal", "L", 3.785411784),  # US gallon, exact by definition
        ("lb", "kg", 0.45359237),  # exact by definition
        ("short_ton", "kg", 907.18474),  # 2,000 lb
        ("mmBtu", "GJ", 1.05505585262),  # International Table Btu, as the EPA Hub uses
        ("therm", "mmBtu", 0.1),
        ("mi", "km", 1.609344),
        ("ton-mile", "tonne-km", 0.90718474 * 1.609344),
        ("MWh", "GJ", 3.6),
        ("Gg", "t", 1000.0),
        ("scf", "m3", 0.028316846592),
    ],
)
def test_known_conversions(src: str, dst: str, expected: float) -> None:
    assert conversion_factor(src, dst) == pytest.approx(expected, rel=1e-12)


@given(st.sampled_from(ALL), st.data())
def test_round_trip_within_a_dimension(pair: tuple[str, str], data: st.DataObject) -> None:
    group, src = pair
    dst = data.draw(st.sampled_from(GROUPS[group]))
    assert compatible(src, dst)
    assert conversion_factor(src, dst) * conversion_factor(dst, src) == pytest.approx(
        1.0, rel=1e-12
    )


@given(st.sampled_from(ALL), st.sampled_from(ALL), st.sampled_from(ALL))
def test_conversions_compose(a: tuple[str, str], b: tuple[str, str], c: tuple[str, str]) -> None:
    if not (a[0] == b[0] == c[0]):
        return
    direct = conversion_factor(a[1], c[1])
    via = conversion_factor(a[1], b[1]) * conversion_factor(b[1], c[1])
    assert direct == pytest.approx(via, rel=1e-12)


@given(st.sampled_from(ALL), st.sampled_from(ALL))
def test_different_dimensions_never_convert(a: tuple[str, str], b: tuple[str, str]) -> None:
    if a[0] == b[0]:
        return
    assert not compatible(a[1], b[1])
    with pytest.raises(UnitError, match="cannot convert"):
        conversion_factor(a[1], b[1])


def test_error_names_both_dimensions() -> None:
    with pytest.raises(UnitError) as exc:
        conversion_factor("L", "kWh")
    assert "volume" in str(exc.value) and "energy" in str(exc.value)
    assert dimension("kg") == "mass"


@pytest.mark.parametrize("bad", ["foo", "ton", "3", "", "kg;drop"])
def test_unknown_or_ambiguous_units_are_refused(bad: str) -> None:
    with pytest.raises(UnitError):
        check_unit(bad)


def test_heat_content_bridge() -> None:
    # IPCC NCV of gas/diesel oil 43 TJ/Gg: 1 t = 0.001 Gg = 0.043 TJ.
    assert bridge_factor("t", "TJ", 43.0, "TJ/Gg") == pytest.approx(0.043)
    # EPA distillate No. 2: 0.138 mmBtu/gallon; 1 L = 1/3.785411784 gal.
    assert bridge_factor("L", "mmBtu", 0.138, "mmBtu/gallon") == pytest.approx(0.138 / 3.785411784)
    with pytest.raises(UnitError):
        bridge_factor("kWh", "TJ", 43.0, "TJ/Gg")
