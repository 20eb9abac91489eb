"""The GWP values a calculation weighs a gas with, as one record the ledger can commit.

Part of `reference/`. The calculation weighs one kg of each gas of a factor by `gwp.gas_weights`
under the run's GWP set, blend rule and the record's methane origin. A run stores and commits
the weights its records needed (kind `gwp`, store/gwp_values.py), so a verifier's bundle
carries them beside the factor rows; the verifier's check holds each committed value to the
package's own (assurance/recompute.py). Both sides take the value from `gwp_value` here, so
what is committed and what it is compared with are the same fields.

A value's key is (GWP set, blend rule, gas, methane origin); its ref in the ledger is
`<gwp_set>/<blend_rule>/<gas>/<origin>`, origin `-` when the record names none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from zerotrail.reference.blends import blend, is_blend
from zerotrail.reference.gwp import FAMILIES, UNSPLIT_GAS, GasWeights, gas_weights, gwp_set

# The numbers of a value, as the ledger names them: kg of each Kyoto family per kg of the gas,
# kg CO2e of each family per kg, and kg CO2e per kg that belongs to no family.
MASSES = tuple(f"mass_{f.lower()}" for f in FAMILIES)
CO2E = tuple(f"co2e_{f.lower()}" for f in FAMILIES)
NUMBERS = (*MASSES, *CO2E, "co2e_unsplit")
NO_ORIGIN = "-"


@dataclass(frozen=True, slots=True)
class GwpValue:
    """The weights of one kg of `gas` under one GWP set, blend rule and methane origin.

    `numbers` holds NUMBERS; `flags` are the weights' flags joined by ";" in the results'
    order (empty when none); `source` names where the set's (and a blend's) values come from.
    """

    gwp_set: str
    blend_rule: str
    gas: str
    ch4_origin: str | None
    numbers: Mapping[str, float]
    flags: str
    source: str

    @property
    def ref(self) -> str:
        return gwp_ref(self.gwp_set, self.blend_rule, self.gas, self.ch4_origin)


def gwp_ref(gwp_set: str, blend_rule: str, gas: str, ch4_origin: str | None) -> str:
    """The ledger's ref of a value: `<gwp_set>/<blend_rule>/<gas>/<origin or ->`."""
    return f"{gwp_set}/{blend_rule}/{gas}/{ch4_origin or NO_ORIGIN}"


def gwp_value(gas: str, set_id: str, blend_rule: str, ch4_origin: str | None) -> GwpValue | None:
    """What the calculation weighs one kg of `gas` with (`gas_weights`), as a committed value;
    None where the set cannot weigh the gas. GwpError as `gas_weights` (an unknown set, rule or
    origin; the publisher rule outside AR5)."""
    weights = gas_weights(gas, set_id, blend_rule, ch4_origin or None)
    if weights is None:
        return None
    return GwpValue(
        set_id,
        blend_rule,
        gas,
        ch4_origin or None,
        MappingProxyType(numbers_of(weights)),
        ";".join(weights.flags),
        _source(gas, set_id, blend_rule),
    )


def numbers_of(weights: GasWeights) -> dict[str, float]:
    """The weights as NUMBERS."""
    return {
        **{m: weights.mass[f] for m, f in zip(MASSES, FAMILIES, strict=True)},
        **{e: weights.co2e[f] for e, f in zip(CO2E, FAMILIES, strict=True)},
        "co2e_unsplit": weights.unsplit,
    }


def exact_text(x: float) -> str:
    """A number as the ledger commits it exactly: C's `%.17g`, which reads back as the same
    double (store/committed.py EXACT renders it so in the database)."""
    return format(x, ".17g")


def _source(gas: str, set_id: str, blend_rule: str) -> str:
    """Where the value comes from, in the words gwp.py and blends.py give their sources."""
    if gas == UNSPLIT_GAS:
        return "none: the factor states CO2e, which no GWP weighs"
    gwp = gwp_set(set_id)
    if not is_blend(gas):
        return f"{gwp.label}: {gwp.source}"
    composition = blend(gas).source
    if blend_rule == "publisher":
        return (
            f"EPA's published AR5 blend GWP, {composition}; split by composition with"
            f" {gwp.label}: {gwp.source}"
        )
    return f"{gwp.label}: {gwp.source}; composition: {composition}"
