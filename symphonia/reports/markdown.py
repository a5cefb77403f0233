"""The report as Markdown: what a policymaker reads in a repository or an email, with every
claim traceable.

Each statement ends with links to the fragments behind it; the evidence appendix gives each
fragment's words, kind, group and (as anonymity allows) its author. Flags raised by the
faithfulness guard are shown, never hidden, and so is the dissent ledger. Figures appear as
their text alternatives and data (a Markdown reader has no place for the SVG), so nothing a
chart shows is missing here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

from symphonia.reports import text
from symphonia.reports.charts import chart_data
from symphonia.reports.data import to_data
from symphonia.reports.outline import outline, title_of
from symphonia.services.reporting import ReportDocument, anchors
from symphonia.services.reporting.model import GuardVerdict

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]#!|~])")
"""Characters that can start emphasis, code, links, images, tables or headings. Newlines are
folded first, so nothing a contributor writes can begin a new list item or block."""


def esc(value: object) -> str:
    """Contributors' words as inert text: no Markdown structure, no HTML, one line."""
    flat = " ".join(str(value).split())
    html_safe = "".join(_HTML.get(ch, ch) for ch in flat)
    return _MARKDOWN.sub(r"\\\1", html_safe)


def _cites(ids: Iterable[str]) -> str:
    return " ".join(f"[{esc(i)}](#{anchors.fragment(i)})" for i in ids)


def _flags(guard: GuardVerdict | None) -> str:
    if guard is None or not guard.flags:
        return ""
    shown = "; ".join(f.message for f in guard.flags)
    if guard.accepted:  # an editor kept it despite the flags: the reader sees both, and why
        return (
            f"\n  - ⚠ *Flagged:* {esc(shown)}"
            f"\n  - *Kept by the editors because:* {esc(guard.accepted)}"
        )
    return f"\n  - ⚠ *Flagged for the editors:* {esc(shown)}"


def _heading(level: int, title: str, anchor: str) -> list[str]:
    return [f'<a id="{anchor}"></a>', "", f"{'#' * level} {esc(title)}", ""]


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(esc(h) for h in headers) + " |"]
    lines.append("|" + "---|" * len(headers))
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _sections(doc: ReportDocument) -> list[str]:
    items = {i.item_id: i for i in doc.items}
    out: list[str] = []
    for section in doc.sections:
        out += _heading(2, section.title, section.anchor)
        if section.key == "consensus" and any(s.provisional for s in section.statements):
            out += [
                "Statements marked *provisional* have not been rated by the panel yet: the call "
                "rests on what contributors wrote, and the next round's ratings confirm or "
                "overturn it.",
                "",
            ]
        for s in section.statements:
            label = text.statement_label(s)
            note = f" *({esc(label)})*" if label else ""
            out.append(
                f'- <a id="{anchors.statement(s.key)}"></a>{esc(s.text)}{note} — '
                f"{_cites(s.citations)}{_flags(s.guard)}"
            )
            out += [f"  - {esc(line)}" for line in text.statement_figures(s, items)]
        if not section.statements:
            out.append("*No statement in this section.*")
        out.append("")
        if section.key == "contested":
            out += _contested(doc)
    return out


def _contested(doc: ReportDocument) -> list[str]:
    fragments = {f.id: f for f in doc.evidence}
    out = [f'<a id="{anchors.CONTESTED}"></a>', ""]
    for issue in doc.contested:
        out += [f"### Issue {esc(issue.theme_key)}: {esc(issue.label)}", ""]
        for p in issue.positions:
            out.append(
                f"- **Position “{esc(p.side)}”**: held by {esc(text.position_holders(p))}. "
                f"Evidence: {_cites(p.fragment_ids)}"
            )
        if issue.resolving_evidence:
            quoted = "; ".join(
                f"“{esc(fragments[f].text)}” {_cites([f])}"
                for f in issue.resolving_evidence
                if f in fragments
            )
            out.append(f"- **What contributors say would resolve it**: {quoted}")
        else:
            out.append("- **What contributors say would resolve it**: nobody said.")
        out.append("")
    return out


def _figures(doc: ReportDocument) -> list[str]:
    out = []
    if not doc.items:
        out += ["*No ratings yet: the charts of ratings appear once the panel has rated.*", ""]
    for data in chart_data(doc):
        out += [f"**{esc(data.title)}.** {esc(data.alt)} {esc(data.description)}", ""]
        out += _table(data.headers, data.rows)
    return out


