"""Long fuzzing runs of the importers and verifiers: the targets of tests/fuzz, for hours.

Not a test. `make test` runs each target for a few seconds (tests/fuzz, Hypothesis); this runs the
same targets on as many inputs as asked, and reports per target the inputs tried, how many were
accepted and refused, the distinct crashes, and the time. A crash is a property violation:

- importers: an exception other than ZerotrailError (DataError included), a refused file that
  changed the workspace, or a refusal that left a transaction open;
- verifiers: an exception other than VerificationError, or a mutated input accepted although it
  means something other than the valid one (tests/fuzz/verifiers.py lists the harmless variations).

    python bench/fuzz.py --inputs 1000000 --target all [--max-seconds 1800] [--jobs 2]
    python bench/fuzz.py --target verify-proof --replay 123456      # rebuild one input, run it
    python bench/fuzz.py --list

Engines: `random` (default) draws input n of a target as `mutator(seed file, random.Random(n))`,
n counting up from `--seed`, so any input reported, here or by the tests, can be rebuilt with
`--replay n`. `atheris` (if installed; Linux x86-64) runs the same check under libFuzzer's
coverage guidance, with the targets' mutators as custom mutators beside libFuzzer's own; it
reports crashes the same way but its inputs are not numbered (they are written to `--out`).

Each distinct crash (exception type and place, or property, with the numbers taken out) is
reported once with its first input, whose bytes are written to `--out` (default
$TMPDIR/zerotrail-fuzz/).
"""

from __future__ import annotations

import argparse
import atexit
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


@dataclass
class Result:
    target: str
    engine: str
    inputs: int = 0
    accepted: int = 0
    refused: int = 0
    seconds: float = 0.0
    crashes: dict[str, dict[str, Any]] = field(default_factory=dict)  # signature -> first

    def record_crash(self, detail: str, n: int | None, data: bytes, out: Path) -> None:
        signature = crash_signature(detail)
        first = self.crashes.get(signature)
        if first is not None:
            first["count"] += 1
            return
        out.mkdir(parents=True, exist_ok=True)
        name = f"{self.target}-{len(self.crashes) + 1}-{'x' if n is None else n}.bin"
        (out / name).write_bytes(data)
        self.crashes[signature] = {
            "detail": detail[:500],
            "input": n,
            "file": str(out / name),
            "bytes": len(data),
            "count": 1,
        }


def crash_signature(detail: str) -> str:
    """What makes two crashes the same: the words before the message's first colon (who raised
    what, or which property failed) and the place it was raised, if known; not the values."""
    first = detail.split("\n")[0]
    where = re.search(r"\(at ([^)]+)\)$", first)
    head = re.sub(r"\d+", "N", first.split(": ")[0])[:120]
    return head + (f" at {where.group(1)}" if where else "")


# --- targets ------------------------------------------------------------------------------------


def all_targets() -> dict[str, str]:
    """Every target name, with its kind ("import" or "verify")."""
    from tests.fuzz.importers import IMPORT_TARGETS
    from tests.fuzz.verifiers import VERIFIER_TARGETS

    return {**dict.fromkeys(VERIFIER_TARGETS, "verify"), **dict.fromkeys(IMPORT_TARGETS, "import")}


_ARENA: Any = None


def _arena() -> Any:
    """One template and arena per process, built on first use (~5-15 s)."""
    global _ARENA
    if _ARENA is None:
        from tests.fuzz.importers import Arena, build_template

        directory = Path(tempfile.mkdtemp(prefix="zerotrail-fuzz-"))
        atexit.register(shutil.rmtree, directory, True)
        _ARENA = Arena(build_template(directory), directory / "work")
    return _ARENA


def runner(name: str) -> tuple[Any, Any]:
    """(mutator and seed holder, run(data) -> (status, detail)) for one target."""
    from tests.fuzz.importers import IMPORT_TARGETS
    from tests.fuzz.verifiers import VERIFIER_TARGETS, Crash

    if name in VERIFIER_TARGETS:
        target = VERIFIER_TARGETS[name]

        def run_verifier(data: bytes) -> tuple[str, str]:
            try:
                accepted = target.check(data)
            except Crash as exc:
                return "crash", str(exc)
            except Exception as exc:  # the harness itself: report, do not stop the run
                return "crash", f"harness {type(exc).__name__}: {exc}"
            return ("accepted" if accepted else "refused"), ""

        return target, run_verifier
    target_i = IMPORT_TARGETS[name]

    def run_import(data: bytes) -> tuple[str, str]:
        outcome = _arena().run(target_i, data)
        return outcome.status, outcome.detail

    return target_i, run_import


