"""A broken or unreachable endpoint never passes for the model: every draft says how many
statements the model wrote and how many fell back, and a drafter told to require the model
refuses a draft it wrote none of."""

from __future__ import annotations

import socket

import pytest
from conftest import BY_ID, SINGULAR, llm_settings, round_themes

from symphonia.core.synthesis import DraftingSummary, Synthesis
from symphonia.pipeline.llm import DraftingFailed, LLMDrafter
from symphonia.settings import LLMSettings
from tests.fakes.openai_server import FakeOpenAIServer, Reply


def drafted(settings: LLMSettings, *, require_model: bool = False) -> Synthesis:
    drafter = LLMDrafter(settings, backoff_base_s=0.01, require_model=require_model)
    return drafter.draft(round_themes(), SINGULAR, BY_ID, "What first?")


def summary(synthesis: Synthesis) -> DraftingSummary:
    found = DraftingSummary.from_dict(synthesis.meta["drafting"])
    assert found is not None
    return found


def test_a_good_endpoint_drafts_every_theme() -> None:
    with FakeOpenAIServer("good") as server:
        counts = summary(drafted(llm_settings(server)))
    assert counts.complete
    assert counts.by_model > 0
    assert counts.quoted == len(SINGULAR)
    assert counts.statements == counts.by_model + counts.restored + counts.quoted


def html_page(server: FakeOpenAIServer, body: dict[str, object]) -> Reply:
    return Reply(raw_body="<html><body>Gateway says hello</body></html>")


def test_http_200_with_a_body_that_is_not_json_falls_back_and_says_why() -> None:
    with FakeOpenAIServer(html_page) as server:
        synthesis = drafted(llm_settings(server, max_retries=0))
    counts = summary(synthesis)
    assert counts.nothing_by_model
    assert counts.themes_fallen_back == counts.themes == len(round_themes())
    assert "HTTP 200 with a body that is not JSON" in counts.reasons[0]
    assert "the language model drafted 0 of" in counts.describe()


def test_an_unreachable_endpoint_is_refused_when_the_model_is_required() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = LLMSettings(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", api_key="k", max_retries=0
    )
    with pytest.raises(DraftingFailed) as refused:
        drafted(settings, require_model=True)
    assert "drafted none of the 3 theme(s)" in str(refused.value)
    assert "connection failed" in str(refused.value)
    assert drafted(settings).meta["drafting"]["by_model"] == 0  # not required: a fallback


def test_a_partial_fallback_is_counted_not_refused() -> None:
    with FakeOpenAIServer("good") as server:
        server.script = ["server_error"]  # the first call fails, the others answer
        settings = llm_settings(server, max_retries=0)
        drafter = LLMDrafter(
            settings, backoff_base_s=0.01, require_model=True, pack_text_tokens=0, overview=False
        )
        counts = summary(drafter.draft(round_themes(), SINGULAR, BY_ID, "What first?"))
    assert counts.themes_fallen_back == 1
    assert counts.by_model > 0
    assert counts.fallen_back > 0
    assert "fell back to the extractive draft, for 1 of 3 themes" in counts.describe()
