"""Commands zerotrail prints for the user run as printed (issue 11 review, finding 10).

The demo once printed `zerotrail verify proof ...`, which a user who installed zerotrail in a
virtual environment and ran `.venv/bin/zerotrail demo` could not run: `zerotrail` was not on
PATH. A printed command starts with zerotrail as it was started (`common.program()`); each test
here starts zerotrail one way, has it print a command, and runs that line in a shell whose PATH
does not hold the environment. The demo's own printed commands are run verbatim in
tests/cli/test_demo_cli.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import zerotrail

SCRIPT = Path(sys.executable).parent / "zerotrail"  # the environment's console script
BARE_PATH = "/usr/bin:/bin"  # a shell without the environment on PATH


def printed(argv0: str, path: str, *args: str) -> str:
    """The line `common.command(*args)` prints in a zerotrail process started as `argv0`."""
    code = (
        "import sys; sys.argv[0] = sys.argv.pop(1);"
        " from zerotrail.cli import common; print(common.command(*sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, argv0, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PATH": path},
    )
    return done.stdout.strip()


def run_line(line: str, cwd: Path, path: str = BARE_PATH) -> subprocess.CompletedProcess[str]:
    """`line` run by a POSIX shell, verbatim."""
    return subprocess.run(
        line,
        shell=True,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"PATH": path, "HOME": str(cwd)},
    )


@pytest.mark.skipif(not SCRIPT.is_file(), reason="zerotrail is not installed as a script")
def test_the_script_of_an_environment_not_on_path_is_printed_by_its_path(tmp_path: Path) -> None:
    line = printed(str(SCRIPT), BARE_PATH, "--version")
    assert line == f"{SCRIPT.absolute()} --version"
    done = run_line(line, tmp_path)
    assert done.returncode == 0, done.stderr
    assert zerotrail.__version__ in done.stdout


@pytest.mark.skipif(not SCRIPT.is_file(), reason="zerotrail is not installed as a script")
def test_zerotrail_on_path_is_printed_by_name(tmp_path: Path) -> None:
    on_path = f"{SCRIPT.parent}:{BARE_PATH}"
    line = printed(str(SCRIPT), on_path, "--version")
    assert line == "zerotrail --version"
    done = run_line(line, tmp_path, on_path)
    assert done.returncode == 0, done.stderr


def test_python_dash_m_is_printed_with_its_interpreter(tmp_path: Path) -> None:
    main = str(Path(zerotrail.__file__).parent / "__main__.py")  # sys.argv[0] under -m
    line = printed(main, BARE_PATH, "--version")
    assert line.endswith(" -m zerotrail --version")
    done = run_line(line, tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not SCRIPT.is_file(), reason="zerotrail is not installed as a script")
def test_arguments_are_quoted_for_the_shell(tmp_path: Path) -> None:
    # A workspace in a folder with a space and a quote: one argument, as printed.
    folder = tmp_path / "Emmet's data 2025"
    folder.mkdir()
    db = folder / "w.duckdb"
    line = printed(str(SCRIPT), BARE_PATH, "--db", str(db), "init")
    done = run_line(line, tmp_path)
    assert done.returncode == 0, done.stderr
    assert db.is_file()
