"""Real data: every Polis conversation in ../shared/data/polis, imported and analysed.

For each export: `import-polis` into a fresh SQLite database, then the analysis of the vote
round (comments as fragments, votes as 3-point ratings), printing what came out and how long
each step took. Run: `.venv/bin/python benchmarks/polis_real.py [--data DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from symphonia.core.actors import Actor
from symphonia.db.engine import create_engine, create_sessionmaker
from symphonia.db.migrate import upgrade_async
from symphonia.polis import read_polis_export
from symphonia.services.analysis import analyse_round
from symphonia.services.polis_import import import_polis
from symphonia.services.providers import build_embedder
from symphonia.settings import load_settings

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"


async def one(export: Path, workdir: Path) -> str:
    url = f"sqlite+aiosqlite:///{workdir / (export.name + '.db')}"
    await upgrade_async(url)
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    t0 = time.perf_counter()
    conversation = read_polis_export(export)
    async with maker() as session:
        imported = await import_polis(session, conversation, export, actor=Actor.operator("bench"))
    t_import = time.perf_counter() - t0
    embedder = build_embedder(load_settings())
    t1 = time.perf_counter()
    async with maker() as session:
        outcome = await analyse_round(
            session, imported.slug, 2, embedder, None, actor=Actor.operator("bench")
        )
    t_analyse = time.perf_counter() - t1
    await engine.dispose()
    result = outcome.result
    statuses = Counter(t.status.value for t in result.themes)
    accounted = sum(len(t.fragment_ids) for t in result.themes) + len(result.singular_views)
    assert accounted == imported.fragments, "a comment went missing"
    flagged = sum(1 for s in result.synthesis.statements if not s.guard.get("ok", True))
    return (
        f"{export.name:<30} {imported.fragments:>5} {imported.ratings:>6} "
        f"{imported.participants:>5} {len(result.themes):>6} "
        f"{statuses['consensus']:>4}/{statuses['contested']:<3}/{statuses['gap']:<3} "
        f"{len(result.singular_views):>5} {flagged:>5} {t_import:>8.1f} {t_analyse:>8.1f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    exports = sorted(p for p in args.data.iterdir() if (p / "comments.csv").exists())
    print(
        f"{'conversation':<30} {'cmts':>5} {'votes':>6} {'ppl':>5} {'themes':>6} "
        f"{'cons/cont/gap':>13} {'singl':>5} {'flag':>5} {'import s':>8} {'analyse s':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for export in exports:
            print(await one(export, Path(tmp)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
