"""Reading which factor sets each Scope 3 category of a run rests on.

Where it sits: store, under the report stage (pipeline/publish.py), which hands the rows to
`reports/screening.py` for the methodology of each Scope 3 category. Reads the `results` view
of one run; nothing here writes.
"""

from __future__ import annotations

from zerotrail.model.screening import CategorySource
from zerotrail.store.database import Workspace

# The engine's flag for a factor a record pins from outside its region's lineage
# (engine/emissions.py `_flags`): a UK factor applied to a Chinese record.
OTHER_REGION_FLAG = "pinned_other_region"


def scope3_sources(ws: Workspace, run_id: str) -> list[CategorySource]:
    """Per Scope 3 category and factor set of the run: records, t CO2e (location-based), and
    the t CO2e calculated with a factor from outside the record's region; by category, set.
    Records the consolidation leaves out (share 0) are not counted: they used no factor for
    the inventory."""
    rows = ws.fetchall(
        """SELECT r.category, r.factor_set, coalesce(min(s.name), r.factor_set),
                  string_agg(DISTINCT r.factor_region, ',' ORDER BY r.factor_region),
                  count(*), coalesce(sum(r.co2e_t), 0),
                  coalesce(sum(r.co2e_t) FILTER (WHERE r.flags LIKE ?), 0)
           FROM results r LEFT JOIN factor_sets s ON s.factor_set = r.factor_set
           WHERE r.run_id = ? AND r.scope = 3 AND r.share > 0
           GROUP BY r.category, r.factor_set ORDER BY 1, 2""",
        [f"%{OTHER_REGION_FLAG}%", run_id],
    )
    return [
        CategorySource(
            int(c), str(fs), str(name), tuple(str(regions).split(",")), int(n), float(t), float(o)
        )
        for c, fs, name, regions, n, t, o in rows
    ]
