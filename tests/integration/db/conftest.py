"""A small, complete study graph to test the storage layer against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.fragments import FragmentKind
from symphonia.core.synthesis import Section
from symphonia.db.enums import Origin, ParticipantRole, RoundKind, RoundStatus
from symphonia.db.models import (
    Account,
    Citation,
    Fragment,
    Participant,
    Round,
    StakeholderGroup,
    Statement,
    Study,
    SynthesisVersion,
)


@dataclass
class Seed:
    study: Study
    group: StakeholderGroup
    expert: Participant
    editor: Participant
    editor_account: Account
    """The editor's staff account: amendments and approvals reference accounts."""
    round: Round
    fragments: list[Fragment]
    version: SynthesisVersion
    statement: Statement


@pytest.fixture
async def seed(session: AsyncSession) -> Seed:
    """Study demo: one group, an expert and an editor (and the editor's account), round 1
    with two fragments, and a *draft* synthesis version with one statement citing the
    first fragment. Committed."""
    study = Study(slug="demo", title="Demo", question="What first?", protocol={"rule": "x"})
    group = StakeholderGroup(study=study, key="clinician", label="Clinicians")
    expert = Participant(study=study, pseudonym="E01", group=group)
    editor = Participant(study=study, pseudonym="ED1", role=ParticipantRole.EDITOR)
    round_ = Round(
        study=study,
        number=1,
        kind=RoundKind.CONTRIBUTE,
        status=RoundStatus.OPEN,
        opens_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC),
    )
    fragments = [
        Fragment(
            round=round_,
            external_id=f"f{i}",
            author=expert,
            kind=kind,
            text=text,
            confidence=4,
            sources=["doi:10/x"] if i == 1 else [],
        )
        for i, (kind, text) in enumerate(
            [
                (FragmentKind.CLAIM, "Data sharing saves time."),
                (FragmentKind.BARRIER, "Consent rules differ by trust."),
            ],
            start=1,
        )
    ]
    version = SynthesisVersion(
        round=round_,
        number=1,
        origin=Origin.EXTRACTIVE,
        drafter={"drafter": "extractive", "prompt_hashes": {}},
    )
    statement = Statement(
        version=version,
        key="s1",
        theme_key="t1",
        section=Section.CONSENSUS,
        text="Data sharing saves time.",
    )
    statement.citations.append(Citation(fragment=fragments[0]))
    editor_account = Account(email="ed1@example.org", display_name="Ed One")
    session.add_all([study, *fragments, version, editor_account])
    await session.commit()
    return Seed(study, group, expert, editor, editor_account, round_, fragments, version, statement)
