"""The theme map keeps its labels legible when dozens of themes crowd one region (issue 12
§4): no two labels overlap, each moved label keeps a line to its theme, and the figure is
still the same bytes every time."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Annotation

from symphonia.reports.charts import render_charts
from symphonia.reports.charts.draw import figure
from symphonia.reports.charts.specs import chart_data
from symphonia.services.reporting import ReportDocument
from symphonia.services.reporting.model import ThemeEntry
from tests.unit.reports.documents import consensus_document, fragment

THEMES = 40


def crowded() -> ReportDocument:
    """40 themes of 5 fragments whose centres lie on a grid far finer than a label, and two
    singular views far apart."""
    themes, evidence = [], []
    for k in range(THEMES):
        key = f"t{k:02d}"
        ids = tuple(f"f{k:02d}-{j}" for j in range(5))
        themes.append(
            ThemeEntry(
                key,
                f"Label {k}",
                "extractive",
                (),
                "consensus",
                (),
                5,
                5,
                None,
                ("g",),
                (),
                3.0,
                ids,
                ids[:1],
                None,
                (),
            )
        )
        x, y = (k % 8) * 0.02, (k // 8) * 0.02
        evidence += [
            fragment(fid, "words", theme_key=key, position=(x + 0.001 * j, y))
            for j, fid in enumerate(ids)
        ]
    # Two singular views far away make the 40 themes one crowded patch of the map.
    evidence += [fragment(f"far-{x}", "words", position=(x, x)) for x in (-2.0, 2.0)]
    return replace(consensus_document(rated=True), themes=tuple(themes), evidence=tuple(evidence))


def test_crowded_theme_labels_do_not_overlap_and_point_to_their_themes() -> None:
    doc = crowded()
    [data] = [d for d in chart_data(doc) if d.kind == "theme_map"]
    fig = figure(doc, data)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    [ax] = fig.axes
    labels = [t for t in ax.texts if not isinstance(t, Annotation)]
    assert sorted(t.get_text() for t in labels) == [f"t{k:02d}" for k in range(THEMES)]
    boxes = [t.get_window_extent(renderer) for t in labels]
    overlapping = [
        (a.get_text(), b.get_text())
        for (a, box_a), (b, box_b) in combinations(zip(labels, boxes, strict=True), 2)
        if box_a.overlaps(box_b)
    ]
    assert overlapping == []
    inside = ax.get_window_extent(renderer)
    assert all(inside.contains(b.x0, b.y0) and inside.contains(b.x1, b.y1) for b in boxes)
    lines = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert 0 < len(lines) <= THEMES, "a moved label keeps a line to its theme's centre"


def test_the_crowded_map_is_the_same_bytes_every_time() -> None:
    def theme_map() -> str | None:
        [chart] = [c for c in render_charts(crowded()) if c.data.kind == "theme_map"]
        return chart.svg

    assert theme_map() == theme_map()
