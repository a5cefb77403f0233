"""Who acts, and what each role in a study may do: one answer for the web, the API, the CLI
and the worker.

Roles are per study. Staff hold them through accounts (facilitator, editor, reader; one
account may hold roles in several studies); an expert is a participant of exactly one study.
Two kinds of actor stand outside the per-study roles: the local *operator* (the shell user
who owns the database, so refusing them anything would only be theatre) and the *system*
(a job acting on a request that was checked when it was made).

The checks themselves live in :mod:`symphonia.services.permissions`; this module is the
table they read, pure so that it can be tested exhaustively.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class StudyRole(enum.StrEnum):
    """What a person is to one study."""

    FACILITATOR = "facilitator"
    EDITOR = "editor"
    EXPERT = "expert"
    READER = "reader"


STAFF_ROLES: tuple[StudyRole, ...] = (StudyRole.FACILITATOR, StudyRole.EDITOR, StudyRole.READER)
"""The roles an account can hold (experts are participants, signed in by invitation)."""


class Permission(enum.StrEnum):
    """One thing a service may be asked to do within a study."""

    VIEW_STUDY = "view_study"
    """See that the study exists: its question, groups and rounds with their status."""
    VIEW_PARTICIPATION = "view_participation"
    """See who took part: counts per round and per stakeholder group, the panel."""
    MANAGE_STUDY = "manage_study"
    """Change the study's definition: question, groups, panel, schedule, and the protocol
    until it locks."""
    MANAGE_MEMBERS = "manage_members"
    """Give staff accounts a role in the study, or take it away."""
    MANAGE_PANEL = "manage_panel"
    """Invite panellists, send reminders, issue and revoke their sign-in links and tokens."""
    RUN_ROUNDS = "run_rounds"
    """Open and close rounds."""
    IMPORT_DATA = "import_data"
    """Import fragments and ratings from files on the panel's behalf."""
    CONTRIBUTE = "contribute"
    """Submit, edit and withdraw one's own fragments and ratings."""
    RUN_ANALYSIS = "run_analysis"
    """Request an analysis and drafting run, and follow its progress."""
    VIEW_DRAFTS = "view_drafts"
    """Read unpublished synthesis versions with the evidence behind them."""
    EDIT_SYNTHESIS = "edit_synthesis"
    """Amend, merge, split and reclassify statements of a draft."""
    APPROVE_SYNTHESIS = "approve_synthesis"
    """Approve a version for publication."""
    PUBLISH = "publish"
    """Publish an approved version."""
    VIEW_PUBLISHED = "view_published"
    """Read published versions and follow any statement to its evidence."""


_READ = frozenset({Permission.VIEW_STUDY, Permission.VIEW_PUBLISHED})

ROLE_PERMISSIONS: Mapping[StudyRole, frozenset[Permission]] = MappingProxyType(
    {
        StudyRole.FACILITATOR: frozenset(Permission),
        StudyRole.EDITOR: _READ
        | {
            Permission.VIEW_PARTICIPATION,
            Permission.VIEW_DRAFTS,
            Permission.EDIT_SYNTHESIS,
            Permission.APPROVE_SYNTHESIS,
        },
        StudyRole.EXPERT: _READ | {Permission.CONTRIBUTE},
        StudyRole.READER: _READ,
    }
)
"""What each role may do. Facilitators run the study and may do everything in it; editors
work on drafts and approve them (publishing stays with the facilitator, so two people see a
text before it goes out); experts contribute; readers read what is published."""


class ActorKind(enum.StrEnum):
    ACCOUNT = "account"
    PARTICIPANT = "participant"
    OPERATOR = "operator"
    SYSTEM = "system"


UNRESTRICTED: frozenset[ActorKind] = frozenset({ActorKind.OPERATOR, ActorKind.SYSTEM})
"""Kinds that hold every permission in every study (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: recorded in the audit log, and checked by every service.

    `id` is the account's or participant's id (None for the operator and the system);
    `label` is how the audit log names them (``account:ann@example.org``, ``participant:E07``,
    ``cli``); `roles` maps each study id to the roles held in it; `may_create_studies` is the
    one permission that belongs to no study, since the study does not exist yet.
    """

    kind: ActorKind
    id: uuid.UUID | None
    label: str
    roles: Mapping[uuid.UUID, frozenset[StudyRole]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    may_create_studies: bool = False

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ValueError("an actor needs a label for the audit log")
        if (self.id is None) != (self.kind in UNRESTRICTED):
            raise ValueError(f"a {self.kind.value} actor {'has' if self.id else 'needs'} an id")
        frozen = {study: frozenset(roles) for study, roles in self.roles.items() if roles}
        object.__setattr__(self, "roles", MappingProxyType(frozen))

    @classmethod
    def operator(cls, label: str = "cli") -> Actor:
        """The local operator: the shell user who owns the database."""
        return cls(ActorKind.OPERATOR, None, label, may_create_studies=True)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """A job or another process acting on a request checked when it was made."""
        return cls(ActorKind.SYSTEM, None, label, may_create_studies=True)

    @property
    def unrestricted(self) -> bool:
        return self.kind in UNRESTRICTED

    @property
    def account_id(self) -> uuid.UUID | None:
        """The account behind this actor, for `created_by_id` and the like (None otherwise)."""
        return self.id if self.kind is ActorKind.ACCOUNT else None

    @property
    def participant_id(self) -> uuid.UUID | None:
        return self.id if self.kind is ActorKind.PARTICIPANT else None

    def roles_in(self, study_id: uuid.UUID) -> frozenset[StudyRole]:
        return self.roles.get(study_id, frozenset())

    def can(self, study_id: uuid.UUID, permission: Permission) -> bool:
        """Whether this actor may do `permission` in the study (no I/O, no refusal)."""
        if self.unrestricted:
            return True
        return any(permission in ROLE_PERMISSIONS[r] for r in self.roles_in(study_id))

    def sees(self, study_id: uuid.UUID) -> bool:
        """Whether the study exists as far as this actor can tell."""
        return self.unrestricted or bool(self.roles_in(study_id))

    def with_role(self, study_id: uuid.UUID, role: StudyRole) -> Actor:
        """The same actor holding `role` in the study too (e.g. after creating it)."""
        roles = dict(self.roles)
        roles[study_id] = self.roles_in(study_id) | {role}
        return Actor(self.kind, self.id, self.label, roles, self.may_create_studies)


__all__ = [
    "ROLE_PERMISSIONS",
    "STAFF_ROLES",
    "UNRESTRICTED",
    "Actor",
    "ActorKind",
    "Permission",
    "StudyRole",
]
