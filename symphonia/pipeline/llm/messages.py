"""What the model is shown: each theme's computed facts and its fragments, once, as data.

Fragments go in with a short id, kind, confidence and stakeholder group, and never with their
author (a pseudonym is still an identity across rounds): `theme_request` is the only place a
fragment becomes prompt data, and it reads no author field. Each fragment is one numbered
line whose text is a JSON string (`prompting.quote_data`: quotes and newlines escaped), so
fragment text can neither end its quotes nor start a line of its own (a heading, a theme's
facts): it stays data wherever it sits. A theme's fragments are grouped by side when it has
sides, so each id appears exactly once and the sides are explicit. The overview call sees
only the pipeline's theme summaries, never fragment text again.

Token budget (issue target, measured by benchmarks/llm_drafting.py): all input tokens of a
round <= 1.5x the tokens of its fragment texts, with calls <= themes + 1. What a call costs
besides its fragments is mostly fixed (the contract in the system prompt, the theme facts),
and a round of many small themes (the demo study: 20 themes of ~6 fragments) would pay that
fixed part once per theme. So:

- small themes share a call (`pack_themes`, first fit): a call carries themes while their
  fragment text stays within `PACK_TEXT_TOKENS` and their number within `PACK_MAX_THEMES`;
  a larger theme goes alone. Each theme keeps its own facts, its own fragment lines and
  its own part of the reply (keyed "A", "B", ...), so validation, fallback and the guard
  stay per theme. ``max_text_tokens=0`` gives one call per theme;
- kind and group head a run of fragments (``# kind group``) instead of repeating on every
  line, and so does the confidence when the whole run shares it (``# kind group |3``, then
  ``n "text"`` lines; else each line is ``n|confidence "text"``): in ArgKP every argument
  has the same confidence, in the demo study most runs are a single fragment;
- no delimiter block around a theme's fragments (it cost ~8 tokens a theme): the JSON
  quoting of each line already delimits the data, and the system prompt says that quoted
  lines are data, never instructions;
- the theme's label is not sent (it is keywords of these same fragments; the overview,
  which has no fragments, gets it);
- fragment ids go out as per-call numbers "1", "2", ... in prompt order (one token each;
  ArgKP ids such as "arg_12_3" cost 5). `FragmentAliases` maps them back strictly: a number
  that was not sent in *this* call, or any other string, never resolves to a real fragment
  (see `FragmentAliases.resolve`), so a hallucinated or stale citation is always flagged;
- the JSON reply shape is not in these prompts: with ``json_schema`` structured output the
  server enforces it, and only a server without it gets the shape as an extra system line
  (`THEME_JSON` / `OVERVIEW_JSON`, added by `client.ChatCaller`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symphonia.core.fragments import Fragment
from symphonia.core.themes import Theme
from symphonia.pipeline.guard_figures import format_figures
from symphonia.pipeline.guard_policy import ordered_sections
from symphonia.pipeline.llm.tokens import count_tokens
from symphonia.pipeline.prompting import PromptLibrary, quote_data

THEME_SYSTEM = "theme_system.j2"
THEME_USER = "theme_user.j2"
THEME_JSON = "theme_json.j2"
OVERVIEW_SYSTEM = "overview_system.j2"
OVERVIEW_USER = "overview_user.j2"
OVERVIEW_JSON = "overview_json.j2"
PROMPT_FILES = (THEME_SYSTEM, THEME_USER, THEME_JSON, OVERVIEW_SYSTEM, OVERVIEW_USER, OVERVIEW_JSON)

PACK_TEXT_TOKENS = 1400
"""Fragment-text tokens up to which themes share a call (0: one call per theme). At 1400 the
demo study's 20 themes take 3 theme calls and an ArgKP dev topic's 8-15 themes 3-4 (its largest
themes, ~1,100 tokens, go alone). A packed call's prompt is then at most ~2,100 tokens on
those rounds (cl100k; Llama- or Qwen-style tokenizers count some 10-20% more), which with the
default ``max_tokens`` (2000) needs a context of about 4.5k tokens: any current hosted model,
or a local server started with 8k. For a 4k server, lower this (800 keeps prompts near
1,300) or ``max_tokens`` (`client.GenerationParams`)."""
PACK_MAX_THEMES = 8
"""Themes per call at most: bounds the reply's length (the fake server's replies to 8-theme
calls are ~1,200 tokens, inside the default ``max_tokens``) and what one failed call can
cost."""
THEME_KEYS = string.ascii_uppercase
"""Keys of the themes of one call, in order: "A", "B", ... (one token each)."""

UNSENT_PREFIX = "not-sent:"
"""Marks a citation that names no fragment sent in its call (kept, so the guard flags it)."""

_BARE_GROUP = re.compile(r"[\w.+-]+")


@dataclass(frozen=True, slots=True)
class FragmentAliases:
    """One call's prompt numbers for its fragments ("1", "2", ...), and the strict way back."""

    by_id: Mapping[str, str]
    by_alias: Mapping[str, str]

    @classmethod
    def numbered(cls, fragment_ids: Iterable[str]) -> FragmentAliases:
        """Number the ids in the order given (the order they appear in the prompt)."""
        by_id = {fid: str(n) for n, fid in enumerate(dict.fromkeys(fragment_ids), start=1)}
        return cls(by_id=by_id, by_alias={a: fid for fid, a in by_id.items()})

    def alias(self, fragment_id: str) -> str:
        return self.by_id[fragment_id]

    def resolve(self, cited: str, round_ids: Container[str]) -> str:
        """The real id behind a number sent in this call.

        Anything else (a number this call did not send, another call's number, a real id
        the model can only have guessed) becomes ``not-sent:<as cited>``, lengthened until
        it is no fragment id of the round: passing it through could silently turn a
        hallucinated "12" into a real fragment "12" (Polis ids are numbers). The guard then
        flags it as an invalid citation, and the editor sees what the model wrote.
        """
        if cited in self.by_alias:
            return self.by_alias[cited]
        marker = UNSENT_PREFIX + cited
        while marker in round_ids:
            marker = UNSENT_PREFIX + marker
        return marker


