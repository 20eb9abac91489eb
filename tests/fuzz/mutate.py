"""Mutations of a valid input: the bytes the fuzz targets are fed.

Where it sits: shared by the bounded fuzz tests (tests/fuzz/test_*.py, driven by Hypothesis
through `st.randoms()`) and the long runs of bench/fuzz.py (driven by `random.Random` with a fixed
seed, or by atheris). Every mutator takes the valid seed input and a `random.Random`-like source
of choices and returns new bytes; nothing here knows what the bytes mean beyond their syntax.

An input is named by the mutator and an integer: `mutator(seed, random.Random(n))`. The tests
draw `n` with Hypothesis, bench/fuzz.py counts it up from `--seed`, so any input either reports
can be rebuilt from its number (`bench/fuzz.py --target NAME --replay N`).

Three families:

- `mutate_bytes`: format-blind edits (bit flips, byte changes, deletions, insertions of
  "interesting" tokens, duplicated or swapped spans and lines, truncation). They reach the
  parsers' error paths: encoding, quoting, headers, line structure.
- `mutate_table`: CSV-aware edits (a cell replaced by an interesting value or another cell, a
  column renamed, dropped or duplicated, a row duplicated or removed). They keep the file
  parseable, so they reach the row checks behind the parser.
- `mutate_lines`: line-aware edits for line formats (signed notes, proofs, TOML).

Inputs are capped at `MAX_INPUT` bytes so one run never builds a huge file.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Sequence

Mutator = Callable[[bytes, random.Random], bytes]

MAX_INPUT = 64 * 1024

# Values that parsers of numbers, dates, text and line formats tend to mishandle.
TOKENS: tuple[bytes, ...] = (
    b"",
    b" ",
    b"0",
    b"-0",
    b"-1",
    b"00",
    b"01",
    b"1.5",
    b"1,5",
    b"1e308",
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"nan",
    b"NaN",
    b"inf",
    b"-inf",
    b"Infinity",
    b"0x10",
    b"1_000",
    b"\xd9\xa3",  # ARABIC-INDIC DIGIT THREE
    b"\xef\xbc\x91\xef\xbc\x92",  # FULLWIDTH 12
    b"9" * 25,
    b"9" * 400,
    b"18446744073709551615",
    b"18446744073709551616",
    b"9223372036854775808",
    b"2147483648",
    b"2020-02-30",
    b"2020-13-01",
    b"0000-01-01",
    b"0001-01-01",
    b"9999-12-31",
    b"-2020-01-01",
    b"2020-01-01T00:00:00",
    b"2020-1-1",
    b"20200101",
    b"1900",
    b"99999",
    b"true",
    b"false",
    b"yes",
    b"no",
    b"YES",
    b"null",
    b"None",
    b"\x00",
    b"\x7f",
    b"\x1b",
    b"\t",
    b"\r",
    b"\r\n",
    b"\n",
    b"\n\n",
    b'"',
    b'""',
    b"'",
    b",",
    b";",
    b"=",
    b"+",
    b"\\",
    b"%s",
    b"{}",
    b"[]",
    b"[[",
    b"]]",
    b"#",
    b"\xef\xbb\xbf",  # BOM
    b"\xe2\x80\x94 ",  # EM DASH + space: a signature line prefix
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"\xc2\xa0",  # NO-BREAK SPACE
    b"\xc3\xa9",
    b"\xff",
    b"\xfe\xff",
    b"\xc3",  # truncated UTF-8
    b"\xed\xa0\x80",  # encoded surrogate (invalid UTF-8)
    b"\xf0\x9f\x98\x80",
    b"A" * 300,
    b"==",
    b"AAAA",
    b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # 32 zero bytes in base64
    b"_",
    b"/",
)


def pick(rng: random.Random, items: Sequence[bytes]) -> bytes:
    return items[rng.randrange(len(items))]


def _token(rng: random.Random, seed: bytes) -> bytes:
    """An interesting token, or a piece of the seed itself (splicing keeps the alphabet)."""
    if seed and rng.random() < 0.3:
        a = rng.randrange(len(seed))
        return seed[a : a + rng.randint(1, 16)]
    return pick(rng, TOKENS)


def _one_byte_edit(data: bytes, rng: random.Random, seed: bytes) -> bytes:
    n = len(data)
    op = rng.randrange(10)
    if n == 0:
        return _token(rng, seed)
    i = rng.randrange(n)
    if op == 0:  # flip one bit
        return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
    if op == 1:  # set one byte
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
    if op == 2:  # delete a span
        return data[:i] + data[i + rng.randint(1, 8) :]
    if op == 3:  # insert a token
        return data[:i] + _token(rng, seed) + data[i:]
    if op == 4:  # replace a span by a token
        return data[:i] + _token(rng, seed) + data[i + rng.randint(1, 8) :]
    if op == 5:  # duplicate a span
        span = data[i : i + rng.randint(1, 32)]
        j = rng.randrange(n + 1)
        return data[:j] + span + data[j:]
    if op == 6:  # truncate
        return data[:i]
    if op == 7:  # off-by-one on a digit
        digits = [k for k in range(n) if 48 <= data[k] <= 57]
        if digits:
            k = digits[rng.randrange(len(digits))]
            d = (data[k] - 48 + rng.choice((1, 9))) % 10
            return data[:k] + bytes([48 + d]) + data[k + 1 :]
        return data
    if op == 8:  # change the case of a letter
        return data[:i] + data[i : i + 1].swapcase() + data[i + 1 :]
    # op == 9: swap two spans
    j = rng.randrange(n)
    a, b = sorted((i, j))
    k = rng.randint(1, 8)
    if a + k > b:
        return data
    return data[:a] + data[b : b + k] + data[a + k : b] + data[a : a + k] + data[b + k :]


def mutate_bytes(seed: bytes, rng: random.Random) -> bytes:
    """One to four format-blind edits of the seed."""
    data = seed
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        data = _one_byte_edit(data, rng, seed)
    return data[:MAX_INPUT]


def mutate_lines(seed: bytes, rng: random.Random) -> bytes:
    """Line-level edits (delete, duplicate, swap, move, edit one line's bytes), then maybe more."""
    lines = seed.split(b"\n")
    for _ in range(rng.choice((1, 1, 2))):
        n = len(lines)
        i = rng.randrange(n)
        op = rng.randrange(6)
        if op == 0 and n > 1:
            del lines[i]
        elif op == 1:
            lines.insert(rng.randrange(n + 1), lines[i])
        elif op == 2:
            j = rng.randrange(n)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines.insert(rng.randrange(n + 1), _token(rng, seed))
        elif op == 4:
            lines[i] = _one_byte_edit(lines[i], rng, seed)
        else:
            lines[i] = lines[i] + pick(rng, (b" ", b"\r", b"\t", b"=", b"0"))
    data = b"\n".join(lines)
    return mutate_bytes(data, rng) if rng.random() < 0.2 else data[:MAX_INPUT]


# --- tables ---------------------------------------------------------------------------------


def parse_csv(seed: bytes) -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO(seed.decode("utf-8"), newline=""))]


