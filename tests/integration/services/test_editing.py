"""Editors amend a draft, on SQLite and PostgreSQL: every change is a new version with an
amendment; the guard re-runs; stale edits are refused; approval needs answered flags;
publishing needs approval; only editors of the study may do any of it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from symphonia.core.actors import Actor
from symphonia.core.amendments import AmendmentAction, Change, SplitPart
from symphonia.core.synthesis import Section
from symphonia.db.models import Amendment, AuditEvent, Statement, SynthesisVersion
from symphonia.reports.markdown import render_markdown
from symphonia.services.approving import approve_version
from symphonia.services.editing import AmendmentResult, amend
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, RejectedInput
from symphonia.services.exports import build_report
from symphonia.services.history import editing_history
from symphonia.services.lookup import get_round, get_study
from symphonia.services.publishing import publish_version
from symphonia.services.rating_items import known_items
from symphonia.services.workspace import WorkspaceView, workspace
from tests.integration.services.editing_setup import (
    EMBEDDER,
    OPERATOR,
    SLUG,
    Maker,
    People,
    analysed_round,
)


@pytest.fixture
async def people(sessionmaker: Maker, demo_study_dir: Path) -> People:
    return await analysed_round(sessionmaker, demo_study_dir)


async def _view(maker: Maker, people: People) -> WorkspaceView:
    async with maker() as s:
        return await workspace(s, SLUG, 1, actor=people.editor)


async def test_an_edit_makes_a_new_version_with_its_amendment(
    sessionmaker: Maker, people: People
) -> None:
    view = await _view(sessionmaker, people)
    first = view.statements[0]
    assert first.citations
    assert first.citations[0].pseudonym.startswith("E0")
    new_text = first.text + " Most trusts said so."
    async with sessionmaker() as s:
        done = await amend(
            s,
            SLUG,
            1,
            Change(AmendmentAction.EDIT, first.key, text=new_text),
            "clearer",
            {first.key: first.revision},
            actor=people.editor,
            embedder=EMBEDDER,
        )
    assert done.version == view.version + 1
    assert done.revisions == {first.key: first.revision + 1}
    after = await _view(sessionmaker, people)
    assert after.parent == view.version
    assert after.statement(first.key) is not None
    assert after.statement(first.key).text == new_text  # type: ignore[union-attr]
    assert [s.key for s in after.statements] == [s.key for s in view.statements]
    assert after.amendments[0].reason == "clearer"
    assert "{+Most trusts said so.+}" in after.amendments[0].diff
    async with sessionmaker() as s:
        row = await s.scalar(select(Amendment))
        old = await s.scalar(
            select(Statement.text)
            .join(SynthesisVersion)
            .where(SynthesisVersion.number == 1, Statement.key == first.key)
        )
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "synthesis.edit"))
    assert row is not None
    assert old is not None
    assert event is not None
    assert row.editor_id == people.editor.account_id
    assert row.before
    assert row.before[0]["text"] == first.text
    assert row.after
    assert row.after[0]["text"] == new_text
    assert old == first.text  # the draft itself is untouched


async def test_the_guard_flags_an_unsupported_edit_and_approval_waits_for_an_answer(
    sessionmaker: Maker, people: People
) -> None:
    view = await _view(sessionmaker, people)
    target = next(s for s in view.statements if s.ok)
    async with sessionmaker() as s:
        done = await amend(
            s,
            SLUG,
            1,
            Change(AmendmentAction.EDIT, target.key, text="Everyone wants more money for IT."),
            "shorter",
            {target.key: target.revision},
            actor=people.editor,
            embedder=EMBEDDER,
        )
    assert target.key in done.flagged
    flagged = (await _view(sessionmaker, people)).statement(target.key)
    assert flagged is not None
    assert flagged.unanswered
    assert {f.code for f in flagged.flags} >= {"unsupported"}
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="unanswered") as refused:
            await approve_version(s, SLUG, 1, done.version, actor=people.editor)
    assert target.key in refused.value.context["statements"]
    view = await _view(sessionmaker, people)
    for st in view.statements:
        if st.unanswered:
            async with sessionmaker() as s:
                await amend(
                    s,
                    SLUG,
                    1,
                    Change(AmendmentAction.ACCEPT_FLAG, st.key),
                    "the panel's own words, checked by hand",
                    {st.key: st.revision},
                    actor=people.editor,
                    embedder=EMBEDDER,
                )
    view = await _view(sessionmaker, people)
    assert not view.unanswered
    assert view.statement(target.key).accepted  # type: ignore[union-attr]
    async with sessionmaker() as s:
        report = render_markdown(await build_report(s, SLUG, 1, view.version, actor=OPERATOR))
    assert "Kept by the editors because:* the panel's own words" in report
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="not approved"):
            await publish_version(s, SLUG, 1, actor=people.facilitator)
    async with sessionmaker() as s:
        await approve_version(s, SLUG, 1, view.version, actor=people.editor)
    async with sessionmaker() as s:
        published = await publish_version(s, SLUG, 1, actor=people.facilitator)
    assert published.version == view.version
    # an edit after publication is a new, unpublished version: round 2 rates what was published
    st = view.statements[0]
    async with sessionmaker() as s:
        await amend(
            s,
            SLUG,
            1,
            Change(AmendmentAction.EDIT, st.key, text="Later wording."),
            "later",
            {st.key: st.revision},
            actor=people.editor,
            embedder=EMBEDDER,
        )
    async with sessionmaker() as s:
        study = await get_study(s, SLUG)
        items = await known_items(s, study, await get_round(s, study, 2))
    assert items.statements[st.key].text == st.text


async def test_two_editors_on_one_statement_one_conflict_nothing_lost(
    sessionmaker: Maker, people: People
) -> None:
    view = await _view(sessionmaker, people)
    target, other = view.statements[0], view.statements[1]
    texts = {people.editor: target.text + " (A)", people.editor2: target.text + " (B)"}

    async def edit(actor: Actor) -> AmendmentResult | Conflict:
        async with sessionmaker() as s:
            try:
                return await amend(
                    s,
                    SLUG,
                    1,
                    Change(AmendmentAction.EDIT, target.key, text=texts[actor]),
                    "mine",
                    {target.key: target.revision},
                    actor=actor,
                    embedder=EMBEDDER,
                )
            except Conflict as exc:
                return exc

    results = await asyncio.gather(edit(people.editor), edit(people.editor2))
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1
    assert conflicts[0].code == "stale_statement"
    after = await _view(sessionmaker, people)
    kept = after.statement(target.key)
    assert kept is not None
    assert kept.text in texts.values()
    assert conflicts[0].context["current_text"] == kept.text
    assert after.version == view.version + 1
    # a change to another statement, made from the same (older) page, does not conflict
    async with sessionmaker() as s:
        await amend(
            s,
            SLUG,
            1,
            Change(AmendmentAction.RECLASSIFY, other.key, section=Section.GAP),
            "a gap",
            {other.key: other.revision},
            actor=people.editor2,
            embedder=EMBEDDER,
        )
    assert (await _view(sessionmaker, people)).statement(target.key).text == kept.text  # type: ignore[union-attr]


async def test_merge_split_cite_add_remove(sessionmaker: Maker, people: People) -> None:
    view = await _view(sessionmaker, people)
    a, b = view.statements[0], view.statements[1]
    rev = {s.key: s.revision for s in view.statements}
    steps = [
        Change(AmendmentAction.MERGE, a.key, other=b.key, text=f"{a.text} {b.text}"),
        Change(
            AmendmentAction.SPLIT,
            a.key,
            parts=(
                SplitPart(a.key, a.text, tuple(c.id for c in a.citations)),
                SplitPart("ed-split", b.text, tuple(c.id for c in b.citations)),
            ),
        ),
        Change(AmendmentAction.CITE, a.key, add=(view.fragment_ids[-1],)),
        Change(
            AmendmentAction.ADD,
            "ed-new",
            text="A new point.",
            section=Section.GAP,
            add=(view.fragment_ids[0],),
        ),
        Change(AmendmentAction.REMOVE, "ed-new"),
    ]
    for change in steps:
        async with sessionmaker() as s:
            done = await amend(
                s,
                SLUG,
                1,
                change,
                f"step {change.action}",
                rev,
                actor=people.editor,
                embedder=EMBEDDER,
            )
        rev = {**rev, **done.revisions}
    final = await _view(sessionmaker, people)
    keys = [s.key for s in final.statements]
    assert b.key not in keys
    assert "ed-split" in keys
    assert "ed-new" not in keys
    assert final.ledger[-1]["subject"] == "ed-new"
    assert final.ledger[-1]["reason"] == "step remove"
    assert view.fragment_ids[-1] in [c.id for c in final.statement(a.key).citations]  # type: ignore[union-attr]
    assert len(final.amendments) == len(steps)
    async with sessionmaker() as s:
        history = await editing_history(s, SLUG, 1, actor=people.editor)
    assert history.amendments == len(steps)
    assert history.consistent
    assert history.replayed == history.stored


async def test_bad_changes_are_refused_with_every_problem(
    sessionmaker: Maker, people: People
) -> None:
    view = await _view(sessionmaker, people)
    first = view.statements[0]
    cases = [
        (Change(AmendmentAction.EDIT, first.key, text="x"), "", {first.key: 1}, "reason"),
        (Change(AmendmentAction.EDIT, first.key, text="  "), "r", {first.key: 1}, "text"),
        (Change(AmendmentAction.EDIT, "nope", text="x"), "r", {"nope": 1}, "no such statement"),
        (Change(AmendmentAction.EDIT, first.key, text="x"), "r", {}, "revision"),
        (Change(AmendmentAction.ADD, "ed-x", text="x", section=Section.GAP), "r", {}, "cite"),
        (
            Change(
                AmendmentAction.ADD, "ed-x", text="x", section=Section.GAP, add=("other-round",)
            ),
            "r",
            {},
            "no fragment of this round",
        ),
        (
            Change(AmendmentAction.CITE, first.key, remove=tuple(c.id for c in first.citations)),
            "r",
            {first.key: 1},
            "at least one citation",
        ),
        (Change(AmendmentAction.ACCEPT_FLAG, first.key), "r", {first.key: 1}, "no unanswered flag"),
        (Change(AmendmentAction.EDIT, first.key, text="a\x00b"), "r", {first.key: 1}, "NUL"),
        (Change(AmendmentAction.EDIT, first.key, text="ok"), "r\x00", {first.key: 1}, "NUL"),
        (
            Change(
                AmendmentAction.ADD,
                "ed-y",
                text="x",
                section=Section.GAP,
                theme_key="zz",
                add=(first.citations[0].id,),
            ),
            "r",
            {},
            "no theme of this round",
        ),
        (
            Change(
                AmendmentAction.ADD,
                "bad key\x00",
                text="x",
                section=Section.GAP,
                add=(first.citations[0].id,),
            ),
            "r",
            {},
            "not a valid id",
        ),
    ]
    for change, reason, revisions, expected in cases:
        async with sessionmaker() as s:
            with pytest.raises(RejectedInput, match=expected):
                await amend(
                    s, SLUG, 1, change, reason, revisions, actor=people.editor, embedder=EMBEDDER
                )
    assert (await _view(sessionmaker, people)).version == view.version


async def test_only_editors_of_the_study_amend_and_approve(
    sessionmaker: Maker, people: People
) -> None:
    view = await _view(sessionmaker, people)
    first = view.statements[0]
    change = Change(AmendmentAction.EDIT, first.key, text="changed")
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied, match="may not edit the synthesis"):
            await amend(
                s, SLUG, 1, change, "r", {first.key: 1}, actor=people.reader, embedder=EMBEDDER
            )
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied, match="read unpublished drafts"):
            await workspace(s, SLUG, 1, actor=people.reader)
    async with sessionmaker() as s:
        with pytest.raises(PermissionDenied, match="approve"):
            await approve_version(s, SLUG, 1, view.version, actor=people.reader)
    for call in (
        amend(
            sessionmaker(),
            SLUG,
            1,
            change,
            "r",
            {first.key: 1},
            actor=people.outsider,
            embedder=EMBEDDER,
        ),
        workspace(sessionmaker(), SLUG, 1, actor=people.outsider),
        approve_version(sessionmaker(), SLUG, 1, view.version, actor=people.outsider),
    ):
        with pytest.raises(NotFound, match="unknown study"):
            await call
    assert (await _view(sessionmaker, people)).version == view.version
    async with sessionmaker() as s:  # the operator may (the shell user owns the database)
        await amend(s, SLUG, 1, change, "r", {first.key: 1}, actor=OPERATOR, embedder=EMBEDDER)
