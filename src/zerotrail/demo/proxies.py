"""The demo's custom factor set `emmet-proxies`: factors for what no publisher covers.

Part of `demo/`. Wherever a publisher has a factor, the demo's records use it: in their own
region, or pinned from the publisher's region where Emmet Group's methodology applies another
country's factor (pins.py). This set holds only the activities no factor set in the library
covers at all, each named here with the reason for its proxy. The module never types a number:
every value is the text of a shipped row, copied.

- `commuting.e_bike` (CN, vehicle-km): Chinese staff commute on electric two-wheelers, and no
  publisher in the library (EPA Hub, DESNZ, IPCC, MEE, USEEIO) has a factor for them. The
  methodology applies DESNZ's small motorbike (petrol, up to 125 cc; `commuting.motorcycle.small`,
  per vehicle-km): the nearest published mode, which overstates an e-bike's emissions (a
  conservative proxy). For each year the edition the engine would choose for a GB record of that
  year is copied (DESNZ 2020 for 2020 ...), valid for those years only.

Every proxy row says what it is in `source` (the original factor id, its key and region, and how
it was applied), keeps the original `source_url`, `licence`, `edition`, `currency_year` and, on
CO2e rows, `gwp_basis`, and is `verified` false: its emissions count as unverified in the report.
No residual mix is added for GB: no shipped source supports one, and the calculation falls back
to location-based with a flag where a residual mix is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from zerotrail.demo.company import YEARS
from zerotrail.demo.library import FactorLine, choose
from zerotrail.errors import FactorError

PROXY_SET = "emmet-proxies"


@dataclass(frozen=True, slots=True)
class Proxy:
    """An activity no publisher covers, and the published factor applied to it, and why."""

    key: str
    label: str  # the activity in words, as the factor's source text names it
    region: str
    unit: str
    source_key: str
    source_region: str
    why: str


PROXIES: tuple[Proxy, ...] = (
    Proxy(
        "commuting.e_bike",
        "commuting by e-bike",
        "CN",
        "vehicle-km",
        "commuting.motorcycle.small",
        "GB",
        "no publisher has a factor for electric two-wheelers; DESNZ's small motorbike (petrol,"
        " up to 125 cc) is the nearest published mode and overstates an e-bike's emissions",
    ),
)


def years(first: int, last: int) -> str:
    """'2020-2025', or '2023' for a single year."""
    return str(first) if first == last else f"{first}-{last}"


def _reissue(orig: Sequence[FactorLine], proxy: Proxy, first: int, last: int) -> list[FactorLine]:
    span = years(first, last)
    out = []
    for r in orig:
        validity = f"{r.valid_from.isoformat()}..{r.valid_to.isoformat() if r.valid_to else 'open'}"
        publication = r.source if r.edition in r.source else f"{r.source}, {r.edition},"
        out.append(
            replace(
                r,
                factor_set=PROXY_SET,
                factor_id=f"{PROXY_SET}:{proxy.key}:{proxy.region}:{span}",
                activity=proxy.key,
                region=proxy.region,
                valid_from=date(first, 1, 1),
                valid_to=date(last, 12, 31),
                # gwp_basis is carried over: the shipped file sets it on CO2e rows only.
                source=(
                    f"Proxy: {publication} factor {r.factor_id}, applied to {proxy.label} in"
                    f" {proxy.region} {span} by Emmet Group's methodology"
                ),
                verified=False,
                note=(
                    f"Emmet Group proxy ({proxy.why}); original {r.factor_set} factor for"
                    f" {r.activity} in {r.region}, valid {validity}."
                ),
            )
        )
    return out


def derive(keyed: Mapping[str, Sequence[FactorLine]]) -> list[FactorLine]:
    """The `emmet-proxies` rows, from the library by key (`library.keyed`).

    Raises FactorError naming every proxy whose source factor the library lacks.
    """
    out: list[FactorLine] = []
    missing = []
    for proxy in PROXIES:
        rows = keyed.get(proxy.source_key, ())
        # Consecutive years that take the same source factor share one proxy factor.
        spans: list[tuple[list[FactorLine], int, int]] = []
        for year in YEARS:
            chosen = choose(
                rows, proxy.source_key, proxy.source_region, proxy.unit, date(year, 1, 1)
            )
            if chosen is None:
                missing.append(f"{proxy.source_key} in {proxy.source_region} ({proxy.unit})")
                break
            if spans and spans[-1][0][0].factor_id == chosen[0].factor_id:
                spans[-1] = (chosen, spans[-1][1], year)
            else:
                spans.append((chosen, year, year))
        else:
            for chosen, first, last in spans:
                out += _reissue(chosen, proxy, first, last)
    if missing:
        raise FactorError(
            "the factor library has no factor to derive the Emmet demo's proxies from: "
            + ", ".join(missing)
        )
    return out