def write_csv(rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", "surrogateescape")


def _cell_value(rng: random.Random, rows: list[list[str]], old: str) -> str:
    op = rng.randrange(6)
    if op == 0:  # a value from another cell (right type, wrong place; or a duplicate key)
        r = rows[rng.randrange(len(rows))]
        return r[rng.randrange(len(r))] if r else ""
    if op == 1 and old:  # one edit of the value's own bytes
        raw = _one_byte_edit(old.encode("utf-8"), rng, old.encode("utf-8"))
        return raw.decode("utf-8", "surrogateescape")
    if op == 2:  # padded or cased
        before, after = pick(rng, (b" ", b"")), pick(rng, (b" ", b"\t", b""))
        return before.decode() + old.upper() + after.decode()
    if op == 3 and old:  # scaled number or sign
        return pick(rng, (b"-", b"+", b"0")).decode() + old
    return pick(rng, TOKENS).decode("utf-8", "surrogateescape")


def mutate_rows(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """Edits of a parsed table (first row the header): the structure stays a table."""
    rows = [list(r) for r in rows]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        n = len(rows)
        op = rng.randrange(10)
        if op <= 4 and n > 1:  # a data cell
            r = rows[rng.randrange(1, n)]
            if r:
                j = rng.randrange(len(r))
                r[j] = _cell_value(rng, rows, r[j])
        elif op == 5:  # a header cell
            h = rows[0]
            if h:
                j = rng.randrange(len(h))
                h[j] = _cell_value(rng, rows, h[j])
        elif op == 6 and n > 1:  # duplicate a data row (a repeated key)
            i = rng.randrange(1, n)
            rows.insert(rng.randrange(1, n + 1), list(rows[i]))
        elif op == 7 and n > 1:  # drop a row (the header included)
            del rows[rng.randrange(n)]
        elif op == 8:  # drop or duplicate a column everywhere
            width = max((len(r) for r in rows), default=0)
            if width:
                j = rng.randrange(width)
                dup = rng.random() < 0.5
                for r in rows:
                    if j < len(r):
                        if dup:
                            r.insert(j, r[j])
                        else:
                            del r[j]
        else:  # a ragged row: a cell added or removed at the end
            if n:
                r = rows[rng.randrange(n)]
                if r and rng.random() < 0.5:
                    r.pop()
                else:
                    r.append(_cell_value(rng, rows, ""))
    return rows


def mutate_table(seed: bytes, rng: random.Random) -> bytes:
    """CSV-aware edits: the file stays CSV, so the row checks behind the parser are reached."""
    data = write_csv(mutate_rows(parse_csv(seed), rng))
    return mutate_bytes(data, rng) if rng.random() < 0.1 else data[:MAX_INPUT]


def show(data: bytes, limit: int = 600) -> str:
    """An input for a failure message: its repr, cut to `limit` characters, and its length."""
    text = repr(data)
    cut = text if len(text) <= limit else text[: limit // 2] + " ... " + text[-limit // 2 :]
    return f"{cut} ({len(data)} bytes)"


def mix(*weighted: tuple[int, Mutator]) -> Mutator:
    """A mutator choosing one of several by weight."""
    table = [m for w, m in weighted for _ in range(w)]

    def mutator(seed: bytes, rng: random.Random) -> bytes:
        return table[rng.randrange(len(table))](seed, rng)

    return mutator
