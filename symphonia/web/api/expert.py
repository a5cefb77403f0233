"""The experts' API: read a round, submit fragments to it, list, revise and withdraw one's
own. Callers authenticate with `Authorization: Bearer <token>` (see `symphonia panel links`);
the author of every fragment is the token's holder, never a field of the body.

Submitting is safe to retry: the `Idempotency-Key` header names the submission, so the same
key with the same body returns the fragment stored the first time (200) instead of storing
it again (201 the first time), and the same key with a different body is refused (409).
Revising the same way twice stores one version, and withdrawing twice withdraws once.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from symphonia.core.errors import Conflict, Problem, RejectedInput
from symphonia.services.contributions import edit_fragment, store_fragment, withdraw_fragment
from symphonia.services.expert_round import my_contribution, my_contributions
from symphonia.services.overview import round_view
from symphonia.services.submission_rules import MAX_KEY_CHARS
from symphonia.web import limits
from symphonia.web.api.models import FragmentIn, FragmentList, FragmentOut, Refusal, RoundOut
from symphonia.web.api.problems import API_EXCEPTION_HANDLERS, in_body
from symphonia.web.deps import Db, Me

PREFIX = "/api/v1/studies/{study:str}/rounds/{number:int}"

IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        description=(
            "Names this submission (any string of 1 to 128 characters you make, e.g. a UUID). "
            "Sending it again with the same body returns the fragment stored the first time "
            "(200) instead of storing a second one; with a different body it is refused (409)."
        ),
        min_length=1,
        max_length=MAX_KEY_CHARS,
    ),
]

REFUSALS = {
    401: ResponseSpec(Refusal, description="No valid API token was sent."),
    403: ResponseSpec(Refusal, description="The caller is not a panellist of the study."),
    404: ResponseSpec(Refusal, description="No such study, round or fragment for the caller."),
}
WRITE_REFUSALS = {
    **REFUSALS,
    409: ResponseSpec(
        Refusal,
        description="The round is not open, the fragment was replaced or withdrawn, or the "
        "idempotency key was used for another fragment.",
    ),
    422: ResponseSpec(
        Refusal,
        description="The body or a header was refused; `problems` lists every problem.",
        examples=[
            Example(
                value={
                    "status_code": 422,
                    "detail": "the fragment was not stored: 1 problem(s)",
                    "problems": [
                        {"location": "body", "field": "text", "reason": "must not be empty"}
                    ],
                }
            )
        ],
    ),
    429: ResponseSpec(Refusal, description="Too many submissions: wait a little."),
}


def fragment_url(study: str, number: int, fragment_id: str) -> str:
    return f"/api/v1/studies/{study}/rounds/{number}/fragments/{fragment_id}"


class ExpertApiController(Controller):
    path = PREFIX
    tags = ["Experts"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    exception_handlers = API_EXCEPTION_HANDLERS

    @get(
        "/",
        summary="Read a round",
        description="The round's question, kind and status, and the kinds of fragment.",
        responses=REFUSALS,
    )
    async def read_round(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> RoundOut:
        return RoundOut.of(await round_view(db, study, number, actor=me))

    @get(
        "/fragments",
        summary="List my fragments in a round",
        description="The latest version of each of the caller's fragments, withdrawn ones "
        "included (as `withdrawn`), oldest first.",
        responses=REFUSALS,
    )
    async def list_fragments(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> FragmentList:
        found = await my_contributions(db, study, number, actor=me)
        return FragmentList(fragments=[FragmentOut.of(c) for c in found])

    @post(
        "/fragments",
        summary="Submit a fragment",
        description="Store a fragment by the caller in the open round. 201 with `Location` "
        "when stored; 200 with the stored fragment when the `Idempotency-Key` was used "
        "before with the same body.",
        status_code=HTTP_201_CREATED,
        responses={
            200: ResponseSpec(FragmentOut, description="Sent before: the stored fragment."),
            **WRITE_REFUSALS,
        },
        middleware=[limits.SUBMIT.middleware],
    )
    async def submit(
        self,
        study: FromPath[str],
        number: FromPath[int],
        data: JSONBody[FragmentIn],
        idempotency_key: IdempotencyKey,
        me: Me,
        db: Db,
    ) -> Response[FragmentOut]:
        if data.id is not None:
            reason = "is assigned by the server: leave `id` out (the response carries it)"
            raise RejectedInput("the fragment was not stored", [Problem("body", "id", reason)])
        try:
            done = await store_fragment(
                db, study, number, data.draft(), idempotency_key=idempotency_key, actor=me
            )
        except RejectedInput as refused:
            raise in_body(refused) from None
        if not done.created:  # sent before: as it stands now (it may have been edited since)
            c = await my_contribution(db, study, number, done.fragment.id, actor=me)
            return Response(FragmentOut.of(c), status_code=HTTP_200_OK)
        location = fragment_url(study, number, done.fragment.id)
        return Response(
            FragmentOut.new(done.fragment),
            status_code=HTTP_201_CREATED,
            headers={"Location": location},
        )

    @get(
        "/fragments/{fragment_id:str}",
        summary="Read one of my fragments",
        description="Any version of one of the caller's fragments, with where it stands.",
        responses=REFUSALS,
    )
    async def read_fragment(
        self,
        study: FromPath[str],
        number: FromPath[int],
        fragment_id: FromPath[str],
        me: Me,
        db: Db,
    ) -> FragmentOut:
        return FragmentOut.of(await my_contribution(db, study, number, fragment_id, actor=me))

    @put(
        "/fragments/{fragment_id:str}",
        summary="Revise one of my fragments",
        description="Store a new version of the caller's current fragment while the round is "
        "open; the old version stays on record (`supersedes`). The new version has a new id, "
        "given by `Content-Location`. The same revision again stores nothing new.",
        responses=WRITE_REFUSALS,
        middleware=[limits.SUBMIT.middleware],
    )
    async def revise(
        self,
        study: FromPath[str],
        number: FromPath[int],
        fragment_id: FromPath[str],
        data: JSONBody[FragmentIn],
        me: Me,
        db: Db,
    ) -> Response[FragmentOut]:
        if data.id is not None and data.id != fragment_id:
            reason = f"is {data.id!r}, not the fragment revised ({fragment_id!r})"
            raise RejectedInput("the fragment was not changed", [Problem("body", "id", reason)])
        try:
            stored = await edit_fragment(db, study, number, fragment_id, data.draft(), actor=me)
        except RejectedInput as refused:
            raise in_body(refused) from None
        c = await my_contribution(db, study, number, stored.id, actor=me)
        headers = {"Content-Location": fragment_url(study, number, stored.id)}
        return Response(FragmentOut.of(c), headers=headers)

    @delete(
        "/fragments/{fragment_id:str}",
        summary="Withdraw one of my fragments",
        description="Take the caller's current fragment back while the round is open: it "
        "stays on record as withdrawn and is left out of the analysis. Withdrawing a "
        "withdrawn fragment again changes nothing (204).",
        responses=WRITE_REFUSALS,
        middleware=[limits.SUBMIT.middleware],
    )
    async def withdraw(
        self,
        study: FromPath[str],
        number: FromPath[int],
        fragment_id: FromPath[str],
        me: Me,
        db: Db,
        reason: Annotated[
            str | None,
            QueryParameter(name="reason", description="Why (optional).", max_length=2000),
        ] = None,
    ) -> None:
        try:
            await withdraw_fragment(db, study, number, fragment_id, reason, actor=me)
        except Conflict as refused:
            if refused.code != "fragment_withdrawn":
                raise