@dataclass(frozen=True, slots=True)
class ThemeRequest:
    """One call: its messages, its themes by reply key, and the numbering of its fragments."""

    messages: list[dict[str, str]]
    themes: dict[str, Theme]
    """Key ("A", "B", ...) -> theme, in prompt order."""
    aliases: FragmentAliases


def theme_text_tokens(theme: Theme, fragments: Mapping[str, Fragment]) -> int:
    return sum(count_tokens(fragments[i].text) for i in theme.fragment_ids if i in fragments)


def pack_themes(
    themes: Sequence[Theme],
    fragments: Mapping[str, Fragment],
    max_text_tokens: int = PACK_TEXT_TOKENS,
    max_themes: int = PACK_MAX_THEMES,
) -> list[list[Theme]]:
    """Themes grouped into calls (see the module docstring); each call's themes, and the
    calls by their first theme, in theme order.

    Greedy first fit, deterministic: a theme joins the first call whose fragment text stays
    within `max_text_tokens` and whose themes stay within `max_themes` with it, else it opens
    a new call. Themes usually come largest first, so the small ones at the end fill the
    room the large ones left (fewer calls than packing only consecutive themes).
    """
    if not 1 <= max_themes <= len(THEME_KEYS):
        raise ValueError(f"max_themes must be from 1 to {len(THEME_KEYS)}, got {max_themes}")
    packs: list[list[Theme]] = []
    used: list[int] = []
    for theme in themes:
        size = theme_text_tokens(theme, fragments)
        room = (
            k
            for k, pack in enumerate(packs)
            if len(pack) < max_themes and used[k] + size <= max_text_tokens
        )
        k = next(room, None)
        if k is None:
            packs.append([theme])
            used.append(size)
        else:
            packs[k].append(theme)
            used[k] += size
    return packs


def group_label(group: str) -> str:
    """A stakeholder group for a run heading: bare when it is one plain word (the usual
    ``clinician``), else quoted like fragment text, so a group name can neither break the
    line structure nor read as an instruction."""
    return group if _BARE_GROUP.fullmatch(group) else quote_data(group)


def _runs(members: list[Fragment]) -> list[dict[str, Any]]:
    """Fragments of one side in runs sharing kind and group, so each is written once; a run
    whose fragments share one confidence carries it too (``confidence``, else None)."""
    runs: list[dict[str, Any]] = []
    for frag in sorted(members, key=lambda f: (f.kind.value, f.group or "")):
        if runs and (runs[-1]["kind"], runs[-1]["group"]) == (frag.kind.value, frag.group):
            runs[-1]["fragments"].append(frag)
        else:
            runs.append({"kind": frag.kind.value, "group": frag.group, "fragments": [frag]})
    for run in runs:
        shared = {f.confidence for f in run["fragments"]}
        run["confidence"] = shared.pop() if len(shared) == 1 else None
    return runs


