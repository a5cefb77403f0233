"""The methods appendix from the records: panel, participant flow, protocol and its lock,
the stopping rule's verdict, stability between rounds, and how the draft was made."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from symphonia.core.protocol import Protocol
from symphonia.core.synthesis import DraftingSummary
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.services.reporting.content import group_keys
from symphonia.services.reporting.methods_model import (
    DraftingRecord,
    GroupFlow,
    GroupsCompared,
    GroupSize,
    GuardSummary,
    ItemStability,
    OpinionGroups,
    PanelComposition,
    ProtocolSummary,
    RoundFlow,
    StabilityRecord,
    StoppingVerdict,
)
from symphonia.services.reporting.records import ReportRecords, experts

NO_GROUP = "no stakeholder group"


def panel(records: ReportRecords) -> PanelComposition:
    people = experts(records)
    counts: dict[uuid.UUID, int] = {}
    for p in people:
        if p.group_id is not None:
            counts[p.group_id] = counts.get(p.group_id, 0) + 1
    return PanelComposition(
        experts=len(people),
        groups=tuple(GroupSize(g.key, g.label, counts.get(g.id, 0)) for g in records.groups),
        without_group=sum(1 for p in people if p.group_id is None),
        staff=tuple(sorted(records.staff.items())),
    )


def flow(records: ReportRecords) -> tuple[RoundFlow, ...]:
    people = experts(records)
    panel_ids = {p.id for p in people}
    keys = group_keys(records)
    group_of = {p.id: keys.get(p.group_id, NO_GROUP) if p.group_id else NO_GROUP for p in people}
    names = sorted(set(group_of.values()))
    out = []
    before: set[uuid.UUID] | None = None
    for rnd in records.rounds:
        took = records.took_part.get(rnd.id, set()) & panel_ids
        out.append(
            RoundFlow(
                number=rnd.number,
                kind=rnd.kind.value,
                status=rnd.status.value,
                opens_at=rnd.opens_at,
                closes_at=rnd.closes_at,
                panel=len(panel_ids),
                took_part=len(took),
                came_before=len(before) if before is not None else None,
                dropped=len(before - took) if before is not None else None,
                joined=len(took - before) if before is not None else None,
                by_group=tuple(
                    GroupFlow(
                        g,
                        sum(1 for v in group_of.values() if v == g),
                        sum(1 for p in took if group_of[p] == g),
                    )
                    for g in names
                ),
                contributions=records.contributions.get(rnd.id, 0),
            )
        )
        if rnd.status is not RoundStatus.DRAFT:
            before = took
    return tuple(out)


def protocol_summary(records: ReportRecords, protocol: Protocol) -> ProtocolSummary:
    return ProtocolSummary(
        rule=protocol.rule.value,
        scale=(protocol.scale.minimum, protocol.scale.maximum),
        agreement_band=protocol.scale.agreement_band(),
        agreement_threshold=protocol.agreement_threshold,
        max_iqr=protocol.max_iqr,
        min_participation=protocol.min_participation,
        min_group_agreement=protocol.min_group_agreement,
        min_item_ratings=protocol.min_item_ratings,
        participation_base=protocol.participation_base.value,
        group_basis=protocol.group_basis.value,
        max_rounds=protocol.stopping.max_rounds,
        cv_change_below=protocol.stopping.cv_change_below,
        require_nonsignificant_wilcoxon=protocol.stopping.require_nonsignificant_wilcoxon,
        locked_at=records.study.protocol_locked_at,
    )


def _run(records: ReportRecords) -> Mapping[str, Any]:
    return (records.run.params.get("run") or {}) if records.run else {}


def stopping(records: ReportRecords, protocol: Protocol) -> StoppingVerdict:
    held = sum(1 for r in records.rounds if r.status not in (RoundStatus.DRAFT, RoundStatus.OPEN))
    planned = protocol.stopping.max_rounds
    stored = _run(records).get("stability")
    number = records.round.number
    if isinstance(stored, Mapping):
        return StoppingVerdict(
            True,
            bool(stored.get("stop")),
            tuple(map(str, stored.get("reasons") or ())),
            held,
            planned,
        )
    reasons = []
    if records.round.kind is RoundKind.CONTRIBUTE:
        reasons.append(
            f"round {number} collected contributions: the stopping rule compares two rating rounds"
        )
    else:
        reasons.append(
            f"round {number} is the first rating round: stability needs a previous rating round"
        )
    capped = number >= planned
    if capped:
        reasons.append(f"round {number} reached the cap of {planned}")
    return StoppingVerdict(False, capped, tuple(reasons), held, planned)


def stability(records: ReportRecords) -> StabilityRecord | None:
    stored = _run(records).get("stability")
    if not isinstance(stored, Mapping):
        return None
    kendall = stored.get("kendall") or {}
    items = []
    for item in stored.get("items") or ():
        test = item.get("wilcoxon") or {}
        items.append(
            ItemStability(
                item_id=str(item.get("item_id")),
                cv_before=item.get("cv_before"),
                cv_after=item.get("cv_after"),
                cv_change=item.get("cv_change"),
                wilcoxon_p=test.get("p_value"),
                n_pairs=test.get("n_pairs"),
                n_changed=test.get("n_changed"),
                significant=test.get("significant"),
                stable=bool(item.get("stable")),
            )
        )
    return StabilityRecord(
        previous_round=int(stored.get("previous_round", 0)),
        kendall_w=kendall.get("w"),
        kendall_p=kendall.get("p_value"),
        kendall_raters=kendall.get("n_raters"),
        kendall_items=kendall.get("n_items"),
        items=tuple(items),
    )


def _guard(drafter: Mapping[str, Any], ledger: int) -> GuardSummary:
    guard = drafter.get("guard") or {}
    flags = guard.get("flags_by_code") or {}
    threshold = guard.get("support_threshold")
    return GuardSummary(
        statements=int(guard.get("statements", 0)),
        flagged=int(guard.get("flagged", 0)),
        flags_by_code=tuple(sorted((str(k), int(v)) for k, v in flags.items())),
        ledger_entries=ledger,
        support_threshold=float(threshold) if isinstance(threshold, int | float) else None,
    )


def drafting(records: ReportRecords) -> DraftingRecord:
    drafter: Mapping[str, Any] = records.version.drafter or {}
    run = _run(records)
    summary = DraftingSummary.from_dict(drafter.get("drafting"))
    params = drafter.get("parameters") or {}
    labels = run.get("theme_labels") or {}
    projection = (records.run.params.get("projection") or {}) if records.run else {}
    return DraftingRecord(
        drafter=str(drafter.get("drafter", records.version.origin.value)),
        model=drafter.get("model"),
        parameters=tuple(
            sorted((str(k), str(v)) for k, v in params.items() if not isinstance(v, list | dict))
        ),
        prompts=tuple(sorted((str(k), str(v)) for k, v in (drafter.get("prompts") or {}).items())),
        summary=summary.describe() if summary else None,
        fallbacks=tuple(
            (str(f.get("theme_id")), str(f.get("reason"))) for f in drafter.get("fallbacks") or ()
        ),
        embedding_model=run.get("model"),
        embedding_backend=run.get("embedding_backend"),
        input_hash=run.get("input_hash"),
        fragments=int(run.get("fragments", 0)),
        themes=int(run.get("themes", len(records.themes))),
        singular_views=int(run.get("singular_views", len(records.singular))),
        theme_labels=str(labels.get("method", "keywords of each theme (c-TF-IDF)")),
        guard=_guard(drafter, len(records.version.ledger)),
        amendments=len(records.amendments),
        projection=projection.get("method") if isinstance(projection, Mapping) else None,
    )


def groups_compared(records: ReportRecords) -> GroupsCompared | None:
    stored = _run(records).get("groups")
    if not isinstance(stored, Mapping):
        return None
    formed = stored.get("opinion_groups")
    opinion = None
    if isinstance(formed, Mapping):
        silhouette = formed.get("silhouette")
        opinion = OpinionGroups(
            k=int(formed.get("k") or 0),
            sizes=tuple(sorted((str(g), int(n)) for g, n in (formed.get("sizes") or {}).items())),
            method=str(formed.get("method", "")),
            silhouette=float(silhouette) if isinstance(silhouette, int | float) else None,
            placed=int(formed.get("placed") or 0),
            participants=int(formed.get("participants") or 0),
            threshold=int(formed.get("threshold") or 0),
            note=str(formed.get("note", "")),
        )
    return GroupsCompared(
        basis=str(stored.get("basis", "stakeholder")),
        noun=str(stored.get("noun", "group")),
        groups=tuple(str(g) for g in stored.get("groups") or ()),
        opinion=opinion,
        counts_without_identity=int(stored.get("counts_without_identity") or 0),
    )
