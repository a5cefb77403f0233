"""The methods appendix of a report, generated from the records (never typed by hand).

A reader judging a Delphi result needs to know who was on the panel, how many stayed, what
rule decided "consensus" and when that rule was fixed, when the study stopped and why, how
stable the panel's ratings were, and how the text they read was drafted and checked. Each
of those is a value here; `reporting.methods` fills them in and `reporting.accord` says
which ACCORD item each one answers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GroupSize:
    key: str
    label: str
    experts: int


@dataclass(frozen=True, slots=True)
class PanelComposition:
    experts: int
    groups: tuple[GroupSize, ...]
    without_group: int
    staff: tuple[tuple[str, int], ...]
    """(role, accounts) for facilitators, editors and readers with a role in the study."""


@dataclass(frozen=True, slots=True)
class GroupFlow:
    group: str
    panel: int
    took_part: int


@dataclass(frozen=True, slots=True)
class RoundFlow:
    """One box of the participant-flow diagram: who took part in a round, who left."""

    number: int
    kind: str
    status: str
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    panel: int
    took_part: int
    came_before: int | None
    """Took part in the previous round (None for the first round)."""
    dropped: int | None
    """Took part in the previous round but not in this one."""
    joined: int | None
    """Took part in this round but not in the previous one."""
    by_group: tuple[GroupFlow, ...]
    contributions: int
    """Fragments submitted (contribution round) or ratings given (rating round)."""

    @property
    def response_rate(self) -> float:
        return self.took_part / self.panel if self.panel else 0.0


@dataclass(frozen=True, slots=True)
class ProtocolSummary:
    rule: str
    scale: tuple[int, int]
    agreement_band: tuple[int, int]
    agreement_threshold: float
    max_iqr: float
    min_participation: float
    min_group_agreement: float
    min_item_ratings: int
    participation_base: str
    group_basis: str
    max_rounds: int
    cv_change_below: float
    require_nonsignificant_wilcoxon: bool
    locked_at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class StoppingVerdict:
    """The pre-registered stopping rule applied after this round (core.stopping)."""

    assessed: bool
    stop: bool
    reasons: tuple[str, ...]
    rounds_held: int
    rounds_planned: int


@dataclass(frozen=True, slots=True)
class ItemStability:
    item_id: str
    cv_before: float | None
    cv_after: float | None
    cv_change: float | None
    wilcoxon_p: float | None
    n_pairs: int | None
    n_changed: int | None
    significant: bool | None
    stable: bool


@dataclass(frozen=True, slots=True)
class StabilityRecord:
    previous_round: int
    kendall_w: float | None
    kendall_p: float | None
    kendall_raters: int | None
    kendall_items: int | None
    items: tuple[ItemStability, ...]


@dataclass(frozen=True, slots=True)
class GuardSummary:
    statements: int
    flagged: int
    flags_by_code: tuple[tuple[str, int], ...]
    ledger_entries: int
    support_threshold: float | None


@dataclass(frozen=True, slots=True)
class DraftingRecord:
    """How the text was made: by whom or what, from which inputs, checked how."""

    drafter: str
    model: str | None
    parameters: tuple[tuple[str, str], ...]
    prompts: tuple[tuple[str, str], ...]
    """(template, sha256) of every prompt template the model was sent."""
    summary: str | None
    """What the model wrote and what fell back to the extractive draft (DraftingSummary)."""
    fallbacks: tuple[tuple[str, str], ...]
    embedding_model: str | None
    embedding_backend: str | None
    input_hash: str | None
    fragments: int
    themes: int
    singular_views: int
    theme_labels: str
    guard: GuardSummary
    amendments: int
    projection: str | None
    """How the theme map's coordinates were computed, when they were."""


@dataclass(frozen=True, slots=True)
class OpinionGroups:
    """Opinion groups formed from the ratings at analysis time (Polis-style panels)."""

    k: int
    sizes: tuple[tuple[str, int], ...]
    method: str
    silhouette: float | None
    placed: int
    participants: int
    threshold: int
    note: str


@dataclass(frozen=True, slots=True)
class GroupsCompared:
    """Which groups the per-group rules compared (stakeholder or opinion groups)."""

    basis: str
    noun: str
    groups: tuple[str, ...]
    opinion: OpinionGroups | None
    counts_without_identity: int


@dataclass(frozen=True, slots=True)
class AccordItem:
    """One item of the ACCORD checklist and where this report answers it."""

    id: str
    section: str
    topic: str
    asks: str
    status: str
    """reported | partly reported | not reported | not applicable."""
    where: str | None
    """The anchor of the part of the report that answers it."""
    answer: str


@dataclass(frozen=True, slots=True)
class MethodsAppendix:
    panel: PanelComposition
    flow: tuple[RoundFlow, ...]
    protocol: ProtocolSummary
    stopping: StoppingVerdict
    stability: StabilityRecord | None
    groups: GroupsCompared | None
    drafting: DraftingRecord
    accord: tuple[AccordItem, ...]
