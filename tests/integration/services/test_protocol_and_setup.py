"""The protocol until round 1 opens, and studies set up from a form or a study folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.core.protocol import ConsensusRule, Protocol, RatingScale, StoppingRule
from symphonia.core.study import RoundDefinition, RoundKind, StakeholderGroup, StudyDefinition
from symphonia.db.models import AuditEvent, StudyMembership
from symphonia.services.accounts import create_account
from symphonia.services.errors import Conflict, PermissionDenied, RejectedInput
from symphonia.services.principals import actor_for_account
from symphonia.services.protocol import protocol_view, set_protocol
from symphonia.services.rounds import open_round
from symphonia.services.study_setup import create_study, load_study_folder, study_folders

Maker = async_sessionmaker[AsyncSession]
OPERATOR = Actor.operator("test")


def _definition(slug: str = "new-study", rounds: int = 2) -> StudyDefinition:
    return StudyDefinition(
        id=slug,
        title="A new study",
        question="What matters?",
        groups=(StakeholderGroup("clin", "Clinicians"),),
        rounds=tuple(
            RoundDefinition(n, RoundKind.CONTRIBUTE if n == 1 else RoundKind.RATE)
            for n in range(1, rounds + 1)
        ),
        check=False,  # as a form builds it: the service checks
    )


async def _creator(sessionmaker: Maker, email: str, *, creates: bool = True) -> Actor:
    async with sessionmaker() as s:
        account = await create_account(s, email, may_create_studies=creates, actor=OPERATOR)
        return await actor_for_account(s, account.id)


async def test_a_new_study_makes_its_creator_facilitator_and_refuses_a_taken_id(
    sessionmaker: Maker,
) -> None:
    ann = await _creator(sessionmaker, "ann@example.org")
    async with sessionmaker() as s:
        made = await create_study(s, _definition(rounds=5), actor=ann)
        assert made.created
        assert made.study.protocol["stopping"]["max_rounds"] == 5  # covers the rounds declared
        role = await s.scalar(select(StudyMembership.role))
        assert role is not None
        assert role.value == "facilitator"
        with pytest.raises(RejectedInput, match="taken") as taken:
            await create_study(s, _definition(), actor=ann)
        assert taken.value.problems[0].field == "study.id"
    bob = await _creator(sessionmaker, "bob@example.org", creates=False)
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied):
            await create_study(s, _definition("other"), actor=bob)


async def test_the_protocol_changes_until_round_one_opens_then_locks(sessionmaker: Maker) -> None:
    ann = await _creator(sessionmaker, "ann@example.org")
    async with sessionmaker() as s:
        await create_study(s, _definition(), actor=ann)
        ann = await actor_for_account(s, ann.id)  # type: ignore[arg-type]
        wanted = Protocol(rule=ConsensusRule.RAND_UCLA, agreement_threshold=0.8)
        shown = await set_protocol(s, "new-study", wanted, actor=ann)
        assert (shown.protocol, shown.may_edit) == (wanted, True)
        bad = Protocol(
            scale=RatingScale(1, 2, check=False),
            agreement_threshold=0.2,
            stopping=StoppingRule(max_rounds=1),
            check=False,
        )
        with pytest.raises(RejectedInput) as refused:
            await set_protocol(s, "new-study", bad, actor=ann)
        assert [p.field for p in refused.value.problems] == [
            "scale",
            "agreement_threshold",
            "stopping.max_rounds",
        ]
        await open_round(s, "new-study", 1, actor=ann)
        with pytest.raises(Conflict, match="locked") as locked:
            await set_protocol(s, "new-study", Protocol(), actor=ann)
        assert locked.value.code == "protocol_locked"
        view = await protocol_view(s, "new-study", actor=ann)
        assert view.locked_at is not None
        assert not view.may_edit
        assert view.protocol == wanted
        changes = list(
            await s.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "protocol.updated")
            )
        )
    assert changes == [
        {
            "changed": {
                "agreement_threshold": {"before": 0.7, "after": 0.8},
                "rule": {"before": "percent_iqr", "after": "rand_ucla"},
            }
        }
    ]


async def test_study_folders_are_offered_by_name_and_loaded_only_by_a_listed_name(
    sessionmaker: Maker, demo_study_dir: Path, tmp_path: Path
) -> None:
    rounds = tmp_path / "rounds"
    shutil.copytree(demo_study_dir, rounds / "connected-icb")
    (rounds / "broken").mkdir()
    (rounds / "broken" / "study.toml").write_text("[study]\nid = 'x'\n", encoding="utf-8")
    (rounds / "notes").mkdir()  # no study.toml: not offered
    ann = await _creator(sessionmaker, "ann@example.org")
    folders = study_folders(rounds, actor=ann)
    assert [(f.name, f.study_id, f.problem is None) for f in folders] == [
        ("broken", None, False),
        ("connected-icb", "connected-icb", True),
    ]
    async with sessionmaker() as s:
        for name in ("../rounds/connected-icb", str(rounds / "connected-icb"), "notes"):
            with pytest.raises(RejectedInput, match="choose one of the study folders"):
                await load_study_folder(s, rounds, name, actor=ann)
        loaded = await load_study_folder(s, rounds, "connected-icb", actor=ann)
        assert loaded.created
        assert loaded.added_participants == 16
        ann = await actor_for_account(s, ann.id)  # type: ignore[arg-type]
        assert ann.roles_in(loaded.study.id) == {StudyRole.FACILITATOR}
        again = await load_study_folder(s, rounds, "connected-icb", actor=ann)
        assert not again.changed
