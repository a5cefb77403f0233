"""The report document as Markdown: what a policymaker reads, with every claim traceable.

Each statement ends with links to the fragments behind it; the evidence appendix gives each
fragment's words, kind, group and (as anonymity allows) its author. Flags raised by the
faithfulness guard are shown, never hidden, and so is the dissent ledger.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from symphonia.core.synthesis import DraftingSummary

SECTIONS = (
    ("consensus", "Consensus"),
    ("contested", "Contested"),
    ("gap", "Evidence gaps"),
    ("action", "Candidate actions"),
    ("minority", "Minority and singular views"),
)


_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]#!|~])")
"""Characters that can start emphasis, code, links, images, tables or headings. Newlines are
folded first, so nothing a contributor writes can begin a new list item or block."""


def _escape(text: str) -> str:
    """Contributors' words as inert text: no Markdown structure, no HTML, one line."""
    flat = " ".join(str(text).split())
    html_safe = "".join(_HTML.get(ch, ch) for ch in flat)
    return _MARKDOWN.sub(r"\\\1", html_safe)


escape_markdown = _escape
"""The same, for the other Markdown renderers (the prioritisation report)."""


def _anchor(fragment_id: str) -> str:
    """A safe, stable anchor for a fragment id of any shape."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "-", fragment_id)
    if safe != fragment_id:
        safe += "-" + hashlib.sha256(fragment_id.encode()).hexdigest()[:8]
    return f"evidence-{safe}"


def _cites(ids: list[str]) -> str:
    return " ".join(f"[{_escape(i)}](#{_anchor(i)})" for i in ids)


def _flags(guard: dict[str, Any]) -> str:
    flags = guard.get("flags") or []
    if not flags:
        return ""
    shown = "; ".join(str(f.get("message", f.get("code", ""))) for f in flags)
    accepted = guard.get("accepted")
    if isinstance(accepted, str) and accepted:
        # an editor kept it despite the flags: the reader sees both, and why
        return (
            f"\n  - ⚠ *Flagged:* {_escape(shown)}"
            f"\n  - *Kept by the editors because:* {_escape(accepted)}"
        )
    return f"\n  - ⚠ *Flagged for the editor:* {_escape(shown)}"


def _theme_table(themes: list[dict[str, Any]]) -> list[str]:
    """One row per theme. Contributors wrote its fragments; raters rated its items: in a
    Polis conversation a handful of authors and hundreds of voters, never to be confused."""
    lines = [
        "| Theme | Status | Fragments | Contributors | Raters | Groups | Why |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for t in themes:
        stats = t.get("stats", {})
        ratings = stats.get("ratings") or {}
        raters = ratings.get("raters") or ""
        why = "; ".join(t.get("reasons", []))
        lines.append(
            f"| {t['id']}: {_escape(t['label'])} | {t['status']} | {stats.get('size', '')} "
            f"| {stats.get('contributors', '')} | {raters} | {len(stats.get('groups', []))} "
            f"| {_escape(why)} |"
        )
    return lines


def _groups(run: dict[str, Any]) -> list[str]:
    """Which groups the per-group rules compared, and how opinion groups were formed."""
    groups = run.get("groups") or {}
    if not groups:
        return []
    noun = groups.get("noun", "group")
    formed = groups.get("opinion_groups")
    if formed is None:
        names = ", ".join(groups.get("groups") or []) or "none"
        return [f"- Groups compared: the panel's {noun}s ({_escape(names)})"]
    if not formed.get("k"):
        return [f"- Opinion groups: none formed ({_escape(str(formed.get('note', '')))})"]
    sizes = ", ".join(f"{_escape(g)} {n}" for g, n in (formed.get("sizes") or {}).items())
    return [
        f"- Opinion groups: {formed['k']} ({sizes}), formed from the ratings by "
        f"{_escape(str(formed.get('method')))}, silhouette {formed.get('silhouette')}; "
        f"{formed.get('placed')} of {formed.get('participants')} raters placed (those with "
        f"at least {formed.get('threshold')} ratings), the others counted in no group"
    ]


def render_markdown(doc: dict[str, Any]) -> str:
    study, rnd, version = doc["study"], doc["round"], doc["version"]
    out = [f"# {_escape(study['title'])}", ""]
    if study.get("synthetic"):
        out += ["> **Synthetic example data.** No real panel produced these contributions.", ""]
    out += [
        f"**Question:** {_escape(study['question'])}",
        "",
        f"Round {rnd['number']} ({rnd['kind']}), synthesis version {version['number']} "
        f"({version['origin']}), drafted {version['created_at']}; "
        + (
            f"published {version['published_at']}."
            if version.get("published_at")
            else "not published (a draft for the editors)."
        ),
        "",
    ]
    out += _drafting(version.get("drafter") or {})
    overview = (version.get("drafter") or {}).get("overview") or {}
    if overview.get("text"):
        out += [
            "## Overview",
            "",
            _escape(overview["text"]) + _flags(overview.get("guard") or {}),
            "",
        ]
    by_section: dict[str, list[dict[str, Any]]] = {}
    for s in doc["statements"]:
        by_section.setdefault(s["section"], []).append(s)
    provisional = _unrated_consensus(doc.get("themes") or [])
    for key, title in SECTIONS:
        items = by_section.get(key, [])
        if not items:
            continue
        out += [f"## {title}", ""]
        if key == "consensus" and provisional & {s.get("theme_id") for s in items}:
            out += [
                "Themes marked *provisional* have not been rated by the panel yet: the call "
                "rests on what contributors wrote (several of them, and no opposing camp), and "
                "the next round's ratings confirm or overturn it.",
                "",
            ]
        for s in items:
            theme = f" *(theme {s['theme_id']})*" if s.get("theme_id") else ""
            if key == "consensus" and s.get("theme_id") in provisional:
                theme = f" *(theme {s['theme_id']}, provisional)*"
            if s.get("origin") not in (None, "extractive", "llm"):
                theme += f" *[{s['origin']}]*"
            out.append(
                f"- {_escape(s['text'])}{theme} — {_cites(s['citations'])}{_flags(s['guard'])}"
            )
        out.append("")
    if doc.get("ledger"):
        out += ["## Dissent ledger: what this synthesis leaves out, and why", ""]
        out += [f"- **{_escape(e['subject'])}**: {_escape(e['reason'])}" for e in doc["ledger"]]
        out.append("")
    if doc.get("themes"):
        out += [
            "## Themes and the statistics behind each call",
            "",
            *_theme_table(doc["themes"]),
            "",
        ]
    out += _rated_outside_themes(doc.get("run", {}).get("rated_items_outside_themes") or [])
    stability = doc.get("run", {}).get("stability")
    if stability:
        out += ["## Panel stability", ""]
        out += [f"- {_escape(r)}" for r in stability.get("reasons", [])]
        out.append(f"- Stop rule met: {'yes' if stability.get('stop') else 'no'}")
        out.append("")
    out += _method(doc)
    out += ["## Evidence", ""]
    for fid, f in sorted(doc["evidence"].items()):
        who = f"{f['author']}, " if f.get("author") else ""
        group = f.get("group") or "no group"
        sources = f" Sources: {_escape('; '.join(f['sources']))}." if f.get("sources") else ""
        out.append(
            f'- <a id="{_anchor(fid)}"></a>**{_escape(fid)}** ({_escape(who + group)}; '
            f"{f['kind']}, confidence {f['confidence']}/5): {_escape(f['text'])}{sources}"
        )
    out.append("")
    return "\n".join(out)


def _drafting(drafter: dict[str, Any]) -> list[str]:
    """How much of a model draft the model wrote, at the top: a draft that fell back to the
    extractive one, wholly or in part, must not read as the model's."""
    summary = DraftingSummary.from_dict(drafter.get("drafting"))
    if summary is None:
        return []
    sentence = _escape(summary.describe())
    if summary.complete:
        return [f"Drafting: {sentence}.", ""]
    return [f"> **Drafting fell back to the extractive draft.** In this version {sentence}.", ""]


