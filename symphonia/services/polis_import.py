"""A Polis open-data export becomes a study: comments are fragments, votes are ratings.

Round 1 (contribute) holds the comments, round 2 (rate) the votes on a 3-point scale
(1 disagree, 2 pass, 3 agree), or, for an export with no votes, each comment's agree and
disagree counts (stored as counts, with no voter invented: :mod:`symphonia.services.tallies`).
Everything happens in one transaction, which also records what the export held but the
study does not (comments moderated out or whose text cannot be kept, the votes on them,
superseded votes, participants left with nothing) in a `polis.imported` audit event, so that
nothing is dropped without a trace.

The study's stakeholder groups stay one group of all participants: opinion groups are not
stored with the study. They are formed at analysis time from the round's votes (the
protocol pre-registers ``group_basis = "opinion"``), because they describe how people voted
in this round, not who they are; the run record keeps how they were formed and who is in
which (:mod:`symphonia.pipeline.opinion_groups`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.protocol import GroupBasis, ParticipationBase, Protocol, RatingScale
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.db.audit import record_event
from symphonia.db.models import Study
from symphonia.interchange import Issue
from symphonia.polis import PolisConversation
from symphonia.services.errors import Conflict
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import SourceLines
from symphonia.services.tx import transaction

POLIS_GROUP = "polis-participants"

POLIS_PROTOCOL = Protocol(
    scale=RatingScale(1, 3),
    agreement_threshold=0.7,
    max_iqr=1.0,
    min_participation=0.05,
    min_item_ratings=10,
    participation_base=ParticipationBase.SHOWN,
    group_basis=GroupBasis.OPINION,
)
"""The protocol every imported conversation is pre-registered with (stored with the study,
printed in its reports). Polis is not a Delphi panel:

- each participant votes on a sample of the comments, so participation is counted against
  those *shown* a comment, which for Polis is those who voted on it (a pass is a vote; Polis
  records no "seen and skipped"): vTaiwan has ~400 votes per comment from 1,900 people;
- a comment needs 10 votes before any call is made (below 10, one vote moves its shares by
  more than 10 points): fewer, and it is reported as too few votes to judge, never as a
  consensus or as divisive. Unmoderated comments are kept (no moderator rejected them) and
  fall under the same floor;
- there are no stakeholder groups, so the per-group rules compare *opinion groups* formed
  from the votes (PCA + k-means, as Polis does; participants with fewer than 7 votes stay
  ungrouped);
- 70 % agreement with an IQR of at most 1: on a 3-point scale an IQR above 1 already means
  votes at both ends; every opinion group must give at least 50 % agreement for a
  consensus, and one group at 50 % agreement against another at 50 % rejection is divisive.
"""


def slug_for(directory: Path) -> str:
    """A study id from the export's folder name (e.g. `vtaiwan.uberx` → `polis-vtaiwan.uberx`)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", directory.resolve().name).strip("-.") or "export"
    return f"polis-{name}"[:64]


def polis_definition(conversation: PolisConversation, slug: str, source: Path) -> StudyDefinition:
    people = sorted(
        {f.author for f in conversation.fragments} | {r.rater for r in conversation.ratings}
    )
    question = conversation.question or f"Polis conversation {source.name}"
    return StudyDefinition(
        id=slug,
        title=f"Polis conversation: {source.name}",
        question=question,
        description=(
            "Imported from a Polis open-data export. Data was gathered using the Polis software "
            "(compdemocracy.org/polis); see the export's licence."
        ),
        groups=(StakeholderGroup(POLIS_GROUP, "Polis participants"),),
        panel=tuple(Panellist(p, POLIS_GROUP) for p in people),
        rounds=(
            RoundDefinition(1, RoundKind.CONTRIBUTE),
            RoundDefinition(2, RoundKind.RATE),
        ),
        protocol=POLIS_PROTOCOL,
    )


@dataclass(frozen=True, slots=True)
class PolisImportOutcome:
    """What was imported, and what the export held that the study does not."""

    slug: str
    fragments: int
    ratings: int
    """Votes imported: one rating per vote, or the counted votes when only counts exist."""
    participants: int
    moderated_out: int = 0
    """Comments a moderator rejected."""
    unusable: tuple[Issue, ...] = ()
    """Comments whose text cannot be kept: comments.csv, line, field and reason."""
    votes_on_excluded: int = 0
    """Votes on the comments left out, left out with them."""
    superseded_votes: int = 0
    """Earlier votes replaced by the same voter's later vote on the same comment."""
    participants_left_out: int = 0
    """Participants whose every comment and vote was left out (so not on the panel)."""
    counts_only: bool = False
    """votes.csv held no votes: the votes are comments.csv's counts, without voters."""

    def left_out(self) -> dict[str, Any]:
        """The left-out counts (and the lines and reasons of unusable comments), as JSON."""
        return {
            "moderated_comments": self.moderated_out,
            "unusable_comments": [
                {"file": i.file, "line": i.line, "reason": i.reason} for i in self.unusable
            ],
            "votes_on_left_out_comments": self.votes_on_excluded,
            "superseded_votes": self.superseded_votes,
            "participants_with_nothing_kept": self.participants_left_out,
        }


async def import_polis(
    session: AsyncSession, conversation: PolisConversation, source: Path, *, actor: Actor
) -> PolisImportOutcome:
    slug = slug_for(source)
    definition = polis_definition(conversation, slug, source)
    outcome = PolisImportOutcome(
        slug,
        len(conversation.fragments),
        len(conversation.ratings) or sum(t.n for t in conversation.tallies),
        len(definition.panel),
        moderated_out=conversation.moderated_out,
        unusable=conversation.unusable,
        votes_on_excluded=conversation.votes_on_excluded,
        superseded_votes=conversation.superseded_votes,
        participants_left_out=conversation.participants_left_out,
        counts_only=bool(conversation.tallies),
    )
    async with transaction(session):
        existing = await session.scalar(select(Study.id).where(Study.slug == slug))
        if existing is not None:
            raise Conflict(
                f"{source} was already imported as study {slug!r}; nothing was changed",
                code="already_imported",
                context={"study": slug},
            )
        study = (await load_study(session, definition, actor=actor)).study
        origin = SourceLines(str(source))
        comments = RoundRecords(fragments=conversation.fragments, fragments_from=origin)
        await run_round(session, slug, 1, comments, actor=actor)
        votes = RoundRecords(
            ratings=conversation.ratings,
            ratings_from=origin,
            tallies=conversation.tallies,
            tallies_from=str(source),
        )
        await run_round(session, slug, 2, votes, actor=actor)
        detail = {
            "source": str(source),
            "fragments": outcome.fragments,
            "ratings": outcome.ratings,
            "votes_from": conversation.votes_from,
            "participants": outcome.participants,
            "left_out": outcome.left_out(),
        }
        record_event(session, actor, "polis.imported", "study", slug, study.id, detail)
    return outcome
