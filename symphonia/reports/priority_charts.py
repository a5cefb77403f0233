"""The figures of a prioritisation report as static SVG: scores with their intervals, and the
stakeholder groups' ranks of each item as a heatmap.

Static files, because a report is archived and read offline; SVG, because it stays sharp and
its text stays text. Each figure carries a text alternative (``<title>`` and ``<desc>`` in
the SVG, and the alt text the Markdown shows), and every number in it is also in a table
of the report, so nothing is told by colour or position alone. Output is deterministic: the
same report gives the same bytes (matplotlib's SVG ids come from a fixed hash salt, the date
is left out, and text is kept as text rather than as glyph paths), so a re-run changes no
file and a diff of two reports shows only what changed.

matplotlib is used through its object API with the SVG canvas: no pyplot, no global figure
state, safe in a worker thread.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from symphonia.services.priority_views import PriorityReport, PriorityRow

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not with the module
    from matplotlib.figure import Figure

HASH_SALT = "symphonia-priorities"
MAX_LABEL = 60
GROUP_LABEL_WIDTH = 18


@dataclass(frozen=True, slots=True)
class Chart:
    name: str
    """File-name stem: ``scores`` or ``groups``."""
    title: str
    alt: str
    """The text alternative: what the figure shows, with its numbers."""
    svg: str
    png: bytes | None = None
    """The same figure as PNG, drawn only when asked for (Word takes no SVG)."""


def joined(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    listed = list(names)
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def _label(row: PriorityRow) -> str:
    title = row.title if len(row.title) <= MAX_LABEL else row.title[: MAX_LABEL - 1] + "…"
    return f"{row.rank or '–'}. {title}"


def _figure(
    build: Callable[[Figure], None], width: float, height: float, png: bool
) -> tuple[str, bytes | None]:
    """The figure as SVG text and, when `png`, as PNG bytes (no software or date stamp, so
    the same figure gives the same bytes)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with mpl.rc_context(
        {
            "svg.hashsalt": HASH_SALT,
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9.0,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        figure = Figure(figsize=(width, height))
        FigureCanvasSVG(figure)
        build(figure)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
        raster = None
        if png:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
            raster = buffer.getvalue()
    return out.getvalue(), raster


def _accessible(svg: str, title: str, alt: str) -> str:
    """Give the SVG a role, a title and a description that screen readers announce."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    opening = svg[start:end]
    opening += ' role="img" aria-labelledby="chart-title chart-desc"'
    described = (
        f'>\n <title id="chart-title">{escape(title)}</title>\n'
        f' <desc id="chart-desc">{escape(alt)}</desc>'
    )
    return svg[:start] + opening + described + svg[end + 1 :]


def _interval(row: PriorityRow) -> str:
    if row.interval is None:
        return ""
    return f" ({row.interval[0]:.1f}–{row.interval[1]:.1f})"


def scores_chart(report: PriorityReport, png: bool = False) -> Chart:
    rows = [r for r in report.priorities if r.score is not None]
    confidence = round(report.methods.confidence * 100)
    title = (
        f"Weighted score (0–100) of each item, round {report.round_number}, with "
        f"{confidence}% bootstrap intervals"
    )
    alt = (
        f"Dot chart of the weighted scores of {len(rows)} items with {confidence}% bootstrap "
        "intervals over raters, highest first: "
        + "; ".join(f"{r.rank}. {r.title}: {r.score:.1f}{_interval(r)}" for r in rows)
        + "."
    )

    def build(figure: Figure) -> None:
        ax = figure.add_subplot()
        ys = list(range(len(rows)))[::-1]
        for y, r in zip(ys, rows, strict=True):
            if r.interval is not None:
                ax.plot(r.interval, [y, y], color="#1d70b8", linewidth=2, solid_capstyle="butt")
            score = r.score or 0.0  # rows without a score were left out above
            ax.plot([score], [y], "o", color="#0b0c0c", markersize=5)
            ax.annotate(f"{score:.1f}", (score, y), xytext=(0, 6), textcoords="offset points",
                        ha="center", fontsize=7)  # fmt: skip
        ax.set_yticks(ys, [_label(r) for r in rows])
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel("Weighted score (0–100): dot = panel score, bar = bootstrap interval")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        figure.tight_layout()

    svg, raster = _figure(build, 8.0, 0.42 * len(rows) + 1.2, png)
    return Chart("scores", title, alt, _accessible(svg, title, alt), raster)


def groups_chart(report: PriorityReport, png: bool = False) -> Chart:
    rows = list(report.priorities)
    groups = [g for g in report.groups if g.raters]
    n = len(rows)
    title = f"Rank of each item in each stakeholder group, round {report.round_number}"
    split = report.splits[0] if report.splits else None
    alt = (
        f"Heatmap of the rank (1 = first of {n}) each of {len(groups)} stakeholder groups "
        "gives each item, items in the panel's order; the numbers are in the table of group "
        "ranks."
    )
    if split is not None:
        names = {g.id: g.name for g in report.groups}
        alt += (
            f" Largest split: {split.title}, ranked {split.highest_rank} by "
            f"{joined(names.get(g, g) for g in split.highest)} and {split.lowest_rank} by "
            f"{joined(names.get(g, g) for g in split.lowest)}."
        )

    def build(figure: Figure) -> None:
        import numpy as np

        ax = figure.add_subplot()
        grid = np.array(
            [
                [np.nan if (v := r.group_ranks.get(g.id)) is None else v for g in groups]
                for r in rows
            ],
            dtype=float,
        ).reshape(n, len(groups))
        image = ax.imshow(grid, cmap="Blues_r", vmin=1, vmax=max(n, 2), aspect="auto")
        for i in range(n):
            for j in range(len(groups)):
                value = grid[i, j]
                text = "–" if np.isnan(value) else str(int(value))
                dark = not np.isnan(value) and value <= n / 3  # white text on dark cells
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if dark else "#0b0c0c")  # fmt: skip
        labels = [textwrap.fill(g.name, GROUP_LABEL_WIDTH) for g in groups]
        ax.set_xticks(range(len(groups)), labels, rotation=30, ha="right")
        ax.set_yticks(range(n), [_label(r) for r in rows])
        colorbar = figure.colorbar(image, ax=ax, shrink=0.6)
        colorbar.set_label("rank within the group (1 = first)")
        figure.tight_layout()

    svg, raster = _figure(build, 9.0, 0.36 * n + 2.4, png)
    return Chart("groups", title, alt, _accessible(svg, title, alt), raster)


def priority_charts(report: PriorityReport, png: bool = False) -> tuple[Chart, ...]:
    """Every figure of the report (none when no item could be scored); `png` draws each as
    PNG too."""
    if not any(r.score is not None for r in report.priorities):
        return ()
    return (scores_chart(report, png), groups_chart(report, png))
