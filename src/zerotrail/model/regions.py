"""Region codes: ISO 3166-1 alpha-2 countries, sub-national grids as `<country>-<code>`, GLOBAL.

`US-CAMX` is an eGRID subregion, `CN-EAST` a Chinese regional grid, `CN-SC` a province (ISO
3166-2). A region's parent chain ends in GLOBAL; factor resolution walks it from the most specific
code outward. A mainland Chinese province's chain passes through its regional grid
(`model/grids.py`): CN-SC → CN-SOUTHWEST → CN → GLOBAL. The electricity market of a region is
its country: contractual instruments only count against consumption in the same market (Scope 2
Quality Criterion 5).
"""

from __future__ import annotations

import re

from zerotrail.model.grids import grid_of

GLOBAL = "GLOBAL"
_CODE = re.compile(r"^(GLOBAL|[A-Z]{2}(-[A-Z0-9]{1,12})?)$")


def region_problem(code: str) -> str | None:
    """Why `code` is not a valid region code, or None."""
    if _CODE.match(code):
        return None
    return (
        f"'{code}' is not a region code (expected ISO 3166-1 alpha-2 such as 'CN', a sub-national"
        " code such as 'US-CAMX' or 'CN-EAST', or 'GLOBAL')"
    )


def country_of(code: str) -> str:
    """The country part of a region code (GLOBAL stays GLOBAL)."""
    return code if code == GLOBAL else code[:2]


def lineage(code: str) -> tuple[str, ...]:
    """The region and its ancestors, most specific first: US-CAMX → (US-CAMX, US, GLOBAL).

    A mainland Chinese province has its regional grid between it and the country:
    CN-SC → (CN-SC, CN-SOUTHWEST, CN, GLOBAL).
    """
    if code == GLOBAL:
        return (GLOBAL,)
    grid = grid_of(code)
    if grid is not None:
        return (code, grid, code[:2], GLOBAL)
    if "-" in code:
        return (code, code[:2], GLOBAL)
    return (code, GLOBAL)


def market_of(code: str) -> str:
    """The electricity market an instrument or consumption in `code` belongs to."""
    return country_of(code)
