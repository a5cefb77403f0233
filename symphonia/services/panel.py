"""Importing a panel list: panellists added or updated with their emails, staff given roles.

The rows come checked by :mod:`symphonia.interchange.panel`; here they are checked against
the study (its stakeholder groups, the addresses other panellists hold, the protocol lock)
and applied in one transaction, all or nothing, with every problem listed by its line.

- An **expert** row adds a panellist or updates one found by pseudonym: their email, group
  and name. Once round 1 has opened a panellist's group is fixed (their contributions are
  attributed through it, the rule :mod:`symphonia.services.studies` applies to study files
  too). A changed address ends the links sent to the old one: an invitation that went to a
  wrong address must not stay usable.
- A **staff** row (facilitator, editor, reader) gives an account that role in the study,
  making the account first when the address has none (it may create no studies: that stays
  the operator's decision). The study never loses its last facilitator this way.

Panellists missing from the list are left as they are: an import adds and updates, it never
removes anyone (their contributions stay attributed).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission, StudyRole
from symphonia.core.study import Anonymity
from symphonia.core.text_rules import refusal_summary
from symphonia.db.audit import record_event
from symphonia.db.enums import ParticipantRole
from symphonia.db.models import (
    Account,
    MembershipRole,
    Participant,
    SignInLink,
    StakeholderGroup,
    Study,
    StudyMembership,
)
from symphonia.interchange.panel import PanelRow
from symphonia.services.errors import Problem, RejectedInput
from symphonia.services.permissions import require, study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class PanelImport:
    """What an import changed (pseudonyms for panellists, emails for staff)."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    accounts_created: tuple[str, ...] = ()
    roles_granted: tuple[str, ...] = ()
    """``email: role`` for each account whose role in the study was given or changed."""
    links_revoked: int = 0
    """Unused sign-in links ended because their panellist's address changed."""


@dataclass
class _Plan:
    problems: list[Problem] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    readdressed: list[uuid.UUID] = field(default_factory=list)


