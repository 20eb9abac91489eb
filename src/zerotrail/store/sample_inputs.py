"""What a verifier needs to recompute a sampled record's emissions without the engine.

Where it sits: store, read by the verification stage. For each sampled activity record of a
run it names the committed leaves whose openings the reference calculation
(engine/reference.py, through assurance/recompute.py) needs to recompute the record's
location-based figures, and reads the figures the run states for it (its row of the `results`
view). Proving the leaves and handing out their openings is the ledger's (store/checkpoints.py).

The leaves of one record, in this order:

- `activity` (record id, version): the version the run calculated (the `results` view picks
  it by the run's `as_of_import` and the records' `superseded_by`); its leaf must precede the
  run's;
- `run` (run id, 1): the settings the figures depend on (year, GWP set, consolidation, blend
  rule);
- `factor` (`<factor_id>/<gas>`, 1): every gas row of the factor the run used for the record.
  Its heat content and heating-value basis are fields of those rows, so no other factor is
  needed; the residual mix is not (it serves only the market-based figure, not recomputed
  from a sample);
- `gwp` (`<gwp_set>/<blend_rule>/<gas>/<origin>`): the GWP values the run weighed each of
  those gases with, at the record's methane origin (`-` when it names none). A run calculated
  before runs committed them has none: the record's leaves then lack them (the verifier's
  check says so) rather than the sample failing;
- `entity`: the record's entity and every entity up its ownership chain, and the same for its
  site's entity (the site's control falls back to it);
- `site`: the record's site, when it names one;
- `price_index` (`<currency>:<year>`): when a deflation was due (the factor has a currency year
  other than the spend's year), the index values of both years the run had, those that exist;
  both when the run deflated.

Versions of GWP values, entities, sites and price indices are those the run read: the latest
committed before the run's own leaf. An import commits its versions in its transaction and a
run commits its leaf in the transaction it read them in (its GWP values just before it), so
the leaf order is the order in which they were live (`ledger audit` holds the activity leaves
to the same split at each run's leaf).

Every read is one query for all the records (a sample has a few hundred): the run, its results
rows (with each record's methane origin), the factor rows, the ledger leaves, the entity and
the site versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from zerotrail.engine.settings import FAMILIES
from zerotrail.errors import ZerotrailError
from zerotrail.reference.gwp_values import gwp_ref
from zerotrail.store.database import Workspace


class Leaf(NamedTuple):
    """One committed leaf, as the ledger names it (a tuple, so the provers take it as is)."""

    kind: str
    ref: str
    version: int


# The stated figures of a record: the columns of its `results` row the recomputation is
# compared with (co2e_market_t for the record, though it is not recomputed from a sample).
STATED = (
    "scope",
    "category",
    "method",
    "factor_id",
    "share",
    "deflator",
    "dq_score",
    "flags",
    "co2e_t",
    "co2e_market_t",
    "biogenic_co2_t",
    "co2e_unsplit_t",
    *(f"{f}_t" for f in FAMILIES),
    *(f"co2e_{f}_t" for f in FAMILIES),
)
# Listed in an error, at most this many of what is missing.
_SHOWN = 5


@dataclass(frozen=True, slots=True)
class SampleInputs:
    """A sampled record: the leaves its recomputation needs and what the run states for it."""

    record_id: str
    version: int
    leaves: tuple[Leaf, ...]
    stated: Mapping[str, Any]


def sample_inputs(
    ws: Workspace, run_id: str, records: Sequence[tuple[str, int]]
) -> list[SampleInputs]:
    """For each (record id, version) of run `run_id`, in the order given: the leaves whose
    openings recompute its figures, and its stated results row. ZerotrailError names a run or
    record the workspace does not hold as asked, or any leaf missing from the log."""
    run_idx, gwp_set, blend_rule = _run_leaf(ws, run_id)
    if not records:
        return []
    stated = _stated(ws, run_id, records)
    factors = _factor_rows(ws, sorted({str(r["factor_id"]) for r in stated.values()}))
    found, at_run = _leaves(ws, run_idx, records, factors)

    def gwp_refs(row: Mapping[str, Any]) -> list[str]:
        origin = row["ch4_origin"]
        rows = factors[str(row["factor_id"])]
        return [gwp_ref(gwp_set, blend_rule, gas, origin) for gas, _, _ in rows]

    missing = [
        f"activity {rid} version {ver}"
        for rid, ver in dict.fromkeys(records)
        if ("activity", rid, ver) not in found
    ]
    missing += [
        f"factor {fid}/{gas}"
        for fid in sorted(factors)
        for gas, _, _ in factors[fid]
        if ("factor", f"{fid}/{gas}", 1) not in found
    ]
    # A run commits its GWP values before its leaf, so once any is committed before the run,
    # each of its records' must be; a run calculated before runs committed them has none.
    if any(kind == "gwp" for kind, _ in at_run):
        needed = dict.fromkeys(r for row in stated.values() for r in gwp_refs(row))
        missing += [f"gwp {r}" for r in needed if ("gwp", r) not in at_run]
    _refuse("not in the ledger", missing)
    late = [
        f"activity {rid} version {ver}"
        for rid, ver in dict.fromkeys(records)
        if found[("activity", rid, ver)] > run_idx
    ]
    _refuse(f"committed after run {run_id}, so not what it calculated", late)

    parents = _parents(ws, at_run)
    sites = {str(r["site"]) for r in stated.values() if r["site"] is not None}
    site_entity = _site_entities(ws, run_id, at_run, sites)
    out = []
    for rid, ver in records:
        row = stated[rid]
        leaves = [Leaf("activity", rid, ver), Leaf("run", run_id, 1)]
        fid = str(row["factor_id"])
        leaves += [Leaf("factor", f"{fid}/{gas}", 1) for gas, _, _ in factors[fid]]
        leaves += [
            Leaf("gwp", r, at_run[("gwp", r)]) for r in gwp_refs(row) if ("gwp", r) in at_run
        ]
        site = row["site"]
        owners = [str(row["entity"])] + ([site_entity[site]] if site is not None else [])
        chain: dict[str, None] = {}
        for owner in owners:
            chain |= dict.fromkeys(_chain(run_id, owner, parents))
        leaves += [Leaf("entity", e, at_run[("entity", e)]) for e in chain]
        if site is not None:
            leaves.append(Leaf("site", site, at_run[("site", site)]))
        leaves += _price_leaves(run_id, rid, row, factors[fid], at_run)
        out.append(
            SampleInputs(
                rid, ver, tuple(leaves), {c: _plain(row[c]) for c in ("record_id", *STATED)}
            )
        )
    return out


def _run_leaf(ws: Workspace, run_id: str) -> tuple[int, str, str]:
    """The index of the run's leaf in the log, and the run's GWP set and blend rule."""
    rows = ws.fetchall(
        "SELECT l.idx, r.gwp_set, r.blend_rule FROM runs r LEFT JOIN ledger_leaves l"
        " ON l.kind = 'run' AND l.ref = r.run_id AND l.version = 1 WHERE r.run_id = ?",
        [run_id],
    )
    if not rows:
        raise ZerotrailError(f"no run {run_id} in the workspace")
    idx, gwp_set, blend_rule = rows[0]
    if idx is None:
        raise ZerotrailError(f"run {run_id} is not in the ledger (no leaf of kind run)")
    return int(idx), str(gwp_set), str(blend_rule)


def _stated(
    ws: Workspace, run_id: str, records: Sequence[tuple[str, int]]
) -> dict[str, dict[str, Any]]:
    """The run's results row of each record, by record id, with the record's methane origin
    (which selects its gases' GWP values); each must be of the version asked."""
    names = ("record_id", "version", "entity", "site", "period_start", *STATED)
    found = ws.fetchall(
        f"SELECT {', '.join('r.' + n for n in names)}, a.ch4_origin FROM results r"
        " LEFT JOIN activities a ON a.record_id = r.record_id AND a.version = r.version"
        " WHERE r.run_id = ? AND r.record_id IN (SELECT unnest(?))",
        [run_id, sorted({rid for rid, _ in records})],
    )
    names = (*names, "ch4_origin")
    rows = {str(r[0]): dict(zip(names, r, strict=True)) for r in found}
    wrong = []
    for rid, ver in dict.fromkeys(records):
        got = rows.get(rid)
        if got is None:
            wrong.append(f"record {rid}")
        elif int(got["version"]) != ver:
            wrong.append(f"record {rid} version {ver} (it calculated version {got['version']})")
    _refuse(f"run {run_id} did not calculate", wrong)
    return rows


def _factor_rows(
    ws: Workspace, factor_ids: Sequence[str]
) -> dict[str, list[tuple[str, str, int | None]]]:
    """factor id -> its rows' (gas, unit, currency year), by gas."""
    out: dict[str, list[tuple[str, str, int | None]]] = {fid: [] for fid in factor_ids}
    for fid, gas, unit, year in ws.fetchall(
        "SELECT factor_id, gas, unit, currency_year FROM factors"
        " WHERE factor_id IN (SELECT unnest(?)) ORDER BY factor_id, gas",
        [list(factor_ids)],
    ):
        out[str(fid)].append((str(gas), str(unit), None if year is None else int(year)))
    _refuse("no stored rows of factor", [fid for fid, rows in out.items() if not rows])
    return out


def _leaves(
    ws: Workspace,
    run_idx: int,
    records: Sequence[tuple[str, int]],
    factors: Mapping[str, Sequence[tuple[str, str, int | None]]],
) -> tuple[dict[tuple[str, str, int], int], dict[tuple[str, str], int]]:
    """One pass over the log: the leaf index of each record version and factor row found, and
    the version of every GWP value, entity, site and price index the run read (the latest
    before it)."""
    factor_refs = [f"{fid}/{gas}" for fid, rows in factors.items() for gas, _, _ in rows]
    found: dict[tuple[str, str, int], int] = {}
    at_run: dict[tuple[str, str], int] = {}
    for kind, ref, version, idx in ws.fetchall(
        "SELECT kind, ref, version, idx FROM ledger_leaves"
        " WHERE (kind IN ('gwp', 'entity', 'site', 'price_index') AND idx < ?)"
        " OR (kind = 'activity' AND ref IN (SELECT unnest(?)))"
        " OR (kind = 'factor' AND ref IN (SELECT unnest(?)))",
        [run_idx, sorted({rid for rid, _ in records}), factor_refs],
    ):
        key = (str(kind), str(ref))
        if kind in ("activity", "factor"):
            found[(*key, int(version))] = int(idx)
        else:
            at_run[key] = max(at_run.get(key, 0), int(version))
    return found, at_run


def _parents(ws: Workspace, at_run: Mapping[tuple[str, str], int]) -> dict[str, str | None]:
    """entity -> its parent, for every entity live when the run read them."""
    live = {ref: v for (kind, ref), v in at_run.items() if kind == "entity"}
    if not live:  # none committed before the run: each record's entity is named missing
        return {}
    rows = {
        (str(e), int(v)): (None if p is None else str(p), bool(removed))
        for e, v, p, removed in ws.fetchall(
            "SELECT entity, version, parent, removed FROM entity_versions"
            " WHERE entity IN (SELECT unnest(?))",
            [sorted(live)],
        )
    }
    out: dict[str, str | None] = {}
    for entity, version in live.items():
        row = rows.get((entity, version))
        if row is None:
            raise ZerotrailError(f"entity {entity} version {version} is committed but not stored")
        if not row[1]:  # left out when removed: the entity was gone when the run read them
            out[entity] = row[0]
    return out


def _site_entities(
    ws: Workspace, run_id: str, at_run: Mapping[tuple[str, str], int], sites: Iterable[str]
) -> dict[str, str]:
    """site -> its entity, as the run read it, for each of `sites`."""
    wanted = sorted(sites)
    if not wanted:  # no record of the sample names a site (nor is an empty list typed)
        return {}
    rows = {
        (str(s), int(v)): (str(e), bool(removed))
        for s, v, e, removed in ws.fetchall(
            "SELECT site, version, entity, removed FROM site_versions"
            " WHERE site IN (SELECT unnest(?))",
            [wanted],
        )
    }
    out = {}
    for site in wanted:
        version = at_run.get(("site", site))
        row = None if version is None else rows.get((site, version))
        if row is None or row[1]:
            raise ZerotrailError(f"site {site}: no version live when run {run_id} calculated")
        out[site] = row[0]
    return out


def _chain(run_id: str, entity: str, parents: Mapping[str, str | None]) -> list[str]:
    """`entity` and its ancestors, nearest first."""
    chain: list[str] = []
    cur: str | None = entity
    while cur is not None and cur not in chain:
        if cur not in parents:
            raise ZerotrailError(f"entity {cur}: no version live when run {run_id} calculated")
        chain.append(cur)
        cur = parents[cur]
    return chain


def _price_leaves(
    run_id: str,
    record_id: str,
    row: Mapping[str, Any],
    factor: Sequence[tuple[str, str, int | None]],
    at_run: Mapping[tuple[str, str], int],
) -> list[Leaf]:
    """The index values a due deflation read: the factor's currency (its unit) in the factor's
    currency year and in the spend's year, those the run had."""
    _, currency, price_year = factor[0]
    spend_year = _year(row["period_start"])
    if price_year is None or price_year == spend_year:
        return []
    refs = [f"{currency}:{price_year}", f"{currency}:{spend_year}"]
    have = [
        Leaf("price_index", r, at_run[("price_index", r)])
        for r in refs
        if ("price_index", r) in at_run
    ]
    if row["deflator"] is not None and len(have) < 2:
        absent = ", ".join(r for r in refs if ("price_index", r) not in at_run)
        raise ZerotrailError(
            f"run {run_id} deflated record {record_id}, but no version of price index"
            f" {absent} was committed before it"
        )
    return have


def _year(value: Any) -> int:
    return value.year if isinstance(value, date) else int(str(value)[:4])


def _plain(value: Any) -> Any:
    """A results value as Python's own (PostgreSQL may return decimals)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return float(value)


def _refuse(what: str, items: Sequence[str]) -> None:
    if items:
        more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
        raise ZerotrailError(f"{what}: {', '.join(items[:_SHOWN])}{more}")
