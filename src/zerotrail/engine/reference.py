"""A plain-Python reference implementation of the calculation, one record at a time.

Where it sits: engine, beside the Ibis expressions, for the tests (tests/engines): the oracle the
engine is held to on randomized workspaces. Slow and obvious on purpose, it follows
docs/methodology.md step by step for each record, from the stored rows themselves. It prepares
its own inputs (consolidation shares, site control, unit conversions, each factor's gas
coefficients, instrument pools, price indices) instead of taking the calculation stage's
`prepare`, so that a mistake in either shows as a disagreement. What it shares with the engine
is reference data and primitives that are tested on their own: unit conversions (`units`), the
GWP sets, blends and the weights of one kg of a gas (`reference.gwp.gas_weights`, held to the
published IPCC and EPA values in tests/reference/test_gwp.py), activity key families, region
lineage and the default heating-value basis of a record (`model`), and the NCV/GCV ratios
(`reference.heat_basis`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zerotrail.engine.settings import FAMILIES, METHOD_DQ
from zerotrail.errors import UnitError
from zerotrail.model.heat_basis import record_heat_basis
from zerotrail.model.keys import family_of
from zerotrail.model.regions import lineage, market_of
from zerotrail.reference.gwp import GasWeights, gas_weights
from zerotrail.reference.heat_basis import ncv_per_gcv
from zerotrail.units import bridge_factor, compatible, conversion_factor

GRID = "electricity.grid"
RESIDUAL_MIX = "electricity.residual_mix"
# Energy attribute certificates and PPAs carry renewable MWh when their emission rate is zero
# (docs/methodology.md, "Scope 2 market-based"); a supplier rate never does.
RENEWABLE_TYPES = frozenset({"REC", "GO", "I-REC", "GEC", "PPA"})


@dataclass(frozen=True)
class RefInputs:
    """The stored rows the calculation reads (column → value, as the tables hold them) and the
    inventory settings."""

    activities: Sequence[Mapping[str, Any]]  # every stored version; the year's current are used
    factors: Sequence[Mapping[str, Any]]
    entities: Sequence[Mapping[str, Any]]
    sites: Sequence[Mapping[str, Any]]
    instruments: Sequence[Mapping[str, Any]]
    price_indices: Sequence[Mapping[str, Any]]  # every stored version of every index value
    year: int
    gwp_set: str
    approach: str
    blend_rule: str
    factor_policy: str = "nearest"


@dataclass(frozen=True)
class RefResults:
    """Per-record results by record id, the ids no factor fits, and notes of no record."""

    records: dict[str, dict[str, Any]]
    unresolved: set[str]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Choice:
    factor_id: str
    level: int
    vrank: int  # 0 valid, 1 earlier edition, 2 pinned and not valid yet, 3 later edition
    multiplier: float
    via_heat: bool
    converted: bool  # energy converted between heating-value bases
    head: Mapping[str, Any]


@dataclass(frozen=True)
class _Place:
    """Where a record's factor is looked up, and the basis of its energy."""

    region: str  # '' when the record gives none and has no site
    site_region_used: bool
    basis: str


# --- the inputs, from the stored rows ---------------------------------------------------------


def _shares(
    entities: Sequence[Mapping[str, Any]], approach: str
) -> tuple[dict[str, float], list[str]]:
    """Each entity's share under `approach`, multiplied down its ownership chain (GHG Protocol
    ch. 3), and a note for each entity that ends with none."""
    by_id = {e["entity"]: e for e in entities}

    def link(e: Mapping[str, Any]) -> float:
        if e["parent"] is None:
            return 1.0
        if approach == "equity_share":
            return float(e["equity_share"]) / 100.0
        if approach == "financial_control":
            return {"yes": 1.0, "joint": float(e["equity_share"]) / 100.0}.get(
                e["financial_control"], 0.0
            )
        return 1.0 if e["operational_control"] else 0.0

    shares: dict[str, float] = {}
    notes = []
    for e in entities:
        share, cur, seen = 1.0, e, set()
        while cur["entity"] not in seen:
            seen.add(cur["entity"])
            share *= link(cur)
            if cur["parent"] is None:
                break
            cur = by_id[cur["parent"]]
        shares[e["entity"]] = share
        if share == 0.0:
            notes.append(
                f"entity {e['entity']} excluded: its share is 0 under the"
                f" {approach.replace('_', ' ')} approach"
            )
    return shares, notes


