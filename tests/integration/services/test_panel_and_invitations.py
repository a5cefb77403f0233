"""Panel import, invitations and reminders, participation: through the services, on both
databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.db.models import Account, AuditEvent, Participant, SignInLink, StudyMembership
from symphonia.interchange.panel import parse_panel
from symphonia.mail import Mail, MailError
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, RejectedInput
from symphonia.services.invitation_mail import Delivery, send_one
from symphonia.services.invitations import MailPlan, plan_invitations, plan_reminders
from symphonia.services.panel import import_panel
from symphonia.services.panel_view import InvitationState, panel_view
from symphonia.services.participation import participation
from symphonia.services.principals import actor_for_account
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.services.tokens import redeem_sign_in_link

Maker = async_sessionmaker[AsyncSession]
OPERATOR = Actor.operator("test")
SLUG = "panel-study"


class Outbox:
    def __init__(self, fail_for: frozenset[str] = frozenset()) -> None:
        self.sent: list[Mail] = []
        self.fail_for = fail_for

    def send(self, mail: Mail) -> str:
        if mail.to in self.fail_for:
            raise MailError("the mail server 127.0.0.1:25 refused or failed: 550 no such user")
        self.sent.append(mail)
        return f"/outbox/{len(self.sent)}.eml"


def _definition() -> StudyDefinition:
    return StudyDefinition(
        id=SLUG,
        title="Panel study",
        question="What first?",
        groups=(StakeholderGroup("clin", "Clinicians"), StakeholderGroup("par", "Parents")),
        panel=(Panellist("E01", "clin"),),
        rounds=(RoundDefinition(1, RoundKind.CONTRIBUTE), RoundDefinition(2, RoundKind.RATE)),
    )


@pytest.fixture
async def facilitator(sessionmaker: Maker) -> Actor:
    async with sessionmaker() as s:
        await load_study(s, _definition(), actor=OPERATOR)
        account = await create_account(s, "fac@example.org", actor=OPERATOR)
        await grant_role(s, account.email, SLUG, StudyRole.FACILITATOR, actor=OPERATOR)
        return await actor_for_account(s, account.id)


async def _send(s: AsyncSession, plan: MailPlan, outbox: Outbox, actor: Actor) -> list[Delivery]:
    """Send every message of the plan, as a mailing does, one after another."""
    return [
        await send_one(s, plan, r, mailer=outbox, link_for=lambda t: f"L/{t}", actor=actor)
        for r in plan.recipients
    ]


def _rows(text: str) -> list:  # type: ignore[type-arg]
    result = parse_panel(text)
    assert result.ok, result.errors
    return list(result.records)


CSV = (
    "pseudonym,email,group,role,name\n"
    "E01,ann@example.org,clin,expert,\n"
    "E02,bea@example.org,par,expert,\n"
    "E03,,par,expert,\n"
    ",ed@example.org,,editor,Ed Itor\n"
)


async def test_an_import_adds_updates_and_gives_staff_their_roles(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    async with sessionmaker() as s:
        done = await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
    assert (done.added, done.updated, done.unchanged) == (("E02", "E03"), ("E01",), 0)
    assert done.accounts_created == ("ed@example.org",)
    assert done.roles_granted == ("ed@example.org: editor",)
    async with sessionmaker() as s:
        again = await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
        assert (again.added, again.updated, again.unchanged) == ((), (), 3)
        assert again.roles_granted == ()
        editor = await s.scalar(select(Account).where(Account.email == "ed@example.org"))
        assert editor is not None
        assert (editor.display_name, editor.may_create_studies) == ("Ed Itor", False)
        events = list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.at)))
    assert events.count("panel.imported") == 2
    assert "membership.granted" in events


async def test_a_list_that_breaks_a_rule_of_the_study_imports_nothing(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    async with sessionmaker() as s:
        await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
    bad = (
        "pseudonym,email,group\n"
        "E04,dan@example.org,clin\n"  # fine on its own
        "E05,ann@example.org,clin\n"  # E01's address
        "E06,fay@example.org,nurses\n"  # no such group
    )
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_panel(s, SLUG, _rows(bad), source="new.csv", actor=facilitator)
    assert [(p.location, p.field) for p in refused.value.problems] == [
        ("new.csv:3", "email"),
        ("new.csv:4", "group"),
    ]
    assert "nothing was imported" in refused.value.summary
    async with sessionmaker() as s:
        pseudonyms = set(await s.scalars(select(Participant.pseudonym)))
    assert "E04" not in pseudonyms


async def test_after_round_one_opens_groups_stay_and_a_new_address_ends_old_links(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    outbox = Outbox()
    async with sessionmaker() as s:
        await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
        plan = await plan_invitations(s, SLUG, actor=facilitator)
        assert [r.pseudonym for r in plan.recipients] == ["E01", "E02"]
        assert plan.skipped == (("E03", "no email address"),)
        await _send(s, plan, outbox, facilitator)
        await open_round(s, SLUG, 1, actor=facilitator)
    moved = "pseudonym,email,group\nE01,ann@example.org,par\n"
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput, match="fixed once round 1 has opened"):
            await import_panel(s, SLUG, _rows(moved), source="p.csv", actor=facilitator)
    readdressed = "pseudonym,email,group\nE01,ann@new.example.org,clin\n"
    async with sessionmaker() as s:
        done = await import_panel(s, SLUG, _rows(readdressed), source="p.csv", actor=facilitator)
    assert (done.updated, done.links_revoked) == (("E01",), 1)
    old_link = outbox.sent[0].text.split("L/")[1].split()[0]
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied, match="revoked"):
            await redeem_sign_in_link(s, old_link)


async def test_invitations_are_recorded_and_a_refused_message_counts_as_not_invited(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    outbox = Outbox(fail_for=frozenset({"bea@example.org"}))
    async with sessionmaker() as s:
        await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
        plan = await plan_invitations(s, SLUG, actor=facilitator)
        results = await _send(s, plan, outbox, facilitator)
    assert [(d.recipient.pseudonym, d.sent) for d in results] == [("E01", True), ("E02", False)]
    assert "550 no such user" in (results[1].error or "")
    async with sessionmaker() as s:
        panel = await panel_view(s, SLUG, actor=facilitator)
        states = {p.pseudonym: p.state for p in panel.panellists}
        events = list(await s.execute(select(AuditEvent.action, AuditEvent.detail)))
        again = await plan_invitations(s, SLUG, actor=facilitator)
    assert states == {
        "E01": InvitationState.INVITED,
        "E02": InvitationState.NOT_INVITED,
        "E03": InvitationState.NO_EMAIL,
    }
    assert [r.pseudonym for r in again.recipients] == ["E02"]  # the failed one, again
    sent = [d for a, d in events if a == "invitation.sent"]
    failed = [d for a, d in events if a == "invitation.failed"]
    assert [d["pseudonym"] for d in sent] == ["E01"]
    assert [d["pseudonym"] for d in failed] == ["E02"]
    token = outbox.sent[0].text.split("L/")[1].split()[0]
    assert all(token not in str(d) for _, d in events)  # the token is never logged
    assert sent[0]["via"] == "outbox"


async def test_a_resend_ends_the_earlier_invitation(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    outbox = Outbox()
    async with sessionmaker() as s:
        await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
        for _ in range(2):
            plan = await plan_invitations(s, SLUG, pseudonyms=["E01"], actor=facilitator)
            await _send(s, plan, outbox, facilitator)
        links = list(await s.scalars(select(SignInLink).order_by(SignInLink.created_at)))
        with pytest.raises(RejectedInput, match="no expert 'E99'"):
            await plan_invitations(s, SLUG, pseudonyms=["E99"], actor=facilitator)
    assert [link.revoked_at is not None for link in links] == [True, False]


async def test_reminders_go_to_invited_experts_who_have_not_taken_part(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    outbox = Outbox()
    async with sessionmaker() as s:
        await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
        with pytest.raises(Conflict, match="reminders are for an open round"):
            await plan_reminders(s, SLUG, 1, actor=facilitator)
        plan = await plan_invitations(s, SLUG, actor=facilitator)
        await _send(s, plan, outbox, facilitator)
        await open_round(s, SLUG, 1, actor=facilitator)
        await import_fragments(
            s,
            SLUG,
            1,
            [Fragment("f1", "E01", FragmentKind.CLAIM, "Shared records first.", 4, "clin")],
            actor=OPERATOR,
        )
        reminders = await plan_reminders(s, SLUG, 1, actor=facilitator)
    assert [r.pseudonym for r in reminders.recipients] == ["E02"]
    assert reminders.skipped == (("E03", "no email address"),)


async def test_participation_counts_rounds_groups_and_attrition(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    async with sessionmaker() as s:
        await import_panel(s, SLUG, _rows(CSV), source="panel.csv", actor=facilitator)
        await open_round(s, SLUG, 1, actor=facilitator)
        fragments = [
            Fragment("f1", "E01", FragmentKind.CLAIM, "Shared records first.", 4, "clin"),
            Fragment("f2", "E02", FragmentKind.BARRIER, "Consent is unclear.", 3, "par"),
        ]
        await import_fragments(s, SLUG, 1, fragments, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=facilitator)
        await open_round(s, SLUG, 2, actor=facilitator)
        seen = await participation(s, SLUG, actor=facilitator)
    first, second = seen.rounds
    assert (first.total.experts, first.total.took_part, first.total.dropped) == (3, 2, None)
    assert (second.total.came_before, second.total.dropped, second.total.attrition) == (2, 2, 1.0)
    by_group = {t.label: (t.experts, t.took_part) for t in first.by_group}
    assert by_group == {"Clinicians": (1, 1), "Parents": (2, 1)}


async def test_only_who_may_manage_the_panel_imports_or_invites(
    sessionmaker: Maker, facilitator: Actor
) -> None:
    async with sessionmaker() as s:
        reader = await create_account(s, "reader@example.org", actor=OPERATOR)
        await grant_role(s, reader.email, SLUG, StudyRole.READER, actor=OPERATOR)
        as_reader = await actor_for_account(s, reader.id)
        stranger = await create_account(s, "x@example.org", actor=OPERATOR)
        as_stranger = await actor_for_account(s, stranger.id)
        for actor, error in ((as_reader, PermissionDenied), (as_stranger, NotFound)):
            with pytest.raises(error):
                await import_panel(s, SLUG, _rows(CSV), source="p.csv", actor=actor)
            with pytest.raises(error):
                await plan_invitations(s, SLUG, actor=actor)
            with pytest.raises(error):
                await panel_view(s, SLUG, actor=actor)
        demote = ",fac@example.org,,reader,\n"
        with pytest.raises(RejectedInput, match="without a facilitator"):
            await import_panel(
                s,
                SLUG,
                _rows("pseudonym,email,group,role,name\n" + demote),
                source="p.csv",
                actor=facilitator,
            )
        roles = list(await s.scalars(select(StudyMembership.role)))
    assert [r.value for r in roles].count("facilitator") == 1
