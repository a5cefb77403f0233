"""Issue 14: analyses queued at once on the SAQ queue in PostgreSQL, run by 1 then 2
`symphonia worker` processes: throughput (analyses per minute) and the ratio 2:1.

    python benchmarks/queue_scale.py --postgres URL [--analyses 50] [--fragments 1000]

The time counted for each worker count starts when the workers are launched, so it
includes their start (loading the embedding model): with few analyses that start weighs.

Each analysis is one round of synthetic fragments (tests/fakes/synthetic_fragments.py)
analysed with the real embedding model. Each worker count gets a fresh database on the
server named by URL (the role needs CREATEDB). The ratio is measured in the same run; on a
machine with fewer free cores than workers it cannot exceed what the cores allow.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from symphonia.core.actors import Actor  # noqa: E402
from symphonia.db.engine import create_engine, create_sessionmaker  # noqa: E402
from symphonia.db.enums import RunStatus  # noqa: E402
from symphonia.db.migrate import upgrade_async  # noqa: E402
from symphonia.db.models import AnalysisRun  # noqa: E402
from symphonia.services.analysis import request_analysis  # noqa: E402
from symphonia.services.round_runs import RoundRecords, run_round  # noqa: E402
from symphonia.services.studies import load_study  # noqa: E402
from symphonia.studyfiles import load_study as read_study_file  # noqa: E402
from tests.fakes.synthetic_fragments import synthetic_fragments  # noqa: E402

OPERATOR = Actor.operator("benchmark")
DEMO = ROOT / "rounds" / "connected-icb"


async def fresh_database(admin_url: str) -> str:
    name = f"symphonia_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as c:
        await c.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await upgrade_async(url)
    return url


async def drop_database(admin_url: str, url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as c:
        await c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}"'))
    await engine.dispose()


def load_average() -> str:
    """The machine's load (1, 5, 15 min): a shared machine's figures depend on it."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


async def queue_analyses(url: str, analyses: int, fragments: int) -> None:
    """`analyses` studies (one per analysis: a round of `fragments`), each run requested."""
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    study = read_study_file(DEMO)
    for i in range(analyses):
        slug = f"bench-{i:03d}"
        async with maker() as s:
            await load_study(s, dataclasses.replace(study, id=slug), actor=OPERATOR)
            await run_round(
                s,
                slug,
                1,
                RoundRecords(fragments=synthetic_fragments(fragments, seed=i)),
                actor=OPERATOR,
            )
        async with maker() as s:
            await request_analysis(s, slug, 1, actor=OPERATOR)
    await engine.dispose()


async def finished(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    async with engine.connect() as c:
        rows = dict(
            (
                await c.execute(
                    select(AnalysisRun.status, func.count()).group_by(AnalysisRun.status)
                )
            ).all()
        )
    await engine.dispose()
    return rows.get(RunStatus.SUCCEEDED, 0), rows.get(RunStatus.FAILED, 0)


def run_workers(url: str, workers: int, analyses: int) -> float:
    env = {
        **os.environ,
        "SYMPHONIA_DATABASE_URL": url,
        "SYMPHONIA_QUEUE": "saq",
        "SYMPHONIA_DATA_DIR": tempfile.mkdtemp(),
        "HF_HUB_OFFLINE": "1",
    }
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "symphonia.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        while True:
            ok, failed = asyncio.run(finished(url))
            if ok + failed >= analyses:
                break
            time.sleep(1)
        return time.perf_counter() - start
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("SYMPHONIA_TEST_POSTGRES_URL"))
    parser.add_argument("--analyses", type=int, default=50)
    parser.add_argument("--fragments", type=int, default=1000)
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("--postgres URL (or SYMPHONIA_TEST_POSTGRES_URL) is required")
    results = {}
    for workers in (1, 2):
        url = asyncio.run(fresh_database(args.postgres))
        asyncio.run(queue_analyses(url, args.analyses, args.fragments))
        seconds = run_workers(url, workers, args.analyses)
        ok, failed = asyncio.run(finished(url))
        asyncio.run(drop_database(args.postgres, url))
        per_min = 60 * args.analyses / seconds
        results[workers] = per_min
        print(
            f"{workers} worker(s): {args.analyses} analyses of {args.fragments} fragments "
            f"in {seconds:.1f}s = {per_min:.2f}/min ({ok} succeeded, {failed} failed); "
            f"{load_average()}, {os.cpu_count()} CPUs",
            flush=True,
        )
    print(f"ratio 2 workers / 1 worker: {results[2] / results[1]:.2f}")


if __name__ == "__main__":
    main()
