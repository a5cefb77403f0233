"""Study boundaries on the study pages: each role sees exactly its studies, and another
study is indistinguishable from one that does not exist."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import Web
from tests.integration.web.people import ROLES, cast_of_two_studies

# role -> (status of /studies/study-a, of /studies/study-b); 302: sent to sign in
EXPECTED = {
    "anonymous": (302, 302),
    "expert_a": (200, 404),
    "expert_b": (404, 200),
    "editor_a": (200, 404),
    "reader_a": (200, 404),
    "facilitator_a": (200, 404),
    "facilitator_b": (404, 200),
}


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_sees_its_own_study_only(web: Web, role: str) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client(role) as client:
        a = await client.get("/studies/study-a", follow_redirects=False)
        b = await client.get("/studies/study-b", follow_redirects=False)
        assert (a.status_code, b.status_code) == EXPECTED[role]
        unknown = await client.get("/studies/no-such-study", follow_redirects=False)
        assert unknown.status_code == (302 if role == "anonymous" else 404)
        if role != "anonymous":
            # another study's refusal is word for word that of a study that does not exist
            hidden, slug = (b, "study-b") if EXPECTED[role][1] == 404 else (a, "study-a")
            assert hidden.text.replace(f"&#39;{slug}&#39;", "X") == (
                unknown.text.replace("&#39;no-such-study&#39;", "X")
            )
            assert slug not in hidden.text.replace(f"&#39;{slug}&#39;", "X")
            listed = (await client.get("/studies")).text
            pairs = zip(("study-a", "study-b"), EXPECTED[role], strict=True)
            visible = [s for s, code in pairs if code == 200]
            for slug in ("study-a", "study-b"):
                assert (f'href="/studies/{slug}"' in listed) == (slug in visible)
