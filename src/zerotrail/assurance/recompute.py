"""Recomputing a sampled record's emissions from the openings of its committed leaves alone.

Where it sits: assurance (pure: texts in, values out). A verifier holds, for each sampled
record, the openings of the leaves its figures derive from (store/sample_inputs.py names them:
the activity, the factor rows the run used, the GWP values it weighed their gases with, the
entities up the ownership chain, the site, the price indices of a deflation, the run), each
checked against the signed tree by its inclusion proof. `recompute` reads their canonical texts
(docs/ledger.md) into the rows the reference calculation takes (engine/reference.py, the
plain-Python oracle the engine is held to) and runs it on those rows only, without the engine
or the workspace; `compare` lists where the run's stated figures differ, and `gwp_held` where
the committed GWP values differ from the package's.

What a sample recomputes: the record's location-based figures (scope, category, method, the
factor used, the tonnes of each gas family and their CO2e, unsplit CO2e, biogenic CO2, the
consolidation share, the deflator, the data-quality score) and its flags.

What it does NOT recompute:
- the market-based Scope 2 figure (`co2e_market_t`, always None here): a grid record's covered
  share comes from instrument pools shared by every record of its site or entity in the year,
  so it needs the whole year's grid records and certificates, not one record's leaves; and
  the flag `residual_mix_missing`, which that figure raises, is left out of both sides of the
  comparison;
- the run's choice among factors the openings do not hold: the factor is chosen among the
  factor rows given, as the run chose it among the whole library. The run's choice is the best
  of all by the methodology's ranking, so it is also the best of any part holding it; given
  the run's factor, the recomputation finds the same one, checks that it fits the record (key,
  region, supplier, unit, heating-value basis) and recomputes the flags it brings (edition,
  region, verification, conversions). That no better factor existed is checked from the factor
  library itself, not from a sample;
- the run's factor policy: runs record it on their row, not in their leaf. With the run's own
  factor alone it does not matter (the strict policy only refuses factors the run did not
  use); `settings` may give it as `factor_policy` (default `nearest`).

Numbers come from the texts as committed. A factor's value is read from its `value_exact` (C's
`%.17g`, the stored double exactly), which must agree with its 9-place `value`. Every other
number is a decimal of 9 places: exact for activity quantities, equity shares and index values,
which imports take with at most 9 (model/limits.py), and for the shipped library's heat
contents; a custom factor's heat content with more places is committed rounded, so a record
reaching that factor through it recomputes from the rounded value.

GWP values: the reference calculation weighs gases with the package's own values
(`reference.gwp.gas_weights`). A run commits the values it weighed its records' gases with
(kind `gwp`), and `gwp_held` holds each of a record's to the package's, every number exactly:
a difference means the package the check runs on and the one the run ran on disagree (a
corrected GWP table), so the recomputation's figures would too. A run calculated before runs
committed them has none; its recomputation rests on the package's values alone.

A malformed opening, settings that contradict the run's opening, or two different openings of
one record raise VerificationError (verifiers fail closed); inputs the calculation needs but
the openings lack give a `Recomputed` with the `reason`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zerotrail.engine.reference import RefInputs, reference_results
from zerotrail.engine.settings import APPROACHES, BLEND_RULES, FACTOR_POLICIES, FAMILIES
from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger.canonical import decimal_text
from zerotrail.reference.gwp_values import NUMBERS as GWP_NUMBERS
from zerotrail.reference.gwp_values import exact_text, gwp_ref, gwp_value

# The flag the market-based figure raises: not recomputed from a sample (see above).
MARKET_FLAGS = frozenset({"residual_mix_missing"})

# The tonnes of a record by gas family, named as the `results` view names them.
GAS_FIGURES = (
    *(f"{f}_t" for f in FAMILIES),
    *(f"co2e_{f}_t" for f in FAMILIES),
    "co2e_unsplit_t",
)

# What the recomputation reads of each kind: the field and its canonical type (docs/ledger.md);
# each must be in the opening, but optional ones (an activity's `heat_basis` is committed only
# when given). A kind's other fields are not read.
_TEXT, _INT, _DATE, _DECIMAL, _BOOL, _EXACT = "text", "int", "date", "decimal", "bool", "exact"
_FIELDS: dict[str, dict[str, str]] = {
    "activity": {
        "record_id": _TEXT,
        "version": _INT,
        "entity": _TEXT,
        "site": _TEXT,
        "period_start": _DATE,
        "period_end": _DATE,
        "activity": _TEXT,
        "quantity": _DECIMAL,
        "unit": _TEXT,
        "region": _TEXT,
        "scope3_category": _INT,
        "supplier": _TEXT,
        "factor_id": _TEXT,
        "ch4_origin": _TEXT,
        **dict.fromkeys(
            ("dq_technology", "dq_time", "dq_geography", "dq_completeness", "dq_reliability"),
            _INT,
        ),
    },
    "factor": {
        "factor_id": _TEXT,
        "activity": _TEXT,
        "region": _TEXT,
        "valid_from": _DATE,
        "valid_to": _DATE,
        "unit": _TEXT,
        "gas": _TEXT,
        "value": _DECIMAL,
        "value_exact": _EXACT,
        "gwp_basis": _TEXT,
        "biogenic": _BOOL,
        "heat_content": _DECIMAL,
        "heat_content_unit": _TEXT,
        "heat_basis": _TEXT,
        "supplier": _TEXT,
        "verified": _BOOL,
        "currency_year": _INT,
    },
    "entity": {
        "entity": _TEXT,
        "version": _INT,
        "parent": _TEXT,
        "equity_share": _DECIMAL,
        "financial_control": _TEXT,
        "operational_control": _BOOL,
        "removed": _BOOL,
    },
    "site": {
        "site": _TEXT,
        "version": _INT,
        "entity": _TEXT,
        "site_kind": _TEXT,
        "region": _TEXT,
        "operational_control": _BOOL,
        "removed": _BOOL,
    },
    "price_index": {
        "currency": _TEXT,
        "year": _INT,
        "version": _INT,
        "index_value": _DECIMAL,
    },
    "run": {
        "run_id": _TEXT,
        "year": _INT,
        "gwp_set": _TEXT,
        "consolidation": _TEXT,
        "blend_rule": _TEXT,
    },
    # Not an input of the reference calculation, which weighs gases with the package's own
    # values: `gwp_held` holds these to them.
    "gwp": {
        "gwp_set": _TEXT,
        "blend_rule": _TEXT,
        "gas": _TEXT,
        "ch4_origin": _TEXT,
        "version": _INT,
        **dict.fromkeys(GWP_NUMBERS, _EXACT),
        "flags": _TEXT,
    },
}
_OPTIONAL = {"activity": frozenset({"heat_basis"})}
# The fields that never hold null (the stored column is NOT NULL).
_REQUIRED_VALUE = {
    "activity": ("record_id", "version", "entity", "period_start", "period_end", "activity"),
    "factor": ("factor_id", "activity", "region", "valid_from", "unit", "gas", "value"),
    "entity": ("entity", "version", "equity_share", "operational_control", "removed"),
    "site": ("site", "version", "entity", "region", "removed"),
    "price_index": ("currency", "year", "version", "index_value"),
    "run": ("run_id", "year", "gwp_set", "consolidation", "blend_rule"),
    "gwp": ("gwp_set", "blend_rule", "gas", "version", *GWP_NUMBERS, "flags"),
}
_WANTED = {
    _INT: "an integer",
    _DECIMAL: "a decimal with 9 places",
    _DATE: "a date (YYYY-MM-DD)",
    _BOOL: "true or false",
    _EXACT: "a finite number",
}
_INT_TEXT = re.compile(r"-?[0-9]+")
_PATTERNS = {
    _INT: _INT_TEXT,
    _DECIMAL: re.compile(r"-?[0-9]+\.[0-9]{9}"),
    _DATE: re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    _BOOL: re.compile("true|false"),
}
# The settings a run's opening carries (and `settings` must give).
SETTINGS = ("year", "gwp_set", "consolidation", "blend_rule")


@dataclass(frozen=True, slots=True)
class Recomputed:
    """A record's location-based figures recomputed from openings, or why they could not be.

    With `reason` None every figure is set; with a reason (an input the openings lack, or no
    factor among them fitting the record) none is. `co2e_market_t` is always None: the
    market-based figure is not recomputed from a sample (module docstring)."""

    record_id: str
    reason: str | None = None
    version: int | None = None
    scope: int | None = None
    category: int | None = None
    method: str | None = None
    factor_id: str | None = None
    share: float | None = None
    deflator: float | None = None  # None also when no deflation applied
    dq_score: float | None = None
    co2e_t: float | None = None
    biogenic_co2_t: float | None = None
    gases: Mapping[str, float] = field(default_factory=dict)  # GAS_FIGURES
    flags: frozenset[str] = frozenset()  # without MARKET_FLAGS
    co2e_market_t: None = None


@dataclass(frozen=True, slots=True)
class _Opening:
    kind: str
    ref: str
    row: dict[str, Any]


def run_settings(opening: bytes | str) -> dict[str, str]:
    """The settings a run's opening commits (`SETTINGS`), as the texts `recompute` takes."""
    o = _parse(opening)
    if o.kind != "run":
        raise VerificationError(f"expected the opening of a run, not of a {o.kind}")
    return {k: str(o.row[k]) for k in SETTINGS}