async def import_panel(
    session: AsyncSession, slug: str, rows: Sequence[PanelRow], *, source: str, actor: Actor
) -> PanelImport:
    """Apply the checked `rows` of the list read from `source` to the study (see the module
    docstring); refused whole, with every problem at `source:line`, when any row breaks a
    rule of the study."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.MANAGE_PANEL, lock=True)
        staff = [r for r in rows if r.staff]
        if staff:
            require(actor, study.id, Permission.MANAGE_MEMBERS, study.slug)
        plan = await _apply_experts(session, study, [r for r in rows if not r.staff], source)
        created, granted = await _apply_staff(session, study, staff, source, actor, plan)
        if plan.problems:  # raised inside the transaction: everything above rolls back
            summary = refusal_summary(source, len(plan.problems))
            raise RejectedInput(summary, plan.problems, code="panel_refused")
        revoked = await _end_links(session, plan.readdressed)
        outcome = PanelImport(
            tuple(plan.added),
            tuple(plan.updated),
            plan.unchanged,
            tuple(created),
            tuple(granted),
            revoked,
        )
        record_event(
            session,
            actor,
            "panel.imported",
            "study",
            study.slug,
            study_id=study.id,
            detail={
                "source": source,
                "added": outcome.added,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "accounts_created": outcome.accounts_created,
                "roles_granted": outcome.roles_granted,
                "links_revoked": revoked,
            },
        )
    return outcome


async def _apply_experts(
    session: AsyncSession, study: Study, rows: list[PanelRow], source: str
) -> _Plan:
    plan = _Plan()
    groups = {
        g.key: g.id
        for g in await session.scalars(
            select(StakeholderGroup).where(StakeholderGroup.study_id == study.id)
        )
    }
    people = {
        p.pseudonym: p
        for p in await session.scalars(select(Participant).where(Participant.study_id == study.id))
    }
    final_email = {p.pseudonym: p.email for p in people.values()}
    final_email.update(
        {r.pseudonym: r.email or final_email.get(r.pseudonym) for r in rows if r.pseudonym}
    )
    holder: dict[str, str] = {}
    for pseudonym, email in final_email.items():
        if email is not None:
            holder.setdefault(email, pseudonym)

    def problem(row: PanelRow, name: str, reason: str) -> None:
        plan.problems.append(Problem(f"{source}:{row.line}", name, reason))

    changes: list[tuple[Participant | None, PanelRow, uuid.UUID | None]] = []
    for row in rows:
        assert row.pseudonym is not None
        assert row.group is not None
        existing = people.get(row.pseudonym)
        group_id = groups.get(row.group)
        if group_id is None:
            known = ", ".join(sorted(groups)) or "(the study declares none)"
            problem(
                row, "group", f"unknown stakeholder group {row.group!r}; expected one of {known}"
            )
        if row.email is not None and holder.get(row.email) != row.pseudonym:
            problem(row, "email", f"{row.email} is {holder[row.email]}'s address in this study")
        problem_of_name = _name_problem(study.anonymity, row, existing)
        if problem_of_name:
            problem(row, "name", problem_of_name)
        if existing is not None:
            if existing.role is not ParticipantRole.EXPERT:
                problem(
                    row,
                    "role",
                    f"{row.pseudonym} is on the panel as a {existing.role.value}; staff work "
                    "through accounts, so give the expert another pseudonym",
                )
            elif study.protocol_locked_at is not None and group_id not in (None, existing.group_id):
                problem(
                    row,
                    "group",
                    f"stakeholder groups are fixed once round 1 has opened; {row.pseudonym} "
                    "stays in their group (add them under a new pseudonym to record a change)",
                )
        changes.append((existing, row, group_id))
    if plan.problems:
        return plan
    # Addresses move first to nobody, then to their new holder: two panellists swapping
    # addresses in one list must not trip the one-address-per-study rule halfway through.
    moving = [(p, r) for p, r, _ in changes if p is not None and r.email and p.email != r.email]
    for person, _row in moving:
        if person.email is not None:
            plan.readdressed.append(person.id)
        person.email = None
    await session.flush()
    for existing, row, group_id in changes:
        _apply_expert(session, study, existing, row, group_id, plan)
    await session.flush()
    return plan


def _name_problem(anonymity: Anonymity, row: PanelRow, existing: Participant | None) -> str | None:
    if anonymity is Anonymity.ANONYMOUS and row.name:
        return "names must not be recorded in an anonymous study"
    has_name = row.name or (existing.display_name if existing is not None else None)
    if anonymity is Anonymity.NAMED and not has_name:
        return "a named study needs every panellist's name (add a name column)"
    return None


def _apply_expert(
    session: AsyncSession,
    study: Study,
    existing: Participant | None,
    row: PanelRow,
    group_id: uuid.UUID | None,
    plan: _Plan,
) -> None:
    assert row.pseudonym is not None
    if existing is None:
        session.add(
            Participant(
                study_id=study.id,
                pseudonym=row.pseudonym,
                role=ParticipantRole.EXPERT,
                group_id=group_id,
                email=row.email,
                display_name=row.name,
            )
        )
        plan.added.append(row.pseudonym)
        return
    wanted = {
        "group_id": group_id,
        "email": row.email or existing.email,
        "display_name": row.name or existing.display_name,
    }
    before = {name: getattr(existing, name) for name in wanted}
    for name, value in wanted.items():
        if getattr(existing, name) != value:
            setattr(existing, name, value)
    moved = existing.id in plan.readdressed
    if before != wanted or moved:
        plan.updated.append(row.pseudonym)
    else:
        plan.unchanged += 1


async def _apply_staff(
    session: AsyncSession,
    study: Study,
    rows: list[PanelRow],
    source: str,
    actor: Actor,
    plan: _Plan,
) -> tuple[list[str], list[str]]:
    """Create or find each staff row's account and give it its role; refuses (through
    `plan.problems`) a list that would leave the study without a facilitator."""
    created: list[str] = []
    granted: list[str] = []
    if not rows:
        return created, granted
    emails = [r.email for r in rows if r.email]
    accounts = {
        a.email: a for a in await session.scalars(select(Account).where(Account.email.in_(emails)))
    }
    memberships = {
        m.account_id: m
        for m in await session.scalars(
            select(StudyMembership).where(StudyMembership.study_id == study.id)
        )
    }
    facilitators_before = sum(m.role is MembershipRole.FACILITATOR for m in memberships.values())
    after: dict[uuid.UUID | str, MembershipRole] = {k: m.role for k, m in memberships.items()}
    for row in rows:
        assert row.email is not None
        account = accounts.get(row.email)
        after[account.id if account is not None else row.email] = MembershipRole(row.role.value)
    facilitators_after = sum(role is MembershipRole.FACILITATOR for role in after.values())
    if facilitators_before and not facilitators_after and not actor.unrestricted:
        line = next(r.line for r in rows if r.role is not StudyRole.FACILITATOR)
        plan.problems.append(
            Problem(f"{source}:{line}", "role", "the study would be left without a facilitator")
        )
    if plan.problems:
        return created, granted
    for row in rows:
        assert row.email is not None
        account = accounts.get(row.email)
        if account is None:
            account = Account(
                email=row.email,
                display_name=(row.name or row.email.split("@")[0])[:200],
                may_create_studies=False,
            )
            session.add(account)
            await session.flush()
            created.append(row.email)
            record_event(
                session,
                actor,
                "account.created",
                "account",
                account.id,
                study.id,
                {"email": row.email, "may_create_studies": False, "source": source},
            )
        role = MembershipRole(row.role.value)
        membership = memberships.get(account.id)
        if membership is not None and membership.role is role:
            continue
        before = membership.role.value if membership is not None else None
        if membership is None:
            membership = StudyMembership(account_id=account.id, study_id=study.id, role=role)
            session.add(membership)
            memberships[account.id] = membership
        membership.role = role
        granted.append(f"{row.email}: {role.value}")
        record_event(
            session,
            actor,
            "membership.granted",
            "account",
            account.id,
            study.id,
            {"email": row.email, "role": role.value, "before": before},
        )
    await session.flush()
    return created, granted


async def _end_links(session: AsyncSession, participant_ids: list[uuid.UUID]) -> int:
    """Revoke the unused links of panellists whose address changed; how many were ended."""
    if not participant_ids:
        return 0
    now = datetime.datetime.now(datetime.UTC)
    done = await session.execute(
        update(SignInLink)
        .where(
            SignInLink.participant_id.in_(participant_ids),
            SignInLink.used_at.is_(None),
            SignInLink.revoked_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)
