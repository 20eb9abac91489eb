"""Targets: what a roadmap promises, parsed and checked from its TOML definition.

Pure: no storage. A roadmap file holds `[[target]]` tables (one per target) and, optionally, a
`[recalculation]` table with the base-year recalculation policy. docs/roadmap.md documents
every key; a test keeps the two in step through `KEYS`.

Kinds and what each needs:

    absolute             scopes, base_year, target_year, reduction_pct
    intensity            scopes, metric, base_year, target_year, reduction_pct
    renewable_share      site_kind, base_year, target_year, share_pct
    neutrality           scopes, from_year
    net_zero             scopes, base_year, target_year, reduction_pct (>= 90 to pass checks)
    supplier_engagement  base_year, target_year, share_pct, basis (emissions or spend)
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zerotrail.errors import DataError, Problem
from zerotrail.ingest.formats import SITE_KINDS
from zerotrail.model.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID_LENGTH,
    MAX_PERCENT,
    MAX_TEXT_LENGTH,
    float_problem,
    text_problem,
)

TARGET_KINDS = (
    "absolute",
    "intensity",
    "renewable_share",
    "neutrality",
    "net_zero",
    "supplier_engagement",
)
ALL_CATEGORIES = tuple(range(1, 16))
SCOPE2_METHODS = ("market", "location")

# Key -> (kinds that require it, kinds that accept it, description). "*" means every kind.
KEYS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "id": (frozenset({"*"}), frozenset({"*"}), "unique id of the target"),
    "kind": (frozenset({"*"}), frozenset({"*"}), "one of " + ", ".join(TARGET_KINDS)),
    "name": (frozenset(), frozenset({"*"}), "display name (default: the id)"),
    "scopes": (
        frozenset({"absolute", "intensity", "neutrality", "net_zero"}),
        frozenset({"absolute", "intensity", "neutrality", "net_zero"}),
        "scopes in the boundary, e.g. [1, 2]",
    ),
    "scope2_method": (
        frozenset(),
        frozenset({"absolute", "intensity", "neutrality", "net_zero"}),
        "market (default) or location",
    ),
    "scope3_categories": (
        frozenset(),
        frozenset({"absolute", "intensity", "neutrality", "net_zero", "supplier_engagement"}),
        "Scope 3 categories in the boundary (default: all 15 when scope 3 is in)",
    ),
    "base_year": (
        frozenset({"absolute", "intensity", "renewable_share", "net_zero", "supplier_engagement"}),
        frozenset({"absolute", "intensity", "renewable_share", "net_zero", "supplier_engagement"}),
        "base year of the target",
    ),
    "target_year": (
        frozenset({"absolute", "intensity", "renewable_share", "net_zero", "supplier_engagement"}),
        frozenset({"absolute", "intensity", "renewable_share", "net_zero", "supplier_engagement"}),
        "year by which the target is to be met",
    ),
    "reduction_pct": (
        frozenset({"absolute", "intensity", "net_zero"}),
        frozenset({"absolute", "intensity", "net_zero"}),
        "reduction from the base year, percent (0-100)",
    ),
    "metric": (
        frozenset({"intensity"}),
        frozenset({"intensity"}),
        "denominator of the intensity, as imported with `import metrics` (e.g. revenue)",
    ),
    "site_kind": (
        frozenset({"renewable_share"}),
        frozenset({"renewable_share"}),
        "site kind whose electricity counts, e.g. data_center_leased",
    ),
    "share_pct": (
        frozenset({"renewable_share", "supplier_engagement"}),
        frozenset({"renewable_share", "supplier_engagement"}),
        "share to reach by the target year, percent (0-100)",
    ),
    "basis": (
        frozenset(),
        frozenset({"supplier_engagement"}),
        "emissions (default: share of Scope 3 t CO2e) or spend (share of spend-based records)",
    ),
    "from_year": (
        frozenset({"neutrality"}),
        frozenset({"neutrality"}),
        "first year the boundary is to be carbon neutral",
    ),
    "set_year": (
        frozenset(),
        frozenset({"*"}),
        "year the target was set or submitted (default: the year it is added)",
    ),
    "ambition": (
        frozenset(),
        frozenset({"*"}),
        "label for the science-based check: 1.5C (default for Scopes 1+2) or well-below-2C",
    ),
    "removals": (
        frozenset(),
        frozenset({"net_zero"}),
        "how residual emissions are neutralized: permanent (default) or other",
    ),
}

POLICY_KEYS = {
    "threshold_pct": "significance threshold for a base-year recalculation, percent (default 5)",
    "cumulative": "true (default): changes accumulate until they are significant together",
}


@dataclass(frozen=True, slots=True)
class Boundary:
    scopes: tuple[int, ...]
    scope2_method: str = "market"
    scope3_categories: tuple[int, ...] = ()

    def describe(self) -> str:
        parts = []
        for s in self.scopes:
            if s == 2:
                parts.append(f"Scope 2 ({self.scope2_method}-based)")
            elif s == 3:
                # Targets and claims measure Scope 3 market-based (store/figures.py): said so,
                # since a reader cannot otherwise tell which of the two Scope 3 figures it is.
                cats = self.scope3_categories
                parts.append(
                    "Scope 3 (market-based)"
                    if cats == ALL_CATEGORIES
                    else "Scope 3 categories " + ", ".join(map(str, cats)) + " (market-based)"
                )
            else:
                parts.append(f"Scope {s}")
        return " + ".join(parts)


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    kind: str
    name: str
    boundary: Boundary | None = None
    base_year: int | None = None
    target_year: int | None = None
    reduction_pct: float | None = None
    metric: str | None = None
    site_kind: str | None = None
    share_pct: float | None = None
    basis: str | None = None
    from_year: int | None = None
    ambition: str | None = None
    removals: str | None = None
    set_year: int | None = None

    def definition(self) -> dict[str, Any]:
        """Every field as plain JSON values (stored and committed as the target's content)."""
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "name": self.name}
        if self.boundary is not None:
            d["scopes"] = list(self.boundary.scopes)
            d["scope2_method"] = self.boundary.scope2_method
            d["scope3_categories"] = list(self.boundary.scope3_categories)
        for key in (
            "base_year",
            "target_year",
            "reduction_pct",
            "metric",
            "site_kind",
            "share_pct",
            "basis",
            "from_year",
            "ambition",
            "removals",
            "set_year",
        ):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return d

    def definition_json(self) -> str:
        return json.dumps(self.definition(), sort_keys=True, separators=(",", ":"))

    @staticmethod
    def from_definition(d: Mapping[str, Any]) -> Target:
        target, problems = parse_target(dict(d), "stored target")
        if target is None:
            raise DataError(problems)
        return target


