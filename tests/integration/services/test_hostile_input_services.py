"""Hostile values reaching the services directly (a future API, the web), on SQLite and
PostgreSQL: each is refused by name before the database sees it, so PostgreSQL never fails
where SQLite would have passed, and no driver error escapes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind, Rating
from symphonia.core.study import StakeholderGroup, StudyDefinition
from symphonia.db.models import Study
from symphonia.services.errors import NotFound, RejectedInput
from symphonia.services.exports import build_report
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
HUGE = 2**63
Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def definition(demo_study_dir: Path) -> StudyDefinition:
    return read_study_file(demo_study_dir)


async def test_texts_longer_than_their_columns_are_refused_by_field(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    first, *rest = definition.groups
    too_long = replace(
        definition,
        title="T" * 301,
        groups=(StakeholderGroup(first.id, "G" * 201), *rest),
        check=False,
    )
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await load_study(s, too_long, actor=OPERATOR)
    problems = [str(p) for p in refused.value.problems]
    assert "study.title: is 301 characters long; the limit is 300" in problems
    assert "groups[0].name: is 201 characters long; the limit is 200" in problems
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Study)) == 0


async def test_numbers_past_any_round_or_version_are_not_found(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    fragment = Fragment("f1", "E01", FragmentKind.CLAIM, "A claim.")
    for attempt in (
        lambda s: open_round(s, SLUG, HUGE, actor=OPERATOR),
        lambda s: close_round(s, SLUG, -HUGE, actor=OPERATOR),
        lambda s: import_fragments(s, SLUG, HUGE, [fragment], actor=OPERATOR),
        lambda s: build_report(s, SLUG, HUGE, actor=OPERATOR),
    ):
        async with sessionmaker() as s:
            with pytest.raises(NotFound, match=r"has no round -?9223372036854775808"):
                await attempt(s)
    async with sessionmaker() as s:
        with pytest.raises(NotFound, match=f"has no version {HUGE}"):
            await build_report(s, SLUG, 1, HUGE, actor=OPERATOR)


@pytest.mark.parametrize("slug", ["bad\x00slug", "x" * 5000, "no such study"])
async def test_a_study_name_no_study_can_have_is_simply_unknown(
    sessionmaker: Maker, slug: str
) -> None:
    async with sessionmaker() as s:
        with pytest.raises(NotFound) as refused:
            await open_round(s, slug, 1, actor=OPERATOR)
    assert str(refused.value).startswith("unknown study ")
    assert len(str(refused.value)) < 120


async def test_a_rating_naming_an_item_longer_than_any_id_is_refused(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        await import_fragments(
            s, SLUG, 1, [Fragment("f1", "E01", FragmentKind.CLAIM, "x")], actor=OPERATOR
        )
        await close_round(s, SLUG, 1, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_ratings(s, SLUG, 2, [Rating("i" * 65, "E01", 5)], actor=OPERATOR)
    assert any(
        "item: is 65 characters long; the limit is 64" in str(p) for p in refused.value.problems
    )
