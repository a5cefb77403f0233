"""Applying editors' changes to a version's statements, and replaying them from a draft.

Pure: the service stores the result as the next version (see
:mod:`symphonia.services.editing`); replaying the stored changes from the draft gives every
later version exactly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from symphonia.core.amendment_rules import change_problems
from symphonia.core.amendments import AmendmentAction, Change, DraftState, DraftStatement
from symphonia.core.errors import RejectedInput


@dataclass(frozen=True, slots=True)
class Applied:
    """What a change did: the new state, and the keys of the statements it wrote (to guard)."""

    state: DraftState
    written: tuple[str, ...]
    before: tuple[DraftStatement, ...]
    after: tuple[DraftStatement, ...]


def apply_change(
    state: DraftState, change: Change, reason: str, fragments: Collection[str]
) -> Applied:
    """Apply one change (`fragments`: the ids of the round's fragments a statement may cite);
    refuses a change that cannot be made with every problem listed."""
    problems = change_problems(state, change, fragments)
    if problems:
        raise RejectedInput("the change was not made", problems)
    before = tuple(s for k in change.touched if (s := state.get(k)) is not None)
    after, ledger = _result(state, change, reason, before)
    out = _replace_in_order(state.statements, change, before, after)
    new_state = DraftState(out, ledger)
    return Applied(new_state, tuple(s.key for s in after), before, after)


def _bumped(st: DraftStatement, **changes: Any) -> DraftStatement:
    if "accepted" not in changes:
        changes["accepted"] = None
    return replace(st, revision=st.revision + 1, **changes)


def _result(
    state: DraftState, change: Change, reason: str, before: tuple[DraftStatement, ...]
) -> tuple[tuple[DraftStatement, ...], tuple[Mapping[str, Any], ...]]:
    ledger = state.ledger
    action = change.action
    if action is AmendmentAction.ADD:
        assert change.section is not None
        assert change.text is not None
        new = DraftStatement(
            change.key,
            change.theme_key,
            change.section,
            change.text,
            tuple(dict.fromkeys(change.add)),
        )
        return (new,), ledger
    first = before[0]
    if action is AmendmentAction.EDIT:
        return (_bumped(first, text=change.text),), ledger
    if action is AmendmentAction.RECLASSIFY:
        return (_bumped(first, section=change.section),), ledger
    if action is AmendmentAction.MERGE:
        cited = tuple(dict.fromkeys((*first.citations, *before[1].citations)))
        return (_bumped(first, text=change.text, citations=cited),), ledger
    if action is AmendmentAction.SPLIT:
        head, *rest = change.parts
        parts = [_bumped(first, text=head.text, citations=tuple(dict.fromkeys(head.citations)))]
        parts += [
            DraftStatement(
                p.key,
                first.theme_key,
                first.section,
                p.text,
                tuple(dict.fromkeys(p.citations)),
                first.strength,
            )
            for p in rest
        ]
        return tuple(parts), ledger
    if action is AmendmentAction.CITE:
        cited = tuple(
            c for c in dict.fromkeys((*first.citations, *change.add)) if c not in change.remove
        )
        return (_bumped(first, citations=cited),), ledger
    if action is AmendmentAction.REMOVE:
        entry = {
            "subject": first.key,
            "reason": reason,
            "removed": {
                "text": first.text,
                "section": first.section.value,
                "theme": first.theme_key,
                "citations": list(first.citations),
            },
        }
        return (), (*ledger, entry)
    return (_bumped(first, accepted=reason),), ledger  # ACCEPT_FLAG


def _replace_in_order(
    statements: tuple[DraftStatement, ...],
    change: Change,
    before: tuple[DraftStatement, ...],
    after: tuple[DraftStatement, ...],
) -> tuple[DraftStatement, ...]:
    """The statements with `before` replaced by `after` where the first of them stood (a new
    statement goes after the last one of its section, or at the end)."""
    if change.action is AmendmentAction.ADD:
        same = [i for i, s in enumerate(statements) if s.section is change.section]
        at = same[-1] + 1 if same else len(statements)
        return (*statements[:at], *after, *statements[at:])
    gone = {s.key for s in before}
    out: list[DraftStatement] = []
    for st in statements:
        if st.key == before[0].key:
            out.extend(after)
        elif st.key not in gone:
            out.append(st)
    return tuple(out)


def replay(
    state: DraftState, changes: Sequence[tuple[Change, str]], fragments: Collection[str]
) -> DraftState:
    """The state after applying each (change, reason) in turn: a version from its draft."""
    for change, reason in changes:
        state = apply_change(state, change, reason, fragments).state
    return state
