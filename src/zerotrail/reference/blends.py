"""Refrigerant blends: what each blend is made of, as EPA publishes it.

Part of `reference/`, the data shipped with the package. This module only reads
`data/refrigerant_blends.csv` (EPA GHG Emission Factors Hub 2024, Table 12) into values; turning a
composition into CO2e needs a GWP set and lives in `reference/gwp.py` (`blend_gwp`,
`gas_coefficients`), so that this module stays free of GWP choices. See docs/gwp.md.

The file is read on first use and cached; importing this module does no work.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from zerotrail.errors import GwpError

BLENDS_FILE = "refrigerant_blends.csv"

# Families EPA uses for blend components. Only HFCs and PFCs are Kyoto gases; HCFCs are ozone
# depleting substances reported under the Montreal Protocol, and hydrocarbons have a negligible
# GWP, so EPA (and we) count neither in a blend's Kyoto CO2e.
KYOTO_FAMILIES = frozenset({"HFC", "PFC"})
NON_KYOTO_FAMILIES = frozenset({"HCFC", "HC"})

# Fractions are transcribed to three decimals; anything further off than this is a data error.
_FRACTION_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Component:
    """One gas in a blend and its share of the blend's mass (0 < mass_fraction <= 1)."""

    gas: str
    family: str
    kyoto: bool
    mass_fraction: float


@dataclass(frozen=True, slots=True)
class Blend:
    """A refrigerant blend: its components and EPA's published AR5 blend GWP.

    `epa_flag` is the CSV's `epa_published_gwp_flag` (e.g. "inconsistent_with_composition" for
    R-424A, whose published value does not follow from its own composition), or None.
    """

    blend_id: str
    components: tuple[Component, ...]
    epa_published_ar5_gwp: float
    epa_flag: str | None
    source: str

    @property
    def kyoto_mass_fraction(self) -> float:
        """Share of the blend's mass that is HFC or PFC."""
        return math.fsum(c.mass_fraction for c in self.components if c.kyoto)

    @property
    def non_kyoto_mass_fraction(self) -> float:
        """Share of the blend's mass that is HCFC or hydrocarbon (0 CO2e in the inventory)."""
        return math.fsum(c.mass_fraction for c in self.components if not c.kyoto)


def blend_ids() -> tuple[str, ...]:
    """Every blend in the packaged table, in file order (R-401A … R-508B)."""
    return tuple(_blends())


def is_blend(gas_id: str) -> bool:
    """True when `gas_id` names a blend in the packaged table."""
    return gas_id in _blends()


def blend(blend_id: str) -> Blend:
    """The blend record for `blend_id`; GwpError if the table has no such blend."""
    try:
        return _blends()[blend_id]
    except KeyError:
        raise GwpError(f"unknown refrigerant blend {blend_id!r}; known: {_known()}") from None


def blend_composition(blend_id: str) -> tuple[Component, ...]:
    """The components of `blend_id` with their mass fractions (summing to 1)."""
    return blend(blend_id).components


def _known() -> str:
    return ", ".join(_blends())


@cache
def _blends() -> dict[str, Blend]:
    text = files("zerotrail").joinpath("reference/data", BLENDS_FILE).read_text(encoding="utf-8")
    rows: dict[str, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        rows.setdefault(row["blend"], []).append(row)
    return {blend_id: _build(blend_id, group) for blend_id, group in rows.items()}


def _build(blend_id: str, rows: list[dict[str, str]]) -> Blend:
    # The packaged file is ours and was checked when it was copied in; a failure here means the
    # file was edited badly, so refuse the whole blend rather than compute with half of it.
    def bad(message: str) -> GwpError:
        return GwpError(f"{BLENDS_FILE}: blend {blend_id}: {message}")

    components = []
    for row in rows:
        family = row["component_family"]
        if family not in KYOTO_FAMILIES | NON_KYOTO_FAMILIES:
            raise bad(f"unknown component family {family!r}")
        kyoto = row["kyoto_gas"] == "yes"
        if kyoto != (family in KYOTO_FAMILIES):
            raise bad(f"kyoto_gas={row['kyoto_gas']!r} contradicts family {family}")
        fraction = float(row["mass_fraction"])
        if not 0.0 < fraction <= 1.0:
            raise bad(f"mass fraction {fraction} of {row['component']} is out of (0, 1]")
        if not math.isclose(fraction, float(row["mass_percent"]) / 100, abs_tol=1e-12):
            raise bad(f"mass_fraction and mass_percent of {row['component']} disagree")
        components.append(Component(row["component"], family, kyoto, fraction))

    total = math.fsum(c.mass_fraction for c in components)
    if abs(total - 1.0) > _FRACTION_TOLERANCE:
        raise bad(f"mass fractions sum to {total}, not 1")
    published = {row["epa_published_ar5_blend_gwp"] for row in rows}
    flags = {row["epa_published_gwp_flag"] for row in rows}
    if len(published) != 1 or len(flags) != 1:
        raise bad("rows disagree on the published GWP or its flag")
    flag = flags.pop()
    return Blend(
        blend_id=blend_id,
        components=tuple(components),
        epa_published_ar5_gwp=float(published.pop()),
        epa_flag=flag or None,
        source=rows[0]["source"],
    )
