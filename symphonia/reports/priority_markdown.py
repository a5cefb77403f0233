"""The prioritisation report as Markdown: the ranked list with its uncertainty, where the
groups disagree, how much the top leans on the weights, and what the panel could not judge.

Every figure is followed by the table that holds its numbers (its text alternative); a figure
is linked only when its file was written (`figures` maps a chart's name to its relative
path), so the Markdown printed to a terminal carries the tables alone. Everything the
panel or the facilitator wrote is escaped: nothing in an item's title can start a link or a
heading.
"""

from __future__ import annotations

from collections.abc import Mapping

from symphonia.reports.markdown import esc
from symphonia.reports.priority_charts import Chart, joined
from symphonia.services.priority_views import PriorityReport, PriorityRow

FACTOR_WORDS = {0.5: "halved", 2.0: "doubled"}
SHOWN_SPLITS = 3


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _change(row: PriorityRow) -> str:
    if row.rank_change is None:
        return "–"
    if row.rank_change == 0:
        return "="
    return f"▲{row.rank_change}" if row.rank_change > 0 else f"▼{-row.rank_change}"


def _names(report: PriorityReport, items: tuple[str, ...]) -> str:
    ordered = sorted(items, key=lambda i: (report.row(i).rank or 999, i))
    return ", ".join(esc(report.title_of(i)) for i in ordered) or "none"


def _figure(chart: Chart | None, path: str | None) -> list[str]:
    if chart is None or path is None:
        return []
    return [f"![{esc(chart.alt)}]({path})", "", f"*Figure: {esc(chart.title)}.*", ""]


def _header(report: PriorityReport) -> list[str]:
    out = [f"# {esc(report.study.title)}: priorities after round {report.round_number}", ""]
    if report.study.synthetic:
        out += ["> **Synthetic example data.** No real panel produced these scores.", ""]
    m = report.methods
    out += [
        f"**Question:** {esc(report.study.question)}",
        "",
        f"Round {report.round_number} ({report.round_status}): {report.raters} of "
        f"{report.panel_size} panellists scored {len(report.priorities)} items on "
        f"{len(report.criteria)} weighted criteria. Items are ranked by their weighted score "
        f"(rule `{m.rule}`, 0–100) with a {round(m.confidence * 100)}% bootstrap interval over "
        f"raters; the Schulze ranking and the Borda count, from each rater's own ranking, "
        "stand beside it as cross-checks.",
        "",
        "## Criteria",
        "",
        "| Criterion | Weight | Scale | Direction |",
        "|---|---:|---|---|",
    ]
    for c in report.criteria:
        direction = "higher is better" if c.direction == "benefit" else "higher is worse"
        out.append(
            f"| {esc(c.name)} (`{c.id}`) | {c.weight:g} | {c.minimum}–{c.maximum} | {direction} |"
        )
    return [*out, ""]


def _ranked(
    report: PriorityReport, charts: Mapping[str, Chart], paths: Mapping[str, str]
) -> list[str]:
    top = report.methods.top
    previous = report.stability.previous_round if report.stability else None
    out = [
        "## Ranked list",
        "",
        f"| Rank | Item | Score | {round(report.methods.confidence * 100)}% interval "
        f"| In top {top} | Schulze | Borda | Raters |"
        + (f" Since round {previous} |" if previous else ""),
        "|---:|---|---:|---|---:|---:|---:|---:|" + ("---|" if previous else ""),
    ]
    for r in report.priorities:
        interval = f"{r.interval[0]:.1f}–{r.interval[1]:.1f}" if r.interval else "–"
        line = (
            f"| {r.rank or '–'} | {esc(r.title)} (`{r.item}`) | {_num(r.score)} | {interval} "
            f"| {round(r.top_share * 100)}% | {r.schulze_rank} | {r.borda_rank} "
            f"| {r.raters} of {r.answered} |"
        )
        out.append(line + (f" {_change(r)} |" if previous else ""))
    out += [
        "",
        f"*In top {top}*: the share of {report.methods.bootstrap_samples} resampled panels "
        f"that rank the item in the top {top}. *Raters*: those whose weighted score counts, of "
        "those who answered (a rater who could judge too little of an item's weight gives it no "
        "score).",
        "",
    ]
    differ = [
        r for r in report.priorities if r.rank is not None and abs(r.schulze_rank - r.rank) >= 2
    ]
    if differ:
        out += [
            "Where the head-to-head (Schulze) ranking is two places or more from the score "
            "ranking: "
            + "; ".join(
                f"{esc(r.title)} is {r.rank} by score and {r.schulze_rank} by Schulze"
                for r in differ
            )
            + ". A large gap means a few raters with extreme scores move the mean; the "
            "Schulze and Borda columns give every difference.",
            "",
        ]
    return out + _figure(charts.get("scores"), paths.get("scores"))


def _agreement(report: PriorityReport) -> list[str]:
    a = report.agreement
    out = ["## Agreement on the ranking", ""]
    if a.w is None:
        return [*out, f"Kendall's W could not be computed: {esc(a.note or '')}.", ""]
    dropped = (
        f"; {a.dropped_raters} left out for not scoring every item" if a.dropped_raters else ""
    )
    out.append(
        f"Kendall's W = {a.w:.2f} (χ² = {_num(a.chi2)}, df {a.df}, p {_p(a.p_value)}; "
        f"{a.raters} raters{dropped}). 0 is no agreement on the order, 1 complete agreement."
    )
    return [*out, ""]


