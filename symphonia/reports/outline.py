"""The report's outline: its headings in reading order, with levels and anchors, shared by
every format (the HTML contents list and headings, the DOCX headings, the PDF bookmarks that
WeasyPrint makes from the HTML headings, the Markdown headings)."""

from __future__ import annotations

from dataclasses import dataclass

from symphonia.services.reporting import ReportDocument, anchors


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    title: str
    anchor: str


def outline(doc: ReportDocument) -> tuple[Heading, ...]:
    h = [Heading(2, "The question", anchors.QUESTION)]
    if doc.overview is not None:
        h.append(Heading(2, "Overview", anchors.OVERVIEW))
    for section in doc.sections:
        h.append(Heading(2, section.title, section.anchor))
    h += [
        Heading(2, "Figures", anchors.FIGURES),
        Heading(2, "Rated statements and their statistics", anchors.ITEMS),
        Heading(2, "Themes", anchors.THEMES),
        Heading(2, "Dissent ledger", anchors.LEDGER),
        Heading(2, "Editors' amendments", anchors.AMENDMENTS),
        Heading(2, "Flags raised by panellists", anchors.FLAGS),
    ]
    h += [Heading(2, s.title, s.anchor) for s in doc.extra_sections]
    h += [
        Heading(2, "Methods", anchors.METHODS),
        Heading(3, "Panel composition", anchors.PANEL),
        Heading(3, "Participant flow", anchors.FLOW),
        Heading(3, "Protocol", anchors.PROTOCOL),
        Heading(3, "Rounds and the stopping rule", anchors.STOPPING),
        Heading(3, "Stability between rounds", anchors.STABILITY),
        Heading(3, "How the draft was made", anchors.DRAFTING),
        Heading(3, "ACCORD reporting checklist", anchors.ACCORD),
        Heading(2, "Evidence", anchors.EVIDENCE),
    ]
    return tuple(h)


NAMED = {anchors.SUMMARY: "Title", anchors.CONTESTED: "Contested issues"}
"""Anchors that are no heading of the outline but are linked to (by the ACCORD checklist)."""


def title_of(headings: tuple[Heading, ...], anchor: str) -> str:
    found = next((h.title for h in headings if h.anchor == anchor), None)
    return found or NAMED[anchor]
