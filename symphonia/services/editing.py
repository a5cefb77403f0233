"""Editors amend a round's synthesis: each change makes a new version, with an amendment.

A stored version is never rewritten (`symphonia.db.immutability`), so a change is applied to
the round's latest version (its *head*) and stored whole as the next version, whose
`parent_id` is the head; the amendment row records who, when, why, the editor's decision
(replayable), the statements before and after, and a word diff. The guard re-runs on every
statement the change wrote, as it ran on the draft: a statement that fails it stays, flagged,
until it is amended or an editor accepts the flag with a written justification.

No lost edits: the editor's form carries the revision of each statement it changes; when
another editor changed one of them meanwhile, the change is refused with a `Conflict`
(code ``stale_statement``) whose context holds the current text, so the page can show both
texts and keep what the editor typed. Changes to *other* statements do not conflict.
Changes of one study run one after another (the study row is locked on PostgreSQL; SQLite
lets one writer in at a time), so two changes never both build on the same head.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.amending import apply_change
from symphonia.core.amendment_rules import check_reason
from symphonia.core.amendments import AmendmentAction, Change, DraftState, DraftStatement
from symphonia.core.readable_diff import change_diff
from symphonia.core.synthesis import Statement as CoreStatement
from symphonia.db.audit import record_event
from symphonia.db.enums import Origin
from symphonia.db.models import Amendment, Citation, Round, Statement, Study, SynthesisVersion
from symphonia.pipeline.contracts import Embedder
from symphonia.pipeline.guard import (
    DEFAULT_AGREEMENT_THRESHOLD,
    DEFAULT_SUPPORT_THRESHOLD,
    Guard,
)
from symphonia.services.draft_evidence import Evidence, load_evidence
from symphonia.services.errors import Conflict, NotFound, Problem, RejectedInput
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class AmendmentResult:
    """What an amendment made: the new version and the revisions of what it wrote."""

    study: str
    round: int
    version: int
    action: AmendmentAction
    revisions: Mapping[str, int]
    flagged: tuple[str, ...]
    """Keys of written statements the guard flagged (unaccepted)."""


async def head_version(session: AsyncSession, rnd: Round) -> SynthesisVersion | None:
    """The round's latest version with its statements and their citations' fragments."""
    return await session.scalar(
        select(SynthesisVersion)
        .where(SynthesisVersion.round_id == rnd.id)
        .options(
            selectinload(SynthesisVersion.statements)
            .selectinload(Statement.citations)
            .selectinload(Citation.fragment)
        )
        .order_by(SynthesisVersion.number.desc())
        .limit(1)
    )


def no_version(study: Study, number: int) -> NotFound:
    return NotFound(
        f"round {number} of {study.slug!r} has no synthesis draft yet",
        code="no_synthesis",
        context={"study": study.slug, "round": number},
    )


def draft_statement(row: Statement) -> DraftStatement:
    accepted = row.guard.get("accepted")
    return DraftStatement(
        key=row.key,
        theme_key=row.theme_key,
        section=row.section,
        text=row.text,
        citations=tuple(c.fragment.external_id for c in row.citations),
        strength=row.strength,
        revision=row.revision or 1,
        accepted=accepted if isinstance(accepted, str) else None,
    )


def draft_state(version: SynthesisVersion) -> DraftState:
    return DraftState(tuple(draft_statement(s) for s in version.statements), tuple(version.ledger))


def unanswered(guard: Mapping[str, Any]) -> bool:
    """A statement the guard flagged and no editor accepted."""
    return not guard.get("ok", True) and not guard.get("accepted")


def _snapshot(st: DraftStatement) -> dict[str, Any]:
    return {
        "key": st.key,
        "theme": st.theme_key,
        "section": st.section.value,
        "text": st.text,
        "citations": list(st.citations),
        "revision": st.revision,
    }


def _verdicts(
    evidence: Evidence,
    embedder: Embedder,
    drafter: Mapping[str, Any],
    written: Sequence[DraftStatement],
) -> dict[str, dict[str, Any]]:
    """The guard's verdict on each written statement (CPU-bound: run off the event loop)."""
    settings = drafter.get("guard", {}) if isinstance(drafter.get("guard"), dict) else {}
    guard = Guard(
        evidence.themes,
        evidence.singular_views,
        evidence.fragments,
        embedder,
        float(settings.get("support_threshold", DEFAULT_SUPPORT_THRESHOLD)),
        float(settings.get("agreement_threshold", DEFAULT_AGREEMENT_THRESHOLD)),
    )
    out = {}
    for st in written:
        core = CoreStatement(
            st.key, st.theme_key, st.section, st.text, st.citations, st.strength, "editor"
        )
        out[st.key] = guard.verdict(core)
    return out