def _unrated_consensus(themes: list[dict[str, Any]]) -> set[str]:
    """Consensus themes called from content alone: no panel rating stands behind them yet."""
    return {
        t["id"]
        for t in themes
        if t.get("status") == "consensus" and not (t.get("stats") or {}).get("ratings")
    }


_CALLS = {
    "divisive": "divisive",
    "split": "split",
    "no_agreement": "no agreement",
    "too_few": "too few ratings",
}


def _call(verdict: dict[str, Any]) -> str:
    if verdict.get("consensus"):
        return f"consensus ({verdict.get('direction')})"
    return _CALLS.get(str(verdict.get("call")), "no consensus")


def _rated_outside_themes(verdicts: list[dict[str, Any]]) -> list[str]:
    """Rated statements no theme holds (their evidence stayed singular because too few rated
    them to judge, or is not in this round): their verdicts are still reported."""
    if not verdicts:
        return []
    lines = [
        "## Rated statements outside any theme",
        "",
        "No theme carries them: their evidence stayed among the singular views (too few "
        "ratings to judge them), or is not in this round. The panel's verdict on each is "
        "reported here.",
        "",
        "| Item | Verdict | Ratings | Median | Agreement | Why |",
        "|---|---|---:|---:|---:|---|",
    ]
    for v in verdicts:
        stats = v.get("stats", {})
        call = _call(v)
        share = stats.get("percent_agreement")
        agreement = f"{share:.0%}" if isinstance(share, int | float) else ""
        lines.append(
            f"| {_escape(str(v.get('item_id')))} | {call} | {stats.get('n', '')} "
            f"| {stats.get('median', '')} | {agreement} "
            f"| {_escape('; '.join(v.get('reasons', [])))} |"
        )
    lines.append("")
    return lines


