"""Sentences and figures every format words the same way: one phrasing of a statistic, so
the HTML, the Markdown, the DOCX and the PDF cannot say it differently."""

from __future__ import annotations

import datetime

from symphonia.services.reporting import ReportDocument
from symphonia.services.reporting.methods_model import GroupsCompared, ProtocolSummary, RoundFlow
from symphonia.services.reporting.model import (
    EvidenceFragment,
    ItemStatistics,
    Position,
    StatementEntry,
)

CALLS = {
    "consensus": "consensus",
    "divisive": "divisive between groups",
    "split": "split",
    "no_agreement": "no agreement",
    "too_few": "too few ratings",
}
RULES = {"percent_iqr": "percent agreement with IQR", "rand_ucla": "RAND/UCLA"}


def pct(share: float | None) -> str:
    if share is None:
        return "–"
    text = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def when(moment: datetime.datetime | None) -> str:
    return "–" if moment is None else moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def flags_waiting(count: int) -> str:
    """The report's line for flags the editors have not answered yet."""
    flags = "flag awaits" if count == 1 else "flags await"
    return f"{count} panellist {flags} the editors' answer (nothing is published until answered)."


def day(moment: datetime.datetime | None) -> str:
    return "–" if moment is None else moment.astimezone(datetime.UTC).strftime("%Y-%m-%d")


def call(item: ItemStatistics) -> str:
    if item.consensus:
        return f"consensus ({item.direction})" if item.direction else "consensus"
    return CALLS.get(item.call, item.call or "no call")


def status_line(doc: ReportDocument) -> str:
    v, r = doc.version, doc.round
    state = (
        f"published {when(v.published_at)}"
        if v.published_at
        else "not published: a draft for the editors"
    )
    return (
        f"Round {r.number} ({r.kind}), synthesis version {v.number} ({v.origin}), "
        f"drafted {when(v.created_at)}; {state}."
    )


def drafting_notice(doc: ReportDocument) -> tuple[str | None, str] | None:
    """How much of a model draft the model wrote, for the top of every format: a draft that
    fell back to the extractive one, wholly or in part, must not read as the model's.
    (warning to show in bold or None, sentence); None for a draft no model was asked for."""
    d = doc.methods.drafting
    if not d.summary:
        return None
    if d.fallbacks:
        return "Drafting fell back to the extractive draft.", f"In this version {d.summary}."
    return None, f"Drafting: {d.summary}."


def item_figures(item: ItemStatistics) -> str:
    """The figures of one rated item, in one line."""
    band = f"{item.agreement_band[0]}–{item.agreement_band[1]}" if item.agreement_band else ""
    parts = [f"{item.n} ratings", f"median {num(item.median)}", f"IQR {num(item.iqr)}"]
    if item.percent_agreement is not None:
        parts.append(f"{pct(item.percent_agreement)} rated {band}".rstrip())
    return f"{call(item)}: " + ", ".join(parts)


def statement_figures(entry: StatementEntry, items: dict[str, ItemStatistics]) -> list[str]:
    return [f"{i}: {item_figures(items[i])}" for i in entry.items if i in items]


def position_holders(position: Position) -> str:
    groups = ", ".join(
        f"{g.group} ({g.contributors} contributor{'s' if g.contributors != 1 else ''})"
        for g in position.groups
    )
    return f"{position.contributors} contributor(s) from {len(position.groups)} group(s): {groups}"


def fragment_source(fragment: EvidenceFragment) -> str:
    who = f"{fragment.author}, " if fragment.author else ""
    group = fragment.group or "no group"
    return f"{who}{group}; {fragment.kind}, confidence {fragment.confidence}/5"


def protocol_sentence(p: ProtocolSummary) -> str:
    text = (
        f"Consensus rule: {RULES.get(p.rule, p.rule)} on a {p.scale[0]}–{p.scale[1]} scale; "
        f"agreement means a rating of {p.agreement_band[0]}–{p.agreement_band[1]}; "
        f"consensus needs at least {pct(p.agreement_threshold)} agreement and an IQR of at "
        f"most {num(p.max_iqr)}, at least {pct(p.min_group_agreement)} agreement in every "
        f"{'opinion' if p.group_basis == 'opinion' else 'stakeholder'} group, and "
        f"participation of at least {pct(p.min_participation)}"
    )
    if p.min_item_ratings > 1:
        text += f" and {p.min_item_ratings} ratings per item"
    return text + "."


def stopping_sentence(p: ProtocolSummary) -> str:
    wilcoxon = (
        " and no significant shift (Wilcoxon signed-rank, alpha 0.05)"
        if p.require_nonsignificant_wilcoxon
        else ""
    )
    return (
        f"Stopping rule: at most {p.max_rounds} rounds; stop earlier when every item's "
        f"coefficient of variation changed by less than {num(p.cv_change_below)}{wilcoxon}."
    )


def lock_sentence(p: ProtocolSummary) -> str:
    if p.locked_at is None:
        return "The protocol has not been locked: round 1 has not opened."
    return (
        f"The protocol was locked {when(p.locked_at)}, when round 1 opened; "
        "the platform refuses any change to it after that."
    )


def flow_sentence(r: RoundFlow) -> str:
    what = "contributed fragments" if r.kind == "contribute" else "rated"
    text = (
        f"Round {r.number} ({r.kind}): {r.took_part} of {r.panel} {what} ({pct(r.response_rate)})"
    )
    if r.dropped is not None:
        text += f"; {r.dropped} of {r.came_before} from the previous round did not return"
        if r.joined:
            text += f", {r.joined} joined"
    dates = ""
    if r.opens_at or r.closes_at:
        dates = f" [{day(r.opens_at)} to {day(r.closes_at)}]"
    return text + dates + "."


def statement_label(entry: StatementEntry) -> str:
    bits = []
    if entry.theme_key:
        bits.append(f"theme {entry.theme_key}" + (", provisional" if entry.provisional else ""))
    if entry.origin not in ("extractive", "llm"):
        bits.append(entry.origin)
    return "; ".join(bits)


def groups_sentence(g: GroupsCompared) -> str:
    """Which groups the per-group rules compared, and how opinion groups were formed."""
    if g.opinion is None:
        names = ", ".join(g.groups) or "none"
        return f"Groups compared: the panel's {g.noun}s ({names})."
    o = g.opinion
    if not o.k:
        return f"Opinion groups: none formed ({o.note})."
    sizes = ", ".join(f"{name} {n}" for name, n in o.sizes)
    return (
        f"Opinion groups: {o.k} ({sizes}), formed from the ratings by {o.method}, silhouette "
        f"{num(o.silhouette)}; {o.placed} of {o.participants} raters placed (those with at "
        f"least {o.threshold} ratings), the others counted in no group."
    )