def recompute(
    openings: Sequence[bytes | str], settings: Mapping[str, str], record_id: str
) -> Recomputed:
    """Record `record_id`'s location-based figures, from `openings` (canonical texts of the
    leaves store/sample_inputs.py lists for it, in any order) under `settings` (the run's:
    year, gwp_set, consolidation, blend_rule as `run_settings` gives them; factor_policy
    optional). VerificationError for malformed openings or settings."""
    parsed = _index([_parse(o) for o in openings])
    year, inputs = _settings(settings, parsed.get("run", {}))
    acts = parsed.get("activity", {})
    act = acts.get(record_id)
    if act is None:
        return Recomputed(record_id, f"no opening of activity {record_id}")
    rec = dict(act.row, current=True)
    start: date = rec["period_start"]
    if start.year != year:
        return Recomputed(
            record_id, f"activity {record_id} starts in {start.year}, not in the run's year {year}"
        )

    entities = {ref: o.row for ref, o in parsed.get("entity", {}).items()}
    sites = {ref: o.row for ref, o in parsed.get("site", {}).items()}
    site = None
    if rec["site"] is not None:
        site = sites.get(rec["site"])
        if site is None or site["removed"]:
            what = "no opening" if site is None else "a removed version as the opening"
            return Recomputed(record_id, f"{what} of site {rec['site']}, the record's site")
    owners = [rec["entity"]] + ([site["entity"]] if site else [])
    chain: dict[str, dict[str, Any]] = {}
    for owner in owners:
        why = _chain(owner, entities, chain)
        if why:
            return Recomputed(record_id, why)

    factors = [o.row for o in parsed.get("factor", {}).values()]
    out = _run_oracle(
        RefInputs(
            activities=[rec],
            factors=factors,
            entities=list(chain.values()),
            sites=[dict(site, kind=site["site_kind"])] if site else [],
            instruments=[],
            price_indices=[o.row for o in parsed.get("price_index", {}).values()],
            **inputs,
        ),
        record_id,
    )
    if out is None:
        return Recomputed(record_id, _unfit(rec, factors))
    return Recomputed(
        record_id,
        None,
        version=rec["version"],
        scope=int(out["scope"]),
        category=out["category"],
        method=str(out["method"]),
        factor_id=str(out["factor_id"]),
        share=float(out["share"]),
        deflator=out["deflator"],
        dq_score=float(out["dq_score"]),
        co2e_t=float(out["co2e_t"]),
        biogenic_co2_t=float(out["biogenic_co2_t"]),
        gases={g: float(out[g]) for g in GAS_FIGURES},
        flags=_flags(out["flags"]),
    )