# --- the random engine --------------------------------------------------------------------------


def fuzz_random(name: str, inputs: int, max_seconds: float, seed: int, out: Path) -> Result:
    target, run = runner(name)
    result = Result(name, "random")
    original = target.seed()
    started = time.perf_counter()
    deadline = started + max_seconds
    for n in range(seed, seed + inputs):
        try:
            data = target.mutator(original, random.Random(n))
        except Exception as exc:  # a mutator bug: count it, it is ours to fix
            result.record_crash(f"mutator {type(exc).__name__}: {exc}", n, b"", out)
            continue
        status, detail = run(data)
        result.inputs += 1
        if status == "accepted":
            result.accepted += 1
        elif status == "refused":
            result.refused += 1
        else:
            result.record_crash(detail, n, data, out)
        if time.perf_counter() > deadline:
            break
    result.seconds = time.perf_counter() - started
    return result


def _work(job: tuple[str, int, float, int, str]) -> dict[str, Any]:
    name, inputs, max_seconds, seed, out = job
    result = fuzz_random(name, inputs, max_seconds, seed, Path(out))
    print(_line(result), flush=True)
    return asdict(result)


# --- the atheris engine -------------------------------------------------------------------------

# The zerotrail packages whose code the targets run (reports, demo and the CLI are left out).
INSTRUMENTED = {"errors", "units", "ingest", "ledger", "store", "targets", "factors", "model"}


def fuzz_atheris_child(name: str, inputs: int, max_seconds: float, out: Path, stats: Path) -> None:
    """Run in a child process: libFuzzer over one target, results written to `stats`."""
    import atheris

    # Coverage of zerotrail's own code guides libFuzzer (instrumenting everything loaded,
    # numpy and pyarrow included, takes minutes and guides nothing we test).
    with atheris.instrument_imports(include=["zerotrail"]):
        import importlib
        import pkgutil

        import zerotrail

        for module in pkgutil.walk_packages(zerotrail.__path__, "zerotrail."):
            if module.name.split(".")[1] in INSTRUMENTED:
                importlib.import_module(module.name)
    target, run = runner(name)
    original = target.seed()
    result = Result(name, "atheris")
    started = time.perf_counter()

    def save() -> None:
        result.seconds = time.perf_counter() - started
        stats.write_text(json.dumps(asdict(result)))

    def test_one(data: bytes) -> None:
        status, detail = run(data)
        result.inputs += 1
        if status == "accepted":
            result.accepted += 1
        elif status == "refused":
            result.refused += 1
        else:
            result.record_crash(detail, None, data, out)
        # libFuzzer ends the process with exit(), which runs no Python code: save every time.
        save()

    def mutate(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 0.5:
            return bytes(atheris.Mutate(data, max_size))
        try:
            return target.mutator(data or original, rng)[:max_size]
        except Exception:
            return target.mutator(original, rng)[:max_size]

    corpus = Path(tempfile.mkdtemp(prefix=f"zerotrail-corpus-{name}-"))
    (corpus / "seed").write_bytes(original)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-runs={inputs}",
        f"-max_total_time={int(max_seconds)}",
        "-max_len=65536",
        "-timeout=60",
        "-print_final_stats=1",
    ]
    atheris.Setup(argv, test_one, custom_mutator=mutate)
    atheris.Fuzz()


def fuzz_atheris(name: str, inputs: int, max_seconds: float, out: Path) -> Result:
    stats = Path(tempfile.mkstemp(prefix=f"zerotrail-fuzz-{name}-", suffix=".json")[1])
    command = [
        sys.executable,
        __file__,
        "--engine",
        "atheris",
        "--target",
        name,
        "--inputs",
        str(inputs),
        "--max-seconds",
        str(max_seconds),
        "--out",
        str(out),
        "--_child",
        str(stats),
    ]
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = stats.read_text()
    stats.unlink()
    if not text:
        return Result(name, "atheris")
    data = json.loads(text)
    return Result(**data)


