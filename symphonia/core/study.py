"""A study definition: question, panel, stakeholder groups, round schedule and protocol.

A study is set up once by a facilitator and then locked, so it is a tree of frozen
dataclasses. The rules that make a definition coherent (every expert in a declared group,
unique pseudonyms, rounds numbered 1..n) live in :func:`study_problems` so that the TOML
loader, the web form and the services all refuse the same definition with the same words.
This module does no I/O: round files are kept as relative paths, resolved by the loader.
"""

from __future__ import annotations

import enum
from dataclasses import InitVar, dataclass, field
from datetime import date

from symphonia.core.fragments import MAX_ID_CHARS, InvalidInput
from symphonia.core.priorities.definition import Prioritisation, prioritisation_problems
from symphonia.core.protocol import Protocol
from symphonia.core.text_rules import IDENTIFIER as _IDENTIFIER
from symphonia.core.text_rules import id_problem

MAX_PSEUDONYM_CHARS = 32
"""Pseudonyms are short handles such as E07, shown beside every quoted contribution."""

IDENTIFIER = _IDENTIFIER
"""Ids, pseudonyms and group ids: short, no spaces, safe in file names and URLs (defined with
the other text rules in :mod:`symphonia.core.text_rules`)."""


class Anonymity(enum.StrEnum):
    """What panellists learn about each other, and what reports may reveal."""

    PSEUDONYMOUS = "pseudonymous"
    """Contributions are shown under a pseudonym such as E07 (the Delphi default)."""
    NAMED = "named"
    ANONYMOUS = "anonymous"
    """Not even pseudonyms are shown; names must not be recorded at all."""


class StudyKind(enum.StrEnum):
    """What a study asks the panel."""

    DELPHI = "delphi"
    """What do we agree on? Fragments, themes, rated statements (the default)."""
    PRIORITISE = "prioritise"
    """Which items come first? Candidate items scored on weighted criteria
    (:mod:`symphonia.core.priorities`)."""


class RoundKind(enum.StrEnum):
    CONTRIBUTE = "contribute"
    """Experts submit evidence fragments."""
    RATE = "rate"
    """Experts rate statements (rating items) on the protocol's scale."""


class ParticipantRole(enum.StrEnum):
    EXPERT = "expert"
    FACILITATOR = "facilitator"
    EDITOR = "editor"


@dataclass(frozen=True, slots=True)
class StakeholderGroup:
    """A constituency on the panel; consensus must hold across groups, not only within one."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Panellist:
    """A participant known by pseudonym. Only experts contribute and rate."""

    pseudonym: str
    group: str | None
    role: ParticipantRole = ParticipantRole.EXPERT
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RoundDefinition:
    """One round of the schedule, and the interchange files that hold its data (if any)."""

    number: int
    kind: RoundKind
    opens: date | None = None
    closes: date | None = None
    fragments: str | None = None
    """Relative path of the round's fragments (JSONL or CSV), for contribute rounds."""
    ratings: str | None = None
    """Relative path of the round's ratings, for rate rounds."""
    items: str | None = None
    """Relative path of the rating items the ratings refer to, for rate rounds."""
    scores: str | None = None
    """Relative path of the round's priority scores, for rate rounds of prioritise studies."""


@dataclass(frozen=True, slots=True)
class RatingItem:
    """A statement a rating round puts to the panel, linked to the evidence behind it."""

    id: str
    text: str
    fragment_ids: tuple[str, ...] = ()
    theme_hint: str | None = None

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidInput("id", "must be a non-empty string")
        if len(self.id) > MAX_ID_CHARS:
            raise InvalidInput(
                "id", f"is {len(self.id)} characters long; the limit is {MAX_ID_CHARS}"
            )
        if not self.text.strip():
            raise InvalidInput("text", "must not be empty")


@dataclass(frozen=True, slots=True)
class StudyDefinition:
    """Everything a facilitator fixes before round 1 opens."""

    id: str
    title: str
    question: str
    description: str = ""
    synthetic: bool = False
    """True for made-up example data; reports must say so prominently."""
    anonymity: Anonymity = Anonymity.PSEUDONYMOUS
    groups: tuple[StakeholderGroup, ...] = ()
    panel: tuple[Panellist, ...] = ()
    rounds: tuple[RoundDefinition, ...] = ()
    protocol: Protocol = field(default_factory=Protocol)
    kind: StudyKind = StudyKind.DELPHI
    prioritise: Prioritisation | None = None
    """Criteria, weights, rule and (when a file gives them) items of a prioritise study."""
    base_dir: str | None = field(default=None, compare=False)
    """Directory the definition was loaded from (round file paths are relative to it)."""
    check: InitVar[bool] = True
    """False defers the checks to the caller, which must then run :func:`study_problems`
    (the file loader does, to report every problem at once instead of only the first)."""

    def __post_init__(self, check: bool) -> None:
        problems = study_problems(self) if check else []
        if problems:
            field_name, reason = problems[0]
            raise InvalidInput(field_name, reason)

    @property
    def experts(self) -> tuple[Panellist, ...]:
        """The panellists who contribute and rate (the denominator for participation)."""
        return tuple(p for p in self.panel if p.role is ParticipantRole.EXPERT)

    def group_of(self, pseudonym: str) -> str | None:
        """The stakeholder group of a panellist, or None when unknown or ungrouped."""
        for p in self.panel:
            if p.pseudonym == pseudonym:
                return p.group
        return None

    def round(self, number: int) -> RoundDefinition:
        for r in self.rounds:
            if r.number == number:
                return r
        raise KeyError(number)


