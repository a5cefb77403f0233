"""Staff accounts and their roles per study, passwords, and the first run's facilitator.

An account's `auth_epoch` goes up with a new password or a deactivation, which ends every
session made before (see :mod:`symphonia.services.principals`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import STAFF_ROLES, Actor, Permission, StudyRole
from symphonia.db.audit import record_event
from symphonia.db.models import Account, MembershipRole, Study, StudyMembership
from symphonia.services import passwords
from symphonia.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    Problem,
    RejectedInput,
)
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class MembershipView:
    study_id: uuid.UUID
    study_slug: str
    role: StudyRole


@dataclass(frozen=True, slots=True)
class AccountView:
    id: uuid.UUID
    email: str
    display_name: str
    is_active: bool
    may_create_studies: bool
    has_password: bool
    auth_epoch: int
    memberships: tuple[MembershipView, ...]


def normalise_email(email: str) -> str:
    """The stored form of an email (trimmed, lower-cased), or a refusal saying why not."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    reason = None
    if not at or not local or not domain.strip(".") or "@" in domain:
        reason = f"{email!r} is not an email address"
    elif len(value) > 320 or any(c.isspace() or ord(c) < 32 for c in value):
        reason = "must be at most 320 characters, without spaces or control characters"
    if reason:
        raise RejectedInput("the email cannot be used", [Problem("account", "email", reason)])
    return value


async def _view(session: AsyncSession, account: Account) -> AccountView:
    rows = await session.execute(
        select(StudyMembership.study_id, Study.slug, StudyMembership.role)
        .join(Study, Study.id == StudyMembership.study_id)
        .where(StudyMembership.account_id == account.id)
        .order_by(Study.slug)
    )
    return AccountView(
        id=account.id,
        email=account.email,
        display_name=account.display_name,
        is_active=account.is_active,
        may_create_studies=account.may_create_studies,
        has_password=account.password_hash is not None,
        auth_epoch=account.auth_epoch,
        memberships=tuple(MembershipView(i, s, StudyRole(r.value)) for i, s, r in rows),
    )


async def _account(session: AsyncSession, email: str) -> Account:
    account = await session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None:
        raise NotFound(f"no account for {email!r}", code="unknown_account")
    return account


def _may_manage_accounts(actor: Actor) -> None:
    if not (actor.unrestricted or actor.may_create_studies):
        raise PermissionDenied(f"{actor.label} may not manage accounts", code="permission_denied")


async def create_account(
    session: AsyncSession,
    email: str,
    *,
    display_name: str | None = None,
    password: str | None = None,
    may_create_studies: bool = False,
    actor: Actor,
) -> AccountView:
    """A new staff account (no role in any study yet: see :func:`grant_role`)."""
    _may_manage_accounts(actor)
    address = normalise_email(email)
    name = (display_name or address.split("@")[0]).strip()[:200]
    hashed = passwords.hash_password(password) if password is not None else None
    async with transaction(session):
        if await session.scalar(select(Account.id).where(Account.email == address)):
            raise Conflict(f"an account for {address!r} exists already", code="account_exists")
        account = Account(
            email=address,
            display_name=name,
            password_hash=hashed,
            may_create_studies=may_create_studies,
        )
        session.add(account)
        await session.flush()
        detail = {"email": address, "may_create_studies": may_create_studies}
        record_event(session, actor, "account.created", "account", account.id, detail=detail)
        return await _view(session, account)


async def _membership(
    session: AsyncSession, email: str, slug: str, actor: Actor
) -> tuple[Study, Account, StudyMembership | None]:
    """The study (once `actor` may manage its members), the account, and its membership."""
    study = await study_for(session, slug, actor, Permission.MANAGE_MEMBERS)
    account = await _account(session, email)
    membership = await session.scalar(
        select(StudyMembership).where(
            StudyMembership.account_id == account.id, StudyMembership.study_id == study.id
        )
    )
    return study, account, membership


async def grant_role(
    session: AsyncSession, email: str, slug: str, role: StudyRole, *, actor: Actor
) -> AccountView:
    """Give the account `role` in the study (replacing the role it had there)."""
    if role not in STAFF_ROLES:
        staff = ", ".join(r.value for r in STAFF_ROLES)
        reason = f"{role.value!r} is not a staff role; expected one of {staff}"
        raise RejectedInput("the role cannot be granted", [Problem("membership", "role", reason)])
    async with transaction(session):
        study, account, membership = await _membership(session, email, slug, actor)
        if membership is None:
            membership = StudyMembership(account_id=account.id, study_id=study.id)
            session.add(membership)
        before = membership.role.value if membership.role else None
        membership.role = MembershipRole(role.value)
        await session.flush()
        detail = {"email": account.email, "role": role.value, "before": before}
        record_event(session, actor, "membership.granted", "account", account.id, study.id, detail)
        return await _view(session, account)


