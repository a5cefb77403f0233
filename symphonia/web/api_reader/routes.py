"""The readers' API (published versions, evidence, comparison, downloads) and the flags API
(a panellist's cited statements and flags; the editors' list and answers): the same service
calls as the pages, so the same permission checks."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from symphonia.db.models import FlagAnswer
from symphonia.services.flag_answers import answer_flag, study_flags
from symphonia.services.flag_mail import send_flag_mail
from symphonia.services.flag_panel_view import my_statements
from symphonia.services.flag_raising import raise_flag
from symphonia.services.reading import (
    compare_versions,
    published_report,
    published_versions,
    statement_evidence,
)
from symphonia.web.api_facilitator.studies import INPUT_REFUSALS, REFUSALS
from symphonia.web.api_reader.models import (
    AnswerIn,
    ComparisonOut,
    EditorFlagOut,
    EvidenceOut,
    FlagIn,
    FlagOut,
    MyStatementsOut,
    PublishedListOut,
    VersionOut,
)
from symphonia.web.deps import Db, Me, Services
from symphonia.web.downloads import export_formats, report_download


class ReaderApi(Controller):
    path = "/api/v1/studies/{study:str}/published"
    tags = ["Readers"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("", summary="The study's published versions", responses=REFUSALS)
    async def versions(self, study: FromPath[str], me: Me, db: Db) -> PublishedListOut:
        return PublishedListOut.of(await published_versions(db, study, actor=me))

    @get("/{number:int}/{version:int}", summary="A published version", responses=REFUSALS)
    async def version(
        self, study: FromPath[str], number: FromPath[int], version: FromPath[int], me: Me, db: Db
    ) -> VersionOut:
        """Its statements in reading order, flag counts, and a download path per format."""
        doc = await published_report(db, study, number, version, actor=me)
        base = f"/api/v1/studies/{study}/published/{number}/{version}/export"
        return VersionOut.of(doc, {f.name: f"{base}/{f.name}" for f in export_formats()})

    @get(
        "/{number:int}/{version:int}/statements/{key:str}",
        summary="A statement followed to its evidence",
        responses=REFUSALS,
    )
    async def evidence(
        self,
        study: FromPath[str],
        number: FromPath[int],
        version: FromPath[int],
        key: FromPath[str],
        me: Me,
        db: Db,
    ) -> EvidenceOut:
        found = await statement_evidence(db, study, number, version, key, actor=me)
        return EvidenceOut.of(found)

    @get(
        "/{number:int}/{version:int}/export/{fmt:str}",
        summary="The version's report as a file",
        description="fmt: html, pdf, docx, md, json, csv (a zip), prov.",
        responses=REFUSALS,
        media_type="application/octet-stream",
    )
    async def export(
        self,
        study: FromPath[str],
        number: FromPath[int],
        version: FromPath[int],
        fmt: FromPath[str],
        me: Me,
        db: Db,
    ) -> Response[bytes]:
        return await report_download(db, me, study, number, version, fmt)

    @get("/compare", summary="Two published versions compared", responses=INPUT_REFUSALS)
    async def compare(
        self,
        study: FromPath[str],
        me: Me,
        db: Db,
        before: Annotated[str, QueryParameter(name="before", description="round.version or round")],
        after: Annotated[str, QueryParameter(name="after", description="round.version or round")],
    ) -> ComparisonOut:
        return ComparisonOut.of(await compare_versions(db, study, before, after, actor=me))


class FlagsApi(Controller):
    path = "/api/v1/studies/{study:str}"
    tags = ["Flags"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/my-statements", summary="Statements citing my contributions", responses=REFUSALS)
    async def mine(self, study: FromPath[str], me: Me, db: Db) -> MyStatementsOut:
        """A panellist's: every statement of a published version citing their fragments,
        with their own flags and the editors' answers."""
        return MyStatementsOut.of(await my_statements(db, study, actor=me))

    @post(
        "/flags",
        summary="Flag a statement as misrepresenting me",
        status_code=HTTP_201_CREATED,
        responses=INPUT_REFUSALS,
    )
    async def flag(
        self, study: FromPath[str], data: JSONBody[FlagIn], me: Me, db: Db, container: Services
    ) -> FlagOut:
        raised = await raise_flag(
            db, study, data.round, data.version, data.statement, data.comment, actor=me
        )
        await send_flag_mail(
            raised, container.mailer(), f"{container.settings.public_url}/studies/{study}/flags"
        )
        return FlagOut.of(raised.flag)

    @get("/flags", summary="The study's flags (editors)", responses=REFUSALS)
    async def flags(self, study: FromPath[str], me: Me, db: Db) -> list[EditorFlagOut]:
        return [EditorFlagOut.of(e) for e in await study_flags(db, study, actor=me)]

    @post(
        "/flags/{flag_id:str}/answer",
        summary="Answer a flag (editors)",
        status_code=HTTP_200_OK,
        responses=INPUT_REFUSALS,
    )
    async def answer(
        self, study: FromPath[str], flag_id: FromPath[str], data: JSONBody[AnswerIn], me: Me, db: Db
    ) -> FlagOut:
        done = await answer_flag(
            db,
            study,
            flag_id,
            FlagAnswer(data.answer),
            data.reason,
            data.amendment_version,
            actor=me,
        )
        return FlagOut.of(done)
