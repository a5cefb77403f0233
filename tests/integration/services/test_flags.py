"""Panellists flag statements that misrepresent them, editors answer, publishing waits for
the answers; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from symphonia.core.amendments import AmendmentAction, Change
from symphonia.db.models import AuditEvent, FlagAnswer, StatementFlag
from symphonia.reports.html import render_html
from symphonia.reports.markdown import render_markdown
from symphonia.reports.prov_report import render_prov
from symphonia.services.approving import approve_version
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, RejectedInput
from symphonia.services.exports import build_report
from symphonia.services.flag_answers import answer_flag, study_flags
from symphonia.services.flag_mail import flag_mail
from symphonia.services.flag_panel_view import my_statements
from symphonia.services.flag_raising import raise_flag
from symphonia.services.flags import MAX_COMMENT_CHARS
from symphonia.services.publishing import publish_version
from tests.integration.services.editing_setup import OPERATOR, SLUG, Maker
from tests.integration.services.reading_setup import Published, amended, published_round


@pytest.fixture
async def world(sessionmaker: Maker, demo_study_dir: Path) -> Published:
    return await published_round(sessionmaker, demo_study_dir)


async def test_an_expert_sees_the_published_statements_citing_them(
    sessionmaker: Maker, world: Published
) -> None:
    async with sessionmaker() as s:
        mine = await my_statements(s, SLUG, actor=world.e01)
    assert mine.pseudonym == "E01"
    assert mine.statements
    for st in mine.statements:
        assert st.published
        assert st.version == 1
        assert [f.id for f in st.fragments] == ["f0"]
    # a draft (version 2, unpublished) is not shown to the expert
    target = mine.statements[0]
    await _edit(sessionmaker, world, target.key, target.text + " Really.")
    async with sessionmaker() as s:
        again = await my_statements(s, SLUG, actor=world.e01)
    assert {(c.version, c.key) for c in again.statements} == {
        (c.version, c.key) for c in mine.statements
    }


async def _edit(maker: Maker, world: Published, key: str, text: str) -> int:
    change = Change(AmendmentAction.EDIT, key, text=text)
    return (await amended(maker, SLUG, change, "the panellist's point", world.people.editor))[1]


async def test_flag_answer_by_amendment_then_publish(sessionmaker: Maker, world: Published) -> None:
    async with sessionmaker() as s:
        target = (await my_statements(s, SLUG, actor=world.e01)).statements[0]
    async with sessionmaker() as s:
        raised = await raise_flag(
            s, SLUG, 1, 1, target.key, "  I said the opposite.  ", actor=world.e01
        )
    assert raised.flag.comment == "I said the opposite."
    assert raised.recipients == ("editor2@example.org", "editor@example.org")
    mails = flag_mail(raised, "https://x/studies/connected-icb/flags")
    assert len(mails) == 2
    assert "I said the opposite." in mails[0].text
    assert "E01" not in mails[0].text  # who flagged is read on the page, not mailed
    async with sessionmaker() as s:
        with pytest.raises(Conflict) as again:
            await raise_flag(s, SLUG, 1, 1, target.key, "again", actor=world.e01)
    assert again.value.code == "already_flagged"
    # the editors see it, with who raised it (pseudonymous study)
    async with sessionmaker() as s:
        listed = await study_flags(s, SLUG, actor=world.people.editor)
    assert [e.flag.raised_by for e in listed] == ["E01"]
    assert listed[0].options == ()  # nothing amended yet
    version = await _edit(sessionmaker, world, target.key, target.text + " Not everywhere.")
    edited = 2  # the edit's version (a guard flag's acceptance may follow it)
    async with sessionmaker() as s:
        await approve_version(s, SLUG, 1, version, actor=world.people.editor)
    async with sessionmaker() as s:
        with pytest.raises(Conflict) as refused:
            await publish_version(s, SLUG, 1, version, actor=world.people.facilitator)
    assert refused.value.code == "expert_flags_unanswered"
    assert target.key in str(refused.value)
    flag_id = str(raised.flag.id)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput):
            await answer_flag(
                s, SLUG, flag_id, FlagAnswer.AMENDED, "", 1, actor=world.people.editor
            )
    async with sessionmaker() as s:
        answered = await answer_flag(
            s, SLUG, flag_id, FlagAnswer.AMENDED, "", edited, actor=world.people.editor
        )
    assert answered.amendment_version == edited
    assert answered.answer_reason == "the panellist's point"
    async with sessionmaker() as s:
        with pytest.raises(Conflict):
            await answer_flag(s, SLUG, flag_id, FlagAnswer.KEPT, "no", actor=world.people.editor)
    async with sessionmaker() as s:
        await publish_version(s, SLUG, 1, version, actor=world.people.facilitator)
    async with sessionmaker() as s:
        mine = await my_statements(s, SLUG, actor=world.e01)
        events = set(await s.scalars(select(AuditEvent.action)))
    flagged = [c for c in mine.statements if c.flags]
    assert flagged
    assert flagged[0].flags[0].answer is FlagAnswer.AMENDED
    assert flagged[0].flags[0].raised_by is None  # the panel's own view names nobody
    assert flagged[0].flags[0].answered_by == "editor"
    assert {"flag.raised", "flag.answered"} <= events
    async with sessionmaker() as s:
        report = await build_report(s, SLUG, 1, version, actor=OPERATOR)
    assert report.flags.recorded
    assert report.flags.unanswered == 0
    assert [f.answer for f in report.flags.flags] == ["amended"]
    assert "I said the opposite." in render_markdown(report)


async def test_a_kept_flag_needs_a_reason_and_the_report_counts_open_ones(
    sessionmaker: Maker, world: Published
) -> None:
    async with sessionmaker() as s:
        target = (await my_statements(s, SLUG, actor=world.e01)).statements[0]
    async with sessionmaker() as s:
        raised = await raise_flag(s, SLUG, 1, 1, target.key, "Not what I meant", actor=world.e01)
    async with sessionmaker() as s:
        report = await build_report(s, SLUG, 1, 1, actor=OPERATOR)
    assert report.flags.unanswered == 1
    assert report.flags.flags == ()
    assert "1 panellist flag awaits" in render_markdown(report)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as empty:
            await answer_flag(
                s, SLUG, str(raised.flag.id), FlagAnswer.KEPT, "  ", actor=world.people.editor
            )
    assert empty.value.problems[0].field == "reason"
    async with sessionmaker() as s:
        await answer_flag(
            s,
            SLUG,
            str(raised.flag.id),
            FlagAnswer.KEPT,
            "the fragment says so",
            actor=world.people.editor,
        )
    async with sessionmaker() as s:
        report = await build_report(s, SLUG, 1, 1, actor=OPERATOR)
    assert report.flags.unanswered == 0
    assert report.flags.flags[0].answer_reason == "the fragment says so"
    assert report.flags.flags[0].answered_by == "editor"  # a display name, never an address
    html = render_html(report)
    assert "the fragment says so" in html
    assert "1 panellist flag awaits" not in html
    import jsonschema
    import prov as prov_package

    prov = json.loads(render_prov(report))
    schema = Path(prov_package.__file__).parent / "tests" / "schemas" / "prov-json.schema.json"
    jsonschema.validate(prov, json.loads(schema.read_text()))
    assert "sym:flag/1" in prov["entity"]
    assert "sym:activity/flag-answer/1" in prov["activity"]
    assert render_prov(report) == render_prov(report)
    assert "editor@example.org" not in render_markdown(report)


async def test_who_may_flag_and_answer(sessionmaker: Maker, world: Published) -> None:
    async with sessionmaker() as s:
        target = (await my_statements(s, SLUG, actor=world.e01)).statements[0]
    # E02 wrote f1, which this statement does not cite
    cites_f1 = any(f.id == "f1" for f in target.fragments)
    if not cites_f1:
        async with sessionmaker() as s:
            with pytest.raises(PermissionDenied):
                await raise_flag(s, SLUG, 1, 1, target.key, "mine?", actor=world.e02)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput):
            await raise_flag(
                s, SLUG, 1, 1, target.key, "x" * (MAX_COMMENT_CHARS + 1), actor=world.e01
            )
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput):
            await raise_flag(s, SLUG, 1, 1, target.key, "bad \x00", actor=world.e01)
    async with sessionmaker() as s:
        with pytest.raises(NotFound):  # an unpublished version is as if absent
            await raise_flag(s, SLUG, 1, 2, target.key, "x", actor=world.e01)
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied):  # staff are not panellists
            await my_statements(s, SLUG, actor=world.people.reader)
    async with sessionmaker() as s:
        raised = await raise_flag(s, SLUG, 1, 1, target.key, "no", actor=world.e01)
    flag_id = str(raised.flag.id)
    for who, error in (
        (world.people.reader, PermissionDenied),
        (world.people.outsider, NotFound),
        (world.e01, PermissionDenied),
    ):
        async with sessionmaker() as s:
            with pytest.raises(error):
                await answer_flag(s, SLUG, flag_id, FlagAnswer.KEPT, "fine", actor=who)
        async with sessionmaker() as s:
            with pytest.raises(error):
                await study_flags(s, SLUG, actor=who)
    async with sessionmaker() as s:
        with pytest.raises(NotFound):
            await answer_flag(
                s, SLUG, "not-a-flag", FlagAnswer.KEPT, "fine", actor=world.people.editor
            )
        stored = await s.scalar(select(StatementFlag))
    assert stored is not None
    assert stored.answer is None