async def revoke_role(session: AsyncSession, email: str, slug: str, *, actor: Actor) -> AccountView:
    """Take the account's role in the study away. A study keeps at least one facilitator
    account unless the operator removes it (who needs none)."""
    async with transaction(session):
        study, account, membership = await _membership(session, email, slug, actor)
        if membership is None:
            raise NotFound(
                f"{account.email} has no role in study {slug!r}", code="unknown_membership"
            )
        if membership.role is MembershipRole.FACILITATOR and not actor.unrestricted:
            facilitators = await session.scalar(
                select(func.count())
                .select_from(StudyMembership)
                .where(
                    StudyMembership.study_id == study.id,
                    StudyMembership.role == MembershipRole.FACILITATOR,
                )
            )
            if facilitators == 1:
                raise Conflict(
                    f"{account.email} is the last facilitator of study {slug!r}",
                    code="last_facilitator",
                    context={"study": slug},
                )
        await session.delete(membership)
        await session.flush()
        detail = {"email": account.email, "role": membership.role.value}
        record_event(session, actor, "membership.revoked", "account", account.id, study.id, detail)
        return await _view(session, account)


async def find_account(session: AsyncSession, email: str, *, actor: Actor) -> AccountView:
    _may_manage_accounts(actor)
    async with transaction(session, write=False):
        return await _view(session, await _account(session, email))


async def list_accounts(session: AsyncSession, *, actor: Actor) -> tuple[AccountView, ...]:
    _may_manage_accounts(actor)
    async with transaction(session, write=False):
        accounts = list(await session.scalars(select(Account).order_by(Account.email)))
        return tuple([await _view(session, a) for a in accounts])


async def set_password(
    session: AsyncSession, account_id: uuid.UUID, password: str, *, actor: Actor
) -> None:
    """Set the account's password (its owner, or the operator); every other session of the
    account ends (its `auth_epoch` goes up)."""
    if not (actor.unrestricted or actor.account_id == account_id):
        raise PermissionDenied(f"{actor.label} may not set this password", code="permission_denied")
    hashed = passwords.hash_password(password)
    async with transaction(session):
        account = await session.get(Account, account_id)
        if account is None:
            raise NotFound("no such account", code="unknown_account")
        account.password_hash = hashed
        account.auth_epoch += 1
        record_event(session, actor, "account.password_set", "account", account.id)


async def verify_password(session: AsyncSession, email: str, password: str) -> AccountView:
    """The account `email` and `password` sign in, or :class:`AuthenticationFailed` in the
    same words and (near enough) the same time for every reason."""
    try:
        address = normalise_email(email)
    except RejectedInput:
        address = ""
    async with transaction(session):
        account = await session.scalar(select(Account).where(Account.email == address))
        usable = account is not None and account.is_active
        stored = account.password_hash if account is not None and usable else None
        ok, upgraded = passwords.verify(password, stored)
        if not ok or account is None:
            raise AuthenticationFailed("wrong email or password", code="wrong_password")
        if upgraded is not None:
            account.password_hash = upgraded
        return await _view(session, account)


async def set_account_active(
    session: AsyncSession, email: str, active: bool, *, actor: Actor
) -> AccountView:
    """Deactivate (every session ends) or reactivate an account."""
    _may_manage_accounts(actor)
    async with transaction(session):
        account = await _account(session, email)
        if account.is_active != active:
            account.is_active = active
            account.auth_epoch += 1
            action = "account.activated" if active else "account.deactivated"
            record_event(session, actor, action, "account", account.id)
        return await _view(session, account)


async def first_facilitator(
    session: AsyncSession, email: str, *, actor: Actor
) -> tuple[AccountView, bool]:
    """The first run's facilitator: the oldest active account that may create studies, or,
    when there is none, a new one for `email` (True when it was made now)."""
    async with transaction(session):
        existing = await session.scalar(
            select(Account)
            .where(Account.is_active.is_(True), Account.may_create_studies.is_(True))
            .order_by(Account.created_at)
            .limit(1)
            .options(selectinload(Account.memberships))
        )
        if existing is not None:
            return await _view(session, existing), False
        made = await create_account(session, email, may_create_studies=True, actor=actor)
    return made, True
