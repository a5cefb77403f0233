"""The report model service: one typed `ReportDocument` per synthesis version, built from the
study's records, which every report renderer (`symphonia.reports`) reads."""

from symphonia.services.reporting.build import (
    FlagsProvider,
    assemble,
    build_report_document,
    flags_not_recorded,
)
from symphonia.services.reporting.extensions import ExtraSection, SectionProvider
from symphonia.services.reporting.model import ReportDocument

__all__ = [
    "ExtraSection",
    "FlagsProvider",
    "ReportDocument",
    "SectionProvider",
    "assemble",
    "build_report_document",
    "flags_not_recorded",
]
