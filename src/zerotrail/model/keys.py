"""The activity-key vocabulary: dotted keys that name what an activity record measures.

A key's first segment (its family) fixes the scope, the Scope 3 category it implies, the
calculation method recorded on results and whether negative quantities are allowed (corrections).
The rest of the key names a fuel, species, mode or material; which ones exist is decided by the
factor sets loaded in the workspace, so a user's custom factor set can add keys in any family.
See docs/activity-keys.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Scope 3 category numbers and their GHG Protocol names.
SCOPE3_CATEGORIES: dict[int, str] = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
    9: "Downstream transportation and distribution",
    10: "Processing of sold products",
    11: "Use of sold products",
    12: "End-of-life treatment of sold products",
    13: "Downstream leased assets",
    14: "Franchises",
    15: "Investments",
}


@dataclass(frozen=True, slots=True)
class Family:
    """What the first segment of a key implies."""

    name: str
    scope: int
    # Category used when the record gives none (None: the record must give one).
    default_category: int | None
    # Categories a record may choose; empty for Scope 1 and 2 families.
    allowed_categories: frozenset[int]
    method: str
    allow_negative: bool = False
    min_segments: int = 2


_ALL = frozenset(SCOPE3_CATEGORIES)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("stationary_combustion", 1, None, frozenset(), "fuel-based"),
        Family("mobile_combustion", 1, None, frozenset(), "fuel-based"),
        Family("fugitive", 1, None, frozenset(), "mass-balance"),
        Family("process", 1, None, frozenset(), "site-specific"),
        Family("electricity", 2, None, frozenset(), "location-based"),
        Family("steam", 2, None, frozenset(), "location-based"),
        Family("heat", 2, None, frozenset(), "location-based"),
        Family("cooling", 2, None, frozenset(), "location-based"),
        Family("spend", 3, 1, frozenset({1, 2, 4, 6, 9, 11, 13, 14, 15}), "spend-based", True),
        Family("purchased_goods", 3, 1, frozenset({1}), "average-data"),
        Family("capital_goods", 3, 2, frozenset({2}), "average-data"),
        Family("fuel_energy", 3, 3, frozenset({3}), "average-data"),
        Family("freight", 3, 4, frozenset({4, 9}), "distance-based"),
        Family("waste", 3, 5, frozenset({5, 12}), "waste-type-specific", min_segments=3),
        Family("business_travel", 3, 6, frozenset({6}), "distance-based"),
        Family("commuting", 3, 7, frozenset({7}), "distance-based"),
        Family("scope3", 3, None, _ALL, "average-data"),
    )
}

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


def family_of(key: str) -> Family | None:
    """The family a key belongs to, or None when the key is malformed or its family unknown."""
    parts = key.split(".")
    fam = FAMILIES.get(parts[0])
    if fam is None or len(parts) < fam.min_segments:
        return None
    if not all(_SEGMENT.match(p) for p in parts[1:]):
        return None
    return fam


def key_problem(key: str) -> str | None:
    """Why `key` is not a well-formed activity key, or None when it is."""
    parts = key.split(".")
    fam = FAMILIES.get(parts[0])
    if fam is None:
        known = ", ".join(sorted(FAMILIES))
        return f"unknown activity family '{parts[0]}' (expected one of: {known})"
    if len(parts) < fam.min_segments:
        return f"'{key}' is incomplete: a {fam.name} key has at least {fam.min_segments} segments"
    for p in parts[1:]:
        if not _SEGMENT.match(p):
            return f"'{key}' has a malformed segment '{p}' (letters, digits, '_' and '-' only)"
    return None


def is_scope2(key: str) -> bool:
    fam = family_of(key)
    return fam is not None and fam.scope == 2


def is_electricity(key: str) -> bool:
    return key.startswith("electricity.")
