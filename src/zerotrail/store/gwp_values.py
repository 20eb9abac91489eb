"""The GWP values calculation runs weighed their records' gases with (table `gwp_values`).

Where it sits: store. The calculation stage stores and commits them in a run's transaction,
before the run's own leaf (pipeline/calculation.py `commit_run`, for every engine's run); the
verifier's sample reads them back through the ledger (store/sample_inputs.py), so a bundle
carries the GWP values each sampled record's figures rest on beside its factor rows.

A row is one version of the weights of one kg of a gas (reference/gwp_values.py): per GWP set,
blend rule, gas and methane origin, the numbers `reference.gwp.gas_weights` gives. A run adds
only the keys its records needed that have no version yet, or whose latest version is not what
the package gives now (a corrected table): a new version, the earlier kept for the runs that
used it. Most runs add nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from zerotrail.reference.gwp_values import NUMBERS, GwpValue
from zerotrail.store.committed import KINDS, commit_new
from zerotrail.store.database import Workspace

_COLUMNS = ("gwp_set", "blend_rule", "gas", "ch4_origin", "version", *NUMBERS, "flags", "source")


def run_gas_keys(ws: Workspace, run_id: str) -> list[tuple[str, str | None]]:
    """(gas, methane origin) of every gas row of each factor the run's records used, at those
    records' origin (None: they name none); the gases the calculation weighed for them."""
    rows = ws.fetchall(
        "SELECT DISTINCT f.gas, s.origin_k FROM run_signatures s"
        " JOIN factors f ON f.factor_id = s.factor_id WHERE s.run_id = ? ORDER BY 1, 2",
        [run_id],
    )
    return [(str(gas), str(origin) if origin else None) for gas, origin in rows]


def store_new(ws: Workspace, run_id: str, values: Sequence[GwpValue]) -> int:
    """Store and commit, inside the caller's transaction, a version of each of `values` (the
    run's) whose key has none yet or whose latest version differs; returns how many."""
    latest: dict[tuple[str, str, str, str | None], tuple[int, tuple[object, ...]]] = {}
    sets = sorted({(v.gwp_set, v.blend_rule) for v in values})
    for gwp_set, rule in sets:
        for row in ws.fetchall(
            f"SELECT {', '.join(_COLUMNS)} FROM gwp_values WHERE gwp_set = ? AND blend_rule = ?",
            [gwp_set, rule],
        ):
            key = (str(row[0]), str(row[1]), str(row[2]), None if row[3] is None else str(row[3]))
            version = int(row[4])
            if key not in latest or latest[key][0] < version:
                latest[key] = (version, tuple(row[5:]))
    new = []
    for v in values:
        key = (v.gwp_set, v.blend_rule, v.gas, v.ch4_origin)
        fields = (*(v.numbers[n] for n in NUMBERS), v.flags, v.source)
        version, stored = latest.get(key, (0, None))
        # Doubles read back as stored, so equality is exact: any changed digit is a new version.
        if stored is not None and tuple(stored) == fields:
            continue
        new.append((*key, version + 1, *fields, run_id))
    if not new:
        return 0
    marks = ", ".join("?" for _ in range(len(_COLUMNS) + 1))
    for row in new:
        ws.execute(f"INSERT INTO gwp_values ({', '.join(_COLUMNS)}, run_id) VALUES ({marks})", row)
    run = run_id.replace("'", "''")
    # Only this run's rows can be new: commit those (the table as committed, a subset).
    return commit_new(ws, "gwp", f"(SELECT * FROM {KINDS['gwp'].table} t WHERE run_id = '{run}')")
