"""Region codes: ISO 3166-1 alpha-2 countries, sub-national grids as `<country>-<code>`, GLOBAL.

`US-CAMX` is an eGRID subregion, `CN-EAST` a Chinese regional grid, `CN-SC` a province (ISO
3166-2). A region's parent chain ends in GLOBAL; factor resolution walks it from the most specific
code outward. A mainland Chinese province's chain passes through its regional grid
(`model/grids.py`): CN-SC → CN-SOUTHWEST → CN → GLOBAL. The electricity market of a region is
its country: contractual instruments only count against consumption in the same market (Scope 2
Quality Criterion 5).

Known lists: the country part is one of the 249 ISO 3166-1 alpha-2 codes (`COUNTRIES`, checked
against Debian's iso-codes data). For the two countries whose sub-national factors zerotrail
ships, the code after the dash must be one zerotrail knows, since an unknown one would fall back
silently to the national factor: China's regional grids and its ISO 3166-2:CN provinces, and the
US eGRID subregions and ISO 3166-2:US states. Elsewhere any `<country>-<1-12 letters or digits>`
code is accepted (a custom factor set may define it).
"""

from __future__ import annotations

import re

from zerotrail.model.grids import PROVINCE_GRID, REGIONAL_GRIDS, grid_of

GLOBAL = "GLOBAL"
_CODE = re.compile(r"(GLOBAL|[A-Z]{2}(-[A-Z0-9]{1,12})?)")


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ISO 3166-1 alpha-2: the 249 officially assigned codes.
COUNTRIES: frozenset[str] = _codes(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
    """
)
# US eGRID subregions (eGRID 2018-2022 summary tables).
EGRID_SUBREGIONS: frozenset[str] = _codes(
    """
    AKGD AKMS AZNM CAMX ERCT FRCC HIMS HIOA MROE MROW NEWE NWPP NYCW NYLI NYUP PRMS RFCE RFCM
    RFCW RMPA SPNO SPSO SRMV SRMW SRSO SRTV SRVC
    """
)
# ISO 3166-2:US: the states, the District of Columbia and the outlying areas.
US_STATES: frozenset[str] = _codes(
    """
    AK AL AR AS AZ CA CO CT DC DE FL GA GU HI IA ID IL IN KS KY LA MA MD ME MI MN MO MP MS MT NC
    ND NE NH NJ NM NV NY OH OK OR PA PR RI SC SD TN TX UM UT VA VI VT WA WI WV WY
    """
)
# ISO 3166-2:CN outside the mainland grids: Hong Kong, Macao, Taiwan.
_CN_OTHER = frozenset({"CN-HK", "CN-MO", "CN-TW"})
# The sub-national codes zerotrail knows, for the countries where it knows them all.
KNOWN_SUBREGIONS: dict[str, frozenset[str]] = {
    "CN": frozenset(REGIONAL_GRIDS) | frozenset(PROVINCE_GRID) | _CN_OTHER,
    "US": frozenset(f"US-{c}" for c in EGRID_SUBREGIONS | US_STATES),
}
_EXPECTED = (
    "expected ISO 3166-1 alpha-2 such as 'CN', a sub-national code such as 'US-CAMX' or"
    " 'CN-EAST', or 'GLOBAL'"
)


def country_problem(code: str) -> str | None:
    """Why `code` is not an ISO 3166-1 alpha-2 country code, or None."""
    if code in COUNTRIES:
        return None
    hint = " (the United Kingdom is GB)" if code == "UK" else ""
    return (
        f"'{code}' is not an ISO 3166-1 alpha-2 country code{hint} (expected two capital"
        " letters such as CN, GB or US)"
    )


def region_problem(code: str) -> str | None:
    """Why `code` is not a known region code, or None."""
    if not _CODE.fullmatch(code):
        return f"'{code}' is not a region code ({_EXPECTED})"
    if code == GLOBAL:
        return None
    country = code[:2]
    if country not in COUNTRIES:
        return (
            f"'{code}' is not a region code: {country} is not an ISO 3166-1 alpha-2 country"
            f" code ({_EXPECTED})"
        )
    known = KNOWN_SUBREGIONS.get(country)
    if "-" in code and known is not None and code not in known:
        examples = {"CN": "CN-EAST, CN-SC", "US": "US-CAMX, US-CA"}[country]
        return (
            f"'{code}' is not a known {country} region (expected one of the"
            f" {len(known)} codes docs/formats.md lists, such as {examples})"
        )
    return None


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