def _sites(
    sites: Sequence[Mapping[str, Any]], entities: Sequence[Mapping[str, Any]]
) -> dict[str, tuple[str, bool]]:
    """site → (kind, controlled): a site's own operational control, else its entity's."""
    op = {e["entity"]: bool(e["operational_control"]) for e in entities}
    out = {}
    for s in sites:
        own = s["operational_control"]
        out[s["site"]] = (s["kind"], op.get(s["entity"], True) if own is None else bool(own))
    return out


def _convert(unit: str, head: Mapping[str, Any]) -> tuple[float, bool, bool] | None:
    """(activity units → factor units multiplier, through a heat content?, energy to energy?)
    or None."""
    try:
        if compatible(unit, head["unit"]):
            energy = compatible(head["unit"], "MJ")
            return conversion_factor(unit, head["unit"]), False, energy
        if head.get("heat_content") is not None and head.get("heat_content_unit"):
            m = bridge_factor(unit, head["unit"], head["heat_content"], head["heat_content_unit"])
            return m, True, False
    except UnitError:
        return None
    return None


def _mwh(unit: str) -> float | None:
    try:
        return conversion_factor(unit, "MWh")
    except UnitError:
        return None


def _pools(
    instruments: Iterable[Mapping[str, Any]], year: int, markets: Mapping[str, set[str]]
) -> tuple[dict[tuple[str, str, str], dict[str, float]], list[str]]:
    """Instruments that count for `year` (retired or cancelled, within the year, in a market
    where their site or entity consumes: Scope 2 Quality Criteria), pooled by owner and market,
    and a note for each that does not count."""
    pools: dict[tuple[str, str, str], dict[str, float]] = {}
    notes = []
    for i in sorted(instruments, key=lambda i: i["instrument_id"]):
        start, end = i["period_start"], i["period_end"]
        if not start.year <= year <= end.year:
            continue
        market = market_of(i["region"])
        owner = ("site", i["site"]) if i["site"] else ("entity", i["entity"])
        why = None
        if i["status"] == "held":
            why = "not retired (status held)"
        elif start.year != end.year:
            why = "its period spans more than one year; split it per year"
        elif i["retired_on"] is None:
            why = "no retirement date"
        elif market not in markets.get(f"{owner[0]}:{owner[1]}", set()):
            why = f"no electricity consumption in market {market} by {owner[0]}:{owner[1]}"
        if why:
            notes.append(f"instrument {i['instrument_id']} does not count for {year}: {why}")
            continue
        p = pools.setdefault((*owner, market), {"mwh": 0.0, "rate_mwh": 0.0, "renewable": 0.0})
        rate = i["emission_rate_t_per_mwh"]
        p["mwh"] += i["mwh"]
        p["rate_mwh"] += i["mwh"] * rate
        if i["type"] in RENEWABLE_TYPES and rate == 0:
            p["renewable"] += i["mwh"]
    for p in pools.values():
        p["rate"] = p["rate_mwh"] / p["mwh"] if p["mwh"] else 0.0
    return pools, notes


def _prices(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], float]:
    """(currency, year) → the index value of its latest version."""
    latest: dict[tuple[str, int], tuple[int, float]] = {}
    for r in rows:
        key = (r["currency"], r["year"])
        if key not in latest or r["version"] > latest[key][0]:
            latest[key] = (r["version"], r["index_value"])
    return {k: v for k, (_, v) in latest.items()}


# --- the calculation, per record --------------------------------------------------------------


