"""Rounds run in the Delphi sequence: a round opens only once every earlier round has closed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.study import StudyDefinition
from symphonia.db.enums import RoundStatus
from symphonia.db.models import AuditEvent, Round, Study
from symphonia.db.models import Fragment as FragmentRow
from symphonia.services.analysis import analyse_round
from symphonia.services.errors import Conflict
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.studyfiles import load_study as read_study_file
from tests.unit.pipeline.conftest import CountingEmbedder

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def definition(demo_study_dir: Path) -> StudyDefinition:
    return read_study_file(demo_study_dir)


async def statuses(maker: Maker) -> dict[int, RoundStatus]:
    async with maker() as s:
        return {r.number: r.status for r in await s.scalars(select(Round))}


async def events(maker: Maker) -> list[tuple[str, str]]:
    async with maker() as s:
        rows = await s.scalars(select(AuditEvent).where(AuditEvent.action != "study.created"))
        return sorted((e.action, e.subject_id) for e in rows)


async def test_a_later_round_cannot_open_on_a_fresh_study(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    for number in (3, 2):
        async with sessionmaker() as s:
            with pytest.raises(Conflict) as refused:
                await open_round(s, SLUG, number, actor=OPERATOR)
        message = str(refused.value)
        assert message == (
            f"round {number} of 'connected-icb' cannot open before round 1 is closed "
            "(round 1 is still draft); rounds run in order: open and close round 1 first"
        )
        assert "\n" not in message
    # Refused whole: nothing opened, the protocol is not locked, nothing audited.
    assert await statuses(sessionmaker) == dict.fromkeys((1, 2, 3), RoundStatus.DRAFT)
    async with sessionmaker() as s:
        study = await s.scalar(select(Study))
        assert study is not None
        assert study.protocol_locked_at is None
    assert await events(sessionmaker) == []


async def test_no_round_is_skipped_and_each_step_is_audited(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict) as refused:
            await open_round(s, SLUG, 3, actor=OPERATOR)
    # The service names no shell command: the refusal's code and context carry the next
    # step, which the CLI words (tests/integration/cli/test_round_order_cli.py).
    assert str(refused.value) == (
        "round 3 of 'connected-icb' cannot open before round 1 is closed (round 1 is still open)"
    )
    assert refused.value.code == "earlier_round_open"
    assert dict(refused.value.context) == {"study": SLUG, "round": 1}
    async with sessionmaker() as s:
        await close_round(s, SLUG, 1, actor=OPERATOR)
    # From "round 1 closed", round 3 may not open: round 2 would be skipped.
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match=r"round 3 .* before round 2 is closed .*still draft"):
            await open_round(s, SLUG, 3, actor=OPERATOR)
    assert await statuses(sessionmaker) == {
        1: RoundStatus.CLOSED,
        2: RoundStatus.DRAFT,
        3: RoundStatus.DRAFT,
    }
    async with sessionmaker() as s:
        await open_round(s, SLUG, 2, actor=OPERATOR)
        await close_round(s, SLUG, 2, actor=OPERATOR)
        await open_round(s, SLUG, 3, actor=OPERATOR)
    assert await statuses(sessionmaker) == {
        1: RoundStatus.CLOSED,
        2: RoundStatus.CLOSED,
        3: RoundStatus.OPEN,
    }
    assert await events(sessionmaker) == sorted(
        [
            ("protocol.locked", SLUG),
            *((f"round.{what}", f"{SLUG}/{n}") for n in (1, 2) for what in ("opened", "closed")),
            ("round.opened", f"{SLUG}/3"),
        ]
    )


async def test_a_closed_round_neither_reopens_nor_closes_again(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="round 1 of 'connected-icb' is closed; only a draft"):
            await open_round(s, SLUG, 1, actor=OPERATOR)
        with pytest.raises(Conflict, match="round 1 of 'connected-icb' is closed; only an open"):
            await close_round(s, SLUG, 1, actor=OPERATOR)
        with pytest.raises(Conflict, match="round 3 of 'connected-icb' is draft; only an open"):
            await close_round(s, SLUG, 3, actor=OPERATOR)
        with pytest.raises(Conflict, match=r"round 3 .* before round 2 is closed .*still open"):
            await open_round(s, SLUG, 3, actor=OPERATOR)


async def test_an_analysed_round_counts_as_closed(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    fragments = [
        Fragment("f001", "E01", FragmentKind.CLAIM, "Budgets are ringfenced."),
        Fragment("f002", "E02", FragmentKind.BARRIER, "Consent rules differ by council."),
    ]
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        await import_fragments(s, SLUG, 1, fragments, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        await analyse_round(s, SLUG, 1, CountingEmbedder(), None, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match=r"before round 2 is closed \(round 2 is still draft\)"):
            await open_round(s, SLUG, 3, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)
    assert (await statuses(sessionmaker))[1] is RoundStatus.ANALYSED
    assert (await statuses(sessionmaker))[2] is RoundStatus.OPEN


async def test_an_import_racing_a_close_is_refused_not_slipped_in(
    sessionmaker: Maker, definition: StudyDefinition, db_backend: str
) -> None:
    """A close in progress holds its round; an import that started reading meanwhile waits
    for it and is then refused, instead of adding fragments to a round that has closed."""
    if db_backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite admits one writer at a time anyway")
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    late = [Fragment("f001", "E01", FragmentKind.CLAIM, "Budgets are ringfenced.")]

    async def import_late() -> object:
        async with sessionmaker() as s:
            return await import_fragments(s, SLUG, 1, late, actor=OPERATOR)

    async with sessionmaker() as closer, closer.begin():
        await close_round(closer, SLUG, 1, actor=OPERATOR)
        racing = asyncio.create_task(import_late())
        await asyncio.sleep(0.5)
        assert not racing.done(), "the import did not wait for the close in progress"
    with pytest.raises(Conflict):
        await asyncio.wait_for(racing, 30)
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(FragmentRow)) == 0


async def test_racing_opens_of_one_round_open_it_once(
    sessionmaker: Maker, definition: StudyDefinition, db_backend: str
) -> None:
    """On SQLite the loser of such a race is refused by the database itself ("database is
    locked") rather than by the order check, so this runs on PostgreSQL only."""
    if db_backend != "postgresql":
        pytest.skip("SQLite refuses the second writer itself")
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)

    async def attempt() -> object:
        async with sessionmaker() as s:
            return await open_round(s, SLUG, 1, actor=OPERATOR)

    results = await asyncio.gather(attempt(), attempt(), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "RoundView"], results
    assert [e for e in await events(sessionmaker) if e[0] == "round.opened"] == [
        ("round.opened", f"{SLUG}/1")
    ]
