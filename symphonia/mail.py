"""Outgoing email: invitations, fresh sign-in links and reminders.

Two adapters behind one small interface. The embedded default writes each message as an
`.eml` file into the outbox directory, so nothing needs a mail server and a facilitator (or a
test) can open what would have been sent; a deployment sets SYMPHONIA_SMTP_URL and the same
messages go through its SMTP server (STARTTLS when the server offers it, or smtps:// for TLS
from the start). Sending blocks, so callers on the event loop run it in a thread.
"""

from __future__ import annotations

import datetime
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from symphonia.settings import Settings

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


class MailError(RuntimeError):
    """A message could not be handed to the outbox or the mail server."""


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    key: str | None = None
    """Names this message for good (a mailing's delivery id): its Message-ID, and in the
    outbox its file, so a message handed over again after an interruption replaces the
    first copy instead of adding a second."""


class Mailer(Protocol):
    def send(self, mail: Mail) -> str:
        """Deliver `mail`; return where it went (a file path or the server's name)."""
        ...


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(_now())
    message["Message-ID"] = (
        f"<{_UNSAFE_NAME.sub('_', mail.key)}@symphonia.local>"
        if mail.key
        else make_msgid(domain="symphonia.local")
    )
    message.set_content(mail.text)
    return message


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True, slots=True)
class OutboxMailer:
    """Writes each message to `directory` as `<time>-<recipient>.eml` (`<key>-<recipient>.eml`
    for a keyed message: sending it again replaces it), atomically."""

    directory: Path
    sender: str

    def send(self, mail: Mail) -> str:
        message = _message(mail, self.sender)
        stamp = _UNSAFE_NAME.sub("_", mail.key) if mail.key else _now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{_UNSAFE_NAME.sub('_', mail.to)[:80]}.eml"
        temporary: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".sending-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(temporary, self.directory / name)
        except OSError as exc:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            raise MailError(f"could not write to the outbox {self.directory}: {exc}") from exc
        return str(self.directory / name)


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    """Sends through an SMTP server given as smtp[s]://[user[:password]@]host[:port]."""

    url: str
    sender: str
    timeout_s: float = 30.0

    def send(self, mail: Mail) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        tls = parts.scheme == "smtps"
        port = parts.port or (465 if tls else 25)
        context = ssl.create_default_context()
        try:
            client: smtplib.SMTP = (
                smtplib.SMTP_SSL(host, port, timeout=self.timeout_s, context=context)
                if tls
                else smtplib.SMTP(host, port, timeout=self.timeout_s)
            )
            with client:
                if not tls and client.has_extn("starttls"):
                    client.starttls(context=context)
                if parts.username:
                    client.login(unquote(parts.username), unquote(parts.password or ""))
                client.send_message(_message(mail, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"the mail server {host}:{port} refused or failed: {exc}") from exc
        return f"{host}:{port}"


def repeats_safely(mailer: Mailer) -> bool:
    """Whether handing a keyed message over twice still leaves one message: true of the
    outbox (the second copy replaces the first), not of an SMTP server (two emails)."""
    return isinstance(mailer, OutboxMailer)


def make_mailer(settings: Settings) -> Mailer:
    if settings.mail.smtp_url:
        scheme = urlsplit(settings.mail.smtp_url).scheme
        if scheme not in ("smtp", "smtps"):
            raise MailError(
                f"SYMPHONIA_SMTP_URL must start with smtp:// or smtps:// (got {scheme or 'none'}://)"
            )
        return SmtpMailer(settings.mail.smtp_url, settings.mail.sender)
    return OutboxMailer(settings.resolved_outbox, settings.mail.sender)
