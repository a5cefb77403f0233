"""A published version's report as a download, for the reader's page and the API alike.

The service hands over the one report model (published versions only, readers of the study
only); the file is rendered here by the export table the CLI's `symphonia export` uses
(`symphonia.reports.formats`), off the event loop, with its own media type and a file name
naming study, round and version. The same records give the same bytes.
"""

from __future__ import annotations

import asyncio

from litestar.response import Response
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.errors import NotFound
from symphonia.core.text_rules import clip
from symphonia.reports.formats import FORMATS, ExportFormat, file_name
from symphonia.services.reading import published_report

FORMAT_ORDER = ("html", "pdf", "docx", "md", "json", "csv", "prov")
"""How the download links are listed: reading formats first, then data."""


def export_formats() -> tuple[ExportFormat, ...]:
    return tuple(FORMATS[name] for name in FORMAT_ORDER if name in FORMATS)


async def report_download(
    db: AsyncSession, me: Actor, slug: str, number: int, version: int, fmt: str
) -> Response[bytes]:
    chosen = FORMATS.get(fmt)
    if chosen is None:
        raise NotFound(
            f"no report format {clip(repr(fmt))} (formats: {', '.join(FORMAT_ORDER)})",
            code="unknown_format",
            context={"study": slug, "format": fmt},
        )
    document = await published_report(db, slug, number, version, actor=me)
    content = await asyncio.to_thread(chosen.render, document)
    name = file_name(document, chosen)
    return Response(
        content,
        media_type=chosen.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
