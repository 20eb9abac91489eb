"""Closest known names for a name someone typed: "did you mean fugitive.R-410A?".

Where it sits: model, used wherever a person types an activity key, unit, region, factor set or
factor id that zerotrail does not know (the import's row problems, `zerotrail factors`). One
function, so every refusal suggests the same way: difflib's ratio over the known names, compared
case-insensitively (a typed `us-rfcw` is close to `US-RFCW`), best first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from zerotrail.model.regions import COUNTRIES, GLOBAL, KNOWN_SUBREGIONS

# How many suggestions a message names, and how alike a name must be to be suggested (difflib's
# ratio: 0.6 is its own default; `fugitive.R410A` and `fugitive.R-410A` score 0.97). Only names
# within MARGIN of the best are named: `fugitive.R-134a` (0.83) is no rival to `R-410A`, while
# `US-RFCW` and `US-RFCM` (0.86 each for `US-RFWC`) both are.
MAX_SUGGESTIONS = 3
CUTOFF = 0.6
MARGIN = 0.05


def closest(typed: str, known: Iterable[str], n: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to `n` known names most like `typed`, best first (ties in name order); never `typed`
    itself. Of names equal but for case, the first `known` gives is the one named."""
    by_lower: dict[str, str] = {}
    for name in known:
        if name != typed:
            by_lower.setdefault(name.lower(), name)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(typed.lower())
    scored: list[tuple[float, str]] = []
    for lower, name in by_lower.items():
        matcher.set_seq1(lower)
        # The cheap upper bounds first, as difflib.get_close_matches does.
        if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
            score = matcher.ratio()
            if score >= CUTOFF:
                scored.append((score, name))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    near = sorted((-score, name) for score, name in scored if score >= best - MARGIN)
    return [name for _, name in near[:n]]


def did_you_mean(typed: str, known: Iterable[str]) -> str:
    """'; did you mean X?' (or 'X, Y or Z?') to append to a refusal, or '' when nothing known is
    close enough to suggest."""
    found = closest(typed, known)
    if not found:
        return ""
    names = found[0] if len(found) == 1 else f"{', '.join(found[:-1])} or {found[-1]}"
    return f"; did you mean {names}?"


def region_codes() -> frozenset[str]:
    """Every region code zerotrail knows by name (countries, the Chinese and US sub-national
    codes, GLOBAL): the candidates for a mistyped region, beside those a factor library has."""
    return frozenset({GLOBAL, *COUNTRIES}.union(*KNOWN_SUBREGIONS.values()))


def key_candidates(typed: str, known: Iterable[str]) -> list[str]:
    """The keys to suggest from for a mistyped activity key: those of its family when the family
    has any (a misspelt fuel or refrigerant), else all of them (a misspelt family)."""
    keys = list(known)
    family = typed.split(".", 1)[0] + "."
    return [k for k in keys if k.startswith(family)] or keys
