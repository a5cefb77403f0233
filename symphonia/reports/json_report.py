"""The report as JSON: the whole document (statements, their citations, the fragments and
their pseudonymous authors, themes, rated items, ratings, versions, amendments, flags and the
methods appendix), sorted keys and UTF-8, so two exports of the same records are identical."""

from __future__ import annotations

import json

from symphonia.reports.data import to_data
from symphonia.services.reporting import ReportDocument


def render_json(document: ReportDocument) -> str:
    return json.dumps(to_data(document), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
