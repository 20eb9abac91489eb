"""Units: what users write, parsed once with pint, and conversion multipliers for the engine.

The engine never calls pint per row: it asks `conversion_factor` once for each distinct
(activity unit, factor unit) pair and joins the multiplier in. Energy units use the
International Table Btu (1 mmBtu = 1.05505585262 GJ), as the EPA Hub does; `therm` is 0.1 mmBtu.
Passenger-, vehicle- and tonne-distances are products with their own dimensions, so a
passenger-km never converts to a vehicle-km by accident; a hotel stay counts room-nights, a
dimension of its own.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import Any

from zerotrail.errors import UnitError

# User spellings → pint expressions in our registry. Keys are matched case-sensitively first,
# then case-insensitively (so "MWh" and "mwh" both work, but "Mt" is not read as "mt").
ALIASES: dict[str, str] = {
    "L": "liter",
    "l": "liter",
    "litre": "liter",
    "litres": "liter",
    "liter": "liter",
    "liters": "liter",
    "m3": "meter ** 3",
    "m^3": "meter ** 3",
    "cubic_meter": "meter ** 3",
    "gal": "gallon",
    "gallon": "gallon",
    "gallons": "gallon",
    "US_gallon": "gallon",
    "scf": "foot ** 3",
    "ccf": "100 * foot ** 3",
    "mcf": "1000 * foot ** 3",
    "kWh": "kilowatt_hour",
    "MWh": "megawatt_hour",
    "GWh": "gigawatt_hour",
    "Wh": "watt_hour",
    "J": "joule",
    "kJ": "kilojoule",
    "MJ": "megajoule",
    "GJ": "gigajoule",
    "TJ": "terajoule",
    "Btu": "Btu_it",
    "mmBtu": "1e6 * Btu_it",
    "MMBtu": "1e6 * Btu_it",
    "mmbtu": "1e6 * Btu_it",
    "therm": "1e5 * Btu_it",
    "therms": "1e5 * Btu_it",
    "g": "gram",
    "kg": "kilogram",
    "t": "tonne",
    "tonne": "tonne",
    "tonnes": "tonne",
    "metric_ton": "tonne",
    "Gg": "gigagram",
    "lb": "pound",
    "lbs": "pound",
    "short_ton": "short_ton",
    "short ton": "short_ton",
    "km": "kilometer",
    "mi": "mile",
    "mile": "mile",
    "miles": "mile",
    "passenger-km": "passenger * kilometer",
    "passenger_km": "passenger * kilometer",
    "pkm": "passenger * kilometer",
    "passenger-mile": "passenger * mile",
    "passenger_mile": "passenger * mile",
    "vehicle-km": "vehicle * kilometer",
    "vehicle_km": "vehicle * kilometer",
    "vehicle-mile": "vehicle * mile",
    "vehicle_mile": "vehicle * mile",
    "tonne-km": "tonne * kilometer",
    "tonne_km": "tonne * kilometer",
    "tkm": "tonne * kilometer",
    "ton-mile": "short_ton * mile",
    "ton_mile": "short_ton * mile",
    "USD": "USD",
    "usd": "USD",
    "kUSD": "1000 * USD",
    "unit": "item",
    "item": "item",
    "items": "item",
    # A hotel stay: one room for one night (DESNZ's "Room per night").
    "room-night": "room_night",
    "room_night": "room_night",
    "room-nights": "room_night",
    "room night": "room_night",
    "room nights": "room_night",
}

# The registry holds only what carbon accounting needs, so building it takes milliseconds
# instead of the second pint's full default file costs in every command. Every constant is
# exact by definition: SI prefixes; the international foot (0.3048 m), inch (0.0254 m) and
# avoirdupois pound (0.45359237 kg) of the 1959 international yard and pound agreement; the US
# liquid gallon (231 cubic inches, NIST Handbook 44); the International Table Btu
# (1055.05585262 J, as the EPA Hub uses); the statute mile (5,280 ft); the short ton (2,000 lb).
_DEFINITIONS = (
    "milli- = 1e-3 = m-",
    "kilo- = 1e3 = k-",
    "mega- = 1e6 = M-",
    "giga- = 1e9 = G-",
    "tera- = 1e12 = T-",
    "meter = [length] = m = metre",
    "gram = [mass] = g",
    "second = [time] = s",
    "passenger = [passenger]",
    "vehicle = [vehicle]",
    "USD = [currency]",
    "item = [item]",
    "room_night = [room_night]",
    "joule = kilogram * meter ** 2 / second ** 2 = J",
    "watt = joule / second = W",
    "hour = 3600 * second = h",
    "watt_hour = watt * hour = Wh",
    "liter = 1e-3 * meter ** 3 = L = l = litre",
    "inch = 0.0254 * meter",
    "foot = 0.3048 * meter = ft",
    "mile = 5280 * foot = mi",
    "gallon = 231 * inch ** 3 = gal",
    "pound = 0.45359237 * kilogram = lb",
    "short_ton = 2000 * pound",
    "tonne = 1000 * kilogram = t = metric_ton",
    "Btu_it = 1055.05585262 * joule",
)

_lock = threading.Lock()
_registry: Any = None


def registry() -> Any:
    """The project's pint registry, built on first use (never at import time)."""
    global _registry
    with _lock:
        if _registry is None:
            import pint

            reg: Any = pint.UnitRegistry(None)
            for definition in _DEFINITIONS:
                reg.define(definition)
            _registry = reg
        return _registry


