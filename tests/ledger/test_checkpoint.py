"""C2SP tlog-checkpoint text: exact formatting and strict parsing."""

from __future__ import annotations

import base64

import pytest

from tests.ledger.vectors import CT_CHECKPOINT
from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    EMPTY_ROOT,
    Checkpoint,
    format_checkpoint,
    parse_checkpoint,
    parse_note,
)

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_format_is_three_lines() -> None:
    cp = Checkpoint("carbon.example.com/emmet-group", 20852163, ROOT)
    assert format_checkpoint(cp) == f"carbon.example.com/emmet-group\n20852163\n{ROOT_B64}\n"


def test_the_specification_example_parses() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = parse_checkpoint(text)
    assert (cp.origin, cp.size, cp.root.hex()[:8]) == (
        "example.com/behind-the-sofa",
        20852163,
        "0ac5186a",
    )
    assert format_checkpoint(cp) == text


def test_a_real_checkpoint_parses() -> None:
    cp = parse_checkpoint(parse_note(CT_CHECKPOINT).text)
    assert (cp.origin, cp.size) == ("arche2025h1.staging.ct.transparency.dev", 1432088532)


@pytest.mark.parametrize(
    "cp",
    [
        Checkpoint("o", 1, ROOT),
        Checkpoint("o", 0, EMPTY_ROOT),
        Checkpoint("o with spaces is allowed", 2**64 - 1, ROOT),
        Checkpoint("o", 7, ROOT, ("extension one", "two")),
    ],
    ids=["size 1", "empty tree", "largest size", "extension lines"],
)
def test_round_trip(cp: Checkpoint) -> None:
    assert parse_checkpoint(format_checkpoint(cp)) == cp


GOOD = f"carbon.example.com/x\n42\n{ROOT_B64}\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(GOOD[:-1], id="no final newline"),
        pytest.param("carbon.example.com/x\n42\n", id="two lines"),
        pytest.param(GOOD.replace("carbon.example.com/x", ""), id="empty origin"),
        pytest.param(GOOD.replace("\n42\n", "\n042\n"), id="leading zero"),
        pytest.param(GOOD.replace("\n42\n", "\n00\n"), id="zero with leading zero"),
        pytest.param(GOOD.replace("\n42\n", "\n+42\n"), id="sign"),
        pytest.param(GOOD.replace("\n42\n", "\n 42\n"), id="space before size"),
        pytest.param(GOOD.replace("\n42\n", "\n42 \n"), id="space after size"),
        pytest.param(GOOD.replace("\n42\n", "\n4_2\n"), id="underscore"),
        pytest.param(GOOD.replace("\n42\n", "\n٤٢\n"), id="Arabic-Indic digits"),
        pytest.param(GOOD.replace("\n42\n", "\n-1\n"), id="negative"),
        pytest.param(GOOD.replace("\n42\n", f"\n{2**64}\n"), id="above 2**64 - 1"),
        pytest.param(GOOD.replace("\n42\n", "\n" + "9" * 5000 + "\n"), id="huge number"),
        pytest.param(GOOD.replace(ROOT_B64, ROOT_B64.rstrip("=")), id="unpadded root"),
        pytest.param(GOOD.replace(ROOT_B64, base64.b64encode(ROOT[:31]).decode()), id="31 bytes"),
        pytest.param(GOOD.replace(ROOT_B64, base64.b64encode(ROOT + b"!").decode()), id="33 bytes"),
        pytest.param(GOOD.replace(ROOT_B64, ROOT_B64[:-2] + "9="), id="non-canonical root"),
        pytest.param(
            GOOD.replace(ROOT_B64, base64.urlsafe_b64encode(b"\xff" * 32).decode()),
            id="URL-safe alphabet",
        ),
        pytest.param(GOOD + "\n", id="empty extension line"),
        pytest.param(GOOD.replace("\n42\n", "\n\n42\n"), id="blank line inside"),
        pytest.param(GOOD.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(GOOD.replace("carbon", "car\tbon"), id="control character"),
        pytest.param(f"o\n0\n{ROOT_B64}\n", id="size 0 with another root"),
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(VerificationError):
        parse_checkpoint(text)


@pytest.mark.parametrize(
    "args",
    [
        ("", 1, ROOT),
        ("two\nlines", 1, ROOT),
        ("o", -1, ROOT),
        ("o", True, ROOT),
        ("o", 1, ROOT[:31]),
        ("o", 0, ROOT),
        ("o", 1, ROOT, ("",)),
    ],
)
def test_checkpoint_values_check_their_fields(args: tuple) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError):
        Checkpoint(*args)
