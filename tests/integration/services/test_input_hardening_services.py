"""The import services refuse an import of nothing, and name file:line when they know it;
loading an unchanged study writes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.db.models import AuditEvent
from symphonia.interchange import read_fragments, write_fragments_jsonl
from symphonia.polis import read_polis_export
from symphonia.services.errors import RejectedInput
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
Maker = async_sessionmaker[AsyncSession]


async def actions(maker: Maker) -> list[str]:
    async with maker() as s:
        return list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.at)))


async def test_an_import_of_nothing_is_refused(sessionmaker: Maker, demo_study_dir: Path) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), "test")
        await open_round(s, SLUG, 1, "test")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput, match=r"empty\.jsonl holds no fragments"):
            await import_fragments(s, SLUG, 1, [], "test", "empty.jsonl")
        with pytest.raises(RejectedInput, match="the import holds no ratings"):
            await import_ratings(s, SLUG, 2, [], "test")
    assert "fragments.imported" not in await actions(sessionmaker)


async def test_refusals_name_the_line_each_record_came_from(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), "test")
        await open_round(s, SLUG, 1, "test")
    ok = Fragment("g1", "E01", FragmentKind.CLAIM, "Fine.")
    stranger = Fragment("g2", "E99", FragmentKind.CLAIM, "Not on the panel.")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_fragments(s, SLUG, 1, [ok, stranger], "test", "g.jsonl", lines=[3, 7])
    assert "g.jsonl:7: fragment 'g2': author 'E99' is not on the panel" in str(refused.value)
    assert str(refused.value).startswith("g.jsonl: nothing imported: 1 problem(s)")


async def test_loading_an_unchanged_study_is_not_an_update(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    definition = read_study_file(demo_study_dir)
    async with sessionmaker() as s:
        assert (await load_study(s, definition, "test")).changed
    async with sessionmaker() as s:
        again = await load_study(s, definition, "test")
    assert (again.created, again.changed) == (False, False)
    assert await actions(sessionmaker) == ["study.created"]
    retitled = replace(definition, title=definition.title + " (revised)")
    async with sessionmaker() as s:
        assert (await load_study(s, retitled, "test")).changed
    assert await actions(sessionmaker) == ["study.created", "study.updated"]
    async with sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(AuditEvent))
    assert count == 2


def test_polis_ids_pass_the_interchange_id_rule(polis_mini: Path, tmp_path: Path) -> None:
    conversation = read_polis_export(polis_mini)
    path = tmp_path / "polis.jsonl"
    write_fragments_jsonl(path, conversation.fragments)
    assert read_fragments(path) == list(conversation.fragments)
