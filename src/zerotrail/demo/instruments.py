"""Emmet Group's contractual instruments for market-based Scope 2 and the leased-DC target.

Part of `demo/`. Sized from the plan's electricity table: Chinese GECs for campuses and offices
(half-year batches, a growing share), from 2023 a green-power PPA instead of GECs for the two
East China campuses (the same share), I-RECs for the leased data centres in China (reaching
32% in 2025), a wind PPA for the Zhangbei data centre from 2023 and RECs for the acquired US
data hall. Three instruments are there to be refused by the calculation, each for one reason:
one still `held` (never retired), one of the wrong vintage (2019 generation), one from the
wrong market (a GB guarantee of origin claimed for a Chinese campus). Every instrument's period
lies within one calendar year. Nothing here is random.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zerotrail.demo.company import YEARS, site
from zerotrail.demo.plan import (
    CAMPUS_PPA_FROM,
    CAMPUS_PPA_SITES,
    ELECTRICITY_MWH,
    GEC_SHARE,
    GEC_SITES,
    IREC_SHARE,
    IREC_SITES,
    PPA_MWH,
    PPA_SITE,
    REC_MWH,
    REC_SITE,
)
from zerotrail.ingest.formats import INSTRUMENTS


@dataclass(frozen=True, slots=True)
class Instrument:
    """One row of instruments.csv."""

    instrument_id: str
    type: str
    mwh: float
    period_start: date
    period_end: date
    region: str
    entity: str
    site: str
    status: str
    retired_on: date | None
    registry_id: str
    emission_rate_t_per_mwh: float | None = None

    def to_record(self) -> dict[str, str]:
        rate = self.emission_rate_t_per_mwh
        record = {
            "instrument_id": self.instrument_id,
            "type": self.type,
            "mwh": f"{self.mwh:.3f}",
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "region": self.region,
            "entity": self.entity,
            "site": self.site,
            "status": self.status,
            "retired_on": self.retired_on.isoformat() if self.retired_on else "",
            "registry_id": self.registry_id,
            "emission_rate_t_per_mwh": "" if rate is None else f"{rate:.3f}",
        }
        return {name: record[name] for name in INSTRUMENTS.names}


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _gecs(year: int, share: float) -> list[Instrument]:
    out = []
    for site_id in GEC_SITES:
        if site_id in CAMPUS_PPA_SITES and year >= CAMPUS_PPA_FROM:
            continue  # supplied under the campus PPA instead
        s = site(site_id)
        half = round(ELECTRICITY_MWH[site_id][YEARS.index(year)] * share / 2, 3)
        # Bought and retired in half-year batches, as the campuses' green-power deals run.
        batches = (
            (1, date(year, 1, 1), date(year, 6, 30), date(year, 7, 15)),
            (2, date(year, 7, 1), date(year, 12, 31), date(year, 12, 20)),
        )
        for h, start, end, retired in batches:
            out.append(
                Instrument(
                    f"GEC-{year}-{site_id}-H{h}",
                    "GEC",
                    half,
                    start,
                    end,
                    "CN",
                    s.entity,
                    site_id,
                    "retired",
                    retired,
                    f"CN-GEC-{year}H{h}-{site_id}",
                )
            )
    return out


def _campus_ppas(year: int, share: float) -> list[Instrument]:
    """The East China campuses' green-power PPA: zero-emission supply with its certificates."""
    out = []
    start, end = _year(year)
    for site_id in CAMPUS_PPA_SITES:
        s = site(site_id)
        mwh = round(ELECTRICITY_MWH[site_id][YEARS.index(year)] * share, 3)
        out.append(
            Instrument(
                f"PPA-{year}-{site_id}",
                "PPA",
                mwh,
                start,
                end,
                "CN",
                s.entity,
                site_id,
                "retired",
                end,
                f"CN-GREEN-POWER-{year}-{site_id}",
                0.0,
            )
        )
    return out


def _irecs(year: int, share: float) -> list[Instrument]:
    out = []
    start, end = _year(year)
    for site_id in IREC_SITES:
        s = site(site_id)
        mwh = round(ELECTRICITY_MWH[site_id][YEARS.index(year)] * share, 3)
        out.append(
            Instrument(
                f"IREC-{year}-{site_id}",
                "I-REC",
                mwh,
                start,
                end,
                "CN",
                s.entity,
                site_id,
                "retired",
                date(year, 12, 15),
                f"IREC-CN-{year}-{site_id}",
            )
        )
    return out


def _invalid() -> list[Instrument]:
    """Instruments the calculation must refuse, one reason each."""
    sh, gz, hz = site("SH-CAMPUS"), site("GZ-DC"), site("HZ-CAMPUS")
    return [
        # Bought but never retired: not a claim.
        Instrument(
            "GEC-2024-SH-CAMPUS-HELD",
            "GEC",
            500.0,
            date(2024, 7, 1),
            date(2024, 12, 31),
            "CN",
            sh.entity,
            sh.site,
            "held",
            None,
            "CN-GEC-2024H2-SH-CAMPUS-B",
        ),
        # 2019 generation retired in 2020: the wrong vintage for any inventory year.
        Instrument(
            "IREC-2019-GZ-DC",
            "I-REC",
            5000.0,
            date(2019, 1, 1),
            date(2019, 12, 31),
            "CN",
            gz.entity,
            gz.site,
            "retired",
            date(2020, 6, 30),
            "IREC-CN-2019-GZ-DC",
        ),
        # A UK guarantee of origin cannot cover consumption on the Chinese grid.
        Instrument(
            "GO-2022-HZ-CAMPUS",
            "GO",
            800.0,
            date(2022, 1, 1),
            date(2022, 12, 31),
            "GB",
            hz.entity,
            hz.site,
            "retired",
            date(2022, 12, 1),
            "GO-UK-2022-HZ",
        ),
    ]


def instruments() -> list[Instrument]:
    """Every instrument of the demo, year by year, then the ones that must be refused."""
    out: list[Instrument] = []
    for i, year in enumerate(YEARS):
        out += _gecs(year, GEC_SHARE[i])
        if year >= CAMPUS_PPA_FROM:
            out += _campus_ppas(year, GEC_SHARE[i])
        if IREC_SHARE[i] > 0:
            out += _irecs(year, IREC_SHARE[i])
        start, end = _year(year)
        if PPA_MWH[i] > 0:
            s = site(PPA_SITE)
            # Zero-emission wind supply, bundled with its certificates, cancelled at year end.
            out.append(
                Instrument(
                    f"PPA-{year}-{PPA_SITE}",
                    "PPA",
                    PPA_MWH[i],
                    start,
                    end,
                    "CN",
                    s.entity,
                    s.site,
                    "retired",
                    end,
                    f"PPA-ZB-WIND-{year}",
                    0.0,
                )
            )
        if REC_MWH[i] > 0:
            s = site(REC_SITE)
            out.append(
                Instrument(
                    f"REC-{year}-{REC_SITE}",
                    "REC",
                    REC_MWH[i],
                    start,
                    end,
                    "US",
                    s.entity,
                    s.site,
                    "retired",
                    date(year, 12, 15),
                    f"PJM-GATS-{year}-NJ-DC",
                )
            )
    return out + _invalid()