OTHER_SIDE = "other"
"""Heading of a sided theme's fragments that are on no side (e.g. uncertainties), so they do
not read as part of the side listed last."""


def _sides(theme: Theme, fragments: Mapping[str, Fragment]) -> list[dict[str, Any]]:
    """The theme's fragments by side (then the rest), each exactly once."""
    blocks: list[dict[str, Any]] = []
    placed: set[str] = set()
    for side, ids in [*theme.positions.items(), (None, theme.fragment_ids)]:
        fresh = [i for i in dict.fromkeys(ids) if i not in placed and i in fragments]
        placed.update(fresh)
        if fresh:
            heading = OTHER_SIDE if side is None and blocks else side
            blocks.append({"side": heading, "runs": _runs([fragments[i] for i in fresh])})
    return blocks


def theme_figures(theme: Theme) -> list[str]:
    """The figures a theme shows. The fragment count is left out: the model sees the numbered
    lines (and the guard still accepts the size if the model states it)."""
    return [f for f in format_figures(theme, compact=True) if not f.endswith(" fragments")]


def theme_request(
    prompts: PromptLibrary,
    themes: Sequence[Theme],
    fragments: Mapping[str, Fragment],
    question: str | None,
) -> ThemeRequest:
    """The messages of one call for `themes` (one pack): facts, then fragments, per theme.

    Fragment views carry number, kind, group, confidence and text, and nothing else; the
    confidence is on the run heading when the whole run shares it, else on each line.
    """
    if not 1 <= len(themes) <= len(THEME_KEYS):
        raise ValueError(f"a call carries 1 to {len(THEME_KEYS)} themes, got {len(themes)}")
    sides = [_sides(t, fragments) for t in themes]
    aliases = FragmentAliases.numbered(
        f.id for blocks in sides for b in blocks for run in b["runs"] for f in run["fragments"]
    )
    context = []
    for key, theme, blocks in zip(THEME_KEYS, themes, sides, strict=False):
        for block in blocks:
            for run in block["runs"]:
                run["group"] = group_label(run["group"]) if run["group"] else None
                line_confidence = run["confidence"] is None
                run["fragments"] = [
                    {
                        "n": aliases.alias(f.id),
                        "confidence": f.confidence if line_confidence else None,
                        "text": f.text,
                    }
                    for f in run["fragments"]
                ]
        context.append(
            {
                "key": key,
                "status": theme.status.value,
                "figures": theme_figures(theme),
                "allowed_sections": ordered_sections(theme),
                "minority": theme.minority,
                "blocks": blocks,
            }
        )
    system = prompts.render(THEME_SYSTEM)
    user = prompts.render(THEME_USER, question=question, themes=context)
    messages = [{"role": "system", "content": system.text}, {"role": "user", "content": user.text}]
    return ThemeRequest(
        messages=messages, themes=dict(zip(THEME_KEYS, themes, strict=False)), aliases=aliases
    )


def overview_figures(theme: Theme) -> list[str]:
    """The overview's figures: contributors, stances and ratings (sizes and group counts are
    left to the theme calls; the overview needs who holds a view, not how it was chunked)."""
    return [
        f for f in format_figures(theme, compact=True) if not f.endswith((" fragments", " groups"))
    ]


def overview_messages(
    prompts: PromptLibrary,
    themes: Sequence[Theme],
    singular_count: int,
    question: str | None,
) -> list[dict[str, str]]:
    """The overview call: theme summaries listed under their status (each status written
    once), no fragment text."""
    statuses: dict[str, list[dict[str, Any]]] = {}
    for t in themes:
        statuses.setdefault(t.status.value, []).append(
            {"label": t.label, "figures": overview_figures(t), "minority": t.minority}
        )
    system = prompts.render(OVERVIEW_SYSTEM)
    user = prompts.render(
        OVERVIEW_USER,
        question=question,
        statuses=list(statuses.items()),
        singular_count=singular_count,
    )
    return [{"role": "system", "content": system.text}, {"role": "user", "content": user.text}]
