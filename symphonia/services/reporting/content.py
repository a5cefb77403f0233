"""The body of a report from the records: sections of statements, themes, contested issues
with who holds each position, the evidence, amendments.

Who wrote a fragment is shown as the study's anonymity allows: its pseudonym, its name and
pseudonym in a named study, nothing at all in an anonymous one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from symphonia.core.fragments import FragmentKind
from symphonia.db.enums import Anonymity
from symphonia.db.models import Fragment as FragmentRow
from symphonia.db.models import Participant, Statement
from symphonia.services.reporting.model import (
    AmendmentEntry,
    ContestedIssue,
    EvidenceFragment,
    GroupCount,
    GuardFlag,
    GuardVerdict,
    LedgerEntry,
    Position,
    RatingRecord,
    ReportSection,
    StatementEntry,
    ThemeEntry,
)
from symphonia.services.reporting.records import ReportRecords

SECTIONS = (
    ("consensus", "Consensus"),
    ("contested", "Contested issues"),
    ("gap", "Evidence gaps"),
    ("action", "Candidate actions"),
    ("minority", "Minority and singular views"),
)
RESOLVING_KINDS = frozenset({FragmentKind.UNCERTAINTY, FragmentKind.CAVEAT})


def author_label(person: Participant, anonymity: Anonymity) -> str | None:
    if anonymity is Anonymity.ANONYMOUS:
        return None
    if anonymity is Anonymity.NAMED and person.display_name:
        return f"{person.display_name} ({person.pseudonym})"
    return person.pseudonym


def group_keys(records: ReportRecords) -> dict[uuid.UUID, str]:
    return {g.id: g.key for g in records.groups}


def guard_verdict(guard: Mapping[str, Any]) -> GuardVerdict:
    flags = tuple(
        GuardFlag(str(f.get("code", "")), str(f.get("message", f.get("code", ""))))
        for f in guard.get("flags") or ()
        if isinstance(f, Mapping)
    )
    support = guard.get("support")
    accepted = guard.get("accepted")
    return GuardVerdict(
        ok=bool(guard.get("ok", not flags)),
        support=float(support) if isinstance(support, int | float) else None,
        flags=flags,
        notes=tuple(str(n) for n in guard.get("notes") or ()),
        accepted=accepted if isinstance(accepted, str) and accepted else None,
    )


def theme_entries(
    records: ReportRecords, labels_by_model: Mapping[str, Any]
) -> tuple[ThemeEntry, ...]:
    out = []
    for theme in records.themes:
        members = records.members.get(theme.id, [])
        stats = theme.stats
        ratings = stats.get("ratings") or {}
        model_label = labels_by_model.get(theme.key) or {}
        out.append(
            ThemeEntry(
                key=theme.key,
                label=theme.label,
                label_origin=str(model_label.get("origin", "extractive")),
                keywords=tuple(theme.keywords),
                status=theme.status.value,
                reasons=tuple(theme.reasons),
                size=int(stats.get("size", len(members))),
                contributors=int(stats.get("contributors", 0)),
                raters=int(ratings["raters"]) if ratings.get("raters") is not None else None,
                groups=tuple(stats.get("groups") or ()),
                kind_mix=tuple(
                    sorted((str(k), int(v)) for k, v in (stats.get("kind_mix") or {}).items())
                ),
                mean_confidence=float(stats.get("mean_confidence", 0.0)),
                fragment_ids=tuple(fid for fid, _ in members),
                representative_ids=tuple(fid for fid, rep in members if rep),
                minority=theme.positions.get("_minority"),
                items=tuple(str(i.get("item_id")) for i in ratings.get("items") or ()),
            )
        )
    return tuple(out)


def sections(records: ReportRecords, themes: Sequence[ThemeEntry]) -> tuple[ReportSection, ...]:
    by_key = {t.key: t for t in themes}
    provisional = {t.key for t in themes if t.status == "consensus" and t.raters is None}
    grouped: dict[str, list[StatementEntry]] = {key: [] for key, _ in SECTIONS}
    for s in sorted(records.version.statements, key=lambda s: s.position):
        theme = by_key.get(s.theme_key or "")
        entry = StatementEntry(
            key=s.key,
            theme_key=s.theme_key,
            section=s.section.value,
            text=s.text,
            strength=s.strength.value,
            origin=str(s.guard.get("origin_detail", s.origin.value)),
            citations=tuple(records.cited.get(s.id, ())),
            guard=guard_verdict({k: v for k, v in s.guard.items() if k != "origin_detail"}),
            items=theme.items if theme else (),
            provisional=s.section.value == "consensus" and s.theme_key in provisional,
        )
        grouped.setdefault(entry.section, []).append(entry)
    return tuple(
        ReportSection(key, title, f"section-{key}", tuple(grouped.get(key, ())))
        for key, title in SECTIONS
    )


def evidence(records: ReportRecords, themes: Sequence[ThemeEntry]) -> tuple[EvidenceFragment, ...]:
    theme_of = {fid: t.key for t in themes for fid in t.fragment_ids}
    cited_by: dict[str, list[str]] = {}
    for s in sorted(records.version.statements, key=lambda s: s.position):
        for fid in records.cited.get(s.id, ()):
            cited_by.setdefault(fid, []).append(s.key)
    points = projection_points(records)
    groups = group_keys(records)
    anonymity = records.study.anonymity
    out = []
    for f in records.fragments:
        person = records.participants.get(f.author_id)
        group = groups.get(person.group_id) if person and person.group_id else None
        point = points.get(f.external_id)
        out.append(
            EvidenceFragment(
                id=f.external_id,
                kind=f.kind.value,
                text=f.text,
                confidence=f.confidence,
                group=group,
                author=author_label(person, anonymity) if person else None,
                sources=tuple(f.sources),
                theme_key=theme_of.get(f.external_id),
                cited_by=tuple(cited_by.get(f.external_id, ())),
                position=(float(point[0]), float(point[1])) if point else None,
            )
        )
    return tuple(sorted(out, key=lambda e: e.id))


def projection_points(records: ReportRecords) -> Mapping[str, Sequence[float]]:
    if records.run is None:
        return {}
    projection = records.run.params.get("projection") or {}
    points = projection.get("points") or {}
    return points if isinstance(points, Mapping) else {}


def _position(
    side: str,
    ids: Sequence[str],
    rows: Mapping[str, FragmentRow],
    records: ReportRecords,
    statements: Sequence[StatementEntry],
) -> Position:
    groups = group_keys(records)
    authors: dict[str, set[uuid.UUID]] = {}
    fragments: Counter[str] = Counter()
    for fid in ids:
        row = rows.get(fid)
        if row is None:
            continue
        person = records.participants.get(row.author_id)
        group = (groups.get(person.group_id) if person and person.group_id else None) or "no group"
        authors.setdefault(group, set()).add(row.author_id)
        fragments[group] += 1
    mine = set(ids)
    return Position(
        side=side,
        fragment_ids=tuple(ids),
        contributors=len({rows[f].author_id for f in ids if f in rows}),
        groups=tuple(GroupCount(g, len(authors[g]), fragments[g]) for g in sorted(authors)),
        statements=tuple(s.key for s in statements if mine & set(s.citations)),
    )


def contested_issues(
    records: ReportRecords, themes: Sequence[ThemeEntry], statements: Sequence[StatementEntry]
) -> tuple[ContestedIssue, ...]:
    rows = {f.external_id: f for f in records.fragments}
    stored = {t.key: t for t in records.themes}
    out = []
    for theme in themes:
        if theme.status != "contested":
            continue
        sides = {k: v for k, v in stored[theme.key].positions.items() if not k.startswith("_")}
        if not sides:
            sides = {"all contributions": list(theme.fragment_ids)}
        mine = [s for s in statements if s.theme_key == theme.key]
        positions = tuple(
            _position(side, list(ids), rows, records, mine) for side, ids in sides.items()
        )
        resolving = tuple(
            fid for fid in theme.fragment_ids if fid in rows and rows[fid].kind in RESOLVING_KINDS
        )
        out.append(ContestedIssue(theme.key, theme.label, positions, resolving))
    return tuple(out)


def ledger(records: ReportRecords) -> tuple[LedgerEntry, ...]:
    return tuple(
        LedgerEntry(str(e.get("subject", "")), str(e.get("reason", "")))
        for e in records.version.ledger
        if isinstance(e, Mapping)
    )


def _side(
    snapshots: Sequence[Mapping[str, Any]] | None, row: Statement | None
) -> tuple[str | None, str | None]:
    """(keys, texts) of one side of an amendment: the statements it stored as they were
    (several for a merge or a split), else the one statement row it names."""
    if snapshots:
        keys = ", ".join(str(s.get("key", "")) for s in snapshots)
        return keys, "\n\n".join(str(s.get("text", "")) for s in snapshots)
    if row is not None:
        return row.key, row.text
    return None, None


def amendments(records: ReportRecords) -> tuple[AmendmentEntry, ...]:
    out = []
    for number, a in records.amendments:
        editor = records.editors.get(a.editor_id, "an editor") if a.editor_id else "the operator"
        before_key, before_text = _side(a.before, a.before_statement)
        after_key, after_text = _side(a.after, a.after_statement)
        out.append(
            AmendmentEntry(
                version_number=number,
                action=a.action.value,
                before_key=before_key,
                after_key=after_key,
                before_text=before_text,
                after_text=after_text,
                editor=editor,
                reason=a.reason,
                at=a.created_at,
            )
        )
    return tuple(out)


def rating_records(records: ReportRecords) -> tuple[RatingRecord, ...]:
    """This round's ratings, rater as anonymity allows (tallied counts have no rater)."""
    groups = group_keys(records)
    anonymity = records.study.anonymity
    out = []
    for item, rater_id, score in records.ratings.get(records.round.number, ()):
        person = records.participants.get(rater_id)
        out.append(
            RatingRecord(
                round=records.round.number,
                item_id=item,
                rater=author_label(person, anonymity) if person else None,
                group=groups.get(person.group_id) if person and person.group_id else None,
                score=score,
            )
        )
    for item, score, count in records.tallies:
        out.extend(
            RatingRecord(records.round.number, item, None, None, score) for _ in range(count)
        )
    return tuple(sorted(out, key=lambda r: (r.item_id, r.rater or "", r.score)))