def compare(
    recomputed: Recomputed, stated: Mapping[str, Any], tolerance_rel: float = 1e-9
) -> list[str]:
    """Where the run's stated figures for the record (its `results` row: column -> value)
    differ from the recomputed ones, one line each (field, stated, recomputed); numbers within
    `tolerance_rel` of each other agree. Empty when all agree. A record not recomputed is one
    difference, its reason; the market-based figure and its flag are not compared."""
    r = recomputed
    if r.reason is not None:
        return [f"record {r.record_id}: not recomputed: {r.reason}"]
    out = []
    exact: dict[str, Any] = {
        "scope": r.scope,
        "category": r.category,
        "method": r.method,
        "factor_id": r.factor_id,
    }
    if "version" in stated:
        exact = {"version": r.version, **exact}
    for name, mine in exact.items():
        theirs = stated.get(name)
        if theirs != mine:
            out.append(f"{name}: stated {_shown(theirs)}, recomputed {_shown(mine)}")
    numbers: dict[str, float | None] = {
        "co2e_t": r.co2e_t,
        **r.gases,
        "biogenic_co2_t": r.biogenic_co2_t,
        "share": r.share,
        "deflator": r.deflator,
        "dq_score": r.dq_score,
    }
    for name, value in numbers.items():
        theirs = stated.get(name)
        if not _same_number(theirs, value, tolerance_rel):
            out.append(f"{name}: stated {_shown(theirs)}, recomputed {_shown(value)}")
    theirs_flags = _flags(stated.get("flags"))
    if theirs_flags != r.flags:
        only_stated = ", ".join(sorted(theirs_flags - r.flags)) or "none"
        only_mine = ", ".join(sorted(r.flags - theirs_flags)) or "none"
        out.append(f"flags: stated only {only_stated}; recomputed only {only_mine}")
    return out


