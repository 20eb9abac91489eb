"""The report's folder: written beside `--out`, moved into place whole, or not at all.

Where it sits: reports, under `publish`. Every file of a report is written into a staging
folder next to the output (`.NAME.PID-RANDOM.zerotrail-partial`, in the same parent, so on the
same filesystem); only when all of them are written is the folder renamed to `--out`, and only
then does `publish` commit the publication to the workspace. A failure before that removes the
staging folder and puts back whatever `--out` was.

What may be at `--out` (checked before any work, and again when moving into place):
- nothing, or an empty folder: the report goes there;
- a previous zerotrail report folder (its report.json names a report and its generator, and it
  holds only the files a report writes): it is replaced, and deleted only once the new report
  is committed; the publication it showed stays recorded in the workspace;
- anything else (a file, or a folder with other content): refused, nothing is done.

A process killed outright (power cut, `kill -9`) can leave a staging folder behind: the next
report to the same `--out` removes those whose process is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from pathlib import Path

from zerotrail.errors import ZerotrailError

# The files and folder a report writes (publish.py); a folder holding only these is a report.
REPORT_FILES = frozenset(
    {
        "report.json",
        "report.html",
        "report.pdf",
        "disclosures.xlsx",
        "preparer-checklist.md",
        "checkpoint.txt",
        "previous-checkpoint.txt",
        "consistency.proof",
        # The verifier keys and the standalone checker (reports/verification.py).
        "log.vkey",
        "witness.vkey",
        "verify.py",
        # The verification statement, when the year has one, and its verifier's key.
        "statement.json",
        "verifier.vkey",
    }
)
MORE_WITNESS_KEYS = re.compile(r"witness-[0-9]+\.vkey")  # a second witness's key, and on
PROOFS = "proofs"
PROOF_SUFFIX = ".tlog-proof"
PARTIAL = ".zerotrail-partial"  # a report being written
REPLACED = ".zerotrail-replaced"  # the previous report, until the new one is committed


def is_report_folder(path: Path) -> bool:
    """Whether `path` is a folder a zerotrail report wrote, holding nothing else."""
    if not path.is_dir() or path.is_symlink():
        return False
    for entry in path.iterdir():
        if entry.is_symlink():
            return False
        if entry.name == PROOFS and entry.is_dir():
            if any(
                p.is_symlink() or not p.is_file() or not p.name.endswith(PROOF_SUFFIX)
                for p in entry.iterdir()
            ):
                return False
        elif (
            entry.name not in REPORT_FILES and not MORE_WITNESS_KEYS.fullmatch(entry.name)
        ) or not entry.is_file():
            return False
    try:
        data = json.loads((path / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("report_id"), str)
        and str(data.get("generator", "")).startswith("zerotrail")
    )


def check_target(out: Path) -> None:
    """Refuse an `--out` that is neither free, nor empty, nor a previous report folder."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_dir() and not out.is_symlink():
        if not any(out.iterdir()) or is_report_folder(out):
            return
        raise ZerotrailError(
            f"{out} exists and is not a zerotrail report folder: choose another --out, or"
            " empty or remove it (a previous report folder, holding only its own files, is"
            " replaced)"
        )
    raise ZerotrailError(f"{out} exists and is not a folder (or is a link): choose another --out")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


class Staging:
    """The staging folder of one report (see the module docstring).

    `dir` takes the files; `place()` moves it to `out` (call it last before the commit);
    `undo()` after any failure (removes it, restores `out`); `finish()` after the commit.
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(os.path.abspath(out))  # "." and ".." resolved: a folder with a name
        if not self.out.name or Path.cwd().is_relative_to(self.out):
            raise ZerotrailError(f"{out} holds the current folder: choose another --out")
        check_target(self.out)
        self._created: list[Path] = []
        self._aside: Path | None = None
        self._placed = False
        try:
            missing = []
            parent = self.out.parent
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            for folder in reversed(missing):
                folder.mkdir()
                self._created.append(folder)
            self._sweep()
            self.dir = self._fresh(PARTIAL)
        except OSError as exc:
            self._remove_created()
            raise ZerotrailError(
                f"cannot write the report beside {out}: {exc.strerror or exc}"
            ) from None

    def _fresh(self, suffix: str) -> Path:
        while True:
            name = f".{self.out.name}.{os.getpid()}-{secrets.token_hex(4)}{suffix}"
            path = self.out.parent / name
            try:
                path.mkdir()  # the umask's permissions, as the report folder had before
            except FileExistsError:
                continue
            return path

    def _sweep(self) -> None:
        """Remove what killed runs left beside `out` (their process is gone)."""
        if os.name == "nt":  # os.kill(pid, 0) would end the process there
            return
        for entry in self.out.parent.glob(f".{glob_escape(self.out.name)}.*"):
            if entry.name.endswith(PARTIAL):
                kind = PARTIAL
            elif entry.name.endswith(REPLACED):
                kind = REPLACED
            else:
                continue
            tag = entry.name[len(self.out.name) + 2 : -len(kind)]
            pid = tag.split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if kind == REPLACED and not self.out.exists():
                entry.rename(self.out)  # killed between moving it aside and the new one in
            else:
                shutil.rmtree(entry, ignore_errors=True)

    def place(self) -> None:
        """Move the written report to `out`, setting a previous report aside."""
        check_target(self.out)  # it may have changed since we started
        _sync_tree(self.dir)
        if self.out.exists():
            if any(self.out.iterdir()):
                aside = self._fresh(REPLACED)
                aside.rmdir()
                self.out.rename(aside)
                self._aside = aside
            else:
                self.out.rmdir()
        self.dir.rename(self.out)
        self._placed = True
        _sync_dir(self.out.parent)

    def undo(self) -> None:
        """Leave things as they were: no staging folder, `out` as found."""
        if self._placed:
            try:
                self.out.rename(self.dir)
            except OSError:
                shutil.rmtree(self.out, ignore_errors=True)
            self._placed = False
        if self._aside is not None:
            with contextlib.suppress(OSError):
                self._aside.rename(self.out)
            self._aside = None
        shutil.rmtree(self.dir, ignore_errors=True)
        self._remove_created()

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty

    def finish(self) -> None:
        """After the commit: delete the report that was replaced."""
        if self._aside is not None:
            shutil.rmtree(self._aside, ignore_errors=True)
            self._aside = None


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not possible on every system (Windows): best effort
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sync_tree(root: Path) -> None:
    """Flush every file and folder under `root` to disk, so the commit never outlives them."""
    for folder, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb+") as fh:
                os.fsync(fh.fileno())
        _sync_dir(Path(folder))
