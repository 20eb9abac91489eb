"""US EPA Supply Chain GHG Emission Factors (USEEIO), spend-based by NAICS-6 code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from factor_sources.common import (
    BuildError,
    Factor,
    Rec,
    SetSpec,
    gwp_basis,
    join,
    per_unit,
    read_csv,
)
from zerotrail.reference.factors import FactorRow

SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "useeio-v1.2",
        "US EPA Supply Chain GHG Emission Factors v1.2 (USEEIO), sample",
        "US Environmental Protection Agency",
        ("data/useeio_spend_sample.csv",),
        "Spend-based factors by NAICS-6 code, kg CO2e (AR4) per 2021 USD at purchaser price"
        " (with margins); seven codes.",
    ),
    SetSpec(
        "useeio-v1.3-quotes",
        "US EPA Supply Chain GHG Emission Factors v1.3 (third-party quotes)",
        "US Environmental Protection Agency",
        ("data/useeio_spend_sample.csv",),
        "Five v1.3 with-margins factors, kg CO2e (AR5) per 2022 USD, as quoted by third parties;"
        " unverified.",
    ),
)


USEEIO_SETS = {"v1.2": "useeio-v1.2", "v1.3": "useeio-v1.3-quotes"}


def useeio_dollar_year(r: Rec, unit: str) -> int:
    """The price year of a USEEIO factor: `dollar_year`, which its `value_unit` must repeat."""
    year = r["dollar_year"]
    if not re.fullmatch(r"\d{4}", year) or f"per USD ({year}," not in r["value_unit"]:
        raise BuildError(
            f"USEEIO {r['version']} NAICS {r['naics_code']}: dollar_year {year!r} does not match"
            f" value_unit {r['value_unit']!r}"
        )
    if unit != "USD":
        raise BuildError(f"USEEIO NAICS {r['naics_code']}: unit {unit!r}, expected USD")
    return int(year)


def build_useeio(rows: list[Rec]) -> Iterator[FactorRow]:
    for r in rows:
        factor_set = USEEIO_SETS[r["version"]]
        # Valid from the GHG data year where the source states it, else from the dollar year.
        year = re.match(r"^(\d{4})", r["data_year"])
        start = date(int(year[1]) if year else int(r["dollar_year"]), 1, 1)
        value, unit = per_unit(r["sef_with_margins"], r["value_unit"], "CO2e")
        dollar_year = useeio_dollar_year(r, unit)
        parts = [
            f"NAICS {r['naics_code']} {r['naics_title']}: with-margins factor, kg CO2e per"
            f" {r['dollar_year']} USD at {r['price_basis']}; deflate spend to {r['dollar_year']}"
            f" USD first. GHG data: {r['data_year']}.",
        ]
        if r["sef_without_margins"]:
            parts.append(
                f"Without margins {r['sef_without_margins']} + margins {r['mef_margins']}."
            )
        factor = Factor(
            factor_set,
            f"{factor_set}:naics.{r['naics_code']}.usd{r['dollar_year']}",
            f"spend.naics.{r['naics_code']}",
            "US",
            start,
            None,
            "Scope 3 (spend-based)",
            join(*parts, r["notes"]),
            currency_year=dollar_year,
        )
        code = r["reference_useeio_code"]
        ref = f"USEEIO {r['version']} NAICS {r['naics_code']}" + (
            f"; USEEIO {code}" if code else ""
        )
        yield factor.row(r, "CO2e", value, unit, ref, gwp_basis=gwp_basis(r["gwp_basis"]))


def build(reference: Path) -> Iterator[FactorRow]:
    yield from build_useeio(read_csv(reference / "data/useeio_spend_sample.csv"))
