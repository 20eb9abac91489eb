"""Which published factor each of the demo's records uses where its own region has none.

Part of `demo/`, between the records (activities.py) and the files (generate.py). A record keeps
its true region (CN for Chinese travel, spend and waste), and the engine looks for a factor only
there and in the region's parents (CN, then GLOBAL), so a Chinese record can never reach a UK or
US factor by itself. Emmet Group's methodology applies another country's published factor where
no publisher covers China; the record then names that factor in its `factor_id` column (a pin).

For each record, in this order:

1. A published factor in the record's own region or its parents (the engine's own choice): no
   pin. Chinese electricity takes China's MEE grid factors; flights between non-UK airports,
   sea and air freight take DESNZ's international (GLOBAL) factors; hotel stays take DESNZ's
   per-country room-night factor (China has one); Chinese natural gas and generator diesel take
   the IPCC 2006 defaults (GLOBAL); London's records take DESNZ, the US business's the EPA Hub
   and USEEIO.
2. Otherwise the publisher `METHOD` names for the key's family, in that publisher's region: the
   record pins the factor the engine would choose for a record of that region and start date
   (`library.choose`), that is DESNZ's edition for the record's year, the EPA Hub's edition for
   that year or the nearest one, USEEIO v1.2 for 2020-2021 and v1.3 from 2022.
3. Otherwise the demo's own `emmet-proxies` set (proxies.py) covers the record in its own region.

`pin` raises FactorError naming every (key, region, unit) that none of the three covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from zerotrail.demo.activities import Activity
from zerotrail.demo.library import FactorLine, choose
from zerotrail.errors import FactorError


@dataclass(frozen=True, slots=True)
class Method:
    """The publisher whose factor a key family takes where the record's region has none."""

    prefix: str  # activity keys starting with it
    region: str  # the publisher's region, where its factors are
    publisher: str
    why: str


METHOD: tuple[Method, ...] = (
    *(
        Method(
            f"{family}.",
            "GB",
            "UK DESNZ conversion factors",
            "the UK government's factors are published for every year, mode and class; the"
            " library has no Chinese factors for travel, freight or waste",
        )
        for family in ("business_travel", "commuting", "freight", "waste")
    ),
    Method(
        "mobile_combustion.",
        "US",
        "US EPA GHG Emission Factors Hub, Table 2",
        "fleet fuel by the litre: DESNZ lists fuels only under stationary_combustion keys, the"
        " EPA Hub under mobile_combustion (CO2 per gallon; CH4 and N2O are per vehicle-mile)",
    ),
    Method(
        "spend.",
        "US",
        "US EPA Supply Chain GHG Emission Factors (USEEIO)",
        "the only spend-based factors published for every NAICS commodity",
    ),
)


def method_for(key: str) -> Method | None:
    """The publisher METHOD names for `key`, or None."""
    return next((m for m in METHOD if key.startswith(m.prefix)), None)


def pin_for(
    keyed: Mapping[str, Sequence[FactorLine]], key: str, region: str, unit: str, start: date
) -> str | None:
    """The factor id a record of (`key`, `region`, `unit`, `start`) pins: '' when its own region
    resolves it, None when neither its region nor the METHOD's publisher has a factor.

    `keyed` is the published library by key (`library.keyed`), without the proxies.
    """
    rows = keyed.get(key, ())
    if choose(rows, key, region, unit, start) is not None:
        return ""
    method = method_for(key)
    chosen = None if method is None else choose(rows, key, method.region, unit, start)
    return None if chosen is None else chosen[0].factor_id


def pin(
    acts: Iterable[Activity],
    keyed: Mapping[str, Sequence[FactorLine]],
    proxies: Sequence[FactorLine] = (),
) -> list[Activity]:
    """`acts` with their pins set (`factor_id`), following the order in the module docstring.

    Raises FactorError naming every (key, region, unit) no published factor and no proxy covers.
    """
    memo: dict[tuple[str, str, str, date], str | None] = {}
    out = []
    missing: set[tuple[str, str, str]] = set()
    for a in acts:
        k = (a.activity, a.region, a.unit, a.period_start)
        if k not in memo:
            found = pin_for(keyed, *k)
            if found is None and choose(proxies, *k) is not None:
                found = ""
            memo[k] = found
        factor_id = memo[k]
        if factor_id is None:
            missing.add((a.activity, a.region, a.unit))
            continue
        out.append(replace(a, factor_id=factor_id) if factor_id else a)
    if missing:
        raise FactorError(
            "the factor library has no published factor (nor the demo a proxy) for the Emmet"
            " demo's " + ", ".join(_missing(*m) for m in sorted(missing))
        )
    return out


def _missing(key: str, region: str, unit: str) -> str:
    method = method_for(key)
    where = "" if method is None else f"; none from {method.publisher} in {method.region} either"
    return f"{key} in {region} ({unit}{where})"
