"""The LLM drafter against a real HTTP fake of an OpenAI-compatible server."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable

import pytest
from conftest import (
    BY_ID,
    HOSTILE,
    PSEUDONYMS,
    SINGULAR,
    ConstantEmbedder,
    llm_settings,
    round_themes,
)

from symphonia.core.fragments import Fragment
from symphonia.core.synthesis import Section, Synthesis
from symphonia.core.themes import Theme
from symphonia.pipeline.draft_extractive import ExtractiveDrafter
from symphonia.pipeline.guard import guard_synthesis
from symphonia.pipeline.guard_policy import allowed_sections
from symphonia.pipeline.llm import LLMDrafter, LLMNotConfigured, make_drafter
from symphonia.pipeline.llm.messages import theme_text_tokens
from symphonia.pipeline.prompting import PromptLibrary
from symphonia.settings import LLMSettings, Settings
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    Reply,
    ThemePrompt,
    draft_reply,
    good_statements,
    is_overview,
    parse_theme_prompt,
)

QUESTION = "How should the ICB use data?"


def draft(server: FakeOpenAIServer, *, packed: bool = True, **settings: object) -> Synthesis:
    """The test round drafted against `server`; its three small themes share one call unless
    `packed` is false (one call per theme)."""
    drafter = LLMDrafter(
        llm_settings(server, **settings),
        backoff_base_s=0.01,
        **({} if packed else {"pack_text_tokens": 0}),
    )
    return drafter.draft(round_themes(), SINGULAR, BY_ID, QUESTION)


def scripted(answer: Callable[[list[ThemePrompt]], object]) -> Callable[..., Reply]:
    """A behaviour that answers theme requests with `answer(themes)` as JSON."""

    def behaviour(server: FakeOpenAIServer, body: dict[str, object]) -> Reply:
        messages = body["messages"]
        assert isinstance(messages, list)
        if is_overview(body):
            return Reply(content=json.dumps({"overview": "Three themes."}))
        return Reply(content=json.dumps(answer(parse_theme_prompt(messages[1]["content"]))))

    return behaviour


def test_small_themes_share_one_call_plus_the_overview(fake_server: FakeOpenAIServer) -> None:
    syn = draft(fake_server)
    themes = round_themes()
    assert fake_server.calls == 2 <= len(themes) + 1
    assert syn.meta["usage"]["calls"] == 2
    assert syn.meta["packing"]["calls"] == [[t.id for t in themes]]
    assert syn.meta["fallbacks"] == []
    assert {s.theme_id for s in syn.statements if s.origin == "llm"} == {t.id for t in themes}
    assert syn.meta["overview"]["text"]


def test_unpacked_one_call_per_theme_plus_overview(fake_server: FakeOpenAIServer) -> None:
    syn = draft(fake_server, packed=False)
    themes = round_themes()
    assert fake_server.calls == len(themes) + 1
    assert syn.meta["usage"]["calls"] == len(themes) + 1
    assert syn.meta["packing"]["calls"] == [[t.id] for t in themes]
    assert syn.meta["fallbacks"] == []
    assert {s.origin for s in syn.statements if s.theme_id} == {"llm"}


def test_calls_of_non_consecutive_themes_map_back_in_theme_order(
    fake_server: FakeOpenAIServer,
) -> None:
    themes = round_themes()
    sizes = [theme_text_tokens(t, BY_ID) for t in themes]
    drafter = LLMDrafter(
        llm_settings(fake_server), backoff_base_s=0.01, pack_text_tokens=sizes[0] + sizes[2]
    )
    syn = drafter.draft(themes, SINGULAR, BY_ID, QUESTION)
    assert syn.meta["packing"]["calls"] == [["t1", "t3"], ["t2"]]
    assert fake_server.calls == 3
    assert syn.meta["fallbacks"] == []
    themed = [s for s in syn.statements if s.theme_id]
    assert [s.theme_id for s in themed] == sorted(
        (s.theme_id for s in themed), key=["t1", "t2", "t3"].index
    )
    for s in themed:  # every citation resolved to the statement's own theme
        theme = next(t for t in themes if t.id == s.theme_id)
        assert s.citations
        assert set(s.citations) <= set(theme.fragment_ids)


def test_meta_records_model_parameters_prompt_hashes_and_usage(
    fake_server: FakeOpenAIServer,
) -> None:
    syn = draft(fake_server)
    lib = PromptLibrary()
    assert syn.meta["model"] == "fake-model-1"
    params = syn.meta["parameters"]
    assert params["response_format"] == "json_schema"
    assert {"temperature", "max_tokens", "seed"} <= params.keys()
    assert syn.meta["prompts"] == {n: lib.sha256(n) for n in syn.meta["prompts"]}
    assert set(syn.meta["prompts"]) == {  # no shape hints: the server takes json_schema
        "theme_system.j2",
        "theme_user.j2",
        "overview_system.j2",
        "overview_user.j2",
    }
    usage = syn.meta["usage"]
    assert usage["input_tokens"] > 0
    assert usage["output_tokens"] > 0
    assert usage["token_source"] == "server"
    body = fake_server.requests[0]
    assert body["temperature"] == params["temperature"]
    assert body["seed"] == params["seed"]
    assert body["response_format"]["type"] == "json_schema"
    assert all("JSON only" not in json.dumps(r["messages"]) for r in fake_server.requests)


def test_tokens_are_counted_when_the_server_reports_no_usage() -> None:
    with FakeOpenAIServer(report_usage=False) as server:
        usage = draft(server).meta["usage"]
    assert usage["input_tokens"] > 0
    assert usage["token_source"].startswith("counted:")


def test_no_author_pseudonym_in_any_request(fake_server: FakeOpenAIServer) -> None:
    draft(fake_server)
    assert fake_server.raw_bodies
    for raw in fake_server.raw_bodies:
        assert not any(p in raw for p in PSEUDONYMS)
        assert not any(p in json.loads(raw).__repr__() for p in PSEUDONYMS)


def test_each_fragment_text_is_sent_exactly_once(fake_server: FakeOpenAIServer) -> None:
    draft(fake_server)
    for frag in BY_ID.values():
        if frag.id in SINGULAR:
            continue
        quoted = json.dumps(json.dumps(frag.text, ensure_ascii=False))[1:-1]
        assert sum(raw.count(quoted) for raw in fake_server.raw_bodies) == 1, frag.id


def test_rejected_json_schema_falls_back_to_json_object_and_is_remembered() -> None:
    with FakeOpenAIServer() as server:
        server.reject_json_schema = True
        drafter = LLMDrafter(llm_settings(server, concurrency=1), backoff_base_s=0.01)
        first = drafter.draft(round_themes(), SINGULAR, BY_ID)
        rejected_first = server.calls - 2
        assert first.meta["fallbacks"] == []
        assert first.meta["parameters"]["response_format"] == "json_object"
        assert first.meta["parameters"]["response_formats_rejected"] == ["json_schema"]
        assert {"theme_json.j2", "overview_json.j2"} <= set(first.meta["prompts"])
        before = server.calls
        drafter.draft(round_themes(), SINGULAR, BY_ID)
        assert server.calls - before == 2  # no rediscovery on the same instance
        assert rejected_first == 1
    # the reply shape goes into the system prompt exactly when the server lacks json_schema
    for body in server.requests:
        system = body["messages"][0]["content"]
        hinted = body["response_format"]["type"] != "json_schema"
        assert ("JSON only:" in system) is hinted
        if hinted and not is_overview(body):
            assert '"themes":[{"theme":"A","label":"...","statements"' in system


def test_rate_limit_is_retried_then_succeeds(fake_server: FakeOpenAIServer) -> None:
    fake_server.script = ["rate_limited", "rate_limited"]
    syn = draft(fake_server, concurrency=1, max_retries=3)
    assert syn.meta["fallbacks"] == []
    assert syn.meta["usage"]["retries"] == 2
    assert fake_server.calls == 2 + 2


@pytest.mark.parametrize("packed", [True, False])
def test_persistent_500_falls_back_per_theme_and_says_so(
    fake_server: FakeOpenAIServer, packed: bool
) -> None:
    fake_server.behaviour = "server_error"
    syn = draft(fake_server, packed=packed, max_retries=1)
    themes = round_themes()
    assert [f["theme_id"] for f in syn.meta["fallbacks"]] == [t.id for t in themes]
    assert all("HTTP 500" in f["reason"] for f in syn.meta["fallbacks"])
    assert {s.origin for s in syn.statements if s.theme_id} == {"extractive-fallback"}
    calls = 2 if packed else len(themes) + 1
    assert fake_server.calls == calls * 2  # each call: 1 try + 1 retry
    assert syn.meta["overview"]["text"] is None


def test_only_the_failing_call_falls_back(fake_server: FakeOpenAIServer) -> None:
    fake_server.script = ["malformed"]
    syn = draft(fake_server, packed=False, concurrency=1)
    assert len(syn.meta["fallbacks"]) == 1
    tid = syn.meta["fallbacks"][0]["theme_id"]
    assert "not valid JSON" in syn.meta["fallbacks"][0]["reason"]
    assert {s.origin for s in syn.statements if s.theme_id == tid} == {"extractive-fallback"}
    assert {s.origin for s in syn.statements if s.theme_id not in (tid, None)} == {"llm"}


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("truncated", "not valid JSON"),
        ("malformed", "not valid JSON"),
        ("wrong_schema", "does not match the schema"),
        ("prose", "no JSON object"),
    ],
)
def test_bad_replies_fall_back(behaviour: str, reason: str) -> None:
    with FakeOpenAIServer(behaviour) as server:
        syn = draft(server)
    assert len(syn.meta["fallbacks"]) == 3
    assert all(reason in f["reason"] for f in syn.meta["fallbacks"])
    assert server.calls == 2  # invalid replies are not re-asked


def test_a_theme_the_reply_leaves_out_falls_back_alone() -> None:
    def all_but_the_last(themes: list[ThemePrompt]) -> object:
        return json.loads(draft_reply([(p, good_statements(p)) for p in themes[:-1]]))

    with FakeOpenAIServer(scripted(all_but_the_last)) as server:
        syn = draft(server)
    assert [f["theme_id"] for f in syn.meta["fallbacks"]] == ["t3"]
    assert "no statements for this theme (theme C" in syn.meta["fallbacks"][0]["reason"]
    assert {s.origin for s in syn.statements if s.theme_id == "t3"} == {"extractive-fallback"}
    assert {s.origin for s in syn.statements if s.theme_id in ("t1", "t2")} == {"llm"}


@pytest.mark.parametrize(
    ("keys", "reason"), [(["A", "B", "D"], "'D', which was not sent"), (["A", "B", "B"], "twice")]
)
def test_a_reply_that_mixes_up_theme_keys_falls_back_whole(keys: list[str], reason: str) -> None:
    def mislabelled(themes: list[ThemePrompt]) -> object:
        parts = [
            {"theme": k, "statements": good_statements(p)}
            for k, p in zip(keys, themes, strict=True)
        ]
        return {"themes": parts}

    with FakeOpenAIServer(scripted(mislabelled)) as server:
        syn = draft(server)
    assert [f["theme_id"] for f in syn.meta["fallbacks"]] == ["t1", "t2", "t3"]
    assert all(reason in f["reason"] for f in syn.meta["fallbacks"])


def test_hanging_server_times_out_and_falls_back() -> None:
    with FakeOpenAIServer("hang") as server:
        start = time.monotonic()
        syn = draft(server, timeout_s=0.3, max_retries=1, concurrency=4)
        elapsed = time.monotonic() - start
    assert all("timed out" in f["reason"] for f in syn.meta["fallbacks"])
    assert len(syn.meta["fallbacks"]) == 3
    assert elapsed < 30  # the server never answers: only the 0.3 s timeout ends the calls


def test_slow_server_within_timeout_succeeds() -> None:
    with FakeOpenAIServer("slow") as server:
        syn = draft(server, timeout_s=3.0)
    assert syn.meta["fallbacks"] == []


def test_concurrency_is_bounded() -> None:
    with FakeOpenAIServer("slow") as server:
        draft(server, concurrency=2)
        assert 1 <= server.max_in_flight <= 2


def test_model_section_choice_is_overridden_by_the_computed_status() -> None:
    with FakeOpenAIServer("contested_as_consensus") as server:
        syn = draft(server)
    themes = {t.id: t for t in round_themes()}
    contested = [s for s in syn.statements if s.theme_id == "t2"]
    assert contested
    assert all(s.section is Section.CONTESTED for s in contested)
    assert all(s.guard["drafter_flags"][0]["code"] == "section_overridden" for s in contested)
    minority = [s for s in syn.statements if s.theme_id == "t3"]
    assert all(s.section is not Section.CONSENSUS for s in minority)
    assert themes["t2"].status.value == "contested"
    assert {o["to"] for o in syn.meta["section_overrides"]} == {"contested", "minority"}


def test_omitted_side_is_restored_from_the_extractive_draft() -> None:
    with FakeOpenAIServer("omit_minority_side") as server:
        syn = draft(server)
    restored = [s for s in syn.statements if s.origin == "extractive-restored"]
    assert restored
    assert all(set(s.citations) & {"f7", "f8"} for s in restored)
    assert restored[0].guard["notes"][0]["code"] == "restored_from_extractive"
    assert syn.meta["restored"] == [
        {"theme_id": "t2", "side": "against", "statement_ids": [s.id for s in restored]}
    ]


def test_reply_citing_nothing_of_its_theme_restores_the_theme() -> None:
    with FakeOpenAIServer("foreign_ids") as server:
        syn = draft(server, concurrency=1)
    assert any(r["side"] is None for r in syn.meta["restored"])


async def test_sync_entry_point_works_inside_a_running_loop(
    fake_server: FakeOpenAIServer,
) -> None:
    syn = draft(fake_server)  # called from a coroutine: must not nest loops
    assert syn.meta["fallbacks"] == []


def test_make_drafter() -> None:
    assert isinstance(make_drafter("extractive"), ExtractiveDrafter)
    assert make_drafter().name == "extractive"
    with pytest.raises(LLMNotConfigured, match="SYMPHONIA_LLM_MODEL"):
        make_drafter("llm", Settings(llm=LLMSettings()))
    with pytest.raises(LLMNotConfigured):
        make_drafter("llm", LLMSettings(base_url="http://127.0.0.1:1/v1"))
    with pytest.raises(ValueError, match="unknown drafter"):
        make_drafter("magic", Settings())
    llm = make_drafter("llm", LLMSettings(base_url="http://127.0.0.1:1/v1", model="m"))
    assert llm.name == "llm"


def test_a_small_context_server_can_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from symphonia.settings import load_settings

    monkeypatch.setenv("SYMPHONIA_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("SYMPHONIA_LLM_MODEL", "m")
    default = make_drafter("llm", load_settings())
    monkeypatch.setenv("SYMPHONIA_LLM_MAX_TOKENS", "900")
    monkeypatch.setenv("SYMPHONIA_LLM_PACK_TOKENS", "0")
    small = make_drafter("llm", load_settings())
    assert isinstance(default, LLMDrafter)
    assert isinstance(small, LLMDrafter)
    assert (default.params.max_tokens, default.pack_text_tokens) == (2000, 1400)
    assert (small.params.max_tokens, small.pack_text_tokens) == (900, 0)


def _renamed(real: dict[str, str]) -> tuple[list[Theme], list[str], dict[str, Fragment]]:
    """The test round with every fragment id replaced by `real[old id]`."""
    frags = {real[f.id]: dataclasses.replace(f, id=real[f.id]) for f in BY_ID.values()}

    def rename(t: Theme) -> Theme:
        return dataclasses.replace(
            t,
            fragment_ids=tuple(real[i] for i in t.fragment_ids),
            representative_ids=tuple(real[i] for i in t.representative_ids),
            positions={k: tuple(real[i] for i in v) for k, v in t.positions.items()},
        )

    return [rename(t) for t in round_themes()], [real[i] for i in SINGULAR], frags


@pytest.mark.parametrize("packed", [True, False])
@pytest.mark.parametrize("behaviour", ["good", "foreign_ids", "hallucinated_ids"])
def test_call_numbers_map_back_to_the_right_real_fragments(behaviour: str, packed: bool) -> None:
    """Long ids go out as per-call numbers; the statements cite the real ids of exactly the
    fragments the model was shown under those numbers. A number of another theme of the same
    call resolves to that (foreign) fragment; anything not sent is kept, marked, and flagged."""
    real = {fid: f"arg_{n}_{fid}" for n, fid in enumerate(BY_ID)}
    themes, singular, frags = _renamed(real)
    drafter = LLMDrafter(
        llm_settings(server := FakeOpenAIServer(behaviour), concurrency=1),
        backoff_base_s=0.01,
        **({} if packed else {"pack_text_tokens": 0}),
    )
    with server:
        syn = drafter.draft(themes, singular, frags)
        assert not any("arg_" in raw for raw in server.raw_bodies)
    guarded = guard_synthesis(syn, themes, singular, frags, ConstantEmbedder())
    llm = [s for s in guarded.statements if s.origin == "llm"]
    assert llm
    assert syn.meta["fallbacks"] == []
    own = {t.id: set(t.fragment_ids) for t in themes}
    codes = {f["code"] for s in guarded.statements for f in s.guard["flags"]}
    if behaviour == "good":
        for s in llm:
            assert set(s.citations) <= own[s.theme_id]
            # the fake quotes the first fragment it cites: the number mapped back to it
            assert s.text.endswith(frags[s.citations[0]].text)
        assert guarded.meta["guard"]["flagged"] == 0
    elif behaviour == "foreign_ids":
        outside = [c for s in llm for c in s.citations if c not in own[s.theme_id]]
        assert outside
        assert all(not s.guard["ok"] for s in llm if set(s.citations) - own[s.theme_id])
        if packed:  # another theme's number in the same call: a real fragment, wrong theme
            assert "citation_outside_theme" in codes
        else:  # an earlier call's number that this call did not send
            assert all(c.startswith("not-sent:") for c in outside)
            assert "invalid_citation" in codes
    else:
        assert any("not-sent:f-does-not-exist" in s.citations for s in llm)
        assert "invalid_citation" in codes


def test_a_number_not_sent_never_resolves_to_a_real_fragment_that_has_that_id() -> None:
    """Polis-style numeric ids: the model citing "7", a real fragment id but no number of this
    call, must be flagged, not silently mapped to fragment "7"; and "1" means the call's
    first fragment, whatever fragment "1" of the round is."""
    real = {fid: str(n) for n, fid in enumerate(BY_ID, start=1)}
    themes, singular, frags = _renamed(real)
    t3 = themes[2]  # fragments "9" and "10", shown as 1 and 2 when alone in a call

    def cite_real_ids(prompts: list[ThemePrompt]) -> object:
        (p,) = prompts
        first = {"section": p.allowed[0], "text": p.blocks[0].texts[0], "strength": "weak"}
        return {"themes": [{"theme": p.key, "statements": [
            {**first, "fragment_ids": ["1"]},
            {**first, "fragment_ids": ["9", "10"]},  # real ids of this very theme, not sent
        ]}]}  # fmt: skip

    with FakeOpenAIServer(scripted(cite_real_ids)) as server:
        drafter = LLMDrafter(llm_settings(server), backoff_base_s=0.01, overview=False)
        syn = drafter.draft([t3], singular, frags)
    by_call_number, by_real_id = syn.statements[:2]
    assert by_call_number.citations == (t3.fragment_ids[0],)
    assert frags[t3.fragment_ids[0]].text == by_call_number.text
    assert by_real_id.citations == ("not-sent:9", "not-sent:10")
    guarded = guard_synthesis(syn, [t3], singular, frags, ConstantEmbedder())
    flags = [f["code"] for f in guarded.statements[1].guard["flags"]]
    assert flags.count("invalid_citation") == 2
    assert not {"invalid_citation", "citation_outside_theme"} & {
        f["code"] for f in guarded.statements[0].guard["flags"]
    }


@pytest.mark.parametrize("packed", [True, False])
@pytest.mark.parametrize("behaviour", HOSTILE)
def test_hostile_replies_never_pass_unflagged(behaviour: str, packed: bool) -> None:
    """Every statement with a citation outside its theme (or none) or a wrong section is
    flagged, whether themes share a call or not (support is not under test here)."""
    themes = round_themes()
    by_id = {t.id: t for t in themes}
    with FakeOpenAIServer(behaviour) as server:
        syn = draft(server, packed=packed, concurrency=1)
    guarded = guard_synthesis(syn, themes, SINGULAR, BY_ID, ConstantEmbedder())
    for s in guarded.statements:
        if s.theme_id is None:
            continue
        theme = by_id[s.theme_id]
        assert s.section in allowed_sections(theme), s
        if not s.citations or any(c not in theme.fragment_ids for c in s.citations):
            assert not s.guard["ok"], s
    assert guarded.ledger == ()
