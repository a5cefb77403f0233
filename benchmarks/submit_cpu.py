"""What one API submission costs the server in CPU, measured without load.

`web_load.py` measures throughput and latency under load, on a machine shared with its own
clients; this measures the cost underneath, which is what bounds throughput on a given
number of cores: it sends `--requests` submissions one after another straight into the app
(ASGI calls in this process: no HTTP client, no uvicorn) and prints, per submission, the
CPU time of this process (the app), the CPU time of PostgreSQL's processes (on Linux,
from /proc; the whole server, so keep the machine otherwise quiet), the statements run and
their kinds. GET /health, measured the same way in the same run, is the baseline
(framework and middleware with no database), and the ratio to it is printed.

    .venv/bin/python benchmarks/submit_cpu.py                       # both backends
    .venv/bin/python benchmarks/submit_cpu.py --backends postgresql --requests 1000
    .venv/bin/python benchmarks/submit_cpu.py --profile out.txt     # pyinstrument, if installed

Set-up goes through the CLI as in `web_load.py` (a generated study, round 1 open, one API
token per expert); PostgreSQL's admin URL comes from --postgres-url or
SYMPHONIA_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from web_load import KINDS, STUDY, prepare, throwaway_postgres

Call = Callable[[str, str, dict[str, str], bytes], Awaitable[tuple[int, bytes]]]


def postgres_cpu_s() -> float:
    """CPU seconds used so far by every process named postgres (Linux; 0 elsewhere)."""
    proc, total = Path("/proc"), 0
    if not proc.is_dir():
        return 0.0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        if "(postgres)" in raw:
            fields = raw.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def asgi_caller(app: Any) -> Call:
    """One HTTP request straight into the ASGI app; its status and body."""

    async def call(
        method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # no disconnect while the request runs
            raise AssertionError("unreachable")

        status, chunks = 0, []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


def submission(n: int, token: str) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {
            "kind": KINDS[n % len(KINDS)],
            "text": f"Fragment {n}: shared records cut repeat tests.",
            "confidence": 1 + n % 5,
            "sources": [f"https://example.org/{n}"] if n % 3 == 0 else [],
        }
    ).encode()
    headers = {
        "authorization": f"Bearer {token}",
        "idempotency-key": uuid.uuid4().hex,
        "content-type": "application/json",
        "content-length": str(len(body)),
    }
    return headers, body


async def measure(env: dict[str, str], tokens: list[str], args: argparse.Namespace) -> None:
    os.environ.pop("SYMPHONIA_DATABASE_URL", None)  # the last backend's, if env has none
    os.environ.update(env)
    from sqlalchemy import event

    from symphonia.settings import load_settings
    from symphonia.web.app import create_app

    app = create_app(load_settings(), run_worker=False)  # uncached: one per backend
    statements: list[str] = []
    path = f"/api/v1/studies/{STUDY}/rounds/1/fragments"
    async with app.lifespan():
        engine = app.state.container.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def _seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
            statements.append(" ".join(statement.split()[:3]))

        call = asgi_caller(app)

        async def health(_n: int) -> int:
            return (await call("GET", "/health", {}, b""))[0]

        async def submit(n: int) -> int:
            headers, body = submission(n, tokens[n % len(tokens)])
            return (await call("POST", path, headers, body))[0]

        results: dict[str, float] = {}
        for name, one, expected in (("GET /health", health, 200), ("submission", submit, 201)):
            for n in range(20):  # warm up: connections, statement caches
                if (status := await one(n)) != expected:
                    raise SystemExit(f"{name}: answered {status}, expected {expected}")
            statements.clear()
            profiler = None
            if args.profile and name == "submission":
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
            cpu, pg, wall = time.process_time(), postgres_cpu_s(), time.perf_counter()
            for n in range(args.requests):
                status = await one(n)
                if status != expected:
                    raise SystemExit(f"{name}: answered {status}, expected {expected}")
            cpu, pg = time.process_time() - cpu, postgres_cpu_s() - pg
            wall = time.perf_counter() - wall
            if profiler is not None:
                profiler.stop()
                Path(args.profile).write_text(profiler.output_text(unicode=False, color=False))
            per = args.requests / 1000
            results[name] = cpu / per
            kinds = Counter(statements)
            print(
                f"  {name:<12} app CPU {cpu / per:5.2f} ms  PostgreSQL CPU {pg / per:5.2f} ms  "
                f"wall {wall / per:5.2f} ms  statements {len(statements) / args.requests:.1f}"
                + "".join(f"\n  {'':<14}{c / args.requests:5.2f} x {k}" for k, c in kinds.items())
            )
        ratio = results["submission"] / results["GET /health"]
        print(f"  a submission costs the app {ratio:.1f}x the CPU of GET /health")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="sequential requests of each kind"
    )
    parser.add_argument("--experts", type=int, default=50, help="panellists (tokens used in turn)")
    parser.add_argument("--postgres-url", default=os.environ.get("SYMPHONIA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--profile", default="", help="write a pyinstrument profile of submissions")
    args = parser.parse_args()
    try:
        import uvloop

        run: Callable[[Awaitable[None]], None] = uvloop.run  # as `symphonia serve` runs
    except ImportError:
        run = asyncio.run
    print(f"{os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for backend in args.backends:
        if backend == "postgresql" and not args.postgres_url:
            print("\n== postgresql: skipped (no --postgres-url or SYMPHONIA_TEST_POSTGRES_URL) ==")
            continue
        print(f"\n== {backend}: {args.requests} requests of each kind, one at a time ==")
        with tempfile.TemporaryDirectory(prefix="symphonia-cpu-") as tmp:
            if backend == "sqlite":
                env, tokens = prepare(Path(tmp), None, args.experts)
                run(measure(env, tokens, args))
            else:
                with throwaway_postgres(args.postgres_url) as url:
                    env, tokens = prepare(Path(tmp), url, args.experts)
                    run(measure(env, tokens, args))
    sys.exit(0)


if __name__ == "__main__":
    main()
