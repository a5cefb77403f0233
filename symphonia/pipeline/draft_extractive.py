"""The default drafter: a synthesis built from the contributors' own words, no LLM needed.

Faithful by construction: every statement quotes a contribution of its theme and cites the
fragments it stands for. It is also the per-theme fallback when an LLM draft fails, so it
must work for any theme the pipeline can produce.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from symphonia.core.classify import CONCERN_KINDS
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.synthesis import Section, Statement, Strength, Synthesis
from symphonia.core.themes import Theme, ThemeStatus

SIDE_LABELS = {
    "for": "Arguments for",
    "against": "Arguments against",
    "support": "In support",
    "concerns": "Concerns",
}


def quote(text: str) -> str:
    """Quote a contribution verbatim, so the reader can tell their words from ours."""
    return f"\u201c{text.strip()}\u201d"


def pick_representative(
    ids: Sequence[str], theme: Theme, fragments: Mapping[str, Fragment]
) -> Fragment:
    """The theme's own representative if it is on this side, else the most confident fragment."""
    for rid in theme.representative_ids:
        if rid in ids:
            return fragments[rid]
    return max((fragments[i] for i in ids), key=lambda f: (f.confidence, -ids.index(f.id)))


def lead_candidates(ids: Sequence[str], fragments: Mapping[str, Fragment]) -> list[str]:
    """Fragments fit to open a consensus or contested statement: not a statement of
    uncertainty and held with at least middling confidence, when the theme has any. A lead
    quote stands for the theme; "I am not sure…" at confidence 1 would misrepresent it."""
    sure = [
        i
        for i in ids
        if fragments[i].kind is not FragmentKind.UNCERTAINTY and fragments[i].confidence >= 3
    ]
    return sure or list(ids)


def _contributors(ids: Sequence[str], fragments: Mapping[str, Fragment]) -> int:
    return len({fragments[i].author for i in ids})


def _concerns_are_the_point(
    theme: Theme, concerns: Sequence[str], rest: Sequence[str], fragments: Mapping[str, Fragment]
) -> bool:
    """A theme of barriers is about the barrier: when its lead (the fragment best supported
    by other contributors) is a concern and more contributors raise concerns than anything
    else, the concerns are the theme's point, not reservations about a one-person claim."""
    lead = theme.representative_ids[0] if theme.representative_ids else None
    return (
        lead in concerns
        and bool(rest)
        and _contributors(concerns, fragments) > _contributors(rest, fragments)
    )


def _attribution(ids: Sequence[str], fragments: Mapping[str, Fragment]) -> str:
    """Who stands behind the cited fragments, counted from those fragments only: the theme
    may hold more contributors (with reservations or actions, cited in their own statements),
    and crediting them with this quote would overstate its support."""
    authors = _contributors(ids, fragments)
    groups = len({fragments[i].group for i in ids if fragments[i].group})
    who = f"{authors} contributor{'s' if authors != 1 else ''}"
    if groups:
        who += f" from {groups} stakeholder group{'s' if groups != 1 else ''}"
    return who + ("; for example" if len(ids) > 1 else "")


def _rating_note(theme: Theme) -> str:
    """The theme's rating figures, exactly as computed, so the guard can check them.

    One rated item: its own figures. Several: how many got which call, with the range of
    their agreement, never one item's figure standing for the theme. Raters are counted
    beside the contributors: in a Polis conversation the few who wrote a comment and the
    many who voted on it are different people.
    """
    ratings = theme.stats.ratings
    if not ratings:
        return ""
    raters = int(ratings.get("raters") or 0)
    by = f"; {raters} rater{'s' if raters != 1 else ''}" if raters else ""
    if ratings.get("call") == "too_few":
        n = int(ratings.get("n") or 0)
        return f" Panel rating: only {n} rating{'s' if n != 1 else ''}, too few to judge."
    if "percent_agreement" in ratings and "median" in ratings:
        median, iqr = ratings["median"], ratings["iqr"]
        if ratings.get("direction") == "disagree":
            low = round(float(ratings["percent_disagreement"]) * 100)
            return (
                f" Panel rating: {low}% in the disagreement band, median {median:g}, "
                f"IQR {iqr:g}{by.replace(';', ',')}."
            )
        pct = round(float(ratings["percent_agreement"]) * 100)
        return (
            f" Panel rating: {pct}% in the agreement band, median {median:g}, "
            f"IQR {iqr:g}{by.replace(';', ',')}."
        )
    counts = ratings.get("counts") or {}
    if not counts:
        return ""
    span = ratings.get("agreement_range")
    if ratings.get("part") == "rejected":
        span = ratings.get("disagreement_range")
    band = "disagreement" if ratings.get("part") == "rejected" else "agreement"
    shown = ""
    if span and len(span) == 2:
        low, high = round(span[0] * 100), round(span[1] * 100)
        both = f"{low}%" if low == high else f"{low}%–{high}%"
        shown = f"; {both} in the {band} band"
    return f" Panel rating: {count_sentence(counts)}{shown}{by}."


