"""Real data: every Polis conversation in ../shared/data/polis, imported, analysed and checked.

For each export: `import-polis` into a fresh SQLite database, then the analysis of the vote
round (comments as fragments, votes as 3-point ratings), printing what came out, how long
each step took, and whether the themes tell the truth about the votes:

- **broad → consensus**: of the comments with *broad agreement* (in every opinion group, at
  least 70 % of the group's voters on the comment agreed; passes count as seen), the share
  that land in consensus themes. Target ≥ 0.8.
- **divisive → contested**: of the *group-divisive* comments (in one opinion group at least
  60 % of its voters on the comment agreed, and in another at least 60 % disagreed), the
  share that land in contested themes. Target ≥ 0.8.

The opinion groups are the ones the analysis formed (its run record); when the analysis
formed none (older code), the benchmark forms them the same way from the votes. Only groups
with at least 2 voters on a comment are read for it; broad agreement needs every group of
the conversation to be read. Both definitions are the benchmark's own, deliberately not the
product's rule (which uses 70 % overall with IQR ≤ 1, ≥ 50 % in every group, and opposing
50 % majorities), so the figures check the product against plain readings of the votes.

Run: `.venv/bin/python benchmarks/polis_real.py [--data DIR]`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from symphonia.core.actors import Actor
from symphonia.core.fragments import Rating
from symphonia.db.engine import create_engine, create_sessionmaker
from symphonia.db.migrate import upgrade_async
from symphonia.polis import PolisConversation, read_polis_export
from symphonia.services.analysis import analyse_round
from symphonia.services.polis_import import import_polis
from symphonia.services.providers import build_embedder
from symphonia.settings import load_settings

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"
BROAD = 0.7
DIVISIVE = 0.6
MIN_VOTERS = 2


def group_shares(
    ratings: tuple[Rating, ...], members: Mapping[str, str]
) -> dict[str, dict[str, tuple[int, float, float]]]:
    """comment → group → (voters, agree share, disagree share), from the raw votes."""
    tally: dict[str, dict[str, list[int]]] = {}
    for r in ratings:
        group = members.get(r.rater)
        if group is not None:
            tally.setdefault(r.item, {}).setdefault(group, []).append(r.score)
    return {
        item: {
            g: (len(s), s.count(3) / len(s), s.count(1) / len(s))
            for g, s in groups.items()
            if len(s) >= MIN_VOTERS
        }
        for item, groups in tally.items()
    }


def readings(
    conversation: PolisConversation, members: Mapping[str, str]
) -> tuple[set[str], set[str]]:
    """The comments with broad agreement, and the group-divisive ones."""
    k = len(set(members.values()))
    broad, divisive = set(), set()
    for item, groups in group_shares(conversation.ratings, members).items():
        if k >= 2 and len(groups) == k and all(a >= BROAD for _, a, _ in groups.values()):
            broad.add(item)
        agree = any(a >= DIVISIVE for _, a, _ in groups.values())
        disagree = any(d >= DIVISIVE for _, _, d in groups.values())
        if agree and disagree:
            divisive.add(item)
    return broad, divisive


def opinion_groups(run: Mapping[str, object], conversation: PolisConversation) -> dict[str, str]:
    recorded = (run.get("groups") or {}).get("opinion_groups")  # type: ignore[union-attr]
    if recorded:
        return dict(recorded["members"])
    from symphonia.pipeline.opinion_groups import form_opinion_groups

    return form_opinion_groups(conversation.ratings, conversation.scale).members


def share(hits: int, total: int) -> str:
    return f"{hits:>3}/{total:<3} {hits / total:.2f}" if total else f"{'-':>3}/0   -   "


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
    status_of = {f: t.status.value for t in result.themes for f in t.fragment_ids}
    members = opinion_groups(result.run, conversation)
    broad, divisive = readings(conversation, members)
    in_consensus = sum(1 for c in broad if status_of.get(c) == "consensus")
    in_contested = sum(1 for c in divisive if status_of.get(c) == "contested")
    k = len(set(members.values()))
    return (
        f"{export.name:<28} {imported.fragments:>5} {imported.ratings:>6} "
        f"{imported.participants:>5} {len(result.themes):>6} "
        f"{statuses['consensus']:>4}/{statuses['contested']:<3}/{statuses['gap']:<3} "
        f"{len(result.singular_views):>5} {flagged:>5} {k:>2} "
        f"{share(in_consensus, len(broad)):>12} {share(in_contested, len(divisive)):>12} "
        f"{t_import:>8.1f} {t_analyse:>8.1f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    exports = sorted(p for p in args.data.iterdir() if (p / "comments.csv").exists())
    print(
        f"{'conversation':<28} {'cmts':>5} {'votes':>6} {'ppl':>5} {'themes':>6} "
        f"{'cons/cont/gap':>13} {'singl':>5} {'flag':>5} {'k':>2} "
        f"{'broad→cons':>12} {'divis→cont':>12} {'import s':>8} {'analyse s':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for export in exports:
            print(await one(export, Path(tmp)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