@dataclass(frozen=True, slots=True)
class Policy:
    threshold_pct: float = 5.0
    cumulative: bool = True


@dataclass(frozen=True, slots=True)
class Roadmap:
    targets: tuple[Target, ...]
    policy: Policy | None = None
    problems: tuple[Problem, ...] = field(default=())


def _accepts(key: str, kind: str) -> bool:
    accept = KEYS[key][1]
    return "*" in accept or kind in accept


def _requires(key: str, kind: str) -> bool:
    need = KEYS[key][0]
    return "*" in need or kind in need


def parse_target(raw: dict[str, Any], where: str) -> tuple[Target | None, list[Problem]]:
    """One `[[target]]` table as a Target, or None with the problems found."""
    problems: list[Problem] = []
    tid = raw.get("id")
    src = f"{where} (target {tid})" if isinstance(tid, str) and tid else where

    def bad(key: str, msg: str) -> None:
        problems.append(Problem(src, None, key, msg))

    kind = raw.get("kind")
    if kind not in TARGET_KINDS:
        bad("kind", f"expected one of {', '.join(TARGET_KINDS)}, not {kind!r}")
        return None, problems
    for key in raw:
        if key not in KEYS:
            bad(key, f"unknown key (expected one of {', '.join(KEYS)})")
        elif not _accepts(key, kind):
            bad(key, f"does not apply to a {kind} target")
    for key in KEYS:
        if _requires(key, kind) and key not in raw:
            bad(key, f"is required for a {kind} target")
    if not isinstance(tid, str) or not tid.strip() or any(c.isspace() for c in tid):
        bad("id", f"expected a non-empty id without spaces, not {tid!r}")
    elif why := text_problem(tid, MAX_ID_LENGTH):
        bad("id", why)

    def year(key: str) -> int | None:
        v = raw.get(key)
        if v is None:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or not FIRST_YEAR <= v <= LAST_YEAR:
            bad(key, f"expected a year between {FIRST_YEAR} and {LAST_YEAR}, not {v!r}")
            return None
        return v

    def pct(key: str) -> float | None:
        v = raw.get(key)
        if v is None:
            return None
        if not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= MAX_PERCENT:
            bad(key, f"expected a percentage between 0 and {MAX_PERCENT}, not {v!r}")
            return None
        if why := float_problem(float(v), low=0, high=MAX_PERCENT):
            bad(key, why)
            return None
        return float(v)

    def text(key: str, allowed: tuple[str, ...] | frozenset[str] | None = None) -> str | None:
        v = raw.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or not v:
            bad(key, f"expected text, not {v!r}")
            return None
        if allowed is None and (why := text_problem(v, MAX_ID_LENGTH)):
            bad(key, why)
            return None
        if allowed is not None and v not in allowed:
            bad(key, f"expected one of {', '.join(sorted(allowed))}, not {v!r}")
            return None
        return v

    boundary = None
    if _accepts("scopes", kind) and "scopes" in raw:
        scopes = raw["scopes"]
        ok = (
            isinstance(scopes, list)
            and scopes
            and all(
                isinstance(s, int) and not isinstance(s, bool) and s in (1, 2, 3) for s in scopes
            )
            and len(set(scopes)) == len(scopes)
        )
        if not ok:
            bad("scopes", f"expected a list of distinct scopes from 1, 2, 3, not {scopes!r}")
        cats_raw = raw.get("scope3_categories")
        cats: tuple[int, ...] = ()
        if cats_raw is not None:
            if not (
                isinstance(cats_raw, list)
                and all(
                    isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 15
                    for c in cats_raw
                )
                and len(set(cats_raw)) == len(cats_raw)
            ):
                bad("scope3_categories", f"expected distinct categories 1-15, not {cats_raw!r}")
            else:
                cats = tuple(sorted(cats_raw))
        if ok:
            scope_t = tuple(sorted(scopes))
            if 3 in scope_t and cats_raw is None:
                cats = ALL_CATEGORIES
            if 3 not in scope_t and cats:
                # Some Scope 3 categories in a Scope 1+2 boundary (e.g. a neutrality claim
                # that includes business travel): they join the boundary as listed.
                pass
            boundary = Boundary(scope_t, text("scope2_method", SCOPE2_METHODS) or "market", cats)
    base, target_year = year("base_year"), year("target_year")
    if base is not None and target_year is not None and target_year <= base:
        bad("target_year", f"must be after the base year {base}, not {target_year}")
    reduction = pct("reduction_pct")
    share = pct("share_pct")
    basis = text("basis", ("emissions", "spend"))
    if kind == "supplier_engagement" and basis is None:
        basis = "emissions"
    removals = text("removals", ("permanent", "other"))
    if kind == "net_zero" and removals is None:
        removals = "permanent"
    metric = text("metric")
    site_kind = text("site_kind", SITE_KINDS)
    from_year = year("from_year")
    ambition = text("ambition", ("1.5C", "well-below-2C"))
    set_year = year("set_year")
    name = raw.get("name", tid)
    if not isinstance(name, str):
        bad("name", f"expected text, not {name!r}")
    elif why := text_problem(name, MAX_TEXT_LENGTH):
        bad("name", why)
    if problems:
        return None, problems
    assert isinstance(tid, str) and isinstance(name, str)
    return (
        Target(
            id=tid,
            kind=kind,
            name=name,
            boundary=boundary,
            base_year=base,
            target_year=target_year,
            reduction_pct=reduction,
            metric=metric,
            site_kind=site_kind,
            share_pct=share,
            basis=basis,
            from_year=from_year,
            ambition=ambition,
            removals=removals,
            set_year=set_year,
        ),
        problems,
    )


