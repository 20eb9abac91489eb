"""Every command refuses a missing file, a bad option value and an empty workspace in one line.

The commands are read from the Typer app itself (the click command tree), so a new command is
covered the day it is added. For each command, three kinds of case:

(a) every file argument names a file that does not exist: the one line names that file;
(b) each option of a number type gets `abc`, and each option with a fixed vocabulary (`--format`,
    `--gwp`, `--by` ...) a word outside it: the one line names the option or the bad value;
(c) plausible arguments on a new workspace (`zerotrail init`, nothing imported), an empty file
    for each file argument: the command refuses in one line (an empty file may instead be
    rejected in the documented form, a header line and one indented line per problem) or, for
    the commands that need no data (SUCCEEDS_ON_EMPTY), succeeds.

Each case runs `main()` in this process, as the console script does, on its own copy of one
empty workspace, from its own folder, with ZEROTRAIL_DEBUG=1 so that an error that escapes the
error tree prints a traceback; it must exit non-zero with exactly one line on stderr, no
traceback and no "internal error".
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main

from tests.cli.invoke import Result, zerotrail
from zerotrail.cli import app

# Path parameters a command writes, never reads first (so not "missing files"): every `--out`,
# and these, by command and parameter.
OUTPUT = "out"
CREATES = frozenset({("witness init", "state")})

# Options whose value comes from a fixed vocabulary, and a value outside it.
ENUMERATED = {
    "--format": "xml",
    "--by": "colour",
    "--gwp": "AR9",
    "--set": "AR9",
    "--approach": "majority_vote",
    "--blend-rule": "guesswork",
    "--kind": "nonsense",
    "--status": "sold",
    "--on": "yesterday",
    "--engine": "sparkle",
}

# Commands that succeed on a new workspace: they need no data, or report that there is none
# (an inventory of no records, a roadmap of no targets) rather than refuse.
SUCCEEDS_ON_EMPTY = frozenset(
    {
        "init",
        "calculate",
        "factors list",
        "factors search",
        "factors show",
        "gwp show",
        "keys generate",
        "targets list",
        "progress",
        "baseyear show",
        "credits list",
        "initiatives list",
        "energy datacentres",
        "settings show",
        "ledger audit",
        "users list",
        "imports list",
        "verification list",
    }
)

# Plausible values for required parameters in case (c), by name; other text gets "x".
PLAUSIBLE: dict[str, str] = {
    "year": "2023",
    "base_year": "2020",
    "for_year": "2023",
    "old": "0",
    "on": "2023-06-30",
    "query": "diesel",
    "factor_id": "epa-hub-2024:t1.biodiesel-100.gallon",
    "name": "carbon.example.com/test",
    "origin": "carbon.example.com/test",
}


@dataclass(frozen=True)
class Param:
    name: str
    flag: str | None  # "--year", or None for an argument
    annotation: Any
    required: bool

    @property
    def is_path(self) -> bool:
        return self.annotation is Path or self.annotation == list[Path]

    @property
    def is_number(self) -> bool:
        return self.annotation in (int, float)

    @property
    def is_flag(self) -> bool:
        return self.annotation is bool

    def given(self, value: str) -> list[str]:
        return [value] if self.flag is None else [self.flag, value]


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    params: tuple[Param, ...]

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def writes(self, p: Param) -> bool:
        return p.name == OUTPUT or (self.name, p.name) in CREATES

    def input_files(self) -> list[Param]:
        return [p for p in self.params if p.is_path and not self.writes(p)]


def _commands() -> list[Command]:
    """Every leaf command of the app, with its parameters."""
    found: list[Command] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        subcommands = getattr(node, "commands", None)
        if subcommands is not None:
            for name, sub in sorted(subcommands.items()):
                walk(sub, (*path, name))
            return
        params = []
        for p in node.params:
            flags = [o for o in p.opts if o.startswith("--")] or list(p.opts)
            is_option = bool(p.opts) and p.opts[0].startswith("-")
            descriptor = getattr(p, "type_descriptor", None)
            annotation = descriptor.annotation if descriptor is not None else None
            params.append(Param(p.name, flags[0] if is_option else None, annotation, p.required))
        found.append(Command(path, tuple(params)))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()


def _plausible(cmd: Command, p: Param, folder: Path) -> list[str]:
    """A value for a required parameter that is well formed, for case (c)."""
    if p.is_path:
        if cmd.writes(p):
            return p.given(str(folder / f"new-{p.name}"))
        empty = folder / f"{p.name}.csv"
        empty.touch()
        return p.given(str(empty))
    if p.is_number:
        return p.given(PLAUSIBLE.get(p.name, "1"))
    return p.given(PLAUSIBLE.get(p.name, "x"))


def _required(cmd: Command, folder: Path, skip: Sequence[str] = ()) -> list[str]:
    args: list[str] = []
    for p in cmd.params:
        if p.required and p.name not in skip:
            args += _plausible(cmd, p, folder)
    return args


@dataclass(frozen=True)
class Case:
    kind: str  # missing-file, bad-value, empty-workspace
    command: Command
    option: Param | None = None  # the bad option, for bad-value

    @property
    def id(self) -> str:
        extra = f" {self.option.flag}" if self.option is not None else ""
        return f"{self.kind}: {self.command.name}{extra}"

    def args(self, folder: Path) -> tuple[list[str], list[str]]:
        """The command line, and the texts of which the one line must name one."""
        cmd = self.command
        if self.kind == "missing-file":
            args, names = [], []
            for p in cmd.input_files():
                missing = f"missing-{p.name}.csv"
                args += p.given(str(folder / missing))
                names.append(missing)
            skip = [p.name for p in cmd.input_files()]
            return [*cmd.path, *args, *_required(cmd, folder, skip)], names
        if self.kind == "bad-value":
            assert self.option is not None and self.option.flag is not None
            bad = "abc" if self.option.is_number else ENUMERATED[self.option.flag]
            rest = _required(cmd, folder, [self.option.name])
            return [*cmd.path, *rest, self.option.flag, bad], [self.option.flag, bad]
        return [*cmd.path, *_required(cmd, folder)], []


def _cases() -> Iterator[Case]:
    for cmd in COMMANDS:
        if cmd.input_files():
            yield Case("missing-file", cmd)
        for p in cmd.params:
            if p.flag is not None and (p.is_number or p.flag in ENUMERATED):
                yield Case("bad-value", cmd, p)
        yield Case("empty-workspace", cmd)


CASES = list(_cases())


def invoke(args: Sequence[str]) -> Result:
    """`zerotrail ARGS` through main() in this process, with tracebacks shown for any error that
    escapes the error tree (tests/cli/invoke.py)."""
    return zerotrail(*args, env={"ZEROTRAIL_DEBUG": "1", "COLUMNS": "200"})


@pytest.fixture(scope="module")
def empty_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new workspace: `zerotrail init`, nothing imported."""
    db = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    res = invoke(["--db", str(db), "init"])
    assert res.code == 0, res.stderr
    return db


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run from a folder of our own (commands write defaults such as signer.key into the
    current one), with tracebacks shown for any error that escapes the error tree."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("ZEROTRAIL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZEROTRAIL_DEBUG", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_in_one_line(case: Case, empty_workspace: Path, quiet_env: Path) -> None:
    db = quiet_env / "w.duckdb"
    shutil.copyfile(empty_workspace, db)
    args, names = case.args(quiet_env)
    res = invoke(["--db", str(db), *args])
    assert "Traceback" not in res.stderr, res.stderr
    assert "internal error" not in res.stderr, res.stderr
    if case.kind == "empty-workspace" and case.command.name in SUCCEEDS_ON_EMPTY:
        assert res.code == 0, res.stderr
        return
    assert res.code != 0, (res.code, res.stdout, res.stderr)
    lines = res.stderr.splitlines()
    if case.kind == "empty-workspace" and lines and lines[0].startswith("rejected:"):
        # An empty input file is a rejected file: the documented form is its header line, then
        # one indented line per problem (cli/__init__.py).
        assert len(lines) >= 2 and all(line.startswith("  ") for line in lines[1:]), lines
        return
    assert len(lines) == 1, res.stderr
    if names:
        assert any(name in lines[0] for name in names), (names, lines[0])


def test_every_command_is_covered() -> None:
    """The walk finds the commands (a broken walk would make every case above vacuous)."""
    names = {c.name for c in COMMANDS}
    assert {"init", "demo", "import activities", "inventory", "verify proof"} <= names
    assert len(COMMANDS) >= 50
    assert names >= SUCCEEDS_ON_EMPTY
    kinds = {c.kind for c in CASES}
    assert kinds == {"missing-file", "bad-value", "empty-workspace"}
    assert sum(c.kind == "empty-workspace" for c in CASES) == len(COMMANDS)
