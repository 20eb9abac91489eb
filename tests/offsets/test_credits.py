"""Credit blocks as values: serials split into prefix and number, and serials used twice found."""

from __future__ import annotations

import dataclasses
import random

import pytest

from zerotrail.model.credits import (
    Credit,
    find_overlaps,
    format_serial,
    parse_serial,
    serial_width,
    shared_text,
)


def block(
    cid: str, first: int, last: int, *, registry: str = "Verra VCS", prefix: str = "P-"
) -> Credit:
    return Credit(
        credit_id=cid,
        version=1,
        registry=registry,
        project_id="728",
        project_name=None,
        methodology="ACM0002",
        type="reduction",
        durability="none",
        vintage=2022,
        serial_start=format_serial(prefix, first, 6),
        serial_end=format_serial(prefix, last, 6),
        serial_prefix=prefix,
        serial_first=first,
        serial_last=last,
        quantity=float(last - first + 1),
        status="held",
        retired_on=None,
        beneficiary=None,
        reason=None,
        claim_year=None,
        ccp_label=None,
        corsia_eligible=None,
        corresponding_adjustment=None,
        split_from=None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VCS-728-2019-000001", ("VCS-728-2019-", 1)),
        ("VCS-728-2019-001000", ("VCS-728-2019-", 1000)),
        ("GS1-1-CN-GS2345-16-2021-23874-100", ("GS1-1-CN-GS2345-16-2021-23874-", 100)),
        ("12345", ("", 12345)),
        ("ABC-", None),
        ("", None),
        ("X-١٢", None),  # Arabic-Indic digits are not serial digits
    ],
)
def test_parse_serial(text: str, expected: tuple[str, int] | None) -> None:
    assert parse_serial(text) == expected


def test_zero_padding_keeps_the_prefix_and_the_width() -> None:
    # The whole trailing digit run is the number, so padded and unpadded serials share a prefix.
    assert parse_serial("X-0999") == ("X-", 999)
    assert parse_serial("X-1000") == ("X-", 1000)
    assert serial_width("X-000001") == 6
    assert format_serial("X-", 101, 6) == "X-000101"
    assert format_serial("X-", 1_234_567, 6) == "X-1234567"  # grows, never truncates


def test_overlapping_blocks_in_one_registry_and_prefix() -> None:
    a, b, c = block("a", 1, 100), block("b", 50, 150), block("c", 151, 200)
    assert find_overlaps([c, b, a]) == [(a, b)]  # b and c are adjacent: 150 then 151
    assert shared_text(a, b) == "51 serials P-000050 to P-000100"
    assert shared_text(b, block("d", 150, 150)) == "serial P-000150"


def test_other_registries_and_prefixes_do_not_overlap() -> None:
    a = block("a", 1, 100)
    other_registry = block("b", 1, 100, registry="Gold Standard")
    other_prefix = block("c", 1, 100, prefix="Q-")
    assert find_overlaps([a, other_registry, other_prefix]) == []


def test_a_block_inside_another_and_chains() -> None:
    outer, inner, late = block("outer", 1, 1000), block("inner", 10, 20), block("late", 900, 1200)
    pairs = {(x.credit_id, y.credit_id) for x, y in find_overlaps([late, inner, outer])}
    assert pairs == {("outer", "inner"), ("outer", "late")}


def test_sweep_matches_every_pair_compared() -> None:
    rng = random.Random(7)
    blocks = []
    for i in range(300):
        first = rng.randrange(0, 20_000)
        registry = rng.choice(["Verra VCS", "Gold Standard"])
        blocks.append(block(f"b{i}", first, first + rng.randrange(0, 80), registry=registry))

    def meets(x: Credit, y: Credit) -> bool:
        return (
            x.registry == y.registry
            and x.serial_first <= y.serial_last
            and y.serial_first <= x.serial_last
        )

    naive = {
        frozenset((x.credit_id, y.credit_id))
        for i, x in enumerate(blocks)
        for y in blocks[i + 1 :]
        if meets(x, y)
    }
    found = find_overlaps(blocks)
    assert len(found) == len(naive)
    assert {frozenset((x.credit_id, y.credit_id)) for x, y in found} == naive
    assert all(x.serial_first <= y.serial_first for x, y in found)


def test_credit_is_a_frozen_value() -> None:
    a = block("a", 1, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.status = "retired"  # type: ignore[misc]
    assert a.serials == "P-000001 to P-000010"
