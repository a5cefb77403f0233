"""Load a study definition from ``study.toml`` (the facilitator's file, kept under version control).

Facilitators edit these files by hand, so every error names the file, the field (a dotted
path such as ``protocol.agreement_threshold`` or ``panel[3].group``) and the reason, and all
problems found are reported together. Shape of the file::

    [study]
    id = "connected-icb"            # letters, digits, _ - . ; no spaces
    title = "..."
    question = "..."
    description = "..."             # optional
    synthetic = true                # optional, default false: made-up example data
    anonymity = "pseudonymous"      # pseudonymous | named | anonymous

    [[groups]]                      # stakeholder groups
    id = "clinician"
    name = "Clinicians"

    [[panel]]
    pseudonym = "E01"
    group = "clinician"             # a declared group id; optional for non-experts
    role = "expert"                 # expert | facilitator | editor (default expert)
    name = "..."                    # optional; required if named, forbidden if anonymous

    [protocol]
    rule = "percent_iqr"            # percent_iqr | rand_ucla
    agreement_threshold = 0.7
    max_iqr = 2
    min_participation = 0.6
    min_group_agreement = 0.5
    min_item_ratings = 1            # fewer ratings: too few to judge (never consensus)
    participation_base = "panel"    # panel | shown (each rater sees a sample, as in Polis)
    group_basis = "stakeholder"     # stakeholder | opinion (groups formed from the ratings)
    [protocol.opinion_grouping]     # used when group_basis = "opinion"
    min_ratings = 7
    max_groups = 5
    seed = 0
    [protocol.feedback]             # what rating rounds show of the previous one
    by_group = false                # split by stakeholder group (needs groups)
    comments = false                # the panel's comments, anonymised
    [protocol.scale]
    min = 1
    max = 9
    [protocol.stopping]
    max_rounds = 3
    cv_change_below = 0.15
    require_nonsignificant_wilcoxon = true

    [[rounds]]
    number = 1                      # rounds are numbered 1, 2, 3, ...
    kind = "contribute"             # contribute | rate
    opens = 2025-01-13              # optional TOML dates
    closes = 2025-02-07
    fragments = "round1-fragments.jsonl"   # contribute rounds
    # ratings = "round2-ratings.jsonl"     # rate rounds, with
    # items = "round2-items.jsonl"

A prioritisation study has ``kind = "prioritise"`` in ``[study]``, a ``[prioritise]`` section
(criteria, weights, rule, items file: :mod:`symphonia.interchange.priority_study`, whose
problems also name their line) and ``scores = "..."`` in its rate rounds.

File paths are relative to the directory of ``study.toml`` and must stay inside it.
Protocol fields left out take the defaults of :class:`symphonia.core.protocol.Protocol`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from symphonia.core.errors import Problem, RejectedInput
from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.protocol import Protocol
from symphonia.core.study import StudyDefinition, study_problems
from symphonia.core.text_rules import field_path, nested_text_problems, study_text_problems
from symphonia.interchange.files import MAX_STUDY_FILE_BYTES, read_bytes
from symphonia.interchange.priority_study import (
    line_of,
    prioritisation_from_section,
    toml_field_lines,
)
from symphonia.interchange.study_sections import (
    StudyFileModel,
    definition_from_model,
    protocol_from_section,
    toml_reason,
)
from symphonia.interchange.text import NotUtf8, decode_utf8

STUDY_FILE = "study.toml"

MAX_NESTING = 8
"""Deepest nesting of tables and arrays accepted; a study file needs five levels
(``protocol.stopping.max_rounds``; ``prioritise.criteria[2].scale.min``). Deeper input is
refused before any recursive check walks it (TOML parsing itself overflows Python's stack
near 400 levels)."""


class StudyFileError(RejectedInput, ValueError):
    """A study file that cannot be used; ``problems`` holds every problem found, each with
    the file as its location (a TOML file's own parse error names the line in its reason)."""

    def __init__(
        self,
        file: str,
        problems: list[tuple[str, str]],
        *,
        lines: Mapping[str, int] | None = None,
        located: Sequence[Problem] = (),
    ) -> None:
        self.file = file
        listed = [Problem(_at(file, f, lines), f, r) for f, r in problems] + list(located)
        self.field, self.reason = listed[0].field, listed[0].reason
        message = "\n".join(str(p) for p in listed)
        super().__init__(f"{file}: cannot be used", listed, message=message)


def _at(file: str, field: str, lines: Mapping[str, int] | None) -> str:
    """`file:line` when the field's line is known (see `toml_field_lines`), else `file`."""
    line = line_of(dict(lines), field) if lines else None
    return f"{file}:{line}" if line is not None else file


def resolve_study_file(path: str | Path) -> Path:
    """Accept either a study directory or its ``study.toml``."""
    p = Path(path)
    return p / STUDY_FILE if p.is_dir() else p


def load_study(path: str | Path) -> StudyDefinition:
    """Read, validate and cross-check a study definition; raise :class:`StudyFileError`."""
    file = resolve_study_file(path)
    shown = str(file)
    try:
        text = decode_utf8(read_bytes(file, MAX_STUDY_FILE_BYTES))
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise StudyFileError(shown, [("(file)", "no such file")]) from None
    except NotUtf8 as exc:
        raise StudyFileError(shown, [("(file)", str(exc))]) from None  # names the line
    except OSError as exc:
        raise StudyFileError(
            shown, [("(file)", f"cannot be read: {exc.strerror or exc}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise StudyFileError(shown, [("(toml)", f"not valid TOML: {exc}")]) from None
    except (RecursionError, ValueError) as exc:  # ValueError: an int of 4,300+ digits
        reason = "nested too deeply" if isinstance(exc, RecursionError) else "a number too long"
        raise StudyFileError(shown, [("(toml)", f"not usable as TOML: {reason}")]) from None
    if _nesting(raw) > MAX_NESTING:
        reason = (
            f"tables or arrays nested more than {MAX_NESTING} levels deep; a study file needs 5"
        )
        raise StudyFileError(shown, [("(toml)", reason)])
    try:
        model = StudyFileModel.model_validate(raw)
    except ValidationError as exc:
        # No definition to check yet: every string of the file is, so that one refusal still
        # lists every problem (TOML lets escapes such as "\u0000" through).
        problems = [(field_path(e["loc"]), toml_reason(e)) for e in exc.errors()]
        lines = _section_lines(text)
        raise StudyFileError(shown, nested_text_problems(raw) + problems, lines=lines) from None
    protocol, problems = protocol_from_section(model.protocol)
    prioritise, located = _prioritise(model, protocol, file.parent, problems)
    study = definition_from_model(model, protocol, prioritise, base_dir=file.parent)
    problems = (
        study_text_problems(study)  # the rule `symphonia.services.studies` enforces too
        + problems
        + study_problems(study)
        + _file_problems(model, file.parent)
    )
    if problems or located:
        raise StudyFileError(shown, problems, lines=_section_lines(text), located=located)
    return study


def _section_lines(text: str) -> dict[str, int]:
    """Lines of the `[prioritise]` section's fields, so its problems name their line (the
    older sections' problems name their field only, as they always have)."""
    return {k: v for k, v in toml_field_lines(text).items() if k.startswith("prioritise")}


def _prioritise(
    model: StudyFileModel, protocol: Protocol, base_dir: Path, problems: list[tuple[str, str]]
) -> tuple[Prioritisation | None, list[Problem]]:
    """The prioritise section, if any (its field problems are added to `problems`), and
    the problems found in its items file, each at its own file and line."""
    if model.prioritise is None:
        return None, []
    definition, found, located = prioritisation_from_section(
        model.prioritise, protocol.scale, base_dir, _round_file_problem
    )
    problems += found
    return definition, located


def _nesting(value: object) -> int:
    """How deeply tables and arrays nest in parsed TOML (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            return deepest  # enough to refuse: no need to walk the rest of a hostile file
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _file_problems(model: StudyFileModel, base_dir: Path) -> list[tuple[str, str]]:
    """Round files must be relative, stay inside the study directory, and exist."""
    problems: list[tuple[str, str]] = []
    for i, r in enumerate(model.rounds):
        for name in ("fragments", "ratings", "items", "scores"):
            rel = getattr(r, name)
            if rel is not None and (reason := _round_file_problem(base_dir, rel)) is not None:
                problems.append((f"rounds[{i}].{name}", reason))
    return problems


def _round_file_problem(base_dir: Path, rel: str) -> str | None:
    """Why `rel` cannot be one of the study's round files, or None when it can.

    The path is checked as written (relative, no ``..``) and as it resolves: a symlink in the
    study folder pointing elsewhere (``round1.jsonl -> /home/someone/.ssh/id_rsa``) would
    otherwise read, and import, a file from outside the folder the facilitator handed over.
    """
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not rel.strip():
        return f"{rel!r} must be a path relative to the study directory"
    target = base_dir / pure
    if not target.exists():
        return f"file {rel!r} not found in {base_dir}"
    if not target.resolve().is_relative_to(base_dir.resolve()):
        return (
            f"{rel!r} resolves to {target.resolve()}, outside the study directory "
            f"{base_dir}; round files must be inside it (copy the file in rather than link it)"
        )
    if not target.is_file():
        return f"{rel!r} is not a regular file"
    return None


def round_file(study: StudyDefinition, relative: str) -> Path:
    """Absolute location of a file a round refers to (relative to the study directory),
    checked again here (inside the folder, a regular file): it is read now, and the folder
    may have changed since the definition was loaded."""
    if study.base_dir is None:
        raise ValueError("the study was not loaded from a file; round files cannot be located")
    base = Path(study.base_dir)
    problem = _round_file_problem(base, relative)
    if problem is not None:
        raise StudyFileError(str(base / STUDY_FILE), [("(round file)", problem)])
    return base / relative
