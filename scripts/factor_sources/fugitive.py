"""zerotrail's fugitive identity factors: 1 kg of a gas or blend released is 1 kg emitted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from factor_sources.common import (
    Factor,
    Rec,
    SetSpec,
    grouped,
    read_csv,
    slug,
)
from zerotrail.reference.factors import FactorRow

SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "zerotrail-fugitive",
        "zerotrail fugitive-emission identity factors",
        "zerotrail",
        ("data/gwp.csv", "data/refrigerant_blends.csv"),
        "One factor per gas species and refrigerant blend: 1 kg released is 1 kg emitted;"
        " CO2e comes from the inventory's GWP set.",
        edition="1",
        source_url="docs/factors.md#zerotrail-fugitive",
        licence="Apache-2.0",
    ),
)


FUGITIVE = "zerotrail-fugitive"
FUGITIVE_PROVENANCE: Rec = {
    "source": "zerotrail: mass-balance identity; CO2e from the inventory's GWP set",
    "edition": "1",
    "source_url": "docs/factors.md#zerotrail-fugitive",
    "licence": "Apache-2.0",
    "verified": "yes",
}


def build_fugitive(gwp: list[Rec], blends: list[Rec]) -> Iterator[FactorRow]:
    def factor(kind: str, gas: str, note: str) -> Factor:
        return Factor(
            FUGITIVE,
            f"{FUGITIVE}:{kind}.{slug(gas, '-')}.kg",
            f"fugitive.{gas}",
            "GLOBAL",
            date(1990, 1, 1),
            None,
            "Scope 1",
            note,
        )

    for r in gwp:
        if r["gas_id"] == "CO2":
            continue
        f = factor("species", r["gas_id"], f"{r['gas_name']}: 1 kg released = 1 kg emitted.")
        yield f.row(FUGITIVE_PROVENANCE, r["gas_id"], 1.0, "kg", f"gwp.csv gas_id {r['gas_id']}")
    for group in grouped(blends, lambda r: r["blend"]):
        blend = group[0]["blend"]
        note = (
            f"Refrigerant blend {blend} ({group[0]['epa_composition_text']}): 1 kg released ="
            " 1 kg of blend emitted; CO2e from its component mass fractions and the"
            " inventory's GWP set."
        )
        f = factor("blend", blend, note)
        ref = f"refrigerant_blends.csv blend {blend} (EPA Hub 2024 Table 12)"
        yield f.row(FUGITIVE_PROVENANCE, blend, 1.0, "kg", ref)


def build(reference: Path) -> Iterator[FactorRow]:
    data = reference / "data"
    yield from build_fugitive(read_csv(data / "gwp.csv"), read_csv(data / "refrigerant_blends.csv"))
