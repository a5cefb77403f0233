"""A Polis conversation through import and analysis: opinion groups, per-comment calls,
participation against those shown a comment, and the fallback on comments.csv counts.

The export is generated here (two blocs of voters with known views), never read from
../shared: every expected call follows from how the votes were written.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.ratings import RatingTally
from symphonia.db.models import RatingTally as TallyRow
from symphonia.db.models import Theme as ThemeRow
from symphonia.polis import read_polis_export
from symphonia.reports.markdown import render_markdown
from symphonia.services.analysis import analyse_round
from symphonia.services.errors import RejectedInput
from symphonia.services.exports import build_report
from symphonia.services.polis_import import import_polis, polis_definition
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.services.tallies import import_tallies
from tests.unit.pipeline.conftest import CountingEmbedder

OPERATOR = Actor.operator("test")

Maker = async_sessionmaker[AsyncSession]

BLOC_A, BLOC_B = 14, 10
BROAD = ["1", "2", "3", "4"]  # both blocs agree
DIVISIVE = ["5", "6", "7"]  # bloc A agrees, bloc B disagrees
UNSETTLED = "8"  # everyone passes or splits
FEW = "9"  # three votes: too few to judge
UNMODERATED = "11"  # never moderated, one vote
MODERATED_OUT = "10"


def _vote(voter: int, comment: str) -> int | None:
    """Each voter's vote on each comment (None: not shown it)."""
    in_a = voter < BLOC_A
    if comment in BROAD:
        return 0 if (voter + int(comment)) % 7 == 0 else 1  # a pass here and there
    if comment in DIVISIVE:
        return 1 if in_a else -1
    if comment == UNSETTLED:
        return (0, 0, 1, -1)[voter % 4]
    if comment == FEW:
        return 1 if voter < 3 else None
    if comment == UNMODERATED:
        return 1 if voter == 0 else None
    if comment == MODERATED_OUT:
        return -1
    return None


COMMENTS = {
    "1": "Protected cycle lanes should connect every school.",
    "2": "Crossings near schools need longer green phases.",
    "3": "Street lighting on cycle routes should be improved.",
    "4": "Bike parking should be added at every station.",
    "5": "Car parking on high streets should be removed.",
    "6": "A congestion charge should fund cycling.",
    "7": "Speed cameras should be installed on every main road.",
    "8": "Cycle training should be compulsory for adults.",
    "9": "Bike theft should be policed more.",
    "10": "BUY CHEAP BIKES HERE",
    "11": "E-scooters should be allowed on cycle lanes.",
}