def parse_roadmap(data: Mapping[str, Any], source: str) -> Roadmap:
    """A parsed roadmap document; problems are returned, not raised."""
    problems: list[Problem] = []
    for key in data:
        if key not in ("target", "recalculation"):
            problems.append(
                Problem(source, None, key, "unknown table (expected [[target]] or [recalculation])")
            )
    raw_targets = data.get("target", [])
    if not isinstance(raw_targets, list):
        problems.append(Problem(source, None, "target", "expected [[target]] tables"))
        raw_targets = []
    targets: list[Target] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_targets, start=1):
        if not isinstance(raw, dict):
            problems.append(Problem(f"{source} [[target]] #{i}", None, None, "expected a table"))
            continue
        t, found = parse_target(raw, f"{source} [[target]] #{i}")
        problems += found
        if t is not None:
            if t.id in seen:
                problems.append(
                    Problem(f"{source} [[target]] #{i}", None, "id", f"duplicate id {t.id}")
                )
            seen.add(t.id)
            targets.append(t)
    policy = None
    raw_policy = data.get("recalculation")
    if raw_policy is not None:
        policy, found = _parse_policy(raw_policy, f"{source} [recalculation]")
        problems += found
    return Roadmap(tuple(targets), policy, tuple(problems))


def _parse_policy(raw: Any, src: str) -> tuple[Policy | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return None, [Problem(src, None, None, "expected a table")]
    for key in raw:
        if key not in POLICY_KEYS:
            problems.append(
                Problem(src, None, key, f"unknown key (expected {', '.join(POLICY_KEYS)})")
            )
    threshold = raw.get("threshold_pct", 5.0)
    if (
        not isinstance(threshold, int | float)
        or isinstance(threshold, bool)
        or not 0 < threshold <= MAX_PERCENT
    ):
        problems.append(
            Problem(
                src, None, "threshold_pct", f"expected a percentage in (0, 100], not {threshold!r}"
            )
        )
    elif why := float_problem(float(threshold), low=0, high=MAX_PERCENT):
        problems.append(Problem(src, None, "threshold_pct", why))
    cumulative = raw.get("cumulative", True)
    if not isinstance(cumulative, bool):
        problems.append(
            Problem(src, None, "cumulative", f"expected true or false, not {cumulative!r}")
        )
    if problems:
        return None, problems
    return Policy(float(threshold), bool(cumulative)), problems


def read_roadmap(path: Path) -> Roadmap:
    """Read and check a roadmap TOML file; DataError naming every problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([Problem(str(path), None, None, "file not found")]) from None
    except OSError as exc:  # a folder, a file it may not read
        why = exc.strerror or type(exc).__name__
        raise DataError([Problem(str(path), None, None, f"cannot be read ({why})")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([Problem(path.name, None, None, f"not valid TOML: {exc}")]) from None
    roadmap = parse_roadmap(data, path.name)
    if roadmap.problems:
        raise DataError(
            roadmap.problems, f"{path.name}: {len(roadmap.problems)} problem(s); nothing was added"
        )
    return roadmap
