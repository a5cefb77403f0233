"""Staff accounts, their roles per study, and the secrets people sign in with.

Experts are not accounts: each is a `participant` of one study, signed in from an invitation
link. Facilitators, editors and readers are accounts that may hold a role in several studies.
Secrets (sign-in links, API tokens) are stored only as the SHA-256 of a 32-byte random token:
the raw token is shown once, when it is issued, and a stolen database holds nothing usable.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.db.models.base import AuditColumns, Base, CreatedAt, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.study import Study


class MembershipRole(enum.StrEnum):
    """The roles an account can hold in a study (`symphonia.core.actors.STAFF_ROLES`)."""

    FACILITATOR = "facilitator"
    EDITOR = "editor"
    READER = "reader"


class LinkPurpose(enum.StrEnum):
    INVITATION = "invitation"
    """The first link a panellist gets, by email or from `symphonia panel links`."""
    SIGN_IN = "sign_in"
    """A fresh link for someone who lost their session (or an account's first sign-in)."""


_ONE_HOLDER = "(participant_id IS NULL) <> (account_id IS NULL)"
"""A link or token belongs to exactly one participant or one account."""


class Account(AuditColumns, Base):
    """A member of staff. `email` is stored lower-cased, so it is unique case-insensitively.

    `password_hash` is an argon2 hash (pwdlib), or None for someone who signs in by link only;
    `auth_epoch` goes up whenever every existing session must end (a new password, a
    deactivation), and web sessions carry the epoch they were made in.
    """

    __tablename__ = "account"

    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    may_create_studies: Mapped[bool] = mapped_column(default=False)
    auth_epoch: Mapped[int] = mapped_column(default=0)

    memberships: Mapped[list[StudyMembership]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class StudyMembership(AuditColumns, Base):
    """An account's role in one study: one role per account and study (a facilitator can
    already do all an editor can)."""

    __tablename__ = "study_membership"
    __table_args__ = (sa.UniqueConstraint("account_id", "study_id"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    study_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("study.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(enum_type(MembershipRole, "membership_role"))

    account: Mapped[Account] = relationship(back_populates="memberships")
    study: Mapped[Study] = relationship()


class HeldSecret(CreatedAt):
    """A hashed secret held by exactly one participant or one account, revocable."""

    __table_args__ = (sa.CheckConstraint(_ONE_HOLDER, name="one_holder"),)

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime.datetime | None]


class SignInLink(HeldSecret, Base):
    """A single-use, expiring, revocable link that signs a participant or an account in."""

    __tablename__ = "sign_in_link"

    purpose: Mapped[LinkPurpose] = mapped_column(enum_type(LinkPurpose, "link_purpose"))
    expires_at: Mapped[datetime.datetime]
    used_at: Mapped[datetime.datetime | None]


class ApiToken(HeldSecret, Base):
    """A bearer token for the JSON API, scoped to one participant or one account."""

    __tablename__ = "api_token"

    label: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime.datetime | None]
    last_used_at: Mapped[datetime.datetime | None]
