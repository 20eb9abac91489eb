"""Reading what the uncertainty estimate needs: a run's results summed per scope, emission
factor and data-quality scores.

Where it sits: store, under the report stage (pipeline/publish.py), which hands the groups read
here to `reports/uncertainty.py` as values. Nothing here writes.

Why groups and not records: the estimate (reports/uncertainty.py) gives every record a
lognormal error whose spread depends only on its five data-quality scores, shares one error
among the records that use the same emission factor, and treats records as independent
otherwise. The variance of a sum of such records needs, per (factor, scores) group, only the
sum of the records' t CO2e (the shared error scales with it) and the sum of their squares (the
independent errors add variances, each proportional to t^2). So one grouped scan answers for
any number of records: the groups number (factors used x score combinations), a few hundred
where the records number 10^6 or more.

Scores: the `results` view carries only the record's mean score (`dq_score`), so the five
indicators are read from the record's row in `activities` (same id and version). An indicator
the record leaves empty takes its mean score rounded up (the method's default score when it
scores none, see engine/settings.py METHOD_DQ): rounding up never makes a record look better
than its score says.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace

# (scope, factor set, factor id, (reliability, completeness, time, geography, technology),
#  records with emissions, sum t, sum t^2, sum market-based t, sum market-based t^2)
Scores = tuple[int, int, int, int, int]
UncertaintyRow = tuple[int, str, str, Scores, int, float, float, float, float]

# Indicator columns in the order the estimate takes them (reports/uncertainty.py INDICATORS).
_SCORES = ("dq_reliability", "dq_completeness", "dq_time", "dq_geography", "dq_technology")


def uncertainty_groups(ws: Workspace, run_id: str) -> list[UncertaintyRow]:
    """The run's results summed per scope, emission factor and the five indicator scores."""
    scores = ", ".join(
        f"CAST(coalesce(a.{c}, ceil(r.dq_score)) AS INTEGER) AS {c}" for c in _SCORES
    )
    keys = ", ".join(("scope", "factor_set", "factor_id", *_SCORES))
    rows = ws.fetchall(
        # Records count when they carry emissions: one left out by the consolidation approach
        # (share 0) is in the results with 0 t.
        f"""SELECT {keys}, count(*) FILTER (WHERE t <> 0 OR tm <> 0),
                   sum(t), sum(t * t), sum(tm), sum(tm * tm)
            FROM (SELECT r.scope, r.factor_set, r.factor_id, {scores},
                         r.co2e_t AS t, r.co2e_market_t AS tm
                  FROM results r
                  JOIN activities a ON a.record_id = r.record_id AND a.version = r.version
                  WHERE r.run_id = ?) AS scored
            GROUP BY {keys} ORDER BY {keys}""",
        [run_id],
    )
    return [
        (
            int(scope),
            str(fset),
            str(fid),
            (int(s1), int(s2), int(s3), int(s4), int(s5)),
            int(n),
            float(t or 0.0),
            float(t2 or 0.0),
            float(tm or 0.0),
            float(tm2 or 0.0),
        )
        for scope, fset, fid, s1, s2, s3, s4, s5, n, t, t2, tm, tm2 in rows
    ]
