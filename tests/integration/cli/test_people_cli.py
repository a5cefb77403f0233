"""`symphonia account …`, `symphonia worker` and `symphonia analysis status`, and the hints
the CLI adds to refusals (services name no commands)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from symphonia.core.actors import Actor, StudyRole
from symphonia.db.engine import create_engine, create_sessionmaker
from symphonia.services.analysis import AnalysisOptions, request_analysis
from symphonia.services.tokens import redeem_sign_in_link
from symphonia.settings import get_settings
from tests.integration.cli.conftest import Invoke

LINK = re.compile(r"http://127\.0\.0\.1:8000/sign-in/(\S+)")


def on_database(work):  # type: ignore[no-untyped-def]
    """Run `work(session)` against the CLI's own database."""

    async def go():  # type: ignore[no-untyped-def]
        engine = create_engine(get_settings().resolved_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@pytest.fixture
def loaded(cli: Invoke, demo_study_dir: Path) -> Invoke:
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", demo_study_dir).code == 0
    return cli


def test_account_create_prints_a_one_time_link_that_signs_in(loaded: Invoke) -> None:
    made = loaded(
        "account",
        "create",
        "Ann@Example.org",
        "--role",
        "editor",
        "--study",
        "connected-icb",
        "--name",
        "Ann",
    )
    assert made.code == 0, made.err
    assert "account ann@example.org created: editor in connected-icb" in made.out
    token = LINK.search(made.out)
    assert token is not None
    signed_in = on_database(lambda s: redeem_sign_in_link(s, token.group(1)))
    assert signed_in.actor.label == "account:ann@example.org"
    assert set(signed_in.actor.roles.values()) == {frozenset({StudyRole.EDITOR})}
    listed = loaded("account", "list")
    assert "ann@example.org" in listed.out
    assert "connected-icb:editor" in listed.out
    twice = loaded(
        "account", "create", "ann@example.org", "--role", "reader", "--study", "connected-icb"
    )
    assert twice.code == 2
    assert "an account for 'ann@example.org' exists already" in twice.err


def test_account_roles_from_the_shell(loaded: Invoke) -> None:
    no_study = loaded("account", "create", "ed@example.org", "--role", "reader")
    assert no_study.code == 2
    assert "--role reader needs --study" in no_study.err
    bad_role = loaded("account", "create", "ed@example.org", "--role", "expert")
    assert bad_role.code == 2
    assert "not a staff role" in bad_role.err
    unknown = loaded("account", "create", "ed@example.org", "--role", "editor", "--study", "nope")
    assert unknown.code == 2
    assert "unknown study 'nope'" in unknown.err
    assert "ed@example.org" not in loaded("account", "list").out  # nothing half-made
    assert loaded("account", "create", "fa@example.org", "--role", "facilitator").code == 0
    granted = loaded(
        "account", "grant", "fa@example.org", "--study", "connected-icb", "--role", "facilitator"
    )
    assert granted.code == 0, granted.err
    assert "fa@example.org: connected-icb:facilitator" in granted.out
    revoked = loaded("account", "revoke", "fa@example.org", "--study", "connected-icb")
    assert revoked.code == 0, revoked.err
    assert "fa@example.org: no roles" in revoked.out
    again = loaded("account", "revoke", "fa@example.org", "--study", "connected-icb")
    assert again.code == 2
    assert "has no role in study 'connected-icb'" in again.err


def test_the_worker_runs_requested_jobs_and_status_shows_them(
    loaded: Invoke, demo_study_dir: Path
) -> None:
    fragments = demo_study_dir / "round1-fragments.jsonl"
    for step in (("round", "open"), ("fragments", "import"), ("round", "close")):
        extra = [fragments] if step[0] == "fragments" else []
        assert loaded(*step, "connected-icb", "1", *extra).code == 0
    empty = loaded("analysis", "status", "connected-icb", "1")
    assert "has no analysis runs; run `symphonia synthesize connected-icb 1`" in empty.out
    # An LLM run with no endpoint configured: the worker runs it, it fails, the reason stays.
    run_id = on_database(
        lambda s: request_analysis(
            s, "connected-icb", 1, AnalysisOptions("llm"), actor=Actor.operator("web")
        )
    )
    ran = loaded("worker", "--once")
    assert ran.code == 0, ran.err
    assert "ran 1 job, 1 failed" in ran.out
    status = loaded("analysis", "status", "connected-icb", "1")
    assert status.code == 0
    assert "failed" in status.out
    assert f"run {run_id} failed: " in status.out
    assert "SYMPHONIA_LLM" in status.out
    assert "ran 0 jobs" in loaded("worker", "--once").out


def test_refusal_hints_name_the_command_that_fixes_them(loaded: Invoke) -> None:
    assert loaded("round", "open", "connected-icb", "1").code == 0
    refused = loaded("round", "open", "connected-icb", "2")
    assert refused.err.strip() == (
        "error: round 2 of 'connected-icb' cannot open before round 1 is closed "
        "(round 1 is still open); close it first: `symphonia round close connected-icb 1`"
    )
    assert loaded("round", "close", "connected-icb", "1").code == 0
    export = loaded("export", "connected-icb", "1")
    assert export.err.strip() == (
        "error: round 1 of 'connected-icb' has no synthesis yet; "
        "run `symphonia synthesize connected-icb 1` first"
    )
