"""The import services refuse an import of nothing, and name file:line when they know it;
loading an unchanged study writes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind, Rating
from symphonia.core.study import RatingItem
from symphonia.db.models import AuditEvent, Study
from symphonia.db.models import Fragment as FragmentRow
from symphonia.db.models import Rating as RatingRow
from symphonia.interchange import read_fragments, read_rating_items, write_fragments_jsonl
from symphonia.interchange import read_ratings as read_ratings_file
from symphonia.polis import read_polis_export
from symphonia.services.errors import RejectedInput
from symphonia.services.lookup import get_round, get_study, participants_by_pseudonym
from symphonia.services.polis_import import import_polis
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")


def listed(refusal: RejectedInput) -> list[str]:
    """The refusal's problems as the CLI prints them: "location: field: reason"."""
    return [str(p) for p in refusal.problems]


Maker = async_sessionmaker[AsyncSession]


async def actions(maker: Maker) -> list[str]:
    async with maker() as s:
        return list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.at)))


async def test_an_import_of_nothing_is_refused(sessionmaker: Maker, demo_study_dir: Path) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as empty_file:
            await import_fragments(s, SLUG, 1, [], "empty.jsonl", actor=OPERATOR)
        with pytest.raises(RejectedInput) as empty_call:
            await import_ratings(s, SLUG, 2, [], actor=OPERATOR)
    # worded like every refusal, a file's too: "<source>: N problem(s); nothing was imported"
    assert str(empty_file.value).splitlines() == [
        "empty.jsonl: 1 problem(s); nothing was imported",
        "  - empty.jsonl holds no fragments",
    ]
    assert listed(empty_call.value) == ["the import holds no ratings"]
    assert str(empty_call.value).startswith("1 problem(s); nothing was imported")
    assert "fragments.imported" not in await actions(sessionmaker)


