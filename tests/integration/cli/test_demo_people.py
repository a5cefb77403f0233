"""`symphonia demo-people`: what `make run` prints, a working sign-in link for each role of
the demo study, found again (not made twice) on the next run."""

from __future__ import annotations

import re
from pathlib import Path

from symphonia.core.actors import Actor, StudyRole
from symphonia.services.accounts import list_accounts
from symphonia.services.tokens import redeem_sign_in_link
from tests.integration.cli.conftest import Invoke
from tests.integration.cli.test_people_cli import on_database

OPERATOR = Actor.operator("test")

LINE = re.compile(r"^\s+(\w+)\s+(.+?)\s+http://127\.0\.0\.1:8000/sign-in/(\S+)$", re.M)


def test_every_role_of_the_demo_study_gets_a_link_that_signs_in(
    cli: Invoke, demo_study_dir: Path
) -> None:
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", demo_study_dir).code == 0
    first = cli("demo-people")
    assert first.code == 0, first.err
    links = {role: token for role, _who, token in LINE.findall(first.out)}
    assert sorted(links) == ["Editor", "Expert", "Facilitator", "Reader"]
    roles = {}
    for role, token in links.items():
        signed_in = on_database(lambda s, t=token: redeem_sign_in_link(s, t))
        roles[role] = signed_in.actor
    assert roles["Expert"].label == "participant:connected-icb/E01"
    assert roles["Facilitator"].may_create_studies
    for role in ("Facilitator", "Editor", "Reader"):
        assert set(roles[role].roles.values()) == {frozenset({StudyRole(role.lower())})}

    again = cli("demo-people")
    assert again.code == 0, again.err
    accounts = on_database(lambda s: list_accounts(s, actor=OPERATOR))
    assert sorted(a.email for a in accounts) == [
        "editor@example.org",
        "facilitator@example.org",
        "reader@example.org",
    ]
    assert cli("demo-people", "--study", "no-such-study").code == 2
