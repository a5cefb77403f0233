"""Call each theme consensus, contested or gap — from its content, and from ratings once rated.

The content rules make a provisional call before anyone has rated anything; once the panel has
rated, the study's pre-registered rule (see `core.consensus`) decides. Either way the call comes
with human-readable reasons, so an editor can see *why* and disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.themes import ThemeStats, ThemeStatus

SUPPORT_KINDS = frozenset(
    {FragmentKind.CLAIM, FragmentKind.ACTION, FragmentKind.EXAMPLE, FragmentKind.ARGUMENT_FOR}
)
CONCERN_KINDS = frozenset(
    {FragmentKind.BARRIER, FragmentKind.CAVEAT, FragmentKind.ARGUMENT_AGAINST}
)


@dataclass(frozen=True, slots=True)
class ContentRules:
    """Thresholds of the content-based call; documented so a study can cite them."""

    min_side_share: float = 0.2
    """Opposing stances make a theme contested when the smaller side has at least this share."""
    min_side_fragments: int = 2
    """...and at least this many fragments (one stray counter-argument is a caveat, not a camp)."""
    gap_uncertainty_share: float = 0.4
    """A theme dominated by uncertainty is an evidence gap."""
    gap_mean_confidence: float = 2.5
    """Evidence this weakly held is a gap, however much of it there is."""
    minority_max_contributors: int = 2
    minority_min_confidence: float = 4.0


def theme_stats(members: Sequence[Fragment]) -> ThemeStats:
    """Content statistics of a theme: who contributed, what kinds, which stances, how confident."""
    kinds = Counter(f.kind.value for f in members)
    groups = sorted({f.group for f in members if f.group})
    return ThemeStats(
        size=len(members),
        contributors=len({f.author for f in members}),
        groups=tuple(groups),
        kind_mix=dict(sorted(kinds.items())),
        stance_for=sum(1 for f in members if f.kind.stance > 0),
        stance_against=sum(1 for f in members if f.kind.stance < 0),
        mean_confidence=sum(f.confidence for f in members) / len(members) if members else 0.0,
    )


@dataclass(frozen=True, slots=True)
class ContentCall:
    status: ThemeStatus
    reasons: tuple[str, ...]
    positions: dict[str, tuple[str, ...]]
    minority: str | None


def opposing_positions(members: Sequence[Fragment]) -> dict[str, tuple[str, ...]]:
    """Split a theme into sides: by declared stance when there is any, else support vs concerns."""
    pro = tuple(f.id for f in members if f.kind.stance > 0)
    con = tuple(f.id for f in members if f.kind.stance < 0)
    if pro and con:
        return {"for": pro, "against": con}
    support = tuple(f.id for f in members if f.kind in SUPPORT_KINDS)
    concerns = tuple(f.id for f in members if f.kind in CONCERN_KINDS)
    if support and concerns:
        return {"support": support, "concerns": concerns}
    return {}


def _count(n: int, noun: str = "contributor") -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def describe_minority(
    members: Sequence[Fragment], round_groups: Sequence[str], rules: ContentRules
) -> str | None:
    """Name a minority view: one group in a multi-group round, few confident voices, or a
    single contributor (however many fragments they wrote, one person is not a panel)."""
    groups = {f.group for f in members if f.group}
    authors = {f.author for f in members}
    mean_conf = sum(f.confidence for f in members) / len(members) if members else 0.0
    if len(set(round_groups)) >= 2 and len(groups) == 1 and len(authors) >= 1:
        (group,) = groups
        return f"a minority view held only by the {group} group ({_count(len(authors))})"
    if (
        len(authors) <= rules.minority_max_contributors
        and mean_conf >= rules.minority_min_confidence
    ):
        return (
            f"a minority view held by {_count(len(authors))} "
            f"with high confidence (mean {mean_conf:.1f} of 5)"
        )
    if len(authors) == 1:
        return "a minority view held by 1 contributor"
    return None


def evidence_confidence(members: Sequence[Fragment]) -> float:
    """Mean confidence of the theme's evidence: proposed actions left out when there is
    anything else. How sure someone is that an action would help says nothing about how
    well the theme's claims are supported, so two confident proposals must not lift a theme
    of unsure evidence over the gap threshold."""
    evidence = [f for f in members if f.kind is not FragmentKind.ACTION] or list(members)
    return sum(f.confidence for f in evidence) / len(evidence)


def _lone_evidence(members: Sequence[Fragment]) -> str | None:
    """Why a theme is no consensus when all its evidence is one contributor's and the others
    only propose actions: proposals for what to do do not back a claim, so the theme would
    stand for one person's view (issue 11 §2). None when the evidence has several voices."""
    evidence = [f for f in members if f.kind is not FragmentKind.ACTION]
    proposers = {f.author for f in members if f.kind is FragmentKind.ACTION}
    owners = {f.author for f in evidence}
    if len(owners) != 1 or not proposers - owners:
        return None
    return (
        f"its evidence is 1 contributor's ({_count(len(proposers - owners))} only propose"
        f"{'s' if len(proposers - owners) == 1 else ''} actions); the rest of the panel has"
        " not weighed in, so this is not a panel consensus"
    )


