"""zerotrail: corporate carbon accounting with a tamper-evident trail.

Importing the package does no work: submodules load on first use.
"""

from zerotrail.errors import (
    DataError,
    FactorError,
    GwpError,
    Problem,
    SchemaVersionError,
    UnitError,
    VerificationError,
    WorkspaceError,
    ZerotrailError,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "FactorError",
    "GwpError",
    "Problem",
    "SchemaVersionError",
    "UnitError",
    "VerificationError",
    "WorkspaceError",
    "ZerotrailError",
    "__version__",
]
