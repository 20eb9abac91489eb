"""Ratios of net to gross calorific value, for turning energy on one heating-value basis into
the other.

Where it sits: reference data, read by the engine (through `engine/inputs.py`) and by its
plain-Python oracle (`engine/reference.py`) when a record's energy quantity meets a per-energy
factor of the other basis (docs/methodology.md, "Heating-value bases").

Source: 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol. 2 (Energy), ch. 1
(Introduction), section 1.4.1.2: the net calorific value is about 5% below the gross for coal
and oil and about 10% below for natural gas, i.e. NCV = 0.95 x GCV for coal and oil products
and NCV = 0.90 x GCV for natural gas. Those are the only ratios the chapter states, so only
fuels that are clearly coal, oil or natural gas have one here: liquefied petroleum gases,
light hydrocarbon gases, manufactured gases, biomass and wastes have none, and a record of such
a fuel never uses a factor of the other basis (the engine drops that candidate) rather than
borrowing a ratio the source does not give.

Keys are the fuel segment of an activity key: `stationary_combustion.natural_gas` and
`mobile_combustion.diesel.locomotives` name the fuels `natural_gas` and `diesel`.
"""

from __future__ import annotations

SOURCE = "2006 IPCC Guidelines, Vol. 2 (Energy), ch. 1, section 1.4.1.2"

_COAL_AND_OIL = 0.95
_NATURAL_GAS = 0.90

# Fuel → NCV / GCV.
NCV_PER_GCV: dict[str, float] = {
    # Natural gas, also compressed or liquefied.
    "natural_gas": _NATURAL_GAS,
    "cng": _NATURAL_GAS,
    "lng": _NATURAL_GAS,
    # Coal and coal products.
    **dict.fromkeys(
        (
            "anthracite",
            "bituminous_coal",
            "sub_bituminous_coal",
            "lignite",
            "coking_coal",
            "coal_coke",
            "coal_mixed_commercial",
            "coal_mixed_electric_power",
            "coal_mixed_industrial",
            "coal_mixed_industrial_coking",
        ),
        _COAL_AND_OIL,
    ),
    # Crude oil and liquid petroleum products.
    **dict.fromkeys(
        (
            "crude_oil",
            "diesel",
            "gas_oil",
            "distillate_fuel_oil_no_1",
            "distillate_fuel_oil_no_2",
            "distillate_fuel_oil_no_4",
            "residual_fuel_oil",
            "residual_fuel_oil_no_5",
            "residual_fuel_oil_no_6",
            "kerosene",
            "jet_kerosene",
            "motor_gasoline",
            "aviation_gasoline",
            "heavy_gas_oils",
            "lubricants",
            "used_oil",
            "unfinished_oils",
            "other_oil_above_401f",
            "naphtha_below_401f",
            "special_naphtha",
            "petroleum_coke",
            "asphalt_and_road_oil",
        ),
        _COAL_AND_OIL,
    ),
}


def fuel_of(activity: str) -> str | None:
    """The fuel segment of a combustion key ('stationary_combustion.natural_gas' → 'natural_gas'),
    or None for a key of another family."""
    parts = activity.split(".")
    if parts[0] not in ("stationary_combustion", "mobile_combustion") or len(parts) < 2:
        return None
    return parts[1]


def ncv_per_gcv(activity: str) -> float | None:
    """NCV / GCV of the activity key's fuel, or None when the source gives no ratio for it."""
    fuel = fuel_of(activity)
    return None if fuel is None else NCV_PER_GCV.get(fuel)