def _aside(members: Sequence[Fragment]) -> str:
    actions = sum(1 for f in members if f.kind is FragmentKind.ACTION)
    return ", proposed actions aside" if 0 < actions < len(members) else ""


def classify_by_content(
    members: Sequence[Fragment],
    round_groups: Sequence[str] = (),
    rules: ContentRules = ContentRules(),
) -> ContentCall:
    """The provisional call from content alone (before ratings)."""
    if not members:
        raise ValueError("a theme needs at least one fragment")
    positions = opposing_positions(members)
    minority = describe_minority(members, round_groups, rules)
    pro = sum(1 for f in members if f.kind.stance > 0)
    con = sum(1 for f in members if f.kind.stance < 0)
    n = len(members)
    uncertain = sum(1 for f in members if f.kind is FragmentKind.UNCERTAINTY)
    mean_conf = evidence_confidence(members)
    smaller = min(pro, con)
    if (
        pro
        and con
        and smaller >= rules.min_side_fragments
        and smaller / (pro + con) >= rules.min_side_share
    ):
        return ContentCall(
            ThemeStatus.CONTESTED,
            (f"opposing arguments: {pro} for, {con} against",),
            positions,
            minority,
        )
    if uncertain / n >= rules.gap_uncertainty_share:
        return ContentCall(
            ThemeStatus.GAP,
            (f"{uncertain} of {n} fragments state uncertainty",),
            {},
            minority,
        )
    if mean_conf < rules.gap_mean_confidence:
        return ContentCall(
            ThemeStatus.GAP,
            (f"low confidence in the evidence (mean {mean_conf:.1f} of 5{_aside(members)})",),
            {},
            minority,
        )
    if minority is not None:
        return ContentCall(
            ThemeStatus.GAP,
            (
                f"{minority}; the rest of the panel has not weighed in,"
                " so this is not a panel consensus",
            ),
            {},
            minority,
        )
    lone = _lone_evidence(members)
    if lone is not None:
        return ContentCall(ThemeStatus.GAP, (lone,), {}, minority)
    reasons = [f"{len({f.author for f in members})} contributors, no opposing camp"]
    concerns = sum(1 for f in members if f.kind in CONCERN_KINDS)
    if concerns:
        reasons.append(
            f"{concerns} reservation{'s' if concerns != 1 else ''} raised (barriers, caveats)"
        )
    reasons.append("provisional until the panel rates it")
    return ContentCall(ThemeStatus.CONSENSUS, tuple(reasons), positions if concerns else {}, None)


def fragments_by_id(fragments: Sequence[Fragment]) -> Mapping[str, Fragment]:
    return {f.id: f for f in fragments}
