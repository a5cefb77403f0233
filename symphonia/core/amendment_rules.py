"""What makes an editor's change possible: a reason, a text, citations of the round's
fragments, statements that exist. Every problem is listed at once (RejectedInput)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from symphonia.core.amendments import AmendmentAction, Change, DraftState
from symphonia.core.errors import Problem, RejectedInput
from symphonia.core.fragments import MAX_TEXT_CHARS
from symphonia.core.text_rules import id_problem, unusable_character

MAX_REASON_CHARS = 2000
MAX_SPLIT_PARTS = 10


def _text_problems(where: str, text: str | None) -> list[Problem]:
    if text is None or not text.strip():
        return [Problem(where, "text", "is required")]
    if len(text) > MAX_TEXT_CHARS:
        return [Problem(where, "text", f"is longer than {MAX_TEXT_CHARS} characters")]
    if (unusable := unusable_character(text)) is not None:
        return [Problem(where, "text", unusable)]
    return []


def _key_problems(where: str, keys: Sequence[str]) -> list[Problem]:
    """A new statement's key becomes an anchor and a stored key: an id, like a fragment's."""
    return [Problem(where, "key", reason) for k in keys if (reason := id_problem(k)) is not None]


def _citation_problems(
    where: str, citations: Sequence[str], fragments: Collection[str], required: bool
) -> list[Problem]:
    if required and not citations:
        return [Problem(where, "citations", "must cite at least one fragment of the round")]
    unknown = [c for c in dict.fromkeys(citations) if c not in fragments]
    if unknown:
        listed = ", ".join(repr(c) for c in unknown[:5])
        return [Problem(where, "citations", f"no fragment of this round is called {listed}")]
    return []


def check_reason(reason: str) -> str:
    """The amendment's reason, stripped; every amendment needs one."""
    stripped = reason.strip()
    if not stripped:
        raise RejectedInput(
            "the change was not made", [Problem("amendment", "reason", "is required")]
        )
    if (unusable := unusable_character(stripped)) is not None:
        raise RejectedInput("the change was not made", [Problem("amendment", "reason", unusable)])
    if len(stripped) > MAX_REASON_CHARS:
        raise RejectedInput(
            "the change was not made",
            [Problem("amendment", "reason", f"is longer than {MAX_REASON_CHARS} characters")],
        )
    return stripped


def change_problems(state: DraftState, change: Change, fragments: Collection[str]) -> list[Problem]:
    where = f"statement {change.key!r}"
    action = change.action
    if action is AmendmentAction.ADD:
        problems = _key_problems(where, [change.key])
        if state.get(change.key) is not None:
            problems.append(Problem(where, "key", "exists"))
        if change.section is None:
            problems.append(Problem(where, "section", "is required"))
        return (
            problems
            + _text_problems(where, change.text)
            + _citation_problems(where, change.add, fragments, required=True)
        )
    missing = [k for k in change.touched if state.get(k) is None]
    if missing:
        return [
            Problem(f"statement {k!r}", "key", "no such statement in this draft") for k in missing
        ]
    if action in (AmendmentAction.EDIT, AmendmentAction.MERGE):
        problems = _text_problems(where, change.text)
        if action is AmendmentAction.MERGE and change.other == change.key:
            problems.append(Problem(where, "other", "a statement cannot be merged with itself"))
        return problems
    if action is AmendmentAction.RECLASSIFY:
        current = state.get(change.key)
        if change.section is None or (current is not None and current.section is change.section):
            return [Problem(where, "section", "choose a section other than its own")]
        return []
    if action is AmendmentAction.SPLIT:
        return _split_problems(state, change, fragments)
    if action is AmendmentAction.CITE:
        return _cite_problems(state, change, fragments)
    return []


def _split_problems(state: DraftState, change: Change, fragments: Collection[str]) -> list[Problem]:
    where = f"statement {change.key!r}"
    if not 2 <= len(change.parts) <= MAX_SPLIT_PARTS:
        return [Problem(where, "parts", f"a split makes 2 to {MAX_SPLIT_PARTS} statements")]
    problems: list[Problem] = []
    if change.parts[0].key != change.key:
        problems.append(Problem(where, "parts", "the first part keeps the statement's key"))
    keys = [p.key for p in change.parts]
    problems += _key_problems(where, keys[1:])
    if len(set(keys)) != len(keys) or any(state.get(k) for k in keys[1:]):
        problems.append(Problem(where, "parts", "each new part needs a key of its own"))
    for n, part in enumerate(change.parts, start=1):
        part_where = f"{where}, part {n}"
        problems += _text_problems(part_where, part.text)
        problems += _citation_problems(part_where, part.citations, fragments, required=True)
    return problems


def _cite_problems(state: DraftState, change: Change, fragments: Collection[str]) -> list[Problem]:
    where = f"statement {change.key!r}"
    current = state.get(change.key)
    assert current is not None
    if not change.add and not change.remove:
        return [Problem(where, "citations", "add or remove at least one citation")]
    problems = _citation_problems(where, change.add, fragments, required=False)
    absent = [c for c in change.remove if c not in current.citations]
    if absent:
        problems.append(Problem(where, "remove", f"it does not cite {', '.join(absent)}"))
    left = [c for c in (*current.citations, *change.add) if c not in change.remove]
    if not left:
        problems.append(Problem(where, "citations", "a statement must keep at least one citation"))
    return problems
