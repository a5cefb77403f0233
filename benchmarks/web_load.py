"""Load benchmark of the experts' API: many experts submitting fragments at once.

On loopback, for each backend (SQLite, then PostgreSQL in a throw-away database), it:

1. sets up from nothing with the real CLI: `db upgrade`, `study load` (a generated study with
   `--experts` panellists), `round open`, `panel links --out` (one API token per expert);
2. starts `symphonia serve` as its own process (uvicorn), and waits for /health;
3. measures a baseline: GET /health from the same clients, closed loop (what the server and
   this client do with no database at all), and the capacity for submissions: closed loop,
   every client sending its next fragment as soon as the last is answered;
4. then the paced run the targets are about: each of the `--experts` clients submits
   fragments on its own schedule so that together they offer `--rate` submissions a
   second, for `--seconds`; a few submissions are deliberately sent twice with the same
   Idempotency-Key and must come back 200 with the same fragment;
5. checks the database afterwards: the fragments stored must be exactly the submissions
   acknowledged (201), none lost, none duplicated.

It prints throughput, p50/p95/p99 latency, errors by kind, the ratio to the /health baseline,
the client's own CPU use (so a saturated client is not mistaken for a slow server; use
`--client-procs` to spread the clients over processes), and the load average of the machine
(shared with others: read the figures with it).

    .venv/bin/python benchmarks/web_load.py                       # both backends
    .venv/bin/python benchmarks/web_load.py --backends sqlite --seconds 10
    .venv/bin/python benchmarks/web_load.py --postgres-url postgresql+asyncpg://u:p@host/db
    .venv/bin/python benchmarks/web_load.py --backends postgresql --web-processes 1 2
    .venv/bin/python benchmarks/web_load.py --backends sqlite --web-processes 2 --rate 330

With --web-processes 1 2 each count runs on a fresh database, the clients spread round robin
over the processes (as a load balancer would), and the ratio to the first count is printed.
On SQLite the processes share one database file and data directory, as several `symphonia
serve` on one machine do.

PostgreSQL's admin URL comes from --postgres-url or SYMPHONIA_TEST_POSTGRES_URL (the role
needs CREATEDB); without one, the PostgreSQL run is skipped with a note.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import dataclasses
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

STUDY = "load-test"
KINDS = ("claim", "action", "barrier", "example", "caveat", "uncertainty")
TARGET_P95_MS = 150.0
TARGET_RATE = 300.0


# ---------------------------------------------------------------- set-up, through the CLI


def study_toml(experts: int) -> str:
    groups = ("clinician", "analyst", "governance", "parent")
    lines = [
        "[study]",
        f'id = "{STUDY}"',
        'title = "Load test (synthetic)"',
        'question = "What should a load test measure?"',
        "synthetic = true",
        "",
    ]
    for g in groups:
        lines += ["[[groups]]", f'id = "{g}"', f'name = "{g.title()}s"', ""]
    for n in range(1, experts + 1):
        lines += ["[[panel]]", f'pseudonym = "E{n:03d}"', f'group = "{groups[n % 4]}"', ""]
    lines += ["[[rounds]]", "number = 1", 'kind = "contribute"', ""]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "symphonia.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"`symphonia {' '.join(args)}` failed:\n{done.stderr}")
    return done.stdout


def prepare(work: Path, database_url: str | None, experts: int) -> tuple[dict[str, str], list[str]]:
    """A fresh installation with the study loaded and round 1 open; the experts' tokens."""
    env = {
        **os.environ,
        "SYMPHONIA_DATA_DIR": str(work / "data"),
        "SYMPHONIA_PORT": str(free_port()),
    }
    env.pop("SYMPHONIA_DATABASE_URL", None)
    if database_url:
        env["SYMPHONIA_DATABASE_URL"] = database_url
    (work / "study").mkdir()
    (work / "study" / "study.toml").write_text(study_toml(experts), encoding="utf-8")
    cli(env, "db", "upgrade")
    cli(env, "study", "load", str(work / "study"))
    cli(env, "round", "open", STUDY, "1")
    cli(env, "panel", "links", STUDY, "--out", str(work / "links.csv"))
    with (work / "links.csv").open(newline="", encoding="utf-8") as fh:
        tokens = [row["token"] for row in csv.DictReader(fh)]
    assert len(tokens) == experts, f"{len(tokens)} tokens for {experts} experts"
    return env, tokens


@contextmanager
def serving_many(
    env: dict[str, str], work: Path, extra: list[str], processes: int
) -> Iterator[list[Server]]:
    """`processes` web servers on one database and data dir (so one secret key), each on
    its own port: what several replicas behind a load balancer are."""
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                serving(
                    {
                        **env,
                        "SYMPHONIA_PORT": env["SYMPHONIA_PORT"] if i == 0 else str(free_port()),
                    },
                    work / f"server-{i}.log",
                    extra,
                )
            )
            for i in range(processes)
        ]
        yield servers