async def test_refusals_name_the_line_each_record_came_from(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    ok = Fragment("g1", "E01", FragmentKind.CLAIM, "Fine.")
    stranger = Fragment("g2", "E99", FragmentKind.CLAIM, "Not on the panel.")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_fragments(
                s, SLUG, 1, [ok, stranger], "g.jsonl", lines=[3, 7], actor=OPERATOR
            )
    assert "g.jsonl:7: fragment 'g2': author 'E99' is not on the panel" in str(refused.value)
    assert str(refused.value).startswith("g.jsonl: 1 problem(s); nothing was imported")


async def test_loading_an_unchanged_study_is_not_an_update(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    definition = read_study_file(demo_study_dir)
    async with sessionmaker() as s:
        assert (await load_study(s, definition, actor=OPERATOR)).changed
    async with sessionmaker() as s:
        again = await load_study(s, definition, actor=OPERATOR)
    assert (again.created, again.changed) == (False, False)
    assert await actions(sessionmaker) == ["study.created"]
    retitled = replace(definition, title=definition.title + " (revised)")
    async with sessionmaker() as s:
        assert (await load_study(s, retitled, actor=OPERATOR)).changed
    assert await actions(sessionmaker) == ["study.created", "study.updated"]
    async with sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(AuditEvent))
    assert count == 2


def test_polis_ids_pass_the_interchange_id_rule(polis_mini: Path, tmp_path: Path) -> None:
    conversation = read_polis_export(polis_mini)
    path = tmp_path / "polis.jsonl"
    write_fragments_jsonl(path, conversation.fragments)
    assert read_fragments(path) == list(conversation.fragments)


async def rows(maker: Maker, model: type[FragmentRow] | type[RatingRow]) -> int:
    async with maker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_fragments_from_python_are_held_to_the_text_and_id_rules(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    """A caller that builds fragments in Python gets the listed refusal the file readers give,
    not a bare database error (PostgreSQL refuses NUL in text)."""
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    nul = Fragment("g1", "E01", FragmentKind.CLAIM, "before\x00after")
    bad_id = Fragment("g 2", "E01", FragmentKind.CLAIM, "Fine.", sources=("ok", "x\x1b"))
    c1 = Fragment("g3", "E01", FragmentKind.CLAIM, "Fine.", question="why\x85")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_fragments(
                s,
                SLUG,
                1,
                [nul, bad_id, c1],
                "g.jsonl",
                lines=[1, 2, 3],
                actor=OPERATOR,
            )
    problems = listed(refused.value)
    assert problems[0] == (
        "g.jsonl:1: fragment 'g1': text: contains a NUL character (U+0000) at character 7; "
        "remove it"
    )
    assert problems[1].startswith("g.jsonl:2: fragment 'g 2': id: \"g 2\" is not a valid id")
    assert problems[2].startswith(
        "g.jsonl:2: fragment 'g 2': sources[1]: contains the control character U+001B"
    )
    assert problems[3].startswith(
        "g.jsonl:3: fragment 'g3': question: contains the control character U+0085"
    )
    assert len(problems) == 4
    assert await rows(sessionmaker, FragmentRow) == 0


async def _rate_round_with_a_legacy_fragment(maker: Maker, demo_study_dir: Path) -> None:
    """Round 1's fragments, plus one stored (as before the id rule) under the id `F 12`;
    round 2 open for ratings."""
    async with maker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    frags = read_fragments(demo_study_dir / "round1-fragments.jsonl")
    async with maker() as s:
        await import_fragments(s, SLUG, 1, frags, actor=OPERATOR)
    async with maker() as s, s.begin():
        study = await get_study(s, SLUG)
        rnd = await get_round(s, study, 1)
        author = (await participants_by_pseudonym(s, study))["E01"]
        s.add(
            FragmentRow(
                round_id=rnd.id,
                external_id="F 12",
                author_id=author.id,
                kind=FragmentKind.CLAIM,
                text="Stored before ids had a rule.",
                confidence=3,
                sources=[],
            )
        )
    async with maker() as s:
        await close_round(s, SLUG, 1, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)


async def test_ratings_and_items_from_python_are_held_to_the_text_and_id_rules(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    await _rate_round_with_a_legacy_fragment(sessionmaker, demo_study_dir)
    item = RatingItem("s 1", "Text\x9b.", ("f001", "F 12"))
    ratings = [Rating("f001", "E01\x00", 5), Rating("f002", "E02", 5)]
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_ratings(s, SLUG, 2, ratings, [item], actor=OPERATOR)
    problems = listed(refused.value)
    assert problems[0].startswith("item 's 1': id: \"s 1\" is not a valid id")
    assert problems[1].startswith("item 's 1': text: contains the control character U+009B")
    assert problems[2] == (
        "rating of 'f001' by 'E01\\x00': rater: contains a NUL character (U+0000) at "
        "character 4; remove it"
    )
    assert await rows(sessionmaker, RatingRow) == 0


async def test_ratings_may_refer_to_fragments_stored_before_the_id_rule(
    sessionmaker: Maker, demo_study_dir: Path, tmp_path: Path
) -> None:
    """The id rule is for ids a file declares; a reference only has to name something that
    exists, and a fragment stored as `F 12` can still be rated and cited."""
    await _rate_round_with_a_legacy_fragment(sessionmaker, demo_study_dir)
    ratings_file = tmp_path / "r.jsonl"
    ratings_file.write_text(
        '{"item": "F 12", "rater": "E01", "score": 7}\n'
        '{"item": "s01", "rater": "E01", "score": 6}\n'
    )
    items_file = tmp_path / "i.jsonl"
    items_file.write_text('{"id": "s01", "text": "Cites it.", "fragment_ids": ["F 12", "f001"]}\n')
    ratings, items = read_ratings_file(ratings_file), read_rating_items(items_file)
    async with sessionmaker() as s:
        outcome = await import_ratings(
            s, SLUG, 2, ratings, items, str(ratings_file), actor=OPERATOR
        )
    assert outcome.imported == 2
    assert await rows(sessionmaker, RatingRow) == 2


async def test_a_study_built_in_python_is_held_to_the_text_rules(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    """`load_study` applies the rule the study file reader applies, to whoever built the
    definition: every unusable text is listed, by its study-file path, and nothing written."""
    definition = read_study_file(demo_study_dir)
    groups = (replace(definition.groups[0], name="Clinicians\x1b[2J"), *definition.groups[1:])
    panel = (replace(definition.panel[0], name="Ann\x85"), *definition.panel[1:])
    garbled = replace(
        definition,
        title="Title\x00",
        question="Why\x07?",
        description="\ud800",
        groups=groups,
        panel=panel,
    )
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await load_study(s, garbled, actor=OPERATOR)
    assert str(refused.value).splitlines()[0] == (
        "study 'connected-icb': 5 problem(s); nothing was written"
    )
    assert [p.split(":")[0] for p in listed(refused.value)] == [
        "study.title",
        "study.question",
        "study.description",
        "groups[0].name",
        "panel[0].name",
    ]
    assert "contains a NUL character (U+0000) at character 6" in listed(refused.value)[0]
    assert await actions(sessionmaker) == []
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Study)) == 0


async def test_a_polis_folder_name_with_a_control_character_is_refused(
    sessionmaker: Maker, polis_mini: Path
) -> None:
    """The study's title comes from the export's folder name, which no reader checks."""
    folder = polis_mini.rename(polis_mini.with_name("polis\x1bmini"))
    conversation = read_polis_export(folder)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_polis(s, conversation, folder, actor=OPERATOR)
    assert listed(refused.value)[0].startswith("study.title: contains the control character U+001B")
    assert await actions(sessionmaker) == []


async def test_what_a_polis_import_left_out_is_in_its_outcome_and_audit_log(
    sessionmaker: Maker, polis_mini: Path
) -> None:
    comments = polis_mini / "comments.csv"
    comments.write_text(comments.read_text().replace("kerbs, not paint", "kerbs,\x00 not paint"))
    votes = polis_mini / "votes.csv"
    votes.write_text(votes.read_text() + "30,3,1,1700009000000,later\n")
    conversation = read_polis_export(polis_mini)
    async with sessionmaker() as s:
        outcome = await import_polis(s, conversation, polis_mini, actor=OPERATOR)
    assert (outcome.fragments, outcome.moderated_out, outcome.votes_on_excluded) == (3, 1, 7)
    assert [(i.file, i.line) for i in outcome.unusable] == [(str(comments), 2)]
    assert outcome.superseded_votes == 1
    assert outcome.participants_left_out == 2  # P12 wrote only spam, P30 voted only on it
    async with sessionmaker() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "polis.imported"))
    assert event is not None
    assert event.subject_id == "polis-polis-mini"
    assert event.detail["left_out"] == {
        "moderated_comments": 1,
        "unusable_comments": [
            {
                "file": str(comments),
                "line": 2,
                "reason": "contains a NUL character (U+0000) at character 54; remove it",
            }
        ],
        "votes_on_left_out_comments": 7,
        "superseded_votes": 1,
        "participants_with_nothing_kept": 2,
    }
    assert event.detail["fragments"] == 3
