"""A whole Delphi study through the services: analysis runs, versions, provenance, anonymity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.study import Anonymity, RoundKind, StudyDefinition
from symphonia.db.enums import RoundStatus
from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models import AnalysisRun, AuditEvent, Citation, Round, SynthesisVersion
from symphonia.db.models import Fragment as FragmentRow
from symphonia.interchange import read_fragments, read_rating_items, read_ratings
from symphonia.pipeline.contracts import Embedder
from symphonia.polis import read_polis_export
from symphonia.services.analysis import analyse_round
from symphonia.services.errors import Conflict, NotFound
from symphonia.services.exports import ReportDocument, build_report
from symphonia.services.polis_import import import_polis
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.studyfiles import load_study as read_study_file
from symphonia.studyfiles import round_file

Maker = async_sessionmaker[AsyncSession]
SLUG = "connected-icb"
OPERATOR = Actor.operator("test")


async def run_schedule(maker: Callable[[], AsyncSession], definition: StudyDefinition) -> None:
    async with maker() as s:
        await load_study(s, definition, actor=OPERATOR)
    for r in definition.rounds:
        async with maker() as s, s.begin():
            await open_round(s, definition.id, r.number, actor=OPERATOR)
            if r.kind is RoundKind.CONTRIBUTE and r.fragments:
                frags = read_fragments(round_file(definition, r.fragments))
                await import_fragments(s, definition.id, r.number, frags, actor=OPERATOR)
            if r.kind is RoundKind.RATE and r.ratings:
                items = read_rating_items(round_file(definition, r.items)) if r.items else []
                ratings = read_ratings(round_file(definition, r.ratings))
                await import_ratings(s, definition.id, r.number, ratings, items, actor=OPERATOR)
            await close_round(s, definition.id, r.number, actor=OPERATOR)


@pytest.mark.model
async def test_demo_study_end_to_end_with_provenance(
    sessionmaker: Maker, demo_study_dir: Path, real_embedder: Embedder
) -> None:
    definition = read_study_file(demo_study_dir)
    await run_schedule(sessionmaker, definition)
    async with sessionmaker() as s:
        first = await analyse_round(s, SLUG, 3, real_embedder, None, actor=OPERATOR)
    async with sessionmaker() as s:
        second = await analyse_round(s, SLUG, 3, real_embedder, None, actor=OPERATOR)
    assert (first.version_number, second.version_number) == (1, 2)
    assert first.result.run["input_hash"] == second.result.run["input_hash"]
    assert first.result.run["stability"]["previous_round"] == 2
    statuses = {t.status.value for t in first.result.themes}
    assert {"consensus", "contested"} <= statuses

    async with sessionmaker() as s:
        doc = await build_report(s, SLUG, 3, actor=OPERATOR)
        rnd = await s.scalar(select(Round).where(Round.number == 3))
        runs = await s.scalar(select(func.count()).select_from(AnalysisRun))
        versions = list(await s.scalars(select(SynthesisVersion).order_by(SynthesisVersion.number)))
        actions = set(await s.scalars(select(AuditEvent.action)))
    assert rnd is not None
    assert rnd.status is RoundStatus.ANALYSED
    assert runs == 2
    assert versions[1].parent_id == versions[0].id
    assert {"analysis.completed", "protocol.locked", "ratings.imported"} <= actions

    # Every fragment of round 1 is in exactly one theme or a singular view...
    members = [f for t in doc.themes for f in t.fragment_ids] + list(doc.singular_views)
    assert sorted(members) == sorted(
        f.id for f in read_fragments(demo_study_dir / "round1-fragments.jsonl")
    )
    # The off-topic injection fragment is a singular view, never a theme's quoted lead.
    (hostile,) = [e.id for e in doc.evidence if e.text.startswith("Ignore previous")]
    assert hostile in doc.singular_views
    assert all(hostile not in t.representative_ids for t in doc.themes)
    # ...every statement cites evidence that the report carries, with its pseudonym and group.
    evidence = {e.id: e for e in doc.evidence}
    for statement in doc.statements:
        assert statement.citations
        for fid in statement.citations:
            assert (evidence[fid].author or "").startswith("E")
            assert evidence[fid].group
    assert doc.study.synthetic is True
    assert doc.version.number == 2
    assert doc.methods.stability is not None
    assert doc.methods.stability.previous_round == 2
    # themes read as phrases of their contributors, not keyword lists
    assert doc.themes
    assert all(t.label != ", ".join(t.keywords[:3]) for t in doc.themes)
    assert "opening clause" in doc.methods.drafting.theme_labels

    # The research-access debate is contested and both sides are in the report.
    assert any({p.side for p in c.positions} >= {"for", "against"} for c in doc.contested)

    await _every_format_says_the_same(sessionmaker, doc)

    async with sessionmaker() as s:
        old = await build_report(s, SLUG, 3, version_number=1, actor=OPERATOR)
        with pytest.raises(NotFound, match="no version 7"):
            await build_report(s, SLUG, 3, version_number=7, actor=OPERATOR)
    assert old.version.number == 1


async def _every_format_says_the_same(maker: Maker, doc: ReportDocument) -> None:
    """Each format of the demo report, read back: the question and every consensus statement
    are in it, and the same records give the same bytes (a second build of the document)."""
    import html
    import io
    import json
    import shutil
    import subprocess
    import zipfile

    import docx

    from symphonia.reports.formats import FORMATS
    from symphonia.reports.markdown import esc

    async with maker() as s:
        again = await build_report(s, SLUG, 3, actor=OPERATOR)
    consensus = [st.text for st in doc.statements if st.section == "consensus"]
    assert consensus
    files = {name: fmt.render(doc) for name, fmt in FORMATS.items()}
    for name in ("html", "md", "json", "csv", "prov"):
        assert FORMATS[name].render(again) == files[name], name
    page = " ".join(html.unescape(files["html"].decode("utf-8")).split())
    markdown = files["md"].decode("utf-8")
    data = json.loads(files["json"])
    for sentence in (doc.study.question, *consensus):
        assert " ".join(sentence.split()) in page
        assert esc(sentence) in markdown
    assert data["study"]["question"] == doc.study.question
    [section] = [x for x in data["sections"] if x["key"] == "consensus"]
    assert [st["text"] for st in section["statements"]] == consensus
    rows = zipfile.ZipFile(io.BytesIO(files["csv"])).read("items.csv").decode("utf-8-sig")
    assert len(rows.splitlines()) == len(doc.items) + 1
    body = docx.Document(io.BytesIO(files["docx"]))
    assert "Methods" in [p.text for p in body.paragraphs if p.style.name == "Heading 1"]
    if shutil.which("pdftotext"):
        extracted = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"],
            input=files["pdf"],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")

        # compared without white space (lines may break after a dash: "93%–" / "100%") and
        # without hyphens, which pdftotext drops where a line breaks inside a hyphenated
        # word ("child-" / "centred" comes out as "childcentred")
        def flat(text: str) -> str:
            return "".join(text.split()).replace("-", "")

        page_text = flat(extracted)
        assert flat(doc.study.question) in page_text
        assert [c for c in consensus if flat(c) not in page_text] == []


async def test_anonymous_study_reports_carry_no_author(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    from tests.unit.pipeline.conftest import CountingEmbedder

    definition = replace(read_study_file(demo_study_dir), anonymity=Anonymity.ANONYMOUS)
    short = replace(definition, rounds=definition.rounds[:1])
    await run_schedule(sessionmaker, short)
    async with sessionmaker() as s:
        await analyse_round(s, SLUG, 1, CountingEmbedder(), None, actor=OPERATOR)
        doc = await build_report(s, SLUG, 1, actor=OPERATOR)
    assert doc.evidence
    assert all(e.author is None for e in doc.evidence)
    assert "E01" not in str(doc.statements)


async def test_submitted_fragments_cannot_be_rewritten(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    definition = read_study_file(demo_study_dir)
    await run_schedule(sessionmaker, replace(definition, rounds=definition.rounds[:1]))
    async with sessionmaker() as s:
        row = await s.scalar(select(FragmentRow).limit(1))
        assert row is not None
        row.text = "rewritten history"
        with pytest.raises(ImmutableRecordError):
            await s.commit()


async def test_polis_export_becomes_a_study(sessionmaker: Maker, polis_mini: Path) -> None:
    from tests.unit.pipeline.conftest import CountingEmbedder

    source = polis_mini
    conversation = read_polis_export(source)
    async with sessionmaker() as s:
        outcome = await import_polis(s, conversation, source, actor=OPERATOR)
    assert outcome.slug == "polis-polis-mini"
    assert outcome.fragments == len(conversation.fragments)
    assert outcome.ratings == len(conversation.ratings)
    async with sessionmaker() as s:
        result = await analyse_round(s, outcome.slug, 2, CountingEmbedder(), None, actor=OPERATOR)
        cites = await s.scalar(select(func.count()).select_from(Citation))
    ids = [f for t in result.result.themes for f in t.fragment_ids] + list(
        result.result.singular_views
    )
    assert sorted(ids) == sorted(f.id for f in conversation.fragments)
    assert cites


async def test_importing_the_same_polis_export_twice_is_refused(
    sessionmaker: Maker, polis_mini: Path
) -> None:
    source = polis_mini
    conversation = read_polis_export(source)
    async with sessionmaker() as s:
        await import_polis(s, conversation, source, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="already imported as study 'polis-polis-mini'"):
            await import_polis(s, conversation, source, actor=OPERATOR)


async def test_overlapping_analyses_of_a_round_each_store_their_own_version(
    sessionmaker: Maker, demo_study_dir: Path
) -> None:
    """The version number is taken when a result is stored, not when analysis starts, so a
    long analysis overtaken by a quicker one of the same round is stored after it."""
    import asyncio

    from symphonia.pipeline.draft_extractive import ExtractiveDrafter
    from tests.unit.pipeline.conftest import CountingEmbedder

    definition = read_study_file(demo_study_dir)
    await run_schedule(sessionmaker, replace(definition, rounds=definition.rounds[:1]))
    loop = asyncio.get_running_loop()

    async def rival() -> int:
        async with sessionmaker() as s:
            outcome = await analyse_round(
                s, SLUG, 1, CountingEmbedder(), None, actor=Actor.operator("rival")
            )
        return outcome.version_number

    class OvertakenDrafter(ExtractiveDrafter):
        """Drafts while a rival analysis of the same round runs to completion and stores."""

        def draft(self, *args: Any, **kwargs: Any) -> Any:
            assert asyncio.run_coroutine_threadsafe(rival(), loop).result(timeout=120) == 1
            return super().draft(*args, **kwargs)

    async with sessionmaker() as s:
        late = await analyse_round(
            s, SLUG, 1, CountingEmbedder(), OvertakenDrafter(), actor=Actor.operator("late")
        )
    assert late.version_number == 2
    async with sessionmaker() as s:
        versions = list(await s.scalars(select(SynthesisVersion).order_by(SynthesisVersion.number)))
        actors = list(
            await s.scalars(
                select(AuditEvent.actor)
                .where(AuditEvent.action == "analysis.completed")
                .order_by(AuditEvent.at)
            )
        )
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].parent_id == versions[0].id
    assert actors == ["rival", "late"]
