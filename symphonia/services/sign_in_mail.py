"""A fresh sign-in link by email, for whoever lost their session or their invitation.

Anyone may ask, for any address, so the answer never says whether the address is known:
the page says "if it is registered, a link is on its way" either way, and the work is the
same shape for a stranger as for a panellist. Every active account and every expert
panellist registered under the address gets one new single-use link (a person on two
panels gets one per study, since each study is a separate sign-in).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.enums import ParticipantRole
from symphonia.db.models import Account, LinkPurpose, Participant, Study
from symphonia.mail import Mail, Mailer
from symphonia.services.accounts import normalise_email
from symphonia.services.tokens import SIGN_IN_TTL, issue_sign_in_link
from symphonia.services.tx import transaction

SYSTEM = Actor.system("web:lost-link")


@dataclass(frozen=True, slots=True)
class _Holder:
    participant_id: uuid.UUID | None
    account_id: uuid.UUID | None
    to: str
    where: str


async def _holders(session: AsyncSession, address: str) -> list[_Holder]:
    async with transaction(session, write=False):
        accounts = await session.scalars(
            select(Account).where(Account.email == address, Account.is_active.is_(True))
        )
        holders = [_Holder(None, a.id, a.email, "your Symphonia account") for a in accounts]
        panellists = await session.execute(
            select(Participant.id, Study.title)
            .join(Study, Study.id == Participant.study_id)
            .where(Participant.email == address, Participant.role == ParticipantRole.EXPERT)
        )
        holders += [
            _Holder(pid, None, address, f"the study “{title}”") for pid, title in panellists
        ]
    return holders


def _text(where: str, link: str) -> str:
    hours = int(SIGN_IN_TTL.total_seconds() // 3600)
    return (
        f"Someone (we hope you) asked for a new link to sign in to {where} on Symphonia.\n\n"
        f"{link}\n\n"
        f"The link works once, for {hours} hour{'s' if hours != 1 else ''}. "
        "If you did not ask for it, you can ignore this email: nobody can use it without "
        "access to your inbox.\n"
    )


async def send_fresh_links(
    session: AsyncSession, email: str, *, mailer: Mailer, link_for: Callable[[str], str]
) -> int:
    """Email a fresh link to everyone registered under `email`; how many were sent (for
    logs and tests; never shown to the person asking). A malformed address is refused
    (:class:`RejectedInput` on the field `email`)."""
    address = normalise_email(email)
    sent = 0
    for holder in await _holders(session, address):
        issued = await issue_sign_in_link(
            session,
            participant_id=holder.participant_id,
            account_id=holder.account_id,
            purpose=LinkPurpose.SIGN_IN,
            actor=SYSTEM,
        )
        mail = Mail(
            holder.to,
            "Your link to sign in to Symphonia",
            _text(holder.where, link_for(issued.token)),
        )
        await asyncio.to_thread(mailer.send, mail)
        sent += 1
    return sent
