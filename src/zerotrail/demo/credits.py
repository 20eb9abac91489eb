"""Emmet Group's carbon credits: what it bought and retired for each year's neutrality claim.

Part of `demo/`. From 2021 the group claims Scope 1 + 2 carbon neutrality every year (target
S12-NEUTRAL). For claim year Y it retires, in the first quarter of Y + 1, credits covering
that year's Scope 1 + Scope 2 market-based emissions plus a 1% margin, in the name of Emmet
Group with a reason naming the year. The mix follows the public figures: wind-power avoidance
credits from VCS project 728 (ACM0002) for 2021 and 2022; from 2023 VCS + CCB forest carbon
(afforestation, a removal of short durability) beside the wind credits; in 2024 and 2025 a
growing removal share, including a small Puro.earth biochar block (a permanent removal). One
block bought for the 2026 claim is still held. Apart from VCS 728 the projects are invented.

Serials are registry-style `PREFIX-N`: one prefix per project and vintage (an issuance), and
the group's blocks taken from it one after another with other buyers' serials in between, so
no two blocks of a registry share a serial; quantity = end - start + 1. Nothing is random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from zerotrail.ingest.formats import CREDITS

BENEFICIARY = "Emmet Group"
MARGIN = 0.01  # retire 1% more than the footprint: rounding and late corrections

# Scope 1 + Scope 2 market-based emissions of each year (t CO2e): the demo inventory's figures
# (operational control, AR5, with the shipped factor library), as `zerotrail demo` calculates
# them; they do not depend on the seed. tests/demo checks them against a calculation of the
# generated files: when the demo's data changes, measure again and update this table.
#
# The absolute target (S12-ABS-2025, -30% from 2020) holds after the base-year recalculation
# for the 2023 acquisition: new base = 37,584.2 + 2,342.3 (Pengcheng's 2020 Scope 1 134.5 +
# Scope 2 market-based 2,207.8, acquisition.py) = 39,926.5 t; 70% of it is 27,948.6 t, and
# 2025 is 25,245.3 t, 36.8% below the recalculated base (32.8% below the original 37,584.2).
SCOPE12_MARKET_T: dict[int, float] = {
    2020: 37_584.2,
    2021: 36_276.5,
    2022: 33_440.9,
    2023: 29_068.8,
    2024: 27_208.1,
    2025: 25_245.3,
}


@dataclass(frozen=True, slots=True)
class Project:
    registry: str
    project_id: str
    name: str
    methodology: str
    type: str
    durability: str
    serial_tag: str  # the part of the serial prefix naming the unit and project
    first_serial: int  # where the issuances the group buys from begin
    ccp_label: bool
    corsia_eligible: bool
    corresponding_adjustment: bool


WIND = Project(
    "Verra VCS",
    "728",
    "Grid-connected wind farm (VCS 728)",
    "ACM0002",
    "avoidance",
    "none",
    "VCS-VCU-728",
    104_220_001,
    False,  # renewable-power credits did not get the ICVCM CCP label
    False,
    False,
)
FOREST = Project(
    "Verra VCS",
    "3147",
    "Sichuan degraded-land afforestation (VCS + CCB)",
    "AR-ACM0003",
    "removal",
    "short",
    "VCS-VCU-3147",
    310_500_001,
    False,
    False,
    False,
)
RESTORATION = Project(
    "Verra VCS",
    "4286",
    "Yunnan native-forest restoration (VCS + CCB)",
    "VM0047",
    "removal",
    "short",
    "VCS-VCU-4286",
    512_040_001,
    True,
    False,
    False,
)
BIOCHAR = Project(
    "Puro.earth",
    "PURO-1182",
    "Baltic wood-residue biochar plant",
    "Puro Standard Biochar Methodology 2022",
    "removal",
    "permanent",
    "PURO-CORC-1182",
    20_001,
    False,
    False,
    False,
)

# Each claim year's blocks: (project, vintage, share of the year's quantity); the last block
# takes the remainder.
MIX: dict[int, tuple[tuple[Project, int, float], ...]] = {
    2021: ((WIND, 2019, 0.55), (WIND, 2020, 0.45)),
    2022: ((WIND, 2020, 0.40), (WIND, 2021, 0.60)),
    2023: ((WIND, 2021, 0.60), (FOREST, 2022, 0.40)),
    2024: ((WIND, 2022, 0.42), (BIOCHAR, 2023, 0.03), (FOREST, 2023, 0.55)),
    2025: (
        (WIND, 2023, 0.25),
        (BIOCHAR, 2024, 0.05),
        (FOREST, 2024, 0.30),
        (RESTORATION, 2024, 0.40),
    ),
}
# Retirement days in the first quarter of the year after the claim year, block by block.
RETIRED_ON = ((2, 12), (3, 5), (3, 19), (3, 26))
# Bought in late 2025 for the 2026 claim, not yet retired.
HELD = (RESTORATION, 2025, 6_000)
# Serials other buyers take between two of the group's blocks from one issuance.
GAP = 2_500


@dataclass(frozen=True, slots=True)
class Block:
    """One row of credits.csv."""

    credit_id: str
    project: Project
    vintage: int
    first: int
    quantity: int
    retired_on: date | None
    claim_year: int | None

    @property
    def last(self) -> int:
        return self.first + self.quantity - 1

    def serial(self, number: int) -> str:
        return f"{self.project.serial_tag}-V{self.vintage}-{number:09d}"

    def to_record(self) -> dict[str, str]:
        p = self.project
        retired = self.retired_on is not None

        def yn(flag: bool) -> str:
            return "yes" if flag else "no"

        record = {
            "credit_id": self.credit_id,
            "registry": p.registry,
            "project_id": p.project_id,
            "project_name": p.name,
            "methodology": p.methodology,
            "type": p.type,
            "durability": p.durability,
            "vintage": str(self.vintage),
            "serial_start": self.serial(self.first),
            "serial_end": self.serial(self.last),
            "quantity": str(self.quantity),
            "status": "retired" if retired else "held",
            "retired_on": self.retired_on.isoformat() if self.retired_on else "",
            "beneficiary": BENEFICIARY if retired else "",
            "reason": (
                f"Retired on behalf of {BENEFICIARY} for its {self.claim_year} Scope 1 + 2"
                " carbon neutrality claim"
                if retired
                else ""
            ),
            "claim_year": "" if self.claim_year is None else str(self.claim_year),
            "ccp_label": yn(p.ccp_label),
            "corsia_eligible": yn(p.corsia_eligible),
            "corresponding_adjustment": yn(p.corresponding_adjustment),
        }
        return {name: record[name] for name in CREDITS.names}


def needed(year: int) -> int:
    """Credits to retire for claim year `year`: its Scope 1 + 2 market-based plus the margin,
    in whole tonnes."""
    return math.ceil(SCOPE12_MARKET_T[year] * (1 + MARGIN))


def blocks() -> list[Block]:
    """Every block, claim year by claim year, then the one still held."""
    cursor: dict[tuple[str, int], int] = {}  # next free serial of each issuance

    def take(project: Project, vintage: int, quantity: int) -> int:
        # Issuances of one project start a million serials apart (one per vintage).
        key = (project.serial_tag, vintage)
        first = cursor.get(key, project.first_serial + (vintage - 2019) * 1_000_000)
        cursor[key] = first + quantity + GAP
        return first

    out = []
    for year, mix in MIX.items():
        total = needed(year)
        quantities = [round(total * share) for _, _, share in mix[:-1]]
        quantities.append(total - sum(quantities))
        for i, ((project, vintage, _), q) in enumerate(zip(mix, quantities, strict=True)):
            month, day = RETIRED_ON[i]
            out.append(
                Block(
                    f"CR-{year}-{i + 1:02d}",
                    project,
                    vintage,
                    take(project, vintage, q),
                    q,
                    date(year + 1, month, day),
                    year,
                )
            )
    project, vintage, q = HELD
    out.append(Block("CR-2026-01", project, vintage, take(project, vintage, q), q, None, None))
    return out


def credit_records() -> list[dict[str, str]]:
    """The rows of credits.csv."""
    return [b.to_record() for b in blocks()]
