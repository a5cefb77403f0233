"""Outgoing mail: the outbox a facilitator can open, and a real SMTP conversation."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from symphonia.mail import Mail, MailError, OutboxMailer, SmtpMailer, make_mailer
from symphonia.settings import load_settings

LINK = "http://127.0.0.1:8000/sign-in/abc"


def test_the_outbox_holds_one_readable_message_per_mail(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox", "Symphonia <s@localhost>")
    where = mailer.send(Mail("expert@example.org", "Your invitation", f"Open {LINK}\n"))
    files = list((tmp_path / "outbox").iterdir())
    assert [str(f) for f in files] == [where]
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["To"] == "expert@example.org"
    assert parsed["Subject"] == "Your invitation"
    assert LINK in parsed.get_payload(decode=True).decode()


def test_a_recipient_cannot_steer_the_file_name(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox", "s@localhost")
    where = Path(mailer.send(Mail("../../etc/passwd@x", "s", "t")))
    assert where.parent == tmp_path / "outbox"


def test_an_unwritable_outbox_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(MailError, match="outbox"):
        OutboxMailer(blocker, "s@localhost").send(Mail("a@b", "s", "t"))


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, _Inbox]]:
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{controller.port}", inbox
    controller.stop()


def test_smtp_delivers_to_the_server(smtp_server: tuple[str, _Inbox]) -> None:
    url, inbox = smtp_server
    SmtpMailer(url, "s@localhost").send(Mail("expert@example.org", "Invitation", LINK))
    [(sender, recipients, content)] = inbox.messages
    assert sender == "s@localhost"
    assert recipients == ["expert@example.org"]
    assert LINK.encode() in content


def test_an_unreachable_server_is_a_mail_error() -> None:
    with pytest.raises(MailError, match=r"127\.0\.0\.1:9"):
        SmtpMailer("smtp://127.0.0.1:9", "s@localhost", timeout_s=2).send(Mail("a@b", "s", "t"))


def test_settings_choose_the_mailer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(make_mailer(load_settings()), OutboxMailer)
    monkeypatch.setenv("SYMPHONIA_SMTP_URL", "smtps://user:pw@mail.example.org")
    assert isinstance(make_mailer(load_settings()), SmtpMailer)
    monkeypatch.setenv("SYMPHONIA_SMTP_URL", "http://mail.example.org")
    with pytest.raises(MailError, match="smtp://"):
        make_mailer(load_settings())
