"""A plain-Python reference implementation of the calculation, one record at a time.

Slow and obvious on purpose: it is the oracle the Ibis engine is tested against on randomized
inputs, so it follows docs/methodology.md step by step for each record rather than per
signature. It shares only the small input tables (`inputs.py`) with the engine.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from zerotrail.engine.settings import FAMILIES
from zerotrail.model.keys import family_of
from zerotrail.model.regions import lineage, market_of


@dataclass(frozen=True)
class RefInputs:
    activities: Sequence[Mapping[str, Any]]  # columns of the activities table
    factors: Sequence[Mapping[str, Any]]  # columns of the factors table
    conv: Mapping[tuple[str, str, str], tuple[float, bool]]  # (activity, unit, factor_id)
    gases: Mapping[tuple[str, str], Mapping[str, Any]]  # (gas, origin) → gas_table row
    shares: Mapping[str, float]
    sites: Mapping[str, tuple[str, bool]]  # site → (kind, controlled)
    method_dq: Mapping[str, float]
    mwh_per_unit: Mapping[str, float]
    pools: Sequence[Mapping[str, Any]]
    prices: Mapping[tuple[str, int], float]  # (currency, year) → index value
    gwp_set: str


@dataclass(frozen=True)
class _Choice:
    factor_id: str
    level: int
    vrank: int
    multiplier: float
    via_heat: bool
    head: Mapping[str, Any]


def _heads(factors: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    heads: dict[str, dict[str, Any]] = {}
    for f in factors:
        h = heads.setdefault(f["factor_id"], {**f, "gases": []})
        h["gases"].append(f)
        h["verified"] = h["verified"] and f["verified"]
        h["gwp_basis"] = h.get("gwp_basis") or f.get("gwp_basis")  # set on the CO2e row only
    return heads


def _choose(
    rec: Mapping[str, Any],
    activity: str,
    pin: str | None,
    heads: Mapping[str, Mapping[str, Any]],
    conv: RefInputs,
) -> _Choice | None:
    start: date = rec["period_start"]
    best: tuple[Any, ...] | None = None
    choice = None
    regions = list(lineage(rec["region"]))
    for fid, h in heads.items():
        c = conv.conv.get((activity, rec["unit"], fid))
        if c is None:
            continue
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
        vt = h["valid_to"]
        if h["valid_from"] <= start and (vt is None or vt >= start):
            vrank = 0
        elif vt is not None and vt < start:
            vrank = 1
        elif level == 0:
            vrank = 2
        else:
            continue
        key = (
            min(level, 2),  # pinned, then supplier, then any place
            not h["verified"],
            level,
            vrank,
            -h["valid_from"].toordinal(),
            c[1],
            fid,
        )
        if best is None or key < best:
            best, choice = key, _Choice(fid, level, vrank, c[0], c[1], h)
    return choice


def _coef(head: Mapping[str, Any], origin: str, gases: RefInputs) -> dict[str, float] | None:
    out = {f"k_{f}": 0.0 for f in FAMILIES} | {f"e_{f}": 0.0 for f in FAMILIES}
    out |= {"k_unsplit": 0.0, "k_bio": 0.0}
    flags = []
    for g in head["gases"]:
        row = gases.gases.get((g["gas"], origin))
        if row is None:
            return None  # the GWP set cannot weigh this gas: do not undercount
        v = g["value"]
        fossil = 0.0 if g["biogenic"] else 1.0
        for f in FAMILIES:
            out[f"k_{f}"] += v * row[f"m_{f}"] * fossil
            out[f"e_{f}"] += v * row[f"e_{f}"] * fossil
        out["k_unsplit"] += v * row["unsplit"]
        if g["biogenic"] and g["gas"] == "CO2":
            out["k_bio"] += v
        if row["flags"]:
            flags.append(row["flags"])
    out["gas_flags"] = max(flags) if flags else ""  # type: ignore[assignment]
    return out


def _deflator(
    head: Mapping[str, Any], start: date, prices: Mapping[tuple[str, int], float]
) -> tuple[float | None, bool]:
    """(ratio applied or None, whether a due deflation lacked an index) for spend of `start`'s
    year under a factor per money of its `currency_year` (docs/methodology.md)."""
    price_year = head.get("currency_year")
    if price_year is None or price_year == start.year:
        return None, False
    at_factor = prices.get((head["unit"], price_year))
    at_spend = prices.get((head["unit"], start.year))
    if at_factor is None or at_spend is None:
        return None, True
    return at_factor / at_spend, False


def calculate(inp: RefInputs) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Results per record_id, and the record ids with no usable factor."""
    heads = _heads(inp.factors)
    prepared = []
    unresolved: set[str] = set()
    for rec in inp.activities:
        ch = _choose(rec, rec["activity"], rec.get("factor_id"), heads, inp)
        coef = None if ch is None else _coef(ch.head, rec.get("ch4_origin") or "", inp)
        if ch is None or coef is None:
            unresolved.add(rec["record_id"])
            continue
        prepared.append((rec, ch, coef))

    # Scope 2 market-based pools (site first, then entity), pro-rata within a pool.
    pools = {(p["pool_kind"], p["pool_key"], p["market"]): p for p in inp.pools}

    def mwh_u(rec: Mapping[str, Any]) -> float:
        if rec["activity"] != "electricity.grid" or rec["unit"] not in inp.mwh_per_unit:
            return 0.0
        return inp.mwh_per_unit[rec["unit"]] * inp.shares[rec["entity"]]

    c_site: dict[tuple[str, str], float] = defaultdict(float)
    for rec, _, _ in prepared:
        if mwh_u(rec) > 0 and rec.get("site"):
            c_site[(rec["site"], market_of(rec["region"]))] += rec["quantity"] * mwh_u(rec)

    def f_site(rec: Mapping[str, Any]) -> tuple[float, Mapping[str, Any] | None]:
        if mwh_u(rec) <= 0 or not rec.get("site"):
            return 0.0, None
        p = pools.get(("site", rec["site"], market_of(rec["region"])))
        if p is None:
            return 0.0, None
        return min(1.0, p["inst_mwh"] / c_site[(rec["site"], market_of(rec["region"]))]), p

    c_ent: dict[tuple[str, str], float] = defaultdict(float)
    for rec, _, _ in prepared:
        if mwh_u(rec) > 0:
            c_ent[(rec["entity"], market_of(rec["region"]))] += (
                rec["quantity"] * mwh_u(rec) * (1.0 - f_site(rec)[0])
            )

    out: dict[str, dict[str, Any]] = {}
    for rec, ch, coef in prepared:
        fam = family_of(rec["activity"])
        assert fam is not None
        share = inp.shares[rec["entity"]]
        kind, controlled = inp.sites.get(rec.get("site") or "", (None, True))
        leased = fam.scope < 3 and not controlled
        scope = 3 if leased else fam.scope
        cat = (
            8
            if leased
            else ((rec.get("scope3_category") or fam.default_category) if fam.scope == 3 else None)
        )
        q = rec["quantity"]
        deflator, not_deflated = _deflator(ch.head, rec["period_start"], inp.prices)
        per = ch.multiplier * share * (1.0 if deflator is None else deflator) / 1000.0
        r: dict[str, Any] = {
            "scope": scope,
            "category": cat,
            "factor_id": ch.factor_id,
            "method": "supplier-specific" if ch.level == 1 else fam.method,
            "share": share,
            "site_kind": kind,
            "deflator": deflator,
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
            pe = pools.get(("entity", rec["entity"], market_of(rec["region"])))
            c = c_ent[(rec["entity"], market_of(rec["region"]))]
            if pe is not None and c > 0:
                fe = (1.0 - fs) * min(1.0, pe["inst_mwh"] / c)
        covered = fs + fe
        residual_missing = False
        if rec["activity"] == "electricity.grid":
            inst = mu * (
                fs * (ps["inst_rate_t"] if ps else 0.0) + fe * (pe["inst_rate_t"] if pe else 0.0)
            )
            res = _choose(
                {**rec, "supplier": rec.get("supplier")},
                "electricity.residual_mix",
                None,
                heads,
                inp,
            )
            if res is not None:
                rc = _coef(res.head, "", inp)
                assert rc is not None
                res_u = (
                    res.multiplier
                    * (sum(rc[f"e_{f}"] for f in FAMILIES) + rc["k_unsplit"])
                    / 1000.0
                    * share
                )
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
                fs * (ps["inst_renewable_mwh"] / ps["inst_mwh"] if ps else 0.0)
                + fe * (pe["inst_renewable_mwh"] / pe["inst_mwh"] if pe else 0.0)
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
        r["dq_score"] = sum(given) / len(given) if given else inp.method_dq[fam.method]
        # Fugitive keys are mass released: an identity factor, so region fallbacks mean nothing.
        regional, fr = fam.name != "fugitive", ch.head["region"]
        flags = [
            (ch.vrank == 1, "earlier_edition"),
            (ch.vrank == 2, "pinned_outside_validity"),
            (regional and fr != rec["region"] and fr != "GLOBAL", "parent_region_factor"),
            (regional and fr != rec["region"] and fr == "GLOBAL", "global_factor"),
            (not ch.head["verified"], "unverified_factor"),
            (ch.via_heat, "heat_content_conversion"),
            (not_deflated, "spend_not_deflated"),
            (
                bool(ch.head.get("gwp_basis")) and ch.head["gwp_basis"] != inp.gwp_set,
                "gwp_basis_mismatch",
            ),
            (residual_missing, "residual_mix_missing"),
            (share == 0.0, "excluded_by_consolidation"),
            (leased, "leased_asset_scope3"),
            (rec["period_end"].year != rec["period_start"].year, "spans_years"),
            (bool(coef["gas_flags"]), str(coef["gas_flags"])),
        ]
        r["flags"] = ";".join(name for cond, name in flags if cond)
        assert all(math.isfinite(v) for v in r.values() if isinstance(v, float))
        out[rec["record_id"]] = r
    return out, unresolved
