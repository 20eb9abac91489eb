"""The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml).

The contracts: layers import inward only (cli -> pipeline -> reports, demo -> ingest, targets,
offsets -> store, engine, factors -> ledger, reference, units -> model -> errors); the CLI
imports pipeline stages only; targets, offsets and reports take values, not a workspace; no
import cycles anywhere. The second test shows the check has teeth: a copy of the package with
one `cli -> ingest` import added must fail it, naming that import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

import zerotrail

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
PACKAGE = Path(zerotrail.__file__).resolve().parent


def test_the_contracts_are_kept() -> None:
    # Prints import-linter's report (shown when this fails): each broken contract, and the
    # imports that break it.
    status = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    assert status == EXIT_STATUS_SUCCESS, "a contract is broken: see the report printed above"


def _lint_imports(package_root: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the package found under `package_root`, with cwd's pyproject."""
    # A wide terminal: lint-imports wraps its report to COLUMNS, which would split the names.
    env = {**os.environ, "PYTHONPATH": str(package_root), "COLUMNS": "250"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_an_added_cli_to_ingest_import_breaks_the_check(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "zerotrail", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(PYPROJECT, tmp_path / "pyproject.toml")

    # The copy as it is keeps every contract (so what follows is the added import's doing)...
    kept = _lint_imports(src, tmp_path)
    assert _where_linted(src).is_relative_to(src), "the copy is not the package linted"
    assert kept.returncode == 0, kept.stdout + kept.stderr

    # ... and one import of the ingest layer from the CLI breaks it, named as such.
    common = src / "zerotrail" / "cli" / "common.py"
    common.write_text(common.read_text() + "\nimport zerotrail.ingest.files  # noqa\n")
    broken = _lint_imports(src, tmp_path)
    assert broken.returncode != 0
    assert "The CLI calls pipeline stages only BROKEN" in broken.stdout, broken.stdout
    assert "zerotrail.cli.common -> zerotrail.ingest.files" in broken.stdout, broken.stdout


def _where_linted(package_root: Path) -> Path:
    """Where `zerotrail` is imported from with `package_root` first on the path."""
    found = subprocess.run(
        [sys.executable, "-c", "import zerotrail; print(zerotrail.__file__)"],
        env={**os.environ, "PYTHONPATH": str(package_root)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(found).resolve()
