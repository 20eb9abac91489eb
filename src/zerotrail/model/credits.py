"""Carbon credits as values: a stored block of serials, serial parsing and reuse detection.

Where it sits: model, shared by the store (which reads and writes the `credits` table as these
values), the credits import (ingest/credits.py, which refuses a file reusing serials) and the
claim rules (offsets/claims.py, which refuse a claim counting a serial twice). Pure: no storage.

A block is a contiguous run of serials in one registry: `PREFIX` followed by a number, from
`serial_first` to `serial_last`, one credit (one tonne CO2e) per serial. Two blocks with the same
registry and prefix whose number ranges intersect share serials, which means the same tonnes
would be counted twice.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Credit:
    """One stored version of a block of credits (a row of the `credits` table)."""

    credit_id: str
    version: int
    registry: str
    project_id: str
    project_name: str | None
    methodology: str
    type: str  # avoidance, reduction or removal
    durability: str  # none, short, long or permanent
    vintage: int
    serial_start: str
    serial_end: str
    serial_prefix: str
    serial_first: int
    serial_last: int
    quantity: float  # t CO2e; equals serial_last - serial_first + 1
    status: str  # held, retired or cancelled
    retired_on: date | None
    beneficiary: str | None
    reason: str | None
    claim_year: int | None
    ccp_label: bool | None
    corsia_eligible: bool | None
    corresponding_adjustment: bool | None
    split_from: str | None

    @property
    def serials(self) -> str:
        """The block's serial range as shown to people."""
        if self.serial_start == self.serial_end:
            return self.serial_start
        return f"{self.serial_start} to {self.serial_end}"


def parse_serial(text: str) -> tuple[str, int] | None:
    """A serial's prefix and trailing number: "VCS-728-2019-000001" → ("VCS-728-2019-", 1).

    The number is the whole trailing run of digits, so the prefix never ends in a digit and two
    serials of one block (however they are zero-padded) share it. None when there is no trailing
    number.
    """
    end = len(text)
    start = end
    while start > 0 and text[start - 1].isascii() and text[start - 1].isdigit():
        start -= 1
    if start == end:
        return None
    return text[:start], int(text[start:])


def serial_width(text: str) -> int:
    """How many digits a serial's number is written with (its zero padding)."""
    parsed = parse_serial(text)
    return 0 if parsed is None else len(text) - len(parsed[0])


def format_serial(prefix: str, number: int, width: int) -> str:
    """A serial in the padding of its block: format_serial("X-", 42, 6) == "X-000042"."""
    return prefix + str(number).zfill(width)


def find_overlaps(blocks: Iterable[Credit]) -> list[tuple[Credit, Credit]]:
    """Every pair of blocks in the same registry and prefix whose serial intervals intersect.

    Sort by (registry, prefix, first serial) and sweep, keeping the blocks still open (last
    serial not yet passed) in a heap: O(n log n + pairs) instead of comparing every pair. Each
    pair is (the block starting first, the other), in sweep order.
    """
    ordered = sorted(
        blocks,
        key=lambda b: (b.registry, b.serial_prefix, b.serial_first, b.serial_last, b.credit_id),
    )
    pairs: list[tuple[Credit, Credit]] = []
    group: tuple[str, str] | None = None
    open_blocks: list[tuple[int, int, Credit]] = []  # (last serial, sweep position, block)
    for pos, b in enumerate(ordered):
        key = (b.registry, b.serial_prefix)
        if key != group:
            group, open_blocks = key, []
        while open_blocks and open_blocks[0][0] < b.serial_first:
            heapq.heappop(open_blocks)
        for _, _, other in sorted(open_blocks, key=lambda o: o[1]):
            pairs.append((other, b))
        heapq.heappush(open_blocks, (b.serial_last, pos, b))
    return pairs


def shared_serials(a: Credit, b: Credit) -> tuple[int, int]:
    """The first and last serial number two overlapping blocks share."""
    return max(a.serial_first, b.serial_first), min(a.serial_last, b.serial_last)


def shared_text(a: Credit, b: Credit) -> str:
    """The shared serials of two overlapping blocks, written in the padding of `a`."""
    lo, hi = shared_serials(a, b)
    width = serial_width(a.serial_start)
    first = format_serial(a.serial_prefix, lo, width)
    if lo == hi:
        return f"serial {first}"
    count = hi - lo + 1
    return f"{count:,} serials {first} to {format_serial(a.serial_prefix, hi, width)}"