def _items(doc: ReportDocument) -> list[str]:
    if not doc.items:
        return [f"*Nothing was rated in round {doc.round.number}.*", ""]
    return _table(
        ("Item", "Statement", "Call", "Ratings", "Median", "IQR", "Agreement", "Theme"),
        (
            (
                i.item_id,
                i.text,
                text.call(i),
                i.n,
                text.num(i.median),
                text.num(i.iqr),
                text.pct(i.percent_agreement),
                i.theme_key or "outside any theme",
            )
            for i in doc.items
        ),
    )


def _themes(doc: ReportDocument) -> list[str]:
    return _table(
        ("Theme", "Label", "Status", "Fragments", "Contributors", "Raters", "Groups", "Why"),
        (
            (
                t.key,
                t.label,
                t.status,
                t.size,
                t.contributors,
                "–" if t.raters is None else t.raters,
                len(t.groups),
                "; ".join(t.reasons),
            )
            for t in doc.themes
        ),
    )


def _records(doc: ReportDocument) -> list[str]:
    out = _heading(2, "Dissent ledger", anchors.LEDGER)
    out += [f"- **{esc(e.subject)}**: {esc(e.reason)}" for e in doc.ledger] or [
        "*Every theme, contested position and singular view is covered by a statement.*"
    ]
    out += ["", *_heading(2, "Editors' amendments", anchors.AMENDMENTS)]
    for m in doc.amendments:
        out.append(
            f"- **{esc(m.action)}** by {esc(m.editor)}, {text.when(m.at)} (version "
            f"{m.version_number}): {esc(m.reason)}"
            + (f" Before: “{esc(m.before_text)}”." if m.before_text else "")
            + (f" After: “{esc(m.after_text)}”." if m.after_text else "")
        )
    if not doc.amendments:
        out.append(f"*No editor amended this synthesis ({esc(doc.version.drafter)} draft).*")
    out += ["", *_heading(2, "Flags raised by panellists", anchors.FLAGS)]
    for f in doc.flags.flags:
        out.append(
            f"- Statement [{esc(f.statement_key)}](#{anchors.statement(f.statement_key)}): "
            f"“{esc(f.comment)}” Answer ({esc(f.answer)}, {esc(f.answered_by)}): "
            f"{esc(f.answer_reason)}"
        )
    if not doc.flags.flags and not doc.flags.unanswered:
        note = doc.flags.note if not doc.flags.recorded else "No panellist flagged a statement."
        out.append(f"*{esc(note)}*")
    if doc.flags.unanswered:
        out.append(f"*{text.flags_waiting(doc.flags.unanswered)}*")
    out.append("")
    for extra in doc.extra_sections:
        out += _heading(2, extra.title, extra.anchor)
        data = json.dumps(to_data(extra.as_data()), ensure_ascii=False, indent=2, sort_keys=True)
        out += ["```json", data, "```", ""]
    return out


def _methods(doc: ReportDocument) -> list[str]:
    m, headings = doc.methods, outline(doc)
    out = _heading(2, "Methods", anchors.METHODS)
    out += ["Generated from the study's records, never typed by hand.", ""]
    out += _heading(3, "Panel composition", anchors.PANEL)
    out += [f"{m.panel.experts} experts; the panel was {esc(doc.study.anonymity)}.", ""]
    out += _table(
        ("Group", "Label", "Experts"), ((g.key, g.label, g.experts) for g in m.panel.groups)
    )
    out += _heading(3, "Participant flow", anchors.FLOW)
    out += [f"- {esc(text.flow_sentence(r))}" for r in m.flow] + [""]
    out += _heading(3, "Protocol", anchors.PROTOCOL)
    out += [esc(text.protocol_sentence(m.protocol)), "", esc(text.lock_sentence(m.protocol)), ""]
    if m.groups:
        out += [esc(text.groups_sentence(m.groups)), ""]
    out += _heading(3, "Rounds and the stopping rule", anchors.STOPPING)
    verdict = "stop" if m.stopping.stop else "continue" if m.stopping.assessed else "not assessed"
    out += [esc(text.stopping_sentence(m.protocol)), "", f"Verdict: **{verdict}**.", ""]
    out += [f"- {esc(r)}" for r in m.stopping.reasons] + [""]
    out += _heading(3, "Stability between rounds", anchors.STABILITY)
    if m.stability:
        s = m.stability
        out += [
            f"Compared with round {s.previous_round}: Kendall's W {text.num(s.kendall_w)} "
            f"(p = {text.num(s.kendall_p)}).",
            "",
        ]
        out += _table(
            ("Item", "CV before", "CV after", "Change in CV", "Wilcoxon p", "Stable"),
            (
                (
                    i.item_id,
                    text.num(i.cv_before),
                    text.num(i.cv_after),
                    text.num(i.cv_change),
                    text.num(i.wilcoxon_p),
                    "yes" if i.stable else "no",
                )
                for i in s.items
            ),
        )
    else:
        out += ["*Not assessed: no earlier rating round to compare with.*", ""]
    out += _drafting(doc)
    out += _heading(3, "ACCORD reporting checklist", anchors.ACCORD)
    out += _table(
        ("Item", "Topic", "Status", "Where, or why not"),
        (
            (
                i.id,
                f"{i.section}: {i.topic}",
                i.status,
                (f"{title_of(headings, i.where)}: " if i.where else "") + i.answer,
            )
            for i in m.accord
        ),
    )
    return out


