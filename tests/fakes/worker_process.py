"""`symphonia worker --once` as its own process, with a slow fake embedder injected through
the container (the real command builds the configured model instead).

    python -m tests.fakes.worker_process DATABASE_URL DELAY [STARTED_FILE]

Short heartbeats and a short staleness limit, so the kill-and-resume test runs in seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from pathlib import Path

from symphonia.composition import Container
from symphonia.jobs import InProcessWorker
from symphonia.settings import WorkerSettings, load_settings
from tests.fakes.slow_embedder import SlowEmbedder

HEARTBEAT_S = 0.2
STALE_AFTER_S = 1.5


async def main(url: str, delay: float, started: Path | None) -> int:
    settings = dataclasses.replace(
        load_settings(),
        database_url=url,
        worker=WorkerSettings(poll_s=0.2, heartbeat_s=HEARTBEAT_S, stale_after_s=STALE_AFTER_S),
    )
    embedder = SlowEmbedder(delay, started=started)
    async with Container(settings, embedder=embedder) as container:
        worker = InProcessWorker(container)
        await worker.drain()
        print(f"succeeded={worker.succeeded} failed={worker.failed}", flush=True)
        return 1 if worker.failed else 0


if __name__ == "__main__":
    started = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    sys.exit(asyncio.run(main(sys.argv[1], float(sys.argv[2]), started)))
