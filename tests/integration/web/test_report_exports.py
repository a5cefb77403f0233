"""Report exports as jobs (issue 14): asked for on a page, rendered off the request,
downloaded when done, by who asked only; a job run again writes no second file."""

from __future__ import annotations

import uuid

import pytest

from symphonia.jobs.report_exports import ExportJobs
from symphonia.services.report_exports import EXPORT_DIR, request_export
from tests.integration.web.conftest import Web, post_form
from tests.integration.web.editing import analysed_cast
from tests.integration.web.facilitation import until
from tests.integration.web.people import OPERATOR, Cast

START = "/studies/study-a/rounds/1/versions/1/exports"
FORM_PAGE = "/studies"


@pytest.fixture
async def cast(web: Web) -> Cast:
    return await analysed_cast(web)


async def _finished(client, location: str) -> str:  # type: ignore[no-untyped-def]
    async def done() -> str | None:
        text = (await client.get(location + "/progress")).text
        return text if "hx-trigger" not in text else None

    return str(await until(done))


async def test_an_export_is_rendered_off_the_request_and_downloaded(cast: Cast) -> None:
    async with cast.client("facilitator_a") as client:
        run_page = await client.get("/studies/study-a/rounds/1/analysis")
        assert run_page.status_code == 200
        started = await post_form(client, START, {"format": "md"}, form_page=FORM_PAGE)
        assert started.status_code in (302, 303), started.text
        location = started.headers["location"]
        export_id = uuid.UUID(location.rsplit("/", 1)[-1])
        page = await client.get(location)
        assert "Report of round 1, version 1: Markdown" in page.text
        progress = await _finished(client, location)
        assert "study-a-round-1-v1.md" in progress
        file = await client.get(location + "/file")
        assert file.status_code == 200
        assert 'attachment; filename="study-a-round-1-v1.md"' in file.headers["content-disposition"]
        inline = await client.get("/studies/study-a/rounds/1/versions/1/report.md")
        assert file.text == inline.text  # the same report, rendered by the job
    # a job delivered again (a retry, a swept worker) finds it done: one file
    assert await ExportJobs(cast.web.container).run(export_id) is None
    files = list((cast.web.settings.data_dir / EXPORT_DIR).iterdir())
    assert [f.name for f in files] == [f"{export_id}.md"]


async def test_only_who_asked_may_follow_or_download_an_export(cast: Cast) -> None:
    async with cast.client("editor_a") as editor:
        started = await post_form(editor, START, {"format": "json"}, form_page=FORM_PAGE)
        location = started.headers["location"]
        await _finished(editor, location)
        assert (await editor.get(location + "/file")).status_code == 200
    for role in ("facilitator_a", "facilitator_b", "reader_a"):
        async with cast.client(role) as other:
            assert (await other.get(location)).status_code == 404, role
            assert (await other.get(location + "/file")).status_code == 404, role
    async with cast.client("anonymous") as anonymous:
        assert (await anonymous.get(location, follow_redirects=False)).status_code in (302, 303)


async def test_a_draft_report_is_not_exportable_by_who_may_not_read_drafts(cast: Cast) -> None:
    async with cast.client("reader_a") as reader:
        refused = await post_form(reader, START, {"format": "md"}, form_page=FORM_PAGE)
        assert refused.status_code == 404
    async with cast.client("facilitator_b") as outsider:
        refused = await post_form(outsider, START, {"format": "md"}, form_page=FORM_PAGE)
        assert refused.status_code == 404


async def test_an_unknown_format_is_refused(cast: Cast) -> None:
    async with cast.client("facilitator_a") as client:
        refused = await post_form(client, START, {"format": "exe"}, form_page=FORM_PAGE)
        assert refused.status_code == 422
        assert "no export format" in refused.text


async def test_a_file_not_rendered_yet_is_not_downloadable(cast: Cast) -> None:
    async with cast.web.container.session() as s:
        view = await request_export(s, "study-a", 1, 1, "html", actor=OPERATOR)
    assert not view.done
    async with cast.web.container.session() as s:
        from symphonia.services.errors import Conflict
        from symphonia.services.report_exports import export_file

        with pytest.raises(Conflict, match="no file yet"):
            await export_file(s, "study-a", view.id, cast.web.settings.data_dir, actor=OPERATOR)
    assert await ExportJobs(cast.web.container).run(view.id) is not None