def study_problems(study: StudyDefinition) -> list[tuple[str, str]]:
    """Every coherence problem of a definition, as (dotted field path, reason) pairs."""
    problems: list[tuple[str, str]] = []
    if (reason := id_problem(study.id)) is not None:
        problems.append(("study.id", reason))
    for name in ("title", "question"):
        if not getattr(study, name).strip():
            problems.append((f"study.{name}", "must not be empty"))
    problems += _group_problems(study.groups)
    problems += _panel_problems(study)
    problems += _round_problems(study)
    problems += _kind_problems(study)
    if study.protocol.feedback.by_group and not study.groups:
        reason = "splits feedback by stakeholder group, but the study declares no groups"
        problems.append(("protocol.feedback.by_group", reason))
    return problems


def _kind_problems(study: StudyDefinition) -> list[tuple[str, str]]:
    """A prioritise study has its section and its rate rounds take scores; a Delphi study
    has neither."""
    prioritise = study.kind is StudyKind.PRIORITISE
    if prioritise and study.prioritise is None:
        return [("prioritise", "a prioritise study needs a [prioritise] section")]
    if not prioritise and study.prioritise is not None:
        return [("study.kind", 'a [prioritise] section needs kind = "prioritise"')]
    problems = prioritisation_problems(study.prioritise) if study.prioritise else []
    for i, r in enumerate(study.rounds):
        if r.scores is not None and (not prioritise or r.kind is not RoundKind.RATE):
            reason = "only the rate rounds of a prioritise study take scores"
            problems.append((f"rounds[{i}].scores", reason))
        if prioritise and (r.ratings is not None or r.items is not None):
            reason = "a prioritise study's rate rounds take scores, not ratings or items"
            problems.append((f"rounds[{i}].{'ratings' if r.ratings else 'items'}", reason))
    return problems


def _group_problems(groups: tuple[StakeholderGroup, ...]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, g in enumerate(groups):
        if (reason := id_problem(g.id)) is not None:
            problems.append((f"groups[{i}].id", reason))
        elif g.id in seen:
            problems.append(
                (f"groups[{i}].id", f"duplicate group {g.id!r} (see groups[{seen[g.id]}])")
            )
        seen.setdefault(g.id, i)
        if not g.name.strip():
            problems.append((f"groups[{i}].name", "must not be empty"))
    return problems


def _panel_problems(study: StudyDefinition) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    group_ids = [g.id for g in study.groups]
    seen: dict[str, int] = {}
    for i, p in enumerate(study.panel):
        where = f"panel[{i}]"
        if (reason := id_problem(p.pseudonym)) is not None:
            problems.append((f"{where}.pseudonym", reason))
        elif len(p.pseudonym) > MAX_PSEUDONYM_CHARS:
            problems.append(
                (f"{where}.pseudonym", f"is longer than {MAX_PSEUDONYM_CHARS} characters")
            )
        elif p.pseudonym in seen:
            problems.append(
                (
                    f"{where}.pseudonym",
                    f"duplicate pseudonym {p.pseudonym!r} (see panel[{seen[p.pseudonym]}])",
                )
            )
        seen.setdefault(p.pseudonym, i)
        if p.group is None:
            if p.role is ParticipantRole.EXPERT:
                problems.append((f"{where}.group", "an expert must belong to a stakeholder group"))
        elif p.group not in group_ids:
            expected = ", ".join(group_ids) or "(no groups declared)"
            problems.append(
                (f"{where}.group", f"unknown group {p.group!r}; expected one of {expected}")
            )
        if study.anonymity is Anonymity.ANONYMOUS and p.name:
            problems.append((f"{where}.name", "names must not be recorded in an anonymous study"))
        if study.anonymity is Anonymity.NAMED and not (p.name and p.name.strip()):
            problems.append((f"{where}.name", "a named study needs every panellist's name"))
    if study.panel and not any(p.role is ParticipantRole.EXPERT for p in study.panel):
        problems.append(("panel", "needs at least one expert"))
    return problems


def _round_problems(study: StudyDefinition) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    numbers = [r.number for r in study.rounds]
    for i, r in enumerate(study.rounds):
        where = f"rounds[{i}]"
        if numbers.count(r.number) > 1 and numbers.index(r.number) < i:
            problems.append((f"{where}.number", f"duplicate round number {r.number}"))
        if r.opens and r.closes and r.closes < r.opens:
            problems.append((f"{where}.closes", f"{r.closes} is before opens ({r.opens})"))
        if r.kind is RoundKind.CONTRIBUTE:
            for name in ("ratings", "items"):
                if getattr(r, name) is not None:
                    problems.append(
                        (f"{where}.{name}", "a contribute round has no ratings or items")
                    )
        else:
            if r.fragments is not None:
                problems.append((f"{where}.fragments", "a rate round has no fragments file"))
            if r.ratings is not None and r.items is None:
                problems.append(
                    (f"{where}.items", "a rate round with ratings needs its items file")
                )
    if sorted(set(numbers)) != list(range(1, len(set(numbers)) + 1)):
        problems.append(
            ("rounds", f"round numbers must run 1, 2, 3, ... without gaps; got {sorted(numbers)}")
        )
    if len(study.rounds) > study.protocol.stopping.max_rounds:
        problems.append(
            (
                "rounds",
                f"{len(study.rounds)} rounds declared but protocol.stopping.max_rounds is "
                f"{study.protocol.stopping.max_rounds}",
            )
        )
    return problems
