"""Building the report of a prioritisation round: load, analyse, shape the read model.

Only a closed round is reported (an open one still takes scores, so its ranking would go
stale), and its previous rating round, when there is one, is analysed too so the report can
say what moved. Who may read it: staff who read drafts (facilitators, editors); publishing
priority reports to readers is left to the reports issue (12), which unifies report models.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict
from symphonia.core.priorities.analysis import ItemResult, PriorityAnalysis, analyse_priorities
from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.priorities.rounds import ItemChange, RoundComparison, compare_rounds
from symphonia.core.priorities.scores import PriorityScore
from symphonia.db.enums import ParticipantRole, RoundKind, RoundStatus
from symphonia.db.models import PriorityItem, Round, StakeholderGroup, Study
from symphonia.db.models import PriorityScore as ScoreRow
from symphonia.services.lookup import get_round, participants_by_pseudonym
from symphonia.services.permissions import study_for
from symphonia.services.priority_setup import item_rows, study_prioritisation
from symphonia.services.priority_views import (
    Agreement,
    CannotJudge,
    CriterionInfo,
    GroupInfo,
    GroupSplit,
    Methods,
    PriorityReport,
    PriorityRow,
    Scenario,
    Stability,
    StudyHeader,
    WeightSensitivity,
)
from symphonia.services.tx import transaction

_CLOSED = (RoundStatus.CLOSED, RoundStatus.ANALYSED, RoundStatus.PUBLISHED)


async def is_priority_round(session: AsyncSession, slug: str, number: int, *, actor: Actor) -> bool:
    """Whether round `number` of the study is a rating round of a prioritisation study
    (what `export` asks to choose the report to build)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
        rnd = await get_round(session, study, number)
        return rnd.kind is RoundKind.RATE and await study_prioritisation(session, study) is not None


async def round_scores(session: AsyncSession, rnd: Round) -> list[PriorityScore]:
    rows = await session.scalars(
        select(ScoreRow)
        .where(ScoreRow.round_id == rnd.id)
        .options(selectinload(ScoreRow.item), selectinload(ScoreRow.rater))
    )
    return [
        PriorityScore(r.item.external_id, r.criterion, r.rater.pseudonym, r.score) for r in rows
    ]


async def previous_rating_round(session: AsyncSession, study: Study, number: int) -> Round | None:
    return await session.scalar(
        select(Round)
        .where(
            Round.study_id == study.id,
            Round.kind == RoundKind.RATE,
            Round.number < number,
            Round.status.in_(_CLOSED),
        )
        .order_by(Round.number.desc())
        .limit(1)
    )


async def build_priority_report(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> PriorityReport:
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_DRAFTS)
        rnd = await get_round(session, study, number)
        definition = await study_prioritisation(session, study)
        context = {"study": slug, "round": number}
        if definition is None or rnd.kind is not RoundKind.RATE:
            raise Conflict(
                f"round {number} of {slug!r} is not a rating round of a prioritisation study",
                code="not_a_priority_round",
                context=context,
            )
        if rnd.status not in _CLOSED:
            raise Conflict(
                f"round {number} of {slug!r} is {rnd.status.value}; its ranking is reported "
                "once it has closed",
                code="priority_round_open"
                if rnd.status is RoundStatus.OPEN
                else "round_not_opened",
                context=context,
            )
        people = await participants_by_pseudonym(session, study)
        group_of = {
            p.pseudonym: p.group.key
            for p in people.values()
            if p.group is not None and p.role is ParticipantRole.EXPERT
        }
        rows = await item_rows(session, study)
        items = [r.external_id for r in rows]
        analysis = analyse_priorities(definition, items, await round_scores(session, rnd), group_of)
        comparison = previous_w = None
        previous = await previous_rating_round(session, study, number)
        if previous is not None:
            before = analyse_priorities(
                definition, items, await round_scores(session, previous), group_of
            )
            comparison = compare_rounds(
                previous.number,
                before.by_rater,
                analysis.by_rater,
                (before.ranks, analysis.ranks),
                (before.scores, analysis.scores),
                items,
            )
            previous_w = before.agreement.w if before.agreement else None
        labels = await _group_labels(session, study)
        experts = sum(1 for p in people.values() if p.role is ParticipantRole.EXPERT)
        return _report(
            study, rnd, definition, rows, analysis, comparison, previous_w, labels, experts
        )


