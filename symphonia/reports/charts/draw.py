"""The matplotlib adapter: each figure drawn as SVG (text kept as text) or PNG, byte for byte
the same from the same document.

matplotlib is imported here and only here, inside the functions, with the object-oriented
API (no pyplot state, safe in a worker thread). Determinism: a fixed `svg.hashsalt` (the ids
of clip paths and glyphs), no date or version in the metadata, fixed sizes and fonts.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from symphonia.reports.charts.specs import ChartData
from symphonia.services.reporting import ReportDocument

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INK = "#0b0c0c"
GREY = "#6f777b"
THRESHOLD = "#d4351c"
LABEL_STEPS = 300
"""Steps adjustText takes to move the theme map's labels apart (enough for ~70 themes)."""
RASTER_ABOVE = 2000
"""Fragments above which the theme map's markers are drawn as one image inside the SVG."""
RC: dict[str, Any] = {
    "svg.hashsalt": "symphonia-report",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "path.simplify": True,
}


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _items(doc: ReportDocument, data: ChartData) -> list[Any]:
    by_id = {i.item_id: i for i in doc.items}
    return [by_id[i] for i in data.items if i in by_id]


def _rows_height(n: int) -> float:
    return max(2.2, 0.9 + 0.28 * n)


def _distribution(doc: ReportDocument, data: ChartData) -> Figure:
    import matplotlib as mpl

    items = _items(doc, data)
    lo, hi = doc.methods.protocol.scale
    scores = list(range(lo, hi + 1))
    colours = mpl.colormaps["RdYlBu"].resampled(len(scores))
    fig = _figure(7.5, _rows_height(len(items)))
    ax = fig.add_subplot()
    labels = [
        f"{i.item_id} ({'consensus' if i.consensus else i.call.replace('_', ' ')})" for i in items
    ]
    left = [0.0] * len(items)
    for k, score in enumerate(scores):
        counts = [dict(i.distribution).get(score, 0) for i in items]
        ax.barh(
            labels,
            counts,
            left=left,
            color=colours(k),
            edgecolor="white",
            linewidth=0.5,
            label=str(score),
        )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("Number of ratings")
    ax.legend(
        title="Score",
        ncols=min(len(scores), 9),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if len(items) > 3 else -0.3),
        frameon=False,
        fontsize=8,
    )
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _groups(doc: ReportDocument, data: ChartData) -> Figure:
    import numpy as np

    items = _items(doc, data)
    names = list(data.headers[1:])
    grid = np.full((len(items), len(names)), np.nan)
    for r, item in enumerate(items):
        for g in item.groups:
            if g.n and g.group in names:
                grid[r, names.index(g.group)] = g.percent_agreement
    fig = _figure(max(5.0, 1.6 + 0.9 * len(names)), _rows_height(len(items)))
    ax = fig.add_subplot()
    image = ax.imshow(grid, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(names)), labels=names, rotation=30, ha="right")
    ax.set_yticks(range(len(items)), labels=[i.item_id for i in items])
    for r in range(len(items)):
        for c in range(len(names)):
            value = grid[r, c]
            if not np.isnan(value):
                ax.text(
                    c,
                    r,
                    f"{value * 100:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > 0.6 else INK,
                )
    fig.colorbar(image, ax=ax, label="Share rating in the agreement band", shrink=0.8)
    return fig


def _rounds(doc: ReportDocument, data: ChartData) -> Figure:
    items = list(data.items)
    rounds = sorted({h.round for h in doc.history})
    history = {(h.item_id, h.round): h.percent_agreement for h in doc.history}
    markers = ["o", "s", "^", "D", "v", "P"]
    fig = _figure(7.0, _rows_height(len(items)))
    ax = fig.add_subplot()
    for row, item in enumerate(items):
        xs = [history[(item, r)] * 100 for r in rounds if (item, r) in history]
        ax.plot(xs, [row] * len(xs), color=GREY, linewidth=1, zorder=1)
    for k, r in enumerate(rounds):
        points = [
            (history[(item, r)] * 100, row)
            for row, item in enumerate(items)
            if (item, r) in history
        ]
        ax.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            marker=markers[k % 6],
            s=30,
            zorder=2,
            label=f"Round {r}",
        )
    threshold = doc.methods.protocol.agreement_threshold * 100
    ax.axvline(
        threshold, color=THRESHOLD, linestyle="--", linewidth=1, label=f"Threshold {threshold:g}%"
    )
    ax.set_yticks(range(len(items)), labels=items)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of ratings in the agreement band (%)")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _theme_map(doc: ReportDocument, data: ChartData) -> Figure:
    import matplotlib as mpl
    from matplotlib import patheffects

    placed = [f for f in doc.evidence if f.position is not None]
    fig = _figure(7.5, 6.0)
    ax = fig.add_subplot()
    # Thousands of markers as vector paths cost WeasyPrint ~20 s to paint at 10k fragments;
    # as one embedded image (axes, labels and legend stay vector) they print the same.
    if len(placed) > RASTER_ABOVE:
        ax.set_rasterization_zorder(3.5)
        fig.set_dpi(150)  # the image's resolution; the SVG's own size stays in points
    singular = [f for f in placed if f.theme_key is None]
    if singular:
        ax.scatter(
            [f.position[0] for f in singular if f.position],
            [f.position[1] for f in singular if f.position],
            marker="x",
            s=22,
            color=GREY,
            linewidths=1,
            label="singular view",
            zorder=3,
        )
    palette = mpl.colormaps["tab20"]
    by_theme: dict[str, list[tuple[float, float]]] = {}
    for f in placed:
        if f.theme_key is not None and f.position:
            by_theme.setdefault(f.theme_key, []).append(f.position)
    labels = []
    for k, theme in enumerate(doc.themes):
        mine = by_theme.get(theme.key)
        if not mine:
            continue
        xs, ys = [p[0] for p in mine], [p[1] for p in mine]
        ax.scatter(xs, ys, s=14, color=palette(k % 20), alpha=0.85, zorder=2)
        labels.append(
            ax.text(
                sum(xs) / len(xs),
                sum(ys) / len(ys),
                theme.key,
                fontsize=8,
                weight="bold",
                ha="center",
                va="center",
                color=INK,
                zorder=4,
                path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
            )
        )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("Themes are labelled by id at their centre; the table lists each theme's label")
    if singular:
        # "best" searches every marker for the emptiest corner, on each of the three draws a
        # large map takes (layout, SVG, PNG): seconds at 10k fragments.
        large = len(placed) > RASTER_ABOVE
        ax.legend(loc="upper right" if large else "best", fontsize=8, frameon=False)
    _separate(ax, labels)
    return fig


