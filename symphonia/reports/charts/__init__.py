"""The report's figures: static SVG (and PNG for DOCX), each with a text alternative.

Every chart is drawn from the report document alone, and its text alternative (a one-line
`alt`, a `description`, and the data as a table) is written from the same values, so a
reader who cannot see the picture reads the same figures. matplotlib is imported only in
`charts.draw`, and only when a chart is drawn.
"""

from __future__ import annotations

from symphonia.reports.charts.specs import Chart, ChartData, chart_data, render_charts

__all__ = ["Chart", "ChartData", "chart_data", "render_charts"]