async def _group_labels(session: AsyncSession, study: Study) -> dict[str, str]:
    groups = await session.scalars(
        select(StakeholderGroup).where(StakeholderGroup.study_id == study.id)
    )
    return {g.key: g.label for g in groups}


def _row(result: ItemResult, item: PriorityItem, change: ItemChange | None) -> PriorityRow:
    test = change.wilcoxon if change else None
    return PriorityRow(
        rank=result.rank,
        item=result.item,
        title=item.title,
        description=item.description,
        score=result.score,
        interval=result.interval,
        top_share=result.top_share,
        schulze_rank=result.schulze_rank,
        borda_points=result.borda_points,
        borda_rank=result.borda_rank,
        raters=result.raters,
        answered=result.answered,
        cannot_judge=result.cannot_judge,
        criterion_means=result.criterion_means,
        group_ranks=result.group_ranks,
        fragment_ids=tuple(item.fragment_ids),
        previous_rank=change.previous_rank if change else None,
        rank_change=change.change if change else None,
        shift_p_value=test.p_value if test else None,
        shifted=bool(test and test.significant),
    )


def _methods(d: Prioritisation) -> Methods:
    return Methods(
        d.rule.value,
        d.weights_total,
        d.min_judged_weight,
        d.confidence,
        d.bootstrap_samples,
        d.seed,
        d.top,
    )


def _agreement(analysis: PriorityAnalysis) -> Agreement:
    w = analysis.agreement
    if w is None:
        return Agreement(None, None, None, None, 0, 0, analysis.agreement_note)
    return Agreement(w.w, w.chi2, w.df, w.p_value, w.n_raters, w.dropped_raters, None)


def _splits(analysis: PriorityAnalysis, titles: dict[str, PriorityItem]) -> tuple[GroupSplit, ...]:
    return tuple(
        GroupSplit(
            d.item,
            titles[d.item].title,
            d.spread,
            d.highest,
            d.highest_rank,
            d.lowest,
            d.lowest_rank,
        )
        for d in analysis.divergence
    )


def _sensitivity(analysis: PriorityAnalysis) -> WeightSensitivity:
    sens = analysis.sensitivity
    scenarios = tuple(
        Scenario(s.criterion, s.factor, s.top, s.entered, s.left) for s in sens.scenarios
    )
    return WeightSensitivity(sens.top_n, sens.baseline, sens.robust, scenarios)


def _cannot_judge(
    analysis: PriorityAnalysis, titles: dict[str, PriorityItem]
) -> tuple[CannotJudge, ...]:
    found = [
        CannotJudge(r.item, titles[r.item].title, c, n, r.answered)
        for r in analysis.items
        for c, n in r.cannot_judge.items()
        if n
    ]
    return tuple(sorted(found, key=lambda c: (-c.count, c.item, c.criterion)))


def _stability(comparison: RoundComparison | None, previous_w: float | None) -> Stability | None:
    if comparison is None:
        return None
    return Stability(
        comparison.previous_round,
        comparison.tau,
        comparison.tau_p_value,
        len(comparison.moved),
        len(comparison.shifted),
        previous_w,
    )


def _report(
    study: Study,
    rnd: Round,
    definition: Prioritisation,
    rows: list[PriorityItem],
    analysis: PriorityAnalysis,
    comparison: RoundComparison | None,
    previous_w: float | None,
    labels: dict[str, str],
    panel_size: int,
) -> PriorityReport:
    titles = {r.external_id: r for r in rows}
    changes = {c.item: c for c in comparison.changes} if comparison else {}
    raters = {g.group: g.raters for g in analysis.groups}
    return PriorityReport(
        study=StudyHeader(study.slug, study.title, study.question, study.synthetic),
        round_number=rnd.number,
        round_status=rnd.status.value,
        panel_size=panel_size,
        raters=analysis.raters,
        criteria=tuple(CriterionInfo.of(c) for c in definition.criteria),
        groups=tuple(GroupInfo(k, v, raters.get(k, 0)) for k, v in sorted(labels.items())),
        methods=_methods(definition),
        priorities=tuple(_row(r, titles[r.item], changes.get(r.item)) for r in analysis.items),
        agreement=_agreement(analysis),
        schulze_levels=analysis.schulze.levels,
        splits=_splits(analysis, titles),
        sensitivity=_sensitivity(analysis),
        cannot_judge=_cannot_judge(analysis, titles),
        stability=_stability(comparison, previous_w),
    )
