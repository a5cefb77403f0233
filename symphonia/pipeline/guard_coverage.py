"""Guard check (e): every theme, every side of a contested theme and every singular view is
covered by some statement, or listed in the dissent ledger with the reason.

"Covered" means a statement of that theme cites at least one fragment of the theme (or of
the side); for a singular view, some statement cites that fragment. A statement that is
flagged still covers its subject: it is shown to the editor with its flags, which is the
point. The guard never writes content itself: drafters restore what a model left out (see
`llm.drafter`), and whatever is still uncovered after drafting or editing lands in the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from symphonia.core.synthesis import LedgerEntry, Statement
from symphonia.core.themes import Theme


def _cited_by_theme(statements: Iterable[Statement]) -> dict[str | None, set[str]]:
    cited: dict[str | None, set[str]] = {}
    for s in statements:
        cited.setdefault(s.theme_id, set()).update(s.citations)
    return cited


def coverage_gaps(
    statements: Sequence[Statement], themes: Sequence[Theme], singular_views: Sequence[str]
) -> tuple[list[LedgerEntry], set[str]]:
    """Ledger entries for every subject no statement covers, and the subjects covered."""
    covered: set[str] = set()
    cited = _cited_by_theme(statements)
    everything = {i for ids in cited.values() for i in ids}
    gaps: list[LedgerEntry] = []
    for theme in themes:
        mine = cited.get(theme.id, set()) & set(theme.fragment_ids)
        if not mine:
            gaps.append(
                LedgerEntry(
                    theme.id,
                    f"theme {theme.label!r} ({theme.status.value}) is not covered by any "
                    "statement citing its fragments",
                )
            )
            continue
        covered.add(theme.id)
        for side, ids in theme.positions.items():
            if mine & set(ids):
                covered.add(f"{theme.id}:{side}")
            else:
                gaps.append(
                    LedgerEntry(
                        f"{theme.id}:{side}",
                        f"the {side!r} position of theme {theme.label!r} "
                        f"({len(ids)} fragments) is not covered by any statement",
                    )
                )
    for fid in singular_views:
        if fid in everything:
            covered.add(fid)
        else:
            gaps.append(LedgerEntry(fid, "singular view not covered by any statement"))
    return gaps, covered


def merge_ledger(
    existing: Sequence[LedgerEntry], new: Sequence[LedgerEntry], covered: set[str]
) -> tuple[LedgerEntry, ...]:
    """Keep earlier entries unless their subject is now covered (e.g. after an edit); add the
    guard's entries for subjects not already listed (an earlier reason is more specific)."""
    kept = [e for e in existing if e.subject not in covered]
    seen = {e.subject for e in kept}
    return (*kept, *(e for e in new if e.subject not in seen))
