"""What a publication adds to the report's figures: restatements, its digest, its ledger section.

Where it sits: reports, under the publish stage (pipeline/publish.py), which reads and records;
the rules here are pure. A published report's figures are committed as the SHA-256 of their
canonical JSON (`figures_text`, everything but the ledger section, which can only be written
once the publication is in the log); figures of earlier years that changed since the previous
report are listed with the reason (`restatements`).

The figures' canonical JSON is RFC 8785's (JCS), so that anyone can recompute their SHA-256
from report.json in any language (the verify.py beside each report does, without zerotrail):
every value must therefore be JSON's own (text, finite numbers, integers a double holds
exactly, true/false/null, lists, objects with text keys), which `figures_text` checks, naming
the first value that is not, rather than converting it silently.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zerotrail.errors import DataError, ZerotrailError
from zerotrail.reports.cells import printable

RESTATEMENT_TOLERANCE_T = 0.005  # half a hundredth of a tonne: below what a report prints
FIGURES = ("scope1", "scope2_location", "scope2_market", "scope3", "scope3_market")


@dataclass(frozen=True, slots=True)
class Published:
    report_id: str
    out: Path
    files: tuple[Path, ...]
    checkpoint_size: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PreviousReport:
    """The latest report published before, with the checkpoint it was built on."""

    report_id: str
    figures: dict[str, Any]
    checkpoint_size: int | None
    checkpoint_note: str | None


def report_id(year: int, published_before: int) -> str:
    """The id of the year's next report, after `published_before` reports of the year."""
    return f"report-{year}-{published_before + 1}"


def figures_text(data: Mapping[str, Any]) -> str:
    """The RFC 8785 canonical JSON of the report's figures (everything but its ledger
    section). ZerotrailError naming the first value JSON cannot hold exactly."""
    import rfc8785

    body = {k: v for k, v in data.items() if k != "ledger"}
    _check_json(body, "")
    return rfc8785.dumps(body).decode("utf-8")


_MAX_EXACT_INT = 2**53 - 1  # JSON numbers are doubles: larger integers do not read back


def _check_json(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_EXACT_INT:
            raise ZerotrailError(f"report figure {where}: {value} is too large for JSON")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ZerotrailError(f"report figure {where} is {value}, which JSON cannot hold")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ZerotrailError(f"report figure {where}: key {key!r} is not text")
            _check_json(item, f"{where}.{key}" if where else key)
        return
    raise ZerotrailError(
        f"report figure {where or '(the report)'} is a {type(value).__name__}, not a JSON value"
        " (write dates and the like as ISO text)"
    )


def restatements(
    previous: Mapping[str, Any] | None,
    years: Sequence[Mapping[str, Any]],
    imported: Sequence[tuple[str, str]],
) -> list[dict[str, Any]]:
    """Figures of years the previous report published that differ now, with the reason.

    `imported` holds (kind, file name) of the imports since the previous report was published.
    """
    if previous is None:
        return []
    old_years = {int(y["year"]): y for y in previous.get("years", [])}
    since = sorted({f"{k} ({f})" for k, f in imported})
    out = []
    for now in years:
        old = old_years.get(int(now["year"]))
        if old is None:
            continue
        for key in FIGURES:
            delta = float(now[key]) - float(old[key])
            if abs(delta) <= RESTATEMENT_TOLERANCE_T:
                continue
            reasons = []
            if old.get("run_id") != now.get("run_id"):
                reasons.append(f"recalculated (run {old.get('run_id')} → {now.get('run_id')})")
            if since:
                reasons.append("data imported since the previous report: " + ", ".join(since))
            out.append(
                {
                    "year": int(now["year"]),
                    "figure": key,
                    "previous_t": float(old[key]),
                    "restated_t": float(now[key]),
                    "change_t": delta,
                    "reason": "; ".join(reasons) or "recalculated",
                }
            )
    return out


def consistency_section(previous: PreviousReport, to_size: int) -> dict[str, Any]:
    """How report.json names the consistency proof from the previous report's checkpoint."""
    return {
        "previous_report": previous.report_id,
        "from_size": previous.checkpoint_size,
        "to_size": to_size,
        "previous_checkpoint": "previous-checkpoint.txt",
        "proof": "consistency.proof",
    }


def proof_lines(nodes: Sequence[bytes]) -> str:
    """A consistency proof as the file holds it: base64 hashes, one a line."""
    return "".join(base64.b64encode(h).decode() + "\n" for h in nodes)


def one_line(exc: BaseException) -> str:
    """The error as one printable line; a data error with its first problem."""
    text = str(exc)
    if isinstance(exc, DataError) and exc.problems:
        more = len(exc.problems) - 1
        text += f": {exc.problems[0]}" + (f" (and {more} more)" if more else "")
    text = printable(" ".join(text.split()), keep="")  # line breaks as spaces, then the rest
    if not isinstance(exc, ZerotrailError | ValueError | RuntimeError | OSError) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 400 else text[:399] + "…"
