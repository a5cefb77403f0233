"""Readers read published versions only, follow a statement to its evidence as the study's
anonymity allows, and compare two versions; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from symphonia.core.amendments import AmendmentAction, Change
from symphonia.core.compare import ChangeKind
from symphonia.core.synthesis import Section
from symphonia.db.enums import Anonymity
from symphonia.db.models import Participant, Study
from symphonia.services.errors import NotFound, RejectedInput
from symphonia.services.publishing import publish_version
from symphonia.services.reading import (
    compare_versions,
    published_report,
    published_versions,
    statement_evidence,
)
from symphonia.services.workspace import workspace
from tests.integration.services.editing_setup import OPERATOR, SLUG, Maker
from tests.integration.services.reading_setup import Published, amended, published_round


@pytest.fixture
async def world(sessionmaker: Maker, demo_study_dir: Path) -> Published:
    return await published_round(sessionmaker, demo_study_dir)


async def _amend(maker: Maker, world: Published, change: Change, reason: str) -> int:
    return (await amended(maker, SLUG, change, reason, world.people.editor))[1]


async def test_readers_see_published_versions_only(sessionmaker: Maker, world: Published) -> None:
    async with sessionmaker() as s:
        ws = await workspace(s, SLUG, 1, actor=world.people.editor)
    first = ws.statements[0]
    await _amend(
        sessionmaker, world, Change(AmendmentAction.RECLASSIFY, first.key, section=Section.GAP), "x"
    )
    for who in (world.people.reader, world.people.editor, world.e01):
        async with sessionmaker() as s:
            listing = await published_versions(s, SLUG, actor=who)
        assert [v.ref for v in listing.versions] == ["1.1"]
        async with sessionmaker() as s:
            with pytest.raises(NotFound):  # the draft, even to an editor, on the readers' side
                await published_report(s, SLUG, 1, 2, actor=who)
    async with sessionmaker() as s:
        with pytest.raises(NotFound):
            await published_versions(s, SLUG, actor=world.people.outsider)


async def test_a_statement_followed_to_its_evidence_as_anonymity_allows(
    sessionmaker: Maker, world: Published
) -> None:
    async with sessionmaker() as s:
        doc = await published_report(s, SLUG, 1, 1, actor=world.people.reader)
    entry = next(st for st in doc.statements if "f0" in st.citations)
    async with sessionmaker() as s:
        found = await statement_evidence(s, SLUG, 1, 1, entry.key, actor=world.people.reader)
    assert [f.id for f in found.fragments] == list(entry.citations)
    f0 = next(f for f in found.fragments if f.id == "f0")
    assert f0.author == "E01"
    assert f0.kind == "claim"
    assert f0.confidence >= 1
    async with sessionmaker() as s:
        await s.execute(update(Participant).values(display_name="Dr Ada Example"))
        await s.execute(update(Study).values(anonymity=Anonymity.NAMED))
        await s.commit()
    async with sessionmaker() as s:
        named = await statement_evidence(s, SLUG, 1, 1, entry.key, actor=world.people.reader)
    assert all((f.author or "").startswith("Dr Ada Example (E0") for f in named.fragments)
    async with sessionmaker() as s:
        await s.execute(update(Study).values(anonymity=Anonymity.ANONYMOUS))
        await s.commit()
    async with sessionmaker() as s:
        hidden = await statement_evidence(s, SLUG, 1, 1, entry.key, actor=world.people.reader)
    assert all(f.author is None for f in hidden.fragments)
    async with sessionmaker() as s:
        with pytest.raises(NotFound):
            await statement_evidence(s, SLUG, 1, 1, "no-such", actor=world.people.reader)


async def test_compare_two_published_versions(sessionmaker: Maker, world: Published) -> None:
    async with sessionmaker() as s:
        ws = await workspace(s, SLUG, 1, actor=world.people.editor)
    moved = next(st for st in ws.statements if st.section is not Section.GAP)
    removed = next(st for st in ws.statements if st.key != moved.key)
    await _amend(
        sessionmaker,
        world,
        Change(AmendmentAction.RECLASSIFY, moved.key, section=Section.GAP),
        "a gap, not a finding",
    )
    last = await _amend(
        sessionmaker, world, Change(AmendmentAction.REMOVE, removed.key), "off the question"
    )
    async with sessionmaker() as s:
        await publish_version(s, SLUG, 1, last, actor=OPERATOR)
    async with sessionmaker() as s:
        result = await compare_versions(s, SLUG, "1.1", "1", actor=world.people.reader)
    assert (result.before.version, result.after.version) == (1, last)
    kinds = {c.key: c for c in result.comparison.changes}
    assert kinds[moved.key].kind is ChangeKind.MOVED
    assert kinds[moved.key].reasons[0] == "a gap, not a finding"
    assert kinds[removed.key].kind is ChangeKind.REMOVED
    assert kinds[removed.key].reasons == ("off the question",)
    others = [c for c in result.comparison.changes if c.key not in (moved.key, removed.key)]
    assert all(c.kind is ChangeKind.UNCHANGED for c in others)
    async with sessionmaker() as s:
        same = await compare_versions(s, SLUG, "1.1", "1.1", actor=world.people.reader)
    assert not same.comparison.has_changes
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as bad:
            await compare_versions(s, SLUG, "1.2", "nonsense", actor=world.people.reader)
    assert {p.field for p in bad.value.problems} == {"before", "after"}
