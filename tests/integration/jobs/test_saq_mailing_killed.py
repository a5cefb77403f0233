"""A batch of invitations on the SAQ queue, two `symphonia worker` processes, and the one
sending it SIGKILLed mid-batch: the other finishes it, and the outbox holds every message
exactly once (issue 14)."""

from __future__ import annotations

import collections
import dataclasses
import email
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.composition import Container
from symphonia.db.models import (
    AuditEvent,
    DeliveryState,
    LinkPurpose,
    MailDelivery,
    Mailing,
    MailingState,
    SignInLink,
)
from symphonia.jobs.saq_queue import SaqDispatch
from symphonia.services.studies import load_study
from symphonia.settings import load_settings
from symphonia.studyfiles import load_study as read_study_file
from tests.fakes.mail_panel import add_experts, invite_everyone
from tests.integration.jobs.conftest import OPERATOR, SLUG
from tests.integration.jobs.test_saq_workers import eventually, start_worker, worker_env

pytestmark = [pytest.mark.postgres]
Maker = async_sessionmaker[AsyncSession]
EXPERTS = 400


async def sent(maker: Maker) -> int:
    async with maker() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(MailDelivery)
                .where(MailDelivery.state == DeliveryState.SENT)
            )
            or 0
        )


async def holder_pid(maker: Maker) -> int | None:
    """The pid of the worker whose SAQ job is sending the batch (from its worker id)."""
    async with maker() as s:
        rows = (
            await s.execute(
                text("SELECT job FROM saq_jobs WHERE key LIKE 'mailing:%' AND status = 'active'")
            )
        ).all()
    for (job,) in rows:
        worker = json.loads(bytes(job)).get("worker_id") or ""
        parts = worker.split(":")
        if len(parts) >= 3 and parts[-2].isdigit():
            return int(parts[-2])
    return None


async def test_a_mailing_whose_worker_is_killed_sends_every_message_once(
    db_backend: str, sessionmaker: Maker, db_url: str, demo_study_dir: Path, tmp_path: Path
) -> None:
    if db_backend != "postgresql":
        pytest.skip("the SAQ queue lives in PostgreSQL")
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        emails = await add_experts(s, SLUG, EXPERTS)
        mailing_id = await invite_everyone(s, SLUG, OPERATOR)
    env = worker_env(db_url, tmp_path)
    first = start_worker(env, tmp_path / "first.log")
    second = start_worker(env, tmp_path / "second.log")
    workers = {first.pid: first, second.pid: second}
    settings = dataclasses.replace(load_settings(), database_url=db_url)
    settings = dataclasses.replace(
        settings, worker=dataclasses.replace(settings.worker, queue="saq")
    )
    try:
        async with Container(settings) as container:
            dispatch = SaqDispatch(container)
            assert await dispatch.enqueue_pending() == 1  # what the web app does on a request
            await dispatch.stop()

        victim: list[int] = []

        async def mid_batch() -> bool:
            for pid, process in workers.items():
                if process.poll() is not None:
                    raise AssertionError(f"worker {pid} stopped")
            done = await sent(sessionmaker)
            assert done < EXPERTS, "the batch finished before a worker could be killed"
            pid = await holder_pid(sessionmaker)
            if done >= 10 and pid in workers:
                victim.append(pid)
                return True
            return False

        await eventually(mid_batch, "a worker to be mid-batch", timeout=120)
        os.kill(victim[0], signal.SIGKILL)
        assert workers[victim[0]].wait(timeout=30) == -signal.SIGKILL
        killed_at = await sent(sessionmaker)

        async def finished() -> bool:
            async with sessionmaker() as s:
                state = await s.scalar(select(Mailing.state).where(Mailing.id == mailing_id))
            return state is not MailingState.SENDING

        await eventually(finished, "the surviving worker to finish the batch", timeout=240)
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    survivor = next(p for p in workers if p != victim[0])
    log = (tmp_path / ("first.log" if survivor == first.pid else "second.log")).read_text()
    assert killed_at < EXPERTS, log
    outbox = tmp_path / "outbox"
    recipients = collections.Counter(
        str(email.message_from_bytes(f.read_bytes())["To"]) for f in outbox.glob("*.eml")
    )
    assert sorted(recipients) == emails  # everyone got their message...
    assert set(recipients.values()) == {1}  # ...exactly once
    async with sessionmaker() as s:
        mailing = await s.get_one(Mailing, mailing_id)
        states = collections.Counter(await s.scalars(select(MailDelivery.state)))
        events = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "invitation.sent")
        )
        live_links = await s.scalar(
            select(func.count())
            .select_from(SignInLink)
            .where(SignInLink.purpose == LinkPurpose.INVITATION, SignInLink.revoked_at.is_(None))
        )
    assert (mailing.state, mailing.error) == (MailingState.FINISHED, None), log
    assert states == {DeliveryState.SENT: EXPERTS}
    assert events == EXPERTS  # one "sent" record per message
    assert live_links == EXPERTS  # one working invitation per person
