"""The facilitators' API models for the panel: its list, imports, mail batches, and
participation."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

from msgspec import Meta, Struct

from symphonia.services.mailing_views import MailingView
from symphonia.services.panel import PanelImport
from symphonia.services.panel_view import PanelView
from symphonia.services.participation import Participation, Turnout
from symphonia.web.api_facilitator.models import RoundStateOut


class PanelRowIn(Struct, forbid_unknown_fields=True):
    pseudonym: str | None = None
    email: str | None = None
    group: str | None = None
    role: Annotated[
        str | None, Meta(description="expert (default), facilitator, editor or reader.")
    ] = None
    name: str | None = None


class PanelIn(Struct, forbid_unknown_fields=True):
    """A panel list: `csv` (with a header row: pseudonym, email, group, role, name) or
    `rows`, not both. Refused whole when any row is wrong, each problem at `csv:LINE` or
    `rows:N`."""

    csv: str | None = None
    rows: list[PanelRowIn] | None = None


class PanelImportOut(Struct):
    added: list[str]
    updated: list[str]
    unchanged: int
    accounts_created: list[str]
    roles_granted: list[str]
    links_revoked: int

    @classmethod
    def of(cls, done: PanelImport) -> PanelImportOut:
        return cls(
            list(done.added),
            list(done.updated),
            done.unchanged,
            list(done.accounts_created),
            list(done.roles_granted),
            done.links_revoked,
        )


class PanellistOut(Struct):
    pseudonym: str
    group: str | None
    email: str | None
    invitation: Literal["no_email", "not_invited", "invited", "expired", "signed_in"]
    invited_at: datetime.datetime | None
    signed_in_at: datetime.datetime | None
    live_link: Annotated[
        uuid.UUID | None, Meta(description="The usable invitation link, which may be revoked.")
    ]


class StaffOut(Struct):
    email: str
    name: str
    role: str
    active: bool


class PanelOut(Struct):
    panellists: list[PanellistOut]
    staff: list[StaffOut]

    @classmethod
    def of(cls, view: PanelView) -> PanelOut:
        return cls(
            [
                PanellistOut(
                    p.pseudonym,
                    p.group_key,
                    p.email,
                    p.state.value,
                    p.invited_at,
                    p.signed_in_at,
                    p.live_link.id if p.live_link else None,
                )
                for p in view.panellists
            ],
            [StaffOut(s.email, s.name, s.role.value, s.active) for s in view.staff],
        )


class InvitationsIn(Struct, forbid_unknown_fields=True):
    pseudonyms: Annotated[
        list[str] | None,
        Meta(
            description="Who to invite, even if invited before (a resend replaces their "
            "earlier link). Left out: every expert with an email not invited yet."
        ),
    ] = None


class Unsent(Struct):
    pseudonym: str
    reason: str


class MailingOut(Struct):
    """A batch of invitations or reminders, sent in the background: poll its `url`."""

    id: uuid.UUID
    kind: Literal["invitation", "reminder"]
    round: int | None
    state: Literal["sending", "finished", "stopped"]
    total: int
    sent: list[str]
    failed: list[Unsent]
    not_sent: list[str]
    uncertain: Annotated[
        list[str],
        Meta(
            description="Interrupted mid-hand-over to the mail server: perhaps sent, not retried."
        ),
    ]
    skipped: list[Unsent]
    error: str | None
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    url: str

    @classmethod
    def of(cls, m: MailingView) -> MailingOut:
        return cls(
            m.id,
            m.kind.value,
            m.round_number,
            m.state.value,
            m.total,
            list(m.sent),
            [Unsent(p, r) for p, r in m.failed],
            list(m.not_sent),
            list(m.uncertain),
            [Unsent(p, r) for p, r in m.skipped],
            m.error,
            m.started_at,
            m.finished_at,
            f"/api/v1/studies/{m.study.slug}/mailings/{m.id}",
        )


class TurnoutOut(Struct):
    label: str
    experts: int
    invited: int
    signed_in: int
    took_part: int
    came_before: Annotated[int | None, Meta(description="Took part in the round before.")]
    dropped: Annotated[int | None, Meta(description="...and not in this one (attrition).")]

    @classmethod
    def of(cls, t: Turnout) -> TurnoutOut:
        return cls(
            t.label, t.experts, t.invited, t.signed_in, t.took_part, t.came_before, t.dropped
        )


class RoundTurnoutOut(Struct):
    round: RoundStateOut
    total: TurnoutOut
    by_group: list[TurnoutOut]


class ParticipationOut(Struct):
    panel: TurnoutOut
    panel_by_group: list[TurnoutOut]
    rounds: list[RoundTurnoutOut]

    @classmethod
    def of(cls, seen: Participation) -> ParticipationOut:
        return cls(
            TurnoutOut.of(seen.panel),
            [TurnoutOut.of(t) for t in seen.panel_by_group],
            [
                RoundTurnoutOut(
                    RoundStateOut.of(r.round),
                    TurnoutOut.of(r.total),
                    [TurnoutOut.of(t) for t in r.by_group],
                )
                for r in seen.rounds
            ],
        )