# Spellings that mean different things to different users: refused with a hint.
AMBIGUOUS: dict[str, str] = {
    "ton": "write t (metric tonne) or short_ton (2,000 lb)",
    "tons": "write t (metric tonne) or short_ton (2,000 lb)",
    "long_ton": "convert to t or short_ton",
    "cal": "write kWh, MJ or mmBtu",
    "gallon_imperial": "convert to L",
}

_ALIASES_CI = {k.lower(): v for k, v in ALIASES.items()}
_SAFE = re.compile(r"^[A-Za-z0-9_\-\s\*/\^\.\(\)]+$")


def _expression(unit: str) -> str:
    text = unit.strip()
    if text.lower() in AMBIGUOUS:
        raise UnitError(f"unit '{unit}' is ambiguous: {AMBIGUOUS[text.lower()]}")
    if text in ALIASES:
        return ALIASES[text]
    if text.lower() in _ALIASES_CI:
        return _ALIASES_CI[text.lower()]
    if not text or not _SAFE.match(text):
        raise UnitError(f"unknown unit '{unit}'")
    return text


@lru_cache(maxsize=4096)
def _quantity(unit: str) -> Any:
    reg = registry()
    try:
        q = reg.parse_expression(_expression(unit))
    except UnitError:
        raise
    except Exception as exc:  # pint raises many types; the user needs one clear message
        raise UnitError(f"unknown unit '{unit}'") from exc
    if not isinstance(q, reg.Quantity) or q.dimensionless:
        raise UnitError(f"'{unit}' is a number, not a unit")
    return q


def check_unit(unit: str) -> None:
    """Raise UnitError unless `unit` is a unit zerotrail understands."""
    _quantity(unit)


def dimension(unit: str) -> str:
    """A readable dimension name for error messages, e.g. 'volume' or '[mass] * [length]'."""
    dims = _quantity(unit).dimensionality
    names = {
        "[length] ** 3": "volume",
        "[mass]": "mass",
        "[mass] * [length] ** 2 / [time] ** 2": "energy",
        "[length]": "distance",
        "[currency]": "money",
        "[item]": "count",
        "[room_night]": "room-nights",
    }
    return names.get(str(dims), str(dims))


def compatible(src: str, dst: str) -> bool:
    """True when a quantity in `src` converts to `dst`."""
    return bool(_quantity(src).dimensionality == _quantity(dst).dimensionality)


@lru_cache(maxsize=16384)
def conversion_factor(src: str, dst: str) -> float:
    """How many `dst` there are in one `src` (1 gallon → L gives 3.785411784)."""
    qs, qd = _quantity(src), _quantity(dst)
    if qs.dimensionality != qd.dimensionality:
        raise UnitError(f"cannot convert '{src}' ({dimension(src)}) to '{dst}' ({dimension(dst)})")
    value = float((qs / qd).to_root_units().magnitude)
    if not math.isfinite(value) or value <= 0:
        raise UnitError(f"conversion from '{src}' to '{dst}' is not a positive number")
    return value


def bridge_factor(src: str, factor_unit: str, heat_content: float, heat_unit: str) -> float:
    """Activity units per factor unit through a heat content: '1 t of diesel' → TJ via NCV.

    `heat_unit` is a ratio such as 'TJ/Gg' or 'mmBtu/gallon' (energy per physical amount); the
    result multiplies a quantity in `src` (a physical amount) into `factor_unit` (an energy).
    """
    if "/" not in heat_unit:
        raise UnitError(f"heat content unit '{heat_unit}' must be a ratio such as 'mmBtu/gallon'")
    num, den = (part.strip() for part in heat_unit.split("/", 1))
    return conversion_factor(src, den) * heat_content * conversion_factor(num, factor_unit)
