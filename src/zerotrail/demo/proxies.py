"""The demo's custom factor set `emmet-proxies`, derived from the shipped factor library.

Part of `demo/`. The shipped library has no Chinese factors for travel, commuting, freight,
fleet fuel by the litre, waste or spend, and its editions start after 2020 for some grids.
Emmet Group's methodology fills those gaps with documented proxies, and this module writes
them, never typing a number: every value is the text of a shipped row, copied.

- Re-issued factors (`WANTS`): the US factor for each key (EPA GHG Emission Factors Hub 2024,
  USEEIO for spend) is re-issued with region GLOBAL and validity 2020-2025, so it applies to
  Chinese, British and pre-2024 US records. Where several US factors share a key, the one whose
  unit converts from the demo's unit is taken, verified before unverified, then the newest,
  then the smallest factor id.
- Back-filled grid factors: for each grid region the demo's electricity uses, years before the
  library's first edition (walking the region's lineage as the engine does) get that first
  edition re-issued at its own region for those years only.

Every proxy row says what it is in `source` (the original factor id and how it was applied),
keeps the original `source_url`, `licence`, `edition`, `currency_year` (spend factors: their
dollar year, so their spend is deflated or flagged like the original's) and, on CO2e rows,
`gwp_basis`, and is `verified` false. No residual mix is added for GB: no shipped source
supports one, and the calculation falls back to location-based with a flag where a residual mix
is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from zerotrail.demo.company import FIRST_YEAR, LAST_YEAR, YEARS
from zerotrail.demo.library import FactorLine, by_factor, choose, converts, preferred
from zerotrail.demo.plan import spend_codes
from zerotrail.demo.streams import Line
from zerotrail.errors import FactorError
from zerotrail.model.regions import GLOBAL

PROXY_SET = "emmet-proxies"
# Region whose factors are re-issued: the EPA Hub and USEEIO factors are US factors.
SOURCE_REGION = "US"
PROXY_FROM = date(FIRST_YEAR, 1, 1)
PROXY_TO = date(LAST_YEAR, 12, 31)


@dataclass(frozen=True, slots=True)
class Want:
    """A key the demo needs a proxy for, in the unit its records use, and why."""

    key: str
    unit: str
    why: str
    gases: tuple[str, ...] = ()  # () keeps every gas of the chosen factor


_NO_CN = "the library has no China-specific factor for it"

WANTS: tuple[Want, ...] = (
    *(
        Want(f"business_travel.{m}", "passenger-km", _NO_CN)
        for m in ("air_short_haul", "air_medium_haul", "air_long_haul", "rail")
    ),
    Want("business_travel.car", "vehicle-km", _NO_CN),
    Want("commuting.car", "vehicle-km", _NO_CN),
    Want("commuting.bus", "passenger-km", _NO_CN),
    Want("commuting.rail_transit", "passenger-km", _NO_CN),
    *(Want(f"freight.{m}", "tonne-km", _NO_CN) for m in ("truck", "rail", "waterborne", "air")),
    # Only CO2 is per litre: EPA's fleet CH4 and N2O are per vehicle-mile and model year.
    Want("mobile_combustion.motor_gasoline", "L", _NO_CN, ("CO2",)),
    Want("mobile_combustion.diesel", "L", _NO_CN, ("CO2",)),
    Want("waste.mixed_msw.landfilled", "t", _NO_CN),
    Want("waste.office_paper.recycled", "t", _NO_CN),
    *(
        Want(f"spend.naics.{code}", "USD", "the library's spend factors are US-only")
        for code in spend_codes()
    ),
)


def _source_factor(rows: Sequence[FactorLine], want: Want) -> list[FactorLine] | None:
    groups = by_factor(
        r
        for r in rows
        if r.activity == want.key
        and r.region == SOURCE_REGION
        and r.factor_set != PROXY_SET
        and converts(want.unit, r)
    )
    if not groups:
        return None
    chosen = preferred(groups)
    return [r for r in chosen if not want.gases or r.gas in want.gases] or None


def years(first: date, last: date) -> str:
    """'2020-2025', or '2023' for a single year."""
    return str(first.year) if first.year == last.year else f"{first.year}-{last.year}"


def _reissue(
    orig: Sequence[FactorLine],
    factor_id: str,
    region: str,
    valid_from: date,
    valid_to: date,
    why: str,
) -> list[FactorLine]:
    out = []
    for r in orig:
        span = f"{r.valid_from.isoformat()}..{r.valid_to.isoformat() if r.valid_to else 'open'}"
        publication = r.source if r.edition in r.source else f"{r.source}, {r.edition},"
        out.append(
            replace(
                r,
                factor_set=PROXY_SET,
                factor_id=factor_id,
                region=region,
                valid_from=valid_from,
                valid_to=valid_to,
                # gwp_basis is carried over: the shipped file sets it on CO2e rows only.
                source=(
                    f"Proxy: {publication} factor {r.factor_id}, applied to {region}"
                    f" {years(valid_from, valid_to)} by Emmet Group's methodology"
                ),
                verified=False,
                note=(
                    f"Emmet Group proxy ({why}); original {r.factor_set} factor for {r.region},"
                    f" valid {span}."
                ),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Demand:
    """What the demo's records of one key need: region, unit and each active year's start."""

    key: str
    region: str
    unit: str
    starts: tuple[date, ...]


def demands(lines: Iterable[Line]) -> list[Demand]:
    """One Demand per (key, region, unit) of the plan, with the first day of each active year."""
    found: dict[tuple[str, str, str], set[date]] = {}
    for line in lines:
        for i, year in enumerate(YEARS):
            if line.amounts[i] == 0:
                continue
            start = max(date(year, 1, 1), line.start)
            if start.year == year:
                found.setdefault((line.activity, line.region, line.unit), set()).add(start)
    return [Demand(k, r, u, tuple(sorted(s))) for (k, r, u), s in sorted(found.items())]


def _backfill(rows: Sequence[FactorLine], demand: Demand) -> list[FactorLine]:
    uncovered = [
        s for s in demand.starts if choose(rows, demand.key, demand.region, demand.unit, s) is None
    ]
    covered = [s for s in demand.starts if s not in uncovered]
    if not uncovered or not covered:
        # Nothing to fill, or nothing to fill it from: the coverage check reports the latter.
        return []
    source = choose(rows, demand.key, demand.region, demand.unit, min(covered))
    assert source is not None  # covered means a factor was found
    head = source[0]
    begin = date(min(uncovered).year, 1, 1)
    end = head.valid_from - timedelta(days=1)
    factor_id = f"{PROXY_SET}:{demand.key}:{head.region}:{years(begin, end)}"
    why = f"no edition in the library before {head.valid_from.isoformat()}"
    return _reissue(source, factor_id, head.region, begin, end, why)


def derive(rows: Sequence[FactorLine], lines: Iterable[Line]) -> list[FactorLine]:
    """The `emmet-proxies` rows for the plan `lines`, from the library `rows`.

    Raises FactorError naming every wanted key the library has no US factor for.
    """
    out: list[FactorLine] = []
    missing = []
    for want in WANTS:
        orig = _source_factor(rows, want)
        if orig is None:
            missing.append(f"{want.key} ({want.unit})")
            continue
        out += _reissue(orig, f"{PROXY_SET}:{want.key}", GLOBAL, PROXY_FROM, PROXY_TO, want.why)
    if missing:
        raise FactorError(
            "the factor library has no US factor to derive the Emmet demo's proxies for: "
            + ", ".join(missing)
        )
    backfills: dict[str, list[FactorLine]] = {}
    for demand in demands(lines):
        if demand.key.startswith("electricity."):
            for r in _backfill(rows, demand):
                backfills.setdefault(r.factor_id, []).append(r)
    for factor_id in sorted(backfills):
        group = backfills[factor_id]
        # Two regions falling back to the same ancestor produce the same rows once.
        seen = set()
        for r in group:
            if r.gas not in seen:
                seen.add(r.gas)
                out.append(r)
    return out


def gaps(rows: Sequence[FactorLine], lines: Iterable[Line]) -> list[tuple[str, str, str, date]]:
    """(key, region, unit, start) of every demand that no row in `rows` covers."""
    return [
        (d.key, d.region, d.unit, s)
        for d in demands(lines)
        for s in d.starts
        if choose(rows, d.key, d.region, d.unit, s) is None
    ]