def count_sentence(counts: dict[str, Any]) -> str:
    """The counts dict of a theme's ratings in words (see core.theme_verdicts.ItemCounts)."""
    from symphonia.core.theme_verdicts import ItemCounts

    by_call = {k: int(v) for k, v in counts.items() if k not in ("items", "rejected")}
    return ItemCounts(int(counts["items"]), by_call, int(counts.get("rejected", 0))).sentence()


def _lead_strength(theme: Theme, ids: Sequence[str], fragments: Mapping[str, Fragment]) -> Strength:
    """Strong only when the panel's ratings back the call; moderate when at least three
    people stand behind the lead's *own* evidence (what the statement credits), else weak."""
    rated = theme.stats.ratings is not None
    if theme.status is ThemeStatus.CONSENSUS and rated:
        return Strength.STRONG
    if theme.status is ThemeStatus.CONSENSUS and len({fragments[i].author for i in ids}) >= 3:
        return Strength.MODERATE
    return Strength.WEAK


class _Builder:
    """Numbers statements of one theme with stable keys: <theme>-<n>."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.items: list[Statement] = []

    def add(self, section: Section, text: str, cites: Sequence[str], strength: Strength) -> None:
        self.items.append(
            Statement(
                id=f"{self.theme.id}-s{len(self.items) + 1}",
                theme_id=self.theme.id,
                section=section,
                text=text,
                citations=tuple(cites),
                strength=strength,
                origin="extractive",
            )
        )


def draft_theme_statements(theme: Theme, fragments: Mapping[str, Fragment]) -> list[Statement]:
    """Statements for one theme; together they cite every fragment of the theme."""
    members = [fragments[i] for i in theme.fragment_ids]
    actions = [f for f in members if f.kind is FragmentKind.ACTION]
    others = [f for f in members if f.kind is not FragmentKind.ACTION] or actions
    out = _Builder(theme)
    if theme.status is ThemeStatus.CONTESTED and theme.positions:
        _draft_positions(theme, fragments, out)
    else:
        _draft_lead(theme, [f.id for f in others], fragments, out)
    in_positions = {i for side in theme.positions.values() for i in side}
    for action in actions:
        if theme.status is ThemeStatus.CONTESTED and action.id in in_positions:
            continue
        out.add(
            Section.ACTION, f"Candidate action: {quote(action.text)}", [action.id], Strength.WEAK
        )
    return out.items


def _draft_lead(
    theme: Theme, ids: Sequence[str], fragments: Mapping[str, Fragment], out: _Builder
) -> None:
    concerns = [i for i in ids if fragments[i].kind in CONCERN_KINDS]
    main = [i for i in ids if i not in concerns] or list(ids)
    aside = "Reservations raised within"
    if _concerns_are_the_point(theme, concerns, main, fragments):
        main, concerns, aside = concerns, main, "Also raised within"
    who = _attribution(main, fragments)
    if theme.minority:
        rep = pick_representative(main, theme, fragments)
        text = f"{theme.minority[0].upper()}{theme.minority[1:]}: {quote(rep.text)}"
        out.add(Section.MINORITY, text, main, Strength.WEAK)
    elif theme.status is ThemeStatus.GAP:
        rep = pick_representative(main, theme, fragments)
        text = f"Evidence gap, raised by {who}: {quote(rep.text)}{_rating_note(theme)}"
        out.add(Section.GAP, text, main, Strength.WEAK)
    elif theme.status is ThemeStatus.CONTESTED:
        rep = pick_representative(lead_candidates(main, fragments), theme, fragments)
        text = f"Disputed, raised by {who}: {quote(rep.text)}{_rating_note(theme)}"
        out.add(Section.CONTESTED, text, main, Strength.WEAK)
    else:
        rep = pick_representative(lead_candidates(main, fragments), theme, fragments)
        rejected = (theme.stats.ratings or {}).get("part") == "rejected" or (
            (theme.stats.ratings or {}).get("direction") == "disagree"
        )
        opening = "Rejected by the panel, raised by" if rejected else "Raised by"
        text = f"{opening} {who}: {quote(rep.text)}{_rating_note(theme)}"
        out.add(Section.CONSENSUS, text, main, _lead_strength(theme, main, fragments))
    if concerns and main != concerns:
        worry = pick_representative(concerns, theme, fragments)
        section = out.items[-1].section
        within = "this minority view" if theme.minority else "this theme"
        out.add(
            section,
            f"{aside} {within}: {quote(worry.text)}",
            concerns,
            Strength.WEAK,
        )


def _draft_positions(theme: Theme, fragments: Mapping[str, Fragment], out: _Builder) -> None:
    covered = {i for side in theme.positions.values() for i in side}
    rest = [
        i
        for i in theme.fragment_ids
        if i not in covered and fragments[i].kind is not FragmentKind.ACTION
    ]
    for side, ids in theme.positions.items():
        rep = pick_representative(ids, theme, fragments)
        label = SIDE_LABELS.get(side, side.capitalize())
        authors = {fragments[i].author for i in ids}
        groups = {fragments[i].group for i in ids if fragments[i].group}
        minority = (
            len(groups) == 1
            and len(theme.stats.groups) > 1
            and len(authors) < theme.stats.contributors / 2
        )
        if minority:
            (group,) = groups
            label += f", a minority position held only by the {group} group"
        out.add(
            Section.CONTESTED,
            f"{label}: {quote(rep.text)}",
            ids,
            Strength.MODERATE if len(authors) >= 3 else Strength.WEAK,
        )
    if rest:
        rep = pick_representative(rest, theme, fragments)
        out.add(
            Section.CONTESTED, f"Also raised in this debate: {quote(rep.text)}", rest, Strength.WEAK
        )


def singular_statement_key(fragment_id: str) -> str:
    """`sv-<fragment id>`, hashed when that would pass the 64-character key limit."""
    key = f"sv-{fragment_id}"
    if len(key) <= 64:
        return key
    return f"sv-{hashlib.sha256(fragment_id.encode()).hexdigest()[:20]}"


def draft_singular_view_statements(
    singular_ids: Sequence[str], fragments: Mapping[str, Fragment]
) -> list[Statement]:
    """One statement per singular view: kept, shown, and attributed to its group only."""
    statements = []
    for fid in singular_ids:
        frag = fragments[fid]
        who = f"one contributor from the {frag.group} group" if frag.group else "one contributor"
        kind = frag.kind.value.replace("_", " ")
        statements.append(
            Statement(
                id=singular_statement_key(fid),
                theme_id=None,
                section=Section.MINORITY,
                text=f"Singular view ({kind}, {who}): {quote(frag.text)}",
                citations=(fid,),
                strength=Strength.WEAK,
                origin="extractive",
            )
        )
    return statements


class ExtractiveDrafter:
    """Drafter protocol implementation: the default, offline, faithful-by-construction drafter."""

    @property
    def name(self) -> str:
        return "extractive"

    def draft(
        self,
        themes: Sequence[Theme],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        question: str | None = None,
    ) -> Synthesis:
        statements: list[Statement] = []
        for theme in themes:
            statements.extend(draft_theme_statements(theme, fragments))
        statements.extend(draft_singular_view_statements(singular_views, fragments))
        return Synthesis(
            statements=tuple(statements),
            drafter=self.name,
            meta={"drafter": self.name, "question": question},
        )
