"""Running `zerotrail ARGS` for a test: in this process (the default) or as a new process.

In this process, the arguments go through `zerotrail.cli.main()`, the function the console script
calls, with sys.argv, the environment, the working folder and stdin set as a user's shell would
set them, and stdout and stderr captured (a pipe, not a terminal, as with a new process). Exit
codes come from SystemExit exactly as the interpreter would turn them into a process status.
An exception that escapes main() is written to the captured stderr as a traceback, which is what
a user would see, so assertions on "no traceback" hold in both ways of running.

Most tests run in this process: a new Python process costs about a second of imports before the
command does anything, which over a few hundred commands was the largest part of the suite's
time. `process()` runs a real process for what only a process shows: the console script itself,
start-up, a command that must be killed after a deadline, interpreter shutdown.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

# Settings a developer's shell may carry that would change what a command does.
_DROPPED = ("ZEROTRAIL_DB", "ZEROTRAIL_DEBUG", "COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE")


@dataclass(frozen=True)
class Result:
    """What a user sees of one command: its exit status and its two output streams."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def code(self) -> int:
        return self.returncode


def _exit_status(exc: SystemExit) -> int:
    # As the interpreter does: None is 0, an int is itself, anything else is printed and 1.
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


@contextmanager
def _environment(env: Mapping[str, str] | None) -> Iterator[None]:
    saved = dict(os.environ)
    for name in _DROPPED:
        os.environ.pop(name, None)
    os.environ.update(env or {})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _folder(cwd: Path | str | None) -> Iterator[None]:
    saved = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved)


def zerotrail(
    *args: str | Path,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
) -> Result:
    """`zerotrail ARGS` in this process, through main(), output captured."""
    from zerotrail.cli import main

    out, err = StringIO(), StringIO()
    saved_argv, saved_stdin = sys.argv, sys.stdin
    sys.argv = ["zerotrail", *(str(a) for a in args)]
    sys.stdin = StringIO(stdin)
    code = 0
    try:
        with _environment(env), _folder(cwd), redirect_stdout(out), redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = _exit_status(exc)
        if exc.code is not None and not isinstance(exc.code, int):
            err.write(f"{exc.code}\n")
    except BaseException:  # escaped main(): what a user would see as a traceback
        err.write("Traceback (most recent call last), escaped main():\n" + traceback.format_exc())
        code = 1
    finally:
        sys.argv, sys.stdin = saved_argv, saved_stdin
    return Result(code, out.getvalue(), err.getvalue())


def process(
    *args: str | Path,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """`python -m zerotrail ARGS` as a new process with only `env` (and no PATH) set."""
    done = subprocess.run(
        [sys.executable, "-m", "zerotrail", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"PATH": "", **(env or {})},
        timeout=timeout,
    )
    return Result(done.returncode, done.stdout, done.stderr)
