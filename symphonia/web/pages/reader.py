"""The readers' pages: a study's published versions, a version by section with its download
links, a statement followed to its evidence, and two versions compared side by side.

Read-only: nothing here changes anything, so there is no form to post (the comparison's
form is a GET). The services decide who may read what (published versions only, the study's
own people only) and how contributors are named (the study's anonymity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Response, Template

from symphonia.core.compare import ChangeKind
from symphonia.core.errors import RejectedInput
from symphonia.reports.formats import ExportFormat
from symphonia.services.reading import (
    PublishedList,
    StatementEvidence,
    VersionComparison,
    compare_versions,
    published_report,
    published_versions,
    statement_evidence,
)
from symphonia.services.reporting import ReportDocument
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.downloads import export_formats, report_download
from symphonia.web.study_nav import StudyNav, study_nav

READING = "/published"
"""The study navigation's link to these pages."""

CHANGE_TITLES = (
    (ChangeKind.ADDED, "Added"),
    (ChangeKind.REMOVED, "Removed"),
    (ChangeKind.REWORDED, "Reworded"),
    (ChangeKind.MOVED, "Moved between sections"),
    (ChangeKind.UNCHANGED, "Unchanged"),
)


@dataclass(frozen=True, slots=True)
class PublishedPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    listing: PublishedList
    before: str = ""
    after: str = ""

    @property
    def base(self) -> str:
        return f"/studies/{self.listing.study.slug}/published"


@dataclass(frozen=True, slots=True)
class VersionPage(PublishedPage):
    doc: ReportDocument | None = None
    formats: tuple[ExportFormat, ...] = ()

    @property
    def here(self) -> str:
        assert self.doc is not None
        return f"{self.base}/{self.doc.round.number}/{self.doc.version.number}"


@dataclass(frozen=True, slots=True)
class EvidencePage(VersionPage):
    evidence: StatementEvidence | None = None


@dataclass(frozen=True, slots=True)
class ComparePage(PublishedPage):
    result: VersionComparison | None = None
    errors: tuple[str, ...] = ()
    titles: tuple[tuple[ChangeKind, str], ...] = CHANGE_TITLES


async def _listing(db: Db, me: Me, slug: str) -> tuple[PublishedList, StudyNav]:
    listing = await published_versions(db, slug, actor=me)
    return listing, study_nav(me, listing.study, READING)


class ReaderController(Controller):
    path = "/studies/{slug:str}/published"
    include_in_schema = False

    @get("")
    async def versions(self, slug: FromPath[str], me: Me, db: Db) -> Template:
        listing, snav = await _listing(db, me, slug)
        return page(
            "published.html", PublishedPage("Published reports", nav_for(me), snav, listing)
        )

    @get("/{number:int}/{version:int}")
    async def version(
        self, slug: FromPath[str], number: FromPath[int], version: FromPath[int], me: Me, db: Db
    ) -> Template:
        listing, snav = await _listing(db, me, slug)
        doc = await published_report(db, slug, number, version, actor=me)
        title = f"Round {number}, version {version}"
        context = VersionPage(title, nav_for(me), snav, listing, doc=doc, formats=export_formats())
        return page("published_version.html", context)

    @get("/{number:int}/{version:int}/statements/{key:str}")
    async def statement(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        version: FromPath[int],
        key: FromPath[str],
        me: Me,
        db: Db,
    ) -> Template:
        listing, snav = await _listing(db, me, slug)
        found = await statement_evidence(db, slug, number, version, key, actor=me)
        context = EvidencePage(
            f"Statement {key}: its evidence",
            nav_for(me),
            snav,
            listing,
            doc=found.document,
            evidence=found,
        )
        return page("published_statement.html", context)

    @get("/{number:int}/{version:int}/download/{fmt:str}")
    async def download(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        version: FromPath[int],
        fmt: FromPath[str],
        me: Me,
        db: Db,
    ) -> Response[bytes]:
        return await report_download(db, me, slug, number, version, fmt)

    @get("/compare")
    async def compare(
        self,
        slug: FromPath[str],
        me: Me,
        db: Db,
        before: Annotated[str, QueryParameter(name="before")] = "",
        after: Annotated[str, QueryParameter(name="after")] = "",
    ) -> Template:
        listing, snav = await _listing(db, me, slug)
        context = ComparePage("Compare versions", nav_for(me), snav, listing, before, after)
        if not (before or after):
            return page("compare.html", context)
        try:
            result = await compare_versions(db, slug, before, after, actor=me)
        except RejectedInput as refused:
            errors = tuple(f"{p.field.capitalize()}: {p.reason}" for p in refused.problems)
            failed = ComparePage(
                "Compare versions", nav_for(me), snav, listing, before, after, errors=errors
            )
            return page("compare.html", failed, status_code=400)
        done = ComparePage(
            f"Round {result.before.round} v{result.before.version} compared with round "
            f"{result.after.round} v{result.after.version}",
            nav_for(me),
            snav,
            listing,
            before,
            after,
            result=result,
        )
        return page("compare.html", done)
