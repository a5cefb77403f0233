"""What the printed report (PDF and Word) holds for a large round.

Printed in full, a round of 10,000 fragments runs to some 770 A4 pages: about 330 for the
evidence list and most of the rest for citation lists hundreds of identifiers long.
WeasyPrint lays out a few pages a second and holds every page in memory (four minutes and
2.2 GB at 10k), and no reader pages through it: people read the statements and look up a
fragment when they doubt a statement. So above `PRINT_EVIDENCE_LIMIT` fragments the printed
edition keeps every statement, every minority and singular view (each quotes its fragment),
every figure and the methods, names the fragments behind each statement by identifier (the
first `CITE_PREVIEW`, then how many more), and leaves the fragments' words to the exports made
for looking things up: the CSV tables (`fragments.csv`; `statements.csv` lists every
statement's fragments), the JSON, and the HTML report, where every citation is a link.
Rounds of Delphi size print everything, as before. The choice is the records', so the same
records still give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from symphonia.services.reporting import ReportDocument

PRINT_EVIDENCE_LIMIT = 2000
"""Largest round whose fragments are printed in full (about 150 A4 pages of evidence)."""
CITE_PREVIEW = 8
"""Identifiers a printed citation shows before saying how many more there are."""


def evidence_printed(doc: ReportDocument) -> bool:
    """True when the printed edition lists every fragment in its contributor's words."""
    return len(doc.evidence) <= PRINT_EVIDENCE_LIMIT


def cited_ids(ids: Sequence[str]) -> str:
    """A citation as plain identifiers: `f1, f2, … and 40 more` when there are many."""
    shown = ", ".join(ids[:CITE_PREVIEW])
    more = len(ids) - CITE_PREVIEW
    return shown if more <= 0 else f"{shown} and {more:,} more"


def evidence_elsewhere(doc: ReportDocument) -> str:
    """The sentence that stands in for the evidence list, naming where the words are."""
    return (
        f"This round has {len(doc.evidence):,} fragments, more than the "
        f"{PRINT_EVIDENCE_LIMIT:,} a printed report lists in full, so this edition names them "
        "by identifier. Every fragment in the words its contributor wrote, with its kind, "
        "stakeholder group, confidence and theme, is in this version's CSV export "
        "(fragments.csv; statements.csv lists every fragment each statement cites), its JSON "
        "export and its HTML report, where every citation links to its fragment."
    )