def _heads(factors: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    heads: dict[str, dict[str, Any]] = {}
    for f in factors:
        h = heads.setdefault(f["factor_id"], {**f, "gases": []})
        h["gases"].append(f)
        h["verified"] = h["verified"] and f["verified"]
        h["gwp_basis"] = h.get("gwp_basis") or f.get("gwp_basis")  # set on the CO2e row only
    return heads


class _Oracle:
    def __init__(self, inp: RefInputs) -> None:
        self.inp = inp
        self.heads = _heads(inp.factors)
        self._conv: dict[tuple[str, str], tuple[float, bool, bool] | None] = {}
        self._gas: dict[tuple[str, str], GasWeights | None] = {}
        self.prices = _prices(inp.price_indices)

    def convert(self, unit: str, fid: str) -> tuple[float, bool, bool] | None:
        if (unit, fid) not in self._conv:
            self._conv[(unit, fid)] = _convert(unit, self.heads[fid])
        return self._conv[(unit, fid)]

    def gas(self, gas: str, origin: str) -> GasWeights | None:
        """One kg of `gas` for a record of CH4 `origin` ("" for none); None when the GWP set
        cannot weigh it. The calculation refuses the publisher blend rule outside AR5, so the
        oracle, run on settings the calculation accepted, only meets that rule with AR5."""
        if (gas, origin) not in self._gas:
            self._gas[(gas, origin)] = gas_weights(
                gas, self.inp.gwp_set, self.inp.blend_rule, origin or None
            )
        return self._gas[(gas, origin)]

    def place(self, rec: Mapping[str, Any], site_region: Mapping[str, str]) -> _Place:
        """The record's region, or its site's when it gives none or a coarser one (an ancestor
        of the site's region); and the basis of its energy, stated or its region's default."""
        own = rec.get("region") or ""
        site = site_region.get(rec.get("site") or "")
        region, used = own, False
        if site and not own:
            region = site
        elif site and own != site and own in lineage(site):
            region, used = site, True
        return _Place(region, used, record_heat_basis(rec.get("heat_basis") or "", region))

    def choose(
        self, rec: Mapping[str, Any], activity: str, pin: str | None, place: _Place
    ) -> _Choice | None:
        """The factor docs/methodology.md picks for the record (see engine/resolve.py)."""
        if not place.region:
            return None
        start: date = rec["period_start"]
        strict = self.inp.factor_policy == "strict"
        best: tuple[Any, ...] | None = None
        choice = None
        regions = list(lineage(place.region))
        for fid, h in self.heads.items():
            if pin:
                if fid != pin:
                    continue
                level = 0
            else:
                if h["activity"] != activity or h["region"] not in regions:
                    continue
                if h.get("supplier") and h["supplier"] != (rec.get("supplier") or ""):
                    continue
                level = 1 if h.get("supplier") else 2 + regions.index(h["region"])
            c = self.convert(rec["unit"], fid)
            if c is None:
                continue
            multiplier, via_heat, energy = c
            vt = h["valid_to"]
            if h["valid_from"] <= start and (vt is None or vt >= start):
                vrank, distance = 0, 0
            elif vt is not None and vt < start:
                vrank, distance = 1, start.toordinal() - vt.toordinal()
            elif level == 0:
                vrank, distance = 2, 0
            else:
                vrank, distance = 3, h["valid_from"].toordinal() - start.toordinal()
            if strict and level > 0 and vrank in (1, 3):
                continue
            f_basis = h.get("heat_basis") or None
            converted = bool(energy and f_basis and f_basis != place.basis)
            if converted:
                ratio = ncv_per_gcv(activity)
                if ratio is None:
                    continue  # no published ratio for this fuel: the other basis is unusable
                multiplier *= ratio if place.basis == "HHV" else 1.0 / ratio
            key = (
                min(level, 2),  # pinned, then supplier, then any place
                not h["verified"],
                level,
                vrank,
                distance,  # the nearest edition before, else the nearest after
                converted,
                -h["valid_from"].toordinal(),
                via_heat,
                fid,
            )
            if best is None or key < best:
                best = key
                choice = _Choice(fid, level, vrank, multiplier, via_heat, converted, h)
        return choice

    def coef(self, head: Mapping[str, Any], origin: str) -> dict[str, float] | None:
        out = {f"k_{f}": 0.0 for f in FAMILIES} | {f"e_{f}": 0.0 for f in FAMILIES}
        out |= {"k_unsplit": 0.0, "k_bio": 0.0}
        flags = []
        for g in head["gases"]:
            w = self.gas(g["gas"], origin)
            if w is None:
                return None  # the GWP set cannot weigh this gas: do not undercount
            v = g["value"]
            fossil = 0.0 if g["biogenic"] else 1.0
            for f in FAMILIES:
                out[f"k_{f}"] += v * w.mass[f.upper()] * fossil
                out[f"e_{f}"] += v * w.co2e[f.upper()] * fossil
            out["k_unsplit"] += v * w.unsplit
            if g["biogenic"] and g["gas"] == "CO2":
                out["k_bio"] += v
            if w.flags:
                flags.append(";".join(w.flags))
        out["gas_flags"] = max(flags) if flags else ""  # type: ignore[assignment]
        return out

    def deflator(self, head: Mapping[str, Any], start: date) -> tuple[float | None, bool]:
        """(ratio applied or None, whether a due deflation lacked an index) for spend of
        `start`'s year under a factor per money of its `currency_year`."""
        price_year = head.get("currency_year")
        if price_year is None or price_year == start.year:
            return None, False
        at_factor = self.prices.get((head["unit"], price_year))
        at_spend = self.prices.get((head["unit"], start.year))
        if at_factor is None or at_spend is None:
            return None, True
        return at_factor / at_spend, False

    def run(self) -> RefResults:
        inp = self.inp
        y0, y1 = date(inp.year, 1, 1), date(inp.year, 12, 31)
        records = sorted(
            (a for a in inp.activities if a["current"] and y0 <= a["period_start"] <= y1),
            key=lambda a: a["record_id"],
        )
        shares, notes = _shares(inp.entities, inp.approach)
        sites = _sites(inp.sites, inp.entities)
        site_region = {s["site"]: s["region"] for s in inp.sites}
        places = {r["record_id"]: self.place(r, site_region) for r in records}
        markets: dict[str, set[str]] = defaultdict(set)
        for rec in records:
            region = places[rec["record_id"]].region
            if rec["activity"] == GRID and region:
                markets[f"entity:{rec['entity']}"].add(market_of(region))
                if rec["site"]:
                    markets[f"site:{rec['site']}"].add(market_of(region))
        pools, pool_notes = _pools(inp.instruments, inp.year, markets)

        chosen = []
        unresolved: set[str] = set()
        for rec in records:
            place = places[rec["record_id"]]
            ch = self.choose(rec, rec["activity"], rec.get("factor_id"), place)
            coef = None if ch is None else self.coef(ch.head, rec.get("ch4_origin") or "")
            if ch is None or coef is None:
                unresolved.add(rec["record_id"])
                continue
            chosen.append((rec, place, ch, coef))
        out = self._results(chosen, shares, sites, pools)
        return RefResults(out, unresolved, notes + pool_notes)

    def _results(
        self,
        chosen: list[tuple[Mapping[str, Any], _Place, _Choice, dict[str, float]]],
        shares: Mapping[str, float],
        sites: Mapping[str, tuple[str, bool]],
        pools: Mapping[tuple[str, str, str], Mapping[str, float]],
    ) -> dict[str, dict[str, Any]]:
        # Scope 2 market-based: pro-rata within a pool, site pools first, then entity pools.
        def mwh_u(rec: Mapping[str, Any]) -> float:
            per_unit = _mwh(rec["unit"]) if rec["activity"] == GRID else None
            return 0.0 if per_unit is None else per_unit * shares[rec["entity"]]

        region = {rec["record_id"]: place.region for rec, place, _, _ in chosen}

        def market(rec: Mapping[str, Any]) -> str:
            return market_of(region[rec["record_id"]])

        c_site: dict[tuple[str, str], float] = defaultdict(float)
        for rec, _, _, _ in chosen:
            if mwh_u(rec) > 0 and rec.get("site"):
                c_site[(rec["site"], market(rec))] += rec["quantity"] * mwh_u(rec)

        def f_site(rec: Mapping[str, Any]) -> tuple[float, Mapping[str, float] | None]:
            if mwh_u(rec) <= 0 or not rec.get("site"):
                return 0.0, None
            p = pools.get(("site", rec["site"], market(rec)))
            if p is None:
                return 0.0, None
            return min(1.0, p["mwh"] / c_site[(rec["site"], market(rec))]), p

        c_ent: dict[tuple[str, str], float] = defaultdict(float)
        for rec, _, _, _ in chosen:
            if mwh_u(rec) > 0:
                c_ent[(rec["entity"], market(rec))] += (
                    rec["quantity"] * mwh_u(rec) * (1.0 - f_site(rec)[0])
                )

        out: dict[str, dict[str, Any]] = {}
        for rec, place, ch, coef in chosen:
            fam = family_of(rec["activity"])
            assert fam is not None
            share = shares[rec["entity"]]
            kind, controlled = sites.get(rec.get("site") or "", (None, True))
            leased = fam.scope < 3 and not controlled
            scope = 3 if leased else fam.scope
            cat = (
                8
                if leased
                else (
                    (rec.get("scope3_category") or fam.default_category) if fam.scope == 3 else None
                )
            )
            q = rec["quantity"]
            deflator, not_deflated = self.deflator(ch.head, rec["period_start"])
            per = ch.multiplier * share * (1.0 if deflator is None else deflator) / 1000.0
            r: dict[str, Any] = {
                "scope": scope,
                "category": cat,
                "factor_id": ch.factor_id,
                "method": "supplier-specific" if ch.level == 1 else fam.method,
                "share": share,
                "site_kind": kind,
                "deflator": deflator,
                "factor_year": ch.head["valid_from"].year,
            }
            for f in FAMILIES:
                r[f"{f}_t"] = q * per * coef[f"k_{f}"]
                r[f"co2e_{f}_t"] = q * per * coef[f"e_{f}"]
            r["co2e_unsplit_t"] = q * per * coef["k_unsplit"]
            r["biogenic_co2_t"] = q * per * coef["k_bio"]
            loc_u = per * (sum(coef[f"e_{f}"] for f in FAMILIES) + coef["k_unsplit"])
            r["co2e_t"] = q * loc_u

            mu = mwh_u(rec)
            fs, ps = f_site(rec)
            fe = 0.0
            pe = None
            if mu > 0:
                pe = pools.get(("entity", rec["entity"], market(rec)))
                c = c_ent[(rec["entity"], market(rec))]
                if pe is not None and c > 0:
                    fe = (1.0 - fs) * min(1.0, pe["mwh"] / c)
            covered = fs + fe
            residual_missing = False
            if rec["activity"] == GRID:
                inst = mu * (fs * (ps["rate"] if ps else 0.0) + fe * (pe["rate"] if pe else 0.0))
                res = self.choose(rec, RESIDUAL_MIX, None, place)
                rc = None if res is None else self.coef(res.head, "")
                if res is not None and rc is not None:
                    total = sum(rc[f"e_{f}"] for f in FAMILIES) + rc["k_unsplit"]
                    res_u = res.multiplier * total / 1000.0 * share
                else:
                    res_u = loc_u
                    residual_missing = covered < 1.0
                r["co2e_market_t"] = q * (inst + (1.0 - covered) * res_u)
            else:
                r["co2e_market_t"] = r["co2e_t"]
            r["mwh"] = q * mu
            r["covered_mwh"] = q * mu * covered
            r["renewable_mwh"] = (
                q
                * mu
                * (
                    fs * (ps["renewable"] / ps["mwh"] if ps else 0.0)
                    + fe * (pe["renewable"] / pe["mwh"] if pe else 0.0)
                )
            )
            dq = [
                rec.get(c)
                for c in (
                    "dq_technology",
                    "dq_time",
                    "dq_geography",
                    "dq_completeness",
                    "dq_reliability",
                )
            ]
            given = [d for d in dq if d is not None]
            r["dq_score"] = sum(given) / len(given) if given else METHOD_DQ[fam.method]
            # Fugitive keys are mass released: an identity factor, so region fallbacks mean
            # nothing.
            regional, fr = fam.name != "fugitive", ch.head["region"]
            gwp_basis = ch.head.get("gwp_basis")
            elsewhere = regional and fr != place.region
            ancestor = fr in lineage(place.region)  # else only a pin brings it
            flags = [
                (ch.vrank in (1, 3), "edition_year_mismatch"),
                (ch.vrank == 2, "pinned_outside_validity"),
                (elsewhere and ancestor and fr != "GLOBAL", "parent_region_factor"),
                (elsewhere and fr == "GLOBAL", "global_factor"),
                (elsewhere and not ancestor, "pinned_other_region"),
                (place.site_region_used, "site_region_used"),
                (not ch.head["verified"], "unverified_factor"),
                (ch.converted, "heat_basis_converted"),
                (ch.via_heat, "heat_content_conversion"),
                (not_deflated, "spend_not_deflated"),
                (bool(gwp_basis) and gwp_basis != self.inp.gwp_set, "gwp_basis_mismatch"),
                (residual_missing, "residual_mix_missing"),
                (share == 0.0, "excluded_by_consolidation"),
                (leased, "leased_asset_scope3"),
                (rec["period_end"].year != rec["period_start"].year, "spans_years"),
                (bool(coef["gas_flags"]), str(coef["gas_flags"])),
            ]
            r["flags"] = ";".join(name for cond, name in flags if cond)
            assert all(math.isfinite(v) for v in r.values() if isinstance(v, float))
            out[rec["record_id"]] = r
        return out


def reference_results(inp: RefInputs) -> RefResults:
    """The year's per-record results, unresolved record ids and notes, from the stored rows."""
    return _Oracle(inp).run()
