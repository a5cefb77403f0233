"""A Polis export with no votes: each comment's `agrees` and `disagrees` from comments.csv.

Polis exports carry per-comment counts beside the comment. When votes.csv is absent, empty or
holds only its header, those counts are the only record of how the conversation voted, so
they are read as :class:`~symphonia.core.ratings.RatingTally` values: how many agreed (score
3) and disagreed (score 1), with no voter invented. Passes are not in comments.csv, so every
count says so; and without voters no opinion group can be formed or checked, which the
analysis says in each verdict. A comment with no votes at all gets no tally (it stays
unrated); bad cells are refused with their line, as every other cell of the export is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from symphonia._polis_csv import shown_cell, whole_number
from symphonia.core.ratings import RatingTally
from symphonia.core.text_rules import MAX_INTEGER
from symphonia.interchange import Issue

COUNT_COLUMNS = ("agrees", "disagrees")
UNRECORDED = "passes (comments.csv counts agree and disagree votes only)"


@dataclass(slots=True)
class CountCells:
    """The count cells of comments.csv, as read, by fragment id."""

    columns: bool = False
    """Whether comments.csv has both count columns."""
    cells: dict[str, tuple[int, str | None, str | None]] = field(default_factory=dict)
    """Fragment id → (line, agrees cell, disagrees cell)."""

    def add(self, fragment_id: str, line: int, row: dict[str, str]) -> None:
        self.columns = all(c in row for c in COUNT_COLUMNS)
        self.cells[fragment_id] = (line, row.get("agrees"), row.get("disagrees"))


def votes_missing(path: Path) -> bool:
    """votes.csv absent or empty (its header alone is checked by the caller)."""
    try:
        return not path.exists() or (path.is_file() and path.stat().st_size == 0)
    except OSError:
        return False  # unreadable: reading it reports why


def tallies_from_counts(
    counts: CountCells, kept: list[str], excluded: set[str]
) -> tuple[list[RatingTally], int, list[Issue]]:
    """Tallies of the kept comments, votes counted on excluded ones, and bad cells."""
    if not counts.columns:
        reason = (
            "votes.csv holds no votes, and comments.csv has no agrees and disagrees "
            "columns to fall back on"
        )
        return [], 0, [Issue(None, "(file)", reason)]
    tallies: list[RatingTally] = []
    errors: list[Issue] = []
    on_excluded = 0
    for fid in [*kept, *sorted(excluded)]:
        if fid not in counts.cells:
            continue
        line, agrees_cell, disagrees_cell = counts.cells[fid]
        agrees, disagrees = whole_number(agrees_cell), whole_number(disagrees_cell)
        bad = False
        for name, cell, value in (
            ("agrees", agrees_cell, agrees),
            ("disagrees", disagrees_cell, disagrees),
        ):
            if value is None or value < 0:
                refusal = f"must be a whole number ≥ 0, got {shown_cell(cell)}"
            elif value > MAX_INTEGER:  # the database's integer column would overflow
                refusal = f"must be at most {MAX_INTEGER}, got {shown_cell(cell)}"
            else:
                continue
            errors.append(Issue(line, name, refusal))
            bad = True
        if bad or agrees is None or disagrees is None:
            continue
        if fid in excluded:
            on_excluded += agrees + disagrees
        elif agrees + disagrees:
            tallies.append(RatingTally(fid, ((1, disagrees), (3, agrees)), UNRECORDED))
    return tallies, on_excluded, errors
