"""The experts' rating API (issue 10 §7): read one's rating sheet (items, scale, own answers,
the previous round's feedback) and answer one item. The same services as the rating page,
so the same rules and permission checks: only an expert of the study's panel, only a rating
round, only while it is open.

Answering is a PUT of the item's answer: it replaces the caller's stored answer, so sending
the same request again (a retry after a lost response) stores it once and returns the same
result, which is what the fragment API's `Idempotency-Key` gives a POST.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from symphonia.core.errors import Problem, RejectedInput
from symphonia.services.priority_scores import ScoreEntry, submit_priority_sheet
from symphonia.services.priority_sheet import PrioritySheet, priority_sheet
from symphonia.services.rating_entry import MAX_COMMENT_CHARS, RatingEntry, save_ratings
from symphonia.services.rating_sheet import Answer, RatingSheet, SheetItem, rating_sheet
from symphonia.web import limits
from symphonia.web.api.expert import PREFIX, REFUSALS, WRITE_REFUSALS
from symphonia.web.api.problems import API_EXCEPTION_HANDLERS, in_body
from symphonia.web.deps import Db, Me


class RatingIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """The caller's answer to one item: a `score` on the study's scale, or
    `cannot_judge: true` (then no score), and an optional comment."""

    score: Annotated[int | None, Meta(description="On the study's scale.")] = None
    cannot_judge: bool = False
    comment: (
        Annotated[
            str,
            Meta(
                description="Why; shown to the panel in the next round without the caller's name.",
                max_length=MAX_COMMENT_CHARS,
            ),
        ]
        | None
    ) = None

    def answer(self) -> Answer:
        if self.cannot_judge == (self.score is not None):
            reason = "give either a score or cannot_judge: true (not both, not neither)"
            raise RejectedInput("the rating was not stored", [Problem("body", "score", reason)])
        return Answer(self.score, self.comment)


class ScoresIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """The caller's scores of one item: criterion id → score on that criterion's scale, or
    null for "cannot judge". Criteria left out are left as they are."""

    scores: dict[str, int | None]


class ItemScores(Struct, kw_only=True):
    item: str
    scores: dict[str, int | None]


class RatingsApiController(Controller):
    path = PREFIX
    tags = ["Experts"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    exception_handlers = API_EXCEPTION_HANDLERS

    @get(
        "/ratings",
        summary="Read my rating sheet",
        description="The round's items on the study's scale, the caller's answers so far, "
        "and from the second rating round on the panel's answers of the previous one "
        "(distribution, median, quartiles; by group and comments when the protocol says so).",
        responses={**REFUSALS, 409: ResponseSpec(RatingSheet, description="Not a rating round.")},
    )
    async def read_sheet(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> RatingSheet:
        return await rating_sheet(db, study, number, actor=me)

    @put(
        "/ratings/{item:str}",
        summary="Rate an item",
        description="Store or replace the caller's answer to one item while the round is "
        "open; returns the item as the sheet now shows it. Safe to retry.",
        responses=WRITE_REFUSALS,
        middleware=[limits.SUBMIT.middleware],
    )
    async def rate(
        self,
        study: FromPath[str],
        number: FromPath[int],
        item: FromPath[str],
        data: JSONBody[RatingIn],
        me: Me,
        db: Db,
    ) -> SheetItem:
        try:
            await save_ratings(db, study, number, [RatingEntry(item, data.answer())], actor=me)
        except RejectedInput as refused:
            raise in_body(refused) from None
        sheet = await rating_sheet(db, study, number, actor=me)
        return next(i for i in sheet.items if i.id == item)

    @get(
        "/scores",
        summary="Read my scoring sheet (prioritisation studies)",
        description="The candidate items × criteria, the caller's scores so far, and the "
        "panel's previous-round distribution per item and criterion.",
        responses=REFUSALS,
    )
    async def read_scores(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> PrioritySheet:
        return await priority_sheet(db, study, number, actor=me)

    @put(
        "/scores/{item:str}",
        summary="Score an item on criteria (prioritisation studies)",
        description="Store or replace the caller's scores of one item while the round is "
        "open; null is “cannot judge”. Safe to retry.",
        responses=WRITE_REFUSALS,
        middleware=[limits.SUBMIT.middleware],
    )
    async def score(
        self,
        study: FromPath[str],
        number: FromPath[int],
        item: FromPath[str],
        data: JSONBody[ScoresIn],
        me: Me,
        db: Db,
    ) -> ItemScores:
        cells = [ScoreEntry(item, c, s) for c, s in data.scores.items()]
        try:
            await submit_priority_sheet(db, study, number, cells, actor=me)
        except RejectedInput as refused:
            raise in_body(refused) from None
        sheet = await priority_sheet(db, study, number, actor=me)
        return ItemScores(item=item, scores=dict(sheet.mine.get(item, {})))
