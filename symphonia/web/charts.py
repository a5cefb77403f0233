"""Small bar charts drawn on the server as SVG, for the few places a picture beats a table.

No JavaScript and no charting library: the geometry is computed here, the template
(`_bar_chart.html`) only draws rectangles and text, and every chart is shown beside a table
of the same figures (its text alternative). Bars carry their figure as text too, so colour
is never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 200
FIGURE_WIDTH = 130
BAR_HEIGHT = 24
GAP = 12
TOP = 8


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    figure: str
    """The value as text, shown after the bar ("12 of 15, 80%")."""
    y: float
    width: float
    """The bar's length in SVG units (0 for nothing)."""


@dataclass(frozen=True, slots=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return TOP * 2 + len(self.bars) * (BAR_HEIGHT + GAP)

    @property
    def plot_width(self) -> int:
        return self.width - LABEL_WIDTH - FIGURE_WIDTH


def _figure(value: int, of: int) -> str:
    share = f", {value / of:.0%}" if of else ""
    return f"{value} of {of}{share}"


def share_chart(
    chart_id: str, title: str, description: str, items: Sequence[tuple[str, int, int]]
) -> BarChart:
    """Horizontal bars of `value` out of `of` for each (label, value, of), all on one scale
    (0 to 100 %), so groups of different sizes compare fairly."""
    plot = WIDTH - LABEL_WIDTH - FIGURE_WIDTH
    bars = tuple(
        Bar(
            label if len(label) <= 28 else label[:27] + "…",
            _figure(value, of),
            TOP + i * (BAR_HEIGHT + GAP),
            round(plot * value / of, 1) if of else 0.0,
        )
        for i, (label, value, of) in enumerate(items)
    )
    return BarChart(chart_id, title, description, bars)


def distribution_chart(
    chart_id: str, title: str, counts: Sequence[tuple[int, int]], cannot_judge: int
) -> BarChart:
    """The panel's answers to one question: a bar per point of the scale and one for
    "cannot judge", each as a share of everyone who answered (so the bars add up to the
    whole panel that answered, and a group's chart compares with the panel's)."""
    answered = sum(n for _, n in counts) + cannot_judge
    bars = [(str(score), n, answered) for score, n in counts]
    bars.append(("cannot judge", cannot_judge, answered))
    given = ", ".join(f"{n} gave {score}" for score, n in counts if n) or "no scores"
    description = f"{answered} answered: {given}; {cannot_judge} could not judge."
    return share_chart(chart_id, title, description, bars)
