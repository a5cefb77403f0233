"""An editor's form, read into a change (`symphonia.core.amendments.Change`) and the
revisions it was made against.

Each of the statement page's forms posts an `action`, the `revision` of the statement it
shows, a `reason`, and the fields of that action. A merge names the other statement as
``key@revision`` (the option the editor chose carries the revision they saw). Citations are
typed as fragment ids separated by spaces or commas. Bad input comes back as form errors by
field, never a traceback; the service judges the rest (and words its refusals by field too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from symphonia.core.amendments import AmendmentAction, Change, SplitPart
from symphonia.core.synthesis import Section
from symphonia.services.editing import new_statement_key
from symphonia.web.forms import FormState, read_form

FIELDS = (
    "action",
    "revision",
    "reason",
    "text",
    "section",
    "theme",
    "other",
    "add",
    "part1",
    "part1_citations",
    "part2",
    "part2_citations",
)
"""Every field an editor's form may post (besides the CSRF token and the `remove` boxes)."""

ACTION_LABELS = {
    AmendmentAction.EDIT: "Edit the text",
    AmendmentAction.RECLASSIFY: "Move to another section",
    AmendmentAction.MERGE: "Merge with another statement",
    AmendmentAction.SPLIT: "Split in two",
    AmendmentAction.CITE: "Add or remove citations",
    AmendmentAction.ADD: "Add a statement",
    AmendmentAction.REMOVE: "Remove (to the dissent ledger)",
    AmendmentAction.ACCEPT_FLAG: "Keep it despite the guard's flags",
}

_SEPARATORS = re.compile(r"[\s,;]+")


def fragment_ids(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in _SEPARATORS.split(text) if i))


@dataclass(frozen=True, slots=True)
class EditRequest:
    """A parsed form: the change and revisions to send (None when the form has errors)."""

    form: FormState
    change: Change | None = None
    revisions: Mapping[str, int] | None = None


def _listed(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    raw = data.get(name, ())
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return tuple(str(v) for v in values)


def read_edit(key: str | None, data: Mapping[str, Any]) -> EditRequest:
    """The change a form asks for (`key`: the statement the page is about; None to add)."""
    form = read_form(data, FIELDS)
    values = form.values
    errors: dict[str, str] = {}
    try:
        action = AmendmentAction(values["action"])
    except ValueError:
        return EditRequest(form.with_errors({"action": "Choose what to change"}))
    revisions: dict[str, int] = {}
    if key is not None:
        try:
            revisions[key] = int(values["revision"])
        except ValueError:
            errors["revision"] = "The page is out of date: open the statement again"
    section = None
    if values["section"]:
        try:
            section = Section(values["section"])
        except ValueError:
            errors["section"] = "Choose a section"
    other = None
    if action is AmendmentAction.MERGE:
        other, _, rev = values["other"].rpartition("@")
        if not other or not rev.isdigit():
            errors["other"] = "Choose the statement to merge with"
        else:
            revisions[other] = int(rev)
    if errors:
        return EditRequest(form.with_errors(errors))
    target = key if key is not None else new_statement_key()
    parts: tuple[SplitPart, ...] = ()
    if action is AmendmentAction.SPLIT:
        parts = (
            SplitPart(target, values["part1"], fragment_ids(values["part1_citations"])),
            SplitPart(
                new_statement_key(), values["part2"], fragment_ids(values["part2_citations"])
            ),
        )
    change = Change(
        action=action,
        key=target,
        text=values["text"] or None,
        section=section,
        theme_key=values["theme"] or None,
        other=other or None,
        parts=parts,
        add=fragment_ids(values["add"]),
        remove=_listed(data, "remove"),
    )
    return EditRequest(form, change, revisions)
