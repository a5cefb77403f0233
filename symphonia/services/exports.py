"""The report of a round's synthesis version, as the one typed model every renderer reads
(`symphonia.services.reporting`); kept under its old name for the CLI and the web."""

from __future__ import annotations

from symphonia.services.reporting import ReportDocument, build_report_document

build_report = build_report_document

__all__ = ["ReportDocument", "build_report"]
