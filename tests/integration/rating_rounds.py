"""The demo study up to an open third round, set up through the services and the demo's own
files: round 1's fragments, round 2's items and ratings (closed), round 3 opened with the
same items declared (by one rating imported for E03, as the demo's round 3 file does). An
expert rating round 3 then sees round 2 as feedback."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.fragments import Rating
from symphonia.core.protocol import Feedback
from symphonia.db.models import Participant, Study
from symphonia.interchange.fragments import try_read_fragments
from symphonia.interchange.ratings import read_rating_items, read_ratings
from symphonia.services.principals import actor_for_participant
from symphonia.services.rating_entry import RatingEntry, save_ratings
from symphonia.services.rating_sheet import Answer
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_ratings
from symphonia.studyfiles import load_study as read_study_file
from symphonia.studyfiles import round_file
from tests.conftest import DEMO_STUDY

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
ITEMS = read_rating_items(DEMO_STUDY / "round2-items.jsonl")
ROUND_2 = read_ratings(DEMO_STUDY / "round2-ratings.jsonl")


async def demo_at_round_3(
    s: AsyncSession,
    *,
    feedback: Feedback | None = None,
    comments: Mapping[tuple[str, str], str] | None = None,
) -> None:
    """`feedback`: the protocol's feedback options instead of the demo's; `comments`:
    (pseudonym, item) → the comment that panellist gave with their round-2 rating (sent
    through the rating service after the demo's file was imported, as an expert would)."""
    definition = read_study_file(DEMO_STUDY)
    if feedback is not None:
        protocol = dataclasses.replace(definition.protocol, feedback=feedback)
        definition = dataclasses.replace(definition, protocol=protocol)
    await load_study(s, definition, actor=OPERATOR)
    read = try_read_fragments(round_file(definition, definition.round(1).fragments or ""))
    await run_round(s, SLUG, 1, RoundRecords(fragments=read.unwrap()), actor=OPERATOR)
    if not comments:
        await run_round(s, SLUG, 2, RoundRecords(ratings=ROUND_2, items=ITEMS), actor=OPERATOR)
    else:
        await open_round(s, SLUG, 2, actor=OPERATOR)
        await import_ratings(s, SLUG, 2, ROUND_2, ITEMS, actor=OPERATOR)
        for (pseudonym, item), comment in comments.items():
            score = next(r.score for r in ROUND_2 if (r.rater, r.item) == (pseudonym, item))
            entry = RatingEntry(item, Answer(score, comment))
            await save_ratings(s, SLUG, 2, [entry], actor=await panellist(s, pseudonym))
        await close_round(s, SLUG, 2, actor=OPERATOR)
    await open_round(s, SLUG, 3, actor=OPERATOR)
    await import_ratings(s, SLUG, 3, [Rating("s01", "E03", 7)], ITEMS, actor=OPERATOR)


async def panellist(s: AsyncSession, pseudonym: str, slug: str = SLUG) -> Actor:
    row = await s.scalar(
        select(Participant.id)
        .join(Study, Participant.study_id == Study.id)
        .where(Participant.pseudonym == pseudonym, Study.slug == slug)
    )
    assert row is not None
    await s.commit()
    return await actor_for_participant(s, row)
