"""Staff accounts, roles per study, passwords, and the Actor a session turns into."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, ActorKind, StudyRole
from symphonia.db.models import Account, AuditEvent, Participant, Study
from symphonia.services.accounts import (
    create_account,
    first_facilitator,
    grant_role,
    list_accounts,
    revoke_role,
    set_account_active,
    set_password,
    verify_password,
)
from symphonia.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RejectedInput,
)
from symphonia.services.principals import actor_for_account, actor_for_participant
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
PASSWORD = "correct horse battery"


@pytest.fixture
async def study(sessionmaker: Maker, demo_study_dir: Path) -> Study:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        found = await s.scalar(select(Study))
    assert found is not None
    return found


async def test_emails_are_unique_whatever_their_case(sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        made = await create_account(s, "  Ann@Example.ORG ", actor=OPERATOR)
    assert (made.email, made.display_name, made.has_password) == ("ann@example.org", "ann", False)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="exists already") as refused:
            await create_account(s, "ANN@example.org", actor=OPERATOR)
    assert refused.value.code == "account_exists"
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as bad:
            await create_account(s, "not an email", actor=OPERATOR)
    assert [(p.field, p.reason) for p in bad.value.problems] == [
        ("email", "'not an email' is not an email address")
    ]


async def test_roles_are_granted_replaced_and_revoked_per_study(
    sessionmaker: Maker, study: Study
) -> None:
    async with sessionmaker() as s:
        await create_account(s, "ed@example.org", actor=OPERATOR)
        view = await grant_role(s, "ed@example.org", SLUG, StudyRole.READER, actor=OPERATOR)
        assert [(m.study_slug, m.role) for m in view.memberships] == [(SLUG, StudyRole.READER)]
        view = await grant_role(s, "ED@example.org", SLUG, StudyRole.EDITOR, actor=OPERATOR)
        assert [m.role for m in view.memberships] == [StudyRole.EDITOR]
        actor = await actor_for_account(s, view.id)
        assert actor.roles_in(study.id) == {StudyRole.EDITOR}
        with pytest.raises(RejectedInput, match="not a staff role"):
            await grant_role(s, "ed@example.org", SLUG, StudyRole.EXPERT, actor=OPERATOR)
        # An editor may not change who works on the study.
        with pytest.raises(PermissionDenied):
            await grant_role(s, "ed@example.org", SLUG, StudyRole.FACILITATOR, actor=actor)
        view = await revoke_role(s, "ed@example.org", SLUG, actor=OPERATOR)
        assert view.memberships == ()
        assert (await actor_for_account(s, view.id)).roles == {}
        with pytest.raises(NotFound, match="has no role"):
            await revoke_role(s, "ed@example.org", SLUG, actor=OPERATOR)
        actions = list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.at)))
    assert actions[-4:] == [
        "account.created",
        "membership.granted",
        "membership.granted",
        "membership.revoked",
    ]


async def test_a_study_keeps_its_last_facilitator_unless_the_operator_says_so(
    sessionmaker: Maker, study: Study
) -> None:
    async with sessionmaker() as s:
        made = await create_account(s, "fa@example.org", actor=OPERATOR)
        await grant_role(s, made.email, SLUG, StudyRole.FACILITATOR, actor=OPERATOR)
        facilitator = await actor_for_account(s, made.id)
        with pytest.raises(Conflict, match="last facilitator"):
            await revoke_role(s, made.email, SLUG, actor=facilitator)
        await revoke_role(s, made.email, SLUG, actor=OPERATOR)


async def test_an_account_that_creates_a_study_facilitates_it(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    async with sessionmaker() as s:
        maker = await create_account(s, "lead@example.org", may_create_studies=True, actor=OPERATOR)
        plain = await create_account(s, "plain@example.org", actor=OPERATOR)
        lead = await actor_for_account(s, maker.id)
        nobody = await actor_for_account(s, plain.id)
        definition = read_study_file(demo_study_dir)
        with pytest.raises(PermissionDenied, match="may not create studies"):
            await load_study(s, definition, actor=nobody)
        outcome = await load_study(s, definition, actor=lead)
        assert outcome.created
        lead = await actor_for_account(s, maker.id)
        assert lead.roles_in(outcome.study.id) == {StudyRole.FACILITATOR}
        # Someone else's study id is taken, without telling them what it holds.
        other = await create_account(
            s, "other@example.org", may_create_studies=True, actor=OPERATOR
        )
        with pytest.raises(Conflict, match="is taken") as taken:
            await load_study(s, definition, actor=await actor_for_account(s, other.id))
    assert taken.value.code == "study_id_taken"


async def test_passwords_verify_in_one_voice_and_a_new_one_ends_other_sessions(
    sessionmaker: Maker,
) -> None:
    async with sessionmaker() as s:
        made = await create_account(s, "pw@example.org", password=PASSWORD, actor=OPERATOR)
        stored = await s.scalar(select(Account.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    async with sessionmaker() as s:
        assert (await verify_password(s, "PW@example.org", PASSWORD)).id == made.id
        refusals = []
        for email, password in [
            ("pw@example.org", "wrong password here"),
            ("nobody@example.org", PASSWORD),
            ("not an email", PASSWORD),
        ]:
            with pytest.raises(AuthenticationFailed) as refused:
                await verify_password(s, email, password)
            refusals.append((str(refused.value), refused.value.code))
    assert set(refusals) == {("wrong email or password", "wrong_password")}
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput, match="at least 12"):
            await set_password(s, made.id, "short", actor=OPERATOR)
        me = await actor_for_account(s, made.id, epoch=0)
        other = await create_account(s, "o@example.org", actor=OPERATOR)
        with pytest.raises(PermissionDenied):
            await set_password(
                s, made.id, "another long password", actor=await actor_for_account(s, other.id)
            )
        await set_password(s, made.id, "another long password", actor=me)
        with pytest.raises(NotFound) as ended:
            await actor_for_account(s, made.id, epoch=0)
        assert ended.value.code == "signed_out"
        assert (await actor_for_account(s, made.id, epoch=1)).id == made.id
        await set_account_active(s, made.email, False, actor=OPERATOR)
        with pytest.raises(NotFound):
            await actor_for_account(s, made.id)
        with pytest.raises(AuthenticationFailed):
            await verify_password(s, made.email, "another long password")


async def test_a_participant_actor_is_an_expert_of_one_study(
    sessionmaker: Maker, study: Study
) -> None:
    async with sessionmaker() as s:
        expert = await s.scalar(select(Participant).where(Participant.pseudonym == "E01"))
        facilitator = await s.scalar(select(Participant).where(Participant.pseudonym == "F01"))
        assert expert is not None
        assert facilitator is not None
        actor = await actor_for_participant(s, expert.id)
        panel_facilitator = await actor_for_participant(s, facilitator.id)
    assert actor.kind is ActorKind.PARTICIPANT
    assert actor.label == f"participant:{SLUG}/E01"
    assert dict(actor.roles) == {study.id: frozenset({StudyRole.EXPERT})}
    assert not actor.may_create_studies
    assert panel_facilitator.roles == {}  # staff act through accounts, not panel rows


async def test_only_the_operator_or_a_study_creator_manages_accounts(
    sessionmaker: Maker,
) -> None:
    async with sessionmaker() as s:
        plain = await create_account(s, "plain@example.org", actor=OPERATOR)
        actor = await actor_for_account(s, plain.id)
        with pytest.raises(PermissionDenied):
            await create_account(s, "x@example.org", actor=actor)
        with pytest.raises(PermissionDenied):
            await list_accounts(s, actor=actor)
        assert [a.email for a in await list_accounts(s, actor=OPERATOR)] == ["plain@example.org"]


async def test_the_first_run_facilitator_is_made_once(sessionmaker: Maker) -> None:
    system = Actor.system("first-run")
    async with sessionmaker() as s:
        first, made = await first_facilitator(s, "admin@localhost", actor=system)
        again, made_again = await first_facilitator(s, "other@example.org", actor=system)
    assert (made, made_again) == (True, False)
    assert again.id == first.id
    assert first.may_create_studies
