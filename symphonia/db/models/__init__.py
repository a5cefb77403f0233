"""All Symphonia models, importable from one place, and `metadata` for Alembic.

Importing this package also installs the immutability guards (`symphonia.db.immutability`).
"""

from __future__ import annotations

from symphonia.db.models.accounts import (
    Account,
    ApiToken,
    LinkPurpose,
    MembershipRole,
    SignInLink,
    StudyMembership,
)
from symphonia.db.models.analysis import AnalysisRun, SingularView, Theme, ThemeMember
from symphonia.db.models.audit import AuditEvent
from symphonia.db.models.base import NAMING_CONVENTION, Base, metadata
from symphonia.db.models.contributions import FragmentDraft, FragmentWithdrawal
from symphonia.db.models.exports import ReportExport
from symphonia.db.models.flags import FlagAnswer, StatementFlag
from symphonia.db.models.mailings import (
    DeliveryState,
    MailDelivery,
    Mailing,
    MailingState,
    MailKind,
)
from symphonia.db.models.priorities import (
    ItemOrigin,
    PriorityItem,
    PriorityScore,
    PrioritySetup,
)
from symphonia.db.models.rounds import Fragment, Rating, RatingItem, RatingTally, Round
from symphonia.db.models.shared import shared_store
from symphonia.db.models.study import Participant, StakeholderGroup, Study
from symphonia.db.models.synthesis import (
    Amendment,
    Citation,
    Publication,
    Statement,
    SynthesisVersion,
)

__all__ = [
    "NAMING_CONVENTION",
    "Account",
    "Amendment",
    "AnalysisRun",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Citation",
    "DeliveryState",
    "FlagAnswer",
    "Fragment",
    "FragmentDraft",
    "FragmentWithdrawal",
    "ItemOrigin",
    "LinkPurpose",
    "MailDelivery",
    "MailKind",
    "Mailing",
    "MailingState",
    "MembershipRole",
    "Participant",
    "PriorityItem",
    "PriorityScore",
    "PrioritySetup",
    "Publication",
    "Rating",
    "RatingItem",
    "RatingTally",
    "ReportExport",
    "Round",
    "SignInLink",
    "SingularView",
    "StakeholderGroup",
    "Statement",
    "StatementFlag",
    "Study",
    "StudyMembership",
    "SynthesisVersion",
    "Theme",
    "ThemeMember",
    "metadata",
    "shared_store",
]


def _install_guards() -> None:
    from symphonia.db import immutability

    immutability.install()


_install_guards()