def _check_revisions(
    study: Study, number: int, state: DraftState, change: Change, revisions: Mapping[str, int]
) -> None:
    missing = [k for k in change.touched if k not in revisions]
    if missing:
        raise RejectedInput(
            "the change was not made",
            [Problem(f"statement {k!r}", "revision", "is required") for k in missing],
        )
    for key in change.touched:
        current = state.get(key)
        if current is not None and current.revision != revisions[key]:
            raise Conflict(
                f"statement {key!r} was changed by another editor since you opened it "
                f"(revision {current.revision}, you had {revisions[key]}); nothing was changed",
                code="stale_statement",
                context={
                    "study": study.slug,
                    "round": number,
                    "statement": key,
                    "current_revision": current.revision,
                    "current_text": current.text,
                    "your_revision": revisions[key],
                },
            )


def _rows(
    state: DraftState,
    head: SynthesisVersion,
    written: Mapping[str, dict[str, Any]],
    evidence: Evidence,
) -> list[Statement]:
    stored = {s.key: s for s in head.statements}
    rows = []
    for position, st in enumerate(state.statements):
        if st.key in written:
            guard = {**written[st.key], "origin_detail": "editor"}
            if st.accepted:
                guard["accepted"] = st.accepted
            origin = Origin.EDITOR
        else:
            guard, origin = dict(stored[st.key].guard), stored[st.key].origin
        rows.append(
            Statement(
                key=st.key,
                theme_key=st.theme_key,
                section=st.section,
                text=st.text,
                strength=st.strength,
                origin=origin,
                guard=guard,
                position=position,
                revision=st.revision,
                citation_count=len(st.citations),
                citations=[
                    Citation(fragment_id=evidence.row_ids[fid], position=n)
                    for n, fid in enumerate(st.citations)
                ],
            )
        )
    return rows


async def amend(
    session: AsyncSession,
    slug: str,
    number: int,
    change: Change,
    reason: str,
    revisions: Mapping[str, int],
    *,
    actor: Actor,
    embedder: Embedder,
) -> AmendmentResult:
    """Apply `change` to round `number`'s latest version, giving the next version.

    `revisions` maps each statement the change reads to the revision the editor saw;
    `reason` is required. Refused: a stale revision (Conflict ``stale_statement``), a change
    that cannot be made (RejectedInput), an actor without EDIT_SYNTHESIS.
    """
    reason = check_reason(reason)
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.EDIT_SYNTHESIS, lock=True)
        rnd = await get_round(session, study, number)
        head = await head_version(session, rnd)
        if head is None:
            raise no_version(study, number)
        state = draft_state(head)
        _check_revisions(study, number, state, change, revisions)
        evidence = await load_evidence(session, head.run_id)
        themes = {t.id for t in evidence.themes}
        if change.action is AmendmentAction.ADD and change.theme_key not in (None, *themes):
            raise RejectedInput(
                "the change was not made",
                [Problem(f"statement {change.key!r}", "theme", "no theme of this round")],
            )
        applied = apply_change(state, change, reason, evidence.fragments)
        if change.action is AmendmentAction.ACCEPT_FLAG:
            target = next(s for s in head.statements if s.key == change.key)
            if not unanswered(target.guard):
                raise RejectedInput(
                    "the change was not made",
                    [Problem(f"statement {change.key!r}", "", "has no unanswered flag")],
                )
        verdicts = await asyncio.to_thread(
            _verdicts, evidence, embedder, head.drafter, applied.after
        )
        version = SynthesisVersion(
            round_id=rnd.id,
            run_id=head.run_id,
            parent_id=head.id,
            number=head.number + 1,
            origin=Origin.EDITOR,
            drafter=dict(head.drafter),
            ledger=[dict(e) for e in applied.state.ledger],
            created_by_id=actor.account_id,
            statements=_rows(applied.state, head, verdicts, evidence),
        )
        session.add(version)
        await session.flush()
        by_key = {s.key: s for s in version.statements}
        before_row = next((s for s in head.statements if s.key == change.key), None)
        after_row = by_key.get(change.key)
        session.add(
            Amendment(
                version_id=version.id,
                action=change.action,
                before_id=before_row.id if before_row else None,
                after_id=after_row.id if after_row else None,
                editor_id=actor.account_id,
                reason=reason,
                statement_key=change.key,
                change=change.as_dict(),
                before=[_snapshot(s) for s in applied.before],
                after=[_snapshot(s) for s in applied.after],
                diff=change_diff(change.action, applied.before, applied.after, reason),
            )
        )
        record_event(
            session,
            actor,
            f"synthesis.{change.action.value}",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={"version": version.number, "statement": change.key, "reason": reason},
        )
        flagged = tuple(k for k in verdicts if unanswered(by_key[k].guard))
        return AmendmentResult(
            slug,
            number,
            version.number,
            change.action,
            {s.key: s.revision or 1 for s in version.statements if s.key in verdicts},
            flagged,
        )


def new_statement_key() -> str:
    """A key for a statement an editor adds or splits off: never one a drafter uses."""
    return f"ed-{uuid.uuid4().hex[:12]}"