@dataclass(frozen=True, slots=True)
class GwpHeld:
    """A record's committed GWP values held to the package's own (`gwp_held`).

    `held`: the record's `gwp` openings held, as `<ref> version <n>`; `differences`: one line
    each where one is not the package's value, or one the record needs is missing; `committed`
    False when the record has none at all (its run was calculated before runs committed
    them)."""

    held: tuple[str, ...]
    differences: tuple[str, ...]
    committed: bool


def gwp_held(
    openings: Sequence[bytes | str], settings: Mapping[str, str], record_id: str
) -> GwpHeld:
    """Record `record_id`'s committed GWP values (the `gwp` openings among `openings`) held to
    what this package weighs the same gases with (`reference.gwp.gas_weights`, which the
    reference calculation uses): every number exactly, and the flags. The record needs one per
    gas of its factor rows, under the run's GWP set and blend rule (`settings`, as for
    `recompute`) at its methane origin. A record with none was calculated before runs committed
    them: not a difference (`committed` False), but its recomputation then rests on the
    package's values alone. VerificationError for malformed openings or settings."""
    lacking = [k for k in ("gwp_set", "blend_rule") if k not in settings]
    if lacking:
        raise VerificationError(f"settings lack {', '.join(lacking)}")
    parsed = _index([_parse(o) for o in openings])
    given = parsed.get("gwp", {})
    if not given:
        return GwpHeld((), (), False)
    act = parsed.get("activity", {}).get(record_id)
    origin = None if act is None else act.row["ch4_origin"]
    gwp_set, rule = str(settings["gwp_set"]), str(settings["blend_rule"])
    needed = {
        gwp_ref(gwp_set, rule, o.row["gas"], origin): str(o.row["gas"])
        for o in parsed.get("factor", {}).values()
    }
    out: list[str] = []
    for ref, o in sorted(given.items()):
        if ref in needed:
            out += _held_gwp(o.row)
        else:
            out.append(
                f"GWP value {ref}: not one the record weighs a gas of its factor with (those are"
                f" under {gwp_set}, {rule} blends, CH4 origin {origin or 'none'})"
            )
    out += [
        f"GWP of {gas}: no committed value among the openings ({ref})"
        for ref, gas in sorted(needed.items())
        if ref not in given
    ]
    held = tuple(f"{ref} version {o.row['version']}" for ref, o in sorted(given.items()))
    return GwpHeld(held, tuple(out), True)


def _held_gwp(row: Mapping[str, Any]) -> list[str]:
    """Where one committed GWP value is not the package's: a line per field, both values."""
    origin = row["ch4_origin"] or "none"
    name = (
        f"GWP of {row['gas']} ({row['gwp_set']}, {row['blend_rule']} blends, CH4 origin"
        f" {origin}, version {row['version']})"
    )
    try:
        mine = gwp_value(row["gas"], row["gwp_set"], row["blend_rule"], row["ch4_origin"])
    except ZerotrailError as exc:  # an unknown set, rule or origin
        return [f"{name}: the package cannot weigh it: {exc}"]
    if mine is None:
        return [f"{name}: committed, but the package has no value for it"]
    out = [
        f"{name}: {n} committed {exact_text(row[n])}, the package's {exact_text(mine.numbers[n])}"
        for n in GWP_NUMBERS
        if row[n] != mine.numbers[n]
    ]
    if row["flags"] != mine.flags:
        out.append(
            f"{name}: flags committed {row['flags'] or 'none'}, the package's"
            f" {mine.flags or 'none'}"
        )
    return out


