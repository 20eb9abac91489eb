"""Reading what the energy mix of a year is made from: fuels burnt, energy bought, generated.

Where it sits: store, under the energy stage (pipeline/energy.py), which hands these values to
`reports/energy.py` (`energy_mix`) to turn into MWh by source. Quantities come from the
activity records of the year's current run, scaled by the consolidation share the run applied
(`results.share`), so the mix has the inventory's boundary; grid MWh and the renewable MWh
matched to them are the run's own. Nothing here writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zerotrail.store.database import Workspace

# Activity families that burn fuel (Scope 1 energy); other Scope 1 records (refrigerants,
# process emissions) use no energy.
FUEL_FAMILIES = ("stationary_combustion", "mobile_combustion")

# Per (scope, activity, unit, the used factor's heat content, its unit and basis, the name of
# its set): consolidated quantity, grid MWh, renewable MWh, fossil CO2 t, biogenic CO2 t.
EnergyRow = tuple[
    int, str, str, float | None, str | None, str | None, str, float, float, float, float, float
]


def energy_records(ws: Workspace, run_id: str) -> list[EnergyRow]:
    """The run's energy records, grouped: fuels (Scope 1 combustion), everything in Scope 2,
    and grid electricity reported in Scope 3 (leased assets), which lies outside the
    company's own operations but is shown beside them."""
    rows: list[Any] = ws.fetchall(
        """SELECT r.scope, r.activity, a.unit, f.hc, f.hu, f.hb,
                  coalesce(s.name, r.factor_set),
                  sum(a.quantity * r.share), sum(r.mwh), sum(r.renewable_mwh),
                  sum(r.co2_t), sum(r.biogenic_co2_t)
           FROM results r
           JOIN activities a ON a.record_id = r.record_id AND a.version = r.version
           LEFT JOIN (SELECT factor_id, max(heat_content) AS hc,
                             max(heat_content_unit) AS hu, max(heat_basis) AS hb
                      FROM factors WHERE heat_content IS NOT NULL GROUP BY factor_id) f
             ON f.factor_id = r.factor_id
           LEFT JOIN factor_sets s ON s.factor_set = r.factor_set
           WHERE r.run_id = ?
             AND ((r.scope = 1 AND split_part(r.activity, '.', 1) IN (SELECT unnest(?)))
                  OR r.scope = 2
                  OR (r.scope = 3 AND r.mwh > 0))
           GROUP BY ALL ORDER BY 1, 2, 3, 7""",
        [run_id, list(FUEL_FAMILIES)],
    )
    return [
        (
            int(sc),
            str(a),
            str(u),
            None if hc is None else float(hc),
            hu,
            hb,
            str(fs),
            float(q or 0),
            float(m or 0),
            float(ren or 0),
            float(co2 or 0),
            float(bio or 0),
        )
        for sc, a, u, hc, hu, hb, fs, q, m, ren, co2, bio in rows
    ]


# (activity, name of the factor set, factor id, heat content, its unit, heating-value basis)
HeatContent = tuple[str, str, str, float, str, str | None]


def heat_contents(ws: Workspace) -> list[HeatContent]:
    """Every heat content the factor library holds for a fuel, one row per factor."""
    rows: list[Any] = ws.fetchall(
        """SELECT f.activity, coalesce(s.name, f.factor_set), f.factor_id,
                  max(f.heat_content), max(f.heat_content_unit), max(f.heat_basis)
           FROM factors f LEFT JOIN factor_sets s ON s.factor_set = f.factor_set
           WHERE f.heat_content IS NOT NULL AND f.heat_content_unit IS NOT NULL
             AND split_part(f.activity, '.', 1) IN (SELECT unnest(?))
           GROUP BY ALL ORDER BY 1, 2, 3""",
        [list(FUEL_FAMILIES)],
    )
    return [(str(a), str(fs), str(fid), float(hc), str(hu), hb) for a, fs, fid, hc, hu, hb in rows]


def onsite_generation(ws: Workspace, year: int, run_id: str) -> list[tuple[str, float, bool]]:
    """Per site with on-site renewable generation metered in the year: the MWh, and whether the
    run reports the site's grid electricity in Scope 3 (a leased asset, outside the company's
    own operations)."""
    rows: list[Any] = ws.fetchall(
        """SELECT m.site, sum(m.onsite_renewable_mwh),
                  EXISTS (SELECT 1 FROM results r WHERE r.run_id = ? AND r.site = m.site
                          AND r.scope = 3 AND r.mwh > 0)
           FROM meter_readings m WHERE m.period_start BETWEEN ? AND ?
           GROUP BY m.site HAVING sum(m.onsite_renewable_mwh) > 0 ORDER BY m.site""",
        [run_id, date(year, 1, 1), date(year, 12, 31)],
    )
    return [(str(s), float(v), bool(out)) for s, v, out in rows]