@contextmanager
def serving(env: dict[str, str], log: Path, extra: list[str]) -> Iterator[Server]:
    port = env["SYMPHONIA_PORT"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "symphonia.cli", "serve", "--port", port, *extra],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited early:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(url, env, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# ---------------------------------------------------------------- the clients


@dataclass
class Tally:
    """What one client process saw."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: list[str] = field(default_factory=list)
    """Ids of fragments the server said it stored (201, or 200 to a retry)."""
    replays_ok: int = 0
    replays_bad: int = 0
    started: float = 0.0
    ended: float = 0.0
    cpu_s: float = 0.0

    def merge(self, other: Tally) -> None:
        self.latencies_ms += other.latencies_ms
        self.statuses.update(other.statuses)
        self.acknowledged += other.acknowledged
        self.replays_ok += other.replays_ok
        self.replays_bad += other.replays_bad
        self.started = min(self.started or other.started, other.started)
        self.ended = max(self.ended, other.ended)
        self.cpu_s += other.cpu_s


@dataclass(frozen=True)
class Plan:
    urls: tuple[str, ...]
    """One per web process; client n talks to urls[n % len(urls)] (a load balancer's
    round robin, with each client keeping its connection to one process)."""
    mode: str
    """"health" (GET /health, closed loop), "closed" or "paced" submissions."""
    seconds: float
    per_client_rate: float
    retry_every: int


class Connection:
    """One keep-alive HTTP/1.1 connection, as a browser or an API client holds one.

    A few lines of asyncio rather than a general-purpose client: with 200 concurrent
    connections httpx spends more CPU than the server does (measured: /health at 48/s with
    httpx against about 1,100/s with this), which would benchmark the client. The answers
    of our server always carry Content-Length, which is all this reads."""

    def __init__(self, url: str) -> None:
        parts = httpx.URL(url)
        self.host, self.port = parts.host, parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            await self.writer.drain()
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            return status, await self.reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _post(
    conn: Connection, path: str, token: str, key: str, body: dict[str, Any]
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    data = json.dumps(body).encode()
    for attempt in range(3):  # a lost answer is retried with the same key: that is its point
        try:
            return await conn.request("POST", path, headers, data)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _expert(n: int, token: str, plan: Plan, tally: Tally) -> None:
    conn = Connection(plan.urls[n % len(plan.urls)])
    path = f"/api/v1/studies/{STUDY}/rounds/1/fragments"
    interval = 1.0 / plan.per_client_rate if plan.per_client_rate > 0 else 0.0
    start = time.monotonic()
    next_at = start + (n % 97) / 97 * interval  # spread the first sends over one interval
    sent = 0
    try:
        while True:
            if plan.mode == "paced":
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_at += interval
            if time.monotonic() - start >= plan.seconds:
                return
            sent += 1
            await _one(conn, path, n, sent, token, plan, tally)
    finally:
        conn.close()


async def _one(
    conn: Connection, path: str, n: int, sent: int, token: str, plan: Plan, tally: Tally
) -> None:
    began = time.perf_counter()
    try:
        if plan.mode == "health":
            status, answer = await conn.request("GET", "/health", {})
        else:
            body = {
                "kind": KINDS[sent % len(KINDS)],
                "text": f"Fragment {sent} of client {n}: shared records cut repeat tests.",
                "confidence": 1 + sent % 5,
                "sources": [f"https://example.org/{n}/{sent}"] if sent % 3 == 0 else [],
            }
            key = uuid.uuid4().hex
            status, answer = await _post(conn, path, token, key, body)
            # every Nth submission of all, whatever the run's length (staggered by client)
            if status == 201 and plan.retry_every and (n + sent) % plan.retry_every == 0:
                again, replayed = await _post(conn, path, token, key, body)
                same = again == 200 and json.loads(replayed)["id"] == json.loads(answer)["id"]
                tally.replays_ok += same
                tally.replays_bad += not same
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        tally.statuses[type(exc).__name__] += 1
        return
    tally.latencies_ms.append((time.perf_counter() - began) * 1000)
    tally.statuses[str(status)] += 1
    if plan.mode != "health" and status in (201, 200):  # 200: an answer lost, then retried
        tally.acknowledged.append(json.loads(answer)["id"])


async def _clients(tokens: list[str], first: int, plan: Plan) -> Tally:
    tally = Tally()
    cpu = time.process_time()
    tally.started = time.time()
    await asyncio.gather(*(_expert(first + i, t, plan, tally) for i, t in enumerate(tokens)))
    tally.ended = time.time()
    tally.cpu_s = time.process_time() - cpu
    return tally


def _client_process(args: tuple[list[str], int, Plan]) -> Tally:
    tokens, first, plan = args
    return asyncio.run(_clients(tokens, first, plan))


def run_clients(tokens: list[str], plan: Plan, processes: int) -> Tally:
    if processes <= 1:
        return asyncio.run(_clients(tokens, 0, plan))
    shares = [tokens[i::processes] for i in range(processes)]
    firsts = [sum(len(s) for s in shares[:i]) for i in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(
            _client_process, [(s, f, plan) for s, f in zip(shares, firsts, strict=True)]
        )
    total = Tally()
    for part in parts:
        total.merge(part)
    return total


# ---------------------------------------------------------------- checking and reporting


async def stored_ids(database_url: str) -> tuple[list[str], int]:
    """Every fragment id in the study's round 1, and how many distinct (author, key) pairs."""
    from sqlalchemy import func, select, tuple_

    from symphonia.db.engine import create_engine
    from symphonia.db.models import Fragment, Round, Study

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            in_round = (
                select(Fragment.external_id)
                .join(Round, Round.id == Fragment.round_id)
                .join(Study, Study.id == Round.study_id)
                .where(Study.slug == STUDY, Round.number == 1)
            )
            ids = list((await conn.execute(in_round)).scalars())
            pairs = (
                await conn.scalar(
                    select(
                        func.count(
                            func.distinct(tuple_(Fragment.author_id, Fragment.idempotency_key))
                        )
                    )
                )
                if not database_url.startswith("sqlite")
                else len(
                    set(
                        (
                            await conn.execute(select(Fragment.author_id, Fragment.idempotency_key))
                        ).all()
                    )
                )
            )
    finally:
        await engine.dispose()
    return ids, int(pairs or 0)


def tree_cpu_s(root: int) -> float | None:
    """CPU seconds used so far by process `root` and its descendants (uvicorn workers), from
    /proc (Linux); None elsewhere. Per request it says what a submission costs the server,
    which wall-clock figures on a shared machine cannot."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def report(name: str, tally: Tally, processes: int, server_cpu_s: float | None) -> float:
    wall = max(tally.ended - tally.started, 1e-9)
    ok = tally.statuses.get("201", 0) + tally.statuses.get("200", 0)
    rate = ok / wall
    errors = {k: v for k, v in tally.statuses.items() if k not in ("200", "201")}
    lat = tally.latencies_ms
    print(
        f"  {name:<24} {rate:8.1f}/s  p50 {percentile(lat, 50):6.1f} ms  "
        f"p95 {percentile(lat, 95):6.1f} ms  p99 {percentile(lat, 99):6.1f} ms  "
        f"n={len(lat)}  errors={dict(errors) or 0}  "
        f"client CPU {tally.cpu_s / wall / processes:4.0%} of {processes} core(s)"
    )
    if server_cpu_s is not None and lat:
        print(
            f"  {'':<24} server CPU {server_cpu_s:.1f} s = "
            f"{server_cpu_s / len(lat) * 1000:.2f} ms per request "
            f"({server_cpu_s / wall:.2f} cores busy)"
        )
    return rate


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@dataclass(frozen=True)
class Options:
    experts: int
    seconds: float
    capacity_seconds: float
    rate: float
    retry_every: int
    client_procs: int
    serve_args: list[str]
    web_processes: int = 1


@dataclass(frozen=True)
class Result:
    met: bool
    capacity: float
    paced: float
    """Submissions per second: closed loop, and the paced run."""


def bench(backend: str, database_url: str | None, options: Options) -> Result:
    print(
        f"\n== {backend} ({options.experts} experts, {options.web_processes} web process(es); "
        f"load average {load()} before) =="
    )
    with tempfile.TemporaryDirectory(prefix="symphonia-load-") as tmp:
        work = Path(tmp)
        began = time.monotonic()
        env, tokens = prepare(work, database_url, options.experts)
        print(
            f"  set-up (db upgrade, study load, round open, panel links): "
            f"{time.monotonic() - began:.1f} s"
        )
        with serving_many(env, work, options.serve_args, options.web_processes) as servers:
            procs = options.client_procs
            urls = tuple(server.url for server in servers)

            def server_cpu() -> float | None:
                used = [tree_cpu_s(server.process.pid) for server in servers]
                return None if None in used else sum(u or 0.0 for u in used)

            def measured(plan: Plan) -> tuple[Tally, float | None]:
                before = server_cpu()
                tally = run_clients(tokens, plan, procs)
                after = server_cpu()
                used = after - before if after is not None and before is not None else None
                return tally, used

            short = options.capacity_seconds
            health, cpu = measured(Plan(urls, "health", short, 0, 0))
            baseline = report("GET /health, closed", health, procs, cpu)
            closed, cpu = measured(Plan(urls, "closed", short, 0, 0))
            capacity = report("submit, closed loop", closed, procs, cpu)
            per_client = options.rate / len(tokens)
            paced_plan = Plan(urls, "paced", options.seconds, per_client, options.retry_every)
            paced, cpu = measured(paced_plan)
            rate = report(f"submit, paced {options.rate:.0f}/s", paced, procs, cpu)
        url = database_url or f"sqlite+aiosqlite:///{work / 'data' / 'symphonia.db'}"
        ids, pairs = asyncio.run(stored_ids(url))
    acknowledged = closed.acknowledged + paced.acknowledged
    lost = len(set(acknowledged) - set(ids))
    unacknowledged = len(set(ids) - set(acknowledged))
    duplicated = (len(ids) - len(set(ids))) + (len(ids) - pairs)
    p95 = percentile(paced.latencies_ms, 95)
    print(
        f"  stored {len(ids)} fragments; acknowledged {len(acknowledged)}: lost {lost}, "
        f"duplicated {duplicated}, stored but unacknowledged {unacknowledged}; "
        f"deliberate retries {paced.replays_ok + closed.replays_ok} answered with the same "
        f"fragment, {paced.replays_bad + closed.replays_bad} not"
    )
    print(
        f"  submissions vs /health: capacity {capacity / baseline:.2f}x, paced run "
        f"{rate / baseline:.2f}x of the /health throughput"
    )
    met = (
        p95 < TARGET_P95_MS
        and rate >= TARGET_RATE
        and lost == duplicated == unacknowledged == 0
        and paced.replays_bad == 0
    )
    print(
        f"  targets (p95 < {TARGET_P95_MS:.0f} ms, >= {TARGET_RATE:.0f}/s, 0 lost, 0 duplicated): "
        f"{'met' if met else 'NOT met'}; load average {load()} after"
    )
    return Result(met, capacity, rate)


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    name = f"symphonia_load_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run(f"CREATE DATABASE {name}"))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--experts", type=int, default=200, help="panellists, one client each")
    parser.add_argument("--seconds", type=float, default=30, help="length of the paced run")
    parser.add_argument(
        "--capacity-seconds", type=float, default=10, help="length of the closed-loop runs"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=TARGET_RATE,
        help="submissions/s offered by all clients together (paced run)",
    )
    parser.add_argument(
        "--retry-every",
        type=int,
        default=25,
        help="one submission in N (staggered over clients) is sent twice with its key",
    )
    parser.add_argument(
        "--client-procs",
        type=int,
        default=1,
        help="client processes (the clients are shared among them)",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("SYMPHONIA_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--web-processes",
        nargs="+",
        type=int,
        default=[1],
        help="web server processes sharing the database, e.g. `1 2`: each count is run and "
        "compared to the first",
    )
    parser.add_argument(
        "--serve-args",
        nargs=argparse.REMAINDER,
        default=[],
        help="extra arguments to `symphonia serve`",
    )
    args = parser.parse_args()
    options = Options(
        experts=args.experts,
        seconds=args.seconds,
        capacity_seconds=args.capacity_seconds,
        rate=args.rate,
        retry_every=args.retry_every,
        client_procs=args.client_procs,
        serve_args=args.serve_args,
    )
    print(f"{os.cpu_count()} CPUs; load average {load()}")
    results: dict[tuple[str, int], Result] = {}
    for backend in args.backends:
        if backend == "postgresql" and not args.postgres_url:
            print("\n== postgresql: skipped (no --postgres-url or SYMPHONIA_TEST_POSTGRES_URL) ==")
            continue
        for count in args.web_processes:
            run_options = dataclasses.replace(options, web_processes=count)
            if backend == "sqlite":
                results[(backend, count)] = bench(backend, None, run_options)
            else:
                with throwaway_postgres(args.postgres_url) as url:
                    results[(backend, count)] = bench(backend, url, run_options)
        first = args.web_processes[0]
        for count in args.web_processes[1:]:
            if (backend, count) in results and (backend, first) in results:
                one, more = results[(backend, first)], results[(backend, count)]
                print(
                    f"  {backend}: {count} vs {first} web process(es): closed-loop capacity "
                    f"{more.capacity / one.capacity:.2f}x, paced run {more.paced / one.paced:.2f}x"
                )
    sys.exit(0 if all(r.met for r in results.values()) else 1)


if __name__ == "__main__":
    main()