# --- reading the openings ------------------------------------------------------------------


def _parse(opening: bytes | str) -> _Opening:
    """One canonical text as a typed row; VerificationError unless it is canonical JCS with
    string or null values, of a kind the recomputation reads, with the fields it reads."""
    try:
        text = opening.decode() if isinstance(opening, bytes) else opening
        obj = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise VerificationError(f"an opening is not canonical JSON: {exc}") from None
    if not isinstance(obj, dict) or not all(isinstance(v, str | None) for v in obj.values()):
        raise VerificationError("an opening is not a JSON object of strings and nulls")
    # Re-encoded as the ledger encodes: any other form (a key twice, whitespace, another
    # escape) is not the committed text, whatever it parses to.
    if json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) != text:
        raise VerificationError("an opening is not in canonical form (RFC 8785, docs/ledger.md)")
    kind = obj.get("kind")
    if kind not in _FIELDS:
        raise VerificationError(
            f"an opening of kind {kind!r} is not an input of the recomputation"
            f" (expected {', '.join(_FIELDS)})"
        )
    fields = _FIELDS[kind]
    lacking = [f for f in fields if f not in obj]
    if lacking:
        raise VerificationError(f"an opening of kind {kind} lacks {', '.join(lacking)}")
    row: dict[str, Any] = {}
    for name, kind_of in fields.items():
        row[name] = _value(kind, name, kind_of, obj[name])
    for name in _OPTIONAL.get(kind, ()):
        row[name] = obj.get(name)
    nulls = [f for f in _REQUIRED_VALUE[kind] if row[f] is None]
    if nulls:
        raise VerificationError(f"an opening of kind {kind}: {', '.join(nulls)} null")
    ref = _ref(kind, row)
    if kind == "factor":
        exact = row.pop("value_exact")
        if exact is None or decimal_text(exact) != obj["value"]:
            raise VerificationError(
                f"factor {ref}: value_exact {obj['value_exact']} does not give value {obj['value']}"
            )
        row["value"] = exact
    return _Opening(kind, ref, row)


def _value(kind: str, name: str, type_: str, text: str | None) -> Any:
    """A canonical value as the stored row holds it (null stays None)."""
    if text is None:
        return None
    pattern = _PATTERNS.get(type_)
    try:
        if pattern is not None and pattern.fullmatch(text) is None:
            raise ValueError
        return _READ[type_](text)
    except ValueError:
        raise VerificationError(
            f"an opening of kind {kind}: {name} is {text!r}, not {_WANTED[type_]}"
        ) from None


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError
    return x


_READ: dict[str, Callable[[str], Any]] = {
    _TEXT: str,
    _INT: int,
    _DECIMAL: float,  # at most 9 places: the nearest double is the stored one
    _DATE: date.fromisoformat,
    _BOOL: lambda text: text == "true",
    _EXACT: _finite,
}


def _ref(kind: str, row: Mapping[str, Any]) -> str:
    """The leaf's ref, as the ledger names the record."""
    if kind == "factor":
        return f"{row['factor_id']}/{row['gas']}"
    if kind == "price_index":
        return f"{row['currency']}:{row['year']}"
    if kind == "gwp":
        return gwp_ref(row["gwp_set"], row["blend_rule"], row["gas"], row["ch4_origin"])
    key = {"activity": "record_id", "entity": "entity", "site": "site", "run": "run_id"}[kind]
    return str(row[key])


