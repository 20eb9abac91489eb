"""Reading what each flag covers in a run: its records and their t CO2e.

Where it sits: store, under the report stage (pipeline/publish.py), which hands the tallies to
`reports/flag_table.py`. A record's flags are one ";"-joined text (`results.flags`); a record
with several flags counts under each. Nothing here writes.
"""

from __future__ import annotations

from zerotrail.model.flags import FlagTally
from zerotrail.store.database import Workspace


def flag_tallies(ws: Workspace, run_id: str) -> list[FlagTally]:
    """Per flag raised in the run: records, t CO2e (location- and market-based), the years of
    the factors used and the currency years of the spend factors among them, by flag name."""
    rows = ws.fetchall(
        """WITH f AS (
               SELECT unnest(string_split(flags, ';')) AS flag, co2e_t, co2e_market_t,
                      factor_year, factor_id
               FROM results WHERE run_id = ? AND flags <> '')
           SELECT flag, count(*), coalesce(sum(co2e_t), 0), coalesce(sum(co2e_market_t), 0),
                  list(DISTINCT factor_year) FILTER (WHERE factor_year IS NOT NULL),
                  list(DISTINCT factor_id)
           FROM f GROUP BY flag ORDER BY flag""",
        [run_id],
    )
    # Currency years come from the factor rows: read once for the factors any flag names.
    factor_ids = sorted({str(i) for r in rows for i in r[5]})
    currency = {
        str(fid): int(y)
        for fid, y in ws.fetchall(
            "SELECT factor_id, max(currency_year) FROM factors WHERE currency_year IS NOT NULL"
            " AND list_contains(?, factor_id) GROUP BY 1",
            [factor_ids],
        )
    }
    return [
        FlagTally(
            name=str(name),
            records=int(n),
            co2e_t=float(t),
            co2e_market_t=float(tm),
            factor_years=tuple(sorted(int(y) for y in years or ())),
            currency_years=tuple(sorted({currency[str(i)] for i in ids if str(i) in currency})),
        )
        for name, n, t, tm, years, ids in rows
    ]
