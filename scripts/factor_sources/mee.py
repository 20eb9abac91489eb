"""China MEE/NBS grid electricity factors (national, regional grids, provinces)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from factor_sources.common import (
    Factor,
    Rec,
    SetSpec,
    join,
    per_unit,
    read_csv,
    slug,
    year_span,
)
from zerotrail.reference.factors import FactorRow

SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "cn-mee-grid",
        "China electricity CO2 emission factors (MEE/NBS notices)",
        "Ministry of Ecology and Environment / National Bureau of Statistics of China",
        ("data/china_grid.csv",),
        "National, regional-grid and provincial grid averages (data years 2021-2023), the"
        " national residual-mix-like and fossil-only factors, and national-ETS grid factors.",
        edition="notices for data years 2021, 2022 and 2023; national-ETS notices",
        source_url="https://www.mee.gov.cn/",
    ),
)


CN = "cn-mee-grid"
CN_REGIONS = {
    "National": "CN",
    "North China": "CN-NORTH",
    "Northeast China": "CN-NORTHEAST",
    "East China": "CN-EAST",
    "Central China": "CN-CENTRAL",
    "Northwest China": "CN-NORTHWEST",
    "South China": "CN-SOUTH",
    "Southwest China": "CN-SOUTHWEST",
    # Provinces: ISO 3166-2:CN subdivision codes.
    "Hebei": "CN-HE",
    "Shanxi": "CN-SX",
    "Tianjin": "CN-TJ",
    "Inner Mongolia": "CN-NM",
    "Anhui": "CN-AH",
    "Fujian": "CN-FJ",
    "Guangxi": "CN-GX",
    "Qinghai": "CN-QH",
    "Sichuan": "CN-SC",
    "Yunnan": "CN-YN",
}
LOCATION = "Scope 2 (location-based)"
CN_TYPES = {
    "national_average": ("electricity.grid", LOCATION, ""),
    "regional_average": ("electricity.grid", LOCATION, ""),
    "provincial_average": ("electricity.grid", LOCATION, ""),
    "national_average_excluding_market_traded_non_fossil": (
        "electricity.residual_mix",
        "Scope 2 (market-based, residual mix)",
        "National average excluding market-traded non-fossil electricity: the notice's"
        " residual-mix-like value.",
    ),
    "national_fossil_only": (
        "electricity.fossil_only",
        "reference only (fossil generation; not a grid average)",
        "Fossil-fuel generation only; not a location-based grid average.",
    ),
}
# The earlier national-ETS factor is the only value for 2019-2020, and MEE prescribes it for
# enterprise accounting, so it serves as the CN grid average for those years; later ETS values
# stay under their own key so they never displace the MEE/NBS grid averages.
CN_ETS = "ets_power_sector_national_grid_average"
CN_ETS_AS_GRID = "2019-2020 (reported)"


def build_china(rows: list[Rec]) -> Iterator[FactorRow]:
    for r in rows:
        kind = r["factor_type"]
        if kind == CN_ETS and r["data_year"] == CN_ETS_AS_GRID:
            activity, scope_use = "electricity.grid", LOCATION
            text = (
                "National-ETS grid factor that MEE prescribes for enterprise GHG accounting;"
                " used as the CN grid average for 2019-2020, which no MEE/NBS grid-average"
                " notice covers. Unverified."
            )
        elif kind == CN_ETS:
            activity = "electricity.grid_ets"
            scope_use = "China national ETS compliance accounting (not the default grid factor)"
            text = "National-ETS power-sector grid factor; not a default inventory factor."
        else:
            activity, scope_use, text = CN_TYPES[kind]
        region = CN_REGIONS[r["region"]]
        start, end = year_span(r["data_year"])
        years = str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
        factor = Factor(
            CN,
            f"{CN}:{years}.{slug(kind, '-')}.{region.lower()}",
            activity,
            region,
            start,
            end,
            scope_use,
            join(
                text, f"Data year {r['data_year']}; {r['region']} ({r['region_zh']}).", r["notes"]
            ),
        )
        value, unit = per_unit(r["value"], r["value_unit"], r["gas"])
        yield factor.row(r, r["gas"], value, unit, f"{r['notice']}; factor_type {kind}")


def build(reference: Path) -> Iterator[FactorRow]:
    yield from build_china(read_csv(reference / "data/china_grid.csv"))