def write_export(root: Path, votes: bool = True, counts: bool = True) -> Path:
    root.mkdir()
    with (root / "summary.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["topic", "Safer cycling (generated test export)"]])
    header = ["comment-id", "author-id", "moderated", "comment-body"]
    header += ["agrees", "disagrees"] if counts else []
    voters = range(BLOC_A + BLOC_B)
    with (root / "comments.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for cid, text in COMMENTS.items():
            cast = [_vote(v, cid) for v in voters]
            moderated = -1 if cid == MODERATED_OUT else 0 if cid == UNMODERATED else 1
            row = [cid, str(int(cid) % 5), str(moderated), text]
            row += [str(cast.count(1)), str(cast.count(-1))] if counts else []
            out.writerow(row)
    with (root / "votes.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["timestamp", "comment-id", "voter-id", "vote"])
        if votes:
            for v in voters:
                for cid in COMMENTS:
                    if (vote := _vote(v, cid)) is not None:
                        out.writerow([str(1_700_000_000_000 + v), cid, str(v), str(vote)])
    return root


async def test_votes_are_judged_per_comment_between_opinion_groups(
    sessionmaker: Maker, tmp_path: Path
) -> None:
    source = write_export(tmp_path / "cycling")
    conversation = read_polis_export(source)
    async with sessionmaker() as s:
        imported = await import_polis(s, conversation, source, actor=OPERATOR)
    async with sessionmaker() as s:
        outcome = await analyse_round(s, imported.slug, 2, CountingEmbedder(), None, actor=OPERATOR)
    result = outcome.result
    run = result.run
    formed = run["groups"]["opinion_groups"]
    assert formed["k"] == 2
    assert sorted(formed["sizes"].values()) == [BLOC_B, BLOC_A]
    assert formed["placed"] == BLOC_A + BLOC_B

    status = {f: t.status.value for t in result.themes for f in t.fragment_ids}
    for cid in BROAD:
        assert status[f"c{cid}"] == "consensus"
    for cid in DIVISIVE:
        assert status[f"c{cid}"] == "contested"
    assert status[f"c{UNSETTLED}"] == "gap"
    # Comments with too few votes stay singular views, their verdict still reported.
    assert set(result.singular_views) == {f"c{FEW}", f"c{UNMODERATED}"}
    outside = {v["item_id"]: v for v in run["rated_items_outside_themes"]}
    assert outside[f"c{FEW}"]["call"] == "too_few"
    assert "only 3 ratings" in outside[f"c{FEW}"]["headline"]
    assert f"c{MODERATED_OUT}" not in status
    # Participation is counted against those shown a comment: the broad ones are consensus
    # though each was shown to (voted on by) all 24, and c8 is not a gap for participation.
    divided = next(t for t in result.themes if "c5" in t.fragment_ids)
    item = next(i for i in (divided.stats.ratings or {})["items"] if i["item_id"] == "c5")
    assert item["call"] == "divisive"
    assert item["participation"] == 1.0
    assert item["stats"]["group_consensus"]["agree"] < 0.1

    async with sessionmaker() as s:
        rows = list(await s.scalars(select(ThemeRow)))
        report = render_markdown(await build_report(s, imported.slug, 2, actor=OPERATOR))
    stored = {r.key: r for r in rows}
    agreed = next(r for r in rows if "c1" in str(r.stats) and r.status.value == "consensus")
    assert agreed.stats["ratings"]["raters"] > agreed.stats["contributors"]
    assert set(stored) == {t.id for t in result.themes}
    assert "| Raters |" in report
    assert "Opinion groups: 2" in report
    for statement in result.synthesis.statements:
        if statement.text.startswith("Singular view"):
            assert set(statement.citations) <= {f"c{FEW}", f"c{UNMODERATED}"}
        # The rating notes are framing and figures the guard can check, never new claims.
        assert statement.guard.get("ok", True), statement.guard


@pytest.mark.parametrize("how", ["header only", "absent", "empty"])
async def test_an_export_with_no_votes_falls_back_on_comment_counts(
    sessionmaker: Maker, tmp_path: Path, how: str
) -> None:
    source = write_export(tmp_path / "cycling", votes=False)
    if how == "absent":
        (source / "votes.csv").unlink()
    elif how == "empty":
        (source / "votes.csv").write_bytes(b"")
    conversation = read_polis_export(source)
    assert conversation.ratings == ()
    counted = {t.item: t for t in conversation.tallies}
    assert counted["c5"].counts == ((1, BLOC_B), (3, BLOC_A))
    assert f"c{MODERATED_OUT}" not in counted
    async with sessionmaker() as s:
        imported = await import_polis(s, conversation, source, actor=OPERATOR)
    assert imported.counts_only
    assert imported.participants == len({int(c) % 5 for c in COMMENTS if c != MODERATED_OUT})
    async with sessionmaker() as s:
        unrecorded = {r.unrecorded for r in await s.scalars(select(TallyRow))}
        outcome = await analyse_round(s, imported.slug, 2, CountingEmbedder(), None, actor=OPERATOR)
    assert unrecorded == {"passes (comments.csv counts agree and disagree votes only)"}
    result = outcome.result
    assert result.run["groups"]["counts_without_identity"] == len(counted)
    assert result.run["groups"]["opinion_groups"]["k"] == 0
    status = {f: t.status.value for t in result.themes for f in t.fragment_ids}
    assert status["c1"] == "consensus"
    assert status["c5"] == "contested"  # 14 agree, 10 disagree, no groups: a split panel
    verdicts = [i for t in result.themes for i in (t.stats.ratings or {}).get("items", [])]
    assert verdicts
    for verdict in verdicts:
        assert any("without voter identity" in r for r in verdict["reasons"])
        assert "groups" not in verdict["stats"]


async def test_an_item_is_rated_by_raters_or_by_counts_never_both(
    sessionmaker: Maker, tmp_path: Path
) -> None:
    source = write_export(tmp_path / "cycling")
    conversation = read_polis_export(source)
    definition = polis_definition(conversation, "mixed", source)
    async with sessionmaker() as s, s.begin():
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, "mixed", 1, actor=OPERATOR)
        await import_fragments(s, "mixed", 1, conversation.fragments, actor=OPERATOR)
    from symphonia.services.rounds import close_round

    async with sessionmaker() as s, s.begin():
        await close_round(s, "mixed", 1, actor=OPERATOR)
        await open_round(s, "mixed", 2, actor=OPERATOR)
        await import_tallies(
            s, "mixed", 2, [RatingTally("c1", ((3, 5),))], "counts", actor=OPERATOR
        )
    c1_votes = [r for r in conversation.ratings if r.item == "c1"]
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_ratings(s, "mixed", 2, c1_votes, source="votes", actor=OPERATOR)
    assert "is rated by counts in round 2" in str(refused.value.problems[0])
    async with sessionmaker() as s:
        await import_ratings(
            s, "mixed", 2, [r for r in conversation.ratings if r.item == "c2"], actor=OPERATOR
        )
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as twice:
            await import_tallies(
                s,
                "mixed",
                2,
                [
                    RatingTally("c2", ((3, 5),)),
                    RatingTally("c1", ((3, 1),)),
                    RatingTally("c9", ((4, 1),)),
                ],
                "counts",
                actor=OPERATOR,
            )
    problems = "\n".join(map(str, twice.value.problems))
    assert "item 'c2': already rated by raters" in problems
    assert "item 'c1': counts given twice" in problems
    assert "item 'c9': score 4 is outside the scale 1–3" in problems
