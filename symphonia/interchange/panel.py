"""Read a panel list: who is on a study's panel or staff, from a CSV a facilitator keeps.

Columns (a header row first; ``role`` and ``name`` may be left out)::

    pseudonym,email,group,role,name
    E01,ann@example.org,clinician,expert,
    ,bob@example.org,,editor,Bob Jones

- an **expert** (the default role) is a panellist: a ``pseudonym`` (the id the panel sees,
  such as E07) and a stakeholder ``group`` are required, the ``email`` is where the
  invitation goes (it may be added later by importing the list again);
- a **facilitator**, **editor** or **reader** is staff: known by ``email`` (required), with
  no pseudonym and no group; ``name`` is how the platform greets them.

The reader checks what the list can tell on its own (columns, values, the same pseudonym or
email twice); whether a group exists or a pseudonym is taken by another address depends on
the study, so the service checks those, naming the same lines. Like every importer it is
all-or-nothing: a list with any problem gives no rows, and every problem is listed at once.

The JSON API sends the same rows as objects; :func:`parse_panel_rows` reads them with the
same rules, each located as ``rows:N`` (1-based).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from symphonia.core.actors import StudyRole
from symphonia.core.emails import email_problem, stored_email
from symphonia.core.study import MAX_PSEUDONYM_CHARS
from symphonia.core.text_rules import id_problem
from symphonia.interchange._errors import Collector, Format, ReadResult
from symphonia.interchange._fields import get_str
from symphonia.interchange._records import RawRecord, iter_records

PANEL_FIELDS = ("pseudonym", "email", "group", "role", "name")
MAX_NAME_CHARS = 200
ROLES = tuple(r.value for r in StudyRole)


@dataclass(frozen=True, slots=True)
class PanelRow:
    """One person of the list, checked; `line` is where they were read (for later refusals)."""

    line: int
    role: StudyRole
    pseudonym: str | None
    email: str | None
    """Stored form: trimmed and lower-cased."""
    group: str | None
    name: str | None

    @property
    def staff(self) -> bool:
        return self.role is not StudyRole.EXPERT


def parse_panel(text: str, *, file: str = "panel.csv", fmt: Format = "csv") -> ReadResult[PanelRow]:
    """Parse a panel list (CSV by default; JSON Lines with the same field names too)."""
    out = Collector()
    return _rows(iter_records(text, fmt, PANEL_FIELDS, (), out), out, file, fmt)


def parse_panel_rows(
    rows: Sequence[Mapping[str, object]], *, file: str = "rows"
) -> ReadResult[PanelRow]:
    """The same rules over rows that arrive as objects (the JSON API); row N is `file:N`."""
    out = Collector()
    records = []
    for number, row in enumerate(rows, start=1):
        unknown = [k for k in row if k not in PANEL_FIELDS]
        for key in unknown:
            out.add(number, key, f"unknown field; allowed fields are {', '.join(PANEL_FIELDS)}")
        if not unknown:
            values = {k: v for k, v in row.items() if v is not None}
            records.append(RawRecord(number, values, tabular=False))
    return _rows(records, out, file, "jsonl")


def _rows(
    records: Iterable[RawRecord], out: Collector, file: str, fmt: Format
) -> ReadResult[PanelRow]:
    rows: list[PanelRow] = []
    seen_pseudonym: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for rec in records:
        row = _row(rec, out)
        if row is None:
            continue
        for value, seen, name in (
            (row.pseudonym, seen_pseudonym, "pseudonym"),
            (row.email, seen_email, "email"),
        ):
            if value is None:
                continue
            if value in seen:
                out.add(rec.line, name, f"{value!r} is on line {seen[value]} already")
                row = None
                break
            seen[value] = rec.line
        if row is not None:
            rows.append(row)
    out.require_some(rows, "people", fmt)
    return out.result(file, rows, [r.line for r in rows])


def _row(rec: RawRecord, out: Collector) -> PanelRow | None:
    before = len(out.errors)
    role_text = (get_str(rec, "role", out) or StudyRole.EXPERT.value).strip().lower()
    if role_text not in ROLES:
        out.add(rec.line, "role", f"unknown role {role_text!r}; expected one of {', '.join(ROLES)}")
        return None
    role = StudyRole(role_text)
    pseudonym = _stripped(get_str(rec, "pseudonym", out))
    group = _stripped(get_str(rec, "group", out))
    name = _stripped(get_str(rec, "name", out))
    email = _email(rec, out)
    reported = _reported(out, rec.line, before)
    if role is StudyRole.EXPERT:
        if pseudonym is None and "pseudonym" not in reported:
            out.add(rec.line, "pseudonym", "an expert needs a pseudonym (such as E07)")
        elif pseudonym is not None and (reason := _pseudonym_problem(pseudonym)) is not None:
            out.add(rec.line, "pseudonym", reason)
        if group is None and "group" not in reported:
            out.add(rec.line, "group", "an expert must belong to a stakeholder group")
    else:
        if email is None and "email" not in reported:
            out.add(rec.line, "email", f"a {role.value} is staff and needs an email address")
        if pseudonym is not None:
            out.add(
                rec.line,
                "pseudonym",
                f"a {role.value} is staff, known by email: leave the pseudonym empty "
                "(put their name in a name column)",
            )
        if group is not None:
            out.add(rec.line, "group", f"a {role.value} is staff, in no stakeholder group")
    if name is not None and len(name) > MAX_NAME_CHARS:
        out.add(rec.line, "name", f"is longer than {MAX_NAME_CHARS} characters")
    if len(out.errors) > before:
        return None
    return PanelRow(rec.line, role, pseudonym, email, group, name)


def _stripped(value: str | None) -> str | None:
    return value.strip() if value is not None else None


def _pseudonym_problem(pseudonym: str) -> str | None:
    if (reason := id_problem(pseudonym)) is not None:
        return reason
    if len(pseudonym) > MAX_PSEUDONYM_CHARS:
        return f"is longer than {MAX_PSEUDONYM_CHARS} characters"
    return None


def _email(rec: RawRecord, out: Collector) -> str | None:
    value = get_str(rec, "email", out)
    if value is None:
        return None
    if (reason := email_problem(value)) is not None:
        out.add(rec.line, "email", reason)
        return None
    return stored_email(value)


def _reported(out: Collector, line: int, since: int) -> set[str]:
    """The fields already refused on `line` (so one problem is not reported twice)."""
    return {issue.field for issue in out.errors[since:] if issue.line == line}