def _groups(
    report: PriorityReport, charts: Mapping[str, Chart], paths: Mapping[str, str]
) -> list[str]:
    groups = [g for g in report.groups if g.raters]
    out = [
        "## Stakeholder groups",
        "",
        "Each group's ranking of the items, from its own members' weighted scores "
        "(1 = first; – = nobody in the group could score the item):",
        "",
        "| Item | " + " | ".join(f"{esc(g.name)} ({g.raters})" for g in groups) + " |",
        "|---|" + "---:|" * len(groups),
    ]
    for r in report.priorities:
        ranks = " | ".join(str(r.group_ranks.get(g.id) or "–") for g in groups)
        out.append(f"| {esc(r.title)} | {ranks} |")
    out += ["", *_figure(charts.get("groups"), paths.get("groups"))]
    names = {g.id: g.name for g in report.groups}
    splits = [s for s in report.splits if s.spread > 0][:SHOWN_SPLITS]
    if splits:
        out += ["### Where the groups differ most", ""]
        for s in splits:
            high = joined(esc(names.get(g, g)) for g in s.highest)
            low = joined(esc(names.get(g, g)) for g in s.lowest)
            out.append(
                f"- **{esc(s.title)}**: ranked {s.highest_rank} by {high} and "
                f"{s.lowest_rank} by {low} (a spread of {s.spread} places)."
            )
        out += ["", "Groups of two or three people: read these as positions, not estimates.", ""]
    return out


def _sensitivity(report: PriorityReport) -> list[str]:
    s = report.sensitivity
    names = {c.id: c.name for c in report.criteria}
    out = [
        f"## How the top {s.top_n} depends on the weights",
        "",
        f"Top {s.top_n} with the weights as registered: {_names(report, s.baseline)}.",
        "",
        f"In the top {s.top_n} whichever weight is halved or doubled: {_names(report, s.robust)}.",
        "",
        "| Weight changed | Enters the top | Leaves the top |",
        "|---|---|---|",
    ]
    for sc in s.scenarios:
        factor = FACTOR_WORDS.get(sc.factor, f"×{sc.factor:g}")
        what = f"{esc(names.get(sc.criterion, sc.criterion))} {factor}"
        entered = _names(report, sc.entered) if sc.entered else "–"
        left = _names(report, sc.left) if sc.left else "–"
        out.append(f"| {what} | {entered} | {left} |")
    return [*out, ""]


def _cannot_judge(report: PriorityReport) -> list[str]:
    out = ["## What the panel could not judge", ""]
    if not report.cannot_judge:
        return [*out, "Every rater judged every criterion of every item they answered.", ""]
    names = {c.id: c.name for c in report.criteria}
    out += ["| Item | Criterion | Could not judge |", "|---|---|---:|"]
    for c in report.cannot_judge:
        criterion = esc(names.get(c.criterion, c.criterion))
        out.append(f"| {esc(c.title)} | {criterion} | {c.count} of {c.answered} |")
    return [*out, ""]


def _stability(report: PriorityReport) -> list[str]:
    st = report.stability
    if st is None:
        return []
    shifted = [r for r in report.priorities if r.shifted]
    out = [
        f"## Change since round {st.previous_round}",
        "",
        f"{st.moved} of {len(report.priorities)} items changed rank; Kendall's tau between the "
        f"two rounds' scores = {_num(st.tau, 2)} (p {_p(st.tau_p_value)}). Kendall's W went from "
        f"{_num(st.previous_agreement, 2)} to {_num(report.agreement.w, 2)}.",
        "",
    ]
    if shifted:
        out += [
            "Scores shifted significantly (Wilcoxon signed-rank, paired by rater, p < 0.05) for: "
            + "; ".join(
                f"{esc(r.title)} (p {_p(r.shift_p_value)}, rank {_change(r)})" for r in shifted
            )
            + ".",
            "",
        ]
    return out


def _method(report: PriorityReport) -> list[str]:
    m = report.methods
    return [
        "## Method",
        "",
        f"- Each score is put on 0–1 (reversed for criteria where higher is worse); a rater's "
        f"weighted score of an item is 100 × the weighted mean over the criteria they judged, "
        f"counted only when those carry at least {m.min_judged_weight:g} of the weight. The "
        f"item's score is the {'median' if m.rule == 'weighted_median' else 'mean'} over raters.",
        f"- Interval: percentile bootstrap over raters, {m.bootstrap_samples} resampled panels, "
        f"seed {m.seed}.",
        "- Schulze: pairwise preferences from each rater's ranking (a rater who could not score "
        "an item has no opinion on its pairs), winning-votes link strengths, strongest paths; "
        "tied items share a rank. Borda: one point per item ranked below, half per tie.",
        "- Kendall's W with the correction for ties, over raters who scored every item.",
        "",
    ]


def render_priorities_markdown(
    report: PriorityReport,
    charts: tuple[Chart, ...] = (),
    figure_paths: Mapping[str, str] | None = None,
) -> str:
    """The report as Markdown; `figure_paths` (chart name → relative path) links the figures."""
    by_name = {c.name: c for c in charts}
    paths = figure_paths or {}
    lines = [
        *_header(report),
        *_ranked(report, by_name, paths),
        *_agreement(report),
        *_groups(report, by_name, paths),
        *_sensitivity(report),
        *_cannot_judge(report),
        *_stability(report),
        *_method(report),
    ]
    return "\n".join(lines).rstrip() + "\n"
