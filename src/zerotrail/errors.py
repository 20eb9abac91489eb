"""The exception tree and the Problem record.

Exceptions are for failures of the program or its environment; problems in the user's data are
values (`Problem`) collected and reported together, so that one run shows every bad row.

    ZerotrailError
    ├── WorkspaceError            the workspace database cannot be opened or used
    │   └── SchemaVersionError    the workspace was written by a newer zerotrail
    ├── DataError                 input data was rejected; carries the Problems
    ├── UnitError                 a unit is unknown or not convertible
    ├── GwpError                  a GWP set or species is unknown, or sets were mixed
    ├── FactorError               a factor set or factor is unknown or malformed
    ├── TargetError               a target, base-year figure, event or claim is not usable as given
    ├── ReportError               the stored figures cannot be reported as they are
    │   └── ChartError            a chart's figures cannot be drawn truthfully (also a ValueError)
    └── VerificationError         a proof, signature or log check failed (ledger)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ZerotrailError(Exception):
    """Base of every error zerotrail raises on purpose."""


class WorkspaceError(ZerotrailError):
    """The workspace database cannot be opened, created or written."""


class SchemaVersionError(WorkspaceError):
    """The workspace schema is newer than this version of zerotrail understands."""


class UnitError(ZerotrailError):
    """A unit is unknown, or two units have different dimensions."""


class GwpError(ZerotrailError):
    """A GWP set or gas is unknown, or an inventory would mix GWP sets."""


class FactorError(ZerotrailError):
    """A factor set or factor is unknown or malformed."""


class ReportError(ZerotrailError):
    """The stored figures cannot be reported as they are (a report, a chart, an export)."""


class ChartError(ReportError, ValueError):
    """A chart's figures cannot be drawn without misleading (a negative or missing figure,
    two rows under one label). Also a ValueError: the chart functions refuse malformed input."""


class TargetError(ZerotrailError):
    """A target, base-year figure, recalculation event or claim is not usable as given."""


class VerificationError(ZerotrailError):
    """A proof, signature or consistency check failed. Verifiers raise only this."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the user's data: where it is and what was expected.

    `row` is the 1-based line number in the file as a spreadsheet shows it (the header is row 1),
    or None when the problem concerns the whole file or a record outside any file.
    """

    source: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataError(ZerotrailError):
    """Input was rejected as a whole because of the problems it carries."""

    def __init__(self, problems: Sequence[Problem], summary: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        sources = sorted({p.source for p in self.problems})
        where = f"{', '.join(sources)}: " if sources else ""
        head = summary or f"{where}{len(self.problems)} problem(s); nothing was changed"
        super().__init__(head)