def _separate(ax: Any, labels: list[Any]) -> None:
    """Move overlapping theme labels apart (adjustText), each with a line to its theme's
    centre, so every label can be read when dozens of themes crowd one region. A fixed number
    of steps (not adjustText's default time limit) keeps the figure the same bytes on any
    machine."""
    if len(labels) < 2:
        return
    from adjustText import adjust_text

    fig = ax.get_figure()
    fig.draw_without_rendering()  # settle the constrained layout before measuring labels
    adjust_text(
        labels,
        ax=ax,
        iter_lim=LABEL_STEPS,
        expand=(1.15, 1.4),
        arrowprops={"arrowstyle": "-", "color": INK, "lw": 0.6},
        min_arrow_len=12,  # a line only where a label moved clearly away from its centre
    )


def _flow(doc: ReportDocument, data: ChartData) -> Figure:
    from matplotlib.patches import FancyBboxPatch

    flow = doc.methods.flow
    panel = doc.methods.panel
    boxes = [f"Panel: {panel.experts} experts in {len(panel.groups)} stakeholder groups"]
    notes: list[str | None] = [None]
    for r in flow:
        boxes.append(
            f"Round {r.number} ({r.kind}): {r.took_part} of {r.panel} took part "
            f"({r.response_rate * 100:.0f}%)"
        )
        notes.append(None if r.dropped is None else f"{r.dropped} did not return")
    height = 0.9 * len(boxes) + 0.4
    fig = _figure(6.5, height)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, len(boxes))
    ax.axis("off")
    for k, (label, note) in enumerate(zip(boxes, notes, strict=True)):
        y = len(boxes) - k - 0.5
        ax.add_patch(
            FancyBboxPatch(
                (0.3, y - 0.3),
                6.2,
                0.6,
                boxstyle="round,pad=0.02",
                facecolor="#f3f2f1",
                edgecolor=INK,
                linewidth=1,
            )
        )
        ax.text(3.4, y, label, ha="center", va="center", fontsize=8.5, color=INK)
        if k:
            ax.annotate(
                "",
                xy=(3.4, y + 0.3),
                xytext=(3.4, y + 0.7),
                arrowprops={"arrowstyle": "->", "color": INK},
            )
        if note:
            ax.annotate(
                note,
                xy=(6.5, y + 0.5),
                xytext=(7.0, y + 0.5),
                fontsize=8,
                va="center",
                color=THRESHOLD,
                arrowprops={"arrowstyle": "->", "color": THRESHOLD},
            )
    return fig


DRAW: dict[str, Callable[[ReportDocument, ChartData], Figure]] = {
    "distribution": _distribution,
    "groups": _groups,
    "rounds": _rounds,
    "theme_map": _theme_map,
    "flow": _flow,
}


def figure(doc: ReportDocument, data: ChartData) -> Figure:
    """The figure itself, unsaved (`render` saves it; tests measure what is on it)."""
    fig = DRAW[data.kind](doc, data)
    fig.suptitle(data.title, fontsize=11, color=INK)
    return fig


def render(
    doc: ReportDocument, data: ChartData, *, svg: bool = True, png: bool = False
) -> tuple[str | None, bytes | None]:
    """The figure drawn once and saved as SVG, PNG or both: building a figure costs as much
    as saving it, and a 10k-fragment theme map is not cheap to build twice."""
    with _style():
        fig = figure(doc, data)
        svg_text = None
        if svg:
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "Symphonia"})
            text = buffer.getvalue()
            svg_text = text[text.index("<svg") :]
        png_bytes = None
        if png:
            raster = io.BytesIO()
            fig.savefig(raster, format="png", dpi=150, metadata={"Software": None})
            png_bytes = raster.getvalue()
    return svg_text, png_bytes