def _method(doc: dict[str, Any]) -> list[str]:
    run, drafter, protocol = doc.get("run", {}), doc["version"].get("drafter", {}), doc["protocol"]
    lines = ["## How this report was made", ""]
    lines.append(f"- Drafter: {drafter.get('drafter', doc['version']['origin'])}")
    if drafter.get("model"):
        params = drafter.get("parameters") or {}
        shown = ", ".join(f"{k} {v}" for k, v in sorted(params.items()) if not isinstance(v, list))
        lines.append(f"- Language model: {drafter['model']} ({shown})")
    for name, digest in sorted((drafter.get("prompts") or {}).items()):
        lines.append(f"- Prompt {name}: sha256 {digest}")
    for fallback in drafter.get("fallbacks") or []:
        lines.append(
            f"- Theme {fallback['theme_id']} fell back to the extractive draft: "
            f"{_escape(str(fallback['reason']))}"
        )
    if run:
        backend = f" ({run['embedding_backend']})" if run.get("embedding_backend") else ""
        lines.append(
            f"- Embedding model: {run.get('model')}{backend}; input hash {run.get('input_hash')}"
        )
        lines.append(
            f"- {run.get('fragments')} fragments → {run.get('themes')} themes and "
            f"{run.get('singular_views')} singular views"
        )
        lines += _groups(run)
    lines.append(
        f"- Consensus rule: {protocol.get('rule')} on a {protocol.get('scale', {}).get('min')}–"
        f"{protocol.get('scale', {}).get('max')} scale, agreement threshold "
        f"{protocol.get('agreement_threshold')}, max IQR {protocol.get('max_iqr')}"
        + (
            f", at least {protocol['min_item_ratings']} ratings per item"
            if protocol.get("min_item_ratings")
            else ""
        )
        + (
            ", participation counted against those shown each item"
            if protocol.get("participation_base") == "shown"
            else ""
        )
    )
    if any((t.get("stats") or {}).get("ratings") for t in doc.get("themes") or []):
        lines.append(
            "- Rated themes: each rated item gets one call (consensus, divisive between groups, "
            "split, no agreement, too few ratings); a theme's status is the call its items "
            "share, and a theme whose items were called differently is shown in parts"
        )
    lines.append("")
    return lines