def _index(openings: Sequence[_Opening]) -> dict[str, dict[str, _Opening]]:
    """kind -> ref -> opening; the same opening twice counts once, two different ones of a
    record (two versions, say) are refused: which one the run read would be a guess."""
    out: dict[str, dict[str, _Opening]] = {}
    for o in openings:
        had = out.setdefault(o.kind, {}).setdefault(o.ref, o)
        if had.row != o.row:
            raise VerificationError(f"two different openings of {o.kind} {o.ref}")
    if len(out.get("run", {})) > 1:
        raise VerificationError(f"openings of several runs: {', '.join(sorted(out['run']))}")
    return out


def _settings(
    settings: Mapping[str, str], runs: Mapping[str, _Opening]
) -> tuple[int, dict[str, Any]]:
    """(year, the RefInputs settings); VerificationError when missing, unknown, or not the
    ones a run opening among the openings commits."""
    lacking = [k for k in SETTINGS if k not in settings]
    if lacking:
        raise VerificationError(f"settings lack {', '.join(lacking)}")
    for run in runs.values():
        differ = [
            f"{k} {settings[k]} given, {run.row[k]} committed"
            for k in SETTINGS
            if str(settings[k]) != str(run.row[k])
        ]
        if differ:
            raise VerificationError(f"settings are not run {run.ref}'s: {'; '.join(differ)}")
    if not _INT_TEXT.fullmatch(str(settings["year"])):
        raise VerificationError(f"settings: year {settings['year']!r} is not a year")
    policy = settings.get("factor_policy", "nearest")
    for name, value, allowed in (
        ("consolidation", settings["consolidation"], APPROACHES),
        ("blend_rule", settings["blend_rule"], BLEND_RULES),
        ("factor_policy", policy, FACTOR_POLICIES),
    ):
        if value not in allowed:
            raise VerificationError(
                f"settings: {name} {value!r} is not one of {', '.join(allowed)}"
            )
    year = int(settings["year"])
    return year, {
        "year": year,
        "gwp_set": settings["gwp_set"],
        "approach": settings["consolidation"],
        "blend_rule": settings["blend_rule"],
        "factor_policy": policy,
    }


# --- the calculation -----------------------------------------------------------------------


def _chain(
    entity: str, entities: Mapping[str, dict[str, Any]], chain: dict[str, dict[str, Any]]
) -> str | None:
    """Add `entity` and its ancestors to `chain`; or why one of them is missing."""
    cur: str | None = entity
    below = None
    while cur is not None and cur not in chain:
        row = entities.get(cur)
        whose = "the record's" if below is None else f"the parent of {below}"
        if row is None:
            return f"no opening of entity {cur} ({whose})"
        if row["removed"]:
            return f"the opening of entity {cur} ({whose}) is a removed version"
        chain[cur] = row
        below, cur = cur, row["parent"]
    return None


def _run_oracle(inp: RefInputs, record_id: str) -> dict[str, Any] | None:
    """The oracle's row for the record, or None when it found no factor for it."""
    try:
        got = reference_results(inp)
    except ZerotrailError as exc:  # an unknown GWP set, a blend rule the set lacks
        raise VerificationError(f"the reference calculation refused the settings: {exc}") from None
    return got.records.get(record_id)


def _unfit(rec: Mapping[str, Any], factors: Sequence[Mapping[str, Any]]) -> str:
    """Why the oracle found no factor: what the openings hold against what the record asks."""
    pin = rec["factor_id"]
    ids = sorted({str(f["factor_id"]) for f in factors})
    if not ids:
        return "no factor row among the openings"
    if pin and pin not in ids:
        return f"its pinned factor {pin} is not among the openings (given: {', '.join(ids)})"
    return (
        f"none of the factors given ({', '.join(ids)}) fits its key {rec['activity']},"
        f" unit {rec['unit']} and region {rec['region'] or 'of its site'}"
        " (another key or region, a unit that does not convert, a heating-value basis without"
        " a conversion, or a gas the GWP set cannot weigh)"
    )


def _flags(text: Any) -> frozenset[str]:
    return frozenset(str(text or "").split(";")) - {""} - MARKET_FLAGS


def _same_number(stated: Any, mine: float | None, tolerance_rel: float) -> bool:
    if stated is None or mine is None:
        return stated is None and mine is None
    try:
        theirs = float(stated)
    except (TypeError, ValueError):
        return False
    return math.isclose(theirs, mine, rel_tol=tolerance_rel, abs_tol=0.0)


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    return repr(value) if isinstance(value, float) else str(value)
