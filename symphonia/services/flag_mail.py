"""The editors' mail about a new flag: sent after the flag is stored, so a mail server's
failure never loses it (the flag is on the editors' page and in their workspace anyway)."""

from __future__ import annotations

import asyncio
import logging

from symphonia.mail import Mail, Mailer, MailError
from symphonia.services.flag_raising import RaisedFlag

log = logging.getLogger(__name__)


def flag_mail(raised: RaisedFlag, url: str) -> list[Mail]:
    """The editors' mail about a new flag (who raised it is left out: they read it on the
    page, where the study's anonymity decides)."""
    f = raised.flag
    text = (
        f"A panellist of {raised.study_title!r} flagged statement {f.statement_key} "
        f"(round {f.round}, version {f.version}) as misrepresenting them:\n\n"
        f"  {f.statement_text}\n\nTheir comment:\n\n  {f.comment}\n\n"
        "The study publishes again only once every flag is answered: amend the statement, "
        f"or keep it with a written reason.\n\n{url}\n"
    )
    subject = f"Flag on statement {f.statement_key} of {raised.study_slug}"
    return [Mail(to, subject, text) for to in raised.recipients]


async def send_flag_mail(raised: RaisedFlag, mailer: Mailer, url: str) -> int:
    """Mail the study's editors (blocking sends run off the event loop); how many went.
    A mail server's failure does not undo the flag: it is stored and on the editors' page."""
    sent = 0
    for mail in flag_mail(raised, url):
        try:
            await asyncio.to_thread(mailer.send, mail)
        except (MailError, OSError) as failed:  # the flag stands; the workspace shows it
            log.warning("flag mail to %s not sent: %s", mail.to, failed)
            continue
        sent += 1
    return sent
