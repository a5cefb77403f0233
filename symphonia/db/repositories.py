"""One advanced-alchemy repository per aggregate, plus the few lookups services need often.

Repositories never commit on their own (`auto_commit=False` is advanced-alchemy's default);
services own the transaction, and call `symphonia.db.audit.record_event` inside it.
Note: advanced-alchemy wraps driver errors (e.g. unique violations become
`advanced_alchemy.exceptions.IntegrityError`) unless constructed with `wrap_exceptions=False`.
"""

from __future__ import annotations

import uuid

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import func, select

from symphonia.db.models import (
    AnalysisRun,
    AuditEvent,
    Fragment,
    Participant,
    Rating,
    RatingItem,
    Round,
    StakeholderGroup,
    Study,
    SynthesisVersion,
)


class StudyRepository(SQLAlchemyAsyncRepository[Study]):
    model_type = Study

    async def get_by_slug(self, slug: str) -> Study | None:
        return await self.get_one_or_none(Study.slug == slug)


class StakeholderGroupRepository(SQLAlchemyAsyncRepository[StakeholderGroup]):
    model_type = StakeholderGroup


class ParticipantRepository(SQLAlchemyAsyncRepository[Participant]):
    model_type = Participant

    async def get_by_pseudonym(self, study_id: uuid.UUID, pseudonym: str) -> Participant | None:
        return await self.get_one_or_none(
            Participant.study_id == study_id, Participant.pseudonym == pseudonym
        )

    async def get_by_token_hash(self, token_hash: str) -> Participant | None:
        return await self.get_one_or_none(Participant.token_hash == token_hash)


class RoundRepository(SQLAlchemyAsyncRepository[Round]):
    model_type = Round

    async def get_by_number(self, study_id: uuid.UUID, number: int) -> Round | None:
        return await self.get_one_or_none(Round.study_id == study_id, Round.number == number)


class FragmentRepository(SQLAlchemyAsyncRepository[Fragment]):
    """Fragments are append-only: use `add`/`add_many`; `update`/`delete` will be refused."""

    model_type = Fragment

    async def get_by_external_id(self, round_id: uuid.UUID, external_id: str) -> Fragment | None:
        return await self.get_one_or_none(
            Fragment.round_id == round_id, Fragment.external_id == external_id
        )


class RatingItemRepository(SQLAlchemyAsyncRepository[RatingItem]):
    model_type = RatingItem


class RatingRepository(SQLAlchemyAsyncRepository[Rating]):
    model_type = Rating


class AnalysisRunRepository(SQLAlchemyAsyncRepository[AnalysisRun]):
    model_type = AnalysisRun


class SynthesisVersionRepository(SQLAlchemyAsyncRepository[SynthesisVersion]):
    """Published versions are immutable: edits go into a new version (`next_number`)."""

    model_type = SynthesisVersion

    async def next_number(self, round_id: uuid.UUID) -> int:
        query = select(func.coalesce(func.max(SynthesisVersion.number), 0)).where(
            SynthesisVersion.round_id == round_id
        )
        current = (await self.session.execute(query)).scalar_one()
        return int(current) + 1


class AuditEventRepository(SQLAlchemyAsyncRepository[AuditEvent]):
    """Read side of the audit log; write with `symphonia.db.audit.record_event`."""

    model_type = AuditEvent
