"""Emmet Group's intensity denominators (metrics.csv) and procurement suppliers (suppliers.csv).

Part of `demo/`. Revenue (CNY million) and employees (FTE, year end) for 2020-2025, plausible
for a large Chinese fintech group: revenue grows about 8% a year; the workforce follows the
plan's headcount trend, plus Pengcheng Payment Services' staff from its acquisition in July
2023 (its revenue counts from then on).

The suppliers are exactly those the activity records name (the spend lines' supplier ids),
with invented names; the year their science-based target was validated is set for a growing
number of them (1 by 2019, 12 of 21 by 2025), as the group's supplier engagement asks.
"""

from __future__ import annotations

from collections.abc import Iterable

from zerotrail.demo.activities import Activity
from zerotrail.demo.company import YEARS
from zerotrail.demo.plan import HEADCOUNT
from zerotrail.ingest.formats import METRICS, SUPPLIERS

REVENUE_CNY_M = (118_240.0, 131_560.0, 139_870.0, 152_310.0, 166_420.0, 179_850.0)
GROUP_FTE = 16_800
PENGCHENG_FTE = (0, 0, 0, 860, 880, 900)

SUPPLIER_NAMES: dict[str, tuple[str, int | None]] = {
    "SUP-FAC-01": ("Jinhu Property Services", 2022),
    "SUP-FAC-02": ("Xiling Facility Management", 2024),
    "SUP-FAC-03": ("Qiantang Cleaning Services", None),
    "SUP-FAC-04": ("Nanshan Building Maintenance", None),
    "SUP-INS-01": ("Hengan Property Insurance", 2021),
    "SUP-INS-02": ("Dongfang Casualty Insurance", None),
    "SUP-DEV-01": ("Huaxin Computer Devices", 2020),
    "SUP-DEV-02": ("Mingrui Notebook Manufacturing", 2022),
    "SUP-DEV-03": ("Taihe Peripherals", None),
    "SUP-HLT-01": ("Kangning Health Check Centres", 2024),
    "SUP-HLT-02": ("Ruihe Medical Examination", None),
    "SUP-OFF-01": ("Hanmo Stationery", 2023),
    "SUP-OFF-02": ("Zhiyuan Printing", None),
    "SUP-OFF-03": ("Baixue Paper Products", None),
    "SUP-CAN-01": ("Fengshou Agricultural Produce", 2025),
    "SUP-CAN-02": ("Lvye Grain and Oils", None),
    "SUP-CAN-03": ("Tianyuan Fresh Foods", None),
    "SUP-SRV-01": ("Yunfeng Server Systems", 2019),
    "SUP-SRV-02": ("Xingchen Network Equipment", 2021),
    "SUP-SRV-03": ("Hailan Storage Systems", 2023),
    "SUP-SRV-04": ("Beichen Computing Hardware", 2025),
}


def metric_records() -> list[dict[str, str]]:
    """The rows of metrics.csv: revenue, then employees, year by year."""
    out = []
    for i, year in enumerate(YEARS):
        out.append(
            {
                "metric": "revenue",
                "year": str(year),
                "value": f"{REVENUE_CNY_M[i]:.1f}",
                "unit": "CNY million",
            }
        )
    for i, year in enumerate(YEARS):
        fte = round(GROUP_FTE * HEADCOUNT[i]) + PENGCHENG_FTE[i]
        out.append({"metric": "employees", "year": str(year), "value": str(fte), "unit": "FTE"})
    return [{name: r[name] for name in METRICS.names} for r in out]


def supplier_records(acts: Iterable[Activity]) -> list[dict[str, str]]:
    """The rows of suppliers.csv: every supplier the activity records name, sorted by id.

    KeyError for a supplier without a name here (a new spend line needs one).
    """
    used = sorted({a.supplier for a in acts if a.supplier})
    out = []
    for supplier in used:
        name, sbt = SUPPLIER_NAMES[supplier]
        record = {"supplier": supplier, "name": name, "sbt_year": "" if sbt is None else str(sbt)}
        out.append({n: record[n] for n in SUPPLIERS.names})
    return out
