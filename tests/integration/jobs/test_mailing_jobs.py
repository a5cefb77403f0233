"""Batches of emails as jobs (issue 14): each message sent once, whatever is run again or
interrupted; the batch's progress lives in the database."""

from __future__ import annotations

import dataclasses
import email
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.composition import Container
from symphonia.db.models import (
    AuditEvent,
    DeliveryState,
    MailDelivery,
    MailingState,
    SignInLink,
)
from symphonia.jobs.mailings import MailingJobs
from symphonia.mail import Mail, Mailer, MailError, OutboxMailer
from symphonia.services.errors import NotFound
from symphonia.services.invitation_mail import hand_over
from symphonia.services.mailing_views import mailing_view
from symphonia.services.mailings import claim_delivery, load_batch
from symphonia.services.studies import load_study
from symphonia.settings import load_settings
from symphonia.studyfiles import load_study as read_study_file
from tests.fakes.mail_panel import add_experts, invite_everyone
from tests.integration.jobs.conftest import OPERATOR, SLUG

Maker = async_sessionmaker[AsyncSession]
EXPERTS = 6


class Recording:
    """A mail server that keeps what it was given (sending twice makes two messages)."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[Mail] = []
        self.fail = fail

    def send(self, mail: Mail) -> str:
        if self.fail:
            raise MailError("connection refused")
        self.sent.append(mail)
        return "smtp.example.org:25"


@pytest.fixture
async def study(sessionmaker: Maker, demo_study_dir: Path) -> list[str]:
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        return await add_experts(s, SLUG, EXPERTS)


def container(db_url: str, mailer: Mailer) -> Container:
    return Container(dataclasses.replace(load_settings(), database_url=db_url), mailer=mailer)


def outbox_recipients(outbox: Path) -> list[str]:
    return sorted(str(email.message_from_bytes(f.read_bytes())["To"]) for f in outbox.glob("*.eml"))


async def states(maker: Maker) -> list[DeliveryState]:
    async with maker() as s:
        return list(await s.scalars(select(MailDelivery.state).order_by(MailDelivery.position)))


async def test_a_batch_is_sent_once_however_often_its_job_runs(
    sessionmaker: Maker, db_url: str, study: list[str], tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    async with container(db_url, OutboxMailer(outbox, "s@localhost")) as c:
        async with c.session() as s:
            mailing_id = await invite_everyone(s, SLUG, OPERATOR)
        jobs = MailingJobs(c)
        assert await jobs.run(mailing_id) is MailingState.FINISHED
        assert await jobs.run(mailing_id) is MailingState.FINISHED  # a retried job: nothing
        async with c.session() as s:
            view = await mailing_view(s, SLUG, mailing_id, actor=OPERATOR)
    assert outbox_recipients(outbox) == sorted(study)
    assert (view.total, len(view.sent), view.failed, view.not_sent) == (EXPERTS, EXPERTS, (), ())
    assert await states(sessionmaker) == [DeliveryState.SENT] * EXPERTS
    async with sessionmaker() as s:
        sent = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "invitation.sent")
        )
    assert sent == EXPERTS


async def test_a_runner_that_stops_leaves_the_rest_to_the_next(
    sessionmaker: Maker, db_url: str, study: list[str], tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    async with container(db_url, OutboxMailer(outbox, "s@localhost")) as c:
        async with c.session() as s:
            mailing_id = await invite_everyone(s, SLUG, OPERATOR)
        asked = 0

        def stop_after_two() -> bool:
            nonlocal asked
            asked += 1
            return asked > 2

        jobs = MailingJobs(c)
        assert await jobs.run(mailing_id, stopping=stop_after_two) is MailingState.SENDING
        assert len(outbox_recipients(outbox)) == 2
        async with c.session() as s:
            assert not (await mailing_view(s, SLUG, mailing_id, actor=OPERATOR)).done
        assert await jobs.run(mailing_id) is MailingState.FINISHED
    assert outbox_recipients(outbox) == sorted(study)


async def _interrupt_first(c: Container, mailing_id: object, mailer: Mailer) -> None:
    """What a worker killed mid-hand-over leaves: the first delivery claimed and its message
    handed over, but its fate never recorded."""
    async with c.session() as s:
        batch = await load_batch(s, mailing_id)  # type: ignore[arg-type]
        delivery_id, recipient = batch.to_do[0]
        claim = await claim_delivery(s, batch, delivery_id, recipient, resend_interrupted=False)
        assert claim is not None

        async def killed(_s: AsyncSession, _d: object) -> None:
            raise KeyboardInterrupt  # the process dies before the record commits

        with pytest.raises(KeyboardInterrupt):
            await hand_over(
                s,
                batch.plan,
                recipient,
                claim.link,
                mailer=mailer,
                link_for=c.sign_in_url,
                actor=batch.actor,
                key=str(delivery_id),
                outcome=killed,
            )


async def test_an_interrupted_message_to_the_outbox_is_replaced_not_repeated(
    sessionmaker: Maker, db_url: str, study: list[str], tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    mailer = OutboxMailer(outbox, "s@localhost")
    async with container(db_url, mailer) as c:
        async with c.session() as s:
            mailing_id = await invite_everyone(s, SLUG, OPERATOR)
        await _interrupt_first(c, mailing_id, mailer)
        assert outbox_recipients(outbox) == [study[0]]
        assert await MailingJobs(c).run(mailing_id) is MailingState.FINISHED
    assert outbox_recipients(outbox) == sorted(study)  # the first message once, not twice
    async with sessionmaker() as s:
        first = await s.scalar(select(MailDelivery).where(MailDelivery.position == 0))
        assert first is not None
        assert (first.state, first.attempts) == (DeliveryState.SENT, 2)
        live = await s.scalar(
            select(func.count()).select_from(SignInLink).where(SignInLink.revoked_at.is_(None))
        )
    assert live == EXPERTS  # the interrupted attempt's link was ended: one per person
    [named] = outbox.glob(f"{first.id}-*.eml")  # the file and Message-ID name the delivery
    assert f"<{first.id}@symphonia.local>" in named.read_text()


async def test_an_interrupted_message_to_a_mail_server_is_not_sent_again(
    sessionmaker: Maker, db_url: str, study: list[str]
) -> None:
    server = Recording()
    async with container(db_url, server) as c:
        async with c.session() as s:
            mailing_id = await invite_everyone(s, SLUG, OPERATOR)
        await _interrupt_first(c, mailing_id, server)
        assert await MailingJobs(c).run(mailing_id) is MailingState.FINISHED
        async with c.session() as s:
            view = await mailing_view(s, SLUG, mailing_id, actor=OPERATOR)
    assert sorted(m.to for m in server.sent) == sorted(study)  # the first one only once
    assert view.uncertain == ("X0001",)
    assert len(view.sent) == EXPERTS - 1


async def test_a_mail_server_that_keeps_failing_stops_the_batch(
    sessionmaker: Maker, db_url: str, study: list[str]
) -> None:
    async with container(db_url, Recording(fail=True)) as c:
        async with c.session() as s:
            mailing_id = await invite_everyone(s, SLUG, OPERATOR)
        assert await MailingJobs(c).run(mailing_id) is MailingState.STOPPED
        async with c.session() as s:
            view = await mailing_view(s, SLUG, mailing_id, actor=OPERATOR)
    assert [p for p, _ in view.failed] == ["X0001", "X0002", "X0003"]
    assert view.not_sent == ("X0004", "X0005", "X0006")
    assert view.error is not None
    assert "connection refused" in view.error


async def test_a_batch_is_not_found_from_another_study(
    sessionmaker: Maker, db_url: str, study: list[str]
) -> None:
    async with container(db_url, Recording()) as c, c.session() as s:
        mailing_id = await invite_everyone(s, SLUG, OPERATOR)
        with pytest.raises(NotFound):
            await mailing_view(s, "another-study", mailing_id, actor=OPERATOR)
