"""China's regional power grids and the provinces each one serves, as data.

Part of `model/`: `regions.lineage` puts a mainland province's regional grid between the
province and the country, so a province with no factor of its own falls back to its grid's
average before the national one (docs/methodology.md, "One factor per record").

Source: the regional-grid membership used by the MEE/NBS notices on electricity CO2 emission
factors (seven regional grids: North, Northeast, East, Central, Northwest, South, Southwest).
**Unverified:** the membership below was not read from the notice text here; the notices are
not in the shared reference data, which quotes only the grids' factor values (see
docs/factors.md, cn-mee-grid). Western Inner Mongolia is on the North grid and eastern Inner
Mongolia on the Northeast grid: ISO 3166-2 has one code for the whole region, so `CN-NM` falls
back to `CN-NORTH`, and sites in eastern Inner Mongolia should use `CN-NORTHEAST` directly.

Codes are ISO 3166-2:CN (the two-letter codes of the 2017 revision). Hong Kong, Macao and
Taiwan (`CN-HK`, `CN-MO`, `CN-TW`) are on none of these grids and are deliberately absent.
"""

from __future__ import annotations

from types import MappingProxyType

_MEMBERS: dict[str, tuple[str, ...]] = {
    # Beijing, Tianjin, Hebei, Shanxi, Shandong, (western) Inner Mongolia.
    "CN-NORTH": ("CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-SD", "CN-NM"),
    # Liaoning, Jilin, Heilongjiang.
    "CN-NORTHEAST": ("CN-LN", "CN-JL", "CN-HL"),
    # Shanghai, Jiangsu, Zhejiang, Anhui, Fujian.
    "CN-EAST": ("CN-SH", "CN-JS", "CN-ZJ", "CN-AH", "CN-FJ"),
    # Henan, Hubei, Hunan, Jiangxi.
    "CN-CENTRAL": ("CN-HA", "CN-HB", "CN-HN", "CN-JX"),
    # Shaanxi, Gansu, Qinghai, Ningxia, Xinjiang.
    "CN-NORTHWEST": ("CN-SN", "CN-GS", "CN-QH", "CN-NX", "CN-XJ"),
    # Guangdong, Guangxi, Yunnan, Guizhou, Hainan.
    "CN-SOUTH": ("CN-GD", "CN-GX", "CN-YN", "CN-GZ", "CN-HI"),
    # Sichuan, Chongqing, Tibet.
    "CN-SOUTHWEST": ("CN-SC", "CN-CQ", "CN-XZ"),
}

# The regional grids, in the order the notices list them.
REGIONAL_GRIDS: tuple[str, ...] = tuple(_MEMBERS)

# Province → the regional grid it belongs to (all 31 mainland provinces).
PROVINCE_GRID: MappingProxyType[str, str] = MappingProxyType(
    {province: grid for grid, provinces in _MEMBERS.items() for province in provinces}
)


def grid_of(code: str) -> str | None:
    """The regional grid of a mainland province code (`CN-SC` → `CN-SOUTHWEST`), else None."""
    return PROVINCE_GRID.get(code)