# --- reporting ----------------------------------------------------------------------------------


def _line(r: Result) -> str:
    rate = r.inputs / r.seconds if r.seconds else 0.0
    crashes = sum(c["count"] for c in r.crashes.values())
    return (
        f"{r.target:20s} {r.inputs:>10,} inputs  {r.accepted:>9,} accepted  {r.refused:>9,} refused"
        f"  {len(r.crashes):>3} distinct crashes ({crashes:,} inputs)"
        f"  {r.seconds:8.1f} s  {rate:9,.0f}/s"
    )


def report(results: list[Result], wall: float, args: argparse.Namespace) -> None:
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    print()
    print(
        f"revision {revision}{' (with uncommitted changes)' if dirty else ''}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, engine {args.engine}, jobs {args.jobs}, seed {args.seed}"
    )
    for r in sorted(results, key=lambda r: r.target):
        print(_line(r))
    total = sum(r.inputs for r in results)
    crashes = sum(len(r.crashes) for r in results)
    print(f"{'total':20s} {total:>10,} inputs  {crashes} distinct crashes  wall {wall:.0f} s")
    for r in sorted(results, key=lambda r: r.target):
        for c in r.crashes.values():
            print(f"\n{r.target}: {c['detail']}")
            print(f"  first input {c['input']} ({c['bytes']} bytes): {c['file']}; {c['count']}x")
    if args.json:
        Path(args.json).write_text(
            json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False) + "\n"
        )


def replay(name: str, n: int, out: Path) -> None:
    target, run = runner(name)
    data = target.mutator(target.seed(), random.Random(n))
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}-replay-{n}.bin"
    path.write_bytes(data)
    status, detail = run(data)
    print(f"{name} input {n} ({len(data)} bytes, written to {path}): {status}")
    if detail:
        print(detail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", default="all", help="a target name, 'all', 'import', 'verify'")
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs per target (at most)")
    parser.add_argument("--max-seconds", type=float, default=float("inf"), help="per target")
    parser.add_argument("--seed", type=int, default=0, help="first input number (random engine)")
    parser.add_argument("--engine", choices=("random", "atheris"), default="random")
    parser.add_argument("--jobs", type=int, default=1, help="targets run in parallel")
    parser.add_argument(
        "--out",
        default=str(Path(tempfile.gettempdir()) / "zerotrail-fuzz"),
        help="where crashing (and replayed) inputs are written",
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--replay", type=int, help="rebuild input N of --target and run it")
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = Path(args.out)

    targets = all_targets()
    if args.list:
        for name, kind in targets.items():
            print(f"{kind:7s} {name}")
        return
    if args._child:
        fuzz_atheris_child(args.target, args.inputs, args.max_seconds, out, Path(args._child))
        return
    if args.target in ("all", "import", "verify"):
        names = [n for n, k in targets.items() if args.target in ("all", k)]
    elif args.target in targets:
        names = [args.target]
    else:
        parser.error(f"unknown target {args.target!r}; see --list")
    if args.replay is not None:
        if len(names) != 1:
            parser.error("--replay needs one --target")
        replay(names[0], args.replay, out)
        return

    started = time.perf_counter()
    results: list[Result] = []
    if args.engine == "atheris":
        from concurrent.futures import ThreadPoolExecutor

        def one(name: str) -> Result:
            result = fuzz_atheris(name, args.inputs, args.max_seconds, out)
            print(_line(result), flush=True)
            return result

        with ThreadPoolExecutor(args.jobs) as pool:  # each target is its own process
            results = list(pool.map(one, names))
    elif args.jobs > 1:
        jobs = [(n, args.inputs, args.max_seconds, args.seed, str(out)) for n in names]
        # Importers first: they are the slow ones, so the verifiers fill in at the end.
        jobs.sort(key=lambda j: targets[j[0]] != "import")
        with multiprocessing.get_context("spawn").Pool(args.jobs, maxtasksperchild=None) as pool:
            results = [Result(**r) for r in pool.imap_unordered(_work, jobs)]
    else:
        for name in names:
            results.append(fuzz_random(name, args.inputs, args.max_seconds, args.seed, out))
            print(_line(results[-1]), flush=True)
    report(results, time.perf_counter() - started, args)


if __name__ == "__main__":
    main()
