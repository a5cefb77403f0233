"""Two studies with an analysed round 1 each, someone in every role, and an app whose
embedder is the tests' deterministic fake (the guard re-runs on every edit)."""

from __future__ import annotations

import dataclasses
import re

from symphonia.composition import Container
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.services.analysis import analyse_round
from symphonia.services.rounds import close_round
from symphonia.services.submissions import import_fragments
from symphonia.web.app import create_app
from tests.integration.services.editing_setup import EMBEDDER, TEXTS
from tests.integration.web.conftest import Web
from tests.integration.web.people import OPERATOR, Cast, cast_of_two_studies

_REVISION = re.compile(r'name="revision" value="(\d+)"')


def with_fake_embedder(web: Web) -> Web:
    app = create_app(
        web.settings,
        container_factory=lambda s: Container(s, mailer=web.mailer, embedder=EMBEDDER),
        run_worker=False,
    )
    return dataclasses.replace(web, app=app)


async def analysed_cast(web: Web) -> Cast:
    cast = await cast_of_two_studies(with_fake_embedder(web))
    async with web.container.session() as s:
        for slug in ("study-a", "study-b"):
            fragments = [
                Fragment(f"f{i}", f"E0{i % 3 + 1}", FragmentKind.CLAIM, t)
                for i, t in enumerate(TEXTS)
            ]
            await import_fragments(s, slug, 1, fragments, actor=OPERATOR)
            await close_round(s, slug, 1, actor=OPERATOR)
            await analyse_round(s, slug, 1, EMBEDDER, None, actor=OPERATOR)
    return cast


def revision_on(html: str) -> int:
    found = _REVISION.search(html)
    assert found is not None, "no revision on the page"
    return int(found.group(1))
