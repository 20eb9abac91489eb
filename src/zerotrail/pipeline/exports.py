"""Text that leaves zerotrail for other programs, as the edges (CLI, server) write it.

Where it sits: pipeline, for the edges. Every CSV a command prints or writes goes through
`CsvWriter` or `write_dicts` (formula-like text neutralised against CSV injection), and every
message quoting stored text goes through `printable` (control characters replaced). The rules
live in `reports/cells.py`; the edges take them from here, as they take everything else from the
pipeline.
"""

from __future__ import annotations

from zerotrail.reports.cells import CsvWriter, printable, write_dicts

__all__ = ["CsvWriter", "printable", "write_dicts"]