def _drafting(doc: ReportDocument) -> list[str]:
    d = doc.methods.drafting
    out = _heading(3, "How the draft was made", anchors.DRAFTING)
    out.append(
        f"- Drafter: {esc(d.drafter)}" + (f"; language model {esc(d.model)}" if d.model else "")
    )
    if d.summary:
        out.append(f"- Drafting: {esc(d.summary)}")
    out += [f"- Prompt {esc(name)}: sha256 {digest}" for name, digest in d.prompts]
    out += [f"- Theme {esc(t)} fell back to the extractive draft: {esc(r)}" for t, r in d.fallbacks]
    out.append(
        f"- Embedding model: {esc(d.embedding_model)} ({esc(d.embedding_backend)}); input hash "
        f"{d.input_hash}"
    )
    out.append(
        f"- {d.fragments} fragments → {d.themes} themes and {d.singular_views} singular views; "
        f"theme labels: {esc(d.theme_labels)}"
    )
    out.append(
        f"- Faithfulness guard: {d.guard.statements} statements checked, {d.guard.flagged} "
        f"flagged; {d.guard.ledger_entries} dissent-ledger entries"
    )
    out += [f"- Editors' amendments: {d.amendments}", ""]
    return out


def render_markdown(doc: ReportDocument) -> str:
    study = doc.study
    out = [f'<a id="{anchors.SUMMARY}"></a>', "", f"# {esc(study.title)}", ""]
    out += ["*Delphi consensus report*", ""]
    if study.synthetic:
        out += ["> **Synthetic example data.** No real panel produced these contributions.", ""]
    out += [esc(text.status_line(doc)), ""]
    notice = text.drafting_notice(doc)
    if notice is not None:
        warning, sentence = notice
        out += [(f"> **{warning}** " if warning else "") + esc(sentence), ""]
    out += _heading(2, "The question", anchors.QUESTION)
    out += [f"**{esc(study.question)}**", ""]
    if study.description:
        out += [esc(study.description), ""]
    if doc.overview is not None:
        out += _heading(2, "Overview", anchors.OVERVIEW)
        out += [esc(doc.overview.text) + _flags(doc.overview.guard), ""]
    out += _sections(doc)
    out += _heading(2, "Figures", anchors.FIGURES) + _figures(doc)
    out += _heading(2, "Rated statements and their statistics", anchors.ITEMS) + _items(doc)
    out += _heading(2, "Themes", anchors.THEMES) + _themes(doc)
    out += _records(doc)
    out += _methods(doc)
    out += _heading(2, "Evidence", anchors.EVIDENCE)
    for f in doc.evidence:
        where = f"theme {f.theme_key}" if f.theme_key else "singular view"
        sources = f" Sources: {esc('; '.join(f.sources))}." if f.sources else ""
        out.append(
            f'- <a id="{anchors.fragment(f.id)}"></a>**{esc(f.id)}** '
            f"({esc(text.fragment_source(f))}; {where}): {esc(f.text)}{sources}"
        )
    out.append("")
    return "\n".join(out)
